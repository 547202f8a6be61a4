"""`flask --app wsgi backup --out FILE` and `restore FILE --yes` (issue 16) on both engines: a
backup taken while the app serves holds everything acknowledged before it; a restore brings that
back exactly; a file of another engine or schema revision, or not a backup at all, is refused
with a message before anything is touched."""
from __future__ import annotations

import io
import json
import os
import tarfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, make_url, select, text

from survey_app.extensions import db as _db
from survey_app.models import AuditEvent, Response

from .api.payloads import awareness
from .conftest import analyzed_since, server_now


def _submit(app, code: str) -> str:
    payload = awareness(respondent_code=code)
    reply = app.test_client().post("/api/v1/submissions", json=payload, headers={"Authorization": f"Bearer {app.config['TEST_TOKEN']}"})
    assert reply.status_code == 201, reply.get_json()
    return payload["uuid"]


def _uuids(app) -> set[str]:
    with app.app_context():
        found = set(_db.session.scalars(select(Response.uuid)))
        _db.session.remove()
    return found


def _cli(app, *args: str):
    with app.app_context():  # as the `flask` command pushes one
        result = app.test_cli_runner().invoke(args=list(args))
        _db.session.remove()
    return result


def test_backup_while_serving_then_restore_brings_back_exactly_what_it_held(migrated, tmp_path):
    before = {_submit(migrated, f"PJ-B{i:03d}") for i in range(5)}
    out = tmp_path / "nightly.sanqu-backup"
    result = _cli(migrated, "backup", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "5 responses" in result.output
    with tarfile.open(out) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert names[0] == "manifest.json" and len(names) == 2
    assert manifest["format"] == "sanqu-survey-backup" and manifest["counts"]["responses"] == 5
    after = {_submit(migrated, f"PJ-A{i:03d}") for i in range(3)}
    assert _uuids(migrated) == before | after

    refused = _cli(migrated, "restore", str(out))
    assert refused.exit_code != 0 and "--yes" in refused.output
    assert _uuids(migrated) == before | after  # nothing touched without --yes

    url = migrated.config["SQLALCHEMY_DATABASE_URI"]
    began = server_now(url) if url.startswith("postgresql") else None
    result = _cli(migrated, "restore", str(out), "--yes")
    assert result.exit_code == 0, result.output
    assert _uuids(migrated) == before
    if began is not None:  # pg_restore leaves no planner statistics: the restore gathers them
        assert analyzed_since(url, "responses", began)
    with migrated.app_context():
        actions = list(_db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("backup.%")).order_by(AuditEvent.id)))
        assert actions == ["backup.create", "backup.restore"]  # the file held its own making
        assert _db.session.scalar(select(func.count()).select_from(Response)) == 5
        _db.session.remove()
    # the app serves on after the restore, and a resend of what the backup missed is stored once
    client = migrated.test_client()
    assert client.get("/readyz").status_code == 200
    payload = awareness(respondent_code="PJ-A000")
    headers = {"Authorization": f"Bearer {migrated.config['TEST_TOKEN']}"}
    assert client.post("/api/v1/submissions", json=payload, headers=headers).status_code == 201
    assert client.post("/api/v1/submissions", json=payload, headers=headers).status_code == 200


def _fake_backup(path: Path, **manifest: Any) -> Path:
    with tarfile.open(path, "w") as tar:
        data = json.dumps({"format": "sanqu-survey-backup", "format_version": 1, "created_at": "2026-12-01T00:00:00+00:00",
                           "counts": {}, **manifest}).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_a_file_that_does_not_fit_is_refused_before_anything_is_touched(migrated, tmp_path):
    from survey_app.health import code_heads

    kept = {_submit(migrated, "PJ-K001")}
    head = ",".join(sorted(code_heads()))
    cases = {
        _fake_backup(tmp_path / "pg.bak", engine="postgresql", revision=head): "a PostgreSQL backup; this installation's database is SQLite",
        _fake_backup(tmp_path / "old.bak", engine="sqlite", revision="0003"): f"made at schema revision 0003; this code is at {head}",
        _fake_backup(tmp_path / "new.bak", engine="sqlite", revision=head, format_version=2): "backup format 2",
    }
    plain = tmp_path / "notes.txt"
    plain.write_text("not a backup\n")
    cases[plain] = "not a Sanqu Survey backup"
    other = tmp_path / "other.tar"
    with tarfile.open(other, "w") as tar:
        tar.add(plain, arcname="manifest.json")
    cases[other] = "not a Sanqu Survey backup"
    for path, words in cases.items():
        result = _cli(migrated, "restore", str(path), "--yes")
        assert result.exit_code != 0 and words in result.output, (path.name, result.output)
        assert str(path) in result.output
    assert _uuids(migrated) == kept


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_a_sqlite_backup_holds_what_is_still_in_the_write_ahead_log(migrated, tmp_path):
    """Copying the file alone misses acknowledged rows still in the -wal (found by the drills);
    the online backup API does not."""
    db_file = Path(make_url(migrated.config["SQLALCHEMY_DATABASE_URI"]).database)
    with migrated.app_context():
        with _db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_autocheckpoint = 0")  # this connection never folds the log back
        _db.engine.dispose()
    sent = {_submit(migrated, f"PJ-W{i:03d}") for i in range(4)}
    assert os.path.getsize(f"{db_file}-wal") > 0
    out = tmp_path / "wal.bak"
    assert _cli(migrated, "backup", "--out", str(out)).exit_code == 0
    with tarfile.open(out) as tar:
        tar.extract("database.sqlite3", tmp_path / "x", filter="data")
    copy = create_engine(f"sqlite:///{tmp_path / 'x' / 'database.sqlite3'}")
    with copy.connect() as conn:
        assert set(conn.execute(text("SELECT uuid FROM responses")).scalars()) == sent
    copy.dispose()
