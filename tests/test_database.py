"""Engine settings that the concurrency guarantees rest on."""
from __future__ import annotations

import pytest
from sqlalchemy import text

pytestmark = pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)


def test_sqlite_runs_in_wal_with_a_busy_timeout_and_foreign_keys(db):
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_submissions_take_the_write_lock_first(client, token_for, count_queries):
    from tests.api.payloads import awareness

    headers = {"Authorization": f"Bearer {token_for('admin')}"}
    with count_queries() as statements:
        assert client.post("/api/v1/submissions", json=awareness(), headers=headers).status_code == 201
    # One transaction, a writing one from its start: no read transaction to upgrade.
    assert statements[0] == "BEGIN IMMEDIATE"
    assert statements.count("COMMIT") == 1 and statements[-1] == "COMMIT"
    assert [s.split()[2] for s in statements if s.startswith("INSERT")] == ["responses", "answers", "index_scores"]


def test_reads_stay_deferred(client, token_for, count_queries):
    headers = {"Authorization": f"Bearer {token_for('admin')}"}
    with count_queries() as statements:
        assert client.get("/api/v1/questionnaires", headers=headers).status_code == 200
    assert [s for s in statements if s.startswith("BEGIN")] == ["BEGIN DEFERRED"]
