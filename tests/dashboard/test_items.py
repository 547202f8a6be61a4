"""The item page: every likert item's answers by wave as on the stored answers (counted again
here in Python), scoped, filtered, suppressed below five, in a fixed number of queries.
``kept_responses`` and ``flagged_ids`` are shared with the satisfaction page's tests."""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from sqlalchemy import select

from survey_app.analysis.quality import duplicate_codes, is_after_receipt, is_speeding, is_straight_lining
from survey_app.models import County, Response, Round, Site
from tests.dashboard.pages import figures
from tests.factories import FENGHUANG, PINGJIANG, add_response, login, questionnaire, seed_demo

ITEMS = tuple(f"aw{i}" for i in range(1, 13))
REVERSE = {"aw4", "aw8", "aw11", "aw12"}


def kept_responses(db, qid, keep=lambda r: True, flagged=frozenset()):
    return [r for r in db.session.scalars(select(Response).where(Response.questionnaire_id == qid)).all()
            if not r.excluded and r.id not in flagged and keep(r)]


def flagged_ids(db, qid, scale_items):
    """The data-quality flags by quality.py's rules, over the questionnaire's kept responses."""
    kept = kept_responses(db, qid)
    seconds = {r.id: (r.completed_at - r.started_at).total_seconds() for r in kept if r.started_at is not None}
    ordered = sorted(seconds.values())
    median = ordered[(len(ordered) - 1) // 2]  # the lower median, as the SQL takes it
    twice = duplicate_codes((r.id, r.county_id, r.wave, r.respondent_code) for r in kept)
    return {
        r.id for r in kept
        if is_speeding(seconds.get(r.id), median) or r.id in twice or is_after_receipt(r.completed_at, r.received_at)
        or is_straight_lining([v for k, v in r.answers_json.items() if k in scale_items])
    }


def expected_bars(responses, items=ITEMS):
    """(item, wave) -> (n, shares of points 1-5), from the answers as stored with each response."""
    counts: dict[tuple[str, str | None], Counter] = {}
    for r in responses:
        for item in items:
            if item in r.answers_json:
                counts.setdefault((item, r.wave), Counter())[r.answers_json[item]] += 1
    return {key: (sum(c.values()), [c[p] / sum(c.values()) for p in range(1, 6)]) for key, c in counts.items()}


def table(page):
    """The page's table: (item, wave) -> (n or None when suppressed, shares in %)."""
    rows = {}
    for item, wave, n, cells in re.findall(r'<tr data-item="(\w+)" data-wave="(\w*)" data-n="(\d*)">(.*?)</tr>', page, re.S):
        shares = [float(x) for x in re.findall(r"([0-9.]+)%", cells)]
        rows[(item, wave or None)] = (int(n) if n else None, shares)
    return rows


def assert_page_shows(page, expected):
    got = table(page)
    assert set(got) == set(expected)
    for key, (n, shares) in expected.items():
        if n < 5:
            assert got[key] == (None, []), key
        else:
            assert got[key][0] == n and got[key][1] == pytest.approx([100 * s for s in shares], abs=0.051), key


def test_the_office_sees_every_item_by_wave(client, demo_with_exclusions, count_queries):
    login(client, "admin")
    with count_queries() as statements:
        reply = client.get("/dashboard/items")
    assert reply.status_code == 200
    page = reply.get_data(as_text=True)
    expected = expected_bars(kept_responses(demo_with_exclusions, "awareness"))
    assert_page_shows(page, expected)
    (fig,) = figures(page)
    outer, inner = fig["data"][0]["y"]
    _, qn = questionnaire(demo_with_exclusions, "awareness")
    assert [label.replace("<br>", "") for label in outer[::2]] == [
        qn.question(i).label.zh + ("（反向题）" if i in REVERSE else "") for i in ITEMS]
    assert inner == ["前测", "后测"] * 12
    n_text = fig["data"][-1]["text"]
    assert n_text == [f"n = {expected[(i, w)][0]}" for i in ITEMS for w in ("pre", "post")]
    legend = sorted((t["legendrank"], t["name"]) for t in fig["data"] if t.get("showlegend", True) and t["type"] == "bar")
    assert [name for _, name in legend] == ["1 很不同意", "2 不同意", "3 说不清", "4 同意", "5 很同意"]
    # the neutral point is split across zero, the others on their side
    halves = [t for t in fig["data"] if t.get("name") == "3 说不清"]
    assert len(halves) == 2 and halves[0]["x"][0] == pytest.approx(-halves[1]["x"][0])
    assert all(x <= 0 for t in fig["data"] if t.get("name") in ("1 很不同意", "2 不同意") for x in t["x"])
    assert "（反向题）" in page and "n &lt; 5" not in page

    seed_demo(demo_with_exclusions, 400, seed=5)
    with count_queries() as again:
        assert client.get("/dashboard/items").status_code == 200
    assert len(again) == len(statements) <= 12  # the same, whatever the data: no query per item or row


def test_wave_county_and_flag_filters(client, demo_with_exclusions):
    login(client, "admin")
    pingjiang = demo_with_exclusions.session.scalar(select(County).where(County.code == PINGJIANG))
    page = client.get("/dashboard/items?wave=pre").get_data(as_text=True)
    assert_page_shows(page, expected_bars(kept_responses(demo_with_exclusions, "awareness", lambda r: r.wave == "pre")))
    assert set(figures(page)[0]["data"][0]["y"][1]) == {"前测"}
    page = client.get(f"/dashboard/items?county={PINGJIANG}").get_data(as_text=True)
    assert_page_shows(page, expected_bars(kept_responses(demo_with_exclusions, "awareness", lambda r: r.county_id == pingjiang.id)))
    # a straight-liner: counted until flagged responses are left out
    add_response(demo_with_exclusions, "awareness", pingjiang, wave="pre", answers=dict.fromkeys(ITEMS, 5), minutes=12)
    demo_with_exclusions.session.commit()
    flagged = flagged_ids(demo_with_exclusions, "awareness", ITEMS)
    assert len(flagged) > 10
    everything = table(client.get("/dashboard/items").get_data(as_text=True))
    page = client.get("/dashboard/items?flagged=exclude").get_data(as_text=True)
    assert_page_shows(page, expected_bars(kept_responses(demo_with_exclusions, "awareness", flagged=flagged)))
    assert table(page)[("aw1", "pre")][0] < everything[("aw1", "pre")][0]


def test_a_county_sees_its_own_items_only(client, demo_with_exclusions):
    pingjiang = demo_with_exclusions.session.scalar(select(County).where(County.code == PINGJIANG))
    login(client, "county-pj")
    page = client.get("/dashboard/items").get_data(as_text=True)
    assert_page_shows(page, expected_bars(kept_responses(demo_with_exclusions, "awareness", lambda r: r.county_id == pingjiang.id)))
    assert client.get(f"/dashboard/items?county={FENGHUANG}").status_code == 403
    assert client.get(f"/dashboard/items?county={PINGJIANG}").status_code == 200


def test_small_bars_say_n_below_five(client, demo_with_exclusions):
    """A round of its own holds only these: six baselines answering aw1, three follow-ups."""
    later = Round(year=2030, name="第六期", starts_on=dt.date(2030, 1, 1), ends_on=dt.date(2030, 12, 31))
    demo_with_exclusions.session.add(later)
    demo_with_exclusions.session.flush()
    later = later.id
    county = demo_with_exclusions.session.scalar(select(County).where(County.code == PINGJIANG))
    for value in (1, 2, 4, 4, 5, 5):
        add_response(demo_with_exclusions, "awareness", county, wave="pre", answers={"aw1": value}, round_id=later, minutes=12)
    for value in (5, 5, 4):
        add_response(demo_with_exclusions, "awareness", county, wave="post", answers={"aw1": value, "aw2": 4}, round_id=later, minutes=12)
    demo_with_exclusions.session.commit()
    login(client, "admin")
    page = client.get("/dashboard/items?round=2030").get_data(as_text=True)
    rows = table(page)
    assert rows[("aw1", "pre")] == (6, pytest.approx([100 / 6, 100 / 6, 0, 100 / 3, 100 / 3], abs=0.051))
    assert rows[("aw1", "post")] == (None, []) and rows[("aw2", "pre")] == (None, []) and rows[("aw3", "post")] == (None, [])
    (fig,) = figures(page)
    assert fig["data"][-1]["text"][:4] == ["n = 6", "n < 5", "n < 5", "n < 5"]
    assert all(t["x"][1] == 0 for t in fig["data"] if t["type"] == "bar")  # no segment drawn for a suppressed bar
    assert "n = 3" not in page


def test_another_questionnaire_and_its_scale(client, demo_with_exclusions):
    login(client, "admin")
    page = client.get("/dashboard/items?questionnaire=satisfaction").get_data(as_text=True)
    sat = tuple(f"sat{i}" for i in range(1, 10))
    assert_page_shows(page, expected_bars(kept_responses(demo_with_exclusions, "satisfaction"), sat))
    (fig,) = figures(page)
    assert set(fig["data"][0]["y"][1]) == {"后测", "未注明测次"}  # satisfaction's wave is optional
    assert "1 很不满意" in {t.get("name") for t in fig["data"]} and "（反向题）" not in page
    page = client.get("/dashboard/items?questionnaire=activity").get_data(as_text=True)
    assert not figures(page) and "这份问卷没有量表题" in page


def test_login_is_required(client, demo_with_exclusions):
    assert client.get("/dashboard/items").status_code == 302
    login(client, "admin")
    assert client.get("/dashboard/items?questionnaire=nope").status_code == 404
    assert client.get("/dashboard/items?wave=middle").status_code == 422


def test_a_site_is_a_place_too(client, demo_with_exclusions):
    site = demo_with_exclusions.session.scalar(select(Site).join(County).where(County.code == PINGJIANG).order_by(Site.code))
    login(client, "admin")
    page = client.get(f"/dashboard/items?county={PINGJIANG}&site={site.code}").get_data(as_text=True)
    assert_page_shows(page, expected_bars(kept_responses(demo_with_exclusions, "awareness", lambda r: r.site_id == site.id)))
