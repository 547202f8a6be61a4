"""The team activity page: totals that equal the records' own answers, scope, filters, a fixed
number of queries."""
from __future__ import annotations

import re
from collections import defaultdict

import pytest
from sqlalchemy import select, update

from survey_app.models import County, Response, Round, Team
from tests.dashboard.pages import figures
from tests.factories import add_record, logged_in, login, numeric_questions

DOMAINS = ("served_disaster", "served_community", "served_rural", "served_elderly", "served_veterans", "served_outreach")


def records(page: str) -> int:
    return int(re.search(r'data-records="(\d+)"', page).group(1))


def cell(page: str, table: str, row: str, measure: str) -> float:
    """A number shown in one of the page's tables (thousands separators removed)."""
    body = re.search(rf'data-table="{table}">(.*?)</table>', page, re.S).group(1)
    line = re.search(rf'data-row="{re.escape(row)}">(.*?)</tr>', body, re.S).group(1)
    return float(re.search(rf'data-measure="{measure}">([^<]*)<', line).group(1).replace(",", ""))


def stored(db, **where) -> list[Response]:
    """The kept activity records, read back whole: the expected figures come from their
    answers as submitted (``answers_json``), not from the answers table the page sums."""
    query = select(Response).where(Response.questionnaire_id == "activity", Response.excluded.is_(False))
    for column, value in where.items():
        query = query.where(getattr(Response, column) == value)
    return list(db.session.scalars(query))


def sums(rows: list[Response], key=lambda r: None) -> dict:
    out: dict = defaultdict(lambda: defaultdict(float))
    for r in rows:
        for q, v in r.answers_json.items():
            if isinstance(v, int | float):
                out[key(r)][q] += v
    return out


def team(db, code: str) -> Team:
    return db.session.scalar(select(Team).where(Team.code == code))


def test_the_office_sees_every_county(client, demo, count_queries):
    login(client, "admin")
    with count_queries() as statements:
        reply = client.get("/dashboard/activity")
    assert reply.status_code == 200
    page = reply.get_data(as_text=True)
    kept = stored(demo)
    assert records(page) == len(kept) == 60  # the demo: ten teams, six months
    by_month = sums(kept, key=lambda r: r.answers_json["month"][:7])
    months = sorted(by_month)
    monthly, by_county, domains = figures(page)
    assert [t["name"] for t in monthly["data"][:6]] == ["灾害", "社区", "农村", "老龄", "优抚", "宣传培训"]
    for trace, domain in zip(monthly["data"], DOMAINS, strict=False):
        assert trace["y"] == pytest.approx([by_month[m][domain] for m in months])
    assert monthly["layout"]["xaxis"]["categoryarray"] == [f"{m}<br><sub>n = 10</sub>" for m in months]
    # the total above each month's bar
    assert monthly["data"][-1]["text"] == [f"{sum(by_month[m][d] for d in DOMAINS):,.0f}" for m in months]
    labels = " ".join(by_county["layout"]["yaxis"]["categoryarray"])
    assert labels.count("n = 6") == 10 and "平江县" in labels and "凤凰县" in labels
    total = sums(kept)[None]
    assert domains["data"][0]["x"] == pytest.approx([total[d] for d in DOMAINS])
    assert cell(page, "place-served", "total", "served") == sum(total[d] for d in DOMAINS)
    assert cell(page, "month-work", "total", "volunteer_hours") == pytest.approx(total["volunteer_hours"], abs=0.05)
    assert cell(page, "place-work", "凤凰县", "cases_opened") == sums(stored(demo, team_id=team(demo, "FH01").id))[None]["cases_opened"]
    assert "不做小样本保护" in page

    # More records, months and teams: the same statements.
    for code in ("PJ01", "FH01", "HY01"):
        for month in ("2025-10", "2025-12", "2026-02"):
            add_record(demo, team(demo, code), month, dict.fromkeys(numeric_questions(demo), 3))
    demo.session.commit()
    with count_queries() as again:
        page = client.get("/dashboard/activity").get_data(as_text=True)
    assert records(page) == 69
    assert len(again) == len(statements) <= 20
    # a month without records keeps its place, with no total over it
    assert "2025-11<br><sub>n = 0</sub>" in figures(page)[0]["layout"]["xaxis"]["categoryarray"]


def test_a_county_sees_its_teams_only(client, demo):
    login(client, "county-pj")
    page = client.get("/dashboard/activity").get_data(as_text=True)
    pj = team(demo, "PJ01")
    assert records(page) == len(stored(demo, team_id=pj.id)) == 6
    assert 'data-row="平江县三区社工服务队"' in page and "凤凰" not in page.split("data-records")[1]
    assert len(figures(page)) == 2  # one team: no chart comparing teams
    assert cell(page, "place-served", "平江县三区社工服务队", "served") == sum(sums(stored(demo, team_id=pj.id))[None][d] for d in DOMAINS)
    assert client.get("/dashboard/activity?county=433123").status_code == 403
    assert client.get("/dashboard/activity?team=FH01").status_code == 403


def test_a_team_sees_itself_and_collectors_see_nothing(client, app, demo):
    login(client, "team-fh")
    page = client.get("/dashboard/activity").get_data(as_text=True)
    assert records(page) == 6 and 'data-row="凤凰县三区社工服务队"' in page and "平江" not in page.split("data-records")[1]
    assert client.get("/dashboard/activity?team=PJ01").status_code == 403
    collector = logged_in(app.test_client(), "sw-fh1")
    assert collector.get("/dashboard/activity").status_code == 403


def test_team_and_round_filters_change_the_figures(client, demo):
    login(client, "admin")
    fh = team(demo, "FH01")
    page = client.get("/dashboard/activity?team=FH01").get_data(as_text=True)
    expected = sums(stored(demo, team_id=fh.id))[None]
    assert records(page) == 6
    assert cell(page, "month-work", "total", "cases_closed") == expected["cases_closed"]
    assert cell(page, "place-served", "total", "served_rural") == expected["served_rural"] > 0

    # The demo's records all fall in the first round; one record in the second.
    second = demo.session.scalar(select(Round.id).where(Round.year == 2026))
    page = client.get("/dashboard/activity?round=2026").get_data(as_text=True)
    assert records(page) == 0 and "data-empty" in page and not figures(page)
    add_record(demo, fh, "2026-09", dict.fromkeys(numeric_questions(demo), 7), round_id=second)
    demo.session.commit()
    page = client.get("/dashboard/activity?round=2026").get_data(as_text=True)
    assert records(page) == 1  # one record is shown as it is: team counts, no small-cell suppression
    assert cell(page, "month-served", "2026-09", "served") == 7 * len(DOMAINS)
    assert records(client.get("/dashboard/activity").get_data(as_text=True)) == 61


def test_excluded_records_do_not_count(client, demo):
    login(client, "admin")
    pj = team(demo, "PJ01")
    before = client.get("/dashboard/activity?team=PJ01").get_data(as_text=True)
    gone = stored(demo, team_id=pj.id)[:2]
    demo.session.execute(update(Response).where(Response.id.in_([r.id for r in gone]))
                         .values(excluded=True, excluded_reason="entered twice"))
    demo.session.commit()
    after = client.get("/dashboard/activity?team=PJ01").get_data(as_text=True)
    assert records(after) == records(before) - 2 == 4
    removed = sums(gone)[None]
    for measure in ("cases_opened", "pub_articles"):
        assert cell(after, "month-work", "total", measure) == cell(before, "month-work", "total", measure) - removed[measure]


def test_other_pages_choices_are_kept_but_do_not_apply(client, demo):
    """Coming from another page: its questionnaire, wave and site stay in the links back, and
    this page still shows the county's activity records."""
    login(client, "admin")
    county = demo.session.scalar(select(County.id).where(County.code == "430626"))
    plain = client.get("/dashboard/activity?county=430626").get_data(as_text=True)
    page = client.get("/dashboard/activity?questionnaire=awareness&wave=pre&county=430626&site=430626-01").get_data(as_text=True)
    assert records(page) == records(plain) == len(stored(demo, county_id=county)) == 6
    assert "data-site-ignored" in page and "data-site-ignored" not in plain
    assert re.search(r'href="/dashboard/awareness\?questionnaire=awareness&amp;county=430626', page)
    assert "questionnaire=activity" not in client.get("/dashboard/activity?questionnaire=activity").get_data(as_text=True)


def test_a_team_month_filed_twice_is_pointed_out(client, demo):
    login(client, "admin")
    assert "data-repeated" not in client.get("/dashboard/activity").get_data(as_text=True)
    add_record(demo, team(demo, "HY01"), "2025-03", dict.fromkeys(numeric_questions(demo), 1))
    demo.session.commit()
    page = client.get("/dashboard/activity").get_data(as_text=True)
    assert 'data-repeated="1"' in page and records(page) == 61
