"""Request bodies of the API: JSON only (RFC 8259, no NaN), plain or gzip-compressed
(`Content-Encoding: gzip`, what a tablet on a 2G link sends, issue 17).  The compressed body is
bounded by MAX_CONTENT_LENGTH as any body is; the inflated one by MAX_INFLATED_LENGTH, read in
pieces so that a small "zip bomb" is refused (413) before it fills the memory.  No Flask views."""
from __future__ import annotations

import json
import zlib
from typing import Any

#: what a piece of inflation may produce at once: the bound is checked between pieces
_PIECE = 64 * 1024


class BodyError(Exception):
    """A body refused: its HTTP status and the message for ``errors.body``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def inflate(raw: bytes, limit: int) -> bytes:
    """A gzip stream's content, at most ``limit`` bytes (BodyError 413 past it, 400 if corrupt)."""
    decoder = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip only, its header checked
    out = bytearray()
    pending = raw
    try:
        while pending:
            out += decoder.decompress(pending, _PIECE)
            if len(out) > limit:
                raise BodyError(413, f"the body inflates to more than {limit} bytes")
            pending = decoder.unconsumed_tail
        out += decoder.flush()
    except zlib.error:
        raise BodyError(400, "the body is not valid gzip") from None
    if len(out) > limit:
        raise BodyError(413, f"the body inflates to more than {limit} bytes")
    if not decoder.eof:
        raise BodyError(400, "the gzip body is cut short")
    return bytes(out)


def decoded(raw: bytes, encoding: str | None, limit: int) -> bytes:
    """The body as sent, undone of its Content-Encoding (identity or gzip; 415 for others)."""
    names = [part.strip().lower() for part in (encoding or "").split(",") if part.strip()]
    if names in ([], ["identity"]):
        return raw
    if names in (["gzip"], ["x-gzip"]):
        return inflate(raw, limit)
    raise BodyError(415, "Content-Encoding must be gzip or none")


def strict_json(raw: bytes) -> Any:
    """RFC 8259 JSON only: no NaN or Infinity; too deep a nesting is refused like bad syntax."""
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise BodyError(400, "the body is not valid JSON") from None
