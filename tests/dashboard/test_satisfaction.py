"""The satisfaction page: overall, by service domain, by county, team or site, and the
recommendation question, equal to figures recomputed here from the stored answers; scoped,
filtered, suppressed below five, in a fixed number of queries."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from survey_app.models import County, Team
from tests.analysis.test_satisfaction import SAT, score
from tests.dashboard.pages import figures
from tests.dashboard.test_items import flagged_ids, kept_responses
from tests.factories import FENGHUANG, PINGJIANG, add_response, login, seed_demo

DOMAINS = ("disaster", "community", "rural", "elderly", "veterans", "outreach")
ANSWERS = ("yes", "unsure", "no")  # as the page orders them


def expected(responses):
    """(n, mean, share satisfied) with the mean and share None below five scored responses."""
    scores = [s for s in (score(r.answers_json) for r in responses) if s is not None]
    if len(scores) < 5:
        return len(scores), None, None
    return len(scores), sum(scores) / len(scores), sum(s >= 75 for s in scores) / len(scores)


def card(page, name):
    start = page.index(f"data-{name}")
    return page[start:page.index("</table>", start)]


def cells(page, name):
    """key -> (n, mean, share) of a card's table; n None when suppressed."""
    out = {}
    for key, n, mean, share in re.findall(r'<tr data-key="(\w*)" data-n="(\d*)"\s+data-mean="([0-9.]*)"\s+data-share="([0-9.]*)"',
                                          card(page, name)):
        out[key] = (int(n) if n else None, float(mean) if mean else None, float(share) if share else None)
    return out


def overall_of(page):
    n, mean, share = re.search(r'data-overall data-n="(\d*)"\s+data-mean="([0-9.]*)"\s+data-share="([0-9.]*)"', page).groups()
    return int(n) if n else None, float(mean) if mean else None, float(share) if share else None


def assert_same(got, want):
    n, mean, share = want
    if n < 5:
        assert got == (None, None, None)
    else:
        assert got[0] == n and got[1] == pytest.approx(mean, abs=1e-4) and got[2] == pytest.approx(share, abs=1e-4)


def assert_page_shows(page, responses, group, key_of):
    assert_same(overall_of(page), expected(responses))
    domains = cells(page, "by-domain")
    assert list(domains) == list(DOMAINS)
    for domain in DOMAINS:
        assert_same(domains[domain], expected([r for r in responses if domain in r.answers_json["domains"]]))
    places = cells(page, "by-place")
    assert set(places) == {str(key_of(r) or "") for r in responses}
    for key, got in places.items():
        assert_same(got, expected([r for r in responses if str(key_of(r) or "") == key]))
    assert f'data-by-place="{group}"' in page


def recommend_rows(page):
    out = {}
    for key, n, body in re.findall(r'<tr data-key="(\w*)"\s+data-n="(\d*)"><td>.*?</td>(.*?)</tr>', card(page, "recommend"), re.S):
        out[key] = (int(n) if n else None, [float(x) for x in re.findall(r"(\d+)%", body)])
    return out


def test_the_office_sees_domains_counties_and_recommendations(client, demo_with_exclusions, count_queries):
    login(client, "admin")
    with count_queries() as statements:
        reply = client.get("/dashboard/satisfaction")
    assert reply.status_code == 200
    page = reply.get_data(as_text=True)
    responses = kept_responses(demo_with_exclusions, "satisfaction")
    assert len(responses) > 100
    assert_page_shows(page, responses, "county", lambda r: r.county_id)
    assert "指数 ≥ 75" in page and 'data-threshold="75"' in page
    said = [r.answers_json["recommend"] for r in responses if "recommend" in r.answers_json]
    everyone = recommend_rows(page)["all"]
    assert everyone[0] == len(said)
    assert everyone[1] == pytest.approx([100 * said.count(a) / len(said) for a in ANSWERS], abs=0.5)
    by_domain, by_county, recommend = figures(page)
    assert [t["name"] for t in by_domain["data"]] == ["平均满意度指数（0-100）", "满意的比例（指数 ≥ 75）"]
    assert all("n = " in label or "n < 5" in label for label in by_domain["layout"]["yaxis"]["categoryarray"])
    assert any("平江县" in label for label in by_county["data"][0]["y"])
    assert [t["name"] for t in recommend["data"]] == ["会", "说不准", "不会"]

    seed_demo(demo_with_exclusions, 400, seed=6)
    with count_queries() as again:
        assert client.get("/dashboard/satisfaction").status_code == 200
    # whatever the number of places, no query per row (the 15th: the data's state, analysis/snapshots.py)
    assert len(again) == len(statements) <= 15


def test_a_county_compares_its_teams_and_a_team_its_sites(client, demo_with_exclusions):
    """As the awareness page and the report do (findings.common.group_for): a county by team
    when more than one team collected there, else by village (its one team would be the whole)."""
    pingjiang = demo_with_exclusions.session.scalar(select(County).where(County.code == PINGJIANG))
    team = demo_with_exclusions.session.scalar(select(Team).where(Team.county_id == pingjiang.id))
    login(client, "county-pj")
    mine = kept_responses(demo_with_exclusions, "satisfaction", lambda r: r.county_id == pingjiang.id)
    page = client.get("/dashboard/satisfaction").get_data(as_text=True)
    assert len({r.team_id for r in mine}) == 1
    assert_page_shows(page, mine, "site", lambda r: r.site_id)
    demo_with_exclusions.session.rollback()  # SQLite: a fresh snapshot before writing (the server read meanwhile)
    second = Team(code="PJ02", name="第二工作队", host_organisation="某社工机构", host_type="agency", county=pingjiang, domains=[])
    demo_with_exclusions.session.add(second)
    add_response(demo_with_exclusions, "satisfaction", pingjiang, wave="post", team=second,
                 answers={"domains": ["elderly"], **dict.fromkeys(SAT, 4)}, minutes=12)
    demo_with_exclusions.session.commit()
    mine = kept_responses(demo_with_exclusions, "satisfaction", lambda r: r.county_id == pingjiang.id)
    page = client.get("/dashboard/satisfaction").get_data(as_text=True)
    assert_page_shows(page, mine, "team", lambda r: r.team_id)
    assert client.get(f"/dashboard/satisfaction?county={FENGHUANG}").status_code == 403
    page = client.get(f"/dashboard/satisfaction?team={team.code}").get_data(as_text=True)
    ours = [r for r in mine if r.team_id == team.id]
    assert_page_shows(page, ours, "site", lambda r: r.site_id)
    # a county's 18 or so responses over its villages: most sites are small cells
    sites = cells(page, "by-place")
    assert any(n is None for n, _, _ in sites.values()) and "n &lt; 5" in card(page, "by-place")


def test_wave_flags_and_exclusions(client, demo_with_exclusions):
    login(client, "admin")
    page = client.get("/dashboard/satisfaction?wave=post").get_data(as_text=True)
    assert_page_shows(page, kept_responses(demo_with_exclusions, "satisfaction", lambda r: r.wave == "post"), "county", lambda r: r.county_id)
    assert overall_of(page)[0] < expected(kept_responses(demo_with_exclusions, "satisfaction"))[0]
    pingjiang = demo_with_exclusions.session.scalar(select(County).where(County.code == PINGJIANG))
    add_response(demo_with_exclusions, "satisfaction", pingjiang, wave="post",
                 answers={"domains": ["veterans"], **dict.fromkeys(SAT, 1)}, minutes=12)
    demo_with_exclusions.session.commit()
    flagged = flagged_ids(demo_with_exclusions, "satisfaction", SAT)
    with_liner = overall_of(client.get("/dashboard/satisfaction").get_data(as_text=True))
    page = client.get("/dashboard/satisfaction?flagged=exclude").get_data(as_text=True)
    assert_page_shows(page, kept_responses(demo_with_exclusions, "satisfaction", flagged=flagged), "county", lambda r: r.county_id)
    assert overall_of(page)[0] < with_liner[0]


def test_the_questionnaire_is_fixed_but_kept_for_the_other_pages(client, demo_with_exclusions):
    login(client, "admin")
    page = client.get("/dashboard/satisfaction?questionnaire=awareness").get_data(as_text=True)
    assert_same(overall_of(page), expected(kept_responses(demo_with_exclusions, "satisfaction")))
    assert 'href="/dashboard/items?questionnaire=awareness"' in page
    assert client.get("/dashboard/satisfaction?county=999999").status_code == 422


def test_suppressed_overall_and_rows(client, demo_with_exclusions):
    """Round 2026 holds four scored responses and one without a score."""
    from survey_app.models import Round

    later = demo_with_exclusions.session.scalar(select(Round.id).where(Round.year == 2026))
    county = demo_with_exclusions.session.scalar(select(County).where(County.code == PINGJIANG))
    for value in (5, 4, 4, 3, None):
        answers = {"domains": ["elderly"], **(dict.fromkeys(SAT, value) if value else {"sat1": 5})}
        add_response(demo_with_exclusions, "satisfaction", county, wave="post", answers=answers, round_id=later, minutes=12)
    demo_with_exclusions.session.commit()
    login(client, "admin")
    page = client.get("/dashboard/satisfaction?round=2026").get_data(as_text=True)
    assert overall_of(page) == (None, None, None)
    assert cells(page, "by-domain")["elderly"] == (None, None, None)
    by_domain = figures(page)[0]
    assert all(x == 0 for t in by_domain["data"] if t["type"] == "bar" for x in t["x"])  # no bar for a small cell
    assert by_domain["data"][-1]["text"] == ["n < 5"] * 6 and "n &lt; 5" in page
