"""The export page: choose a questionnaire, a format (CSV, XLSX, SPSS, Stata), labels or codes
and a place within one's scope; the file comes back as a streamed download, or, for an SPSS or
Stata file and a workbook too large to write inside the request, from a job the worker writes
(its page shows the progress, then the download).  Collectors get 403: they collect, the office, the
bureaux and the teams analyse."""
from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import RadioField, SelectField

from ..auth.guards import permitted
from ..auth.places import PlaceError, pickable_places
from ..auth.scope import Scope
from ..errors import status_of
from ..extensions import db
from ..instruments import current_versions
from ..models import Response as StoredResponse
from ..models.audit import record
from ..reports.queue import enqueue_export
from ..reports.views import content_disposition
from . import codebook, jobs, service
from .csv_writer import csv_chunks
from .xlsx_writer import write_xlsx

bp = Blueprint("exports", __name__, url_prefix="/exports")

#: the audit action of a finished job's download (its start is recorded as every export's, EXPORTED)
DOWNLOADED = "export.download"
MIMETYPES = {
    "csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    # neither has a registered type; these are the ones their own tools and R/Python readers use
    "sav": "application/x-spss-sav", "dta": "application/x-stata-dta",
}
READ_BYTES = 256 * 1024


class ExportForm(FlaskForm):
    # Places are offered from the reader's scope but not enforced by the form: a place outside
    # it is a 403 from the query's own check (service.prepare), as on the report pages.
    questionnaire = SelectField("问卷", validate_choice=False)
    format = RadioField("格式", default="xlsx")
    values = RadioField("取值")
    county = SelectField("县", validate_choice=False)
    team = SelectField("工作队", validate_choice=False)


def reader_scope() -> Scope:
    return permitted(lambda scope: scope.can_export)


def _choices(form: ExportForm, scope: Scope) -> dict[str, str]:
    """The form's choices; what each choice is for, in one plain line, by its value."""
    form.questionnaire.choices = [(q.id, f"{q.title_zh}（{q.id}）") for q, _v in current_versions(db.session)]
    form.format.choices = [("xlsx", _("Excel 表格（XLSX）")), ("csv", _("CSV 文件")),
                           ("sav", _("SPSS 数据文件（.sav）")), ("dta", _("Stata 数据文件（.dta）"))]
    form.values.choices = [("zh", _("中文标签")), ("en", _("英文标签")), ("codes", _("代码（供统计分析）"))]
    # The bureaux and the teams read the file themselves: labelled by default.  The programme
    # office hands data to evaluators: codes, as before, by default.
    if form.values.data is None:
        form.values.data = "codes" if scope.sees_programme else "zh"
    picks = pickable_places(db.session, scope)
    form.county.choices = [("", _("全部（我的范围）"))] + [(c, f"{n}（{c}）") for c, n in picks.county]
    form.team.choices = [("", _("全部工作队"))] + [(c, n) for c, n in picks.team]
    return {
        "xlsx": _("数据、编码表和说明三张工作表，用 Excel 或 WPS 打开。"),
        "csv": _("一张表，Excel 可直接打开，也便于导入其他软件。"),
        "sav": _("供 SPSS 分析：存代码，带变量标签和值标签。"),
        "dta": _("供 Stata 14 及以上版本分析：存代码，带变量标签和值标签。"),
        "zh": _("表头是题目的简称，答案、村和工作队写名称，前测/后测，指数保留一位小数：适合查看和汇总。"),
        "en": _("同上，用英文（村和工作队仍是中文名称）。"),
        "codes": _("列名和答案都是代码，与编码表对应：供统计分析。SPSS/Stata 文件总是存代码，标签用所选语言（选代码时为中文）。"),
    }


def _counts(scope: Scope) -> dict[str, int]:
    """Responses of each questionnaire within the reader's scope (one GROUP BY)."""
    query = (select(StoredResponse.questionnaire_id, func.count()).where(scope.rows(StoredResponse))
             .group_by(StoredResponse.questionnaire_id))
    return {row[0]: row[1] for row in db.session.execute(query)}


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    scope = reader_scope()
    form = ExportForm()
    hints = _choices(form, scope)
    if form.validate_on_submit():
        return _download(scope, form)
    return render_template(
        "exports/index.html", form=form, hints=hints, questionnaires=current_versions(db.session), counts=_counts(scope),
        recent=jobs.recent(db.session, scope.user_id), background_rows=current_app.config["EXPORT_BACKGROUND_ROWS"],
    ), 400 if form.errors else 200


def _download(scope: Scope, form: ExportForm) -> WerkzeugResponse:
    fmt = form.format.data or "xlsx"
    try:
        found = service.prepare(db.session, scope, form.questionnaire.data or "", form.county.data, form.team.data,
                                service.values_for(fmt, form.values.data or "codes"))
    except service.NoSuchQuestionnaire:
        abort(404)
    except PlaceError as exc:
        abort(status_of(exc))
    now = dt.datetime.now(dt.UTC)
    name, fallback = service.file_names(found, fmt, now.astimezone(service.CST).date())
    # The reads end before the audit is written: on SQLite a transaction whose snapshot is older
    # than another writer's commit cannot become a writer (docs/ARCHITECTURE.md).
    db.session.commit()
    # SPSS and Stata files are always the worker's: pyreadstat writes a whole DataFrame (memory
    # grows with the rows), and pandas, once imported, would stay in every web worker for good.
    if fmt in service.TABLE_FORMATS or (fmt == "xlsx" and found.rows > current_app.config["EXPORT_BACKGROUND_ROWS"]):
        return _start_job(scope, found, fmt, (name, fallback))
    service.audit(found, fmt, actor_id=scope.user_id, ip=request.remote_addr)
    db.session.commit()
    if fmt == "csv":
        body: Iterator[bytes] = csv_chunks(service.header(found), service.data_rows(db.engine, found))
    else:
        # A zip's directory comes last, so the workbook is finished in a temporary file (rows
        # still read a page at a time) and then sent from it.
        body = _sent_once(_written(lambda path: service.write_file(db.engine, found, "xlsx", path, now)))
    return _attachment(body, fmt, name, fallback)


def _start_job(scope: Scope, found: service.Export, fmt: str, names: tuple[str, str]) -> WerkzeugResponse:
    """An SPSS/Stata file, or a workbook too large for one request: a job for the worker, started
    (its row, its task on the queue and the audit record) in one transaction; the reader follows
    it on its page."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    connection = db.session.connection()
    # the write first: on SQLite a transaction that read before another writer's commit (the
    # worker's heartbeat, its queue) cannot become a writer (docs/ARCHITECTURE.md)
    key = jobs.start(connection, found, fmt, scope.user_id, names)
    jobs.prune(connection, dt.timedelta(hours=float(app.config["EXPORT_KEEP_HOURS"])))
    enqueue_export(app, connection, key)
    service.audit(found, fmt, actor_id=scope.user_id, ip=request.remote_addr, job=key)
    db.session.commit()
    return redirect(url_for(".job", key=key), 303)


def _own_job(key: str) -> jobs.Job:
    """The reader's own job; 404 for anyone else's (its key is not permission, and whether it
    exists is not theirs to know)."""
    scope = reader_scope()
    found = jobs.read(db.session, key)
    if found is None or found.owner_id != scope.user_id:
        abort(404)
    return found


@bp.get("/jobs/<key>")
@login_required
def job(key: str):
    found = _own_job(key)
    return render_template("exports/job.html", job=found, active=found.state in jobs.ACTIVE,
                           keep_hours=f"{float(current_app.config['EXPORT_KEEP_HOURS']):g}")


@bp.get("/jobs/<key>.json")
@login_required
def job_status(key: str):
    found = _own_job(key)
    reply = jsonify({"key": found.key, "questionnaire": found.questionnaire, "format": found.format, "rows": found.rows,
                     "state": found.state, "progress": round(found.progress, 3), "step": found.step,
                     "error": found.error or None,
                     "download": url_for(".job_file", key=found.key) if found.state == "done" else None})
    reply.headers["Cache-Control"] = "no-store"
    return reply


@bp.get("/jobs/<key>/file")
@login_required
def job_file(key: str):
    found = _own_job(key)
    if found.state != "done" or not jobs.has_file(db.session, key):
        abort(404)  # not finished, or deleted as expired since the page was shown
    db.session.commit()
    record(DOWNLOADED, actor_id=found.owner_id, target=found.questionnaire, ip=request.remote_addr, job=key,
           format=found.format, rows=found.rows)
    db.session.commit()
    reply = _attachment(jobs.pieces(db.engine, key), found.format, found.file_name, found.ascii_name)
    reply.headers["Content-Length"] = str(found.size)
    return reply


@bp.get("/<questionnaire>/codebook.<fmt>")
@login_required
def codebook_file(questionnaire: str, fmt: str):
    """The codebook alone (no responses in it), to prepare an analysis before the data."""
    reader_scope()
    if fmt not in service.FORMATS:
        abort(404)
    try:
        layout = service.layout_of(db.session, questionnaire)
    except service.NoSuchQuestionnaire:
        abort(404)
    today = dt.datetime.now(service.CST).date().strftime("%Y%m%d")
    name = f"{layout.current.title.zh}-编码表-{today}.{fmt}"
    fallback = f"{layout.current.id}-codebook-{today}.{fmt}"
    if fmt == "csv":
        return _attachment(csv_chunks(codebook.HEADER, codebook.rows(layout)), fmt, name, fallback)
    sheets = [("codebook", codebook.HEADER, codebook.rows(layout))]
    return _attachment(_sent_once(_written(lambda path: write_xlsx(path, sheets))), fmt, name, fallback)


def _attachment(body: Iterator[bytes], fmt: str, name: str, fallback: str) -> Response:
    reply = Response(body, mimetype=MIMETYPES[fmt])
    reply.headers["Content-Disposition"] = content_disposition(name, fallback)
    reply.headers["Cache-Control"] = "private, no-store"
    reply.headers["X-Content-Type-Options"] = "nosniff"
    return reply


def _written(write: Callable[[Path], object]) -> IO[bytes]:
    """An open handle on a file made by ``write(path)``, already unlinked: nothing is left on
    disk however the download ends."""
    fd, name = tempfile.mkstemp(prefix="sanqu-export-", suffix=".part")
    os.close(fd)
    path = Path(name)
    try:
        write(path)
        return path.open("rb")
    finally:
        path.unlink(missing_ok=True)


def _sent_once(handle: IO[bytes]) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(READ_BYTES):
            yield chunk
