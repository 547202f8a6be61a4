"""POST /api/v1/refusals: a declined consent is counted once and keeps nothing else."""
from __future__ import annotations

import uuid as uuidlib

import pytest
from sqlalchemy import func, select

from survey_app.models import Refusal, Response


def refusal(**overrides):
    payload = {"uuid": str(uuidlib.uuid4()), "questionnaire": "awareness", "county": "430626", "site": "430626-01",
               "wave": "pre", "declined_at": "2026-05-01T09:01:00+08:00"}
    payload.update(overrides)
    return payload


@pytest.fixture
def collector(token_for):
    return {"Authorization": f"Bearer {token_for('sw-pj1')}"}


def test_counted_once(client, collector, db):
    payload = refusal(device_id="0b7d6a4e-3c1f-4a55-9e0e-2f1c7b8d9a10")
    assert client.post("/api/v1/refusals", json=payload, headers=collector).status_code == 201
    again = client.post("/api/v1/refusals", json=payload, headers=collector)
    assert again.status_code == 200 and again.get_json()["status"] == "duplicate"
    stored = db.session.scalars(select(Refusal)).all()
    assert len(stored) == 1
    assert stored[0].wave == "pre" and stored[0].source == "api" and stored[0].team_id is not None
    assert stored[0].declined_at.isoformat() == "2026-05-01T01:01:00+00:00"
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0


def test_invalid_and_out_of_scope(client, collector, token_for, db):
    bad = client.post("/api/v1/refusals", json=refusal(declined_at="yesterday", site="nowhere", name="张三"), headers=collector)
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"declined_at", "name"}
    assert client.post("/api/v1/refusals", json=refusal(site="nowhere"), headers=collector).status_code == 422
    assert client.post("/api/v1/refusals", json=refusal(county="433123", site=None), headers=collector).status_code == 403
    assert client.post("/api/v1/refusals", json=refusal()).status_code == 401
    assert db.session.scalar(select(func.count()).select_from(Refusal)) == 0
