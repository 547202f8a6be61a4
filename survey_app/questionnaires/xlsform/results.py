"""What reading an XLSForm gives: the questionnaire, or every problem with its sheet and row."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SheetProblem:
    file: str  # the file name as given (e.g. "kobo_form.xlsx")
    sheet: str  # "survey" | "choices" | "settings" | another sheet's name
    row: int | None  # the spreadsheet's row number (1 = header row); None for a whole-file problem
    message: str  # in Chinese, plain, saying what to change

    def __str__(self) -> str:
        where = f"{self.sheet}!{self.row}" if self.row is not None else self.sheet
        return f"{self.file}:{where}: {self.message}"


@dataclass(frozen=True)
class Imported:
    definition: dict[str, Any] | None  # our questionnaire file's data (what the YAML holds); None if problems
    yaml_text: str  # the YAML to write ("" if problems)
    problems: tuple[SheetProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems
