"""Findings snapshots (analysis/snapshots.py), on both engines: a snapshot equals its
recomputation; it is read while the data stands and never once the data has changed (unless a
page may show a recent one, and then says from when); every kind of change makes it old; a
payload that fails its signature is computed again, never unpickled; the worker refreshes what
people read and prunes what they do not; small databases are computed live."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select, update

from survey_app.analysis import figures, flag_figures, flags, overview, queries, satisfaction, snapshots
from survey_app.analysis.queries import Place
from survey_app.findings import common, prepost
from survey_app.followups import worklist
from survey_app.models import FindingsSnapshot, Response
from survey_app.models.responses import RespondentLatest
from survey_app.submissions.latest import set_excluded
from tests.factories import RESPONSES_FROM, add_response, make_responses

SECRET = b"k" * 32
EVERYTHING = snapshots.Policy(secret=SECRET, min_responses=0)


def calls(county_id):
    """Every snapshotted figure the awareness page, the API and the report ask for."""
    return {
        "findings": lambda c: prepost.prepost_findings(c, "awareness", "awareness", Place()),
        "findings by county": lambda c: prepost.prepost_findings(c, "awareness", "awareness", Place(county_id=county_id)),
        "group": lambda c: common.group_for(c, "awareness", Place(county_id=county_id)),
        "by wave": lambda c: queries.score_counts_by_wave(c, "awareness", "awareness", Place()),
        "yes/no": lambda c: queries.paired_yes_no(c, "awareness", {"heard_sw": "yes", "household": "lives_alone"}, Place()),
        "progress": lambda c: worklist.progress_by_site(c, "awareness", Place(county_id=county_id)),
        "prepost": lambda c: figures.prepost(c, "awareness", "awareness", Place()),
        "median": lambda c: flags.median_seconds(c, "awareness"),
        "flag counts": lambda c: flag_figures.flag_counts_in(c, "awareness", Place(), "county", 600.0),
        "flagged": lambda c: flag_figures.flagged_in(c, "awareness", Place(county_id=county_id), 30, None),
        "coverage": lambda c: overview.coverage(c, "awareness", Place()),
        "by month": lambda c: overview.by_month(c, "awareness", Place(), "team"),
        "excluded": lambda c: overview.excluded(c, "awareness", Place(county_id=county_id)),
        "satisfied": lambda c: satisfaction.overall(c, "awareness", "awareness", Place()),
        "satisfied by group": lambda c: satisfaction.by_group(c, "awareness", "awareness", Place(), "county"),
        "satisfied by choice": lambda c: satisfaction.by_choice(c, "awareness", "awareness", "household", ("lives_alone", "left_behind_elderly", "left_behind_children"), Place()),
        "choice shares": lambda c: satisfaction.choice_shares(c, "awareness", "household", ("lives_alone", "left_behind_elderly", "left_behind_children"), Place(), "county"),
    }


def live(db, call):
    with db.engine.connect() as connection:
        return call(connection)


def through(db, call, policy=EVERYTHING):
    """``call`` under ``policy``, as one request: (its result, the statements it ran other than
    reading the data's state and the snapshots, when the figure was stale_since)."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    from sqlalchemy import event

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with snapshots.using(policy), db.engine.connect() as connection:
            result = call(connection)
            since = snapshots.stale_since()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    own = [s for s in statements if not s.startswith("BEGIN") and "findings_snapshots" not in s and "max(responses.id)" not in s]
    return result, own, since


def stored(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(FindingsSnapshot))


def add_later(db, county, **fields) -> int:
    """An awareness response completed after make_responses' (``fields``: add_response's),
    committed on its own; its id."""
    db.session.rollback()  # SQLite: a fresh snapshot before writing (others wrote meanwhile)
    r = add_response(db, "awareness", county, completed_at=RESPONSES_FROM + dt.timedelta(days=400), received_at=RESPONSES_FROM,
                     clock_ahead=False, source="seed", **fields)  # stored unflagged, as this test always had it
    db.session.commit()
    return r.id


def test_a_snapshot_equals_its_recomputation_and_is_read_while_the_data_stands(db, programme, loaded):
    _, counties = make_responses(db, seed=31)
    for name, call in calls(counties[0].id).items():
        expected = live(db, call)
        first, _, _ = through(db, call)
        assert first == expected, name
        again, statements, since = through(db, call)
        assert again == expected, name
        assert statements == [], name  # the data's state and the snapshot, nothing of the responses
        assert since is None
    assert stored(db) == len(calls(0)) + 1  # and the programme's breakdown, which the findings chose


def test_every_change_of_the_data_makes_the_snapshots_old(db, programme, loaded, app):
    from survey_app import rounds
    from survey_app.analysis.snapshots import changed

    _, counties = make_responses(db, seed=32)
    call = calls(counties[0].id)["findings"]
    through(db, call)
    ids = db.session.scalars(select(Response.id).where(Response.excluded.is_(False), Response.wave == "pre")
                             .order_by(Response.id)).all()
    largest = db.session.scalar(select(func.max(Response.id)))

    def exclude():
        with db.engine.begin() as connection:
            set_excluded(connection, ids[0], "test")

    def include():
        with db.engine.begin() as connection:
            set_excluded(connection, ids[0], None)

    excluded = db.session.scalar(select(Response.id).where(Response.excluded.is_(True)))

    def swap():  # as many responses counted as before: only the counter tells
        with db.engine.begin() as connection:
            set_excluded(connection, ids[1], "test")
            set_excluded(connection, excluded, None)

    def reassign_rounds():
        with db.engine.begin() as connection:
            rounds.assign_all(connection)

    def mark():
        with db.engine.begin() as connection:
            changed(connection)

    changes = {
        "a new response": lambda: add_later(db, counties[0], id=largest + 100, wave="post", code="C001"),
        # committed after one with a larger id (concurrent PostgreSQL transactions do)
        "a response with a smaller id": lambda: add_later(db, counties[0], id=largest + 50, wave="pre", code="C001"),
        "an exclusion": exclude,
        "a re-inclusion": include,
        "one excluded and another counted again": swap,
        "the rounds' dates": reassign_rounds,
        "a counted change (a mark, a place renamed)": mark,
    }
    for name, change in changes.items():
        with db.engine.connect() as connection:
            before = snapshots.data_version(connection)
        change()
        with db.engine.connect() as connection:
            assert snapshots.data_version(connection) != before, name
        got, statements, since = through(db, call)
        assert got == live(db, call), name
        assert since is None and statements, name  # computed again


def test_a_page_may_show_a_recent_snapshot_of_older_data_and_says_from_when(db, programme, loaded):
    _, counties = make_responses(db, seed=33)
    call = calls(counties[0].id)["findings"]
    old, _, _ = through(db, call)
    paired = db.session.scalar(select(RespondentLatest.post_id).where(RespondentLatest.pre_id.is_not(None),
                                                                      RespondentLatest.post_id.is_not(None)))
    db.session.rollback()
    with db.engine.begin() as connection:
        set_excluded(connection, paired, "x")
    computed_at = db.session.scalar(select(FindingsSnapshot.computed_at))
    recent = snapshots.Policy(secret=SECRET, min_responses=0, stale_seconds=600)
    shown, _, since = through(db, call, recent)
    assert shown == old != live(db, call)
    assert since == computed_at
    # past the window, or under a policy that allows none (the API, a report): computed again
    db.session.rollback()
    db.session.execute(update(FindingsSnapshot).values(computed_at=computed_at - dt.timedelta(seconds=601)))
    db.session.commit()
    for policy in (recent, EVERYTHING):
        got, _, since = through(db, call, policy)
        assert got == live(db, call) and since is None


def test_a_payload_that_fails_its_signature_is_computed_again(db, programme, loaded, caplog):
    _, counties = make_responses(db, seed=34)
    call = calls(counties[0].id)["yes/no"]
    expected, _, _ = through(db, call)
    db.session.rollback()
    payload = db.session.scalar(select(FindingsSnapshot.payload))
    tampered = payload[:40] + bytes([payload[40] ^ 1]) + payload[41:]
    db.session.execute(update(FindingsSnapshot).values(payload=tampered))
    db.session.commit()
    got, statements, _ = through(db, call)
    assert got == expected and statements
    assert "failed its signature" in caplog.text
    # a snapshot signed under another key is not believed either
    other = snapshots.Policy(secret=b"o" * 32, min_responses=0)
    got, statements, _ = through(db, call, other)
    assert got == expected and statements


def test_small_databases_are_computed_live(db, programme, loaded):
    _, counties = make_responses(db, seed=35)
    small = snapshots.Policy(secret=SECRET, min_responses=10**9)
    for name, call in calls(counties[0].id).items():
        got, _, _ = through(db, call, small)
        assert got == live(db, call), name
    assert stored(db) == 0


def test_the_worker_refreshes_what_people_read_and_prunes_the_rest(db, programme, loaded):
    _, counties = make_responses(db, seed=36)
    read = calls(counties[0].id)
    for call in read.values():
        through(db, call)
    assert snapshots.refresh(db.engine, SECRET) == 0  # nothing changed
    kept = stored(db)
    old_reads = dict(db.session.execute(select(FindingsSnapshot.key, FindingsSnapshot.read_at)).all())
    add_later(db, counties[0], code="C002", wave="pre")
    assert snapshots.refresh(db.engine, SECRET) == kept
    for name, call in read.items():
        got, statements, _ = through(db, call)
        assert got == live(db, call) and statements == [], name  # read from the refreshed snapshot
    db.session.rollback()
    # a refresh is not a read (the reads above were within the hour, so not marked again)
    assert dict(db.session.execute(select(FindingsSnapshot.key, FindingsSnapshot.read_at)).all()) == old_reads
    # not read for a month: deleted; a function that is gone: deleted
    db.session.rollback()
    first, second = sorted(old_reads)[:2]
    db.session.execute(update(FindingsSnapshot).where(FindingsSnapshot.key == first)
                       .values(read_at=old_reads[first] - dt.timedelta(days=31)))
    db.session.execute(update(FindingsSnapshot).where(FindingsSnapshot.key == second)
                       .values(name="survey_app.analysis.gone", version="0:0:0"))
    db.session.commit()
    snapshots.refresh(db.engine, SECRET)
    assert stored(db) == kept - 2


def test_keys_are_the_same_in_every_process():
    """Arguments become a key without set or hash order: a worker and the app servers (each with
    its own hash seed) find the same snapshot."""
    script = ("from survey_app.analysis.snapshots import key_of; from survey_app.analysis.queries import Place; "
              "print(key_of('f', ('awareness', {'b': 'yes', 'a': ('x', 1.5)}, Place(county_id=3)), {'sample': 50}))")
    keys = set()
    for seed in ("1", "2", "3"):
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,  # noqa: S603
                              env={**os.environ, "PYTHONHASHSEED": seed})
        keys.add(done.stdout.strip())
    assert len(keys) == 1
    assert snapshots.key_of("f", ({"a": 1, "b": 2},), {}) == snapshots.key_of("f", ({"b": 2, "a": 1},), {})
    assert snapshots.key_of("f", (Place(county_id=1),), {}) != snapshots.key_of("f", (Place(county_id=2),), {})
    with pytest.raises(TypeError):
        snapshots.key_of("f", (Response.id == 1,), {})  # a SQL expression is no snapshot's argument
