"""The preview's dry run: a response filled in on a draft, judged as the submission service
judges a real one (the same envelope parsing, the questionnaire's wave and code rules, and
``validate_answers``), and never stored anywhere.

What it cannot judge is what belongs to the database rather than to the questionnaire: a
draft has no version number, and the county, village and team codes of the set-up are not
looked up (the preview's set-up offers only real ones)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..questionnaires import Definition
from ..submissions.envelope import message, parse_envelope, text_errors
from ..submissions.judging import judged, rendered

#: stands in for the version number a draft does not have, so that the envelope parses
_NO_VERSION = 1


@dataclass
class Row:
    """One stored answer as the office reads it."""

    question: str
    label: str
    value: Any
    shown: str


@dataclass
class Verdict:
    accepted: bool
    #: field or question id -> messages, in the reader's language
    errors: dict[str, list[str]] = field(default_factory=dict)
    #: the answers as they would be stored (valid, relevant, normalised), in questionnaire order
    answers: dict[str, Any] = field(default_factory=dict)
    #: answers given but dropped because skip logic hides their question
    cleared: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    #: the consent was declined: nothing of the interview would be kept
    declined: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "stored": False, "errors": self.errors, "answers": self.answers,
                "cleared": self.cleared,
                "rows": [{"question": r.question, "label": r.label, "value": r.value, "shown": r.shown} for r in self.rows]}


def judge(qn: Definition, payload: Any, lang: str = "zh") -> Verdict:
    """What the submission service would say of this submission on this questionnaire."""
    if not isinstance(payload, dict):
        return Verdict(False, {"body": [message("object", lang)]})
    if bad := text_errors(payload):
        return Verdict(False, rendered(bad, lang))
    env = parse_envelope({**payload, "questionnaire": qn.id, "version": _NO_VERSION})
    errors, checked = judged(env, qn, lang)
    if errors:
        return Verdict(False, errors, cleared=checked.cleared)
    return Verdict(True, answers=checked.answers, cleared=checked.cleared, rows=rows(qn, checked.answers, lang))


def rows(qn: Definition, answers: dict[str, Any], lang: str) -> list[Row]:
    """The stored answers with their questions' labels and the words of their options."""
    out = []
    for qid, value in answers.items():
        question = qn.questions[qid]
        words = {o.value: o.label.get(lang) for o in question.options}
        if question.type == "multi":
            shown = "、".join(words.get(v, str(v)) for v in value)
        elif question.type == "single":
            shown = words.get(value, str(value))
        elif question.type == "likert" and question.scale is not None:
            point = question.scale.label_for(value)
            shown = f"{value}（{point.get(lang)}）" if point is not None else str(value)
        else:
            shown = str(value)
        out.append(Row(qid, question.label.get(lang), value, shown))
    return out
