"""What one cell of an export may hold, and the neutralisation of text that a spreadsheet would
otherwise run as a formula (OWASP, "CSV Injection").  No Flask, no database."""
from __future__ import annotations

import datetime as dt

#: a value as the writers take it: text, a number, a time (China time, aware), a date, or empty
Cell = str | int | float | dt.datetime | dt.date | None

#: OWASP's list: Excel, LibreOffice and Google Sheets start a formula (or a DDE call) at these
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """``text`` with a single quote in front when a spreadsheet would read it as a formula.

    Only text is ever touched: numbers are written as numbers by the writers, so ``-5`` typed
    into a text question becomes ``'-5`` while the number -5 stays -5.  The quote is kept in
    the value (not hidden as Excel's "quote prefix" style) in both formats, so a sheet saved
    again as CSV stays safe; a reader who wants the text as typed drops one leading quote
    (the about sheet says so).
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe(value: Cell) -> Cell:
    """Every cell goes through here on its way to a writer: text neutralised, the rest as is.
    ``bool`` is a kind of int in Python: written as 0/1."""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return int(value)
    return value
