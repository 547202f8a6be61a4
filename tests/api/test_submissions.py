"""POST /api/v1/submissions: the replies of the contract in shared/DESIGN.md, on both engines."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from survey_app.models import Answer, IndexScore, Response

from .payloads import awareness

ACTIVITY_COUNTS = [
    "cases_opened", "cases_closed", "group_sessions", "community_events", "staff_trainings",
    "served_disaster", "served_community", "served_rural", "served_elderly", "served_veterans",
    "served_outreach", "volunteer_hours", "pub_articles", "pub_videos", "pub_posters",
]


@pytest.fixture
def admin(token_for):
    return {"Authorization": f"Bearer {token_for('admin')}"}


def post(client, headers, payload, **kw):
    return client.post("/api/v1/submissions", json=payload, headers=headers, **kw)


def test_created_then_duplicate(client, admin, db):
    payload = awareness()
    first = post(client, admin, payload)
    assert first.status_code == 201
    assert first.get_json() == {"uuid": payload["uuid"], "status": "created"}
    again = post(client, admin, payload)
    assert again.status_code == 200
    assert again.get_json()["status"] == "duplicate"
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1


def test_what_is_stored(client, admin, db):
    payload = awareness(
        respondent_code=" pj-0042 ",
        answers={"aw4": 2, "contact_times": 3, "contact_domains": ["elderly"]},  # hidden: contacted_sw is no
    )
    assert post(client, admin, payload).status_code == 201
    response = db.session.scalar(select(Response))
    assert response.respondent_code == "PJ-0042"
    assert response.wave == "pre" and response.source == "api"
    assert response.completed_at.isoformat() == "2026-05-01T01:12:00+00:00"
    assert "contact_times" not in response.answers_json and "contact_domains" not in response.answers_json
    rows = {(a.question_id, a.position): (a.value_text, a.value_num) for a in db.session.scalars(select(Answer))}
    assert rows[("age_band", 0)] == ("60_69", None)
    assert rows[("aw1", 0)] == (None, 4.0)
    assert rows[("household", 0)] == ("left_behind_elderly", None)
    assert ("contact_times", 0) not in rows
    score = db.session.scalar(select(IndexScore.score).where(IndexScore.index_id == "awareness"))
    # 11 items at 4 -> 75; aw4 reverse-keyed at 2 -> 4 -> 75 as well... except reverse items at 4 -> 2 -> 25
    reverse = {"aw4", "aw8", "aw11", "aw12"}
    points = [(4 - 1) / 4 * 100 if f"aw{i}" not in reverse else (6 - 4 - 1) / 4 * 100 for i in range(1, 13)]
    points[3] = (6 - 2 - 1) / 4 * 100  # aw4 answered 2, reversed to 4
    assert score == pytest.approx(sum(points) / 12)


def test_same_uuid_other_content_is_a_conflict_and_changes_nothing(client, admin, db):
    payload = awareness()
    assert post(client, admin, payload).status_code == 201
    changed = json.loads(json.dumps(payload))
    changed["answers"]["aw1"] = 1
    reply = post(client, admin, changed)
    assert reply.status_code == 409
    assert reply.get_json()["status"] == "conflict"
    stored = db.session.scalar(select(Response))
    db.session.refresh(stored)
    assert stored.answers_json["aw1"] == 4
    assert db.session.scalar(select(Answer.value_num).where(Answer.question_id == "aw1")) == 4.0


def test_invalid_answers_get_422_with_per_field_messages(client, admin, db):
    payload = awareness(answers={"aw1": 9, "age_band": "young", "heard_sw": None, "bogus": 1})
    reply = post(client, {**admin, "Accept-Language": "en"}, payload)
    assert reply.status_code == 422
    assert reply.get_json()["errors"] == {
        "age_band": ["'young' is not an option of this question"],
        "heard_sw": ["This question is required"],
        "aw1": ["Choose a value from 1 to 5"],
        "bogus": ["There is no such question in this questionnaire"],
    }
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0


def test_messages_default_to_chinese(client, admin):
    reply = post(client, admin, awareness(answers={"aw1": 9}))
    assert reply.get_json()["errors"] == {"aw1": ["请在 1 到 5 之间选择"]}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"uuid": "not-a-uuid"}, "uuid", "must be a UUID"),
        ({"uuid": None}, "uuid", "required"),
        ({"questionnaire": "nope"}, "questionnaire", "no such questionnaire"),
        ({"version": 7}, "version", "no such version of this questionnaire"),
        ({"version": "1"}, "version", "must be a positive integer"),
        ({"version": 0}, "version", "must be a positive integer"),
        ({"county": "999999"}, "county", "no such county code"),
        ({"site": "433123-01"}, "site", "no such site in this county"),
        ({"team": "FH01"}, "team", "no such team in this county"),
        ({"wave": "middle"}, "wave", "must be 'pre' or 'post'"),
        ({"wave": None}, "wave", "required"),
        ({"respondent_code": None}, "respondent_code", "required"),
        ({"respondent_code": "PJ 0001!"}, "respondent_code", "letters, digits, - and _ only, at most 64 characters"),
        ({"completed_at": "yesterday"}, "completed_at", "must be an ISO 8601 date-time"),
        ({"started_at": "2026-05-02T09:00:00+08:00"}, "started_at", "started_at is after completed_at"),
        ({"answers": ["a"]}, "answers", "must be an object keyed by question id"),
        ({"extra": 1}, "extra", "unknown field"),
    ],
)
def test_envelope_problems(client, admin, change, field, message):
    payload = awareness()
    payload.update(change)
    reply = post(client, {**admin, "Accept-Language": "en"}, payload)
    assert reply.status_code == 422, reply.get_json()
    assert reply.get_json()["errors"][field] == [message]


def test_wave_is_forbidden_where_the_questionnaire_has_none(client, admin):
    payload = {
        "uuid": "6f0c1bde-7a8e-4f0b-9a51-8f7e1c2d3b4a", "questionnaire": "activity", "version": 1,
        "county": "430626", "team": "PJ01", "wave": "pre", "completed_at": "2026-05-31T18:00:00+08:00",
        "answers": {"month": "2026-05-01", **dict.fromkeys(ACTIVITY_COUNTS, 0)},
    }
    reply = post(client, {**admin, "Accept-Language": "en"}, payload)
    assert reply.status_code == 422
    assert reply.get_json()["errors"]["wave"] == ["this questionnaire has no waves; leave it out"]
    payload["wave"] = None
    assert post(client, admin, payload).status_code == 201


def test_naive_times_are_china_standard_time(client, admin, db):
    assert post(client, admin, awareness(completed_at="2026-05-01T09:12:00", started_at=None)).status_code == 201
    assert db.session.scalar(select(Response.completed_at)).isoformat() == "2026-05-01T01:12:00+00:00"


def test_no_token_or_bad_token_is_401(client, programme):
    assert post(client, {}, awareness()).status_code == 401
    reply = post(client, {"Authorization": "Bearer sq_nottherealtoken"}, awareness())
    assert reply.status_code == 401
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")
    assert post(client, {"Authorization": "Basic abc"}, awareness()).status_code == 401


def test_a_token_in_the_url_is_not_read(client, token_for):
    """Tokens travel in the Authorization header only (ASVS 14.2.1): one in the query string or
    the body would end up in proxy logs and browser history."""
    secret = token_for("sw-pj1")
    for name in ("token", "access_token", "api_key"):
        assert client.post(f"/api/v1/submissions?{name}={secret}", json=awareness()).status_code == 401
    assert client.post("/api/v1/submissions", json={**awareness(), "token": secret}).status_code == 401
    assert post(client, {"Authorization": f"Bearer {secret}"}, awareness()).status_code == 201


def test_revoked_token_and_disabled_user_are_401(client, token_for, db):
    from survey_app.auth.tokens import revoke_user_tokens
    from survey_app.models import User

    secret = token_for("sw-pj1")
    headers = {"Authorization": f"Bearer {secret}"}
    assert post(client, headers, awareness()).status_code == 201
    user = db.session.scalar(select(User).where(User.username == "sw-pj1"))
    revoke_user_tokens(db.session, user)
    db.session.commit()
    assert post(client, headers, awareness()).status_code == 401
    fresh = token_for("sw-pj1")
    user.active = False
    db.session.commit()
    assert post(client, {"Authorization": f"Bearer {fresh}"}, awareness()).status_code == 401


@pytest.mark.parametrize(
    ("username", "county", "team", "site", "status"),
    [
        ("county-pj", "430626", "PJ01", "430626-01", 201),
        ("county-pj", "433123", "FH01", "433123-01", 403),  # another county
        ("team-pj", "430626", "PJ01", "430626-01", 201),
        ("team-pj", "430626", None, "430626-01", 201),  # team defaults to the token's team
        ("team-fh", "430626", "PJ01", "430626-01", 403),  # another team's county
        ("team-fh", "430626", None, "430626-01", 403),
        ("sw-pj1", "430626", "PJ01", "430626-02", 201),
        ("sw-fh1", "430626", "PJ01", "430626-02", 403),
        ("admin", "433123", "FH01", "433123-01", 201),
    ],
)
def test_scope(client, token_for, db, username, county, team, site, status):
    headers = {"Authorization": f"Bearer {token_for(username)}"}
    payload = awareness(county=county, team=team, site=site)
    reply = post(client, headers, payload)
    assert reply.status_code == status, reply.get_json()
    assert db.session.scalar(select(func.count()).select_from(Response)) == (1 if status == 201 else 0)
    if status == 201 and team is None:
        assert db.session.scalar(select(Response.team_id)) is not None


def test_a_duplicate_outside_scope_reveals_nothing(client, token_for):
    payload = awareness()
    assert post(client, {"Authorization": f"Bearer {token_for('admin')}"}, payload).status_code == 201
    reply = post(client, {"Authorization": f"Bearer {token_for('county-fh')}"}, payload)
    assert reply.status_code == 403


def test_malformed_body(client, admin):
    reply = client.post("/api/v1/submissions", data="{not json", headers={**admin, "Content-Type": "application/json"})
    assert reply.status_code == 400
    assert reply.get_json() == {"errors": {"body": ["the body is not valid JSON"]}}
    reply = client.post("/api/v1/submissions", data="uuid=1", headers={**admin, "Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status_code == 415
    for body in ("[]", "null", "42", '"x"'):
        reply = client.post("/api/v1/submissions", data=body, headers={**admin, "Content-Type": "application/json"})
        assert reply.status_code == 422, body
        assert "body" in reply.get_json()["errors"]


def test_oversized_body_is_413_json(client, admin, app):
    big = awareness(answers={"note": "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)})
    reply = post(client, admin, big)
    assert reply.status_code == 413
    assert reply.is_json and reply.get_json()["error"] == "Request Entity Too Large"


def test_too_long_text_is_refused_not_cut(client, admin, db):
    payload = {
        "uuid": "0b8f3c2a-5d6e-4f70-8a9b-1c2d3e4f5a6b", "questionnaire": "satisfaction", "version": 1,
        "county": "430626", "completed_at": "2026-05-01T10:00:00+08:00",
        "answers": {"domains": ["elderly"], "comments": "好" * 1001},
    }
    reply = post(client, {**admin, "Accept-Language": "en"}, payload)
    assert reply.status_code == 422
    assert reply.get_json()["errors"] == {"comments": ["At most 1000 characters (now 1001)"]}


def test_questionnaire_endpoints(client, admin):
    listed = client.get("/api/v1/questionnaires", headers=admin)
    assert listed.status_code == 200
    ids = {q["id"]: q for q in listed.get_json()}
    assert set(ids) == {"activity", "awareness", "satisfaction", "staff"}
    assert ids["awareness"]["version"] == 1
    assert ids["awareness"]["title"]["zh"] == "社会工作认知调查（居民）"
    one = client.get("/api/v1/questionnaires/awareness", headers=admin)
    definition = one.get_json()
    assert definition["version"] == 1 and definition["id"] == "awareness"
    assert next(s["id"] for s in definition["sections"]) == "about_you"
    assert client.get("/api/v1/questionnaires/nope", headers=admin).status_code == 404
    assert client.get("/api/v1/questionnaires/awareness?version=9", headers=admin).status_code == 404
    assert client.get("/api/v1/questionnaires").status_code == 401
    # Chinese is sent as UTF-8, not \u escapes.
    assert "社会工作" in listed.get_data(as_text=True)


def test_the_device_is_kept_for_sync_receipts(client, admin, db):
    device = "0b7d6a4e-3c1f-4a55-9e0e-2f1c7b8d9a10"
    assert post(client, admin, awareness(device_id=device.upper())).status_code == 201
    assert db.session.scalar(select(Response.device_id)) == device
    refused = post(client, admin, awareness(device_id="tablet-7"))
    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["device_id"]


def test_a_code_used_before_is_stored_and_flagged_with_a_warning(client, admin, db):
    from survey_app.analysis import flags, quality
    from survey_app.models import Response

    first = client.post("/api/v1/submissions", json=awareness(respondent_code="PJ-0042"), headers=admin)
    assert first.status_code == 201 and "warnings" not in first.get_json()
    other_wave = client.post("/api/v1/submissions", json=awareness(respondent_code="PJ-0042", wave="post"), headers=admin)
    assert other_wave.status_code == 201 and "warnings" not in other_wave.get_json()  # the follow-up of the same person
    elsewhere = client.post("/api/v1/submissions", json=awareness(respondent_code="PJ-0042", county="433123", site=None, team=None),
                            headers=admin)
    assert elsewhere.status_code == 201 and "warnings" not in elsewhere.get_json()  # a code is a county's own
    second = awareness(respondent_code="pj-0042 ")  # the same code as stored: trimmed, upper-case
    reply = client.post("/api/v1/submissions", json=second, headers=admin)
    assert reply.status_code == 201  # kept: the data is never refused for this
    assert reply.get_json()["warnings"] == {"respondent_code": [
        "这个受访者编码在本县本测次已经有问卷：两份都已保存，标记为“编码重复”，请核对是不是同一位居民"]}
    again = client.post("/api/v1/submissions", json=second, headers=admin)
    assert again.status_code == 200 and "warnings" not in again.get_json()  # a retry is answered as a retry
    english = client.post("/api/v1/submissions", json=awareness(respondent_code="PJ-0042"), headers={**admin, "Accept-Language": "en"})
    assert english.get_json()["warnings"]["respondent_code"][0].startswith("this respondent code already has a response")
    stored = db.session.scalars(select(Response.id).where(Response.respondent_code == "PJ-0042")).all()
    with db.engine.connect() as connection:
        flagged = set(connection.scalars(flags.flag_selects("awareness")[quality.DUPLICATE_CODE]))
    # the three 平江县 baselines under one code carry the data-quality flag; the follow-up and 凤凰县's do not
    assert len(stored) == 5 and len(flagged & set(stored)) == 3
