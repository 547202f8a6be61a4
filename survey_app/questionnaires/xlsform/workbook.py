"""An XLSForm workbook as rows of cells, read by pyxform's own readers (.xlsx, .xls, .csv), with
each column's header taken apart as pyxform does (``label::Chinese (zh)`` is the label in that
language, ``relevance`` is ``relevant``, ...) and each row keeping its spreadsheet row number.

The cells' text is kept as typed: pyxform's later steps turn “ ” into " and collapse spaces,
which is right for expressions (Excel puts curly quotes into them) but would change Chinese
labels, so only the expression columns are cleaned that way (``expression``).
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from pyxform import aliases
from pyxform.parsing.sheet_headers import SMART_QUOTES, process_header
from pyxform.question import MultipleChoiceQuestion, Option
from pyxform.survey import Survey
from pyxform.xls2json_backends import DefinitionData, SupportedFileTypes, get_xlsform

#: our own sheet of what XLSForm cannot hold (written by ``writer.py``)
SANQU_SHEET = "sanqu"
_SHEET_COLUMNS = {
    "survey": (aliases.survey_header, set(MultipleChoiceQuestion.get_slot_names())),
    "choices": (aliases.list_header, set(Option.get_slot_names())),
    "settings": (aliases.settings_header, set(Survey.get_slot_names())),
}
Tokens = tuple[str, ...]


@dataclass(frozen=True)
class Row:
    sheet: str
    number: int  # the spreadsheet's row (1 is the header row)
    cells: dict[Tokens, str]

    def get(self, *tokens: str) -> str | None:
        return self.cells.get(tuple(tokens))

    def expression(self, *tokens: str) -> str | None:
        """An expression cell, with Excel's curly quotes made straight, as pyxform does."""
        value = self.get(*tokens)
        return re.sub("|".join(SMART_QUOTES), lambda m: SMART_QUOTES[m.group(0)], value) if value else value

    def translations(self, *base: str) -> dict[str | None, str]:
        """The cells of one translatable column: {language as written (None: unnamed): text}."""
        found: dict[str | None, str] = {}
        for tokens, value in self.cells.items():
            if tokens[: len(base)] == base and len(tokens) <= len(base) + 1:
                found[tokens[len(base)] if len(tokens) > len(base) else None] = value
        return found

    def __bool__(self) -> bool:
        return bool(self.cells)


@dataclass
class Sheet:
    name: str
    #: header as written -> its tokens
    columns: dict[str, Tokens] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)


@dataclass
class Workbook:
    sheets: dict[str, Sheet]
    sheet_names: list[str]
    #: the ``sanqu`` sheet: (row, key, value)
    sanqu: list[tuple[int, str, str]] = field(default_factory=list)

    def sheet(self, name: str) -> Sheet:
        return self.sheets.get(name) or Sheet(name)


def file_type(name: str) -> str | None:
    suffix = PurePath(name).suffix.lower()
    return suffix if suffix in {t.value for t in SupportedFileTypes} - {".md"} else None


def read_workbook(data: bytes, name: str) -> Workbook:
    """The sheets pyxform reads (survey, choices, settings) and ours; pyxform's errors pass."""
    raw: DefinitionData = get_xlsform(io.BytesIO(data), file_type=file_type(name))
    sheets = {}
    for sheet_name, (header_aliases, known) in _SHEET_COLUMNS.items():
        rows = getattr(raw, sheet_name) or []
        headers = getattr(raw, f"{sheet_name}_header") or []
        sheets[sheet_name] = _sheet(sheet_name, rows, headers, header_aliases, known)
    book = Workbook(sheets, list(raw.sheet_names or []))
    if SANQU_SHEET in book.sheet_names and file_type(name) in (None, ".xlsx", ".xlsm"):
        book.sanqu = _sanqu_sheet(data)
    return book


def _sheet(name: str, rows: list[dict[str, Any]], headers: list[dict[str, Any]],
           header_aliases: dict[str, Any], known: set[str]) -> Sheet:
    sheet = Sheet(name)
    header_names = list(headers[0]) if headers else list(dict.fromkeys(k for r in rows for k in r))
    double_colon = any("::" in h for h in header_names)
    for header in header_names:
        sheet.columns[header] = process_header(header, double_colon, header_aliases, known)[1]
    for index, row in enumerate(rows):
        cells = {sheet.columns[h]: str(v) for h, v in row.items() if h in sheet.columns and v is not None and str(v).strip()}
        # pyxform keeps blank rows in the middle so that row numbers stay the spreadsheet's
        sheet.rows.append(Row(name, index + 2, cells))
    return sheet


def _sanqu_sheet(data: bytes) -> list[tuple[int, str, str]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        out = []
        for number, row in enumerate(book[SANQU_SHEET].iter_rows(min_row=2, max_col=2, values_only=True), start=2):
            key, value = (*row, None, None)[:2]
            if key is not None and str(key).strip():
                out.append((number, str(key).strip(), "" if value is None else str(value)))
        return out
    finally:
        book.close()


# Which language a column's suffix means: its code in brackets, or its name.
_ZH_CODE = re.compile(r"^(zh|zho|chi|cmn)([-_].*)?$")
_EN_CODE = re.compile(r"^(en|eng)([-_].*)?$")
_ZH_WORDS = ("chinese", "中文", "汉语", "漢語", "华语", "普通话", "简体", "繁體", "中国话")
_EN_WORDS = ("english", "英文", "英语", "英語")


def language_of(label: str | None, default: str | None) -> str | None:
    """"zh", "en" or None (another language) for a column's language as written; an unnamed
    column is in the form's default language, and with none set, in Chinese."""
    if label is None:
        if default is None or default.strip().lower() == "default":
            return "zh"
        label = default
    text = label.strip().lower()
    bracket = re.search(r"\(([^()]*)\)\s*$", text)
    for candidate in ([bracket.group(1).strip()] if bracket else []) + [text]:
        if _ZH_CODE.match(candidate):
            return "zh"
        if _EN_CODE.match(candidate):
            return "en"
    if any(w in text for w in _ZH_WORDS):
        return "zh"
    if any(w in text for w in _EN_WORDS):
        return "en"
    return None
