"""Staff pages for responses: each reader sees only their reach (in the query, whatever the URL
says), filters work and say what is wrong, and leaving a response out of the figures is soft,
reversible, takes a reason, is audited and happens once however often the form is posted."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from survey_app.analysis.queries import Place, summary
from survey_app.models import AuditEvent, County, Response, Team
from tests.factories import login, seed_demo

PJ, FH = "430626", "433123"


@pytest.fixture
def demo(db, programme):
    return seed_demo(db, 300, seed=5)


def listed(page: str) -> set[int]:
    return {int(n) for n in re.findall(r'data-response="(\d+)"', page)}


def all_pages(client, url: str) -> set[int]:
    """Every id the listing shows, following its "older" link to the end."""
    seen: set[int] = set()
    while url:
        page = client.get(url).get_data(as_text=True)
        seen |= listed(page)
        more = re.search(r'href="([^"]+)" data-action="more"', page)
        url = more.group(1).replace("&amp;", "&") if more else ""
    return seen


def ids(db, *where) -> set[int]:
    return set(db.session.scalars(select(Response.id).where(*where)))


def test_each_role_lists_its_reach_and_no_more(client, demo):
    pj = demo.session.scalar(select(County).where(County.code == PJ))
    team = demo.session.scalar(select(Team).where(Team.county_id == pj.id).order_by(Team.code))
    login(client, "admin")
    assert all_pages(client, "/admin/responses") == ids(demo)
    client = client.application.test_client()
    login(client, "county-pj")
    assert all_pages(client, "/admin/responses") == ids(demo, Response.county_id == pj.id)
    assert client.get(f"/admin/responses?county={FH}").status_code == 403  # asked outside: refused, not narrowed
    other = min(ids(demo, Response.county_id != pj.id))
    assert client.get(f"/admin/responses/{other}").status_code == 404  # another county's id: as if none
    client = client.application.test_client()
    login(client, "team-pj")
    assert all_pages(client, "/admin/responses") == ids(demo, Response.team_id == team.id)
    client = client.application.test_client()
    login(client, "sw-pj1")
    assert client.get("/admin/responses").status_code == 403
    assert client.get("/admin/audit").status_code == 403


def test_filters_narrow_and_bad_values_are_named(client, demo):
    pj = demo.session.scalar(select(County).where(County.code == PJ))
    login(client, "admin")
    got = all_pages(client, f"/admin/responses?questionnaire=awareness&county={PJ}&wave=pre")
    assert got == ids(demo, Response.questionnaire_id == "awareness", Response.county_id == pj.id, Response.wave == "pre")
    assert got
    reply = client.get("/admin/responses?since=2026-13-01&wave=later&county=999999")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert "日期应写成" in page and "测次只能是" in page and "没有这个代码" in page


def test_flag_filter_lists_the_flagged(client, demo):
    from survey_app.analysis.flags import flag_selects

    login(client, "admin")
    with demo.engine.connect() as connection:
        fast = set(connection.scalars(flag_selects("awareness")["speeding"]))
    assert fast, "the demo should have some speeding"
    assert all_pages(client, "/admin/responses?questionnaire=awareness&flag=speeding") == fast
    assert "请先选问卷" in client.get("/admin/responses?flag=speeding").get_data(as_text=True)


def test_excluding_is_soft_reversible_audited_and_done_once(client, demo):
    pj = demo.session.scalar(select(County).where(County.code == PJ))
    target = min(ids(demo, Response.county_id == pj.id, Response.questionnaire_id == "awareness",
                     Response.excluded.is_(False)))
    answers_before = demo.session.get(Response, target).answers_json
    with demo.engine.connect() as connection:
        counted = sum(summary(connection, "awareness", Place(county_id=pj.id))["responses"].values())
    login(client, "county-pj")
    page = client.get(f"/admin/responses/{target}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    # no reason: refused with the field's message, nothing changed
    reply = client.post(f"/admin/responses/{target}/exclusion", data={"csrf_token": token, "exclude": "1", "reason": " "})
    assert reply.status_code == 422 and "请写明原因" in reply.get_data(as_text=True)
    for _ in range(2):  # a form posted twice excludes once
        reply = client.post(f"/admin/responses/{target}/exclusion",
                            data={"csrf_token": token, "exclude": "1", "reason": "访问员代答"})
        assert reply.status_code == 302
    demo.session.rollback()  # a fresh snapshot: the app wrote in its own session
    stored = demo.session.get(Response, target)
    assert stored.excluded and stored.excluded_reason == "访问员代答" and stored.answers_json == answers_before
    with demo.engine.connect() as connection:
        assert sum(summary(connection, "awareness", Place(county_id=pj.id))["responses"].values()) == counted - 1
    events = demo.session.execute(select(AuditEvent.action, AuditEvent.detail).where(
        AuditEvent.target == f"response:{target}").order_by(AuditEvent.id)).all()
    assert [(a, d["reason"]) for a, d in events] == [("response.exclude", "访问员代答")]
    assert "访问员代答" in client.get(f"/admin/responses/{target}").get_data(as_text=True)
    reply = client.post(f"/admin/responses/{target}/exclusion", data={"csrf_token": token, "exclude": "0", "reason": "核实无误"})
    assert reply.status_code == 302
    demo.session.rollback()  # a fresh snapshot: the app wrote in its own session
    assert not demo.session.get(Response, target).excluded
    assert demo.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "response.include", AuditEvent.target == f"response:{target}")) == 1


def test_teams_and_other_counties_cannot_exclude(client, demo):
    pj = demo.session.scalar(select(County).where(County.code == PJ))
    team = demo.session.scalar(select(Team).where(Team.county_id == pj.id).order_by(Team.code))
    target = min(ids(demo, Response.team_id == team.id))
    login(client, "team-pj")
    page = client.get(f"/admin/responses/{target}").get_data(as_text=True)
    assert 'data-action="exclude"' not in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    reply = client.post(f"/admin/responses/{target}/exclusion", data={"csrf_token": token, "exclude": "1", "reason": "x"})
    assert reply.status_code == 403
    client = client.application.test_client()
    login(client, "county-fh")
    page = client.get("/admin/responses").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    reply = client.post(f"/admin/responses/{target}/exclusion", data={"csrf_token": token, "exclude": "1", "reason": "x"})
    assert reply.status_code == 404
    demo.session.rollback()  # a fresh snapshot: the app wrote in its own session
    assert not demo.session.get(Response, target).excluded


def test_user_text_on_the_pages_is_escaped(client, demo):
    hostile = '"><svg onload=alert(1)>'
    target = min(ids(demo, Response.questionnaire_id == "satisfaction"))
    stored = demo.session.get(Response, target)
    stored.answers_json = {**stored.answers_json, "comments": hostile}
    stored.respondent_code = "<b>x</b>"
    demo.session.commit()
    login(client, "admin")
    page = client.get(f"/admin/responses/{target}").get_data(as_text=True)
    assert hostile not in page and "&#34;&gt;&lt;svg onload=alert(1)&gt;" in page
    listing = client.get("/admin/responses?code=%3Cb%3Ex%3C%2Fb%3E").get_data(as_text=True)
    assert "<b>x</b>" not in listing and "&lt;b&gt;x&lt;/b&gt;" in listing
