"""Team activity totals in SQL equal the same sums made in Python from the records as inserted,
on both engines, in four queries whatever the data."""
from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

import pytest
from sqlalchemy import select

from survey_app.analysis.activity import activity_totals, months_between
from survey_app.analysis.queries import Place
from survey_app.models import Round, Team
from tests.factories import add_record, numeric_questions


def make_records(db, n: int = 90, seed: int = 7) -> list[dict[str, Any]]:
    """Records across three counties' teams and months spanning a new year, with exclusions,
    both rounds, repeated team-months, a missing answer and clock flags; returns what went in."""
    rng = random.Random(seed)
    measures = numeric_questions(db)
    teams = db.session.scalars(select(Team).order_by(Team.code)).all()[:3]
    rounds = db.session.scalars(select(Round.id).order_by(Round.year)).all()
    months = ["2025-11", "2025-12", "2026-01", "2026-02"]
    made = []
    for i in range(n):
        team, month = rng.choice(teams), rng.choice(months)
        values = {q: (round(rng.uniform(0, 300), 1) if q == "volunteer_hours" else rng.randrange(0, 400)) for q in measures}
        if i == 0:
            values.pop("pub_posters")  # a record may lack an answer: it still counts as a record
        record = {"team": team, "month": month, "values": values, "round_id": rng.choice(rounds),
                  "excluded": rng.random() < 0.1, "clock_ahead": rng.random() < 0.1}
        add_record(db, record["team"], month, values, round_id=record["round_id"], excluded=record["excluded"],
                   clock_ahead=record["clock_ahead"])
        made.append(record)
    db.session.commit()
    return made


def expected(records: list[dict[str, Any]], measures: tuple[str, ...], key) -> dict[Any, tuple[int, dict[str, float]]]:
    out: dict[Any, tuple[int, dict[str, float]]] = {}
    for r in records:
        n, sums = out.get(key(r), (0, dict.fromkeys(measures, 0.0)))
        out[key(r)] = (n + 1, {q: sums[q] + r["values"].get(q, 0) for q in measures})
    return out


def assert_equal(got: dict[Any, Any], want: dict[Any, tuple[int, dict[str, float]]]) -> None:
    assert set(got) == set(want)
    for key, (n, sums) in want.items():
        assert got[key].n == n, key
        assert got[key].sums == pytest.approx(sums), key


def test_totals_equal_the_records_sums(app, db, programme, loaded, count_queries):
    from survey_app.extensions import db as extension

    records = make_records(db)
    measures = numeric_questions(db)
    kept = [r for r in records if not r["excluded"]]
    county_id = kept[0]["team"].county_id
    with app.app_context():
        engine = extension.engine  # the engine count_queries watches
    with engine.connect() as connection, count_queries() as statements:
        everything = activity_totals(connection, Place(), measures, "county")
        in_county = activity_totals(connection, Place(county_id=county_id), measures, "team")
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 8  # four each

    assert everything.overall.n == len(kept) < len(records)
    assert everything.overall.sums == pytest.approx(expected(kept, measures, lambda r: None)[None][1])
    assert everything.overall.teams == 3
    assert_equal(everything.by_month, expected(kept, measures, lambda r: r["month"]))
    assert list(everything.by_month) == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert_equal(everything.by_group, expected(kept, measures, lambda r: r["team"].county_id))
    local = [r for r in kept if r["team"].county_id == county_id]
    assert_equal(in_county.by_group, expected(local, measures, lambda r: r["team"].id))
    assert_equal(in_county.by_month, expected(local, measures, lambda r: r["month"]))
    repeats = defaultdict(int)
    for r in kept:
        repeats[(r["team"].id, r["month"])] += 1
    assert everything.repeated == sum(1 for k in repeats.values() if k > 1) > 0


def test_round_team_and_flags_narrow_the_totals(db, programme, loaded):
    records = make_records(db, n=60, seed=3)
    measures = numeric_questions(db)
    kept = [r for r in records if not r["excluded"]]
    round_id, team = kept[0]["round_id"], kept[0]["team"]
    with db.engine.connect() as connection:
        by_round = activity_totals(connection, Place(round_id=round_id), measures, "county")
        by_team = activity_totals(connection, Place(county_id=team.county_id, team_id=team.id), measures, "team")
        unflagged = activity_totals(connection, Place(leave_out_flagged=True), measures, "county")
    assert_equal(by_round.by_month, expected([r for r in kept if r["round_id"] == round_id], measures, lambda r: r["month"]))
    assert_equal(by_team.by_group, expected([r for r in kept if r["team"] is team], measures, lambda r: r["team"].id))
    clean = [r for r in kept if not r["clock_ahead"]]
    assert 0 < len(clean) < len(kept)
    assert unflagged.overall.n == len(clean)
    assert unflagged.overall.sums == pytest.approx(expected(clean, measures, lambda r: None)[None][1])


def test_no_records_gives_zeros(db, programme, loaded):
    measures = numeric_questions(db)
    with db.engine.connect() as connection:
        totals = activity_totals(connection, Place(), measures, "county")
    assert (totals.overall.n, totals.by_month, totals.by_group, totals.repeated) == (0, {}, {}, 0)
    assert totals.overall.sums == dict.fromkeys(measures, 0.0)


def test_months_between_keeps_empty_months_and_crosses_the_year():
    assert months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert months_between("2026-05", "2026-05") == ["2026-05"]
