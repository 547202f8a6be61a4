"""The dashboards and the report show the same figures for the same place and filters: the
programme, a county, a team and a village.  Each side is read as it is made for its reader:
the dashboard pages through HTTP (the findings their templates were given, and figures on the
page), the report from its content and its HTML."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any

import pytest
from flask import template_rendered
from sqlalchemy import func, select

from survey_app.auth.scope import Scope
from survey_app.models import County, Response, Site, Team, User
from survey_app.reports.build import report_html
from survey_app.reports.content import assemble
from survey_app.reports.request import ReportRequest
from tests.factories import login, seed_demo

PAGES = ("awareness", "items", "satisfaction", "activity", "quality")


@pytest.fixture
def demo(db, programme, loaded):
    return seed_demo(db, 1500, seed=7)


@contextmanager
def rendered(app: Any):
    """The context of every template the app renders inside the block."""
    seen: list[dict[str, Any]] = []

    def record(sender: Any, template: Any, context: dict[str, Any], **extra: Any) -> None:
        seen.append(context)

    template_rendered.connect(record, app)
    try:
        yield seen
    finally:
        template_rendered.disconnect(record, app)


def dashboard(app: Any, client: Any, query: str) -> dict[str, Any]:
    """Each page's findings and HTML for the filters in ``query``."""
    out = {}
    for page in PAGES:
        with rendered(app) as seen:
            reply = client.get(f"/dashboard/{page}?{query}")
        assert reply.status_code == 200, (page, query, reply.status_code)
        out[page] = next(c["findings"] for c in seen if "findings" in c)
        out[page + ".html"] = reply.get_data(as_text=True)
    return out


def report(db: Any, kind: str, code: str | None) -> Any:
    office = Scope.of(db.session.scalar(select(User).where(User.username == "admin")))
    request = ReportRequest(kind, code)
    db.session.rollback()  # read what the served app wrote
    return assemble(db.session, db.session.connection(), request, request.place(db.session, office))


def busiest(db: Any, column: Any, model: Any) -> Any:
    """The county, team or village with the most responses (so that its figures are shown)."""
    key = db.session.execute(select(column).where(column.is_not(None)).group_by(column)
                             .order_by(func.count().desc(), column)).scalars().first()
    return db.session.get(model, key)


def assert_same(dash: dict[str, Any], content: Any) -> None:
    awareness = dash["awareness"]
    assert content.awareness is not None
    assert awareness.found.figures == content.awareness.found.figures == content.prepost
    assert awareness.found.rows == content.forest and awareness.group == content.group
    assert awareness.mcnemar == content.mcnemar and awareness.unpaired == content.unpaired
    assert awareness.alpha == content.alpha and awareness.label == content.index_label
    assert [c.key for c in awareness.charts] == [k for k in content.charts if k in {c.key for c in awareness.charts}]
    assert dash["items"].tables == content.items.tables and content.items.tables
    sat = dash["satisfaction"]
    assert (sat.total, sat.by_domain, sat.by_place, sat.group, sat.recommend) == (
        content.satisfaction.total, content.satisfaction.by_domain, content.satisfaction.by_place,
        content.satisfaction.group, content.satisfaction.recommend)
    act = dash["activity"]
    assert (act.overall, act.by_month, act.by_group, act.labels) == (
        content.activity.overall, content.activity.by_month, content.activity.by_group, content.activity.labels)
    qual = dash["quality"]
    assert (qual.flags, qual.total, qual.responses, qual.refusals, qual.excluded) == (
        content.quality.flags, content.quality.total, content.quality.responses, content.quality.refusals,
        content.quality.excluded)
    # and on the pages as printed: the pairs and the mean change
    pairs = content.prepost["n_pairs"]
    assert f'data-n-pairs="{pairs}"' in dash["awareness.html"]
    assert pairs >= 5 and content.prepost["mean_diff"] is not None


def test_programme_county_and_team_agree(app, client, demo):
    login(client, "admin")
    county = busiest(demo, Response.county_id, County)
    team = busiest(demo, Response.team_id, Team)
    for query, kind, code in (("", "programme", None), (f"county={county.code}", "county", county.code),
                              (f"team={team.code}", "team", team.code)):
        dash = dashboard(app, client, query)
        content = report(demo, kind, code)
        assert_same(dash, content)


def test_a_village_on_its_page_is_its_row_in_the_county_report(app, client, demo):
    login(client, "admin")
    site = busiest(demo, Response.site_id, Site)
    dash = dashboard(app, client, f"site={site.code}")
    content = report(demo, "county", site.county.code)
    # the county's villages: its comparison when one team collected there, else a table of their own
    villages = content.forest if content.group == "site" else content.villages
    row = next(r for r in villages if r.key == site.id)
    figures = dash["awareness"].found.figures
    assert row.n == figures["n_pairs"] >= 5
    assert (row.pre, row.post, row.diff, row.ci95, row.p) == (
        figures["pre_mean"], figures["post_mean"], figures["mean_diff"], tuple(figures["ci95"]), figures["p_ttest"])
    assert row.verdict == figures["verdict"]


def test_the_report_prints_the_dashboards_words(app, client, demo, monkeypatch):
    """The drifted labels: the activity measures, the places' order with the unnamed last, every
    likert scale's items (the report once kept only the first scale's)."""
    from survey_app.reports import export

    monkeypatch.setattr(export, "charts_available", lambda: False)
    login(client, "admin")
    dash = dashboard(app, client, "")
    office = Scope.of(demo.session.scalar(select(User).where(User.username == "admin")))
    html = report_html(demo.session, ReportRequest("programme", None), office)
    labels = dash["activity"].labels
    for measure in ("cases_opened", "group_sessions", "volunteer_hours"):
        assert f"<th class=\"num\">{labels[measure]}<br>" in html, measure
    for table in dash["items"].tables:
        for row in table.rows:
            assert row.label in html
    for label, _cell in dash["satisfaction"].by_place:
        assert f"{dash['satisfaction'].group_word}：{label}" in html
