"""Our questionnaire written as an XLSForm (survey, choices, settings) that pyxform converts, so
that a partner on KoboToolbox or ODK can use it; plus what XLSForm cannot hold, so that reading
it back gives the same questionnaire: a ``sanqu`` column (a question's range, unit, length
limit, inline scale, hint audience) and a ``sanqu`` sheet (the English title, consent, greeting,
thanks, wave and respondent-code settings, scales, indices, comparisons), both as YAML/JSON."""
from __future__ import annotations

import io
import json
from typing import Any

import yaml
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..check import definition_hash
from .columns import EN, EXPLICIT_DEFAULTS, SANQU_KEYS, ZH, point_labels
from .toxpath import ExportError, to_xpath

SURVEY_COLUMNS = ["type", "name", f"label::{ZH}", f"label::{EN}", f"hint::{ZH}", f"hint::{EN}",
                  f"short_label::{ZH}", f"short_label::{EN}", "required", f"required_message::{ZH}",
                  f"required_message::{EN}", "relevant", "constraint", f"constraint_message::{ZH}",
                  f"constraint_message::{EN}", "appearance", f"media::audio::{ZH}", "sanqu"]
CHOICE_COLUMNS = ["list_name", "name", f"label::{ZH}", f"label::{EN}"]
TYPES = {"multi": "select_multiple", "text": "text", "date": "date", "note": "note"}

__all__ = ["ExportError", "write_xlsform"]


def write_xlsform(definition: dict[str, Any]) -> bytes:
    """The .xlsx bytes of a checked questionnaire definition (a file's data); ExportError (its
    message in Chinese, one line per rule) when a rule has no XLSForm spelling."""
    return _Writer(definition).workbook()


class _Writer:
    def __init__(self, definition: dict[str, Any]):
        self.definition = definition
        self.questions = {q["id"]: q for s in definition["sections"] for q in s["questions"]}
        self.survey: list[dict[str, Any]] = []
        self.choices: list[list[str]] = []
        self.list_names: set[str] = set(definition.get("scales") or {})
        self.problems: list[str] = []

    def workbook(self) -> bytes:
        for name, scale in (self.definition.get("scales") or {}).items():
            self.scale_choices(name, scale)
        for section in self.definition["sections"]:
            self.section(section)
        if self.problems:
            raise ExportError("\n".join(self.problems))
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "survey"
        _fill(sheet, SURVEY_COLUMNS, [[row.get(c, "") for c in SURVEY_COLUMNS] for row in self.survey])
        _fill(book.create_sheet("choices"), CHOICE_COLUMNS, self.choices)
        settings = ["form_id", "form_title", "default_language", "version"]
        version = definition_hash(self.definition)[:12]
        _fill(book.create_sheet("settings"), settings, [[self.definition["id"], self.definition["title"]["zh"], ZH, version]])
        rows = [[key, _yaml(self.definition[key])] for key in SANQU_KEYS if key in self.definition]
        _fill(book.create_sheet("sanqu"), ["key", "value"], rows)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    def section(self, section: dict[str, Any]) -> None:
        begin = {"type": "begin group", "name": section["id"], "appearance": "field-list", **_texts("label", section["title"])}
        if "relevant" in section:
            begin["relevant"] = self.rule(section["id"], "relevant", section["relevant"])
        self.survey.append(begin)
        for question in section["questions"]:
            self.question(question)
        self.survey.append({"type": "end group", "name": section["id"]})

    def question(self, q: dict[str, Any]) -> None:
        row: dict[str, Any] = {"name": q["id"], **_texts("label", q["label"])}
        extras: dict[str, Any] = {}
        kind = q["type"]
        if kind in ("single", "multi"):
            list_name = self.unique(q["id"])
            row["type"] = f"{'select_one' if kind == 'single' else 'select_multiple'} {list_name}"
            for option in q["options"]:
                self.choices.append([list_name, option["value"], option["label"]["zh"], option["label"].get("en", "")])
        elif kind == "likert":
            scale = q["scale"]
            if isinstance(scale, dict):
                extras["scale"] = scale
                list_name = self.unique(f"{q['id']}_scale")
                self.scale_choices(list_name, scale)
            else:
                list_name = scale
            row["type"], row["appearance"] = f"select_one {list_name}", "likert"
        elif kind == "number":
            row["type"] = "integer" if q.get("integer") else "decimal"
        else:
            row["type"] = TYPES[kind]
        for key in ("hint", "short", "required_message", "constraint_message"):
            if key in q:
                row.update(_texts({"short": "short_label"}.get(key, key), q[key]))
        if q.get("hint", {}).get("audience"):
            extras["hint_audience"] = q["hint"]["audience"]
        if q.get("required"):
            row["required"] = "yes"
        if q.get("multiline"):
            row["appearance"] = "multiline"
        if "audio" in q:
            row[f"media::audio::{ZH}"] = q["audio"]
        for key in ("min", "max", "unit", "max_length"):
            if key in q:
                extras[key] = q[key]
        for key in EXPLICIT_DEFAULTS:
            if q.get(key) is False:
                extras[key] = False
        if "relevant" in q:
            row["relevant"] = self.rule(q["id"], "relevant", q["relevant"])
        constraint = self.constraint(q)
        if constraint:
            row["constraint"] = constraint
        if extras:
            row["sanqu"] = json.dumps(extras, ensure_ascii=False)
        self.survey.append(row)

    def constraint(self, q: dict[str, Any]) -> str:
        """Our constraint, with the range (min, max) in front for ODK, which has no other place
        for it; the reader takes the range off again (it is in the ``sanqu`` column)."""
        me = {"var": q["id"]}
        bounds = [{op: [me, q[key]]} for op, key in ((">=", "min"), ("<=", "max")) if key in q and q["type"] in ("number", "date")]
        parts = [*bounds, *([q["constraint"]] if "constraint" in q else [])]
        if not parts:
            return ""
        return self.rule(q["id"], "constraint", parts[0] if len(parts) == 1 else {"and": parts}, current=q["id"])

    def rule(self, owner: str, key: str, rule: Any, current: str | None = None) -> str:
        try:
            text = to_xpath(rule, self.questions, current)
        except ExportError as exc:
            self.problems.append(f"{owner} 的 {key}：{exc}")
            return ""
        return text

    def scale_choices(self, list_name: str, scale: dict[str, Any]) -> None:
        for point, label in zip(range(scale["min"], scale["max"] + 1), point_labels(scale), strict=True):
            self.choices.append([list_name, str(point), label["zh"], label.get("en", "")])

    def unique(self, wanted: str) -> str:
        name = wanted
        while name in self.list_names:
            name += "_"
        self.list_names.add(name)
        return name


def _texts(column: str, text: dict[str, str]) -> dict[str, str]:
    return {f"{column}::{ZH}": text["zh"], **({f"{column}::{EN}": text["en"]} if text.get("en") else {})}


def _yaml(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=10**6).rstrip("\n")


def _fill(sheet: Worksheet, headers: list[str], rows: list[list[Any]]) -> None:
    sheet.append(headers)
    for values in rows:
        sheet.append([str(v) if v is not None else "" for v in values])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, not a formula
