"""Report jobs on the queue: the cache key follows the data, a finished report is found instead
of built again, a second start joins the job at work, a build runs in the report worker's child
process with a time limit and retries, a failure becomes a state with a message, and a job whose
worker died can be started again.  Builds here are real worker runs (tests/reports/builders.py)."""
from __future__ import annotations

import datetime as dt
import logging
import os
import time
import uuid as uuidlib
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from survey_app.models import County, Refusal, ReportJob, Response
from survey_app.models.reports import huey_task
from survey_app.reports import jobs, versions
from survey_app.reports.queue import Worker
from survey_app.reports.request import ReportRequest

PJ = ReportRequest.parse("county:430626")


class Builds:
    """What the test's builds did, as told by tests/reports/builders.py through files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def calls(self) -> list[str]:
        path = self.folder / "calls"
        return path.read_text(encoding="utf-8").splitlines() if path.exists() else []

    def wait_started(self, timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout  # a guard against a hung test, not a timing
        while not (self.folder / "started").exists():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def open_gate(self) -> None:
        (self.folder / "gate").touch()


def use_reports(app, tmp_path: Path, builder: str = "fake", **settings) -> Builds:
    """Reports built by one of tests/reports/builders.py, quickly retried."""
    folder = tmp_path / "builds"
    folder.mkdir(exist_ok=True)
    app.config.update(REPORT_BUILDER=f"tests.reports.builders:{builder}", REPORT_TEST_DIR=str(folder),
                      REPORT_RETRY_DELAY=0, **settings)
    return Builds(folder)


@pytest.fixture
def fake(app, programme, tmp_path) -> Builds:
    return use_reports(app, tmp_path)


def version(db, app) -> str:
    db.session.rollback()
    return versions.data_version(db.session.connection(), versions.targets_file(app))


def finished(db, key: str) -> jobs.Job:
    job = jobs.wait(db.session, key)
    assert job is not None
    return job


def test_a_finished_report_is_returned_at_once_without_building_again(app, db, fake, worker):
    job = jobs.start(PJ)
    assert job.state == "queued" and job.file_name.startswith("平江县-评估报告-")
    done = finished(db, job.key)
    assert done.state == "done" and done.progress == 1.0 and done.step == "完成" and done.attempts == 1
    pdf = jobs.file_of(db.session, job.key)
    assert pdf == b"%PDF-1.7\n% fake county:430626\n%%EOF\n" and done.size == len(pdf)

    again = jobs.start(PJ)
    assert (again.key, again.state) == (job.key, "done")
    assert fake.calls == ["county:430626"]  # not built twice
    # Another report (or round) is another job.
    for other in (ReportRequest.parse("county:430626", 2026), ReportRequest.parse("team:PJ01")):
        started = jobs.start(other)
        assert started.key != job.key and finished(db, started.key).state == "done"
    assert fake.calls == ["county:430626", "county:430626", "team:PJ01"]


def test_a_start_queues_its_task_in_the_same_transaction_and_a_joining_start_queues_none(app, db, fake):
    def tasks() -> int:
        db.session.rollback()
        return db.session.scalar(select(func.count()).select_from(huey_task))

    first = jobs.start(PJ)
    assert tasks() == 1
    assert jobs.start(PJ).key == first.key and tasks() == 1  # joined: no second task
    # A worker that comes later finds it waiting.
    running = Worker(app, poll=0.2).start()
    try:
        assert finished(db, first.key).state == "done"
    finally:
        running.stop()
    assert tasks() == 0 and fake.calls == ["county:430626"]


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
            versions.data_version(connection)  # the engine's first connection runs its own set-up
            with count_queries() as statements:
                versions.data_version(connection)
    assert len(statements) == 1 and statements[0].lstrip().upper().startswith("SELECT")


def test_changed_data_makes_a_new_job(app, db, fake, worker):
    from survey_app.demo.seed import seed_responses

    first = finished(db, jobs.start(PJ).key)
    seed_responses(db.session, 1, seed=9)
    db.session.commit()
    second = jobs.start(PJ)
    assert second.key != first.key and second.state == "queued"
    assert finished(db, second.key).state == "done"
    assert fake.calls == ["county:430626", "county:430626"]


def test_two_starts_of_the_same_report_make_one_job(app, db, programme, tmp_path, worker):
    builds = use_reports(app, tmp_path, REPORT_TEST_GATED=True)
    try:
        first = jobs.start(PJ)
        assert builds.wait_started()
        db.session.rollback()
        running = jobs.read(db.session, first.key)
        assert (running.state, running.progress, running.step) == ("running", 0.5, "绘制图表")
        second = jobs.start(PJ)
        assert second.key == first.key and second.state == "running"
    finally:
        builds.open_gate()
    assert finished(db, first.key).state == "done"
    assert builds.calls == ["county:430626"]


def age(db, key: str, **fields) -> None:
    """Make a job look as if its worker went silent (or nobody picked it up) long ago."""
    db.session.execute(update(ReportJob).where(ReportJob.key == key).values(**fields))
    db.session.commit()


@pytest.mark.parametrize("how", ["running, its worker silent", "queued, never picked up"])
def test_a_job_nobody_is_at_can_be_started_again(app, db, fake, how):
    job = jobs.start(PJ)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=jobs.QUEUED_SECONDS + 1)
    if how.startswith("running"):
        age(db, job.key, state="running", heartbeat_at=long_ago)
        message = jobs.STALE_MESSAGE
    else:
        age(db, job.key, created_at=long_ago)
        message = jobs.UNCLAIMED_MESSAGE
    shown = jobs.read(db.session, job.key)
    assert (shown.state, shown.error) == ("failed", message)
    again = jobs.start(PJ)
    assert again.key == job.key and again.run != job.run and again.state == "queued"
    running = Worker(app, poll=0.2).start()
    try:
        assert finished(db, job.key).state == "done"
    finally:
        running.stop()
    assert fake.calls == ["county:430626"]  # the old task found its run replaced and did nothing


def test_a_replaced_run_changes_nothing(app, db, fake):
    job = jobs.start(PJ)
    with db.engine.begin() as connection:
        assert jobs.claim(connection, job.key, "another-run", "test:1") is None
        assert jobs.claim(connection, job.key, job.run, "test:1") is not None
        assert not jobs.beat(connection, job.key, "another-run", 0.9, "x")
        assert not jobs.finish(connection, job.key, "another-run", b"%PDF")
        assert not jobs.fail(connection, job.key, "another-run", "x")
        assert jobs.beat(connection, job.key, job.run, 0.25, "绘制图表")
    db.session.rollback()
    shown = jobs.read(db.session, job.key)
    assert (shown.state, shown.progress, shown.step) == ("running", 0.25, "绘制图表")


def test_a_failing_builder_is_tried_again_then_fails_with_a_message(app, db, programme, tmp_path, worker, caplog):
    builds = use_reports(app, tmp_path, REPORT_TEST_FAIL="kaleido crashed", REPORT_RETRIES=1)
    with caplog.at_level(logging.ERROR):
        job = finished(db, jobs.start(PJ).key)
    assert (job.state, job.error, job.attempts) == ("failed", jobs.FAILED_MESSAGE, 2)
    assert jobs.file_of(db.session, job.key) is None
    assert builds.calls == ["county:430626", "county:430626"]
    logged = [r.getMessage() for r in caplog.records if "report job" in r.getMessage()]
    assert logged and "kaleido crashed" in logged[0]  # the child's traceback, in the worker's log
    # Starting it again tries again (the failure may have passed).
    app.config["REPORT_TEST_FAIL"] = ""
    assert finished(db, jobs.start(PJ).key).state == "done"
    assert len(builds.calls) == 3


def test_a_build_killed_outright_is_tried_again(app, db, programme, tmp_path, worker):
    builds = use_reports(app, tmp_path, "killed_once", REPORT_RETRIES=1)
    job = finished(db, jobs.start(PJ).key)
    assert (job.state, job.attempts) == ("done", 2) and builds.calls == ["county:430626"] * 2
    assert jobs.file_of(db.session, job.key).startswith(b"%PDF")


def test_a_hung_chart_render_is_ended_by_the_time_limit(app, db, programme, tmp_path, worker):
    # long enough for the child to start its build on a loaded machine; the build never ends
    builds = use_reports(app, tmp_path, "hung", REPORT_TIME_LIMIT=10, REPORT_RETRIES=0)
    job = finished(db, jobs.start(PJ).key)
    assert (job.state, job.error) == ("failed", jobs.TIMEOUT_MESSAGE)
    assert builds.calls == ["county:430626"]
    # The renderer it started (as Chromium is) went with it: the whole process group is killed.
    renderer = int((builds.folder / "renderer.pid").read_text(encoding="utf-8"))
    assert not _alive(renderer)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")  # a zombie not yet reaped by init counts as gone
    return not (status.exists() and "State:\tZ" in status.read_text())


def test_something_else_than_a_pdf_is_a_failure(app, db, programme, tmp_path, worker):
    use_reports(app, tmp_path, REPORT_TEST_OUTPUT="<html>not a pdf</html>", REPORT_RETRIES=0)
    job = finished(db, jobs.start(PJ).key)
    assert job.state == "failed" and jobs.file_of(db.session, job.key) is None


def test_a_place_gone_fails_at_once_without_retrying(app, db, programme, tmp_path, worker):
    builds = use_reports(app, tmp_path, REPORT_RETRIES=3)
    job = jobs.start(ReportRequest.parse("team:PJ01"))
    from survey_app.models import Team

    db.session.execute(update(Team).where(Team.code == "PJ01").values(code="PJ99"))
    db.session.commit()
    app.config["REPORT_BUILDER"] = "survey_app.reports.build:report_pdf"  # the real one looks the team up
    done = finished(db, job.key)
    assert (done.state, done.error, done.attempts) == ("failed", jobs.UNKNOWN_MESSAGE, 1)
    assert builds.calls == []


def add_job(db, key: str, state: str, created: float, request: str = "county:430626", fmt: str = "pdf") -> None:
    db.session.add(ReportJob(key=key, request=request, round_year=None, format=fmt, state=state, title="t", file_name="f.pdf",
                             ascii_name="f.pdf", run="r", created_at=dt.datetime.fromtimestamp(created, dt.UTC)))
    db.session.flush()


def test_only_the_newest_reports_are_kept(app, db):
    keys = [f"{i:064x}" for i in range(7)]
    for i, key in enumerate(keys[:5]):
        add_job(db, key, "done", 1000.0 + i)
    add_job(db, keys[5], "done", 1.0, request="county:433123")  # another report
    add_job(db, keys[6], "done", 2.0, fmt="docx")  # the same report as a Word file: kept apart
    db.session.commit()
    with db.engine.begin() as connection:
        gone = jobs.prune(connection, "county:430626", None, "pdf", keep=3)
    assert sorted(gone) == keys[:2]
    assert sorted(db.session.scalars(select(ReportJob.key))) == keys[2:]  # the other report's and format's stay


def test_a_job_at_work_is_never_pruned(app, db):
    add_job(db, "a" * 64, "running", 1.0)  # oldest, but at work
    for i in range(3):
        add_job(db, f"{i:064x}", "done", 100.0 + i)
    db.session.commit()
    with db.engine.begin() as connection:
        assert jobs.prune(connection, "county:430626", None, "pdf", keep=1) == [f"{1:064x}", f"{0:064x}"]
    assert db.session.scalar(select(ReportJob).where(ReportJob.key == "a" * 64)) is not None


def test_keys_are_checked_before_anything_is_read(app, db):
    add_job(db, "b" * 64, "done", 1.0)
    db.session.commit()
    assert jobs.read(db.session, "' OR 1=1 --" + "b" * 53) is None
    assert jobs.read(db.session, "B" * 64) is None
    assert jobs.read(db.session, "b" * 64).request == "county:430626"
    assert jobs.file_of(db.session, "../" + "b" * 61) is None


def test_readyz_tells_whether_a_report_worker_is_alive(app, stamped):
    client = app.test_client()
    assert client.get("/readyz").get_json()["checks"]["report_worker"].startswith("no report worker")
    running = Worker(app, poll=0.2).start()
    try:
        reply = client.get("/readyz")
        assert reply.status_code == 200 and reply.get_json()["checks"]["report_worker"] == "ok"
    finally:
        running.stop()
    reply = client.get("/readyz")
    assert reply.status_code == 200 and reply.get_json()["checks"]["report_worker"].startswith("no report worker")


def test_the_worker_purges_old_free_text_daily(app, db, programme):
    from survey_app.models import AuditEvent
    from survey_app.reports.queue import PURGE_AT, queue_of

    queue_of(app)
    purge = app.extensions["report_purge"]
    # 03:17 China time is 19:17 UTC, once a day (Huey runs with UTC times)
    assert PURGE_AT == {"hour": "19", "minute": "17"}
    assert purge.s().validate_datetime(dt.datetime(2026, 12, 5, 19, 17))
    assert not purge.s().validate_datetime(dt.datetime(2026, 12, 5, 3, 17))
    purge.call_local()  # unset retention: nothing is purged, nothing recorded
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "retention.purge")) == 0
    app.config["FREE_TEXT_RETENTION_DAYS"] = 30
    purge.call_local()
    db.session.rollback()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention.purge"))
    assert event.detail["via"] == "worker" and event.detail["days"] == 30
