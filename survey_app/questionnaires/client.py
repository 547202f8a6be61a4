"""What a browser needs to validate a response exactly as ``validate_answers`` does: the
rules of one questionnaire version and the message catalogue, as JSON-ready data.  The script
static/js/rules.js reads it; a browser test runs the same cases through both."""
from __future__ import annotations

from typing import Any

from .messages import CATALOG
from .model import Definition
from .texttypes import DEFAULT_TEXT_LIMIT


def client_rules(qn: Definition, version: int) -> dict[str, Any]:
    questions: dict[str, Any] = {}
    for qid, q in qn.questions.items():
        spec: dict[str, Any] = {"type": q.type, "section": q.section, "required": q.required, "rules": list(qn.relevance_rules[qid])}
        if q.required_message:
            spec["required_message"] = {"zh": q.required_message.zh, "en": q.required_message.get("en")}
        if q.constraint is not None:
            spec["constraint"] = q.constraint
            if q.constraint_message:
                spec["constraint_message"] = {"zh": q.constraint_message.zh, "en": q.constraint_message.get("en")}
        if q.options:
            spec["options"] = [o.value for o in q.options]
        if q.scale is not None:
            spec["scale"] = [q.scale.min, q.scale.max]
        if q.type in ("number", "date"):
            spec["min"], spec["max"] = q.min, q.max
            spec["integer"] = q.integer
        if q.type == "text":
            spec["max_length"] = q.max_length or DEFAULT_TEXT_LIMIT
        if q.audio:
            spec["audio"] = q.audio
        questions[qid] = spec
    return {
        "id": qn.id,
        "version": version,
        "wave": qn.wave,
        "respondent_code": qn.respondent_code,
        "consent": qn.consent is not None,
        "order": list(qn.relevance_order),
        "questions": questions,
        "sections": [{"id": s.id, "questions": [q.id for q in s.questions]} for s in qn.sections],
        "messages": CATALOG,
    }
