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
    # Reads (token, references) in a deferred transaction; SQLite's write lock is then held
    # only for the inserts (holding it from the start cost a quarter of the throughput).
    start = statements.index("BEGIN IMMEDIATE")
    assert statements[start - 1] == "COMMIT"
    inside = [s.split()[2] for s in statements[start + 1:statements.index("COMMIT", start)]]
    assert inside == ["responses", "answers", "index_scores"]
    assert not any(s.startswith(("INSERT", "UPDATE", "DELETE")) for s in statements[:start])


def test_reads_stay_deferred(client, token_for, count_queries):
    headers = {"Authorization": f"Bearer {token_for('admin')}"}
    with count_queries() as statements:
        assert client.get("/api/v1/questionnaires", headers=headers).status_code == 200
    assert [s for s in statements if s.startswith("BEGIN")] == ["BEGIN DEFERRED"]
