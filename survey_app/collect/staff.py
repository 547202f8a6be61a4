"""Staff pages about tablets: which sent what (sync receipts), and importing a queue exported
from a tablet that could not sync."""
from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, select

from ..auth.scope import Scope
from ..extensions import db
from ..models import Questionnaire, Response
from ..models.audit import record
from ..submissions.envelope import parse_uuid
from ..submissions.imports import ImportFileError, import_items, read_export, summary
from ..submissions.receipts import device_receipt, within_reach
from . import bp
from .views import language


@bp.get("/devices")
@login_required
def devices():
    """Staff: the tablets that sent anything in their scope, with how much and when last."""
    scope = Scope.of(current_user)
    query = select(Response.device_id, func.count(), func.max(Response.received_at)).where(
        Response.device_id.is_not(None), within_reach(Response, scope)
    )
    rows = db.session.execute(query.group_by(Response.device_id).order_by(func.max(Response.received_at).desc())).all()
    return render_template("collect/devices.html", rows=rows, lang=language())


@bp.get("/devices/<device_id>")
@login_required
def device_detail(device_id: str):
    parsed = parse_uuid(device_id)
    if parsed is None:
        abort(404)
    received = device_receipt(db.session, parsed, Scope.of(current_user))
    lang = language()
    titles = {q.id: q.title_in(lang) for q in db.session.scalars(select(Questionnaire))}
    return render_template("collect/device.html", device_id=parsed, received=received, titles=titles, lang=lang)


class ImportForm(FlaskForm):
    file = FileField(validators=[FileRequired()])


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_queue():
    """Staff: upload a queue exported from a tablet that could not sync."""
    scope = Scope.of(current_user)
    if scope.role == "collector":
        abort(403)
    form = ImportForm()
    results, counts, problem = None, None, None
    if form.validate_on_submit():
        try:
            items = read_export(form.file.data.read())
        except ImportFileError as exc:
            problem = f"{form.file.data.filename}: {exc}"
        else:
            # End the session's read transaction first: on SQLite a reader that others wrote
            # after cannot become a writer (for the audit record below).
            db.session.commit()
            results = import_items(db.engine, items, scope, lang=language())
            counts = summary(results)
            record("queue.import", actor_id=current_user.id, target=form.file.data.filename or "", **counts)
            db.session.commit()
    status = 422 if problem else 200
    return render_template("collect/import.html", form=form, results=results, counts=counts, problem=problem, lang=language()), status
