"""Satisfaction figures: SQL equals Python over the inserted answers (scores recomputed here from
the answers by the contract's formula), on both engines, one query each; the threshold is
inclusive; small cells and responses without a score are handled."""
from __future__ import annotations

import pytest

from survey_app.analysis.quality import is_straight_lining
from survey_app.analysis.queries import Place
from survey_app.analysis.satisfaction import SATISFIED_AT, by_choice, by_group, choice_shares, overall
from tests.analysis.test_items import selects
from tests.factories import add_response, described, places, random_responses

SAT = tuple(f"sat{i}" for i in range(1, 10))
DOMAINS = ("disaster", "community", "rural", "elderly", "veterans", "outreach")
ANSWERS = ("yes", "unsure", "no")


def satisfaction_answers(rng):
    answers = {"domains": [d for d in DOMAINS if rng.random() < 0.35] or [rng.choice(DOMAINS)]}
    answered = 0.85 if rng.random() > 0.1 else 0.3  # some answer too few items to be scored
    answers |= {item: rng.choices(range(1, 6), weights=(1, 1, 3, 5, 3))[0] for item in SAT if rng.random() < answered}
    if rng.random() < 0.9:
        answers["recommend"] = rng.choice(ANSWERS)
    return answers


def score(answers):
    """shared/DESIGN.md: the mean of (v - min) / (max - min) * 100 over the answered items, none
    below half of them."""
    values = [answers[i] for i in SAT if i in answers]
    return sum((v - 1) / 4 * 100 for v in values) / len(values) if 2 * len(values) >= len(SAT) else None


def expected(rows):
    """(responses, n, mean, share) of the given rows, mean and share None below five."""
    scores = [score(r["answers"]) for r in rows]
    scored = [s for s in scores if s is not None]
    if len(scored) < 5:
        return len(rows), len(scored), None, None
    return len(rows), len(scored), sum(scored) / len(scored), sum(s >= 75 for s in scored) / len(scored)


def figures(cell):
    return cell.responses, cell.n, cell.mean, cell.share_satisfied


def test_figures_equal_python_in_one_query_each(app, db, programme, count_queries):
    from survey_app.extensions import db as extension

    rows = random_responses(db, "satisfaction", satisfaction_answers, n=400, seed=7, waves=("post", "post", None))
    county = places(db)[0][0]
    with app.app_context():
        engine = extension.engine
    for place, keep in ((Place(), lambda r: True), (Place(county_id=county.id), lambda r: r["county"] == county.id),
                        (Place(wave="post"), lambda r: r["wave"] == "post")):
        kept = [r for r in rows if not r["excluded"] and keep(r)]
        with engine.connect() as connection, count_queries() as statements:
            total = overall(connection, "satisfaction", "satisfaction", place)
            groups = {g: by_group(connection, "satisfaction", "satisfaction", place, g) for g in ("county", "team", "site")}
            domains = by_choice(connection, "satisfaction", "satisfaction", "domains", DOMAINS, place)
            everyone, answered = choice_shares(connection, "satisfaction", "recommend", ANSWERS, place, "team")
        assert len(selects(statements)) == 6
        assert figures(total) == pytest.approx(expected(kept))
        for group, cells in groups.items():
            got = {c.key: figures(c) for c in cells}
            assert set(got) == {r[group] for r in kept}
            for key, value in got.items():
                assert value == pytest.approx(expected([r for r in kept if r[group] == key])), (group, key)
        assert [c.key for c in domains] == list(DOMAINS)
        for cell in domains:
            assert figures(cell) == pytest.approx(expected([r for r in kept if cell.key in r["answers"]["domains"]]))
        said = [r["answers"]["recommend"] for r in kept if "recommend" in r["answers"]]
        assert everyone.n == len(said) > 50
        assert everyone.shares == pytest.approx([said.count(a) / len(said) for a in ANSWERS])
        for cell in answered:
            mine = [r["answers"]["recommend"] for r in kept if r["team"] == cell.key and "recommend" in r["answers"]]
            assert cell.n == len(mine) and cell.shares == pytest.approx([mine.count(a) / len(mine) for a in ANSWERS])
    assert expected(rows)[1] < expected(rows)[0]  # some responses had too few items for a score


def test_threshold_counts_75_as_satisfied_and_small_cells_are_suppressed(db, programme):
    county, team, sites = places(db)[0]
    fours = dict.fromkeys(SAT, 4)  # exactly 75
    hand = [fours, fours, dict.fromkeys(SAT, 5), dict.fromkeys(SAT, 3), {**fours, "sat9": 3}, {"sat1": 5}]  # the last: no score
    for answers in hand:
        add_response(db, "satisfaction", county, wave="post", answers={"domains": ["elderly"], **answers}, site=sites[0], team=team, minutes=12)
    for answers in hand[:4]:  # four scored in the other site
        add_response(db, "satisfaction", county, wave="post", answers={"domains": ["elderly", "rural"], **answers}, site=sites[1], minutes=12)
    db.session.commit()
    with db.engine.connect() as connection:
        first = overall(connection, "satisfaction", "satisfaction", Place(site_id=sites[0].id))
        other = overall(connection, "satisfaction", "satisfaction", Place(site_id=sites[1].id))
        domains = {c.key: c for c in by_choice(connection, "satisfaction", "satisfaction", "domains", DOMAINS, Place())}
        teams = {c.key: c for c in by_group(connection, "satisfaction", "satisfaction", Place(), "team")}
    assert (first.responses, first.n) == (6, 5)
    assert first.mean == pytest.approx((75 + 75 + 100 + 50 + (8 * 75 + 50) / 9) / 5)
    assert first.share_satisfied == pytest.approx(3 / 5)  # 75, 75 and 100; 72.2 is not
    assert SATISFIED_AT == 75
    assert (other.n, other.mean, other.share_satisfied) == (4, None, None) and other.suppressed
    assert (domains["rural"].n, domains["rural"].mean) == (4, None)
    assert domains["elderly"].n == 9 and domains["elderly"].share_satisfied == pytest.approx(6 / 9)
    assert (domains["veterans"].responses, domains["veterans"].n, domains["veterans"].suppressed) == (0, 0, True)
    assert teams[None].n == 4 and teams[None].mean is None  # responses naming no team keep their row
    assert teams[team.id].n == 5


def test_excluded_and_flagged_responses_do_not_count(db, programme):
    rows = random_responses(db, "satisfaction", satisfaction_answers, n=120, seed=8, waves=("post",))
    county, team, _ = places(db)[0]
    liner = add_response(db, "satisfaction", county, wave="post", answers={"domains": ["rural"], **dict.fromkeys(SAT, 5)}, team=team,
                         minutes=12)
    dropped = add_response(db, "satisfaction", county, wave="post", answers={"domains": ["rural"], **dict.fromkeys(SAT, 1)},
                           excluded=True, minutes=12)
    rows += [described(liner), described(dropped)]
    db.session.commit()
    flagged = {r["id"] for r in rows if is_straight_lining([v for k, v in r["answers"].items() if k in SAT])}
    kept = [r for r in rows if not r["excluded"]]
    with db.engine.connect() as connection:
        everything = overall(connection, "satisfaction", "satisfaction", Place())
        unflagged = overall(connection, "satisfaction", "satisfaction", Place(leave_out_flagged=True))
    assert liner.id in flagged
    assert figures(everything) == pytest.approx(expected(kept))
    assert figures(unflagged) == pytest.approx(expected([r for r in kept if r["id"] not in flagged]))
    assert unflagged.n < everything.n
