"""Every county's report at once (``all-counties``): one job that makes each county's report for a
round, one county after another, and hands them over in one ZIP, its progress the counties done
out of all with the county at work as its step.

A county's report of unchanged data that is already stored (asked for on its own, or by an
earlier ZIP) is taken as it is; one made here is stored as that county's finished job, so that
the county's own request for it is answered at once.  The ZIP names each file by the county's
Chinese name and code (平江县（430626）-评估报告-2026年度.pdf), in UTF-8 with the flag that says
so (general purpose bit 11), which Windows' own unzip, 7-Zip, WinRAR and Info-ZIP read.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.engine import Connection

from ..auth.scope import Scope
from ..database import DBSession
from ..extensions import db
from ..models import County, Response, Round
from . import formats, jobs
from .request import ALL_COUNTIES, ReportRequest
from .versions import cache_key, data_version, targets_file

Progress = Callable[[float, str], None]
Builder = Callable[[DBSession, ReportRequest, Scope, Progress], bytes]
CHINA = dt.timezone(dt.timedelta(hours=8))


class PartFailed(RuntimeError):
    """A county's report could not be made: the whole ZIP fails (the worker tries again), since a
    ZIP that silently lacks a county would be taken for complete."""


def counties(connection: Connection, round_year: int | None) -> list[tuple[str, str]]:
    """(code, name) of the counties a ZIP covers, by code: every county in the programme, and a
    county no longer active only when it has responses (in the round, when one is given), since
    its data is still in the programme's figures."""
    has_data = select(Response.id).where(Response.county_id == County.id)
    if round_year is not None:
        has_data = has_data.join(Round, Round.id == Response.round_id).where(Round.year == round_year)
    rows = connection.execute(select(County.code, County.name).where(County.active.is_(True) | exists(has_data))
                              .order_by(County.code)).all()
    return [(str(code), str(name)) for code, name in rows]


def time_limit(connection: Connection, job: Any, limit: float) -> float:
    """Seconds a build of ``job`` (a ``report_jobs`` row) may take: REPORT_TIME_LIMIT is one
    report's, and a ZIP may make every county's, in each of its formats, one after another."""
    if job.request != ALL_COUNTIES:
        return limit
    return limit * max(1, len(counties(connection, job.round_year))) * len(formats.HOLDS.get(job.format, ("pdf",)))


def entry_name(name: str, code: str, part: ReportRequest) -> str:
    covers = f"{part.round_year}年度" if part.round_year is not None else "全部年度"
    return f"{jobs.safe_name(name)}（{code}）-评估报告-{covers}.{part.file_type.extension}"


def report_zip(session: DBSession, request: ReportRequest, scope: Scope, progress: Progress, single: Builder) -> bytes:
    """The ZIP of every county's report for ``request``'s round, in the formats it asks for;
    ``single`` makes one county's report (REPORT_BUILDER)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    request.place(session, scope)  # the office's alone; an unknown round is refused here
    connection = session.connection()
    version = data_version(connection, targets_file(app))
    listed = counties(connection, request.round_year)
    session.rollback()  # no snapshot held while the reports are made
    kinds = formats.HOLDS[request.format]
    total = len(listed) * len(kinds)
    out = io.BytesIO()
    made_at = dt.datetime.now(CHINA).timetuple()[:6]
    with zipfile.ZipFile(out, "w") as archive:
        for i, (code, name) in enumerate(listed):
            for j, fmt in enumerate(kinds):
                done = i * len(kinds) + j
                step = f"{name}（{i + 1}/{len(listed)}）"
                progress(done / max(total, 1), step)
                part = request.of_county(code, fmt)

                def inner(fraction: float, text: str, done: int = done, step: str = step) -> None:
                    progress((done + min(max(fraction, 0.0), 1.0)) / max(total, 1), step)

                data = _county_report(session, part, scope, version, inner, single)
                entry = zipfile.ZipInfo(entry_name(name, code, part), date_time=made_at)
                entry.external_attr = 0o644 << 16
                # The files are compressed already (PDF streams, the .docx itself a ZIP): stored as they are.
                entry.compress_type = zipfile.ZIP_STORED
                archive.writestr(entry, data)
    progress(1.0, jobs.DONE_STEP)
    return out.getvalue()


def _county_report(session: DBSession, part: ReportRequest, scope: Scope, version: str, progress: Progress,
                   single: Builder) -> bytes:
    key = cache_key(part, version)
    with db.engine.connect() as connection:
        kept = jobs.stored(connection, key)
    if kept is not None:
        return kept
    try:
        data = single(session, part, scope, progress)
    except Exception as exc:
        raise PartFailed(f"{part.text} ({part.format}): {type(exc).__name__}: {exc}") from exc
    finally:
        session.rollback()
    if not formats.looks_like(part.kind, part.format, data):
        raise PartFailed(f"{part.text} ({part.format}): the builder returned {type(data).__name__}, not a {part.format}")
    names = jobs.describe(session, part)
    session.rollback()
    with db.engine.begin() as connection:
        jobs.keep_made(connection, part, key, names, data)
    return data
