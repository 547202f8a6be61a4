"""The question types whose answer is typed, not chosen (text, date), and the note, which has no
answer: registered in ``types.REGISTRY`` when ``types`` is imported."""
from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from typing import Any

import wtforms
from wtforms import validators as v

from .messages import AnswerError
from .model import Question
from .types import QuestionType, Row, _label, register

DEFAULT_TEXT_LIMIT = 5000


@register
class Text(QuestionType):
    name = "text"
    extra_keys = frozenset({"multiline", "max_length"})

    def validate(self, question: Question, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):
            raise AnswerError("not_string")
        value = value.strip()
        if not value:
            return None
        limit = question.max_length or DEFAULT_TEXT_LIMIT
        if len(value) > limit:
            raise AnswerError("too_long", max=limit, length=len(value))
        return value

    def from_form(self, question: Question, raw: list[str]) -> Any:
        # Kept as typed (inner line breaks too); only a blank answer counts as none.
        value = raw[0] if raw else ""
        return value if value.strip() else None

    def rows(self, question: Question, value: Any) -> list[Row]:
        return [(value, None)]

    def form_field(self, question: Question, lang: str = "zh") -> wtforms.Field:
        field_cls = wtforms.TextAreaField if question.multiline else wtforms.StringField
        return field_cls(_label(question, lang), validators=[v.Optional()])

    def summarise(self, question: Question, values: Iterable[Any]) -> dict[str, Any]:
        answered = [x for x in values if x]
        return {"n": len(answered), "mean_length": statistics.fmean(len(x) for x in answered) if answered else None}


def parse_date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


@register
class Date(QuestionType):
    name = "date"
    extra_keys = frozenset({"min", "max"})

    def check_definition(self, q: dict[str, Any], scales: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
        problems = []
        for key in ("min", "max"):
            if key in q and isinstance(q[key], str) and parse_date(q[key]) is None:
                problems.append(((key,), f"{key} {q[key]!r} is not a real date (YYYY-MM-DD)"))
        lo, hi = parse_date(q.get("min")), parse_date(q.get("max"))
        if lo and hi and lo > hi:
            problems.append((("min",), f"min ({lo}) is after max ({hi}) in question {q['id']!r}"))
        return problems

    def validate(self, question: Question, value: Any) -> Any:
        if value is None or value == "":
            return None
        day = parse_date(value)
        if day is None:
            raise AnswerError("not_date")
        if question.min and day < dt.date.fromisoformat(question.min):
            raise AnswerError("date_below_min", min=question.min)
        if question.max and day > dt.date.fromisoformat(question.max):
            raise AnswerError("date_above_max", max=question.max)
        return day.isoformat()

    def rows(self, question: Question, value: Any) -> list[Row]:
        # Days since the epoch as the number, so SQL can take min/max/by-month without parsing.
        return [(value, float(dt.date.fromisoformat(value).toordinal()))]

    def form_field(self, question: Question, lang: str = "zh") -> wtforms.Field:
        return wtforms.DateField(_label(question, lang), validators=[v.Optional()])

    def summarise(self, question: Question, values: Iterable[Any]) -> dict[str, Any]:
        answered = sorted(x for x in values if x)
        return {"n": len(answered), "min": answered[0] if answered else None, "max": answered[-1] if answered else None}


@register
class Note(QuestionType):
    """Text shown (and read aloud) between questions, with nothing to answer: XLSForm's note.
    It has no field, no stored row and no export column; a rule cannot refer to it."""

    name = "note"

    @classmethod
    def allowed_keys(cls) -> frozenset[str]:
        return frozenset({"id", "type", "label", "hint", "relevant", "audio"})

    def validate(self, question: Question, value: Any) -> Any:
        # An empty value is what a form without a field sends; anything else was typed somewhere
        # and would be lost, so it is refused rather than dropped.
        if value is None or value == "" or value == []:
            return None
        raise AnswerError("note_answered")

    def rows(self, question: Question, value: Any) -> list[Row]:
        return []

    def form_field(self, question: Question, lang: str = "zh") -> wtforms.Field:
        raise TypeError("a note has no form field")
