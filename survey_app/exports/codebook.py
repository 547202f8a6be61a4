"""The codebook of an export: a row for every data column, and a row for every value a coded
column can hold.  Pure: no Flask, no database."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..questionnaires.model import Index, Question, Text
from .cells import Cell
from .columns import META, Layout, index_column, multi_column

HEADER = [
    "column", "question", "section", "type", "label_zh", "label_en",
    "value", "value_label_zh", "value_label_en", "required", "relevant", "details",
]

#: shared/DESIGN.md's scoring rule, as the codebook states it beside each index
SCORE_RULE = (
    "每份问卷：已回答题目 (v − 最小值) / (最大值 − 最小值) × 100 的平均值，反向题按 最大值 + 最小值 − v 计；"
    "回答不足一半题目时为空。"
    " Per response: the mean over its answered items of (v − min) / (max − min) × 100, reverse-keyed items"
    " taken as max + min − v; empty when fewer than half the items are answered."
)
MULTI_NOTE = "1 选中 chosen, 0 未选 not chosen, 空 未回答 not answered"


def rows(layout: Layout) -> Iterator[list[Cell]]:
    """The codebook's rows, in the data's column order (``HEADER`` names the columns)."""
    for name, zh, en in META:
        yield _row(column=name, type="meta", label_zh=zh, label_en=en)
    titles = {s.id: s.title for s in layout.current.sections}
    for question in layout.questions:
        yield from _question_rows(question, titles.get(question.section), layout.relevance.get(question.id, ()))
    for index in layout.indices:
        yield _index_row(index)


def _question_rows(question: Question, section: Text | None, rules: tuple[Any, ...]) -> Iterator[list[Cell]]:
    common = {"question": question.id, "section": section.zh if section else question.section}
    yield _row(
        column="" if question.type == "multi" else question.id, type=question.type,
        label_zh=question.label.zh, label_en=question.label.en or "",
        required=int(question.required), relevant=_rule_text(rules), details=_details(question), **common,
    )
    if question.type == "multi":
        for option in question.options:
            yield _row(column=multi_column(question, option), value=option.value, value_label_zh=option.label.zh,
                       value_label_en=option.label.en or "", details=MULTI_NOTE, **common)
    elif question.type == "single":
        for option in question.options:
            yield _row(column=question.id, value=option.value, value_label_zh=option.label.zh,
                       value_label_en=option.label.en or "", **common)
    elif question.type == "likert" and question.scale is not None:
        for point in question.scale.points:
            label = question.scale.label_for(point)
            yield _row(column=question.id, value=point, value_label_zh=label.zh if label else "",
                       value_label_en=(label.en or "") if label else "", **common)


def _index_row(index: Index) -> list[Cell]:
    details = f"items: {' '.join(index.items)}"
    if index.reverse:
        details += f"; reverse: {' '.join(i for i in index.items if i in index.reverse)}"
    label = index.label or Text(index.id)
    return _row(column=index_column(index), question=index.id, type="index", label_zh=label.zh, label_en=label.en or "",
                details=f"{details}; {SCORE_RULE}")


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
    return [fields.get(name, "") for name in HEADER]
