"""Bad input of every shape gets a 4xx with a message, never a 500, and stores nothing."""
from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from survey_app.models import Response

from .payloads import awareness

ODD_VALUES = [None, True, 0, -1, 10**30, 1e308, float("inf"), "", "x" * 300, [], [1, [2]], {}, {"a": {"b": None}}, "\x00", "<script>"]
FIELDS = ["uuid", "questionnaire", "version", "county", "site", "team", "wave", "respondent_code", "started_at", "completed_at", "answers", "device_id", "tablet"]  # tablet: unknown, refused
ANSWERS = ["age_band", "household", "aw1", "contact_times", "heard_sw"]


@pytest.fixture
def admin(token_for):
    return {"Authorization": f"Bearer {token_for('admin')}"}


def _post(client, headers, payload):
    import json

    # allow_nan: Python's json writes Infinity, which is not JSON; the server must say so.
    body = json.dumps(payload, allow_nan=True)
    return client.post("/api/v1/submissions", data=body, headers={**headers, "Content-Type": "application/json"})


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_every_envelope_field_with_odd_values(client, admin, db):
    for field, value in itertools.product(FIELDS, ODD_VALUES):
        payload = awareness()
        payload[field] = value
        reply = _post(client, admin, payload)
        assert reply.status_code < 500, (field, value, reply.get_data(as_text=True)[:300])
        if reply.status_code >= 400:
            body = reply.get_json()
            assert body and ("errors" in body or "error" in body), (field, value)


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_every_answer_type_with_odd_values(client, admin, db):
    for qid, value in itertools.product(ANSWERS, ODD_VALUES):
        payload = awareness(answers={qid: value, "contacted_sw": "yes", "contact_domains": ["elderly"]})
        reply = _post(client, admin, payload)
        assert reply.status_code in (201, 400, 422), (qid, value, reply.status_code)
        if reply.status_code == 422:
            assert qid in reply.get_json()["errors"] or "aw1" in reply.get_json()["errors"], reply.get_json()


def test_nothing_is_stored_for_refused_input(client, admin, db):
    for value in ODD_VALUES:
        _post(client, admin, awareness(version=value if value is not None else "x", answers={"aw1": value}))
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0


def test_nan_and_infinity_are_not_json(client, admin):
    for literal in ("NaN", "Infinity", "-Infinity"):
        body = '{"uuid": "6f0c1bde-7a8e-4f0b-9a51-8f7e1c2d3b4a", "version": ' + literal + "}"
        reply = client.post("/api/v1/submissions", data=body, headers={**admin, "Content-Type": "application/json"})
        assert reply.status_code == 400, literal


def test_invalid_utf8_is_refused(client, admin):
    reply = client.post("/api/v1/submissions", data=b'{"uuid": "\xff"}', headers={**admin, "Content-Type": "application/json"})
    assert reply.status_code == 400


def test_deeply_nested_json_is_refused_cleanly(client, admin):
    nested = "[" * 5000 + "]" * 5000
    body = '{"uuid": "6f0c1bde-7a8e-4f0b-9a51-8f7e1c2d3b4a", "answers": {"aw1": ' + nested + "}}"
    reply = client.post("/api/v1/submissions", data=body, headers={**admin, "Content-Type": "application/json"})
    assert 400 <= reply.status_code < 500
