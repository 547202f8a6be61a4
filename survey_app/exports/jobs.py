"""Export jobs: an XLSX too large to write inside the request is written by the worker
(exports/background.py), its state and finished file kept in the database (models/exports.py),
so that every app server answers for every job.  No Flask here.

Unlike a report, an export is not shared: it is its reader's own, audited under their name when
it starts, and only they may download it.  A finished file is kept ``keep`` hours (the office
downloads it the same day; it holds personal data, so it is not kept longer), then deleted.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, delete, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine

from ..database import DBSession
from ..models import ExportJob, ExportPiece
from ..models.types import utcnow
from ..reports.queue import seen_state
from .service import Export

#: a running job's worker beats at least once a page of rows; silent this long, it is taken for dead
STALE_SECONDS = 120
#: queued this long, no worker picked it up (none is running, or its task was lost)
QUEUED_SECONDS = 3600
ACTIVE = ("queued", "running")

QUEUED_STEP = "排队等候"
WRITING_STEP = "正在写入：{done} / {total} 份"
SAVING_STEP = "正在保存文件"
DONE_STEP = "完成"
FAILED_MESSAGE = "导出时出错，错误已记入日志。请重新导出；如仍不成功，请联系省项目办。"
STALE_MESSAGE = "导出的进程已中断（服务可能重启过）。请重新导出。"
UNCLAIMED_MESSAGE = "导出排队过久，没有后台服务处理（后台服务可能未启动）。请重新导出或联系管理员。"

JOBS = cast(Table, ExportJob.__table__)
PIECES = cast(Table, ExportPiece.__table__)
_KEY = re.compile(r"^[0-9a-f]{32}$")


@dataclasses.dataclass(frozen=True)
class Job:
    """One job as its reader sees it: a running job whose worker went silent reads as failed."""

    key: str
    owner_id: int
    questionnaire: str
    format: str
    rows: int
    state: str  # queued | running | done | failed
    progress: float
    step: str
    error: str
    file_name: str
    ascii_name: str
    size: int
    created: dt.datetime

    @classmethod
    def of(cls, row: Any, now: dt.datetime | None = None) -> Job:
        state, error = seen_state(row, now or utcnow(), STALE_SECONDS, QUEUED_SECONDS, STALE_MESSAGE, UNCLAIMED_MESSAGE)
        return cls(key=row.key, owner_id=row.owner_id, questionnaire=row.questionnaire, format=row.format,
                   rows=row.rows, state=state, progress=row.progress, step=row.step, error=error,
                   file_name=row.file_name, ascii_name=row.ascii_name, size=row.size, created=row.created_at)


def start(connection: Connection, export: Export, fmt: str, owner_id: int, names: tuple[str, str]) -> str:
    """A new queued job for this export (the caller puts its task on the queue and commits, in the
    same transaction); its key."""
    key = secrets.token_hex(16)
    now = utcnow()
    selection = export.selection
    connection.execute(insert(JOBS).values(
        key=key, owner_id=owner_id, questionnaire=selection.questionnaire, county_id=selection.county_id,
        team_id=selection.team_id, up_to_id=selection.up_to_id, values=export.layout.values, format=fmt,
        rows=export.rows, state="queued", progress=0.0, step=QUEUED_STEP, error="", file_name=names[0],
        ascii_name=names[1], size=0, created_at=now, heartbeat_at=now))
    return key


def read(session: DBSession, key: str) -> Job | None:
    if not _KEY.match(key):
        return None
    row = session.execute(select(JOBS).where(JOBS.c.key == key)).first()
    return Job.of(row) if row is not None else None


def recent(session: DBSession, owner_id: int, limit: int = 5) -> list[Job]:
    c = JOBS.c
    now = utcnow()
    found = session.execute(select(JOBS).where(c.owner_id == owner_id).order_by(c.created_at.desc(), c.id.desc()).limit(limit))
    return [Job.of(row, now) for row in found]


# ---------------------------------------------------------------------------------------------
# The worker's changes: each only while the job is still the worker's (running), so that a job
# taken for dead and started again is not written over


def claim(connection: Connection, key: str) -> Any:
    """Mark a queued job running; its row, or None when it is not queued (already taken, or gone)."""
    c = JOBS.c
    changed = connection.execute(update(JOBS).where(c.key == key, c.state == "queued").values(
        state="running", step=WRITING_STEP.format(done=0, total="…"), heartbeat_at=utcnow())).rowcount
    if changed != 1:
        return None
    return connection.execute(select(JOBS).where(c.key == key)).one()


def beat(connection: Connection, key: str, progress: float, step: str) -> bool:
    """Progress and heartbeat of a running job; False once it is no longer running."""
    c = JOBS.c
    return connection.execute(update(JOBS).where(c.key == key, c.state == "running").values(
        progress=min(max(progress, 0.0), 1.0), step=step[:200], heartbeat_at=utcnow())).rowcount == 1


def finish(connection: Connection, key: str, path: Path, piece_bytes: int) -> bool:
    """Store the file in pieces and mark the job done, in the caller's transaction."""
    c = JOBS.c
    job_id = connection.execute(select(c.id).where(c.key == key, c.state == "running")).scalar()
    if job_id is None:
        return False
    connection.execute(delete(PIECES).where(PIECES.c.job_id == job_id))
    size = 0
    with path.open("rb") as f:
        seq = 0
        while data := f.read(piece_bytes):
            connection.execute(insert(PIECES).values(job_id=job_id, seq=seq, data=data))
            seq, size = seq + 1, size + len(data)
    now = utcnow()
    return connection.execute(update(JOBS).where(c.id == job_id, c.state == "running").values(
        state="done", progress=1.0, step=DONE_STEP, size=size, error="", finished_at=now, heartbeat_at=now)).rowcount == 1


def fail(connection: Connection, key: str, message: str) -> bool:
    c = JOBS.c
    now = utcnow()
    return connection.execute(update(JOBS).where(c.key == key, c.state.in_(ACTIVE)).values(
        state="failed", error=message[:500], finished_at=now, heartbeat_at=now)).rowcount == 1


# ---------------------------------------------------------------------------------------------
# The file


def pieces(engine: Engine, key: str) -> Iterator[bytes]:
    """A finished job's file, a piece at a time, each read in a short transaction of its own (a
    slow download holds no transaction open)."""
    c = JOBS.c
    with engine.connect() as connection:
        job_id = connection.execute(select(c.id).where(c.key == key, c.state == "done")).scalar()
    if job_id is None:
        return
    seq = 0
    while True:
        with engine.connect() as connection:
            data = connection.execute(select(PIECES.c.data).where(PIECES.c.job_id == job_id, PIECES.c.seq == seq)).scalar()
        if data is None:
            return
        yield bytes(data)
        seq += 1


def has_file(session: DBSession, key: str) -> bool:
    c = JOBS.c
    found = session.execute(select(PIECES.c.seq).join(JOBS, c.id == PIECES.c.job_id)
                            .where(c.key == key, c.state == "done", PIECES.c.seq == 0)).first()
    return found is not None


def prune(connection: Connection, keep: dt.timedelta, now: dt.datetime | None = None) -> int:
    """Delete the jobs, and their files, finished more than ``keep`` ago, and those that will never
    finish (taken for dead that long ago); the number deleted."""
    now = now or utcnow()
    c = JOBS.c
    old = now - keep
    ids = [row.id for row in connection.execute(select(c.id).where(or_(
        (c.state.in_(("done", "failed"))) & (c.finished_at < old),
        (c.state.in_(ACTIVE)) & (c.heartbeat_at < old - dt.timedelta(seconds=QUEUED_SECONDS)))))]
    if ids:
        # explicit: SQLite enforces ON DELETE CASCADE only with its foreign_keys pragma on
        connection.execute(delete(PIECES).where(PIECES.c.job_id.in_(ids)))
        connection.execute(delete(JOBS).where(c.id.in_(ids)))
    return len(ids)
