"""The data-quality flags in SQL (analysis.flags) equal the plain rules (analysis.quality) on
both engines, and leaving flagged responses out changes what the analyses read."""
from __future__ import annotations

import datetime as dt
import random
import statistics
import uuid as uuidlib

import pytest
from sqlalchemy import select

from survey_app.analysis import quality
from survey_app.analysis.flags import FLAGS, flag_counts, flag_selects, flagged_responses, median_seconds
from survey_app.analysis.queries import Place, responses_where, summary
from survey_app.models import Answer, County, QuestionnaireVersion, Response

T0 = dt.datetime(2026, 5, 1, 1, 0, tzinfo=dt.UTC)
ITEMS = tuple(f"aw{i}" for i in range(1, 13))


def make(db, n=300, seed=11):
    rng = random.Random(seed)
    version = db.session.scalar(select(QuestionnaireVersion).where(QuestionnaireVersion.questionnaire_id == "awareness"))
    counties = db.session.scalars(select(County).order_by(County.code)).all()[:2]
    made = []
    for i in range(n):
        county = rng.choice(counties)
        started = T0 + dt.timedelta(hours=i)
        seconds = rng.choice([60, 90, 200, 600, 640, 700, 720, 800, 900, 1200])
        completed = started + dt.timedelta(seconds=seconds)
        received = completed + dt.timedelta(minutes=rng.choice([1, 5, 60 * 24])) if rng.random() > 0.08 else completed - dt.timedelta(minutes=rng.choice([5, 11, 300]))
        untimed = rng.random() < 0.05
        excluded = rng.random() < 0.06
        r = Response(uuid=str(uuidlib.uuid4()), questionnaire_id="awareness", version_id=version.id, county_id=county.id,
                     wave=rng.choice(["pre", "post", None]), respondent_code=rng.choice([f"Q{j:03d}" for j in range(150)] + [None]),
                     started_at=None if untimed else started, completed_at=completed, received_at=received, content_hash="x",
                     answers_json={}, excluded=excluded, excluded_reason="test" if excluded else None, source="seed")
        same = rng.random() < 0.1
        answered = rng.sample(ITEMS, rng.choice([3, 4, 5, 8, 12]))
        first = rng.randint(1, 5)
        values = {item: first if same else rng.randint(1, 5) for item in answered}
        # stored as the submission service stores them (test_own_flags.py checks that it does)
        r.straight_lined, r.clock_ahead = quality.own_flags(ITEMS, values, completed, received).values()
        db.session.add(r)
        db.session.flush()
        for item, value in values.items():
            db.session.add(Answer(response_id=r.id, question_id=item, position=0, value_num=value))
        db.session.add(Answer(response_id=r.id, question_id="heard_sw", position=0, value_text="yes"))
        made.append((r, values))
    db.session.commit()
    return made, counties


def expected_median(made) -> float:
    return statistics.median_low((r.completed_at - r.started_at).total_seconds() for r, _ in made if not r.excluded and r.started_at)


def expected_flags(made) -> dict[str, set[int]]:
    kept = [(r, values) for r, values in made if not r.excluded]
    median = expected_median(made)  # the lower median, as the SQL takes it
    out = {
        quality.SPEEDING: {r.id for r, _ in kept if r.started_at and quality.is_speeding((r.completed_at - r.started_at).total_seconds(), median)},
        quality.STRAIGHT_LINING: {r.id for r, values in kept if quality.is_straight_lining(list(values.values()))},
        quality.DUPLICATE_CODE: quality.duplicate_codes((r.id, r.county_id, r.wave, r.respondent_code) for r, _ in kept),
        quality.CLOCK: {r.id for r, _ in kept if quality.is_after_receipt(r.completed_at, r.received_at)},
    }
    return out


def test_sql_flags_equal_the_rules(app, db, programme, loaded):
    made, counties = make(db)
    expected = expected_flags(made)
    with db.engine.connect() as connection:
        for name, query in flag_selects("awareness").items():
            got = set(connection.scalars(query))
            assert got == expected[name], name
            assert got, f"the fixture should produce some {name} flags"
        place = Place(county_id=counties[0].id)
        counts = flag_counts(connection, "awareness", responses_where("awareness", place))[None]
        by_county = flag_counts(connection, "awareness", responses_where("awareness", Place()), Response.county_id)
        assert by_county[counties[0].id] == counts
        assert sum(c[quality.CLOCK] for c in by_county.values()) == len(expected[quality.CLOCK])
        assert median_seconds(connection, "awareness") == expected_median(made)
        in_county = {r.id for r, _ in made if r.county_id == counties[0].id}
        for name in FLAGS:
            assert counts[name] == len(expected[name] & in_county)
        assert counts["any"] == len(set().union(*expected.values()) & in_county)
        listed = flagged_responses(connection, "awareness", responses_where("awareness", place), limit=20)
        assert len(listed) == 20 and [row["id"] for row in listed] == sorted(set().union(*expected.values()) & in_county, reverse=True)[:20]
        for row in listed:
            assert set(row["flags"]) == {name for name in FLAGS if row["id"] in expected[name]}


def test_counts_of_a_narrowed_set_still_see_the_whole_questionnaire(app, db, programme, loaded):
    """The place's conditions narrow the counted responses, not what a flag is judged against:
    a code is duplicate when its twin lies outside the set, and speeding is judged against the
    whole questionnaire's median, whether the caller passes the median or the query reads it."""
    made, _ = make(db)
    expected = expected_flags(made)
    even = {r.id for r, _ in made if r.id % 2 == 0}
    conditions = [*responses_where("awareness", Place()), Response.id % 2 == 0]
    with db.engine.connect() as connection:
        median = median_seconds(connection, "awareness")
        read = flag_counts(connection, "awareness", conditions)[None]
        given = flag_counts(connection, "awareness", conditions, median=median)[None]
        listed = flagged_responses(connection, "awareness", conditions, limit=1000, median=median)
    assert read == given
    for name in FLAGS:
        assert read[name] == len(expected[name] & even), name
    twins_outside = {r.id for r, _ in made if r.id in expected[quality.DUPLICATE_CODE] & even and not any(
        o.id in even and o.id != r.id and (o.county_id, o.wave, o.respondent_code) == (r.county_id, r.wave, r.respondent_code)
        for o, _ in made if not o.excluded)}
    assert twins_outside, "the fixture should have a duplicate whose twin is outside the set"
    assert read["any"] == len(set().union(*expected.values()) & even) == len(listed)


def test_leaving_flagged_out_changes_the_counts(app, db, programme, loaded):
    made, _ = make(db)
    flagged = set().union(*expected_flags(made).values())
    with db.engine.connect() as connection:
        everything = summary(connection, "awareness", Place())
        clean = summary(connection, "awareness", Place(leave_out_flagged=True))
    kept = [r for r, _ in made if not r.excluded]
    assert sum(everything["responses"].values()) == len(kept)
    assert sum(clean["responses"].values()) == len([r for r in kept if r.id not in flagged]) < len(kept)


def test_the_median_time_is_read_from_its_index(app, db, programme, loaded):
    """ix_responses_duration holds the very expression the median sorts by; should either
    change alone, SQLite would sort every response again (50 ms at 14,000), silently."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's planner chooses by table size; the index's use is checked on SQLite")
    from survey_app.analysis.flags import _median
    query = select(_median("awareness"))
    with db.engine.connect() as connection:
        compiled = query.compile(connection, compile_kwargs={"literal_binds": True})
        plan = " ".join(str(row) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
    assert "ix_responses_duration" in plan and "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("flag", [quality.STRAIGHT_LINING, quality.CLOCK])
def test_the_stored_flags_are_read_from_their_partial_indexes(app, db, programme, loaded, flag):
    """An engine uses a partial index only for the very condition it was made with: should the
    query's spelling and the index's part, every response would be read again, silently."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's planner chooses by table size; the index's use is checked on SQLite")
    query = flag_selects("awareness")[flag]
    with db.engine.connect() as connection:
        compiled = query.compile(connection, compile_kwargs={"literal_binds": True})
        plan = " ".join(str(row) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
    assert f"ix_responses_{'straight_lined' if flag == quality.STRAIGHT_LINING else 'clock_ahead'}" in plan, plan
