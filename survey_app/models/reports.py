"""Report jobs and the task queue's tables (issue 16).  A job's state, progress and finished file
(a PDF, a Word document, or the all-counties ZIP: issue 19) live in the database, so every app
server answers for every job, and a backup holds them.  The ``huey_*`` tables are Huey's SQL
storage (huey.contrib.sql_huey), created here by a migration rather than by Huey at start-up:
the app never changes its schema on its own, and Alembic knows every table it has to carry."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .types import UTCDateTime, utcnow

JOB_STATES = ("queued", "running", "done", "failed")


class ReportJob(Model):
    """One report file of the data as it was when asked for, named by its cache key (the same
    report of the same data in the same format is the same job)."""

    __tablename__ = "report_jobs"
    __table_args__ = (
        CheckConstraint("format IN ('pdf', 'docx', 'both')", name="format_known"),
        CheckConstraint("format <> 'both' OR request = 'all-counties'", name="both_in_a_zip"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    #: ``county:430626``, ``team:PJ01``, ``programme`` or ``all-counties`` (a ZIP of every county's)
    request: Mapped[str] = mapped_column(String(100), index=True)
    round_year: Mapped[int | None] = mapped_column(Integer)
    #: ``pdf`` or ``docx``; for ``all-counties`` what its ZIP holds (``both``: a PDF and a Word
    #: file a county)
    format: Mapped[str] = mapped_column(String(10), default="pdf", server_default="pdf")
    state: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(200))
    ascii_name: Mapped[str] = mapped_column(String(200))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    step: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str] = mapped_column(String(500), default="")
    #: one start's id: a worker whose run was superseded (restarted after it was taken for dead)
    #: must not write over its successor
    run: Mapped[str] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: the worker process at work on it (host:pid), for the operator
    worker: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: refreshed by the worker while it builds: a running job whose heartbeat stops counts as failed
    heartbeat_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ReportFile(Model):
    """A finished job's file, apart from the job so that listing jobs never reads the files."""

    __tablename__ = "report_files"
    job_id: Mapped[int] = mapped_column(ForeignKey("report_jobs.id", ondelete="CASCADE"), primary_key=True)
    #: the PDF, the .docx or the ZIP, as downloaded (named ``pdf`` before issue 19)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class WorkerBeat(Model):
    """A report worker process that is alive: it rewrites its row every few seconds."""

    __tablename__ = "worker_beats"
    #: host:pid
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    beat_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


# Huey's SqlStorage models (huey 3.5), table for table, under our prefix (survey_app/reports/queue.py
# renames Huey's peewee models to these).
huey_kv = Table(
    "huey_kv", Model.metadata,
    Column("queue", String(255), nullable=False), Column("key", String(255), nullable=False),
    Column("value", LargeBinary, nullable=False),
    PrimaryKeyConstraint("queue", "key"))
huey_schedule = Table(
    "huey_schedule", Model.metadata,
    Column("id", Integer, primary_key=True), Column("queue", String(255), nullable=False),
    Column("data", LargeBinary, nullable=False), Column("timestamp", BigInteger, nullable=False),
    Index("ix_huey_schedule_queue_timestamp", "queue", "timestamp"))
huey_task = Table(
    "huey_task", Model.metadata,
    Column("id", Integer, primary_key=True), Column("queue", String(255), nullable=False),
    Column("data", LargeBinary, nullable=False), Column("priority", Float, nullable=False),
    Index("ix_huey_task_priority_id", "priority", "id"))
huey_counter = Table(
    "huey_counter", Model.metadata,
    Column("queue", String(255), nullable=False), Column("key", String(255), nullable=False),
    Column("value", Integer, nullable=False),
    PrimaryKeyConstraint("queue", "key"))
