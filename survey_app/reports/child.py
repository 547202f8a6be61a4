"""The child process that builds one report (reports/runner.py starts it, one per attempt).

It reads ``{"config", "key", "run"}`` as JSON on standard input, makes the app with that
configuration, builds the report with the builder named by ``REPORT_BUILDER`` (every county's
with it, one after another, for the all-counties ZIP: ``batch``) and stores the file with the
job's final state.  Exit 0: the job's state is final (done, or failed for a place the reader may
not see); exit 3: the builder failed and the worker decides whether to try again.
"""
from __future__ import annotations

import importlib
import json
import sys
from typing import Any

from ..auth.places import PlaceError
from ..auth.scope import Scope

#: reports show the same whoever asked for them; the reader's scope was checked at the start
OFFICE = Scope.office()


def builder(name: str) -> Any:
    """``module:function`` -> the function; tests name their own builders."""
    module, _, function = name.partition(":")
    return getattr(importlib.import_module(module), function)


def main() -> int:
    payload = json.loads(sys.stdin.buffer.read())
    from .. import create_app

    app = create_app({**payload["config"], "REPORT_CHILD": True})
    key, run = payload["key"], payload["run"]
    from sqlalchemy import select

    from ..extensions import db
    from ..models import ReportJob
    from . import batch, formats, jobs
    from .request import ALL_COUNTIES, ReportRequest
    from .runner import BUILD_FAILED

    with app.app_context():
        row = db.session.scalar(select(ReportJob).where(ReportJob.key == key, ReportJob.run == run))
        if row is None or row.state != "running":
            return 0  # replaced meanwhile: nothing of ours to do
        request = ReportRequest.parse(row.request, row.round_year, row.format)

        def progress(fraction: float, step: str) -> None:
            with db.engine.begin() as connection:
                jobs.beat(connection, key, run, fraction, step)

        single = builder(app.config["REPORT_BUILDER"])
        try:
            if request.kind == ALL_COUNTIES:
                made = batch.report_zip(db.session, request, OFFICE, progress, single)
            else:
                made = single(db.session, request, OFFICE, progress)
        except PlaceError as exc:
            db.session.rollback()
            with db.engine.begin() as connection:
                jobs.fail(connection, key, run, jobs.place_message(exc))
            return 0
        except Exception:
            app.logger.exception("report job %s (%s, round %s): the build failed", key, row.request, row.round_year)
            return BUILD_FAILED
        finally:
            db.session.remove()
        if not formats.looks_like(request.kind, request.format, made):
            app.logger.error("report job %s: the builder returned %s, not a %s", key, type(made).__name__,
                             request.file_type.extension)
            return BUILD_FAILED
        with db.engine.begin() as connection:
            jobs.finish(connection, key, run, made)
        return 0


if __name__ == "__main__":
    sys.exit(main())
