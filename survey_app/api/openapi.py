"""The OpenAPI 3.1 description of /api/v1.  A test checks that every API route is in it."""
from __future__ import annotations

from ..submissions.schema import REFUSAL, SUBMISSION

_TEXT = {"type": "object", "properties": {"zh": {"type": "string"}, "en": {"type": "string"}}, "required": ["zh"]}
_ERRORS = {
    "type": "object",
    "properties": {
        "uuid": {"type": ["string", "null"]},
        "status": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        "warnings": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                     "description": "stored, but worth a look: respondent_code when the code already has a response "
                                    "of this questionnaire, county and wave (both kept, flagged as a duplicate code)"},
    },
}


_GZIP = {"name": "Content-Encoding", "in": "header", "required": False, "schema": {"type": "string", "enum": ["gzip", "identity"]},
         "description": "gzip: the body is gzip-compressed (it may inflate to MAX_INFLATED_LENGTH, 8 MB by default)"}
_SITE = {"name": "site", "in": "query", "required": False, "schema": {"type": "string"}, "description": "a village's code"}
_ROUND = {"name": "round", "in": "query", "required": False, "schema": {"type": "integer"},
          "description": "a round's year; a follow-up belongs to its baseline's round"}
_NUMBER = {"type": ["number", "null"]}
_PREPOST = {
    "type": "object",
    "properties": {
        "n_pairs": {"type": "integer"}, "verdict": {"enum": ["up_clear", "up_slight", "no_change", "down", "too_few"]},
        "attrition": {"type": "object", "properties": {
            "n_pre": {"type": "integer"}, "n_followed": {"type": "integer"}, "share_followed": _NUMBER,
            "pre_mean_followed": _NUMBER, "pre_mean_lost": _NUMBER, "p_baseline": _NUMBER}},
    },
}


def _reply(description: str, schema: dict | None = None) -> dict:
    content = {"application/json": {"schema": schema or {"$ref": "#/components/schemas/Status"}}}
    return {"description": description, "content": content}


OPENAPI: dict = {
    "openapi": "3.1.0",
    "info": {
        "title": "Sanqu Survey API",
        "version": "1",
        "description": "Questionnaires and submissions for the three-regions social-work programme. "
        "JSON in UTF-8; authenticate with `Authorization: Bearer TOKEN` (issue one with "
        "`flask --app wsgi tokens issue USERNAME`). Error messages follow Accept-Language (zh, en).",
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Text": _TEXT,
            "Status": _ERRORS,
            # one definition: the envelope checks payloads against these very schemas
            "Refusal": REFUSAL,
            "Submission": SUBMISSION,
        },
    },
    "paths": {
        "/openapi.json": {"get": {"summary": "This document", "security": [], "responses": {"200": {"description": "OpenAPI document"}}}},
        "/questionnaires": {
            "get": {
                "summary": "Current questionnaires",
                "responses": {
                    "200": _reply(
                        "id, current version and title of each questionnaire",
                        {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}, "version": {"type": "integer"}, "title": {"$ref": "#/components/schemas/Text"}}}},
                    ),
                    "401": _reply("no valid token"),
                },
            }
        },
        "/questionnaires/{id}": {
            "get": {
                "summary": "A questionnaire's definition (same structure as its file) plus its version",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "version", "in": "query", "required": False, "schema": {"type": "integer"}, "description": "default: current"},
                ],
                "responses": {"200": _reply("definition", {"type": "object"}), "401": _reply("no valid token"), "404": _reply("no such questionnaire or version")},
            }
        },
        "/submissions": {
            "post": {
                "summary": "Submit one response (idempotent on uuid)",
                "parameters": [_GZIP],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Submission"}}}},
                "responses": {
                    "201": _reply("stored: {uuid, status: created, warnings?}"),
                    "200": _reply("the same uuid with the same content was already stored: {status: duplicate}"),
                    "400": _reply("the body is not JSON, or not valid gzip"),
                    "401": _reply("no valid token"),
                    "403": _reply("county or team outside the token owner's scope"),
                    "409": _reply("the same uuid was stored with other content; the stored response is unchanged"),
                    "413": _reply("body larger than the limit (1 MB by default), or a gzip body that inflates past MAX_INFLATED_LENGTH"),
                    "415": _reply("not application/json, or a Content-Encoding other than gzip"),
                    "422": _reply("invalid: errors by question id or field"),
                },
            }
        },
        "/submissions/batch": {
            "post": {
                "summary": "Submit several responses at once (a tablet's queue); each item is judged, stored and answered "
                "as POST /submissions would (idempotent on uuid), so some may be stored while others are refused",
                "parameters": [_GZIP],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["items"],
                    "properties": {"items": {"type": "array", "minItems": 1, "maxItems": 100,
                                             "items": {"$ref": "#/components/schemas/Submission"}}}}}}},
                "responses": {
                    "200": _reply("{results: [{uuid, status: created|duplicate|conflict|invalid|forbidden, http_status, "
                                  "errors?, warnings?}]}, one per item in order", {"type": "object"}),
                    "400": _reply("the body is not JSON, or not valid gzip"),
                    "401": _reply("no valid token"),
                    "413": _reply("body larger than the limit, or a gzip body that inflates past MAX_INFLATED_LENGTH"),
                    "415": _reply("not application/json, or a Content-Encoding other than gzip"),
                    "422": _reply("items is not a list of 1 to 100 submissions"),
                },
            }
        },
        "/devices/{device_id}/receipt": {
            "get": {
                "summary": "Sync receipt: the uuids the server received from one tablet, within the caller's scope",
                "parameters": [{"name": "device_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}],
                "responses": {
                    "200": _reply("{device_id, received: [{uuid, kind, questionnaire, received_at}]}", {"type": "object"}),
                    "401": _reply("no valid token"),
                    "404": _reply("not a device id"),
                },
            }
        },
        "/stats/prepost": {
            "get": {
                "summary": "Paired baseline/follow-up comparison of one index, within the caller's scope "
                "(pairs: same questionnaire, county and respondent code, the latest of each wave; excluded responses left out)",
                "parameters": [
                    {"name": "questionnaire", "in": "query", "required": True, "schema": {"type": "string"}},
                    {"name": "county", "in": "query", "required": False, "schema": {"type": "string"}, "description": "GB/T 2260 code"},
                    {"name": "team", "in": "query", "required": False, "schema": {"type": "string"}},
                    _SITE, _ROUND,
                    {"name": "index", "in": "query", "required": True, "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": _reply(
                        "{n_pairs, pre_mean, post_mean, mean_diff, ci95: [lo, hi], t, p_ttest, p_wilcoxon, cohens_dz, "
                        "n_pre_only, n_post_only, verdict, attrition}; figures are null with fewer than 5 pairs or where "
                        "they cannot be computed. verdict: up_clear (95% CI above 0 and a rise of at least 5 points), "
                        "up_slight (CI above 0, under 5 points), no_change (CI includes 0), down (CI below 0), too_few "
                        "(under 5 pairs). attrition: {n_pre, n_followed, share_followed, pre_mean_followed, pre_mean_lost, "
                        "p_baseline (Welch's t-test of the baseline index, followed vs lost; null below 5 in either group)}",
                        _PREPOST,
                    ),
                    "401": _reply("no valid token"),
                    "403": _reply("county or team outside the caller's scope; a collector, or a tablet's device token (for collecting only)"),
                    "422": _reply("unknown questionnaire, index, county, team, site or round"),
                },
            }
        },
        "/stats/summary": {
            "get": {
                "summary": "Responses by wave and each index's n and mean by wave, within the caller's scope (means of fewer than 5 are null)",
                "parameters": [
                    {"name": "questionnaire", "in": "query", "required": True, "schema": {"type": "string"}},
                    {"name": "county", "in": "query", "required": False, "schema": {"type": "string"}, "description": "GB/T 2260 code"},
                    {"name": "team", "in": "query", "required": False, "schema": {"type": "string"}},
                    _SITE, _ROUND,
                ],
                "responses": {
                    "200": _reply("{questionnaire, responses: {wave: n}, indices: [{wave, index, n, mean}], refusals: "
                                  "declined consents within the same filters}", {"type": "object"}),
                    "401": _reply("no valid token"),
                    "403": _reply("county or team outside the caller's scope; a collector, or a tablet's device token (for collecting only)"),
                    "422": _reply("unknown questionnaire, county, team, site or round"),
                },
            }
        },
        "/followups": {
            "get": {
                "summary": "The follow-up worklist (回访名单): every respondent with a baseline in the place, within the caller's "
                "scope (collectors: their team), whether they were followed up (a pair, as /stats/prepost counts them) "
                "and what was marked; by site code, then respondent code",
                "parameters": [
                    {"name": "questionnaire", "in": "query", "required": True, "schema": {"type": "string"},
                     "description": "a questionnaire with waves"},
                    {"name": "county", "in": "query", "required": False, "schema": {"type": "string"}, "description": "GB/T 2260 code"},
                    {"name": "team", "in": "query", "required": False, "schema": {"type": "string"}},
                    {"name": "site", "in": "query", "required": False, "schema": {"type": "string"}},
                    {"name": "round", "in": "query", "required": False, "schema": {"type": "integer"}, "description": "the round's year"},
                ],
                "responses": {
                    "200": _reply(
                        "{items: [{respondent_code, county, site, pre_completed_at, followed, status}]}; site is the site "
                        "code of the latest baseline (or null), pre_completed_at its completion in China time "
                        "(ISO 8601, +08:00), status one of to_see, followed, moved, deceased, not_found",
                        {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
                            "type": "object",
                            "required": ["respondent_code", "county", "site", "pre_completed_at", "followed", "status"],
                            "properties": {
                                "respondent_code": {"type": "string"}, "county": {"type": "string"},
                                "site": {"type": ["string", "null"]}, "pre_completed_at": {"type": "string", "format": "date-time"},
                                "followed": {"type": "boolean"},
                                "status": {"enum": ["to_see", "followed", "moved", "deceased", "not_found"]},
                            },
                        }}}},
                    ),
                    "401": _reply("no valid token"),
                    "403": _reply("county, team or site outside the caller's scope"),
                    "422": _reply("unknown questionnaire (or one without waves), county, team, site or round: errors by field"),
                },
            }
        },
        "/refusals": {
            "post": {
                "summary": "Count one declined consent (idempotent on uuid); nothing else of the person is kept",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Refusal"}}}},
                "responses": {
                    "201": _reply("counted: {uuid, status: created}"),
                    "200": _reply("this uuid was already counted: {status: duplicate}"),
                    "400": _reply("the body is not JSON, or not valid gzip"),
                    "401": _reply("no valid token"),
                    "403": _reply("county or team outside the token owner's scope"),
                    "413": _reply("body larger than the limit"),
                    "415": _reply("not application/json"),
                    "422": _reply("invalid: errors by field"),
                },
            }
        },
    },
}

# Every operation refuses a query parameter that holds a NUL character (survey_app/requests.py)
# with 422 and errors by parameter, before the view; /questionnaires/{id} an unparseable version.
for _path, _item in OPENAPI["paths"].items():
    for _operation in _item.values():
        _operation["responses"].setdefault(
            "422", _reply("invalid: errors by field (a parameter holding a NUL character; for /questionnaires/{id} "
                          "a version that is not a whole number from 1)"))

# Every operation that reads the database answers 503 with Retry-After while the database is out
# of reach or too busy (survey_app/outages.py): nothing was stored; a client tries again later.
_UNAVAILABLE = {
    "description": "the database is out of reach or too busy; nothing was stored: try again after Retry-After seconds",
    "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}, "description": "seconds to wait"}},
    "content": {"application/json": {"schema": {
        "type": "object", "required": ["error", "message"],
        "properties": {"error": {"const": "Service Unavailable"}, "message": {"type": "string"}, "message_en": {"type": "string"}}}}},
}
for _path, _item in OPENAPI["paths"].items():
    if _path != "/openapi.json":
        for _operation in _item.values():
            _operation["responses"]["503"] = _UNAVAILABLE
