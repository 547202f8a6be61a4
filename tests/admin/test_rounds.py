"""Rounds from the web: the office adds a round or changes its dates, and every stored response
and refusal is put in its round again by the rule (survey_app/rounds.py); audited with what moved."""
from __future__ import annotations

import uuid as uuidlib

from sqlalchemy import delete, select

from survey_app.models import AuditEvent, Refusal, Response, Round
from tests.api.payloads import awareness
from tests.factories import csrf_in, login


def _send(client, token_for):
    headers = {"Authorization": f"Bearer {token_for('sw-pj1')}"}
    sent = {}
    for key, wave, code, when in (("pre", "pre", "PJ-1", "2025-04-01T10:00:00+08:00"),
                                  ("post", "post", "PJ-1", "2026-05-10T10:00:00+08:00"),
                                  ("newcomer", "post", "PJ-2", "2026-05-10T11:00:00+08:00"),
                                  ("new_baseline", "pre", "PJ-3", "2026-05-10T12:00:00+08:00")):
        payload = awareness(wave=wave, respondent_code=code, completed_at=when, started_at=None)
        assert client.post("/api/v1/submissions", json=payload, headers=headers).status_code == 201
        sent[key] = payload["uuid"]
    refusal = {"uuid": str(uuidlib.uuid4()), "questionnaire": "awareness", "county": "430626", "wave": "post",
               "declined_at": "2026-05-10T12:00:00+08:00"}
    assert client.post("/api/v1/refusals", json=refusal, headers=headers).status_code == 201
    sent["refusal"] = refusal["uuid"]
    return sent


def _rounds_of(db, sent):
    db.session.rollback()
    years = dict(db.session.execute(select(Round.id, Round.year)).all())
    found = dict(db.session.execute(select(Response.uuid, Response.round_id)).all())
    found.update(db.session.execute(select(Refusal.uuid, Refusal.round_id)).all())
    return {key: years.get(found[uuid]) for key, uuid in sent.items()}


def test_a_new_round_and_new_dates_put_what_is_stored_in_its_round(client, db, programme, token_for):
    db.session.execute(delete(Round))  # no rounds yet: everything is in none
    db.session.commit()
    sent = _send(client, token_for)
    assert set(_rounds_of(db, sent).values()) == {None}
    login(client, "admin")
    page = client.get("/admin/rounds").get_data(as_text=True)
    data = {"csrf_token": csrf_in(page), "year": "2025", "name": "第一期（2025年度）", "starts_on": "2025-03-01", "ends_on": "2026-06-30"}
    for change, message in (({"ends_on": "2025-01-01"}, "不能早于第一天"), ({"starts_on": "soon"}, "请填日期"),
                            ({"name": ""}, "必填"), ({"year": "99999999999999999999"}, 'data-error="year"')):
        reply = client.post("/admin/rounds", data={**data, **change})
        assert reply.status_code == 422 and message in reply.get_data(as_text=True), change
    assert client.post("/admin/rounds", data=data).status_code == 302
    assert set(_rounds_of(db, sent).values()) == {2025}
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "round.create")).one()
    assert event.target == "2025" and event.detail["held_before"] == {"none": {"responses": 4, "refusals": 1}}
    assert event.detail["held_after"] == {"2025": {"responses": 4, "refusals": 1}}
    assert client.post("/admin/rounds", data=data).status_code == 422  # the year is taken

    # the second round starts while the first's follow-ups go on: its baseline opens it, the rest stay
    second = {**data, "year": "2026", "name": "第二期（2026年度）", "starts_on": "2026-03-01", "ends_on": "2027-06-30"}
    assert client.post("/admin/rounds", data=second).status_code == 302
    assert _rounds_of(db, sent) == {"pre": 2025, "post": 2025, "newcomer": 2025, "new_baseline": 2026, "refusal": 2025}
    page = client.get("/admin/rounds").get_data(as_text=True)
    assert 'data-round="2026"' in page and "2026 年 3 月 1 日至 2027 年 6 月 30 日" in page

    edit = client.get("/admin/rounds/2026").get_data(as_text=True)
    assert 'name="year"' not in edit  # a round's year never changes
    moved = {"csrf_token": csrf_in(edit), "name": "第二期", "starts_on": "2026-07-01", "ends_on": "2027-06-30"}
    assert client.post("/admin/rounds/2026", data=moved).status_code == 302
    assert set(_rounds_of(db, sent).values()) == {2025}  # no overlap left: the new baseline falls in the first
    assert db.session.scalar(select(Round.name).where(Round.year == 2026)) == "第二期"
    assert client.get("/admin/rounds/1999").status_code == 404


def test_only_the_office_manages_rounds(client, programme):
    login(client, "county-pj")
    assert client.get("/admin/rounds").status_code == 403
