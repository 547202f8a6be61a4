"""A report's charts as PNG for the Word file: drawn by the PDF's Chromium (``export``) at the
print resolution of the width they are printed at, which the PNG states.  No Flask here."""
from __future__ import annotations

import logging
import struct
import zlib
from typing import Any

from .export import image_of
from .word_styles import TEXT_WIDTH_MM

log = logging.getLogger(__name__)

#: a Word report's charts: printed across the text (GB/T 9704's 156 mm) at 300 dots an inch
PRINT_WIDTH_MM, PRINT_DPI = float(TEXT_WIDTH_MM), 300


def print_pixels(width_mm: float = PRINT_WIDTH_MM, dpi: int = PRINT_DPI) -> int:
    return round(width_mm / 25.4 * dpi)


def print_png(fig: Any, width: int, height: int) -> bytes | None:
    """The PNG of a Plotly figure laid out at ``width`` x ``height`` CSS pixels (as the PDF's, so
    that labels wrap alike) and drawn with as many dots as it needs to print ``PRINT_WIDTH_MM``
    wide at ``PRINT_DPI``, which the file says (its pHYs chunk); None as ``export.svg_of``."""
    scale = print_pixels() / width
    data = image_of(fig, {"format": "png", "width": width, "height": height, "scale": scale})
    if not isinstance(data, bytes) or not data.startswith(PNG_SIGNATURE):
        if data is not None:
            log.warning("kaleido's PNG could not be read")
        return None
    return with_dpi(data, PRINT_DPI)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def with_dpi(png: bytes, dpi: int) -> bytes:
    """The PNG with its resolution stated (a pHYs chunk after the header, any other dropped), so
    that Word, WPS and LibreOffice size it right when it is inserted or reset to its own size."""
    per_metre = round(dpi / 0.0254)
    body = struct.pack(">IIB", per_metre, per_metre, 1)
    chunk = struct.pack(">I", len(body)) + b"pHYs" + body + struct.pack(">I", zlib.crc32(b"pHYs" + body))
    out, at = [png[:8]], 8
    while at < len(png):
        length = struct.unpack(">I", png[at:at + 4])[0]
        kind, end = png[at + 4:at + 8], at + 12 + length
        if kind != b"pHYs":
            out.append(png[at:end])
        if kind == b"IHDR":
            out.append(chunk)
        at = end
    return b"".join(out)
