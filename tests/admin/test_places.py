"""Counties, sites and teams from the web: created and edited with checks, codes fixed once
made, disabled places gone from the collection form and their responses kept; audited."""
from __future__ import annotations

from sqlalchemy import select

from survey_app.models import AuditEvent, County, Site, Team
from tests.factories import csrf_token, logged_in, login


def test_create_edit_and_disable_a_site(client, db, programme):
    login(client, "admin")
    csrf = csrf_token(client, "/admin/places/site/new")
    data = {"csrf_token": csrf, "code": "PJ-NEW-1", "county": "430626", "township": "长寿镇", "name": "新村", "kind": "village"}
    for change, message in (({"code": "空格 不行"}, "代码只能用"), ({"name": ""}, "必填"), ({"county": "999999"}, 'data-error="county"'),
                            ({"code": db.session.scalar(select(Site.code))}, "已经有了")):
        reply = client.post("/admin/places/site/new", data={**data, **change})
        assert reply.status_code == 422 and message in reply.get_data(as_text=True), change
    assert client.post("/admin/places/site/new", data=data).status_code == 302
    db.session.rollback()
    site = db.session.scalar(select(Site).where(Site.code == "PJ-NEW-1"))
    assert site.county.code == "430626" and site.township == "长寿镇"
    page = client.get("/admin/places/site/PJ-NEW-1").get_data(as_text=True)
    assert 'name="code"' not in page  # a code never changes
    reply = client.post("/admin/places/site/PJ-NEW-1", data={**data, "name": "新村<script>", "code": "OTHER"})
    assert reply.status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(Site.name).where(Site.code == "PJ-NEW-1")) == "新村<script>"
    assert db.session.scalar(select(Site.id).where(Site.code == "OTHER")) is None
    assert "新村&lt;script&gt;" in client.get("/admin/places").get_data(as_text=True)
    collector = logged_in(client.application.test_client(), "sw-pj1")
    assert "PJ-NEW-1" in collector.get("/collect/awareness").get_data(as_text=True)
    for _ in range(2):
        assert client.post("/admin/places/site/PJ-NEW-1/active", data={"csrf_token": csrf, "active": "0"}).status_code == 302
    assert "PJ-NEW-1" not in collector.get("/collect/awareness").get_data(as_text=True)
    db.session.rollback()
    assert list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.target == "PJ-NEW-1").order_by(AuditEvent.id))) == [
        "site.create", "site.update", "site.disable"]


def test_counties_and_teams(client, db, programme):
    login(client, "admin")
    csrf = csrf_token(client, "/admin/places/county/new")
    reply = client.post("/admin/places/county/new", data={"csrf_token": csrf, "code": "43312", "name": "x"})
    assert reply.status_code == 422 and "6 位数字" in reply.get_data(as_text=True)
    assert client.post("/admin/places/county/new", data={"csrf_token": csrf, "code": "433130", "name": "龙山县",
                                                         "prefecture": "湘西州"}).status_code == 302
    reply = client.post("/admin/places/team/new", data={
        "csrf_token": csrf, "code": "LS-1", "county": "433130", "name": "龙山县社工站", "host_organisation": "吉首大学",
        "host_type": "university", "domains": ["elderly", "veterans"]})
    assert reply.status_code == 302
    db.session.rollback()
    team = db.session.scalar(select(Team).where(Team.code == "LS-1"))
    assert team.county.name == "龙山县" and team.domains == ["elderly", "veterans"] and team.host_type == "university"
    assert db.session.scalar(select(County.prefecture).where(County.code == "433130")) == "湘西州"


def test_only_the_office(client, db, programme):
    for username in ("county-pj", "team-pj", "sw-pj1"):
        other = logged_in(client.application.test_client(), username)
        for url in ("/admin/places", "/admin/places/site/new", "/admin/places/county/430626"):
            assert other.get(url).status_code == 403, (username, url)
    login(client, "admin")
    assert client.get("/admin/places/planet/new").status_code == 404
    assert client.get("/admin/places/county/000000").status_code == 404
