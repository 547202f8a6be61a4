"""Where a `next` parameter may send the browser: a path on this site, and nothing a browser
could read as another site (issue 15: `/%09/evil.example` became `//evil.example`)."""
from __future__ import annotations

from urllib.parse import urlsplit


def safe_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None.

    Browsers drop tabs and newlines from URLs and read a backslash as a slash, so any of them (or
    any other control or space character) is refused outright rather than cleaned; what is left
    must start with one slash and name no scheme or host."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(not ch.isprintable() or ch.isspace() for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
