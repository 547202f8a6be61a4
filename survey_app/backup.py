"""Backups and restores of the whole database (issue 16): one file, a tar holding a manifest and
the database itself (SQLite's online backup, or `pg_dump` in its custom format).  The manifest
says which engine and which schema revision the file holds, so a restore refuses a file that does
not fit this installation before it touches anything.  No Flask here.

The report jobs, their PDFs and the queue are tables like any other, so they are in the file.
What is not: the instance folder's secret key (kept apart, like any secret: docs/DEPLOYMENT.md)."""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine

FORMAT = "sanqu-survey-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
#: what the manifest counts, to show the operator what a file holds before restoring it
COUNTED = ("responses", "refusals", "users", "audit_events")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


@dataclass(frozen=True)
class Manifest:
    engine: str
    revision: str
    created_at: str
    counts: dict[str, int]

    def as_json(self) -> bytes:
        return json.dumps({"format": FORMAT, "format_version": FORMAT_VERSION, "engine": self.engine, "revision": self.revision,
                           "created_at": self.created_at, "counts": self.counts}, ensure_ascii=False, indent=1).encode("utf-8")


def engine_kind(engine: Engine) -> str:
    name = engine.dialect.name
    if name not in MEMBERS:
        raise BackupError(f"backups are made for SQLite and PostgreSQL, not {name}")
    return name


def _revision_and_counts(conn: Any) -> tuple[str, dict[str, int]]:
    try:
        revisions = sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except Exception as exc:  # a database never migrated has no such table
        raise BackupError("the database has no schema revision: run `flask --app wsgi db upgrade` first") from exc
    counts = {table: int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()) for table in COUNTED}
    return ",".join(revisions), counts


def libpq_url(engine: Engine) -> str:
    """The engine's URL as libpq (pg_dump, pg_restore) reads it."""
    return make_url(engine.url).set(drivername="postgresql").render_as_string(hide_password=False)


def make_backup(engine: Engine, out: Path, now: dt.datetime) -> Manifest:
    """Write a backup of the live database to ``out`` (atomically: a half-written file is never
    left under that name).  Safe while the app serves: SQLite's backup API and pg_dump both read
    one consistent snapshot, so everything acknowledged before it started is in."""
    kind = engine_kind(engine)
    with tempfile.TemporaryDirectory(prefix="sanqu-backup-") as tmp:
        dump = Path(tmp) / MEMBERS[kind]
        if kind == "sqlite":
            _sqlite_copy(Path(engine.url.database or ""), dump)
            copy = create_engine(f"sqlite:///{dump}")
            try:
                with copy.connect() as conn:
                    revision, counts = _revision_and_counts(conn)
            finally:
                copy.dispose()
        else:
            with engine.connect() as conn:
                revision, counts = _revision_and_counts(conn)
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}", libpq_url(engine)])
        manifest = Manifest(kind, revision, now.isoformat(timespec="seconds"), counts)
        partial = out.with_name(f".{out.name}.partial")
        with tarfile.open(partial, "w") as tar:
            info = tarfile.TarInfo(MANIFEST)
            data = manifest.as_json()
            info.size, info.mtime = len(data), int(now.timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname=MEMBERS[kind])
        os.replace(partial, out)
    return manifest


def read_manifest(path: Path) -> Manifest:
    try:
        with tarfile.open(path, "r") as tar:
            member = tar.extractfile(MANIFEST)
            raw = json.loads(member.read().decode("utf-8")) if member else None
    except (tarfile.TarError, KeyError, OSError, ValueError) as exc:
        raise BackupError(f"{path}: not a Sanqu Survey backup ({exc.__class__.__name__})") from exc
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise BackupError(f"{path}: not a Sanqu Survey backup (no manifest of ours)")
    if raw.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"{path}: backup format {raw.get('format_version')}, this code reads {FORMAT_VERSION}")
    return Manifest(str(raw.get("engine")), str(raw.get("revision")), str(raw.get("created_at")), dict(raw.get("counts") or {}))


def check_fits(manifest: Manifest, path: Path, engine: Engine, code_revision: str) -> None:
    """Refuse, before anything is touched, a file of another engine or schema revision."""
    kind = engine_kind(engine)
    if manifest.engine != kind:
        raise BackupError(f"{path}: a {_engine_name(manifest.engine)} backup; this installation's database is "
                          f"{_engine_name(kind)} (DATABASE_URL)")
    if manifest.revision != code_revision:
        raise BackupError(f"{path}: made at schema revision {manifest.revision}; this code is at {code_revision}. "
                          f"Restore it with the code of that time, then run `flask --app wsgi db upgrade`.")


def restore_backup(engine: Engine, path: Path) -> None:
    """Replace the whole database with the backup's.  The caller has checked the manifest and
    the operator's consent; the app servers should be stopped (docs/DEPLOYMENT.md)."""
    kind = engine_kind(engine)
    with tempfile.TemporaryDirectory(prefix="sanqu-restore-") as tmp, tarfile.open(path, "r") as tar:
        member = tar.getmember(MEMBERS[kind])
        if not member.isfile():
            raise BackupError(f"{path}: {MEMBERS[kind]} is not a file")
        dump = Path(tmp) / MEMBERS[kind]
        source = tar.extractfile(member)
        assert source is not None
        with dump.open("wb") as out:
            shutil.copyfileobj(source, out)
        engine.dispose()
        if kind == "sqlite":
            _sqlite_copy(dump, Path(engine.url.database or ""))
        else:
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                  "--exit-on-error", f"--dbname={libpq_url(engine)}", str(dump)])
        engine.dispose()
        analyze(engine)  # pg_restore leaves the planner without statistics until autovacuum comes


def analyze(engine: Engine) -> None:
    """Fresh planner statistics after a bulk load (a restore, demo data) on PostgreSQL: without
    them it plans the dashboards' joins for empty tables, and a page that takes a second takes
    ten until autovacuum's next pass.  SQLite plans from its indexes and needs nothing."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup from one file to another: a consistent copy, the WAL included, and
    into a live database atomically (its other connections see the old or the new, whole)."""
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _run(command: list[str]) -> None:
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt install postgresql-client)")
    # the tool's full path and arguments we build: no shell, nothing from a user
    done = subprocess.run([tool, *command[1:]], capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-800:]}")


def _engine_name(kind: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(kind, kind)
