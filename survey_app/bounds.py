"""Bounds on what a request may carry, in one place (docs/SECURITY.md, "Input bounds").

Every number that reaches the database fits PostgreSQL's integer (SQLite's is wider), every time
falls in the programme's plausible window, and no text holds a NUL (PostgreSQL cannot store it)
or a lone surrogate (no encoding can): outside these a request gets a 4xx with a message on
both engines, never a database error.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

#: PostgreSQL's ``integer``: ids, versions and years are stored in it.
MAX_DB_INT = 2**31 - 1
#: China Standard Time, the programme's clock.
CST = dt.timezone(dt.timedelta(hours=8))
#: The programme began in 2013: an earlier time is a tablet whose clock was reset.
EARLIEST = dt.datetime(2013, 1, 1, tzinfo=CST)
#: A tablet's clock may run a little ahead of the server's; a day more is a wrong clock.
AHEAD = dt.timedelta(days=1)


def bounded_int(text: Any, least: int = 1, most: int = MAX_DB_INT) -> int | None:
    """A whole number written in ASCII digits within [least, most], or None.

    ``int()`` would take "٢٠٢٦" and fail on "²"; a number past the column's range is a database
    error on PostgreSQL, not "not found"."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        value = text
    elif isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= 12:
        value = int(text)
    else:
        return None
    return value if least <= value <= most else None


def in_window(moment: dt.datetime, now: dt.datetime | None = None) -> bool:
    """Is an aware time between the programme's start and a day past the server's clock?"""
    now = now or dt.datetime.now(dt.UTC)
    return EARLIEST <= moment <= now + AHEAD


_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def bad_text(value: str) -> bool:
    """A NUL, or a surrogate code point (only ever alone in a Python string)."""
    return _BAD_TEXT.search(value) is not None


def bad_text_paths(value: Any, path: str = "") -> Iterator[str]:
    """Where, inside parsed JSON, a string or a key holds a NUL or a lone surrogate."""
    if isinstance(value, str):
        if bad_text(value):
            yield path or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and bad_text(key):
                yield path or "body"
                continue
            yield from bad_text_paths(item, where)
    elif isinstance(value, list):
        for item in value:
            yield from bad_text_paths(item, path)
