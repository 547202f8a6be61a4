"""Report jobs: the cache key follows the data, a finished report is found instead of rebuilt, a
second start joins the job at work (also one another worker started), a failure becomes a state
with a message, and a job whose worker died can be started again."""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
import threading
import time
import uuid as uuidlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from survey_app.auth.scope import Scope
from survey_app.models import County, Refusal, Response
from survey_app.reports import jobs
from survey_app.reports.request import ReportRequest

OFFICE = Scope(user_id=1, role="admin", county_id=None, team_id=None)
PJ = ReportRequest.parse("county:430626")


class FakeBuilder:
    """Counts its calls; can wait for a gate (to hold a job at work) or fail."""

    def __init__(self, fail: Exception | None = None, gate: threading.Event | None = None, output: bytes | None = None) -> None:
        self.calls: list[str] = []
        self.fail, self.gate, self.output = fail, gate, output
        self.started = threading.Event()

    def __call__(self, session, request, scope, progress) -> bytes:
        self.calls.append(request.text)
        progress(0.5, "绘制图表")
        self.started.set()
        if self.gate is not None:
            self.gate.wait(timeout=120)  # a guard against a hung test, not a timing
        if self.fail is not None:
            raise self.fail
        return self.output if self.output is not None else b"%PDF-1.7\n% fake " + request.text.encode() + b"\n%%EOF\n"


def use_reports(app, tmp_path: Path, monkeypatch, builder: FakeBuilder | None = None) -> Path:
    """Reports under the test's own folder, built by ``builder``."""
    folder = tmp_path / "reports"
    app.config["REPORTS_DIR"] = str(folder)
    if builder is not None:
        monkeypatch.setattr(jobs, "build_pdf", builder)
    return folder


def settle() -> None:
    """Wait for every job this process still runs: one left running would outlive the test's
    builder and database."""
    for item in list(jobs._owned.values()):
        if item.future is not None:
            item.future.result(timeout=120)


@pytest.fixture
def fake(app, programme, tmp_path, monkeypatch) -> Iterator[FakeBuilder]:
    builder = FakeBuilder()
    use_reports(app, tmp_path, monkeypatch, builder)
    yield builder
    settle()


def folder_of(app) -> Path:
    return jobs.reports_dir(app)


def version(db, app) -> str:
    db.session.rollback()
    return jobs.data_version(db.session.connection(), jobs.targets_file(app))


def test_a_finished_report_is_returned_at_once_without_building_again(app, db, fake):
    job = jobs.start(PJ, OFFICE)
    assert job.state == "queued" and job.file_name.startswith("平江县-评估报告-")
    done = jobs.wait(folder_of(app), job.key)
    assert done.state == "done" and done.progress == 1.0 and done.step == "完成"
    pdf = jobs.pdf_path(folder_of(app), job.key).read_bytes()
    assert pdf == b"%PDF-1.7\n% fake county:430626\n%%EOF\n" and done.size == len(pdf)

    again = jobs.start(PJ, OFFICE)
    assert (again.key, again.state) == (job.key, "done")
    assert fake.calls == ["county:430626"]  # not built twice
    # Another report (or round) is another job.
    for other in (ReportRequest.parse("county:430626", 2026), ReportRequest.parse("team:PJ01")):
        started = jobs.start(other, OFFICE)
        assert started.key != job.key and jobs.wait(folder_of(app), started.key).state == "done"
    assert fake.calls == ["county:430626", "county:430626", "team:PJ01"]


def test_the_data_version_follows_what_the_report_shows(app, db, programme, tmp_path):
    from survey_app.demo.seed import seed_responses
    from survey_app.submissions.latest import set_excluded

    seed_responses(db.session, 40, seed=3)
    db.session.commit()
    app.config["QUESTIONNAIRE_DIR"] = str(tmp_path)  # a folder of our own for the targets file
    seen = [version(db, app)]
    assert version(db, app) == seen[0]  # unchanged data, same version

    seed_responses(db.session, 1, seed=4)  # a new response
    db.session.commit()
    seen.append(version(db, app))

    first, second = db.session.scalars(select(Response.id).order_by(Response.id).limit(2)).all()
    set_excluded(db.session.connection(), first, "test interview")  # excluded
    db.session.commit()
    seen.append(version(db, app))
    set_excluded(db.session.connection(), first, None)  # and one in, another out: same counts
    set_excluded(db.session.connection(), second, "test interview")
    db.session.commit()
    seen.append(version(db, app))
    set_excluded(db.session.connection(), second, None)  # back as it was: the same data again
    db.session.commit()
    assert version(db, app) == seen[1]

    county = db.session.scalar(select(County).where(County.code == "430626"))
    db.session.add(Refusal(uuid=str(uuidlib.uuid4()), questionnaire_id="awareness", county_id=county.id, wave="pre",
                           declined_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC)))  # a refusal
    db.session.commit()
    seen.append(version(db, app))

    (tmp_path / "targets.yaml").write_text("counties: {}\n", encoding="utf-8")  # the targets file
    seen.append(version(db, app))
    (tmp_path / "targets.yaml").write_text("counties: {430626: {}}\n", encoding="utf-8")
    seen.append(version(db, app))

    county.name = "平江县（新）"  # a place renamed
    db.session.commit()
    seen.append(version(db, app))
    assert len(set(seen)) == len(seen), seen


def test_a_new_questionnaire_version_changes_the_version(app, db, programme, tmp_path):
    import shutil

    from survey_app.instruments import load_folder

    before = version(db, app)
    folder = tmp_path / "q"
    shutil.copytree(Path(app.config["QUESTIONNAIRE_DIR"]), folder)
    path = folder / "awareness.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("您的性别", "您的性别是？"), encoding="utf-8")
    load_folder(db.session, folder)
    db.session.commit()
    assert version(db, app) != before


def test_the_data_version_is_one_query(app, db, programme, count_queries):
    with app.app_context():
        from survey_app.extensions import db as served

        with served.engine.connect() as connection:
            jobs.data_version(connection)  # the engine's first connection runs its own set-up
            with count_queries() as statements:
                jobs.data_version(connection)
    assert len(statements) == 1 and statements[0].lstrip().upper().startswith("SELECT")


def test_changed_data_makes_a_new_job(app, db, fake):
    from survey_app.demo.seed import seed_responses

    first = jobs.wait(folder_of(app), jobs.start(PJ, OFFICE).key)
    seed_responses(db.session, 1, seed=9)
    db.session.commit()
    second = jobs.start(PJ, OFFICE)
    assert second.key != first.key and second.state == "queued"
    assert jobs.wait(folder_of(app), second.key).state == "done"
    assert fake.calls == ["county:430626", "county:430626"]


def test_two_starts_of_the_same_report_make_one_job(app, db, programme, tmp_path, monkeypatch):
    gate = threading.Event()
    builder = FakeBuilder(gate=gate)
    folder = use_reports(app, tmp_path, monkeypatch, builder)
    try:
        first = jobs.start(PJ, OFFICE)
        assert builder.started.wait(timeout=60)
        running = jobs.read(folder, first.key)
        assert (running.state, running.progress, running.step) == ("running", 0.5, "绘制图表")
        second = jobs.start(PJ, OFFICE)
        assert second.key == first.key and second.state == "running"
    finally:
        gate.set()
    assert jobs.wait(folder, first.key).state == "done"
    assert builder.calls == ["county:430626"]


def write_status(folder: Path, key: str, **fields) -> None:
    now = time.time()
    status = {"key": key, "request": "county:430626", "round_year": None, "state": "running", "title": "平江县 · 全部年度",
              "file_name": "平江县-评估报告-全部年度.pdf", "ascii_name": "sanqu-report-county-430626-all-rounds.pdf",
              "progress": 0.3, "step": "绘制图表", "created": now, "heartbeat": now, "pid": os.getppid(),
              "host": os.uname().nodename, "run": "another-worker"}
    status.update(fields)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{key}.json").write_text(json.dumps(status, ensure_ascii=False), encoding="utf-8")


def current_key(db, app) -> str:
    return jobs.cache_key(PJ, version(db, app))


def test_a_job_another_worker_is_running_is_joined(app, db, fake):
    folder = folder_of(app)
    key = current_key(db, app)
    write_status(folder, key)  # a live process (our parent) with a fresh heartbeat
    job = jobs.start(PJ, OFFICE)
    assert (job.key, job.state, job.run) == (key, "running", "another-worker")
    assert fake.calls == []


@pytest.mark.parametrize("why", ["silent", "dead"])
def test_a_job_whose_worker_stopped_can_be_started_again(app, db, fake, why):
    folder = folder_of(app)
    key = current_key(db, app)
    if why == "silent":
        write_status(folder, key, heartbeat=time.time() - jobs.STALE_SECONDS - 1)
    else:
        gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
        write_status(folder, key, pid=int(gone.stdout))
    shown = jobs.read(folder, key)
    assert (shown.state, shown.error) == ("failed", jobs.STALE_MESSAGE)
    job = jobs.start(PJ, OFFICE)
    assert job.key == key and job.run != "another-worker"
    assert jobs.wait(folder, key).state == "done" and fake.calls == ["county:430626"]


def test_a_failing_builder_leaves_a_failed_job_with_a_message(app, db, programme, tmp_path, monkeypatch, caplog):
    builder = FakeBuilder(fail=RuntimeError("kaleido crashed"))
    folder = use_reports(app, tmp_path, monkeypatch, builder)
    with caplog.at_level(logging.ERROR):
        job = jobs.wait(folder, jobs.start(PJ, OFFICE).key)
    assert (job.state, job.error) == ("failed", jobs.FAILED_MESSAGE)
    assert not jobs.pdf_path(folder, job.key).exists()
    logged = [r for r in caplog.records if "failed" in r.getMessage()]
    assert logged and "kaleido crashed" in str(logged[0].exc_info[1])
    # Starting it again tries again (the failure may have passed).
    builder.fail = None
    assert jobs.wait(folder, jobs.start(PJ, OFFICE).key).state == "done"
    assert len(builder.calls) == 2


def test_something_else_than_a_pdf_is_a_failure(app, db, programme, tmp_path, monkeypatch):
    folder = use_reports(app, tmp_path, monkeypatch, FakeBuilder(output=b"<html>not a pdf</html>"))
    job = jobs.wait(folder, jobs.start(PJ, OFFICE).key)
    assert job.state == "failed" and not jobs.pdf_path(folder, job.key).exists()


def test_only_the_newest_reports_are_kept(tmp_path):
    folder = tmp_path / "reports"
    keys = [f"{i:064x}" for i in range(6)]
    for i, key in enumerate(keys[:5]):
        write_status(folder, key, state="done", created=1000.0 + i)
        (folder / f"{key}.pdf").write_bytes(b"%PDF")
    write_status(folder, keys[5], state="done", created=1.0, request="county:433123")  # another report
    gone = jobs.prune(folder, "county:430626", None, keep=3)
    assert sorted(gone) == keys[:2]
    assert sorted(p.stem for p in folder.glob("*.pdf")) == keys[2:5]
    assert sorted(p.stem for p in folder.glob("*.json")) == keys[2:]  # the other report's stays


def test_a_job_at_work_is_never_pruned(tmp_path):
    folder = tmp_path / "reports"
    write_status(folder, "a" * 64, state="running", created=1.0)  # oldest, but at work
    for i in range(3):
        write_status(folder, f"{i:064x}", state="done", created=100.0 + i)
    assert jobs.prune(folder, "county:430626", None, keep=1) == [f"{1:064x}", f"{0:064x}"]
    assert (folder / ("a" * 64 + ".json")).exists()


def test_keys_are_checked_before_any_file_is_read(tmp_path):
    folder = tmp_path / "reports"
    write_status(folder, "b" * 64)
    assert jobs.read(folder, "../" + "b" * 61) is None
    assert jobs.read(folder, "B" * 64) is None
    assert jobs.read(folder, "b" * 64).request == "county:430626"
