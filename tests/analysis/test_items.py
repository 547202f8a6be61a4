"""Item distributions: the SQL counts equal counts made in Python over the inserted answers, on
both engines, in one query; places, waves, exclusions and flags narrow them; small bars are
suppressed.  The responses are built by tests/factories.py (``add_response``, ``random_responses``)."""
from __future__ import annotations

from collections import Counter

import pytest

from survey_app.analysis.items import item_bars, point_counts, waves_present
from survey_app.analysis.quality import is_straight_lining
from survey_app.analysis.queries import Place
from tests.factories import add_response, described, places, random_responses

ITEMS = tuple(f"aw{i}" for i in range(1, 13))


def awareness_answers(rng):
    # about one item in ten skipped; values skewed towards agreeing, as real answers are
    return {item: rng.choices(range(1, 6), weights=(1, 2, 3, 4, 3))[0] for item in ITEMS if rng.random() > 0.1}


def expected_counts(rows, keep=lambda r: True):
    counts: dict[tuple[str, str | None], Counter] = {}
    for r in rows:
        if r["excluded"] or not keep(r):
            continue
        for item, value in r["answers"].items():
            if item in ITEMS:
                counts.setdefault((item, r["wave"]), Counter())[value] += 1
    return {key: dict(c) for key, c in counts.items()}


def selects(statements):
    return [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]


def test_counts_equal_python_for_every_place_in_one_query(app, db, programme, count_queries):
    from survey_app.extensions import db as extension

    rows = random_responses(db, "awareness", awareness_answers)
    (county, team, sites), *_ = places(db)
    with app.app_context():
        engine = extension.engine  # the engine count_queries watches
    cases = [
        (Place(), lambda r: True),
        (Place(county_id=county.id), lambda r: r["county"] == county.id),
        (Place(team_id=team.id), lambda r: r["team"] == team.id),
        (Place(site_id=sites[0].id), lambda r: r["site"] == sites[0].id),
        (Place(wave="post"), lambda r: r["wave"] == "post"),
        (Place(county_id=county.id, wave="pre"), lambda r: r["county"] == county.id and r["wave"] == "pre"),
    ]
    for place, keep in cases:
        with engine.connect() as connection, count_queries() as statements:
            got = point_counts(connection, "awareness", ITEMS, place)
        assert len(selects(statements)) == 1
        assert got == expected_counts(rows, keep)
    assert sum(expected_counts(rows)[("aw1", "pre")].values()) > 30


def test_excluded_and_flagged_responses_do_not_count(db, programme):
    rows = random_responses(db, "awareness", awareness_answers, n=80, seed=2)
    county, team, _ = places(db)[0]
    # a straight-liner (flagged) and an excluded response, both all "5"
    liner = add_response(db, "awareness", county, wave="pre", answers=dict.fromkeys(ITEMS, 5), team=team, minutes=12)
    rows += [described(liner), described(add_response(db, "awareness", county, wave="pre", answers=dict.fromkeys(ITEMS, 5),
                                                       team=team, excluded=True, minutes=12))]
    db.session.commit()
    flagged = {r["id"] for r in rows if is_straight_lining([v for k, v in r["answers"].items() if k in ITEMS])}
    assert flagged - {r["id"] for r in rows if r["excluded"]} == {liner.id}
    with db.engine.connect() as connection:
        everything = point_counts(connection, "awareness", ITEMS, Place())
        unflagged = point_counts(connection, "awareness", ITEMS, Place(leave_out_flagged=True))
    assert everything == expected_counts(rows)
    assert unflagged == expected_counts(rows, lambda r: r["id"] not in flagged)
    assert everything[("aw1", "pre")][5] - unflagged[("aw1", "pre")][5] == 1


def test_bars_give_shares_and_suppress_below_five(db, programme):
    county, _, sites = places(db)[0]
    site = sites[0]
    # pre: five answers to aw1 (1, 2, 4, 4, 5); post: four (and an excluded fifth)
    for value in (1, 2, 4, 4, 5):
        add_response(db, "awareness", county, wave="pre", answers={"aw1": value, "aw2": 3}, site=site, minutes=12)
    for value in (5, 5, 4, 4):
        add_response(db, "awareness", county, wave="post", answers={"aw1": value}, site=site, minutes=12)
    add_response(db, "awareness", county, wave="post", answers={"aw1": 1}, site=site, excluded=True, minutes=12)
    db.session.commit()
    with db.engine.connect() as connection:
        counts = point_counts(connection, "awareness", ("aw1", "aw2"), Place(site_id=site.id))
    waves = waves_present(counts)
    assert waves == ["pre", "post"]
    bars = {(b.item, b.wave): b for b in item_bars(counts, [("aw1", range(1, 6)), ("aw2", range(1, 6))], waves)}
    assert bars[("aw1", "pre")].n == 5 and bars[("aw1", "pre")].shares == pytest.approx((0.2, 0.2, 0.0, 0.4, 0.2))
    assert bars[("aw1", "post")].n == 4 and bars[("aw1", "post")].suppressed
    assert bars[("aw2", "pre")].shares == pytest.approx((0, 0, 1, 0, 0))
    assert bars[("aw2", "post")].n == 0 and bars[("aw2", "post")].suppressed  # kept, so the gap shows
    assert waves_present(counts, "post") == ["post"]


def test_no_items_no_counts(db, programme):
    with db.engine.connect() as connection:
        assert point_counts(connection, "awareness", (), Place()) == {}


def test_wrapped_labels_keep_every_character_and_break_cleanly():
    from survey_app.analysis.charts.items import wrap

    for text in ("社工讲话您听不听得懂（比如会不会讲本地话），您满意吗？（反向题）", "我们会把需要帮助的群众介绍给社工队。",
                 "If an older family member has no one to care for them, I know where to get help."):
        lines = wrap(text).split("<br>")
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert all(len(line.encode("gbk")) <= 32 for line in lines)  # GBK: two bytes a Chinese character, one a letter
        assert not any(line[0] in "，。？）" or line[-1] == "（" for line in lines)
    assert wrap("我们会把需要帮助的群众介绍给社工队。") == "我们会把需要帮助的<br>群众介绍给社工队。"  # even, no orphan
    assert wrap("找别人帮忙，是丢脸的事。（反向题）").endswith("（反向题）")
    assert wrap("If an older family member has no one") == "If an older family<br>member has no one"


def test_diverging_bars_put_the_neutral_point_across_zero():
    from survey_app.analysis.charts import LikertRow, likert_bars
    from survey_app.analysis.charts.items import NEUTRAL, diverging_colours

    assert diverging_colours(5) == ["#D55E00", "#E69F00", NEUTRAL, "#56B4E9", "#0072B2"]
    assert diverging_colours(4) == ["#D55E00", "#E69F00", "#56B4E9", "#0072B2"]
    rows = [LikertRow("题", "前测", 10, (0.1, 0.2, 0.3, 0.3, 0.1)), LikertRow("题", "后测", 3, None)]
    fig = likert_bars(rows, ["1", "2", "3", "4", "5"], "t", "x")
    bars = [t for t in fig.data if t.type == "bar"]
    # stacked outwards from zero in trace order: the neutral halves first, the ends last
    assert [t.name for t in bars] == ["3", "3", "2", "4", "1", "5"]
    assert [t.x[0] for t in bars] == pytest.approx([-15.0, 15.0, -20.0, 30.0, -10.0, 10.0])
    assert [t.x[1] for t in bars] == [0] * 6
    assert list(fig.data[-1].text) == ["n = 10", "n < 5"] and list(fig.data[-2].text) == ["30%", "n < 5"]
    assert fig.layout.xaxis.range == (-60, 60)  # 55% right of zero, rounded up
