"""Staff pages about tablets: which sent what (sync receipts), and importing a queue exported
from a tablet that could not sync."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, select

from ..auth.guards import permitted
from ..auth.scope import Scope
from ..auth.tokens import device_idle_limit, revoke_user_tokens
from ..extensions import db
from ..models import ApiToken, Questionnaire, Response
from ..models.audit import record
from ..models.types import utcnow
from ..submissions.envelope import parse_uuid
from ..submissions.imports import ImportFileError, import_items, read_export, summary
from ..submissions.receipts import device_receipt
from . import bp
from .views import language


@bp.get("/devices")
@login_required
def devices():
    """Staff: the tablets that sent anything in their scope, with how much and when last."""
    scope = Scope.of(current_user)
    query = select(Response.device_id, func.count(), func.max(Response.received_at)).where(
        Response.device_id.is_not(None), scope.rows(Response, own_tablets=True)
    )
    rows = db.session.execute(query.group_by(Response.device_id).order_by(func.max(Response.received_at).desc())).all()
    return render_template("collect/devices.html", rows=rows, lang=language(), tokens=_my_tablets(), revoke=FlaskForm())


def _my_tablets() -> list[dict]:
    """The user's tablets and the state of each one's newest sync token (issue 15)."""
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == current_user.id, ApiToken.kind == "device")
                                .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).all()
    expiry = device_idle_limit()
    now = utcnow()
    newest: dict[str, dict] = {}
    for token in tokens:
        if token.label in newest:
            continue
        used = token.last_used_at or token.created_at
        state = "revoked" if token.revoked_at else "expired" if used < now - expiry else "live"
        newest[token.label] = {"device_id": token.label, "state": state, "created_at": token.created_at,
                               "last_used_at": token.last_used_at, "expires_at": used + expiry}
    return list(newest.values())


@bp.post("/devices/<device_id>/revoke")
@login_required
def revoke_device(device_id: str):
    """Revoke one of the user's tablets (lost, handed on): its queue waits until someone logs in
    on it again; the other tablets keep syncing."""
    if not FlaskForm().validate():
        abort(400)
    revoked = revoke_user_tokens(db.session, current_user, kind="device", labels=[device_id])
    record("device.revoke", actor_id=current_user.id, target=device_id[:64], revoked=revoked)
    db.session.commit()
    flash(_("已停用这台平板的同步。"), "ok")
    return redirect(url_for("collect.devices"))


@bp.post("/devices/revoke-all")
@login_required
def revoke_all_devices():
    if not FlaskForm().validate():
        abort(400)
    revoked = revoke_user_tokens(db.session, current_user, kind="device")
    record("device.revoke", actor_id=current_user.id, target="*", revoked=revoked)
    db.session.commit()
    flash(_("已停用您所有平板的同步。"), "ok")
    return redirect(url_for("collect.devices"))


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
    scope = permitted(lambda scope: scope.can_import_queues)
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
