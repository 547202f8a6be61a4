"""Rounds from the web: the office adds a round or changes its dates, and every stored response
and refusal is put in its round again by the rule (survey_app/rounds.py); audited with what moved."""
from __future__ import annotations

import uuid as uuidlib

from sqlalchemy import select

from survey_app.models import AuditEvent, Refusal, Response, Round
from tests.admin.test_places import token
from tests.api.payloads import awareness
from tests.test_auth import login


def _send(client, token_for):
    headers = {"Authorization": f"Bearer {token_for('sw-pj1')}"}
    sent = {}
    for key, wave, code, when in (("pre", "pre", "PJ-1", "2027-04-01T10:00:00+08:00"),
                                  ("post", "post", "PJ-1", "2028-05-10T10:00:00+08:00"),
                                  ("newcomer", "post", "PJ-2", "2028-05-10T11:00:00+08:00")):
        payload = awareness(wave=wave, respondent_code=code, completed_at=when, started_at=None)
        assert client.post("/api/v1/submissions", json=payload, headers=headers).status_code == 201
        sent[key] = payload["uuid"]
    refusal = {"uuid": str(uuidlib.uuid4()), "questionnaire": "awareness", "county": "430626", "wave": "post",
               "declined_at": "2028-05-10T12:00:00+08:00"}
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
    sent = _send(client, token_for)  # after the demo's rounds (which end 2027-06-30): partly in none
    assert _rounds_of(db, sent) == {"pre": 2026, "post": 2026, "newcomer": None, "refusal": None}
    login(client, "admin")
    page = client.get("/admin/rounds").get_data(as_text=True)
    assert 'data-round="2025"' in page and "2025 年 3 月 1 日至 2026 年 6 月 30 日" in page
    data = {"csrf_token": token(page), "year": "2027", "name": "第三期（2027年度）", "starts_on": "2027-03-01", "ends_on": "2028-06-30"}
    for change, message in (({"ends_on": "2027-01-01"}, "不能早于第一天"), ({"year": "2026"}, "已经有了"), ({"starts_on": "soon"}, "请填日期"),
                            ({"name": ""}, "必填"), ({"year": "99999999999999999999"}, 'data-error="year"')):
        reply = client.post("/admin/rounds", data={**data, **change})
        assert reply.status_code == 422 and message in reply.get_data(as_text=True), change
    assert client.post("/admin/rounds", data=data).status_code == 302
    # the 2027 baseline opens the new round (it overlaps the second, which is still completing);
    # its follow-up goes with it; the newcomer and the refusal fall in the only round of their day
    assert _rounds_of(db, sent) == {"pre": 2027, "post": 2027, "newcomer": 2027, "refusal": 2027}
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "round.create")).one()
    assert event.target == "2027" and event.detail["held_before"]["none"]["responses"] == 1
    assert event.detail["held_after"]["2027"] == {"responses": 3, "refusals": 1}

    edit = client.get("/admin/rounds/2027").get_data(as_text=True)
    assert 'name="year"' not in edit  # a round's year never changes
    moved = {"csrf_token": token(edit), "name": "第三期", "starts_on": "2027-07-01", "ends_on": "2028-06-30"}
    assert client.post("/admin/rounds/2027", data=moved).status_code == 302
    # now the baseline falls in the second round only, and its follow-up with it
    assert _rounds_of(db, sent) == {"pre": 2026, "post": 2026, "newcomer": 2027, "refusal": 2027}
    assert db.session.scalar(select(Round.name).where(Round.year == 2027)) == "第三期"
    assert client.get("/admin/rounds/1999").status_code == 404


def test_only_the_office_manages_rounds(client, programme):
    login(client, "county-pj")
    assert client.get("/admin/rounds").status_code == 403
