"""Report jobs: a PDF is built outside the request thread, one at a time, and kept on disk.

A job's state is a small JSON file beside its PDF under ``REPORTS_DIR`` (default
``instance/reports``), both written atomically: gunicorn runs several worker processes, and the
worker that answers the next poll is often not the one that started the job.  The job is named
by its cache key, so the same report of unchanged data is found instead of built again, and a
second start while it is queued or running joins it.  The worker that owns a job refreshes a
heartbeat in its file; a job whose owner died (or stopped beating) counts as failed and can be
started again.  docs/ARCHITECTURE.md, "PDF reports: jobs", says why it is built this way.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import json
import os
import re
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import BigInteger, String, case, cast, func, literal_column, select, true
from sqlalchemy.engine import Connection

from .. import rounds
from ..analysis.figures import PlaceError
from ..auth.scope import Scope
from ..config import ROOT
from ..database import DBSession
from ..extensions import db
from ..models import County, Questionnaire, QuestionnaireVersion, Refusal, Response, Round, Site, Team
from ..questionnaires.check import TARGETS_FILE
from .request import ReportRequest

#: bump when the report's template, wording or layout changes: every stored PDF is then stale
REPORT_FORMAT = "2"
#: finished PDFs kept per report (scope and round); older ones are deleted
KEEP = 3
#: how often the owning worker rewrites its jobs' heartbeat, and when a silent job counts as dead
HEARTBEAT_SECONDS = 15
STALE_SECONDS = 120
ACTIVE = ("queued", "running")

FAILED_MESSAGE = "生成报告时出错，错误已记入日志。请稍后重试；如仍不成功，请联系省项目办。"
STALE_MESSAGE = "生成报告的进程已中断（服务可能重启过）。请重新生成。"
PLACE_MESSAGES = {403: "无权查看此范围的报告。", 422: "找不到这个县、工作队或年度（数据可能已更改）。请重新选择。"}

_HERE = Path(__file__).resolve().parent
_KEY = re.compile(r"^[0-9a-f]{64}$")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
CHINA = dt.timezone(dt.timedelta(hours=8))

Progress = Callable[[float, str], None]


@dataclasses.dataclass
class Job:
    """One job as its JSON file holds it."""

    key: str
    request: str
    round_year: int | None
    state: str  # queued | running | done | failed
    title: str
    file_name: str
    ascii_name: str
    progress: float = 0.0
    step: str = ""
    error: str = ""
    created: float = 0.0
    heartbeat: float = 0.0
    pid: int = 0
    host: str = ""
    #: one attempt's id: a worker that was taken for dead and wakes up must not write over its successor
    run: str = ""
    size: int = 0

    @property
    def report_request(self) -> ReportRequest:
        return ReportRequest.parse(self.request, self.round_year)


# ---------------------------------------------------------------------------------------------
# What a report shows, as one version string


def data_version(connection: Connection, targets: Path | None = None) -> str:
    """A fingerprint of everything a report shows, from one query (one pass over each table):
    responses added (count, largest id) or excluded and re-included (a checksum of the excluded
    ids, so that one flip out and another in still changes it), refusals, questionnaire versions
    loaded and which are current, the names of places and rounds, and the targets file."""
    def big(x: Any) -> Any:
        return cast(x, BigInteger)

    def checksum(ids: Any) -> Any:  # a sum of scrambled ids: sets with equal sums collide only by chance
        return func.sum(big(ids) * literal_column("2654435761") % literal_column("4294967291"))

    def flag(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    def rounded(table: Any) -> Any:  # which round each row is in: changes when rounds' dates do (rounds.assign_all)
        return checksum(table.id * (func.coalesce(table.round_id, 0) + 1))

    def day_sum(column: Any) -> Any:  # dates as numbers (20250301), the same on both engines
        return func.sum(big(func.replace(cast(column, String), "-", "")))

    def length(*columns: Any) -> Any:
        return func.sum(sum((func.length(c) for c in columns[1:]), func.length(columns[0])))

    R, F, V, Q = Response.__table__.c, Refusal.__table__.c, QuestionnaireVersion.__table__.c, Questionnaire.__table__.c
    C, T, S, N = County.__table__.c, Team.__table__.c, Site.__table__.c, Round.__table__.c
    current = Questionnaire.__table__.join(
        QuestionnaireVersion.__table__, (V.questionnaire_id == Q.id) & (V.version == Q.current_version))
    parts = [
        select(func.count(), func.max(R.id), flag(R.excluded.is_(True)),
               checksum(case((R.excluded.is_(True), R.id), else_=None)), rounded(R)).select_from(Response.__table__),
        select(func.count(), func.max(F.id), rounded(F)).select_from(Refusal.__table__),
        select(func.count(), func.max(V.id)).select_from(QuestionnaireVersion.__table__),
        select(checksum(V.id)).select_from(current),
        select(func.count(), func.max(C.id), length(C.name), flag(C.active.is_(True))).select_from(County.__table__),
        select(func.count(), func.max(T.id), length(T.name, T.host_organisation), flag(T.active.is_(True))).select_from(Team.__table__),
        select(func.count(), func.max(S.id), length(S.name, S.township), flag(S.active.is_(True))).select_from(Site.__table__),
        select(func.count(), func.max(N.id), length(N.name), day_sum(N.starts_on), day_sum(N.ends_on)).select_from(Round.__table__),
    ]
    subqueries = [p.subquery(f"v{i}") for i, p in enumerate(parts)]
    joined: Any = subqueries[0]
    for sub in subqueries[1:]:
        joined = joined.join(sub, true())  # an explicit join: each part is one row
    row = connection.execute(select(*(c for sub in subqueries for c in sub.c)).select_from(joined)).one()
    text = "|".join("" if v is None else str(int(v)) for v in row)
    if targets is not None and targets.is_file():
        text += "|targets:" + hashlib.sha256(targets.read_bytes()).hexdigest()
    return hashlib.sha256(text.encode()).hexdigest()


def cache_key(request: ReportRequest, version: str) -> str:
    """The job's name: the same report of the same data in the same format has the same key."""
    parts = [request.text, request.round_year, version, REPORT_FORMAT, _format_files()]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


@functools.cache
def _format_files() -> str:
    """A hash of the report's code, templates and stylesheet as deployed: a new version of them
    makes new PDFs even if nobody bumped REPORT_FORMAT (changes elsewhere still need the bump)."""
    digest = hashlib.sha256()
    files = [*_HERE.glob("*.py"), *(ROOT / "templates" / "reports").glob("*.html"), _HERE.parent / "static" / "css" / "report.css"]
    for path in sorted(files):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def targets_file(app: Flask) -> Path:
    return Path(app.config["QUESTIONNAIRE_DIR"]) / TARGETS_FILE


def reports_dir(app: Flask) -> Path:
    folder = Path(app.config.get("REPORTS_DIR") or Path(app.instance_path) / "reports")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# ---------------------------------------------------------------------------------------------
# Names


def describe(session: DBSession, request: ReportRequest) -> tuple[str, str, str]:
    """The job's title, its file name, named for the period it covers (平江县-评估报告-2025年度.pdf,
    平江县-评估报告-全部年度.pdf), and an ASCII name for old browsers."""
    if request.kind == "county":
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
    file_name = f"{_UNSAFE.sub('', name)}-评估报告-{covers}.pdf"
    year = str(request.round_year) if request.round_year is not None else "all-rounds"
    ascii_name = "-".join(filter(None, ["sanqu-report", request.kind, _UNSAFE.sub("", request.code or ""), year])) + ".pdf"
    return title, file_name, ascii_name.encode("ascii", "ignore").decode()


# ---------------------------------------------------------------------------------------------
# Files: every write goes to a temporary file in the same folder and replaces the old one


def write_atomic(path: Path, data: bytes) -> None:
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _write(folder: Path, job: Job) -> None:
    write_atomic(folder / f"{job.key}.json", json.dumps(dataclasses.asdict(job), ensure_ascii=False).encode())


def _load(folder: Path, key: str) -> Job | None:
    if not _KEY.match(key):
        return None
    try:
        raw = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        return Job(**raw)
    except (OSError, ValueError, TypeError):
        return None


def pdf_path(folder: Path, key: str) -> Path:
    assert _KEY.match(key)
    return folder / f"{key}.pdf"


def read(folder: Path, key: str) -> Job | None:
    """A job as any worker sees it; one whose owner is gone reads as failed (and may be restarted)."""
    job = _load(folder, key)
    if job is not None and job.state in ACTIVE and _stale(job):
        job.state, job.error = "failed", STALE_MESSAGE
    return job


def _stale(job: Job) -> bool:
    if time.time() - job.heartbeat > STALE_SECONDS:
        return True
    if job.host != socket.gethostname():
        return False  # another machine sharing the folder: only its heartbeat tells
    if job.pid == os.getpid():
        with _lock:
            return job.key not in _owned  # this process's pid, but not its job: an earlier process's
    return not _alive(job.pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    return True


def recent(folder: Path, requests: set[str] | None, limit: int = 10) -> list[Job]:
    """The newest jobs of these reports (all when ``requests`` is None)."""
    jobs = []
    for path in folder.glob("*.json"):
        job = read(folder, path.stem)
        if job is not None and (requests is None or job.request in requests):
            jobs.append(job)
    return sorted(jobs, key=lambda j: j.created, reverse=True)[:limit]


def prune(folder: Path, request: str, round_year: int | None, keep: int = KEEP) -> list[str]:
    """Delete all but the newest ``keep`` finished jobs of one report; jobs still at work stay."""
    finished = []
    for path in folder.glob("*.json"):
        job = read(folder, path.stem)
        if job is not None and job.request == request and job.round_year == round_year and job.state not in ACTIVE:
            finished.append(job)
    finished.sort(key=lambda j: j.created, reverse=True)
    gone = []
    for job in finished[keep:]:
        for suffix in (".pdf", ".json"):
            with contextlib.suppress(FileNotFoundError):
                (folder / f"{job.key}{suffix}").unlink()
        gone.append(job.key)
    for temp in folder.glob(".*.tmp"):  # left by a worker killed while writing
        with contextlib.suppress(OSError):
            if time.time() - temp.stat().st_mtime > STALE_SECONDS:
                temp.unlink()
    return gone


# ---------------------------------------------------------------------------------------------
# Locks across processes (flock; released by the kernel when a process dies)


if sys.platform == "win32":  # pragma: no cover - no flock; one process serves there
    _win_locks: dict[str, threading.Lock] = {}

    @contextlib.contextmanager
    def _file_lock(path: Path) -> Iterator[None]:
        with _lock:
            lock = _win_locks.setdefault(str(path), threading.Lock())
        with lock:
            yield
else:
    import fcntl

    @contextlib.contextmanager
    def _file_lock(path: Path) -> Iterator[None]:
        with open(path, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


# ---------------------------------------------------------------------------------------------
# This process's jobs


@dataclasses.dataclass
class _Owned:
    folder: Path
    job: Job
    future: Future[None] | None = None
    #: another worker took the job over (this one was taken for dead): stop writing its file
    lost: bool = False


_lock = threading.RLock()
_owned: dict[str, _Owned] = {}
_pool: dict[str, Any] = {}


def _executor() -> ThreadPoolExecutor:
    """One thread per process (reports are CPU-heavy), made in the process that uses it: a
    pool inherited across a fork has no thread."""
    with _lock:
        if _pool.get("pid") != os.getpid():
            _pool.update(pid=os.getpid(), executor=ThreadPoolExecutor(max_workers=1, thread_name_prefix="report"))
            threading.Thread(target=_beat, name="report-heartbeat", daemon=True).start()
        executor: ThreadPoolExecutor = _pool["executor"]
        return executor


def _beat() -> None:
    while True:
        time.sleep(HEARTBEAT_SECONDS)
        with _lock:
            owned = list(_owned.values())
        for item in owned:
            _update(item)


def _update(item: _Owned, **changes: Any) -> None:
    """Change this process's job and write its file (with a fresh heartbeat), unless another
    worker has taken it over."""
    with _lock:
        if item.lost:
            return
        on_disk = _load(item.folder, item.job.key)
        if on_disk is not None and on_disk.run != item.job.run:
            item.lost = True
            return
        for name, value in changes.items():
            setattr(item.job, name, value)
        item.job.heartbeat = time.time()
        _write(item.folder, item.job)


def build_pdf(session: DBSession, request: ReportRequest, scope: Scope, progress: Progress) -> bytes:
    """The real builder, imported when first used (WeasyPrint and kaleido are heavy); tests
    replace this function."""
    from .build import report_pdf

    return report_pdf(session, request, scope, progress)


def start(request: ReportRequest, scope: Scope) -> Job:
    """The job for this report of the data as it is now: a finished one at once, the one already
    queued or running, or a new one queued.  The caller has checked the reader's scope."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    folder = reports_dir(app)
    key = cache_key(request, data_version(db.session.connection(), targets_file(app)))
    with _file_lock(folder / ".claim.lock"):
        job = read(folder, key)
        if job is not None and job.state == "done" and pdf_path(folder, key).is_file():
            return job
        if job is not None and job.state in ACTIVE:
            return job
        title, file_name, ascii_name = describe(db.session, request)
        now = time.time()
        job = Job(key=key, request=request.text, round_year=request.round_year, state="queued", title=title,
                  file_name=file_name, ascii_name=ascii_name, step="排队等候", created=now, heartbeat=now,
                  pid=os.getpid(), host=socket.gethostname(), run=uuid.uuid4().hex)
        item = _Owned(folder, job)
        shown = dataclasses.replace(job)  # as started: the worker thread changes ``job`` from now on
        with _lock:
            _write(folder, job)
            _owned[key] = item
    item.future = _executor().submit(_run, app, item, request, scope)
    return shown


def _run(app: Flask, item: _Owned, request: ReportRequest, scope: Scope) -> None:
    key = item.job.key
    try:
        with app.app_context():
            # One report at a time on this machine, whichever worker started it.
            with _file_lock(item.folder / ".build.lock"):
                _update(item, state="running", step="开始生成", progress=0.0)

                def progress(fraction: float, step: str) -> None:
                    _update(item, progress=min(max(float(fraction), 0.0), 1.0), step=str(step)[:200])

                try:
                    pdf = build_pdf(db.session, request, scope, progress)
                finally:
                    db.session.remove()
                if not isinstance(pdf, bytes) or not pdf.startswith(b"%PDF"):
                    raise TypeError(f"the report builder returned {type(pdf).__name__}, not a PDF")
                if not item.lost:
                    write_atomic(pdf_path(item.folder, key), pdf)
                    _update(item, state="done", progress=1.0, step="完成", size=len(pdf))
            prune(item.folder, item.job.request, item.job.round_year)
    except PlaceError as exc:
        _update(item, state="failed", error=PLACE_MESSAGES.get(exc.status, FAILED_MESSAGE))
    except Exception:  # any failure becomes the job's state, never a lost thread
        app.logger.exception("report job %s (%s, round %s) failed", key, item.job.request, item.job.round_year)
        _update(item, state="failed", error=FAILED_MESSAGE)
    finally:
        with _lock:
            _owned.pop(key, None)


def wait(folder: Path, key: str, poll: float = 0.5) -> Job | None:
    """Block until the job is finished (done or failed); for the CLI and tests.  A job started by
    another process is followed through its file."""
    with _lock:
        item = _owned.get(key)
    if item is not None and item.future is not None:
        item.future.result()
    while True:
        job = read(folder, key)
        if job is None or job.state not in ACTIVE:
            return job
        time.sleep(poll)
