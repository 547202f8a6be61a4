"""Report jobs: a report (a PDF, a Word document, or every county's in a ZIP) is built by a report
worker (reports/queue.py), its state and the finished file kept in the database
(models/reports.py), so that every app server answers for every job.

A job is named by its cache key (reports/versions.py): the same report of unchanged data is found
instead of built again, and a second start while it is queued or running joins it.  A start is
one write transaction that also puts the task on the queue, so a job is never queued without a
task.  Every change of a running job names its run: a worker that was taken for dead and wakes
up cannot write over the run that replaced it.  docs/ARCHITECTURE.md, "Report jobs on a queue".
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import time
import uuid
from collections.abc import Callable
from typing import Any, cast

from flask import Flask, current_app
from sqlalchemy import Table, delete, insert, or_, select, update
from sqlalchemy.engine import Connection

from .. import rounds
from ..auth.places import OutsidePlace, PlaceError, UnknownPlace
from ..database import DBSession
from ..extensions import db
from ..models import County, ReportFile, ReportJob, Team
from ..models.types import utcnow
from . import formats
from .queue import seen_state
from .request import ALL_COUNTIES, ReportRequest
from .versions import cache_key, data_version, targets_file

#: finished files kept per report (scope, round and format); older ones are deleted
KEEP = 3
#: how often the worker rewrites a running job's heartbeat, and when a silent one counts as dead
HEARTBEAT_SECONDS = 10
STALE_SECONDS = 120
#: a job queued this long was never picked up (no worker ran, or its task was lost): it may be
#: started again
QUEUED_SECONDS = 3600
ACTIVE = ("queued", "running")

FAILED_MESSAGE = "生成报告时出错，错误已记入日志。请稍后重试；如仍不成功，请联系省项目办。"
TIMEOUT_MESSAGE = "生成报告超过了时间上限，已停止。请稍后重试；如仍不成功，请联系省项目办。"
STALE_MESSAGE = "生成报告的进程已中断（服务可能重启过）。请重新生成。"
UNCLAIMED_MESSAGE = "报告排队过久，没有报告服务处理（报告服务可能未启动）。请重新生成或联系管理员。"
#: a job failed because its place was refused: outside the reader's reach, or gone
OUTSIDE_MESSAGE = "无权查看此范围的报告。"
UNKNOWN_MESSAGE = "找不到这个县、工作队或年度（数据可能已更改）。请重新选择。"
QUEUED_STEP = "排队等候"
DONE_STEP = "完成"
#: the all-counties ZIP: its name, and what its file name says it holds
ALL_COUNTIES_NAME = "各县"
ZIP_HOLDS = {"both": "PDF和Word", "pdf": "PDF", "docx": "Word"}
RETRY_STEP = "上次生成未成功，稍后自动重试"

JOBS = cast(Table, ReportJob.__table__)
FILES = cast(Table, ReportFile.__table__)
_KEY = re.compile(r"^[0-9a-f]{64}$")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')

Progress = Callable[[float, str], None]


@dataclasses.dataclass
class Job:
    """One job as readers see it: a running job whose worker stopped reads as failed."""

    key: str
    request: str
    round_year: int | None
    format: str
    state: str  # queued | running | done | failed
    title: str
    file_name: str
    ascii_name: str
    progress: float
    step: str
    error: str
    run: str
    attempts: int
    size: int
    created: dt.datetime

    @property
    def report_request(self) -> ReportRequest:
        return ReportRequest.parse(self.request, self.round_year, self.format)

    @property
    def file_type(self) -> formats.FileType:
        return formats.file_type(self.request.partition(":")[0], self.format)

    @classmethod
    def of(cls, row: ReportJob, now: dt.datetime | None = None) -> Job:
        state, error = seen_state(row, now or utcnow(), STALE_SECONDS, QUEUED_SECONDS, STALE_MESSAGE, UNCLAIMED_MESSAGE)
        return cls(key=row.key, request=row.request, round_year=row.round_year, format=row.format, state=state, title=row.title,
                   file_name=row.file_name, ascii_name=row.ascii_name, progress=row.progress, step=row.step,
                   error=error, run=row.run, attempts=row.attempts, size=row.size, created=row.created_at)


def restartable(now: dt.datetime) -> Any:
    """The jobs a new start may replace: failed, or taken for failed (see :meth:`Job.of`)."""
    c = JOBS.c
    return or_(c.state == "failed",
               (c.state == "running") & (c.heartbeat_at < now - dt.timedelta(seconds=STALE_SECONDS)),
               (c.state == "queued") & (c.created_at < now - dt.timedelta(seconds=QUEUED_SECONDS)))


# ---------------------------------------------------------------------------------------------
# Names


def safe_name(name: str) -> str:
    """A place's name as part of a file name (no characters Windows refuses in one)."""
    return _UNSAFE.sub("", name)


def describe(session: DBSession, request: ReportRequest) -> tuple[str, str, str]:
    """The job's title, its file name, named for the period it covers (平江县-评估报告-2025年度.pdf,
    平江县-评估报告-全部年度.docx, 各县-评估报告-2025年度.zip), and an ASCII name for old browsers."""
    if request.kind == ALL_COUNTIES:
        name = ALL_COUNTIES_NAME
    elif request.kind == "county":
        name = session.scalar(select(County.name).where(County.code == request.code)) or str(request.code)
    elif request.kind == "team":
        row = session.execute(select(County.name, Team.name).join(Team.county).where(Team.code == request.code)).first()
        # a team is named after its county (平江县三区社工服务队): no need to say the county twice
        name = (row[1] if row[1].startswith(row[0]) else f"{row[0]}-{row[1]}") if row else str(request.code)
    else:
        name = "三区计划全省"
    period, _dates = rounds.period(session, request.round_year)
    covers = f"{request.round_year}年度" if request.round_year is not None else "全部年度"
    title = f"{name.replace('-', ' · ')} · {period}"
    extension = request.file_type.extension
    holds = f"-{ZIP_HOLDS[request.format]}" if request.kind == ALL_COUNTIES else ""
    file_name = f"{safe_name(name)}-评估报告-{covers}{holds}.{extension}"
    year = str(request.round_year) if request.round_year is not None else "all-rounds"
    parts = ["sanqu-report", request.kind, _UNSAFE.sub("", request.code or ""), year]
    if request.kind == ALL_COUNTIES:
        parts.append(request.format)
    ascii_name = "-".join(filter(None, parts)) + f".{extension}"
    return title, file_name, ascii_name.encode("ascii", "ignore").decode()


# ---------------------------------------------------------------------------------------------
# Reading


def read(session: DBSession, key: str) -> Job | None:
    if not _KEY.match(key):
        return None
    row = session.scalar(select(ReportJob).where(ReportJob.key == key))
    return Job.of(row) if row is not None else None


def recent(session: DBSession, requests: set[str] | None, limit: int = 10, *, zips: bool = False) -> list[Job]:
    """The newest jobs of these reports (all when ``requests`` is None): single reports, or with
    ``zips`` the all-counties ZIPs (listed apart: a ZIP's county reports are newer than it)."""
    query = select(ReportJob).order_by(ReportJob.created_at.desc(), ReportJob.id.desc()).limit(limit)
    query = query.where((ReportJob.request == ALL_COUNTIES) if zips else (ReportJob.request != ALL_COUNTIES))
    if requests is not None:
        query = query.where(ReportJob.request.in_(sorted(requests)))
    now = utcnow()
    return [Job.of(row, now) for row in session.scalars(query)]


def file_of(session: DBSession, key: str) -> bytes | None:
    """A finished job's file (None when it is not done, or was deleted as an old copy)."""
    if not _KEY.match(key):
        return None
    return session.scalar(select(ReportFile.data).join(ReportJob, ReportJob.id == ReportFile.job_id)
                          .where(ReportJob.key == key, ReportJob.state == "done"))


def stored(connection: Connection, key: str) -> bytes | None:
    """The file of the finished job of this key, read through ``connection`` (the all-counties
    builder reuses each county's stored report this way)."""
    c = JOBS.c
    return connection.execute(select(FILES.c.data).join(JOBS, c.id == FILES.c.job_id)
                              .where(c.key == key, c.state == "done")).scalar()


def wait(session: DBSession, key: str, poll: float = 0.3) -> Job | None:
    """Block until the job is finished (done or failed); for the CLI and tests."""
    while True:
        session.rollback()  # a fresh snapshot each time
        job = read(session, key)
        if job is None or job.state not in ACTIVE:
            return job
        time.sleep(poll)


# ---------------------------------------------------------------------------------------------
# Starting


def start(request: ReportRequest) -> Job:
    """The job for this report of the data as it is now: a finished one at once, the one already
    queued or running, or a new one, queued with its task in the same transaction.  The caller
    has checked the reader's scope (a report shows the same whoever asked for it)."""
    from .queue import enqueue_build

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    session = db.session
    key = cache_key(request, data_version(session.connection(), targets_file(app)))
    title, file_name, ascii_name = describe(session, request)
    # The reads end before the write begins: on SQLite a transaction that read cannot become a
    # writer once another connection has written (docs/ARCHITECTURE.md, "SQLite and mixed connections").
    session.commit()
    now, run = utcnow(), uuid.uuid4().hex
    fresh = {"state": "queued", "progress": 0.0, "step": QUEUED_STEP, "error": "", "run": run, "attempts": 0,
             "worker": "", "size": 0, "created_at": now, "heartbeat_at": now, "finished_at": None}
    connection = session.connection()
    made = _insert_new(connection, dict(fresh, key=key, request=request.text, round_year=request.round_year,
                                        format=request.format, title=title, file_name=file_name, ascii_name=ascii_name))
    if not made:
        c = JOBS.c
        made = connection.execute(update(JOBS).where(c.key == key, restartable(now)).values(
            title=title, file_name=file_name, ascii_name=ascii_name, **fresh)).rowcount == 1
        if made:
            connection.execute(delete(FILES).where(
                FILES.c.job_id == select(c.id).where(c.key == key).scalar_subquery()))
    if made:
        enqueue_build(app, connection, key, run)
    session.commit()
    job = read(session, key)
    assert job is not None
    return job


def _insert_new(connection: Connection, values: dict[str, Any]) -> bool:
    """Insert the job unless one of that key exists (another start may be at it right now)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect: Any = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(JOBS).values(**values).on_conflict_do_nothing(index_elements=["key"]).returning(JOBS.c.id)
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT sent as insertmanyvalues
    return connection.execute(statement).first() is not None


# ---------------------------------------------------------------------------------------------
# A worker's changes: each names the run, and changes nothing once another run replaced it


def _this_run(key: str, run: str, *states: str) -> Any:
    c = JOBS.c
    return update(JOBS).where(c.key == key, c.run == run, c.state.in_(states or ACTIVE))


def select_state(key: str, run: str) -> Any:
    """The state of this run of the job (no row once another run replaced it)."""
    c = JOBS.c
    return select(c.state).where(c.key == key, c.run == run)


def claim(connection: Connection, key: str, run: str, worker: str) -> ReportJob | None:
    """Mark a queued job running for this worker; None when it is not this run's to build (done,
    restarted, or claimed by another worker)."""
    c = JOBS.c
    changed = connection.execute(_this_run(key, run, "queued").values(
        state="running", attempts=c.attempts + 1, worker=worker[:100], step="开始生成", progress=0.0,
        heartbeat_at=utcnow())).rowcount
    if changed != 1:
        return None
    return connection.execute(select(JOBS).where(c.key == key)).one()  # type: ignore[return-value]


def beat(connection: Connection, key: str, run: str, progress: float | None = None, step: str | None = None) -> bool:
    """Refresh a running job's heartbeat (and its progress); False once the run was replaced."""
    values: dict[str, Any] = {"heartbeat_at": utcnow()}
    if progress is not None:
        values["progress"] = min(max(float(progress), 0.0), 1.0)
    if step is not None:
        values["step"] = str(step)[:200]
    return connection.execute(_this_run(key, run, "running").values(**values)).rowcount == 1


def finish(connection: Connection, key: str, run: str, data: bytes) -> bool:
    """Store the file and mark the job done, in one transaction (the caller commits)."""
    c = JOBS.c
    job_id = connection.execute(select(c.id).where(c.key == key, c.run == run, c.state == "running")).scalar()
    if job_id is None:
        return False
    connection.execute(delete(FILES).where(FILES.c.job_id == job_id))
    connection.execute(insert(FILES).values(job_id=job_id, data=data))
    return connection.execute(_this_run(key, run, "running").values(
        state="done", progress=1.0, step=DONE_STEP, size=len(data), error="", finished_at=utcnow(),
        heartbeat_at=utcnow())).rowcount == 1


def keep_made(connection: Connection, request: ReportRequest, key: str, names: tuple[str, str, str], data: bytes) -> bool:
    """Keep a report made outside its own job (a county's, made for the all-counties ZIP) as a
    finished job of its key, so that the next request of that report is handed it; False when a
    job of that key is already at work or done (its own run stands).  ``names``: ``describe``'s."""
    now = utcnow()
    title, file_name, ascii_name = names
    values = {"state": "done", "progress": 1.0, "step": DONE_STEP, "error": "", "run": uuid.uuid4().hex, "attempts": 1,
              "worker": "", "size": len(data), "created_at": now, "heartbeat_at": now, "finished_at": now,
              "title": title, "file_name": file_name, "ascii_name": ascii_name}
    made = _insert_new(connection, dict(values, key=key, request=request.text, round_year=request.round_year,
                                        format=request.format))
    if not made:  # a failed (or given-up) job of that key: this file replaces it
        c = JOBS.c
        made = connection.execute(update(JOBS).where(c.key == key, restartable(now)).values(**values)).rowcount == 1
    if made:
        job_id = connection.execute(select(JOBS.c.id).where(JOBS.c.key == key)).scalar_one()
        connection.execute(delete(FILES).where(FILES.c.job_id == job_id))
        connection.execute(insert(FILES).values(job_id=job_id, data=data))
        prune(connection, request.text, request.round_year, request.format)
    return made


def place_message(error: PlaceError) -> str:
    """What the job page says of a build refused for its place."""
    if isinstance(error, OutsidePlace):
        return OUTSIDE_MESSAGE
    if isinstance(error, UnknownPlace):
        return UNKNOWN_MESSAGE
    return FAILED_MESSAGE


def fail(connection: Connection, key: str, run: str, message: str) -> bool:
    return connection.execute(_this_run(key, run).values(
        state="failed", error=message[:500], finished_at=utcnow(), heartbeat_at=utcnow())).rowcount == 1


def requeue(connection: Connection, key: str, run: str) -> bool:
    """Back in the queue for another attempt (the task is retried by the queue)."""
    return connection.execute(_this_run(key, run, "running").values(
        state="queued", step=RETRY_STEP, progress=0.0, created_at=utcnow(), heartbeat_at=utcnow())).rowcount == 1


def prune(connection: Connection, request: str, round_year: int | None, fmt: str, keep: int = KEEP) -> list[str]:
    """Delete all but the newest ``keep`` finished jobs of one report in one format, with their
    files; jobs still at work stay."""
    c = JOBS.c
    same = (c.request == request) & (c.round_year.is_(None) if round_year is None else c.round_year == round_year) & (
        c.format == fmt)
    finished = connection.execute(select(c.id, c.key).where(same, c.state.in_(("done", "failed")))
                                  .order_by(c.created_at.desc(), c.id.desc())).all()
    gone = finished[keep:]
    if gone:
        ids = [row.id for row in gone]
        connection.execute(delete(FILES).where(FILES.c.job_id.in_(ids)))
        connection.execute(delete(JOBS).where(c.id.in_(ids)))
    return [row.key for row in gone]


def forget_made_before(connection: Connection, moment: dt.datetime) -> int:
    """Delete the finished reports made before ``moment``, with their files; the number deleted.
    After free text is purged (``submissions.retention``) a stored report may still quote a comment
    that is gone, and the data version does not read comments: without this, the next request
    of the same report would be handed that PDF again.  Jobs at work stay (made from now on)."""
    c = JOBS.c
    ids = [row.id for row in connection.execute(
        select(c.id).where(c.state.in_(("done", "failed")), c.created_at < moment))]
    if ids:
        connection.execute(delete(FILES).where(FILES.c.job_id.in_(ids)))
        connection.execute(delete(JOBS).where(c.id.in_(ids)))
    return len(ids)
