"""Large XLSX exports as worker jobs: past the threshold the request only starts the job; the
worker writes the same workbook the request would have, in pieces in the database; only its
owner follows and downloads it; it holds the responses stored when it started; a failure shows a
message; old files are deleted.  On SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from sqlalchemy import func, select

from survey_app.exports import background, jobs, rows, service
from survey_app.models import AuditEvent, ExportJob, ExportPiece
from tests.exports.helpers import read_xlsx, satisfaction, submit
from tests.factories import csrf_token, login


@pytest.fixture
def stored(app, client, programme, token_for):
    """Three satisfaction responses (two of 平江县, one of 凤凰县), and a threshold of two rows."""
    app.config.update(EXPORT_BACKGROUND_ROWS=2, EXPORT_PIECE_BYTES=2048)
    token = token_for("admin")
    for team, comment in (("PJ01", "很好，谢谢社工"), ("PJ01", "=1+1"), ("FH01", "一般")):
        submit(client, token, satisfaction(team, comments=comment))
    return token


def post(client, **fields):
    data = {"questionnaire": "satisfaction", "format": "xlsx", "values": "zh", "county": "", "team": "",
            "csrf_token": csrf_token(client, "/exports/"), **fields}
    return client.post("/exports/", data=data)


def started(reply) -> str:
    assert reply.status_code == 303, reply.get_data(as_text=True)[:500]
    return re.fullmatch(r"/exports/jobs/([0-9a-f]{32})", reply.headers["Location"]).group(1)


def finished(db, key: str, timeout: float = 60) -> jobs.Job:
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()
        job = jobs.read(db.session, key)
        assert job is not None
        if job.state not in jobs.ACTIVE:
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.1)


def data_rows(content: bytes) -> list[tuple]:
    book = read_xlsx(content)
    return [tuple(c.value for c in row) for row in book[book.sheetnames[0]].iter_rows()]


def test_large_workbook_is_written_by_the_worker_and_equals_the_direct_one(app, client, stored, db, worker):
    login(client, "admin")
    key = started(post(client))
    job = finished(db, key)
    assert (job.state, job.rows, job.progress, job.step) == ("done", 3, 1.0, jobs.DONE_STEP)

    status = client.get(f"/exports/jobs/{key}.json").get_json()
    assert status["state"] == "done" and status["download"] == f"/exports/jobs/{key}/file"
    page = client.get(f"/exports/jobs/{key}").get_data(as_text=True)
    assert 'data-action="download"' in page and job.file_name in page

    reply = client.get(f"/exports/jobs/{key}/file")
    assert reply.status_code == 200 and reply.is_streamed and reply.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in reply.headers["Content-Disposition"]
    content = reply.get_data()
    assert int(reply.headers["Content-Length"]) == len(content) == job.size
    # stored in pieces, none larger than the setting
    sizes = db.session.scalars(select(func.length(ExportPiece.data)).order_by(ExportPiece.seq)).all()
    assert len(sizes) > 1 and max(sizes) <= 2048 and sum(sizes) == job.size

    app.config["EXPORT_BACKGROUND_ROWS"] = 1000  # the same export, inside the request
    direct = post(client)
    assert direct.status_code == 200
    background_rows, direct_rows = data_rows(content), data_rows(direct.get_data())
    assert background_rows == direct_rows and len(background_rows) == 4
    assert "'=1+1" in {v for r in background_rows for v in r}  # neutralised as in every export
    assert read_xlsx(content).sheetnames == ["数据", "编码表", "说明"]  # labelled in Chinese: sheets named so too


def test_the_start_and_the_download_are_audited(app, client, stored, db, worker):
    app.config["EXPORT_BACKGROUND_ROWS"] = 1
    login(client, "county-pj")
    key = started(post(client))
    finished(db, key)
    (start,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.data"))
    assert start.detail["job"] == key and start.detail["rows"] == 2 and start.detail["scope"] == "county:430626"
    assert client.get(f"/exports/jobs/{key}/file").status_code == 200
    db.session.rollback()  # a fresh snapshot: on SQLite the test's reads would not see the server's write
    (download,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.download"))
    assert (download.actor_id, download.target, download.detail["job"]) == (start.actor_id, "satisfaction", key)


def test_csv_and_small_workbooks_stay_in_the_request(app, client, stored, db):
    login(client, "admin")
    reply = post(client, format="csv")
    assert reply.status_code == 200 and reply.is_streamed
    assert post(client, county="433123").status_code == 200  # one row: under the threshold
    app.config["EXPORT_BACKGROUND_ROWS"] = 3
    assert post(client).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(ExportJob)) == 0


def test_only_the_owner_sees_the_job(client, stored, db, worker):
    login(client, "admin")
    key = started(post(client))
    finished(db, key)
    assert key in client.get("/exports/").get_data(as_text=True)  # listed among the reader's exports
    client.post("/logout", data={"csrf_token": csrf_token(client, "/exports/")})
    login(client, "county-pj")
    for path in (f"/exports/jobs/{key}", f"/exports/jobs/{key}.json", f"/exports/jobs/{key}/file"):
        assert client.get(path).status_code == 404, path
    assert key not in client.get("/exports/").get_data(as_text=True)
    assert client.get("/exports/jobs/" + "0" * 32).status_code == 404
    assert client.get("/exports/jobs/not-a-key.json").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/exports/")})
    assert client.get(f"/exports/jobs/{key}/file").status_code == 302  # to the login page


def test_the_file_holds_what_was_stored_when_it_started(app, client, stored, db):
    login(client, "admin")
    key = started(post(client))  # no worker yet: it waits in the queue
    status = client.get(f"/exports/jobs/{key}.json").get_json()
    assert (status["state"], status["step"], status["download"]) == ("queued", jobs.QUEUED_STEP, None)
    page = client.get(f"/exports/jobs/{key}").get_data(as_text=True)
    assert '<meta http-equiv="refresh"' in page and "report_job.js" in page
    assert client.get(f"/exports/jobs/{key}/file").status_code == 404

    submit(client, stored, satisfaction("PJ01", comments="后来的"))
    assert background.build(app, key) == "done"
    assert background.build(app, key) == "skipped"  # a task delivered twice builds once
    rows = data_rows(client.get(f"/exports/jobs/{key}/file").get_data())
    assert len(rows) == 4 and "后来的" not in {v for r in rows for v in r}


def test_progress_is_reported_as_rows_are_written(app, client, stored, db, monkeypatch):
    login(client, "admin")
    key = started(post(client))
    beats: list[tuple[float, str]] = []
    real = jobs.beat

    def beat(connection, key, progress, step):
        beats.append((progress, step))
        return real(connection, key, progress, step)

    monkeypatch.setattr(jobs, "beat", beat)
    monkeypatch.setattr(rows, "CHUNK", 2)  # a page of two responses: a beat after each page
    assert background.build(app, key) == "done"
    assert beats == [(pytest.approx(0.95 * 2 / 3), "正在写入：2 / 3 份"), (pytest.approx(0.95), "正在写入：3 / 3 份"),
                     (0.95, jobs.SAVING_STEP)]


def test_a_failed_build_says_so_and_keeps_no_file(app, client, stored, db, monkeypatch, caplog):
    login(client, "admin")
    key = started(post(client))

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(service, "write_file", broken)
    assert background.build(app, key) == "failed"
    assert "disk full" in caplog.text
    status = client.get(f"/exports/jobs/{key}.json").get_json()
    assert (status["state"], status["error"]) == ("failed", jobs.FAILED_MESSAGE)
    assert jobs.FAILED_MESSAGE in client.get(f"/exports/jobs/{key}").get_data(as_text=True)
    assert client.get(f"/exports/jobs/{key}/file").status_code == 404


def test_a_silent_worker_or_no_worker_reads_as_failed(client, stored, db):
    login(client, "admin")
    key = started(post(client))
    row = db.session.execute(select(jobs.JOBS).where(jobs.JOBS.c.key == key)).one()
    late = row.created_at + dt.timedelta(seconds=jobs.QUEUED_SECONDS + 1)
    assert jobs.Job.of(row, late).error == jobs.UNCLAIMED_MESSAGE
    with db.engine.begin() as connection:
        assert jobs.claim(connection, key) is not None
    db.session.rollback()
    row = db.session.execute(select(jobs.JOBS).where(jobs.JOBS.c.key == key)).one()
    assert jobs.Job.of(row, row.heartbeat_at + dt.timedelta(seconds=60)).state == "running"
    silent = jobs.Job.of(row, row.heartbeat_at + dt.timedelta(seconds=jobs.STALE_SECONDS + 1))
    assert (silent.state, silent.error) == ("failed", jobs.STALE_MESSAGE)


def test_old_files_are_deleted(app, client, stored, db):
    login(client, "admin")
    done, waiting = started(post(client)), started(post(client))
    assert background.build(app, done) == "done"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ExportPiece)) > 0
    with db.engine.begin() as connection:
        assert jobs.prune(connection, dt.timedelta(hours=24)) == 0
        assert jobs.prune(connection, dt.timedelta(hours=24), jobs.utcnow() + dt.timedelta(hours=24.5)) == 1
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ExportPiece)) == 0
    assert client.get(f"/exports/jobs/{done}").status_code == 404
    assert client.get(f"/exports/jobs/{waiting}").status_code == 200  # still queued: not old enough to be given up
