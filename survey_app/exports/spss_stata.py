"""SPSS (.sav) and Stata (.dta) files with pyreadstat, which writes from a pandas DataFrame: the
rows are gathered column by column (numbers in typed arrays, a page of rows at a time), then the
frame is written whole.  Unlike the CSV and XLSX writers its memory grows with the rows (about
0.8 KB a response for the awareness questionnaire: docs/BENCHMARKS.md), which is why the page
always has the worker write these files.  No Flask here.

Dta files are Stata 14's format (release 118), which holds UTF-8: Chinese labels and text read
back intact in Stata 14 and later; .sav files are UTF-8 too (SPSS 16 and later read them).
Missing values are system missing; an empty text is an empty string (neither format has a
missing string).
"""
from __future__ import annotations

import datetime as dt
import itertools
import logging
import math
from array import array
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .cells import Cell
from .labelled import china_time
from .variables import DTA, RULES, Variable, fit

log = logging.getLogger(__name__)

#: Stata 14's format (release 118, UTF-8), which Stata 14 and every later Stata reads;
#: pyreadstat's default, 15, writes release 119, which Stata 14 cannot open
STATA_VERSION = 14
#: rows turned into columns at once: a page's worth, as rows.py reads them
BATCH = 1000
_NAN = math.nan
#: dates and times as the formats count them: SPSS in seconds from 14 October 1582, Stata in
#: days (dates) or milliseconds (times) from 1960; written as numbers with a date format (a
#: datetime64 column would make pyreadstat copy the whole frame first)
_SPSS_EPOCH, _STATA_EPOCH = dt.datetime(1582, 10, 14), dt.datetime(1960, 1, 1)
_DATE_UNIT = {"sav": dt.timedelta(seconds=1), "dta": dt.timedelta(days=1)}
_TIME_UNIT = {"sav": dt.timedelta(seconds=1), "dta": dt.timedelta(milliseconds=1)}
#: distinct texts of a column kept once (a county's name is one object, not one a row); a column
#: of unique texts (uuid, respondent code) stops adding at this many
SHARED_TEXTS = 4096
#: the display formats of the variables' ``decimals`` and of dates, per format
_FORMATS = {
    "sav": {"date": "DATE11", "datetime": "DATETIME20", 0: "F8.0", 1: "F8.1"},
    "dta": {"date": "%td", "datetime": "%tc", 0: "%9.0g", 1: "%9.1f"},
}


class Column:
    """One variable's values as they are gathered."""

    def __init__(self, variable: Variable, fmt: str) -> None:
        self.variable, self.fmt = variable, fmt
        #: as the variable's, until a value that is no number turns a number into text
        self.kind = variable.kind
        self.numbers = array("d")
        self.objects: list[Any] = []
        self._shared: dict[str, str] = {}
        #: a coded variable's numbers, grown by any code its question does not list
        self.codes = dict(variable.codes or {})
        self.extra_labels: dict[int, str] = {}

    def extend(self, values: tuple[Cell, ...]) -> None:
        if self.kind == "number":
            try:
                numbers = [_NAN if v is None else float(v) for v in values]  # type: ignore[arg-type]
            except (TypeError, ValueError):
                self._as_text()
            else:
                self.numbers.extend(numbers)
                return
        if self.kind == "coded":
            self.numbers.extend(_NAN if v is None else self._code(v) for v in values)
        elif self.kind == "string":
            self.objects.extend(self._text(v) for v in values)
        elif self.kind == "datetime":
            start, unit = (_SPSS_EPOCH if self.fmt == "sav" else _STATA_EPOCH), _TIME_UNIT[self.fmt]
            self.numbers.extend(_NAN if v is None else (china_time(v) - start) / unit for v in values)  # type: ignore[arg-type, operator]
        else:  # a date
            first, unit = (_SPSS_EPOCH if self.fmt == "sav" else _STATA_EPOCH).date(), _DATE_UNIT[self.fmt]
            self.numbers.extend(_NAN if v is None else (v - first) / unit for v in values)  # type: ignore[operator]

    def _as_text(self) -> None:
        """A number variable holding text: an older version asked the question as another type
        (the newest version's type names the column).  The values are kept, as text, rather than
        the file refused: the numbers gathered so far written as the codes export writes them."""
        log.warning("%s holds values that are not numbers: written as text", self.variable.column)
        self.kind = "string"
        self.objects = ["" if math.isnan(x) else (str(int(x)) if x.is_integer() else repr(x)) for x in self.numbers]
        self.numbers = array("d")

    def _text(self, value: Cell) -> str:
        text = "" if value is None else str(value)
        shared = self._shared.get(text)
        if shared is not None:
            return shared
        if len(self._shared) < SHARED_TEXTS:
            self._shared[text] = text
        return text

    def _code(self, value: Cell) -> float:
        key = value if isinstance(value, str | int | float) else str(value)
        code = self.codes.get(key)  # type: ignore[arg-type]
        if code is None:
            # a value no option of any version lists (it cannot be stored today, but an old
            # row may hold one): given the next number and itself as its label, never dropped
            code = max(self.codes.values(), default=0) + 1
            self.codes[key] = code  # type: ignore[index]
            self.extra_labels[code] = str(key)
        return float(code)

    def series(self) -> Any:
        # pandas and numpy are imported when a file is written, not with the app: most
        # processes never write one, and pandas alone takes half a second to import
        import numpy as np
        import pandas as pd

        if self.kind == "string":
            return pd.Series(self.objects, dtype=object)
        return np.frombuffer(self.numbers, dtype="float64") if self.numbers else np.array([], dtype="float64")

    def release(self) -> None:
        """Drop the gathered values once the frame holds them (its own copy, or a view that
        keeps them alive anyway)."""
        self.numbers, self.objects, self._shared = array("d"), [], {}

    @property
    def labelled(self) -> bool:
        return self.kind != "string" and bool(self.variable.value_labels or self.extra_labels)

    def value_labels(self, limit: int) -> dict[int | float, str]:
        labels: dict[int | float, str] = dict(self.variable.value_labels.items())
        labels.update((code, fit(text, limit)[0]) for code, text in self.extra_labels.items())
        return labels


#: an SPSS document's lines are 80 bytes
NOTE_LINE_BYTES = 80


def note_lines(paragraphs: Iterable[str], width: int = NOTE_LINE_BYTES) -> list[str]:
    """``paragraphs`` as lines of at most ``width`` UTF-8 bytes, broken at a space where there
    is one, else between characters."""
    lines: list[str] = []
    for paragraph in paragraphs:
        line = ""
        for char in paragraph:
            if len((line + char).encode()) > width:
                space = line.rfind(" ")
                lines.append(line[:space] if space > 0 else line)
                line = line[space + 1:] if space > 0 else ""
            line += char
        lines.append(line)
    return lines


def write(path: Path, fmt: str, variables: list[Variable], rows: Iterable[list[Cell]], file_label: str,
          note: Iterable[str] = ()) -> int:
    """Write ``rows`` (each a codes row followed by the places' names: ``variables.row_of``) as
    ``fmt`` at ``path``, with ``note`` as an SPSS file's document (Stata's has no room for it);
    the number of rows."""
    import pandas as pd
    import pyreadstat

    rules = RULES[fmt]
    columns = [Column(v, fmt) for v in variables]
    count = 0
    rows = iter(rows)
    while batch := list(itertools.islice(rows, BATCH)):
        count += len(batch)
        for column in columns:
            position = column.variable.position
            column.extend(tuple(row[position] for row in batch))
    frame = pd.DataFrame({c.variable.name: c.series() for c in columns}, copy=False)
    for column in columns:
        column.release()
    columns_labels: dict[str, str | None] = {v.name: v.label for v in variables}
    value_labels: dict[str, dict[int | float, str]] = {
        c.variable.name: c.value_labels(rules.value_label_bytes) for c in columns if c.labelled}
    display = _FORMATS[fmt]
    formats = {c.variable.name: display[c.kind] for c in columns if c.kind in ("date", "datetime")}
    formats.update({c.variable.name: display[c.variable.decimals] for c in columns
                    if c.variable.decimals in (0, 1) and c.kind in ("number", "coded")})
    if fmt == "sav":
        pyreadstat.write_sav(
            frame, str(path), file_label=fit(file_label, 64)[0], column_labels=columns_labels,
            variable_value_labels=value_labels, variable_format=formats, note=note_lines(note) or None,
            variable_measure={c.variable.name: c.variable.measure if c.kind != "string" else "nominal" for c in columns},
            row_compress=True)
    else:
        pyreadstat.write_dta(frame, str(path), file_label=fit(file_label, DTA.label_length, "characters")[0],
                             column_labels=columns_labels, variable_value_labels=value_labels, variable_format=formats,
                             version=STATA_VERSION)
    return count

