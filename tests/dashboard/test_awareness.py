"""The awareness dashboard: scoped figures, a fixed number of queries, plotly.js served locally."""
from __future__ import annotations

import re

from tests.dashboard.pages import figures
from tests.factories import login


def test_the_office_compares_counties(client, demo, count_queries):
    login(client, "admin")
    with count_queries() as statements:
        reply = client.get("/dashboard/awareness")
    assert reply.status_code == 200
    page = reply.get_data(as_text=True)
    assert "/dashboard/plotly.min.js" in page and "cdn" not in page.lower()
    bars, forest, *_ = figures(page)
    labels = forest["data"][0]["y"]
    assert any("平江县" in label for label in labels) and any("凤凰县" in label for label in labels)
    assert all("n = " in label or "n < 5" in label for label in forest["layout"]["yaxis"]["categoryarray"])
    assert bars["data"][0]["text"][0] != "n < 5"
    assert len(statements) <= 20  # filters, figures and names: whatever the number of counties, no query per row
    n_pairs = int(re.search(r'data-n-pairs="(\d+)"', page).group(1))
    assert n_pairs > 50
    assert 0.5 < float(re.search(r'data-alpha="([0-9.]+)"', page).group(1)) < 1  # the scale's reliability


def test_a_county_with_one_team_compares_its_villages(client, demo, db):
    from sqlalchemy import select

    from survey_app.models import County, Site

    townships = set(db.session.scalars(select(Site.township).join(County).where(County.code == "430626")))
    login(client, "county-pj")
    page = client.get("/dashboard/awareness").get_data(as_text=True)
    labels = figures(page)[1]["layout"]["yaxis"]["categoryarray"]
    assert len(labels) > 2 and all(label.split(" · ")[0] in townships for label in labels)  # 平江县's villages
    assert 'data-places="site"' in page and "工作队" not in page.split('data-places="site"')[1].split("</table>")[0]
    assert client.get("/dashboard/awareness?county=433123").status_code == 403


def test_a_county_with_two_teams_compares_them(client, demo, db):
    from sqlalchemy import select, update

    from survey_app.models import County, Response, Team

    county = db.session.scalar(select(County).where(County.code == "430626"))
    second = Team(code="PJ02", name="平江县第二工作队", host_organisation="某社工机构", county=county, domains=["elderly"])
    db.session.add(second)
    db.session.flush()
    moved = db.session.execute(
        update(Response).where(Response.county_id == county.id, Response.respondent_code.like("%3_"))
        .values(team_id=second.id).execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    assert moved > 10
    login(client, "county-pj")
    page = client.get("/dashboard/awareness").get_data(as_text=True)
    labels = " ".join(figures(page)[1]["layout"]["yaxis"]["categoryarray"])
    assert "平江县第二工作队" in labels and 'data-places="team"' in page


def test_plotly_js_comes_from_the_app(client, demo):
    reply = client.get("/dashboard/plotly.min.js", headers={"Accept-Encoding": "br"})
    assert reply.status_code == 200 and reply.headers["Content-Encoding"] == "br"
    import brotli

    assert b"plotly" in brotli.decompress(reply.data)[:2000].lower()


def test_the_page_and_the_api_agree(client, demo, token_for):
    api = client.get("/api/v1/stats/prepost?questionnaire=awareness&index=awareness",
                     headers={"Authorization": f"Bearer {token_for('admin')}"}).get_json()
    login(client, "admin")
    page = client.get("/dashboard/awareness").get_data(as_text=True)
    assert int(re.search(r'data-n-pairs="(\d+)"', page).group(1)) == api["n_pairs"]
    assert f"{api['mean_diff']:+.1f}" in page


def test_the_page_shows_mcnemar_and_the_unpaired_comparison(client, demo, db):
    from survey_app.analysis.queries import Place, paired_yes_no, scores_by_wave
    from survey_app.analysis.stats import mcnemar, unpaired

    with db.engine.connect() as connection:
        table = paired_yes_no(connection, "awareness", {"heard_sw": "yes"}, Place())["heard_sw"]
        by_wave = scores_by_wave(connection, "awareness", "awareness", Place())
    expected = mcnemar([pair for pair, n in table.items() for _ in range(n)])
    login(client, "admin")
    page = client.get("/dashboard/awareness").get_data(as_text=True)
    row = re.search(r'<tr data-item="heard_sw">(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r'<td class="num">(\d+)', row)
    assert [int(c) for c in cells] == [expected.n_pairs, expected.yes_pre, expected.yes_post, expected.became_yes, expected.became_no]
    assert expected.yes_post > expected.yes_pre  # the demo's awareness grows
    assert 'data-item="contacted_sw"' in page and 'data-item="disability_household"' not in page  # the file's `compare`
    u = unpaired(by_wave["pre"], by_wave["post"])
    section = re.search(r"<div class=\"card\" data-unpaired>(.*?)</div>", page, re.S).group(1)
    assert f"n = {u.n_pre}" in section and f"n = {u.n_post}" in section and f"{u.mean_diff:+.1f}" in section
    # the reliability table names its items
    assert "aw1</span>" in page and "社工" in re.search(r"<td>([^<]*)<span class=\"muted\">aw1</span>", page).group(1)


def test_the_demo_county_with_selective_attrition_says_so(client, demo, db):
    """凤凰县's demo residents who knew least were most often lost by the follow-up: its page warns
    that the rise is overstated; a county without that pattern does not."""
    from survey_app.demo.seed import SELECTIVE_ATTRITION_COUNTY

    login(client, "admin")
    page = client.get(f"/dashboard/awareness?county={SELECTIVE_ATTRITION_COUNTY}").get_data(as_text=True)
    assert "data-attrition-caution" in page and "回访到的居民前测得分本来就较高，提高幅度可能被高估" in page
    assert "data-attrition-caution" not in client.get("/dashboard/awareness?county=430626").get_data(as_text=True)


def test_follow_up_progress_by_village_agrees_with_the_worklist(client, demo, db):
    from sqlalchemy import select

    from survey_app.analysis.queries import Place
    from survey_app.followups.worklist import worklist
    from survey_app.models import County

    pj = db.session.scalar(select(County).where(County.code == "430626"))
    with db.engine.connect() as connection:
        items = worklist(connection, "awareness", Place(county_id=pj.id))
    login(client, "county-pj")
    page = client.get("/dashboard/awareness").get_data(as_text=True)
    card = page.split("data-followup-progress>")[1].split("</table>")[0]
    total = re.search(r'<tr class="total"><td>[^<]*</td>((?:<td class="num">\d+</td>\s*)+)</tr>', card).group(1)
    assert [int(n) for n in re.findall(r"(\d+)</td>", total)] == [
        len(items), sum(i.followed for i in items), sum(i.status == "to_see" for i in items),
        sum(i.status in ("moved", "deceased", "not_found") for i in items)]
    assert len(re.findall(r"<tr>", card)) >= 3  # a row per village, then the whole
