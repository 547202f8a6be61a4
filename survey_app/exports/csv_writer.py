"""CSV as a stream of encoded chunks: UTF-8 with a byte-order mark, which is how Excel on
Chinese Windows knows the file is UTF-8 (without it, it reads GBK and the Chinese is garbled).
No Flask here."""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator

from .cells import FORMULA_STARTS, Cell, safe

BOM = "\ufeff".encode()
#: bytes gathered before a chunk is handed on: large enough for few writes, small enough to stream
CHUNK_BYTES = 64 * 1024


def text_of(value: Cell) -> str:
    """A cell as CSV text: neutralised text, numbers as Python writes them (shortest round trip),
    times in ISO 8601 with their offset (+08:00), dates as YYYY-MM-DD.  A time without a zone
    (the labelled export's China time) is written ``2026-05-01 09:12:00``, which Excel reads
    as a time; it does not read ISO 8601's ``T``."""
    value = safe(value)
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep="T" if value.tzinfo is not None else " ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _row_text(row: list[Cell]) -> list[Cell]:
    """``text_of`` over a row, by the cell's exact type: the csv module writes None as nothing
    and numbers as ``str`` does, so only text, times, dates and booleans need a hand.  A third of
    an export's time went to calling ``text_of`` on every cell (issue 17)."""
    out: list[Cell] = []
    append = out.append
    for value in row:
        if isinstance(value, str):
            append("'" + value if value.startswith(FORMULA_STARTS) else value)
        elif value is None or type(value) is int or type(value) is float:  # not bool: written 0/1
            append(value)
        else:
            append(text_of(value))
    return out


def csv_chunks(header: list[str], rows: Iterable[list[Cell]]) -> Iterator[bytes]:
    """The file, BOM first, as chunks of about ``CHUNK_BYTES``."""
    yield BOM
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180's line ends, which Excel expects
    writer.writerow([text_of(name) for name in header])
    for row in rows:
        writer.writerow(_row_text(row))
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()
