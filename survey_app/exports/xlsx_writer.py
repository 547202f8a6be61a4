"""XLSX with XlsxWriter in constant-memory mode: each row goes to a temporary file as soon as the
next one starts, so a workbook of 100,000 rows costs no more memory than one of 100.  No Flask
here."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import xlsxwriter

from .cells import Cell, safe

OPTIONS = {
    "constant_memory": True,
    # Belt and braces: every cell is written by its type below, never guessed from text.
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
#: Excel has no time zones: times are written as China time and the about sheet says so
TIME_FORMAT, DATE_FORMAT = "yyyy-mm-dd hh:mm:ss", "yyyy-mm-dd"


class Sheet:
    """One worksheet written row by row, each cell by its type."""

    def __init__(self, workbook: Any, worksheet: Any) -> None:
        self.worksheet = worksheet
        self.time = workbook.add_format({"num_format": TIME_FORMAT})
        self.date = workbook.add_format({"num_format": DATE_FORMAT})
        self.bold = workbook.add_format({"bold": True})
        self.rows = 0

    def header(self, names: list[str]) -> None:
        for col, name in enumerate(names):
            self.worksheet.write_string(self.rows, col, str(safe(name)), self.bold)
        self.worksheet.freeze_panes(1, 0)
        self.rows += 1

    def row(self, values: list[Cell]) -> None:
        ws, r = self.worksheet, self.rows
        for col, value in enumerate(values):
            value = safe(value)
            if value is None:
                continue
            if isinstance(value, str):
                ws.write_string(r, col, value)
            elif isinstance(value, dt.datetime):
                ws.write_datetime(r, col, value.replace(tzinfo=None), self.time)
            elif isinstance(value, dt.date):
                ws.write_datetime(r, col, value, self.date)
            else:
                ws.write_number(r, col, value)
        self.rows += 1


def write_xlsx(path: Path, sheets: Iterable[tuple[str, list[str], Iterable[list[Cell]]]]) -> dict[str, int]:
    """Write ``(name, header, rows)`` sheets in order; the data rows written to each sheet."""
    written: dict[str, int] = {}
    workbook = xlsxwriter.Workbook(str(path), OPTIONS)
    try:
        for name, header, rows in sheets:
            sheet = Sheet(workbook, workbook.add_worksheet(name))
            sheet.header(header)
            for values in rows:
                sheet.row(values)
            written[name] = sheet.rows - 1
    finally:
        workbook.close()
    return written
