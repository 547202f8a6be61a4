"""The task queue: Huey on its SQL storage in the project's own database (SQLite or PostgreSQL),
read by the report worker (`flask --app wsgi worker`).  Three kinds of task: a report build and a
large export, each put on the queue by a start in the same transaction as its job (reports/jobs.py,
exports/jobs.py), and the daily purge of old free text.  Beside them the worker refreshes, every
minute, the findings snapshots whose data has changed (analysis/snapshots.py): in a thread of its
own, not a periodic task, which would write to the queue every minute whether or not there is
anything to refresh (on SQLite every write beside the app is a chance of a busy reader).
docs/ARCHITECTURE.md, "Report jobs on a queue", says why Huey and why here.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from typing import Any, cast

from flask import Flask
from huey import crontab
from huey.api import Huey
from huey.contrib.sql_huey import SqlStorage
from sqlalchemy import Table, delete, insert, select
from sqlalchemy.engine import Connection, make_url

from ..extensions import db
from ..models.reports import WorkerBeat, huey_task
from ..models.types import utcnow

QUEUE_NAME = "sanqu"
#: how often a worker says it is alive, and when /readyz stops believing it
BEAT_SECONDS = 15
BEAT_STALE_SECONDS = 60
#: how often the worker refreshes the findings snapshots whose data has changed
REFRESH_SECONDS = 60
#: the daily purge of free text, at 03:17 China time (UTC+8, no summer time): 19:17 UTC
PURGE_AT = {"hour": "19", "minute": "17"}

BEATS = cast(Table, WorkerBeat.__table__)
log = logging.getLogger(__name__)


class Storage(SqlStorage):
    """Huey's SQL storage on our tables (``huey_*``, made by migration 0013, never by Huey)."""

    def create_models(self) -> Any:
        models = super().create_models()
        for model in models:
            model._meta.set_table_name("huey_" + model._meta.table_name)
        return models


def peewee_database(url: str, config: dict[str, Any]) -> Any:
    """The app's database as peewee sees it (Huey's storage speaks peewee): a pool, so that a
    stopping worker can close the connections of all its threads at once."""
    from playhouse.pool import PooledSqliteDatabase
    from playhouse.postgres_ext import PooledPsycopg3Database

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        busy = int(config["DATABASE_BUSY_TIMEOUT"] * 1000)
        return PooledSqliteDatabase(parsed.database, max_connections=16, timeout=config["DATABASE_POOL_TIMEOUT"],
                                    pragmas={"journal_mode": "wal", "busy_timeout": busy, "foreign_keys": 1})
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"the report queue supports SQLite and PostgreSQL, not {parsed.get_backend_name()}")
    # libpq's parameters as in the URL: its query may name the host (a Unix socket's folder), sslmode...
    params: dict[str, Any] = {"user": parsed.username, "password": parsed.password, "host": parsed.host, "port": parsed.port,
                              "connect_timeout": config["DATABASE_CONNECT_TIMEOUT"]}
    params.update({k: v for k, v in parsed.query.items() if isinstance(v, str)})
    return PooledPsycopg3Database(parsed.database, max_connections=16, timeout=config["DATABASE_POOL_TIMEOUT"],
                                  **{k: v for k, v in params.items() if v is not None})


def queue_of(app: Flask) -> Huey:
    """This app's queue, made once (its database is connected only when a worker reads it)."""
    found = app.extensions.get("report_queue")
    if found is None:
        found = _make(app)
        app.extensions["report_queue"] = found
    return found


def _make(app: Flask) -> Huey:
    huey = Huey(QUEUE_NAME, results=False, storage_class=Storage, create_tables=False, utc=True,
                database=peewee_database(app.config["SQLALCHEMY_DATABASE_URI"], app.config))

    @huey.task(name="build_report")
    def build_report(key: str, run: str) -> None:
        from .runner import run_job

        if run_job(app, key, run) == "queued":  # another attempt, after a pause
            build_report.schedule(args=(key, run), delay=float(app.config["REPORT_RETRY_DELAY"]))

    @huey.task(name="build_export")
    def build_export(key: str) -> None:
        from ..exports.background import build

        build(app, key)

    @huey.periodic_task(crontab(**PURGE_AT), name="purge_free_text")
    def purge_free_text() -> None:
        with app.app_context():
            days = app.config.get("FREE_TEXT_RETENTION_DAYS")
            if days is None:
                return
            from ..submissions.retention import purge_and_record
            from .jobs import forget_made_before

            done, _ = purge_and_record(db.session, int(days), via="worker")
            if done.answers:
                forget_made_before(db.session.connection(), utcnow())  # they may quote what is gone
                db.session.commit()

    @huey.on_shutdown()
    def _close() -> None:
        huey.storage.close()

    app.extensions["report_build"] = build_report
    app.extensions["export_build"] = build_export
    app.extensions["report_purge"] = purge_free_text
    return huey


def seen_state(row: Any, now: dt.datetime, stale_seconds: float, queued_seconds: float,
               stale_message: str, unclaimed_message: str) -> tuple[str, str]:
    """A job's state and error as readers see them (reports and exports alike): running with a
    silent heartbeat, or queued and never claimed, reads as failed, with the message saying which."""
    if row.state == "running" and (now - row.heartbeat_at).total_seconds() > stale_seconds:
        return "failed", stale_message
    if row.state == "queued" and (now - row.created_at).total_seconds() > queued_seconds:
        return "failed", unclaimed_message
    return row.state, row.error


def enqueue_build(app: Flask, connection: Connection, key: str, run: str) -> None:
    """Put a build on the queue through the caller's connection, in its transaction: the job and
    its task are written together or not at all."""
    huey = queue_of(app)
    task = app.extensions["report_build"].s(key, run)
    connection.execute(insert(huey_task).values(queue=huey.name, data=huey.serialize_task(task), priority=0.0))


def enqueue_export(app: Flask, connection: Connection, key: str) -> None:
    """Put an export job's task on the queue, in the caller's transaction (as a report's)."""
    huey = queue_of(app)
    task = app.extensions["export_build"].s(key)
    connection.execute(insert(huey_task).values(queue=huey.name, data=huey.serialize_task(task), priority=0.0))


# ---------------------------------------------------------------------------------------------
# Workers


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Beat:
    """A thread that keeps this worker's row in ``worker_beats`` fresh, and deletes it on stop."""

    def __init__(self, app: Flask, name: str | None = None, every: float = BEAT_SECONDS) -> None:
        self.app, self.name, self.every = app, name or worker_name(), every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="worker-beat", daemon=True)

    def start(self) -> Beat:
        self.beat()
        self._thread.start()
        return self

    def beat(self) -> None:
        with self.app.app_context(), db.engine.begin() as connection:
            now = utcnow()
            connection.execute(delete(BEATS).where(BEATS.c.name == self.name))
            connection.execute(insert(BEATS).values(name=self.name, started_at=now, beat_at=now))

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.beat()
            except Exception:  # an outage: the next beat may work; /readyz tells the operator meanwhile
                log.warning("worker heartbeat failed", exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 5)
        with self.app.app_context(), db.engine.begin() as connection:
            connection.execute(delete(BEATS).where(BEATS.c.name == self.name))


class Every:
    """A thread that calls ``job`` every ``seconds`` (the first time after one period) until
    stopped; a failure is logged and the next period tries again."""

    def __init__(self, seconds: float, job: Any, name: str) -> None:
        self.seconds, self.job = seconds, job
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> Every:
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.seconds):
            try:
                self.job()
            except Exception:
                log.warning("%s failed", self._thread.name, exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.seconds)


def refresh_snapshots(app: Flask) -> int:
    """The findings snapshots people read, computed again once their data has changed."""
    from ..analysis import snapshots
    from ..snapshot_policies import policy

    with app.app_context():
        return snapshots.refresh(db.engine, policy(app.config).secret)


def workers_alive(connection: Connection, now: dt.datetime | None = None) -> int:
    now = now or utcnow()
    c = BEATS.c
    return len(connection.execute(select(c.name).where(c.beat_at >= now - dt.timedelta(seconds=BEAT_STALE_SECONDS))).all())


class Worker:
    """Huey's consumer and the heartbeat, started and stopped together; ``run`` blocks (the CLI),
    ``start``/``stop`` do not (tests, drills)."""

    def __init__(self, app: Flask, workers: int = 1, poll: float = 1.0) -> None:
        self.app = app
        self.huey = queue_of(app)
        self.consumer = self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                                  initial_delay=0.1, max_delay=poll, backoff=1.5, check_worker_health=True)
        self.beat = Beat(app)
        self.refresher = Every(float(app.config.get("SNAPSHOT_REFRESH_SECONDS", REFRESH_SECONDS)),
                               lambda: refresh_snapshots(app), "snapshot-refresh")

    def run(self) -> None:
        self.beat.start()
        self.refresher.start()
        try:
            self.consumer.run()  # until SIGTERM or SIGINT: a running build is finished first
        finally:
            self._close()

    def start(self) -> Worker:
        self.beat.start()
        self.refresher.start()
        # Not consumer.start(): that takes over the process's signals, which a test runner owns.
        self.consumer.scheduler.start()
        for _name, thread in self.consumer.worker_threads:
            thread.start()
        return self

    def stop(self) -> None:
        self.consumer.stop_flag.set()
        for _name, thread in self.consumer.worker_threads:
            thread.join(timeout=120)
        self.consumer.scheduler.join(timeout=30)
        self._close()

    def _close(self) -> None:
        try:
            self.refresher.stop()
            self.beat.stop()
        finally:
            self.huey.storage.database.close_all()
