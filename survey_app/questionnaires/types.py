"""The question-type registry: one class per type.

Each type knows which keys its definition may have, how to check them, how to validate and
normalise an answer, how to store it in rows SQL can aggregate, how to render a form field and
how to summarise a set of answers.  Adding a type means adding one class here.
"""
from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable
from typing import Any, ClassVar, TypeGuard

import wtforms
from wtforms import validators as v

from .messages import AnswerError
from .model import Question

COMMON_KEYS = frozenset(
    {"id", "type", "label", "short", "hint", "required", "required_message", "relevant", "constraint", "constraint_message",
     "audio"}
)

#: A stored answer row: (value_text, value_num).  A multi answer gives one row per choice.
Row = tuple[str | None, float | None]


class QuestionType:
    name: ClassVar[str]
    extra_keys: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def allowed_keys(cls) -> frozenset[str]:
        return COMMON_KEYS | cls.extra_keys

    def check_definition(self, q: dict[str, Any], scales: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
        """Semantic problems in one question's definition, as (path within question, message)."""
        return []

    def validate(self, question: Question, value: Any) -> Any:
        """The normalised answer, or None when unanswered; raise AnswerError when invalid."""
        raise NotImplementedError

    def rows(self, question: Question, value: Any) -> list[Row]:
        raise NotImplementedError

    def form_field(self, question: Question, lang: str = "zh") -> wtforms.Field:
        raise NotImplementedError

    def from_form(self, question: Question, raw: list[str]) -> Any:
        """The answer a submitted HTML form holds (its strings for this question's name), typed
        as the API takes it.  What cannot be read is passed on as typed, for ``validate`` to
        refuse with a message: nothing the person entered is dropped."""
        value = raw[0].strip() if raw else ""
        return value or None

    def summarise(self, question: Question, values: Iterable[Any]) -> dict[str, Any]:
        answered = [x for x in values if x is not None]
        return {"n": len(answered)}


REGISTRY: dict[str, QuestionType] = {}


def register(cls: type[QuestionType]) -> type[QuestionType]:
    REGISTRY[cls.name] = cls()
    return cls


def get_type(name: str) -> QuestionType:
    return REGISTRY[name]


def _label(question: Question, lang: str) -> str:
    return question.label.get(lang)


#: Past this a tablet cannot hold a number exactly (JavaScript's Number.MAX_SAFE_INTEGER), and
#: 10**400 would not even be a float: such an answer is refused alike on both sides.
MAX_SAFE_NUMBER = 2**53 - 1


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) <= MAX_SAFE_NUMBER


def _refuse_too_large(value: Any) -> None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > MAX_SAFE_NUMBER:
        raise AnswerError("too_large", max=MAX_SAFE_NUMBER)


def _check_options(q: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    problems = []
    seen: set[str] = set()
    for i, option in enumerate(q.get("options") or ()):
        value = option.get("value") if isinstance(option, dict) else None
        if value in seen:
            problems.append((("options", i), f"duplicate option value {value!r} in question {q['id']!r}"))
        seen.add(value)  # type: ignore[arg-type]
    return problems


@register
class Single(QuestionType):
    name = "single"
    extra_keys = frozenset({"options"})

    def check_definition(self, q: dict[str, Any], scales: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
        return _check_options(q)

    def validate(self, question: Question, value: Any) -> Any:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise AnswerError("not_string")
        if value not in question.option_set:
            raise AnswerError("not_option", value=value)
        return value

    def rows(self, question: Question, value: Any) -> list[Row]:
        return [(value, None)]

    def form_field(self, question: Question, lang: str = "zh") -> wtforms.Field:
        return wtforms.RadioField(
            _label(question, lang),
            choices=[wtforms.SelectChoice(o.value, o.label.get(lang)) for o in question.options],
            validators=[v.Optional()],
            validate_choice=False,
        )

    def summarise(self, question: Question, values: Iterable[Any]) -> dict[str, Any]:
        answered = [x for x in values if x is not None]
        counts = Counter(answered)
        return {"n": len(answered), "counts": {o: counts.get(o, 0) for o in question.option_values}}


@register
class Multi(QuestionType):
    name = "multi"
    extra_keys = frozenset({"options"})

    def check_definition(self, q: dict[str, Any], scales: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
        return _check_options(q)

    def validate(self, question: Question, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, list):
            raise AnswerError("not_list")
        seen: set[str] = set()
        for item in value:
            if not isinstance(item, str):
                raise AnswerError("not_list")
            if item not in question.option_set:
                raise AnswerError("not_option", value=item)
            if item in seen:
                raise AnswerError("duplicate_choice", value=item)
            seen.add(item)
        if not value:
            return None
        # Stored in the questionnaire's option order so equal answers compare equal.
        return [o for o in question.option_values if o in seen]

    def rows(self, question: Question, value: Any) -> list[Row]:
        return [(item, None) for item in value]

    def form_field(self, question: Question, lang: str = "zh") -> wtforms.Field:
        return wtforms.SelectMultipleField(
            _label(question, lang),
            choices=[wtforms.SelectChoice(o.value, o.label.get(lang)) for o in question.options],
            validators=[v.Optional()],
            validate_choice=False,
            # Boxes to tick, not a <select multiple>: nothing that needs a mouse or a long press.
            widget=wtforms.widgets.ListWidget(prefix_label=False),
            option_widget=wtforms.widgets.CheckboxInput(),
        )

    def from_form(self, question: Question, raw: list[str]) -> Any:
        return [item for item in raw if item] or None

    def summarise(self, question: Question, values: Iterable[Any]) -> dict[str, Any]:
        answered = [x for x in values if x]
        counts = Counter(item for x in answered for item in x)
        return {"n": len(answered), "counts": {o: counts.get(o, 0) for o in question.option_values}}


@register
class Likert(QuestionType):
    name = "likert"
    extra_keys = frozenset({"scale"})

    def check_definition(self, q: dict[str, Any], scales: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
        scale = q.get("scale")
        if isinstance(scale, str):
            if scale not in scales:
                return [(("scale",), f"question {q['id']!r} names an unknown scale {scale!r}")]
            return []
        return check_scale(scale) if isinstance(scale, dict) else []

    def validate(self, question: Question, value: Any) -> Any:
        if value is None or value == "":
            return None
        _refuse_too_large(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise AnswerError("not_integer")
        scale = question.scale
        assert scale is not None
        if not scale.min <= value <= scale.max:
            raise AnswerError("out_of_scale", min=scale.min, max=scale.max)
        return value

    def from_form(self, question: Question, raw: list[str]) -> Any:
        value = raw[0].strip() if raw else ""
        return int(value) if re.fullmatch(r"-?[0-9]{1,9}", value) else (value or None)

    def rows(self, question: Question, value: Any) -> list[Row]:
        return [(None, float(value))]

    def form_field(self, question: Question, lang: str = "zh") -> wtforms.Field:
        scale = question.scale
        assert scale is not None
        choices = []
        for point in scale.points:
            word = scale.label_for(point)
            choices.append(wtforms.SelectChoice(str(point), f"{point} {word.get(lang)}" if word else str(point)))
        return wtforms.RadioField(_label(question, lang), choices=choices, validators=[v.Optional()], validate_choice=False)

    def summarise(self, question: Question, values: Iterable[Any]) -> dict[str, Any]:
        answered = [x for x in values if x is not None]
        scale = question.scale
        assert scale is not None
        counts = Counter(answered)
        return {
            "n": len(answered),
            "counts": {p: counts.get(p, 0) for p in scale.points},
            "mean": statistics.fmean(answered) if answered else None,
        }


def check_scale(scale: dict[str, Any], path: tuple[Any, ...] = ("scale",)) -> list[tuple[tuple[Any, ...], str]]:
    lo, hi = scale.get("min"), scale.get("max")
    if not isinstance(lo, int) or not isinstance(hi, int):
        return []  # the schema reports the type
    if lo >= hi:
        return [(path, f"scale min ({lo}) must be below max ({hi})")]
    if hi - lo > 10:
        return [(path, f"a likert scale may have at most 11 points, not {hi - lo + 1}")]
    labels = scale.get("labels") or []
    if labels and len(labels) not in (2, hi - lo + 1):
        return [((*path, "labels"), f"a scale from {lo} to {hi} needs 2 end labels or {hi - lo + 1} labels, not {len(labels)}")]
    return []


@register
class Number(QuestionType):
    name = "number"
    extra_keys = frozenset({"min", "max", "integer", "unit"})

    def check_definition(self, q: dict[str, Any], scales: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
        lo, hi = q.get("min"), q.get("max")
        if _is_number(lo) and _is_number(hi) and lo > hi:
            return [(("min",), f"min ({lo}) is above max ({hi}) in question {q['id']!r}")]
        return []

    def validate(self, question: Question, value: Any) -> Any:
        if value is None or value == "":
            return None
        _refuse_too_large(value)
        if not _is_number(value) or value != value:  # NaN: only from a Python caller
            raise AnswerError("not_number")
        if question.integer and isinstance(value, float):
            if not value.is_integer():
                raise AnswerError("not_integer")
            value = int(value)
        if question.min is not None and value < question.min:
            raise AnswerError("below_min", min=question.min)
        if question.max is not None and value > question.max:
            raise AnswerError("above_max", max=question.max)
        return value

    def from_form(self, question: Question, raw: list[str]) -> Any:
        value = raw[0].strip() if raw else ""
        if re.fullmatch(r"-?[0-9]{1,15}", value):
            return int(value)
        if re.fullmatch(r"-?[0-9]{1,15}\.[0-9]{1,15}", value):
            return float(value)
        return value or None

    def rows(self, question: Question, value: Any) -> list[Row]:
        return [(None, float(value))]

    def form_field(self, question: Question, lang: str = "zh") -> wtforms.Field:
        field_cls = wtforms.IntegerField if question.integer else wtforms.DecimalField
        return field_cls(_label(question, lang), validators=[v.Optional()])

    def summarise(self, question: Question, values: Iterable[Any]) -> dict[str, Any]:
        answered = [x for x in values if x is not None]
        if not answered:
            return {"n": 0, "mean": None, "median": None, "min": None, "max": None, "sum": None}
        return {
            "n": len(answered),
            "mean": statistics.fmean(answered),
            "median": statistics.median(answered),
            "min": min(answered),
            "max": max(answered),
            "sum": sum(answered),
        }


#: Free text longer than this is refused rather than cut: nothing typed is silently dropped.


# The open-ended types (text, date) and the note live next door; importing them registers them.
from . import texttypes  # noqa: E402, F401
