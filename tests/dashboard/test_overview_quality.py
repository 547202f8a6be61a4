"""The overview and data-quality pages: their counts equal what was stored, scoped, and the
"flagged" filter leaves flagged responses out of the other pages' figures."""
from __future__ import annotations

import datetime as dt
import re
import uuid as uuidlib

import pytest
from sqlalchemy import func, select

from survey_app.models import County, Refusal, Response, Site
from tests.dashboard.pages import figures
from tests.factories import add_response, logged_in, login, seed_demo


@pytest.fixture
def demo(db, programme, loaded):
    return seed_demo(db, 600, seed=5)


def number(page: str, attribute: str) -> int:
    return int(re.search(rf'{attribute}="(\d+)"', page).group(1))


def test_overview_counts_what_was_stored(client, demo, db, count_queries):
    pj = db.session.scalar(select(County).where(County.code == "430626"))
    stored = db.session.scalar(select(func.count()).select_from(Response).where(
        Response.questionnaire_id == "awareness", Response.county_id == pj.id, Response.excluded.is_(False)))
    declined = db.session.scalar(select(func.count()).select_from(Refusal).where(
        Refusal.questionnaire_id == "awareness", Refusal.county_id == pj.id))
    db.session.add(Refusal(uuid=str(uuidlib.uuid4()), questionnaire_id="awareness", county_id=pj.id, wave="pre",
                           declined_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC)))
    db.session.commit()
    login(client, "county-pj")
    with count_queries() as statements:
        page = client.get("/dashboard/overview").get_data(as_text=True)
    assert number(page, "data-total") == stored and number(page, "data-declined") == declined + 1
    sites = db.session.scalar(select(func.count()).select_from(Site).where(Site.county_id == pj.id, Site.active.is_(True)))
    assert page.count("<tr") - 1 == sites  # every site listed, reached or not
    monthly = figures(page)[0]
    assert sum(sum(trace["y"]) for trace in monthly["data"] if trace["type"] == "bar") == stored
    assert len(statements) <= 20
    assert client.get("/dashboard/overview?county=433123").status_code == 403


def test_a_month_is_the_month_in_china(client, demo, db):
    # 17:00 UTC on 30 June is 01:00 on 1 July in Hunan (a year far from the demo's dates)
    add_response(db, "awareness", "430626", wave="pre", code="ZZ-1", completed_at=dt.datetime(2098, 6, 30, 17, 0, tzinfo=dt.UTC),
                 source="seed")
    db.session.commit()
    login(client, "admin")
    monthly = figures(client.get("/dashboard/overview?county=430626").get_data(as_text=True))[0]
    months = monthly["data"][0]["x"]
    assert months[-1] == "2098-07" and "2098-06" not in months and all(re.fullmatch(r"\d{4}-\d{2}", m) for m in months)


def test_quality_page_counts_flags_and_the_filter_leaves_them_out(client, demo, db):
    start = dt.datetime(2026, 4, 2, 1, 0, tzinfo=dt.UTC)
    for i in range(3):  # done in 20 seconds: speeding
        add_response(db, "awareness", "430626", wave="post", code=f"FAST-{i}", started_at=start,
                     completed_at=start + dt.timedelta(seconds=20), source="seed")
        db.session.commit()
    login(client, "admin")
    page = client.get("/dashboard/quality?county=430626").get_data(as_text=True)
    assert number(page, "data-flagged") >= 3
    for i in range(3):
        assert f"FAST-{i}" in page
    bars = figures(page)[0]["data"][0]
    assert bars["x"][0] >= 3  # speeding first
    everything = number(client.get("/dashboard/overview?county=430626").get_data(as_text=True), "data-total")
    clean = number(client.get("/dashboard/overview?county=430626&flagged=exclude").get_data(as_text=True), "data-total")
    assert clean == everything - number(page, "data-flagged")
    # the links between pages keep the filters
    link = re.search(r'href="(/dashboard/awareness\?[^"]*)"', client.get(
        "/dashboard/overview?county=430626&flagged=exclude").get_data(as_text=True)).group(1)
    assert "county=430626" in link and "flagged=exclude" in link


def test_filters_are_checked(client, demo):
    login(client, "admin")
    assert client.get("/dashboard/quality?questionnaire=nope").status_code == 404
    assert client.get("/dashboard/quality?county=999999").status_code == 422
    assert client.get("/dashboard/quality?wave=middle").status_code == 422
    assert client.get("/dashboard/quality?round=1999").status_code == 422
    assert client.get("/dashboard/overview?site=430626-01&county=433123").status_code == 422
    county = logged_in(client.application.test_client(), "county-pj")
    assert county.get("/dashboard/quality?site=433123-01").status_code == 403
    assert county.get("/dashboard/quality?site=430626-01").status_code == 200


def test_a_team_sees_its_team_and_a_collector_no_dashboard(client, demo, db):
    from survey_app.models import Team

    own = db.session.scalar(select(Team).join(County).where(County.code == "430626"))
    other = db.session.scalar(select(Team).join(County).where(County.code == "433123"))
    login(client, "team-pj")
    page = client.get("/dashboard/quality").get_data(as_text=True)
    stored = db.session.scalar(select(func.count()).select_from(Response).where(
        Response.questionnaire_id == "awareness", Response.team_id == own.id, Response.excluded.is_(False)))
    assert number(page, "data-total") == stored > 0
    for path in ("/dashboard/quality?county=433123", f"/dashboard/overview?team={other.code}", f"/dashboard/awareness?team={other.code}"):
        assert client.get(path).status_code == 403, path
    collector = logged_in(client.application.test_client(), "sw-pj1")
    for page_name in ("overview", "awareness", "items", "satisfaction", "activity", "quality"):
        assert collector.get(f"/dashboard/{page_name}").status_code == 403, page_name
