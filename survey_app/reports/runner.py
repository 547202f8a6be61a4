"""One attempt at a report job: the build runs in a child process of its own session (its own
process group), so that a build past the time limit, a hung Chromium among its children included,
is killed whole.  The worker's thread meanwhile keeps the job's heartbeat; the child writes the
progress and, at the end, the PDF with the job's final state (reports/child.py).

A crash, a time-out or an error of the builder is tried again, REPORT_RETRIES times (the job is
queued again and its task scheduled after REPORT_RETRY_DELAY, then claimed again); after the last attempt the job fails with a
message the reader understands.  A place the reader may not see, or that no longer exists,
fails at once: trying again would not change it.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from typing import Any

from flask import Flask

from ..config import ROOT
from ..extensions import db
from . import batch, jobs
from .queue import worker_name

#: the child's exit status when the builder raised (a failure worth another attempt)
BUILD_FAILED = 3
#: the settings a child cannot be given as JSON, or must compute for itself
_NOT_PASSED = {"SQLALCHEMY_ENGINE_OPTIONS"}


def portable_config(app: Flask) -> dict[str, Any]:
    """The app's settings as JSON, for a child that makes the same app (tests' settings too)."""
    out: dict[str, Any] = {}
    for name, value in app.config.items():
        if not name.isupper() or name in _NOT_PASSED:
            continue
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            continue
        out[name] = value
    out["INSTANCE_PATH"] = app.instance_path
    return out


def run_job(app: Flask, key: str, run: str, retry: bool = True) -> str:
    """Claim the job for this run and build it; returns the job's state afterwards: ``done``,
    ``failed``, ``queued`` (to be tried again: the caller schedules it) or ``skipped`` (not this
    run's to build).  Attempts are counted in the job, against REPORT_RETRIES as it is now."""
    with app.app_context():
        with db.engine.begin() as connection:
            row = jobs.claim(connection, key, run, worker_name())
        if row is None:
            return "skipped"
        with db.engine.connect() as connection:
            limit = batch.time_limit(connection, row, float(app.config["REPORT_TIME_LIMIT"]))
        outcome, log_tail = _build_in_child(app, key, run, limit)
        with db.engine.begin() as connection:
            state = connection.execute(jobs.select_state(key, run)).scalar()
            if state in ("done", "failed"):
                jobs.prune(connection, row.request, row.round_year, row.format)
                return str(state)
            if state is None:
                return "skipped"  # replaced by another start meanwhile
            why = "timed out" if outcome == "timeout" else f"failed ({outcome})"
            app.logger.error("report job %s (%s, round %s) %s, attempt %s:\n%s", key, row.request, row.round_year,
                             why, row.attempts, log_tail)
            if retry and row.attempts <= int(app.config["REPORT_RETRIES"]) and jobs.requeue(connection, key, run):
                return "queued"
            jobs.fail(connection, key, run, jobs.TIMEOUT_MESSAGE if outcome == "timeout" else jobs.FAILED_MESSAGE)
            return "failed"


def _build_in_child(app: Flask, key: str, run: str, limit: float) -> tuple[str, str]:
    """Run the child to its end or the time limit (seconds): ``ok`` (the child set the final
    state), ``timeout``, or the way it ended; and the end of what it wrote to stderr."""
    payload = json.dumps({"config": portable_config(app), "key": key, "run": run}).encode()
    with tempfile.TemporaryFile() as errors, tempfile.TemporaryFile() as given:
        given.write(payload)
        given.seek(0)
        child = subprocess.Popen([sys.executable, "-m", "survey_app.reports.child"], stdin=given, stdout=errors,
                                 stderr=errors, cwd=str(ROOT), start_new_session=True)
        deadline = time.monotonic() + limit
        outcome = ""
        while not outcome:
            try:
                code = child.wait(timeout=max(0.05, min(jobs.HEARTBEAT_SECONDS, deadline - time.monotonic())))
            except subprocess.TimeoutExpired:
                if time.monotonic() >= deadline:
                    _kill_group(child)
                    outcome = "timeout"
                    break
                with db.engine.begin() as connection:
                    jobs.beat(connection, key, run)
                continue
            outcome = "ok" if code == 0 else "failed" if code == BUILD_FAILED else f"signal {-code}" if code < 0 else f"exit {code}"
        _kill_group(child)  # whatever the build left behind (a Chromium) goes with it
        errors.seek(0)
        tail = errors.read()[-4000:].decode("utf-8", "replace").strip()
    return outcome, tail


def _kill_group(child: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.wait(timeout=10)
