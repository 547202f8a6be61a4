"""The worker's side of an export job: write the file the job describes, reporting progress as
the rows go, and store it.  Run by the queue's ``build_export`` task (reports/queue.py) in the
worker's thread: unlike a report there is no Chromium to kill, and the rows are read a page at a
time, so memory stays that of one page however large the export."""
from __future__ import annotations

import datetime as dt
import logging
import tempfile
from pathlib import Path

from flask import Flask

from ..extensions import db
from . import jobs, rows, service

log = logging.getLogger(__name__)


class Replaced(Exception):
    """The job stopped being this worker's while it wrote (deleted, or taken for dead)."""


def build(app: Flask, key: str) -> str:
    """Write and store the job's file; the job's state afterwards (``skipped`` when it was not
    queued: another worker took it, or it is gone)."""
    with app.app_context():
        with db.engine.begin() as connection:
            row = jobs.claim(connection, key)
        if row is None:
            return "skipped"
        try:
            export = service.resumed(db.session, rows.Selection(row.questionnaire, row.county_id, row.team_id, row.up_to_id),
                                     row.values, row.rows)
            db.session.rollback()  # the worker's reads end here: each page has its own transaction

            def progress(done: int) -> None:
                # Writing is most of the time; storing the file is the last few per cent.
                step = jobs.WRITING_STEP.format(done=done, total=row.rows)
                with db.engine.begin() as connection:
                    if not jobs.beat(connection, key, 0.95 * done / max(row.rows, 1), step):
                        raise Replaced(key)

            with tempfile.TemporaryDirectory(prefix="sanqu-export-") as folder:
                path = Path(folder) / f"export.{row.format}"
                service.write_file(db.engine, export, row.format, path, dt.datetime.now(dt.UTC),
                                   chunk=rows.CHUNK, progress=progress)
                with db.engine.begin() as connection:
                    if not jobs.beat(connection, key, 0.95, jobs.SAVING_STEP):
                        raise Replaced(key)
                with db.engine.begin() as connection:
                    done = jobs.finish(connection, key, path, int(app.config["EXPORT_PIECE_BYTES"]))
                    jobs.prune(connection, dt.timedelta(hours=float(app.config["EXPORT_KEEP_HOURS"])))
            return "done" if done else "skipped"
        except Replaced:
            log.warning("export job %s was replaced while it was written; its file is dropped", key)
            return "skipped"
        except Exception:
            log.exception("export job %s (%s, %s rows) failed", key, row.questionnaire, row.rows)
            db.session.rollback()
            with db.engine.begin() as connection:
                jobs.fail(connection, key, jobs.FAILED_MESSAGE)
            return "failed"
        finally:
            db.session.remove()
