"""The labelled export, for a county clerk: Chinese (or English) headers, answers as their labels,
villages and teams by name, 前测/后测, 是/否, times as plain China time, index scores to one
decimal.  The codes export (``columns.py``) stays as it is, for analysts.  Pure: no Flask, no
database.

The columns a clerk reads first come first: where and when, the wave, whether the response was
excluded; then the answers and the indices; then the fields a clerk seldom needs and the places'
codes, kept at the end for whoever merges this file with other data.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from ..questionnaires.model import Question, Text
from ..submissions.envelope import CST
from .cells import Cell
from .columns import Layout, index_column, multi_column
from .headers import META_HEADERS, Heading, index_header, option_header, question_header, unique

FRONT = ("county_name", "site_name", "team_name", "wave", "round", "respondent_code", "completed_at",
         "excluded", "excluded_reason")
BACK = ("started_at", "received_at", "collector", "source", "version", "uuid", "county", "site", "team")

WAVES = {"pre": Text("前测", "Baseline"), "post": Text("后测", "Follow-up")}
#: excluded: 0, 1
NO_YES = (Text("否", "No"), Text("是", "Yes"))
SOURCES = {
    "api": Text("平板或接口", "Tablet or API"), "web": Text("网页", "Web form"), "sync": Text("平板同步", "Tablet sync"),
    "import": Text("文件导入", "File import"), "seed": Text("演示数据", "Demo data"),
}
#: between the labels of the options chosen, in the multiple-choice question's own column
CHOSEN_JOIN = {"zh": "、", "en": "; "}
INDEX_DECIMALS = 1


def china_time(value: dt.datetime | None) -> dt.datetime | None:
    """China time without its offset: Excel has no time zones, and a clerk reads 2026-05-01 09:12
    (the file says the times are Beijing time)."""
    return value.astimezone(CST).replace(tzinfo=None) if value is not None else None


def _meta(name: str, lang: str) -> Callable[[Any], Cell]:
    """How one field's cell is made from a response's row (``rows.py``)."""
    if name == "wave":
        waves = {code: text.get(lang) for code, text in WAVES.items()}
        return lambda row: waves.get(row.wave, row.wave)
    if name == "excluded":
        no, yes = (text.get(lang) for text in NO_YES)
        return lambda row: yes if row.excluded else no
    if name == "source":
        sources = {code: text.get(lang) for code, text in SOURCES.items()}
        return lambda row: sources.get(row.source, row.source)
    if name.endswith("_at"):
        return lambda row: china_time(getattr(row, name))
    attribute = "username" if name == "collector" else name
    return lambda row: getattr(row, attribute)


def _answer(question: Question, lang: str) -> Callable[[Any], list[Cell]]:
    """How one question's cells are made from its stored answer (None: not answered)."""
    if question.type == "multi":
        values = tuple(o.value for o in question.options)
        words = {o.value: o.label.get(lang) for o in question.options}
        join = CHOSEN_JOIN.get(lang, CHOSEN_JOIN["en"])

        def multi(value: Any) -> list[Cell]:
            # Kobo's labelled export: the choices in words in the question's own column, then
            # 1/0 per option (blank when not answered) for counting with SUM
            if not isinstance(value, list):
                return [None] * (len(values) + 1)
            chosen = set(value)
            known = [words[v] for v in values if v in chosen]
            unknown = [str(v) for v in value if v not in words]  # never dropped, even if no option names it
            return [join.join(known + unknown), *(int(v in chosen) for v in values)]

        return multi
    if question.type == "single":
        words = {o.value: o.label.get(lang) for o in question.options}
        return lambda value: [words.get(value, value)]
    if question.type == "likert" and question.scale is not None:
        points = {p: text.get(lang) for p in question.scale.points if (text := question.scale.label_for(p)) is not None}
        return lambda value: [points.get(value, value)]  # an unnamed point stays its number
    if question.type == "date":
        return lambda value: [dt.date.fromisoformat(value) if isinstance(value, str) else value]
    return lambda value: [value]


class LabelledSheet:
    """The labelled data sheet of one export: ``header``, and ``cells(row)`` for each response's
    row as ``rows.py`` reads it (its fields by name, the index scores last)."""

    def __init__(self, layout: Layout, lang: str) -> None:
        self.layout, self.lang = layout, lang
        self.header = unique(headings(layout, lang), lang)
        self._front = [_meta(name, lang) for name in FRONT]
        self._back = [_meta(name, lang) for name in BACK]
        self._answers = [(q.id, _answer(q, lang)) for q in layout.questions]
        self._scores = len(layout.indices)

    def cells(self, row: Any) -> list[Cell]:
        cells = [make(row) for make in self._front]
        answers = row.answers_json or {}
        for qid, make in self._answers:
            cells.extend(make(answers.get(qid)))
        if self._scores:
            cells.extend(None if s is None else round(s, INDEX_DECIMALS) for s in row[len(row) - self._scores:])
        cells.extend(make(row) for make in self._back)
        return cells


def headings(layout: Layout, lang: str) -> list[Heading]:
    """The labelled sheet's columns, in order, before they are made unique."""
    out = [Heading(META_HEADERS[name].get(lang), name, fixed=True) for name in FRONT]
    for question in layout.questions:
        out.append(Heading(question_header(question, lang), question.id))
        if question.type == "multi":
            out.extend(Heading(option_header(question, o, lang), multi_column(question, o)) for o in question.options)
    out.extend(Heading(index_header(index, lang), index_column(index)) for index in layout.indices)
    out.extend(Heading(META_HEADERS[name].get(lang), name, fixed=True) for name in BACK)
    return out


def header_by_column(layout: Layout, lang: str) -> dict[tuple[bool, str], str]:
    """Each column's labelled header by (is a field, its codes name; a multiple-choice
    question's own column by its id): what the codebook shows beside the codes.  Keyed by both,
    since nothing stops a question from being called ``wave``."""
    found = headings(layout, lang)
    return {(h.fixed, h.code): text for h, text in zip(found, unique(found, lang), strict=True)}
