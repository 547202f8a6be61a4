"""HTML to PDF with WeasyPrint, reading nothing but the app's own static files and ``data:`` URLs.

The report HTML is rendered with the base URL ``https://sanqu.invalid/`` (a reserved name that
can never resolve), so ``static/css/report.css`` in the template means the app's file and
any other URL, whatever a template or a user's text smuggles in, is refused by
:class:`SafeFetcher`: no ``file://`` read, no network request.  No Flask here.
"""
from __future__ import annotations

import base64
import binascii
import logging
import mimetypes
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)

BASE_URL = "https://sanqu.invalid/"
STATIC_PREFIX = "/static/"
#: where a report's charts are addressed while Chromium draws them (answered by SafeFetcher only)
CHARTS_URL = BASE_URL + "charts/"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
_TYPES = {".css": "text/css", ".woff2": "font/woff2", ".woff": "font/woff", ".svg": "image/svg+xml", ".png": "image/png"}


class Refused(ValueError):
    """A URL the report may not read."""


class SafeFetcher(URLFetcher):
    """WeasyPrint's URL fetcher for reports: ``data:`` URLs and files under ``static_dir`` addressed
    as ``https://sanqu.invalid/static/<path>``; anything else raises :class:`Refused` (WeasyPrint
    logs it and leaves the resource out) and is recorded in :attr:`refused`.

    WeasyPrint 70 wants a ``URLFetcher`` (it reads ``_fail_on_errors``) whose ``fetch`` returns a
    ``URLFetcherResponse``; only ``fetch`` is replaced, so urllib's openers are never used.
    """

    def __init__(self, static_dir: Path = STATIC_DIR, charts: Mapping[str, Future[str | None]] | None = None) -> None:
        super().__init__(allowed_protocols=("data", "https"), allow_redirects=False)
        self.static_dir = static_dir.resolve()
        self.charts = dict(charts or {})
        self.refused: list[str] = []
        self.fetched: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url[:5].lower() == "data:":
            self.fetched.append(url[:60])
            body, content_type = _data_url(url)
            return URLFetcherResponse(url, body, {"Content-Type": content_type})
        if url.startswith(CHARTS_URL):
            return self._chart(url)
        path = self._static_path(url)
        if path is None:
            self.refused.append(url)
            raise Refused(f"not the report's own static file: {url[:200]}")
        self.fetched.append(url)
        content_type = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    def _chart(self, url: str) -> URLFetcherResponse:
        """A chart's SVG, waiting for Chromium to finish it (each drawing has its own time
        limit: ``export.CALL_TIMEOUT``)."""
        drawing = self.charts.get(url[len(CHARTS_URL):].removesuffix(".svg"))
        svg = drawing.result() if drawing is not None else None
        if svg is None:
            self.refused.append(url)
            raise Refused(f"no chart drawn for {url[:200]}")
        self.fetched.append(url)
        return URLFetcherResponse(url, svg.encode("utf-8"), {"Content-Type": "image/svg+xml"})

    def _static_path(self, url: str) -> Path | None:
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        if parts.scheme != "https" or parts.netloc != "sanqu.invalid" or parts.query or not parts.path.startswith(STATIC_PREFIX):
            return None
        relative = unquote(parts.path[len(STATIC_PREFIX):])
        if not relative or "\x00" in relative or relative.startswith("/"):
            return None
        # resolve() follows symlinks and "..", so a link or a path out of the folder fails here.
        path = (self.static_dir / relative).resolve()
        if not path.is_relative_to(self.static_dir) or not path.is_file():
            return None
        return path


def chart_url(key: str) -> str:
    return f"{CHARTS_URL}{key}.svg"


def _data_url(url: str) -> tuple[bytes, str]:
    """The bytes and media type of a ``data:`` URL (RFC 2397)."""
    header, comma, payload = url[5:].partition(",")
    if not comma:
        raise Refused("a data: URL without data")
    params = header.split(";")
    encoded = params[-1].strip().lower() == "base64"
    if encoded:
        params.pop()
    content_type = ";".join(params).strip() or "text/plain;charset=US-ASCII"
    raw = unquote_to_bytes(payload)
    try:
        return (base64.b64decode(raw, validate=False) if encoded else raw), content_type
    except binascii.Error as exc:
        raise Refused(f"a data: URL with bad base64: {exc}") from exc


# One font configuration per process: it holds the @font-face fonts once decoded (the 6.4 MB
# WOFF2 files take seconds to decompress), so only the first report pays for it.  It is not
# safe to share between threads, so renders take turns; a report at a time also bounds memory.
_lock = threading.Lock()
_fonts: FontConfiguration | None = None


def render_pdf(html: str, fetcher: SafeFetcher | None = None) -> bytes:
    """The PDF of ``html`` (a report template's output), fetching through ``fetcher``."""
    global _fonts
    fetcher = fetcher or SafeFetcher()
    with _lock:
        if _fonts is None:
            _fonts = FontConfiguration()
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
        pdf = document.write_pdf(font_config=_fonts)
    assert pdf is not None
    return pdf
