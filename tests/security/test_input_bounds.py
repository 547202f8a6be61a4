"""Each input that once gave a 500 (issue 14: schemathesis and the security review) is a 4xx with
a message now, on both engines: numbers past the database's integer, times at the calendar's
edges or outside the programme's window, NUL and lone surrogates, control characters in `next`,
an unparseable `version`; a 405 says what is allowed; a bad item in an imported queue file is
reported while the others are imported and audited."""
from __future__ import annotations

import datetime as dt
import io
import json
import uuid as uuidlib

import pytest
from sqlalchemy import func, select

from survey_app.models import AuditEvent, Refusal, Response
from tests.api.payloads import awareness
from tests.factories import PASSWORD, csrf_token, login

HUGE = "9" * 25  # past SQLite's 2**63 and PostgreSQL's 2**31


@pytest.fixture
def admin(token_for):
    return {"Authorization": f"Bearer {token_for('admin')}"}


def post_json(client, path, headers, text):
    return client.post(path, data=text, headers={**headers, "Content-Type": "application/json"})


def refusal(**overrides):
    payload = {"uuid": str(uuidlib.uuid4()), "questionnaire": "awareness", "county": "430626", "site": "430626-01",
               "wave": "pre", "declined_at": "2026-05-01T09:01:00+08:00"}
    payload.update(overrides)
    return payload


@pytest.mark.parametrize("version", [HUGE, str(2**31), "abc", "²", "-1", "0", "1.5"])
def test_a_version_that_is_not_one_is_refused_not_served_as_the_current(client, admin, loaded, version):
    reply = client.get(f"/api/v1/questionnaires/awareness?version={version}", headers=admin)
    assert reply.status_code in (404, 422), reply.get_data(as_text=True)[:200]
    assert reply.get_json().get("errors", {}).get("version") or reply.get_json().get("message")


@pytest.mark.parametrize("version", [HUGE, "abc", "²"])
def test_the_collection_page_refuses_such_a_version_too(client, programme, version):
    login(client, "sw-pj1")
    assert client.get(f"/collect/awareness?version={version}").status_code == 404
    assert client.get("/collect/awareness").status_code == 200


@pytest.mark.parametrize(("field", "value", "code"), [
    ("started_at", "0001-01-01T00:00:00", "window"),          # +08:00 falls before year 1 in UTC
    ("completed_at", "9999-12-31T23:59:59-12:00", "window"),  # past year 9999 in UTC
    ("completed_at", "2026-02-30T09:00:00+08:00", "datetime"),
    ("completed_at", "2012-12-31T23:59:00+08:00", "window"),
    ("completed_at", "1970-01-01T08:00:00+08:00", "window"),
    ("started_at", "2000-05-01T09:00:00+08:00", "window"),
])
def test_times_at_the_edges_and_outside_the_window_are_422(client, admin, field, value, code):
    reply = client.post("/api/v1/submissions", json=awareness(**{field: value}), headers=admin)
    assert reply.status_code == 422, reply.get_json()
    assert list(reply.get_json()["errors"]) == [field]
    said = reply.get_json()["errors"][field][0]
    assert ("2013-01-01" in said) == (code == "window") and ("ISO 8601" in said) == (code == "datetime"), said


def test_a_time_a_day_past_the_server_clock_is_422_and_now_is_fine(client, admin):
    ahead = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1, hours=2)).isoformat()
    reply = client.post("/api/v1/submissions", json=awareness(completed_at=ahead, started_at=None), headers=admin)
    assert reply.status_code == 422 and "2013-01-01" in reply.get_json()["errors"]["completed_at"][0]
    now = dt.datetime.now(dt.UTC).isoformat()
    assert client.post("/api/v1/submissions", json=awareness(completed_at=now, started_at=None), headers=admin).status_code == 201


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00", "9999-12-31T23:59:59-12:00", "2010-06-01T10:00:00+08:00"])
def test_a_refusal_time_out_of_bounds_is_422(client, admin, value):
    reply = client.post("/api/v1/refusals", json=refusal(declined_at=value), headers=admin)
    assert reply.status_code == 422 and list(reply.get_json()["errors"]) == ["declined_at"]


@pytest.mark.parametrize(("where", "text"), [
    ("answer", '"\\u0000"'), ("answer", '"a\\ud800b"'), ("county", '"4306\\u000026"'), ("county", '"\\udfff"'),
    ("code", '"PJ\\u0000"'),
])
def test_nul_and_lone_surrogates_are_refused_on_both_engines(client, admin, db, where, text):
    payload = awareness(answers={"contacted_sw": "yes", "contact_domains": ["elderly"]})
    marker = "__BAD__"
    if where == "answer":
        payload["answers"]["suggestion"] = marker
    elif where == "county":
        payload["county"] = marker
    else:
        payload["respondent_code"] = marker
    body = json.dumps(payload).replace(f'"{marker}"', text)
    reply = post_json(client, "/api/v1/submissions", admin, body)
    assert reply.status_code == 422, reply.get_data(as_text=True)[:300]
    field = {"answer": "suggestion", "county": "county", "code": "respondent_code"}[where]
    assert "NUL" in reply.get_json()["errors"][field][0]
    refused = post_json(client, "/api/v1/refusals", admin, json.dumps(refusal(site=marker)).replace(f'"{marker}"', text))
    assert refused.status_code == 422 and "site" in refused.get_json()["errors"]
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0


def test_numbers_past_any_range_in_answers_are_422(client, admin):
    for value in ("1" + "0" * 400, "1e400", "9007199254740993"):
        body = json.dumps(awareness(answers={"contacted_sw": "yes", "contact_domains": ["elderly"], "contact_times": 0}))
        body = body.replace('"contact_times": 0', f'"contact_times": {value}')
        reply = post_json(client, "/api/v1/submissions", admin, body)
        assert reply.status_code == 422 and "contact_times" in reply.get_json()["errors"], value


@pytest.mark.parametrize("path", [
    f"/admin/users/{HUGE}", f"/admin/responses/{HUGE}", f"/admin/rounds/{HUGE}", f"/admin/users/{2**31}",
    "/admin/responses?before=²", f"/admin/responses?before={HUGE}", f"/admin/audit?before={HUGE}",
    f"/dashboard/awareness?round={HUGE}", "/dashboard/awareness?round=²", "/admin/responses?county=43%00",
])
def test_numbers_in_paths_and_queries_past_the_range_are_not_500(client, programme, path):
    login(client, "admin")
    reply = client.get(path)
    assert reply.status_code < 500, (path, reply.status_code)


def test_a_newline_in_next_is_not_followed(client, programme):
    page = "/login?next=/collect/%0d%0aSet-Cookie:%20x=1"
    token = csrf_token(client, page)
    reply = client.post(page, data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    assert reply.status_code == 302 and "\n" not in reply.headers["Location"] and "Set-Cookie" not in reply.headers["Location"]


def test_a_405_says_which_methods_are_allowed(client, admin):
    reply = client.delete("/api/v1/submissions", headers=admin)
    assert reply.status_code == 405 and "POST" in reply.headers["Allow"]
    page = client.put("/login")
    assert page.status_code == 405 and "GET" in page.headers["Allow"] and "POST" in page.headers["Allow"]


def test_a_bad_item_in_a_queue_file_is_reported_and_the_rest_imported_and_audited(client, db, programme, loaded):
    good = [awareness(respondent_code=f"PJ-B{i}") for i in range(2)]
    bad = awareness(respondent_code="PJ-BAD", completed_at="0001-01-01T00:00:00")
    nul = awareness(respondent_code="PJ-NUL", answers={"suggestion": "__NUL__"})
    items = [{"kind": "submission", "body": good[0]}, {"kind": "submission", "body": bad},
             {"kind": "submission", "body": nul}, {"kind": "submission", "body": good[1]},
             {"kind": "refusal", "body": refusal(declined_at="9999-12-31T23:59:59-12:00")}]
    text = json.dumps({"format": "sanqu-queue", "version": 1, "items": items}).replace('"__NUL__"', '"\\u0000"')
    login(client, "county-pj")
    token = csrf_token(client, "/collect/import")
    reply = client.post("/collect/import", data={"csrf_token": token, "file": (io.BytesIO(text.encode()), "q.json")},
                        content_type="multipart/form-data")
    assert reply.status_code == 200
    page = reply.get_data(as_text=True)
    assert page.count('data-status="created"') == 2 and page.count('data-status="invalid"') == 3
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Response)) == 2
    assert db.session.scalar(select(func.count()).select_from(Refusal)) == 0
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "queue.import")).all()
    assert len(audit) == 1
