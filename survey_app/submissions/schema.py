"""The shape of a submission and of a refusal, written once: the OpenAPI document publishes these
schemas (api/openapi.py) and the envelope checks every payload against them before its own
checks of meaning, so the document and the API cannot drift apart again (issue 14).

Formats are left to the parsers, which accept a little more than they publish (a time without
an offset is China time; a UUID in any of Python's spellings); what the schema refuses, the
API refuses, with the message of the field.
"""
from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from ..bounds import MAX_DB_INT

_CODE = {"type": ["string", "null"], "pattern": "^( *[A-Za-z0-9][A-Za-z0-9_-]{0,63} *)?$",
         "description": "pseudonymous; letters, digits, - and _; stored upper-case, trimmed"}
_WAVE = {"enum": ["pre", "post", None, ""], "description": "required or forbidden as the questionnaire says; "
                                                          "null or empty is none"}
_OPTIONAL_TEXT = {"type": ["string", "null"]}
_DEVICE = {"type": ["string", "null"], "format": "uuid", "description": "the tablet's own id, for sync receipts"}
_TIME_NOTE = ("between 2013-01-01 and a day past the server's clock; a time without an offset is taken "
              "as China time (+08:00)")

SUBMISSION: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["uuid", "questionnaire", "version", "county", "completed_at", "answers"],
    "properties": {
        "uuid": {"type": "string", "format": "uuid",
                 "description": "made by the client when the interview starts; the idempotency key"},
        "questionnaire": {"type": "string", "minLength": 1, "examples": ["awareness"]},
        "version": {"type": "integer", "minimum": 1, "maximum": MAX_DB_INT,
                    "description": "the questionnaire version the form was filled on"},
        "county": {"type": "string", "minLength": 1, "description": "GB/T 2260 county code, e.g. 430626"},
        "site": _OPTIONAL_TEXT,
        "team": {**_OPTIONAL_TEXT, "description": "defaults to the team of a team or collector account"},
        "wave": _WAVE,
        "respondent_code": _CODE,
        "started_at": {"type": ["string", "null"], "format": "date-time", "description": _TIME_NOTE},
        "completed_at": {"type": "string", "format": "date-time", "description": _TIME_NOTE},
        "device_id": _DEVICE,
        "answers": {
            "type": "object",
            "description": "question id -> value: single: option value; multi: list of option values; "
            "likert: integer; number: number (at most ±9007199254740991); text: string; date: YYYY-MM-DD. "
            "Answers to questions hidden by skip logic are cleared. No text may hold a NUL or a lone surrogate.",
        },
    },
}

REFUSAL: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["uuid", "questionnaire", "county", "declined_at"],
    "properties": {
        "uuid": {"type": "string", "format": "uuid"},
        "questionnaire": {"type": "string", "minLength": 1},
        "county": {"type": "string", "minLength": 1, "description": "GB/T 2260 code"},
        "site": _OPTIONAL_TEXT,
        "team": _OPTIONAL_TEXT,
        "wave": _WAVE,
        "declined_at": {"type": "string", "format": "date-time", "description": _TIME_NOTE},
        "device_id": _DEVICE,
    },
}

#: the envelope's message code for a field the schema refuses, by the schema keyword that failed
_CODES = {"required": "required", "additionalProperties": "unknown_field", "enum": "wave"}
_TYPE_CODES = {"version": "integer", "answers": "object", "respondent_code": "code", "uuid": "uuid",
               "device_id": "uuid", "started_at": "datetime", "completed_at": "datetime", "declined_at": "datetime"}


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator({"submission": SUBMISSION, "refusal": REFUSAL}[name])


def shape_errors(payload: dict[str, Any], name: str) -> dict[str, str]:
    """Field -> message code for each field of ``payload`` the published schema refuses."""
    out: dict[str, str] = {}
    for error in _validator(name).iter_errors(payload):
        if error.validator == "required":
            for field in _validator(name).schema["required"]:
                if field not in payload:
                    out.setdefault(field, "required")
            continue
        if error.validator == "additionalProperties":
            for field in payload:
                if field not in _validator(name).schema["properties"]:
                    out.setdefault(str(field), "unknown_field")
            continue
        field = str(error.path[0]) if error.path else "body"
        code = _CODES.get(str(error.validator)) or _TYPE_CODES.get(field, "text")
        if field == "version" and error.validator in ("minimum", "maximum", "type"):
            code = "integer"
        if field in ("questionnaire", "county") and error.validator == "minLength":
            code = "required"
        out.setdefault(field, code)
    return out
