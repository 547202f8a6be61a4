"""The staff page /followups/: every role within its reach, marks posted with CSRF and sent back
(PRG), refusals shown beside their field, never a 500."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from survey_app.followups import views
from survey_app.models import AuditEvent, FollowupMark
from tests.factories import csrf_token, login

from .helpers import respond, scene


@pytest.fixture
def people(db, programme, loaded):
    scene(db)
    return db


def listed(page: str) -> dict[str, str]:
    """Respondent code -> status shown."""
    return dict(re.findall(r'data-respondent="([^"]+)"[^>]*\s+data-followup-status="([^"]+)"', page))


def page_of(client, query: str = "") -> tuple[int, str]:
    reply = client.get(f"/followups/{query}")
    return reply.status_code, reply.get_data(as_text=True)


def post(client, action: str, query: str = "?questionnaire=awareness", **data):
    token = csrf_token(client, "/followups/")
    return client.post(f"/followups/{action}{query}", data={"csrf_token": token, **data})


def test_anonymous_goes_to_the_login(client, people):
    reply = client.get("/followups/")
    assert reply.status_code == 302 and "/login" in reply.headers["Location"]
    reply = client.post("/followups/mark", data={})
    assert reply.status_code in (302, 400)


@pytest.mark.parametrize(("username", "expected"), [
    ("sw-pj1", {"PJ-0001": "to_see", "PJ-0002": "followed", "PJ-0006": "to_see"}),
    ("team-pj", {"PJ-0001": "to_see", "PJ-0002": "followed", "PJ-0006": "to_see"}),
    ("sw-pjb", {"PJ-0003": "to_see"}),
    ("county-pj", {"PJ-0001": "to_see", "PJ-0002": "followed", "PJ-0003": "to_see", "PJ-0006": "to_see"}),
    ("admin", {"PJ-0001": "to_see", "PJ-0002": "followed", "PJ-0003": "to_see", "PJ-0006": "to_see", "FH-0001": "to_see"}),
])
def test_each_role_sees_its_reach(client, people, username, expected):
    login(client, username)
    status, page = page_of(client)
    assert status == 200 and listed(page) == expected
    assert 'data-count="baseline">' in page
    # followed people get no form; the others one to mark them
    assert page.count('data-form="mark"') == sum(1 for s in expected.values() if s == "to_see")


def test_a_place_outside_the_reach_is_403_and_an_unknown_code_422(client, people):
    login(client, "sw-pj1")
    assert page_of(client, "?county=433123")[0] == 403
    assert page_of(client, "?team=PJ02")[0] == 403
    status, page = page_of(client, "?site=430626-99")
    assert status == 422 and "没有这个代码" in page
    for query in ("?questionnaire=nope", "?questionnaire=activity", "?county=%00", "?site=" + "x" * 500, "?team=%0A%0D"):
        assert page_of(client, query)[0] in (200, 403, 422), query


def test_progress_by_village(client, people):
    login(client, "county-pj")
    _status, page = page_of(client, "?questionnaire=awareness")
    total = dict(re.findall(r'data-count="(\w+)">[^<]*<strong>(\d+)</strong>', page))
    assert total == {"baseline": "4", "followed": "1", "to_see": "3", "moved": "0", "deceased": "0", "not_found": "0"}
    row = re.search(r'<tr data-site="430626-01">(.*?)</tr>', page, re.S).group(1)
    assert dict(re.findall(r'data-count="(\w+)">(\d+)<', row)) == {
        "baseline": "2", "followed": "1", "to_see": "1", "moved": "0", "deceased": "0", "not_found": "0"}


def test_mark_then_clear(client, people, db):
    login(client, "sw-pj1")
    reply = post(client, "mark", county="430626", respondent_code="PJ-0001", status="moved", reason="外出务工，已搬到长沙")
    assert reply.status_code == 302
    assert reply.headers["Location"] == "/followups/?questionnaire=awareness#r-430626-PJ-0001"
    _status, page = page_of(client, "?questionnaire=awareness")
    assert listed(page)["PJ-0001"] == "moved" and "外出务工，已搬到长沙" in page and "已标记" in page
    assert 'data-action="clear"' in page
    reply = post(client, "clear", county="430626", respondent_code="PJ-0001")
    assert reply.status_code == 302
    assert listed(page_of(client)[1])["PJ-0001"] == "to_see"
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("followup.%")).order_by(AuditEvent.id))]
    assert actions == ["followup.mark", "followup.clear"]


def test_the_filters_come_back_after_a_post(client, people):
    login(client, "county-pj")
    reply = post(client, "mark", "?questionnaire=awareness&site=430626-02", county="430626", respondent_code="PJ-0003",
                 status="not_found", reason="三次上门未见到")
    assert reply.status_code == 302 and reply.headers["Location"].startswith("/followups/?questionnaire=awareness&site=430626-02#")


def test_refusals_are_shown_beside_their_field(client, people, db):
    login(client, "sw-pj1")
    reply = post(client, "mark", county="430626", respondent_code="PJ-0001", status="moved", reason="   ")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422 and 'data-error="reason"' in page and "请写明情况" in page
    row = re.search(r'<li id="r-430626-PJ-0001".*?</li>', page, re.S).group(0)
    assert "<details open>" in row and 'value="moved" required\n                checked' in row
    reply = post(client, "mark", county="430626", respondent_code="PJ-0001", reason="外出务工")
    assert reply.status_code == 422 and 'data-error="status"' in reply.get_data(as_text=True)
    reply = post(client, "mark", county="430626", respondent_code="PJ-0001", status="moved", reason="字" * 501)
    assert reply.status_code == 422 and "最多 500 字" in reply.get_data(as_text=True)
    reply = post(client, "mark", county="430626", respondent_code="PJ-0002", status="moved", reason="外出务工")
    assert reply.status_code == 422 and "此人已完成后测" in reply.get_data(as_text=True)
    reply = post(client, "mark", county="430626", respondent_code="PJ-0003", status="moved", reason="外出务工")
    assert reply.status_code == 422 and "没有这个编码的前测" in reply.get_data(as_text=True)
    reply = post(client, "mark", status="moved", reason="外出务工")  # the row's hidden fields missing
    assert reply.status_code == 422 and 'data-error="general"' in reply.get_data(as_text=True)
    reply = post(client, "mark", "?questionnaire=activity", county="430626", respondent_code="PJ-0001", status="moved", reason="x")
    assert reply.status_code == 422
    # another county's respondent, named in the form: outside the reach
    assert post(client, "mark", county="433123", respondent_code="FH-0001", status="moved", reason="x").status_code == 403
    assert post(client, "clear", "?county=433123", county="430626", respondent_code="PJ-0001").status_code == 403
    assert db.session.scalar(select(FollowupMark)) is None


def test_posts_need_the_csrf_token(client, people, db):
    login(client, "sw-pj1")
    for action in ("mark", "clear"):
        reply = client.post(f"/followups/{action}", data={"county": "430626", "respondent_code": "PJ-0001", "status": "moved", "reason": "x"})
        assert reply.status_code == 400
    assert db.session.scalar(select(FollowupMark)) is None


def test_a_large_place_lists_villages_first(client, people, monkeypatch):
    monkeypatch.setattr(views, "LIST_LIMIT", 2)
    login(client, "county-pj")
    status, page = page_of(client)
    assert status == 200 and listed(page) == {} and "/followups/?questionnaire=awareness&amp;site=430626-01" in page
    status, page = page_of(client, "?site=430626-01")
    assert set(listed(page)) == {"PJ-0001", "PJ-0002"}


def test_in_english(client, people):
    login(client, "sw-pj1")
    client.get("/lang/en")
    _status, page = page_of(client)
    assert "Follow-up list" in page and "To see" in page and "回访名单" not in page


def test_the_home_page_links_to_it(client, people):
    login(client, "sw-pj1")
    assert 'href="/followups/"' in client.get("/").get_data(as_text=True)


def test_a_respondent_followed_later_loses_the_form(client, people, db):
    login(client, "sw-pj1")
    respond(db, "430626", "PJ-0001", "post", team="PJ01", days=380)
    db.session.commit()
    _status, page = page_of(client)
    assert listed(page)["PJ-0001"] == "followed"
    row = re.search(r'<li id="r-430626-PJ-0001".*?</li>', page, re.S).group(0)
    assert "<form" not in row
