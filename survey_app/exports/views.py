"""The export page: choose a questionnaire, a format, codes or labels and a place within one's
scope; the file comes back as a streamed download.  Collectors get 403: they collect, the office,
the bureaux and the teams analyse."""
from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import RadioField, SelectField

from ..analysis.figures import PlaceError
from ..auth.scope import Scope
from ..extensions import db
from ..instruments import current_versions
from ..models import County, Team
from ..models import Response as StoredResponse
from ..reports.views import content_disposition
from . import codebook, service
from .csv_writer import csv_chunks
from .xlsx_writer import write_xlsx

bp = Blueprint("exports", __name__, url_prefix="/exports")

MIMETYPES = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
READ_BYTES = 256 * 1024


class ExportForm(FlaskForm):
    # Places are offered from the reader's scope but not enforced by the form: a place outside
    # it is a 403 from the query's own check (service.prepare), as on the report pages.
    questionnaire = SelectField("问卷", validate_choice=False)
    format = RadioField("格式", default="xlsx")
    values = RadioField("取值", default="codes")
    county = SelectField("县", validate_choice=False)
    team = SelectField("工作队", validate_choice=False)


def reader_scope() -> Scope:
    scope = Scope.of(current_user)
    if scope.role == "collector":
        abort(403)
    return scope


def _choices(form: ExportForm, scope: Scope) -> None:
    form.questionnaire.choices = [(q.id, f"{q.title_zh}（{q.id}）") for q, _v in current_versions(db.session)]
    form.format.choices = [("xlsx", _("Excel 表格（XLSX，含编码表）")), ("csv", _("CSV（UTF-8，Excel 可直接打开）"))]
    form.values.choices = [("codes", _("代码（如 yes、4）")), ("zh", _("中文标签（如 是、同意）")), ("en", _("英文标签"))]
    counties = select(County.code, County.name).order_by(County.code)
    teams = select(Team.code, Team.name).order_by(Team.code)
    if scope.role == "county":
        counties = counties.where(County.id == scope.county_id)
        teams = teams.where(Team.county_id == scope.county_id)
    elif scope.role == "team":
        counties = counties.where(County.id == scope.county_id)
        teams = teams.where(Team.id == scope.team_id)
    form.county.choices = [("", _("全部（我的范围）"))] + [(c, f"{n}（{c}）") for c, n in db.session.execute(counties)]
    form.team.choices = [("", _("全部工作队"))] + [(c, n) for c, n in db.session.execute(teams)]


def _counts(scope: Scope) -> dict[str, int]:
    """Responses of each questionnaire within the reader's scope (one GROUP BY)."""
    query = select(StoredResponse.questionnaire_id, func.count()).group_by(StoredResponse.questionnaire_id)
    if scope.role == "county":
        query = query.where(StoredResponse.county_id == scope.county_id)
    elif scope.role == "team":
        query = query.where(StoredResponse.team_id == scope.team_id)
    return {row[0]: row[1] for row in db.session.execute(query)}


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    scope = reader_scope()
    form = ExportForm()
    _choices(form, scope)
    if form.validate_on_submit():
        return _download(scope, form)
    return render_template(
        "exports/index.html", form=form, questionnaires=current_versions(db.session), counts=_counts(scope),
    ), 400 if form.errors else 200


def _download(scope: Scope, form: ExportForm) -> Response:
    try:
        found = service.prepare(db.session, scope, form.questionnaire.data or "", form.county.data, form.team.data,
                                form.values.data or "codes")
    except service.NoSuchQuestionnaire:
        abort(404)
    except PlaceError as exc:
        abort(exc.status)
    fmt = form.format.data or "xlsx"
    # The reads end before the audit is written: on SQLite a transaction whose snapshot is older
    # than another writer's commit cannot become a writer (docs/ARCHITECTURE.md).
    db.session.commit()
    service.audit(found, fmt, actor_id=scope.user_id, ip=request.remote_addr)
    db.session.commit()
    now = dt.datetime.now(dt.UTC)
    name, fallback = service.file_names(found, fmt, now.astimezone(service.CST).date())
    if fmt == "csv":
        body: Iterator[bytes] = csv_chunks(found.layout.header, service.data_rows(db.engine, found))
    else:
        # A zip's directory comes last, so the workbook is finished in a temporary file (rows
        # still read a page at a time) and then sent from it.
        body = _sent_once(_written(lambda path: service.write_file(db.engine, found, "xlsx", path, now)))
    return _attachment(body, fmt, name, fallback)


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
