"""`respondent_latest` (each respondent's latest response of each wave) equals the pairing rule
after every way responses arrive or change: the submission service (both engines' statements),
concurrent submissions, exclusion and re-inclusion, ORM writes, the demo seed and migration 0004."""
from __future__ import annotations

import datetime as dt
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import column, create_engine, event, insert, select, table, text, update
from sqlalchemy.pool import NullPool

from survey_app.auth.scope import Scope
from survey_app.database import DriverConnection
from survey_app.models import County, QuestionnaireVersion, Response
from survey_app.models.responses import RespondentLatest
from survey_app.submissions import latest
from survey_app.submissions.service import CREATED, submit
from tests.api.payloads import awareness

ADMIN = Scope(user_id=1, role="admin", county_id=None, team_id=None)
CST = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 5, 1, 9, 0, tzinfo=CST)


def expected(connection) -> dict[tuple, tuple]:
    """The rule of analysis/pairing.py over the responses as stored: per respondent, the id of
    the latest non-excluded response of each wave (by completed_at, then the larger id)."""
    best: dict[tuple, dict[str, tuple]] = {}
    for rid, qid, county, code, wave, completed, excluded in connection.execute(select(
        Response.id, Response.questionnaire_id, Response.county_id, Response.respondent_code, Response.wave,
        Response.completed_at, Response.excluded,
    )):
        if excluded or code is None or wave not in ("pre", "post"):
            continue
        waves = best.setdefault((qid, county, code), {})
        if wave not in waves or (completed, rid) > waves[wave]:
            waves[wave] = (completed, rid)
    return {key: tuple(waves.get(w, (None, None)) for w in ("pre", "post")) for key, waves in best.items()}


def stored(connection) -> dict[tuple, tuple]:
    L = RespondentLatest
    return {
        (qid, county, code): ((pre_at, pre_id) if pre_id else (None, None), (post_at, post_id) if post_id else (None, None))
        for qid, county, code, pre_id, pre_at, post_id, post_at in connection.execute(
            select(L.questionnaire_id, L.county_id, L.respondent_code, L.pre_id, L.pre_at, L.post_id, L.post_at)
        )
    }


def assert_kept(db):
    with db.engine.connect() as connection:
        want, got = expected(connection), stored(connection)
    assert got == want
    return got


def post(db, engine=None, **fields) -> int:
    """Submit through the service (``engine``: for threads, which have no app context)."""
    with DriverConnection(engine or db.engine) as driver:
        outcome = submit(driver, awareness(**fields), ADMIN)
    assert outcome.status == CREATED, outcome.errors
    return outcome.response_id


def test_submissions_keep_each_respondents_latest(db, programme):
    rng = random.Random(4)
    # Arrival order unrelated to completion order, and ties on completion on purpose.
    for _ in range(90):
        post(db, county=rng.choice(["430626", "433123"]), team=None, site=None, wave=rng.choice(["pre", "post"]),
             respondent_code=f"R-{rng.randrange(12):02d}",
             completed_at=(T0 + dt.timedelta(days=rng.choice([0, 1, 1, 2, 30]))).isoformat())
    rows = assert_kept(db)
    assert len(rows) > 15 and any(pre[1] and post[1] for pre, post in rows.values())


def test_a_later_arrival_with_an_earlier_completion_changes_nothing(db, programme):
    first = post(db, completed_at=(T0 + dt.timedelta(days=2)).isoformat())
    post(db, completed_at=T0.isoformat())
    tie = post(db, completed_at=(T0 + dt.timedelta(days=2)).isoformat())  # a tie: the larger id wins
    with db.engine.connect() as connection:
        (row,) = stored(connection).values()
    assert row[0][1] == tie > first and row[1] == (None, None)
    assert_kept(db)


def test_concurrent_submissions_for_one_respondent(db, programme):
    times = [T0 + dt.timedelta(minutes=m) for m in random.Random(2).sample(range(100), 24)]
    barrier = threading.Barrier(8)
    engine = db.engine

    def one(chunk):
        barrier.wait(timeout=30)
        return [post(db, engine, completed_at=when.isoformat()) for when in chunk]

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, [times[i::8] for i in range(8)]))
    rows = assert_kept(db)
    assert len(rows) == 1


def test_exclusion_moves_the_marker_back_and_reinclusion_restores_it(db, programme):
    ids = {}
    for wave in ("pre", "post"):
        for day in (0, 1, 2):
            ids[wave, day] = post(db, wave=wave, completed_at=(T0 + dt.timedelta(days=day)).isoformat())
    steps = [
        (ids["pre", 2], "duplicate interview"),  # the latest: the one before takes its place
        (ids["pre", 0], "test"),  # not the latest: nothing moves
        (ids["pre", 1], "test"),  # the last of the wave: the wave is empty, the row stays for post
        (ids["post", 0], "test"), (ids["post", 1], "test"), (ids["post", 2], "test"),  # the row goes
        (ids["pre", 0], None), (ids["post", 2], None), (ids["pre", 2], None),  # counted again
    ]
    for response_id, reason in steps:
        with db.engine.begin() as connection:
            assert latest.set_excluded(connection, response_id, reason)
        assert_kept(db)
        with db.engine.connect() as connection:
            excluded, why = connection.execute(select(Response.excluded, Response.excluded_reason).where(Response.id == response_id)).one()
        assert (excluded, why) == (reason is not None, reason)
    with db.engine.connect() as connection:
        (row,) = stored(connection).values()
    assert (row[0][1], row[1][1]) == (ids["pre", 2], ids["post", 2])
    with db.engine.begin() as connection:
        assert not latest.set_excluded(connection, 10**9, "no such response")


def test_exclusion_leaves_a_row_nobody_else_needs(db, programme):
    only = post(db)
    with db.engine.begin() as connection:
        latest.set_excluded(connection, only, "test")
    with db.engine.connect() as connection:
        assert stored(connection) == {}
    with db.engine.begin() as connection:
        latest.set_excluded(connection, only, None)
    assert len(assert_kept(db)) == 1


def test_orm_writes_keep_it_too(db, programme, loaded):
    version = db.session.scalar(select(QuestionnaireVersion).where(QuestionnaireVersion.questionnaire_id == "awareness"))
    county = db.session.scalar(select(County).order_by(County.code))
    made = []
    for day, wave, code in [(0, "pre", "A"), (1, "pre", "A"), (0, "post", "A"), (2, "pre", "B"), (3, None, "C")]:
        r = Response(uuid=f"00000000-0000-4000-8000-{len(made):012d}", questionnaire_id="awareness", version_id=version.id,
                     county_id=county.id, wave=wave, respondent_code=code, completed_at=T0 + dt.timedelta(days=day),
                     received_at=T0, content_hash="x", answers_json={}, source="seed")
        db.session.add(r)
        db.session.flush()
        made.append(r)
    db.session.commit()
    assert_kept(db)
    made[1].excluded, made[1].excluded_reason = True, "test"  # the latest pre of A
    made[3].respondent_code = "D"  # B's only response becomes D's
    made[2].completed_at = T0 + dt.timedelta(days=9)
    db.session.commit()
    rows = assert_kept(db)
    assert {key[2] for key in rows} == {"A", "D"}
    with pytest.raises(Exception, match=r"(?i)foreign key"):  # a marker never points at nothing
        db.session.delete(made[0])
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)
def test_a_submission_during_an_exclusion_merges_with_its_result(db, programme):
    """READ COMMITTED: a submission that commits after the exclusion has read the responses but
    before it writes the row would be overwritten, had the exclusion not locked the row first.
    The submission is sent at exactly that moment; it must wait and then merge."""
    early = post(db, completed_at=T0.isoformat())
    late = post(db, completed_at=(T0 + dt.timedelta(days=2)).isoformat())
    engine = create_engine(db.engine.url, poolclass=NullPool)
    pool = ThreadPoolExecutor(max_workers=1)
    arriving = []

    def between_read_and_write(_conn, _cursor, statement, *_args):
        if not statement.startswith("UPDATE respondent_latest") or arriving:
            return
        arriving.append(pool.submit(post, db, db.engine, completed_at=(T0 + dt.timedelta(days=1)).isoformat()))
        with engine.connect() as watcher:  # until it waits on a lock, or (were there none) is stored
            for _ in range(300):
                if arriving[0].done() or watcher.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )).scalar():
                    break
                time.sleep(0.05)

    try:
        with engine.connect() as admin:
            event.listen(admin, "before_cursor_execute", between_read_and_write)
            latest.set_excluded(admin, late, "test")
            admin.commit()
        middle = arriving[0].result(timeout=30)
    finally:
        pool.shutdown()
        engine.dispose()
    with db.engine.connect() as connection:
        (row,) = stored(connection).values()
    assert row[0][1] == middle != early
    assert_kept(db)


def test_the_demo_seed_keeps_it(db, programme):
    from survey_app.demo.seed import seed_responses

    seed_responses(db.session, 400, seed=3)
    db.session.commit()
    first = assert_kept(db)
    seed_responses(db.session, 300, seed=3)  # a second run merges with what is there
    db.session.commit()
    assert len(assert_kept(db)) > len(first)


def test_refresh_merges_responses_written_in_bulk(db, programme):
    """Core inserts bypass the service and the ORM events: ``refresh`` merges them."""
    post(db, completed_at=T0.isoformat())
    with db.engine.connect() as connection:
        template = dict(connection.execute(select(Response.__table__)).mappings().one())
    rows = []
    for n, (day, excluded) in enumerate([(5, True), (3, False), (1, False)]):
        rows.append({**template, "id": template["id"] + n + 1, "uuid": f"00000000-0000-4000-8000-{n:012d}",
                     "completed_at": T0 + dt.timedelta(days=day), "excluded": excluded,
                     "excluded_reason": "test" if excluded else None})
    with db.engine.begin() as connection:
        connection.execute(insert(Response.__table__), rows)
        latest.refresh(connection, since_id=template["id"] + 1)
    (row,) = assert_kept(db).values()
    assert row[0][1] == template["id"] + 2  # day 3: day 5 is excluded


# -- migration 0004 ---------------------------------------------------------------------------

@pytest.fixture
def at_0003(at_revision):
    """An empty database migrated to 0003."""
    return at_revision("0003")


def score_rows(db):
    with db.engine.connect() as connection:
        return sorted(connection.execute(text("SELECT response_id, index_id, score FROM index_scores")).all())


def test_migration_0004_fills_it_from_the_responses_stored(at_0003):
    from flask_migrate import downgrade, upgrade

    from survey_app.demo.seed import seed_programme
    from survey_app.instruments import load_folder

    from ..conftest import ROOT

    db = at_0003
    # Seeded by today's models at the head, then taken back to 0003: the models no longer fit
    # 0003's tables (the users gained columns later), the data does.
    upgrade()
    load_folder(db.session, ROOT / "questionnaires")
    seed_programme(db.session)
    db.session.commit()
    db.session.rollback()
    downgrade(revision="0003")
    version = db.session.scalar(select(QuestionnaireVersion.id).where(QuestionnaireVersion.questionnaire_id == "awareness"))
    counties = db.session.scalars(select(County.id).order_by(County.code)).all()[:2]
    # End the read: on PostgreSQL it holds locks that the downgrade's DROP TABLE (of a table
    # with a foreign key to these) waits for, from another connection, for ever.
    db.session.rollback()
    rng = random.Random(6)
    rows = []
    for n in range(300):
        excluded = rng.random() < 0.1
        rows.append({
            "uuid": f"00000000-0000-4000-8000-{n:012d}", "questionnaire_id": "awareness", "version_id": version,
            "county_id": rng.choice(counties), "wave": rng.choice(["pre", "post", None]),
            "respondent_code": rng.choice([f"M-{j:02d}" for j in range(40)] + [None]),
            "completed_at": T0 + dt.timedelta(days=rng.choice([0, 1, 1, 5])), "received_at": T0, "content_hash": "x",
            "answers_json": {}, "excluded": excluded, "excluded_reason": "test" if excluded else None, "source": "seed",
        })
    with db.engine.begin() as connection:  # Core: the table the ORM events write to is not there yet
        # the columns of 0003's table only (the model's later columns have defaults it would send)
        connection.execute(insert(table("responses", *(column(n, Response.__table__.c[n].type) for n in rows[0]))), rows)
        connection.execute(text("INSERT INTO index_scores (response_id, index_id, score) SELECT id, 'awareness', id % 100 FROM responses"))
    scores = score_rows(db)
    upgrade()
    assert score_rows(db) == scores  # rebuilt on SQLite, as they were
    rows_kept = assert_kept(db)
    assert len(rows_kept) > 30
    downgrade(revision="0003")
    assert score_rows(db) == scores
    upgrade()
    assert assert_kept(db) == rows_kept and score_rows(db) == scores
    with db.engine.begin() as connection:  # and it is kept from there on
        some = connection.execute(select(Response.id).where(Response.respondent_code.is_not(None), Response.wave == "pre")).scalars().first()
        latest.set_excluded(connection, some, "test")
        connection.execute(update(Response.__table__).where(Response.id == some).values(excluded_reason="checked"))
    assert_kept(db)
