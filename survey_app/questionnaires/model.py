"""The parsed form of a questionnaire definition: plain, immutable data.

A definition is checked once (see ``check.py``) and then built into these objects, which the
validator, the scorer, the renderer and the statistics share.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class Text:
    """A bilingual string; Chinese is the reference, English falls back to it."""

    zh: str
    en: str | None = None

    @classmethod
    def of(cls, value: Any) -> Text | None:
        if value is None:
            return None
        return cls(zh=value["zh"], en=value.get("en"))

    def get(self, lang: str = "zh") -> str:
        return (self.en or self.zh) if lang == "en" else self.zh


@dataclass(frozen=True)
class Option:
    value: str
    label: Text


@dataclass(frozen=True)
class Scale:
    min: int
    max: int
    labels: tuple[Text, ...] = ()
    faces: bool = False

    @property
    def points(self) -> range:
        return range(self.min, self.max + 1)

    def label_for(self, point: int) -> Text | None:
        """The word for one point: every point when all are labelled, else only the ends."""
        if len(self.labels) == len(self.points):
            return self.labels[point - self.min]
        if len(self.labels) == 2:
            if point == self.min:
                return self.labels[0]
            if point == self.max:
                return self.labels[1]
        return None


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    label: Text
    section: str
    #: a short label: the column header of labelled exports (None: the label)
    short: Text | None = None
    hint: Text | None = None
    #: who the hint speaks to: "respondent" (shown and read aloud) or "interviewer" (never in kiosk mode)
    hint_audience: str = "respondent"
    required: bool = False
    #: said instead of the catalogue's "required" message (XLSForm's required_message)
    required_message: Text | None = None
    relevant: Any = None
    constraint: Any = None
    constraint_message: Text | None = None
    audio: str | None = None
    options: tuple[Option, ...] = ()
    scale: Scale | None = None
    min: Any = None
    max: Any = None
    integer: bool = False
    unit: Text | None = None
    multiline: bool = False
    max_length: int | None = None

    @property
    def takes_answer(self) -> bool:
        """False for a note: text shown and read aloud, with nothing to answer (no column, no row)."""
        return self.type != "note"

    @cached_property
    def option_values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)

    @cached_property
    def option_set(self) -> frozenset[str]:
        return frozenset(self.option_values)


@dataclass(frozen=True)
class Section:
    id: str
    title: Text
    questions: tuple[Question, ...]
    relevant: Any = None


@dataclass(frozen=True)
class Index:
    id: str
    items: tuple[str, ...]
    reverse: frozenset[str] = frozenset()
    label: Text | None = None


@dataclass(frozen=True)
class Definition:
    """A questionnaire as parsed from its file: what the engine validates, scores and renders
    (``models.Questionnaire`` is its row in the database, one per id, with its versions)."""

    id: str
    title: Text
    sections: tuple[Section, ...]
    indices: tuple[Index, ...] = ()
    #: yes/no questions to compare across pairs (McNemar); empty: every yes/no question
    compare: tuple[str, ...] = ()
    description: Text | None = None
    consent: Text | None = None
    #: what a villager sees first and last in kiosk mode (defaults in ``kiosk_texts``)
    greeting: Text | None = None
    thanks: Text | None = None
    wave: str = "required"
    respondent_code: str = "required"
    #: question ids in the order their relevance must be evaluated (dependencies first)
    relevance_order: tuple[str, ...] = ()
    questions: dict[str, Question] = field(default_factory=dict, compare=False)
    #: per question, the rules that must all hold for it to be shown (section's, then own)
    relevance_rules: dict[str, tuple[Any, ...]] = field(default_factory=dict, compare=False)

    def question(self, qid: str) -> Question:
        return self.questions[qid]

    @property
    def scale_items(self) -> tuple[str, ...]:
        """The questions answered on a scale (what straight-lining looks at)."""
        return tuple(q.id for q in self.questions.values() if q.scale is not None)


def build(defn: dict[str, Any]) -> Definition:
    """The parsed ``Definition`` of a file's mapping that has already passed ``check``."""
    from .rules import relevance_order  # local: rules imports model for typing only

    named_scales = {name: _scale(s) for name, s in (defn.get("scales") or {}).items()}
    sections = []
    questions: dict[str, Question] = {}
    for s in defn["sections"]:
        qs = []
        for q in s["questions"]:
            scale = q.get("scale")
            question = Question(
                id=q["id"],
                type=q["type"],
                label=Text.of(q["label"]),  # type: ignore[arg-type]
                section=s["id"],
                short=Text.of(q.get("short")),
                hint=Text.of(q.get("hint")),
                hint_audience=(q.get("hint") or {}).get("audience", "respondent"),
                required=bool(q.get("required", False)),
                required_message=Text.of(q.get("required_message")),
                relevant=q.get("relevant"),
                constraint=q.get("constraint"),
                constraint_message=Text.of(q.get("constraint_message")),
                audio=q.get("audio"),
                options=tuple(Option(o["value"], Text.of(o["label"])) for o in q.get("options") or ()),  # type: ignore[arg-type]
                scale=named_scales[scale] if isinstance(scale, str) else (_scale(scale) if scale else None),
                min=q.get("min"),
                max=q.get("max"),
                integer=bool(q.get("integer", False)),
                unit=Text.of(q.get("unit")),
                multiline=bool(q.get("multiline", False)),
                max_length=q.get("max_length"),
            )
            qs.append(question)
            questions[question.id] = question
        sections.append(Section(id=s["id"], title=Text.of(s["title"]), questions=tuple(qs), relevant=s.get("relevant")))  # type: ignore[arg-type]
    indices = tuple(
        Index(id=i["id"], items=tuple(i["items"]), reverse=frozenset(i.get("reverse") or ()), label=Text.of(i.get("label")))
        for i in defn.get("indices") or ()
    )
    qn = Definition(
        id=defn["id"],
        title=Text.of(defn["title"]),  # type: ignore[arg-type]
        sections=tuple(sections),
        indices=indices,
        compare=tuple(defn.get("compare") or ()),
        description=Text.of(defn.get("description")),
        consent=Text.of(defn.get("consent")),
        greeting=Text.of(defn.get("greeting")),
        thanks=Text.of(defn.get("thanks")),
        wave=defn.get("wave", "required"),
        respondent_code=defn.get("respondent_code", "required"),
        questions=questions,
    )
    sections_by_id = {s.id: s for s in qn.sections}
    for qid, question in questions.items():
        section = sections_by_id[question.section]
        qn.relevance_rules[qid] = tuple(r for r in (section.relevant, question.relevant) if r is not None)
    object.__setattr__(qn, "relevance_order", tuple(relevance_order(qn)))
    return qn


def _scale(s: dict[str, Any]) -> Scale:
    return Scale(
        min=s["min"], max=s["max"], labels=tuple(Text.of(t) for t in s.get("labels") or ()), faces=bool(s.get("faces", False))  # type: ignore[misc]
    )
