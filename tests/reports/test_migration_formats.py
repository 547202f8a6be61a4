"""Migration 0019 on a database holding reports: the PDFs made before it stay, as PDF jobs whose
file is now ``data``; a format is refused unless known, ``both`` unless in a ZIP; going back
keeps the PDFs and drops what only the new schema can hold."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from survey_app.extensions import db
from tests import migrating

SCHEMA = "migration_formats_test"


@pytest.fixture
def empty_app(engine_name, tmp_path):
    yield from migrating.empty_app(engine_name, tmp_path, SCHEMA)


def job(key: str, request: str = "county:430626", **extra) -> dict:
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    return {"key": key, "request": request, "round_year": None, "state": "done", "title": "平江县", "file_name": "f.pdf",
            "ascii_name": "f.pdf", "progress": 1.0, "step": "完成", "error": "", "run": "r", "attempts": 1, "worker": "",
            "size": 9, "created_at": now, "heartbeat_at": now, **extra}


def test_0019_keeps_the_pdfs_made_before_it(empty_app):
    upgrade(revision="0018")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO report_jobs (key, request, round_year, state, title, file_name, ascii_name, progress, "
                          "step, error, run, attempts, worker, size, created_at, heartbeat_at) VALUES (:key, :request, "
                          ":round_year, :state, :title, :file_name, :ascii_name, :progress, :step, :error, :run, :attempts, "
                          ":worker, :size, :created_at, :heartbeat_at)"), job("a" * 64))
        job_id = conn.execute(text("SELECT id FROM report_jobs")).scalar_one()
        conn.execute(text("INSERT INTO report_files (job_id, pdf) VALUES (:id, :pdf)"), {"id": job_id, "pdf": b"%PDF-1.7 old"})
    upgrade(revision="0019")
    jobs, files = db.metadata.tables["report_jobs"], db.metadata.tables["report_files"]
    with db.engine.connect() as conn:
        assert conn.execute(select(jobs.c.format)).scalar_one() == "pdf"
        assert conn.execute(select(files.c.data)).scalar_one() == b"%PDF-1.7 old"
    with db.engine.begin() as conn:
        conn.execute(insert(jobs), [job("b" * 64, format="docx"), job("c" * 64, request="all-counties", format="both")])
    for bad in (job("d" * 64, format="xls"), job("e" * 64, format="both")):  # unknown; both outside a ZIP
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(insert(jobs), bad)
    downgrade(revision="0018")
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT key FROM report_jobs")).scalars().all() == ["a" * 64]
        assert conn.execute(text("SELECT pdf FROM report_files")).scalar_one() == b"%PDF-1.7 old"
