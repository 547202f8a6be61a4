"""The report pages: a reader chooses within their scope, follows the job and downloads the PDF
with its Chinese name; another county's job is 403 even with its key; failures show a message."""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from sqlalchemy import select

from survey_app.models import AuditEvent
from survey_app.reports import jobs
from tests.factories import csrf_token, login
from tests.reports.test_jobs import Builds, use_reports


@pytest.fixture
def fake(app, programme, tmp_path, worker) -> Builds:
    """Reports built by the test builder, with a report worker running."""
    return use_reports(app, tmp_path)


def start(client, scope: str, round_year: str = ""):
    return client.post("/reports/", data={"scope": scope, "round": round_year, "csrf_token": csrf_token(client, "/reports/")})


def started_key(reply) -> str:
    assert reply.status_code == 302, reply.get_data(as_text=True)
    return re.fullmatch(r"/reports/jobs/([0-9a-f]{64})", reply.headers["Location"]).group(1)


def finish(app, key: str) -> jobs.Job:
    from survey_app.extensions import db

    return jobs.wait(db.session, key)


def options(page: str) -> list[str]:
    return re.findall(r'<option[^>]*value="([^"]*)"', page)


def test_each_reader_is_offered_their_own_reports(client, fake):
    login(client, "admin")
    offered = options(client.get("/reports/").get_data(as_text=True))
    assert offered[0] == "programme" and "county:430626" in offered and "county:433123" in offered
    assert "team:PJ01" in offered and "team:FH01" in offered
    assert {"", "2025", "2026"} <= set(offered)  # the rounds, and every round

    client.post("/logout", data={"csrf_token": csrf_token(client, "/reports/")})
    login(client, "county-pj")
    page = client.get("/reports/").get_data(as_text=True)
    assert [o for o in options(page) if ":" in o or o == "programme"] == ["county:430626", "team:PJ01"]
    assert 'data-action="report"' in page and "评估报告" in page

    client.post("/logout", data={"csrf_token": csrf_token(client, "/reports/")})
    login(client, "team-pj")
    assert [o for o in options(client.get("/reports/").get_data(as_text=True)) if ":" in o] == ["team:PJ01"]


def test_collectors_get_no_reports(client, fake, app):
    login(client, "admin")
    key = started_key(start(client, "county:430626"))
    finish(app, key)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/reports/jobs/" + key)})
    login(client, "sw-pj1")
    assert client.get("/reports/").status_code == 403
    for path in (f"/reports/jobs/{key}", f"/reports/jobs/{key}.json", f"/reports/jobs/{key}.pdf"):
        assert client.get(path).status_code == 403, path
    home = client.get("/").get_data(as_text=True)
    assert "/reports/" not in home


def test_a_county_report_from_start_to_download(client, fake, app, db):
    login(client, "county-pj")
    assert "/reports/" in client.get("/").get_data(as_text=True)  # linked from the home page
    key = started_key(start(client, "county:430626", "2026"))
    finish(app, key)

    status = client.get(f"/reports/jobs/{key}.json")
    assert status.headers["Cache-Control"] == "no-store"
    assert status.get_json() == {
        "key": key, "request": "county:430626", "round": 2026, "format": "pdf", "title": "平江县 · 第二期（2026年度）", "state": "done",
        "progress": 1.0, "step": "完成", "error": None, "download": f"/reports/jobs/{key}.pdf"}
    page = client.get(f"/reports/jobs/{key}").get_data(as_text=True)
    assert f'href="/reports/jobs/{key}.pdf"' in page and "平江县-评估报告-2026年度.pdf" in page
    assert 'http-equiv="refresh"' not in page  # nothing left to wait for

    with client.get(f"/reports/jobs/{key}.pdf") as pdf:
        data = pdf.get_data()
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert data == b"%PDF-1.7\n% fake county:430626\n%%EOF\n"
    assert pdf.headers["Content-Disposition"] == (
        "attachment; filename=\"sanqu-report-county-430626-2026.pdf\"; "
        f"filename*=UTF-8''{quote('平江县-评估报告-2026年度.pdf')}")
    assert "%E5%B9%B3%E6%B1%9F%E5%8E%BF" in pdf.headers["Content-Disposition"]  # 平江县
    assert pdf.headers["Cache-Control"] == "private, no-store"

    # The same report of the same data: the stored job at once, not built again.
    assert started_key(start(client, "county:430626", "2026")) == key
    assert fake.calls == ["county:430626"]
    db.session.rollback()  # a fresh snapshot: finish() read the job in this session
    events = db.session.execute(select(AuditEvent.action, AuditEvent.target, AuditEvent.detail).where(
        AuditEvent.action.like("report.%")).order_by(AuditEvent.id)).all()
    assert [(a, t) for a, t, _ in events] == [("report.start", "county:430626"), ("report.download", "county:430626"),
                                                ("report.start", "county:430626")]
    assert events[1][2]["key"] == key and events[0][2]["round"] == 2026
    assert events[2][2]["state"] == "done"


def test_the_page_follows_a_running_job(client, app, programme, tmp_path, worker):
    builder = use_reports(app, tmp_path, REPORT_TEST_GATED=True)
    login(client, "admin")
    try:
        key = started_key(start(client, "programme"))
        assert builder.wait_started()
        page = client.get(f"/reports/jobs/{key}").get_data(as_text=True)
        status = client.get(f"/reports/jobs/{key}.json").get_json()
        # a second start (another tab, another worker's request) joins it
        assert started_key(start(client, "programme")) == key
    finally:
        builder.open_gate()
    assert 'data-state="running"' in page and 'value="0.5"' in page and "绘制图表" in page
    assert '<noscript><meta http-equiv="refresh"' in page  # without JavaScript the page reloads itself
    assert 'src="/static/js/report_job.js"' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # no inline script (CSP without unsafe-inline)
    assert (status["state"], status["progress"], status["download"]) == ("running", 0.5, None)
    assert finish(app, key).state == "done" and builder.calls == ["programme"]


def test_a_failed_job_shows_its_message_and_can_be_restarted(client, app, programme, tmp_path, worker):
    use_reports(app, tmp_path, REPORT_TEST_FAIL="WeasyPrint ran out of memory", REPORT_RETRIES=0)
    login(client, "county-pj")
    key = started_key(start(client, "county:430626"))
    finish(app, key)
    reply = client.get(f"/reports/jobs/{key}")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200 and jobs.FAILED_MESSAGE in page
    assert "WeasyPrint" not in page  # the trace goes to the log, not to the reader
    assert 'data-action="restart"' in page and 'name="scope" value="county:430626"' in page
    assert client.get(f"/reports/jobs/{key}.json").get_json()["error"] == jobs.FAILED_MESSAGE
    assert client.get(f"/reports/jobs/{key}.pdf").status_code == 404
    app.config["REPORT_TEST_FAIL"] = ""
    assert started_key(start(client, "county:430626")) == key  # tried again under the same name
    assert finish(app, key).state == "done"


@pytest.mark.parametrize("scope", ["county:433123", "programme", "team:FH01"])
def test_a_county_user_cannot_start_another_places_report(client, fake, scope):
    login(client, "county-pj")
    assert start(client, scope).status_code == 403
    assert fake.calls == []


def test_a_team_user_gets_their_team_only(client, fake, app):
    login(client, "team-pj")
    assert start(client, "county:430626").status_code == 403  # not the county, even narrowed to the team
    assert start(client, "team:FH01").status_code == 403
    job = finish(app, started_key(start(client, "team:PJ01", "2025")))
    assert (job.state, job.title, job.file_name) == ("done", "平江县三区社工服务队 · 第一期（2025年度）", "平江县三区社工服务队-评估报告-2025年度.pdf")
    assert job.ascii_name == "sanqu-report-team-PJ01-2025.pdf" and fake.calls == ["team:PJ01"]


def test_knowing_the_key_is_not_permission(client, fake, app):
    login(client, "admin")
    keys = [started_key(start(client, scope)) for scope in ("county:433123", "programme")]
    for key in keys:
        finish(app, key)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/reports/")})
    login(client, "county-pj")
    for key in keys:
        for path in (f"/reports/jobs/{key}", f"/reports/jobs/{key}.json", f"/reports/jobs/{key}.pdf"):
            with client.get(path) as reply:
                assert reply.status_code == 403, path
    assert "凤凰县" not in client.get("/reports/").get_data(as_text=True)  # nor listed among recent reports


def test_bad_requests(client, fake):
    login(client, "admin")
    assert start(client, "county:999999").status_code == 422  # unknown county
    assert start(client, "county:430626", "1999").status_code == 422  # unknown round
    assert start(client, "county:43062").status_code == 422  # not a scope
    assert start(client, "county:430626", "2026x").status_code == 400
    assert client.post("/reports/", data={"scope": "programme"}).status_code == 400  # no CSRF token
    assert client.get("/reports/jobs/" + "0" * 64).status_code == 404
    assert client.get("/reports/jobs/not-a-key.json").status_code == 404
    assert fake.calls == []
