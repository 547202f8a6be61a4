"""The codebook of an export: a row for every data column, and a row for every value a coded
column can hold; beside the codes, each column's header in the labelled export and its variable
in the SPSS and Stata files, with the number each value is given there.  One codebook for every
mode: a row says when its column is not in the codes export.  Pure: no Flask, no database."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..questionnaires.model import Index, Question, Text
from .cells import Cell
from .columns import META, PLACE_NAMES, Layout, index_column, multi_column
from .labelled import header_by_column
from .variables import Variable, option_codes, variables

HEADER = [
    "column", "question", "section", "type", "label_zh", "label_en",
    "value", "value_label_zh", "value_label_en", "required", "relevant", "details",
    # issue 19: the labelled export's headers, the SPSS/Stata variables and their numbers
    "header_zh", "header_en", "sav_name", "dta_name", "sav_dta_value",
]

#: shared/DESIGN.md's scoring rule, as the codebook states it beside each index
SCORE_RULE = (
    "每份问卷：已回答题目 (v − 最小值) / (最大值 − 最小值) × 100 的平均值，反向题按 最大值 + 最小值 − v 计；"
    "回答不足一半题目时为空。"
    " Per response: the mean over its answered items of (v − min) / (max − min) × 100, reverse-keyed items"
    " taken as max + min − v; empty when fewer than half the items are answered."
)
MULTI_NOTE = "1 选中 chosen, 0 未选 not chosen, 空 未回答 not answered"
PLACE_NAME_NOTE = "仅标签版和 SPSS/Stata 文件 (labelled and SPSS/Stata exports only)"
LABELLED_MULTI_NOTE = "标签版：选中各项的标签 (labelled export: the labels of the options chosen)"


class _Names:
    """Each column's labelled headers and SPSS/Stata names, keyed by (is a field, its column):
    nothing stops a question from being called ``wave``."""

    def __init__(self, layout: Layout) -> None:
        self.headers = {lang: header_by_column(layout, lang) for lang in ("zh", "en")}
        self.variables: dict[str, dict[tuple[bool, str], Variable]] = {}
        width = len(layout.header)
        for fmt in ("sav", "dta"):
            self.variables[fmt] = {(v.position < len(META) or v.position >= width, v.column): v
                                   for v in variables(layout, "zh", fmt)}

    def of(self, column: str, field: bool = False) -> dict[str, Cell]:
        key = (field, column)
        sav, dta = self.variables["sav"].get(key), self.variables["dta"].get(key)
        sav_notes, dta_notes = (sav.notes if sav else ()), (dta.notes if dta else ())
        notes = [f"SPSS/Stata {n}" for n in sav_notes if n in dta_notes]
        notes += [f"SPSS {n}" for n in sav_notes if n not in dta_notes] + [f"Stata {n}" for n in dta_notes if n not in sav_notes]
        return {"header_zh": self.headers["zh"].get(key, ""), "header_en": self.headers["en"].get(key, ""),
                "sav_name": sav.name if sav else "", "dta_name": dta.name if dta else "", "_notes": "; ".join(notes)}


def rows(layout: Layout) -> Iterator[list[Cell]]:
    """The codebook's rows, in the data's column order (``HEADER`` names the columns)."""
    names = _Names(layout)
    place_names = {name.removesuffix("_name"): (name, zh, en) for name, zh, en in PLACE_NAMES}
    for name, zh, en in META:
        yield _row(column=name, type="meta", label_zh=zh, label_en=en, **names.of(name, field=True))
        if name in place_names:
            column, zh, en = place_names[name]
            yield _row(column=column, type="meta", label_zh=zh, label_en=en, details=PLACE_NAME_NOTE,
                       **names.of(column, field=True))
    titles = {s.id: s.title for s in layout.current.sections}
    for question in layout.questions:
        yield from _question_rows(question, titles.get(question.section), layout.relevance.get(question.id, ()), names)
    for index in layout.indices:
        yield _index_row(index, names)


def _question_rows(question: Question, section: Text | None, rules: tuple[Any, ...], names: _Names) -> Iterator[list[Cell]]:
    common = {"question": question.id, "section": section.zh if section else question.section}
    own = names.of(question.id)
    details = _details(question)
    if question.type == "multi":
        own.update(sav_name="", dta_name="")  # no variable of its own: one per option
        details = "; ".join(filter(None, (details, LABELLED_MULTI_NOTE)))
    yield _row(
        column="" if question.type == "multi" else question.id, type=question.type,
        label_zh=question.label.zh, label_en=question.label.en or "",
        required=int(question.required), relevant=_rule_text(rules), details=details, **common, **own,
    )
    if question.type == "multi":
        for option in question.options:
            column = multi_column(question, option)
            yield _row(column=column, value=option.value, value_label_zh=option.label.zh,
                       value_label_en=option.label.en or "", details=MULTI_NOTE, **common, **names.of(column))
    elif question.type == "single":
        numbers, _natural = option_codes(question)
        for option in question.options:
            yield _row(column=question.id, value=option.value, value_label_zh=option.label.zh,
                       value_label_en=option.label.en or "", sav_dta_value=numbers[option.value], **common)
    elif question.type == "likert" and question.scale is not None:
        for point in question.scale.points:
            label = question.scale.label_for(point)
            yield _row(column=question.id, value=point, value_label_zh=label.zh if label else "",
                       value_label_en=(label.en or "") if label else "", sav_dta_value=point, **common)


def _index_row(index: Index, names: _Names) -> list[Cell]:
    details = f"items: {' '.join(index.items)}"
    if index.reverse:
        details += f"; reverse: {' '.join(i for i in index.items if i in index.reverse)}"
    label = index.label or Text(index.id)
    return _row(column=index_column(index), question=index.id, type="index", label_zh=label.zh, label_en=label.en or "",
                details=f"{details}; {SCORE_RULE}", **names.of(index_column(index)))


def _details(question: Question) -> str:
    parts = []
    if question.min is not None:
        parts.append(f"min {question.min}")
    if question.max is not None:
        parts.append(f"max {question.max}")
    if question.integer:
        parts.append("integer")
    if question.unit is not None:
        parts.append(f"unit {question.unit.zh}")
    if question.type == "date":
        parts.append("YYYY-MM-DD")
    return "; ".join(parts)


def _rule_text(rules: tuple[Any, ...]) -> str:
    """The JsonLogic rule deciding when the question is asked (section's and own together)."""
    if not rules:
        return ""
    rule = rules[0] if len(rules) == 1 else {"and": list(rules)}
    return json.dumps(rule, ensure_ascii=False, separators=(",", ":"))


def _row(**fields: Cell) -> list[Cell]:
    notes = fields.pop("_notes", "")
    if notes:
        fields["details"] = "; ".join(filter(None, (str(fields.get("details") or ""), str(notes))))
    return [fields.get(name, "") for name in HEADER]
