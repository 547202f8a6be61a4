"""Validating one response's answers against the questionnaire version it was filled on."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import rules
from .messages import AnswerError, Problem
from .model import Definition
from .types import get_type


@dataclass
class ValidationResult:
    #: answers kept: valid, relevant, normalised; in questionnaire order
    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[Problem]] = field(default_factory=dict)
    #: ids of answers that were given but dropped because skip logic hides their question
    cleared: list[str] = field(default_factory=list)
    #: ids of the questions shown for these answers (skip logic)
    relevant: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.errors

    def rendered_errors(self, lang: str = "zh") -> dict[str, list[str]]:
        return {qid: [p.render(lang) for p in problems] for qid, problems in self.errors.items()}


def validate_answers(qn: Definition, answers: dict[str, Any]) -> ValidationResult:
    result = ValidationResult()
    normalised: dict[str, Any] = {}
    type_errors: dict[str, Problem] = {}
    for key, raw in answers.items():
        if key not in qn.questions:
            result.errors.setdefault(key, []).append(Problem("unknown_question"))
            continue
        question = qn.questions[key]
        try:
            value = get_type(question.type).validate(question, raw)
        except AnswerError as exc:
            type_errors[key] = exc.problem
            continue
        if value is not None:
            normalised[key] = value

    relevant, kept = rules.relevant_questions(qn, normalised)
    result.relevant = relevant
    for key in answers:
        if key in qn.questions and key not in relevant and answers[key] not in (None, "", []):
            result.cleared.append(key)

    for qid, question in qn.questions.items():  # questionnaire order
        if qid not in relevant:
            continue
        if qid in type_errors:
            result.errors.setdefault(qid, []).append(type_errors[qid])
            continue
        if qid not in kept:
            if question.required:
                custom = None
                if question.required_message:
                    custom = {"zh": question.required_message.zh, "en": question.required_message.get("en")}
                result.errors.setdefault(qid, []).append(Problem("required", custom=custom))
            continue
        if question.constraint is not None and not rules.truthy(rules.evaluate(question.constraint, kept)):
            custom = None
            if question.constraint_message:
                custom = {"zh": question.constraint_message.zh, "en": question.constraint_message.get("en")}
            result.errors.setdefault(qid, []).append(Problem("constraint", custom=custom))
            continue
        result.answers[qid] = kept[qid]
    return result
