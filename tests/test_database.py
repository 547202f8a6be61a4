"""Engine settings that the concurrency guarantees rest on."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

sqlite_only = pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)


@sqlite_only
def test_sqlite_runs_in_wal_with_a_busy_timeout_and_foreign_keys(db):
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


@sqlite_only
def test_submissions_take_the_write_lock_only_for_the_inserts(client, token_for, sqlite_trace):
    from tests.api.payloads import awareness

    headers = {"Authorization": f"Bearer {token_for('admin')}"}
    assert client.post("/api/v1/submissions", json=awareness(), headers=headers).status_code == 201  # caches the version
    with sqlite_trace() as statements:
        assert client.post("/api/v1/submissions", json=awareness(), headers=headers).status_code == 201
    # Reads (token, references) outside any transaction; SQLite's write lock is then held only
    # for the inserts (holding it from the start cost a quarter of the throughput).
    start = statements.index("BEGIN IMMEDIATE")
    reads = statements[:start]
    assert [s.split()[0] for s in reads] == ["SELECT", "SELECT"]  # token, then references
    end = statements.index("COMMIT", start)
    writes = statements[start + 1:end]
    inserts = [s for s in writes if s.startswith("INSERT")]
    tables = [s.split()[2] for s in inserts]
    answers, counters = tables.count("answers"), tables.count("answer_counts")
    assert tables == (["responses"] + ["answers"] * answers + ["index_scores"] + ["answer_counts"] * counters
                      + ["score_sums"] * 2 + ["respondent_latest"])
    assert counters == 12  # one counter a scale item: each answered 4; sums: the awareness index and the response
    # and a baseline looks for follow-ups of its respondent that arrived before it, to move them
    # into its round (none here: no UPDATE)
    assert [s.split()[:4] for s in writes if not s.startswith("INSERT")] == [["SELECT", "responses.id", "FROM", "responses"]]
    assert statements[end + 1:] == []


@sqlite_only
def test_reads_stay_deferred(client, token_for, count_queries):
    headers = {"Authorization": f"Bearer {token_for('admin')}"}
    with count_queries() as statements:
        assert client.get("/api/v1/questionnaires", headers=headers).status_code == 200
    assert [s for s in statements if s.startswith("BEGIN")] == ["BEGIN DEFERRED"]


@pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)
def test_a_connection_the_server_dropped_goes_out_of_the_pool(db):
    from survey_app.database import DriverConnection, Prepared

    backend = Prepared(select(func.pg_backend_pid()))
    db.engine.dispose()  # one pooled connection from here on
    with DriverConnection(db.engine) as conn:
        (pid,) = conn.first(backend, {})
    outside = create_engine(db.engine.url, poolclass=NullPool)  # not from the pool under test
    with outside.connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        other.commit()
    outside.dispose()
    with pytest.raises(db.engine.dialect.loaded_dbapi.OperationalError), DriverConnection(db.engine) as conn:
        conn.first(backend, {})  # the pool did not know; the failure tells it
    with DriverConnection(db.engine) as conn:
        (fresh,) = conn.first(backend, {})
    assert fresh != pid
