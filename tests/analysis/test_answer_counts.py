"""The kept answer counts and score sums (``answer_counts``, ``score_sums``, issue 17) equal
their recomputation from the responses, answers and scores, and the item counts and summaries
read from them equal those computed from the responses for every kind of place: after random submissions through the API in any order of arrival
(late baselines moving their follow-ups into their round), exclusions and re-inclusions, a change
of the rounds' dates, a backup restored, the migration that fills them in, and the demo seed.
On SQLite and PostgreSQL (each engine has its own statements on the submission path)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import random
import uuid as uuidlib
from typing import Any

import pytest
from sqlalchemy import func, select

from survey_app import rounds
from survey_app.analysis import items, queries
from survey_app.analysis.queries import Place
from survey_app.extensions import db as _db
from survey_app.models import County, IndexScore, Response, Round, Site, Team
from survey_app.submissions import counts, latest

from ..api.payloads import awareness

ITEMS = [f"aw{i}" for i in range(1, 13)]
CST = dt.timezone(dt.timedelta(hours=8))
PLACES = [("430626", "430626-01", "PJ01"), ("430626", "430626-02", "PJ01"), ("433123", "433123-01", "FH01")]


def random_submission(rng: random.Random) -> dict[str, Any]:
    """An awareness response of a small pool of respondents (so that most have both waves), done
    some day of the two demo rounds, some items left out; now and then no site."""
    county, site, team = rng.choice(PLACES)
    completed = dt.datetime(2025, 4, 1, 10, tzinfo=CST) + dt.timedelta(days=rng.randrange(600), minutes=rng.randrange(600))
    answers = {item: rng.randint(1, 5) for item in rng.sample(ITEMS, rng.choice([4, 12, 12]))}
    payload = awareness(uuid=str(uuidlib.uuid4()), county=county, site=site, team=team, wave=rng.choice(["pre", "post"]),
                        respondent_code=f"{county[-2:]}-{rng.randrange(12):02d}", completed_at=completed.isoformat(),
                        started_at=(completed - dt.timedelta(minutes=14)).isoformat())
    payload["answers"] = {k: v for k, v in payload["answers"].items() if k not in ITEMS} | answers
    if rng.random() < 0.15:
        del payload["site"]
    return payload


def submit_all(app: Any, payloads: list[dict[str, Any]]) -> None:
    client, headers = app.test_client(), {"Authorization": f"Bearer {app.config['TEST_TOKEN']}"}
    for payload in payloads:
        reply = client.post("/api/v1/submissions", json=payload, headers=headers)
        assert reply.status_code == 201, reply.get_json()


def assert_kept_equal_recounted(app: Any) -> dict[tuple[Any, ...], int]:
    """The answer counters and the score sums as kept equal their recount (the sums' totals to
    within rounding: added and taken away in another order than a SUM adds them)."""
    with app.app_context(), _db.engine.connect() as connection:
        kept = counts.kept(connection)
        assert kept == counts.recounted(connection)
        sums, again = counts.kept_sums(connection), counts.resummed(connection)
        assert {k: n for k, (n, _t) in sums.items()} == {k: n for k, (n, _t) in again.items()}
        assert {k: t for k, (_n, t) in sums.items()} == pytest.approx({k: t for k, (_n, t) in again.items()}, rel=1e-12, abs=1e-9)
        assert any(key[6] == "" for key in sums) and any(key[6] == "awareness" for key in sums)
        _db.session.remove()
    return kept


def test_kept_counts_equal_their_recount_through_submissions_exclusions_rounds_and_a_restore(migrated, tmp_path):
    rng = random.Random(11)
    submit_all(migrated, [random_submission(rng) for _ in range(90)])
    # a follow-up first, its baseline a year late: the baseline's round takes the follow-up
    code = "PJ-LATE"
    post = awareness(respondent_code=code, wave="post", completed_at="2026-08-03T10:00:00+08:00",
                     started_at="2026-08-03T09:45:00+08:00", answers={"aw1": 1, "aw2": 2})
    pre = awareness(respondent_code=code, wave="pre", completed_at="2025-05-03T10:00:00+08:00",
                    started_at="2025-05-03T09:45:00+08:00")
    submit_all(migrated, [post])
    with migrated.app_context():
        before = _db.session.scalar(select(Response.round_id).where(Response.uuid == post["uuid"]))
        _db.session.remove()
    submit_all(migrated, [pre])
    with migrated.app_context():
        after = _db.session.scalar(select(Response.round_id).where(Response.uuid == post["uuid"]))
        years = dict(_db.session.execute(select(Round.id, Round.year)).all())
        _db.session.remove()
    assert (years[before], years[after]) == (2026, 2025)  # the follow-up was moved...
    kept = assert_kept_equal_recounted(migrated)  # ...and its counts with it
    assert len({key[4] for key in kept}) == 2 and len({key[3] for key in kept}) == 4  # both rounds; three sites and none

    with migrated.app_context(), _db.engine.begin() as connection:
        ids = sorted(connection.scalars(select(Response.id)))
        some = ids[::4]
        for rid in some:
            latest.set_excluded(connection, rid, "test")
        latest.set_excluded(connection, some[0], "again, another reason")  # excluded twice: counted once
        for rid in some[::2]:
            latest.set_excluded(connection, rid, None)
        latest.set_excluded(connection, some[1], None)  # included twice
    after_exclusions = assert_kept_equal_recounted(migrated)
    assert sum(after_exclusions.values()) < sum(kept.values())

    with migrated.app_context(), _db.engine.begin() as connection:  # the office moves the rounds' boundary
        first = connection.execute(select(Round.id).where(Round.year == 2025)).scalar_one()
        second = connection.execute(select(Round.id).where(Round.year == 2026)).scalar_one()
        connection.execute(Round.__table__.update().where(Round.id == first).values(ends_on=dt.date(2025, 12, 31)))
        connection.execute(Round.__table__.update().where(Round.id == second).values(starts_on=dt.date(2026, 1, 1)))
        rounds.assign_all(connection)
    moved = assert_kept_equal_recounted(migrated)
    assert moved != after_exclusions and sum(moved.values()) == sum(after_exclusions.values())

    out = tmp_path / "counts.sanqu-backup"
    with migrated.app_context():
        assert migrated.test_cli_runner().invoke(args=["backup", "--out", str(out)]).exit_code == 0
        _db.session.remove()
    submit_all(migrated, [random_submission(rng) for _ in range(10)])  # gone again with the restore
    with migrated.app_context():
        result = migrated.test_cli_runner().invoke(args=["restore", str(out), "--yes"])
        assert result.exit_code == 0, result.output
        _db.session.remove()
    assert assert_kept_equal_recounted(migrated) == moved
    submit_all(migrated, [random_submission(rng) for _ in range(10)])
    assert sum(assert_kept_equal_recounted(migrated).values()) > sum(moved.values())


def places_of(session: Any) -> list[Place]:
    """Every kind of place a page can ask for: the programme, a county, a team, a site, a round,
    a wave, and some together."""
    county = session.scalar(select(County.id).where(County.code == "430626"))
    team = session.scalar(select(Team.id).where(Team.code == "PJ01"))
    site = session.scalar(select(Site.id).where(Site.code == "430626-02"))
    first = session.scalar(select(Round.id).where(Round.year == 2025))
    return [Place(), Place(county_id=county), Place(team_id=team), Place(site_id=site), Place(round_id=first),
            Place(wave="post"), Place(county_id=county, round_id=first, wave="pre"), Place(county_id=-1)]


def test_item_counts_from_the_counters_equal_those_from_the_answers(migrated):
    rng = random.Random(5)
    submit_all(migrated, [random_submission(rng) for _ in range(60)])
    with migrated.app_context(), _db.engine.begin() as connection:
        for rid in sorted(connection.scalars(select(Response.id)))[::5]:
            latest.set_excluded(connection, rid, "test")
    with migrated.app_context(), _db.engine.connect() as connection:
        for place in places_of(_db.session):
            got = items.point_counts(connection, "awareness", ITEMS, place)
            counted = items.point_counts(connection, "awareness", ITEMS, place.but(leave_out_flagged=True))
            answered = {}
            for item, wave, value, n in items._answered(connection, "awareness", ITEMS, place):
                answered.setdefault((item, wave), {})[round(value)] = n
            assert got == answered, place
            assert sum(map(sum, (c.values() for c in counted.values()))) <= sum(map(sum, (c.values() for c in got.values())))
        _db.session.remove()


def test_summaries_from_the_sums_equal_those_from_the_responses(migrated):
    rng = random.Random(6)
    submit_all(migrated, [random_submission(rng) for _ in range(60)])
    with migrated.app_context(), _db.engine.begin() as connection:
        for rid in sorted(connection.scalars(select(Response.id)))[::4]:
            latest.set_excluded(connection, rid, "test")
    with migrated.app_context(), _db.engine.connect() as connection:
        for place in places_of(_db.session):
            kept = queries.summary(connection, "awareness", place)
            flagged_out = place.but(leave_out_flagged=True)
            live = {"responses": {w or "none": n for w, n in connection.execute(
                select(Response.wave, func.count()).where(*queries.responses_where("awareness", place)).group_by(Response.wave))}}
            assert kept["responses"] == live["responses"], place
            assert sum(queries.summary(connection, "awareness", flagged_out)["responses"].values()) <= sum(
                kept["responses"].values())
            by_hand = {}
            for wave, score in connection.execute(
                select(Response.wave, IndexScore.score).join(IndexScore, IndexScore.response_id == Response.id)
                .where(*queries.responses_where("awareness", place), IndexScore.index_id == "awareness")
            ):
                by_hand.setdefault(wave or "none", []).append(score)
            got = {r["wave"]: (r["n"], r["mean"]) for r in kept["indices"] if r["index"] == "awareness"}
            assert got == {w: (len(v), pytest.approx(sum(v) / len(v), rel=1e-12)) for w, v in by_hand.items()}, place
        _db.session.remove()


def test_every_filter_of_a_place_is_one_the_counters_answer():
    """A condition added to ``Place`` later must be taught to the counters' read (or make it
    count the answers), or the item charts would ignore it."""
    assert {f.name for f in dataclasses.fields(Place)} == {*items.KEPT_FILTERS, "leave_out_flagged"}
    assert queries.KEPT_FILTERS == items.KEPT_FILTERS


def test_the_migration_counts_the_responses_stored_before_it(migrated):
    from flask_migrate import downgrade, upgrade

    rng = random.Random(8)
    submit_all(migrated, [random_submission(rng) for _ in range(40)])
    with migrated.app_context(), _db.engine.begin() as connection:
        latest.set_excluded(connection, 3, "test")
    kept = assert_kept_equal_recounted(migrated)
    with migrated.app_context():
        downgrade(revision="0015")  # the table gone, as before it
        upgrade()
        _db.session.remove()
    assert assert_kept_equal_recounted(migrated) == kept


def test_the_demo_seed_keeps_them(db, programme, loaded, app):
    from survey_app.demo.seed import seed_responses

    seed_responses(db.session, 500, seed=17)
    db.session.commit()
    seed_responses(db.session, 100, seed=18)  # a second seed adds to the first
    db.session.commit()
    kept = assert_kept_equal_recounted(app)
    assert sum(kept.values()) > 500
