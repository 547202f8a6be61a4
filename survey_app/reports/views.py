"""The report pages: choose a report (as PDF or Word), follow its job, download the file; the
office also makes every county's reports at once, as a ZIP.  Every route checks the reader's
scope against the report the job makes: knowing a job's key is not permission."""
from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

from flask import Blueprint, abort, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField
from wtforms.validators import Regexp

from .. import rounds
from ..auth.guards import permitted
from ..auth.places import PlaceError, pickable_places
from ..auth.scope import Scope
from ..errors import status_of
from ..extensions import db
from ..models import Round
from ..models.audit import record
from . import jobs
from .request import ReportRequest

bp = Blueprint("reports", __name__, url_prefix="/reports")

#: audit actions (the trail spells actions noun.verb, as login.success and token.issue)
STARTED, DOWNLOADED = "report.start", "report.download"


class ReportForm(FlaskForm):
    # Choices are offered from the reader's scope, but not enforced by the form: a report outside
    # the scope is a 403 from the same check as every other route, not a form error.  The
    # all-counties action posts this form too, with its own format choices.
    scope = SelectField("报告范围", validate_choice=False)
    round = SelectField("年度", validate_choice=False, validators=[Regexp(r"^([0-9]{4})?$", message="年度不对")])
    # blank (a form from before the choice existed): the report's default format
    format = SelectField("格式", validate_choice=False, validators=[Regexp(r"^(pdf|docx|both)?$", message="格式不对")])


def format_choices() -> list[tuple[str, str]]:
    return [("pdf", _("PDF（打印、存档）")), ("docx", _("Word（可编辑，.docx）"))]


def batch_format_choices() -> list[tuple[str, str]]:
    return [("both", _("PDF 和 Word")), ("pdf", _("只要 PDF")), ("docx", _("只要 Word"))]


def reader_scope() -> Scope:
    # collectors collect; reports are for the office, the bureaux and the teams
    return permitted(lambda scope: scope.can_view_reports)


def authorize(report: ReportRequest, scope: Scope) -> None:
    """403 outside the reader's scope, 422 for an unknown code or round."""
    if scope.bound_to_team and report.kind != "team":
        # place_for narrows a county to the reader's team; a "county" report of one team's
        # responses would then be stored (and served) as the county's.
        abort(403)
    try:
        report.place(db.session, scope)
    except PlaceError as exc:
        abort(status_of(exc))


def scope_choices(scope: Scope) -> dict[str, list[tuple[str, str]]]:
    """The reports this reader may make, grouped for the select's optgroups."""
    picks = pickable_places(db.session, scope)
    groups: dict[str, list[tuple[str, str]]] = {}
    if scope.sees_programme:
        groups[_("全省")] = [("programme", _("全省（全部项目县）"))]
    if not scope.bound_to_team:
        groups[_("县")] = [(f"county:{code}", f"{name}（{code}）") for code, name in picks.county]
    # each county's teams together, in the counties' order
    groups[_("工作队")] = [(f"team:{code}", f"{county} · {name}") for county_code, county in picks.county
                         for code, name in picks.team if picks.team_county[code] == county_code]
    return {label: rows for label, rows in groups.items() if rows}


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    scope = reader_scope()
    form = ReportForm()
    form.scope.choices = scope_choices(scope)
    found = db.session.execute(select(Round.year, Round.name, Round.starts_on, Round.ends_on).order_by(Round.year.desc())).all()
    form.round.choices = [("", _("全部年度"))] + [(str(year), rounds.label(name, start, end)) for year, name, start, end in found]
    form.format.choices = format_choices()
    if form.validate_on_submit():
        try:
            report = ReportRequest.parse(form.scope.data, int(form.round.data) if form.round.data else None,
                                         form.format.data or None)
        except ValueError:
            abort(422)
        authorize(report, scope)
        job = jobs.start(report)
        audit(STARTED, scope, report.text, round=report.round_year, format=report.format, key=job.key, state=job.state)
        return redirect(url_for(".job", key=job.key))
    allowed = {value for rows in form.scope.choices.values() for value, _label in rows}
    recent = jobs.recent(db.session, None if scope.sees_programme else allowed)
    zips = jobs.recent(db.session, None, limit=5, zips=True) if scope.sees_programme else []
    return render_template("reports/index.html", form=form, recent=recent, zips=zips, all_counties=scope.sees_programme,
                           batch_formats=batch_format_choices(), labels=FORMAT_LABELS), 400 if form.errors else 200


#: how the list of recent reports says what each file is
FORMAT_LABELS = {"pdf": "PDF", "docx": "Word", "zip": "ZIP"}


def _job(key: str) -> jobs.Job:
    scope = reader_scope()
    job = jobs.read(db.session, key)
    if job is None:
        abort(404)
    try:
        report = job.report_request
    except ValueError:
        abort(404)
    authorize(report, scope)
    return job


@bp.get("/jobs/<key>")
@login_required
def job(key: str):
    found = _job(key)
    return render_template("reports/job.html", job=found, active=found.state in jobs.ACTIVE,
                           download=download_url(found), kind=found.file_type.label)


@bp.get("/jobs/<key>.json")
@login_required
def job_status(key: str):
    found = _job(key)
    reply = jsonify(_status(found))
    reply.headers["Cache-Control"] = "no-store"
    return reply


def _status(job: jobs.Job) -> dict[str, Any]:
    return {"key": job.key, "request": job.request, "round": job.round_year, "format": job.format, "title": job.title,
            "state": job.state, "progress": round(job.progress, 3), "step": job.step, "error": job.error or None,
            "download": download_url(job) if job.state == "done" else None}


def download_url(job: jobs.Job) -> str:
    return url_for(".download", key=job.key, ext=job.file_type.extension)


@bp.get("/jobs/<key>.<any(pdf, docx, zip):ext>")
@login_required
def download(key: str, ext: str):
    found = _job(key)
    if found.state != "done" or found.file_type.extension != ext:
        abort(404)
    data = jobs.file_of(db.session, key)
    if data is None:
        abort(404)  # deleted as an old copy since the page was shown
    reply = send_file(io.BytesIO(data), mimetype=found.file_type.mimetype, max_age=0)
    reply.headers["Content-Disposition"] = content_disposition(found.file_name, found.ascii_name)
    reply.headers["Cache-Control"] = "private, no-store"
    audit(DOWNLOADED, Scope.of(current_user), found.request, round=found.round_year, format=found.format, key=key)
    return reply


def audit(action: str, scope: Scope, target: str, **detail: Any) -> None:
    # The reads of this request end first: on SQLite a transaction whose snapshot is older than
    # another writer's commit cannot become a writer, and the busy timeout does not help
    # (docs/ARCHITECTURE.md, "SQLite and mixed connections").
    db.session.commit()
    record(action, actor_id=scope.user_id, target=target, ip=request.remote_addr, **detail)
    db.session.commit()


def content_disposition(name: str, fallback: str) -> str:
    """An attachment with its Chinese name (RFC 5987 ``filename*``) and an ASCII one for clients
    that ignore it."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
