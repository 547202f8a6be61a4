"""What a tablet needs to work offline: the service worker and its manifest, the device token
that carries sync past the login session, question recordings, and the tablet's own receipt."""
from __future__ import annotations

from pathlib import Path

from flask import current_app, jsonify, render_template, request, send_from_directory, session, url_for
from flask_login import current_user, login_required

from ..audio.service import recordings_for
from ..auth.scope import Scope
from ..auth.tokens import TooManyDevices, issue_device_token
from ..database import DriverConnection
from ..extensions import csrf, db
from ..instruments import offered_versions, version_ref
from ..models.audit import record
from ..submissions.envelope import parse_uuid
from . import bp
from .app_manifest import ICON_FILES
from .views import language


@bp.get("/audio/<path:filename>")
def audio(filename: str):
    """A question's recording (local-dialect prompts), from questionnaires/audio/."""
    folder = Path(current_app.config["QUESTIONNAIRE_DIR"]) / "audio"
    return send_from_directory(folder, filename, max_age=7 * 24 * 3600)


@bp.post("/device")
@csrf.exempt
def device():
    """A device token for this collector and tablet, issued while the login session lasts, so
    that a response finished offline a week later still syncs (CSRF tokens expire in an hour).

    Exempt from the CSRF token, which an offline page may hold stale: a JSON body cannot be
    sent cross-site without a CORS preflight, and the Origin, when sent, must be this site.
    """
    if not current_user.is_authenticated:
        return jsonify({"error": "unauthorized"}), 401
    origin = request.headers.get("Origin")
    if not request.is_json or (origin is not None and origin != request.host_url.rstrip("/")):
        return jsonify({"error": "forbidden"}), 403
    body = request.get_json(silent=True) or {}
    device_id = parse_uuid(body.get("device_id"))
    if device_id is None:
        return jsonify({"errors": {"device_id": ["must be a UUID"]}}), 422
    if not Scope.of(current_user).can_collect:
        # the office and the bureaux may try the forms, but what they answer is a trial: no
        # token, so it never enters the data (the page says so)
        return jsonify({"error": "forbidden", "message": "只有工作队和社工的账号能在平板上采集。"
                        "Only team and social-worker accounts collect on tablets."}), 403
    try:
        secret = issue_device_token(db.session, current_user, device_id)
    except TooManyDevices:
        record("device.token_refused", actor_id=current_user.id, target=device_id,
               limit=current_app.config["DEVICE_TOKENS_PER_USER"])
        db.session.commit()
        return jsonify({"error": "too_many_devices", "message":
                        "这个账号在用的平板太多了。请在“我的平板”页面停用一台不用的平板，再登录。"
                        "This account has too many tablets in use: revoke an old one on the tablets page, then log in again."}), 409
    # the tablets this login holds: its logout revokes their tokens, not the user's other tablets'
    session["devices"] = sorted({*session.get("devices", []), device_id})[-8:]
    record("device.token", actor_id=current_user.id, target=device_id)
    db.session.commit()
    return jsonify({"token": secret, "device_id": device_id}), 201


@bp.get("/manifest.json")
@login_required
def manifest():
    """What the service worker keeps for offline use: the pages of every current questionnaire
    (at their versioned address too), their audio, the static files the pages use, and the
    approved prompt recordings (``recordings``) of the dialects within the user's reach."""
    pages, audio, recordings = [url_for("collect.index"), url_for("collect.receipt")], [], []
    scope = Scope.of(current_user)
    for questionnaire, version in offered_versions(db.session, scope):
        pages += [url_for("collect.form", qid=questionnaire.id), url_for("collect.form", qid=questionnaire.id, version=version.version)]
        # the approved prompt recordings of every dialect within reach (issue 13's audio studio),
        # listed apart: the service worker fetches them after the page, never during its first visit
        for dialect in recordings_for(db.session, version.id, scope)["dialects"].values():
            recordings += dialect["prompts"].values()
        with DriverConnection(db.engine) as driver:
            ref = version_ref(driver, questionnaire.id, version.version)
        if ref is not None:
            audio += [url_for("collect.audio", filename=q.audio) for q in ref.questionnaire.questions.values() if q.audio]
    # the web app manifest and its icons too: the installed app opens with no network
    static = [url_for("static", filename=name) for name in (*STATIC_FILES, *ICON_FILES)] + [url_for("collect.app_manifest")]
    return jsonify({"pages": pages, "audio": sorted(set(audio)), "static": static, "recordings": sorted(set(recordings))})


STATIC_FILES = (
    "css/app.css", "fonts/web/SanquSC-Regular.woff2", "fonts/web/SanquSC-Bold.woff2", "js/logic.js",
    "js/rules.js", "js/store.js", "js/sync.js", "js/speak.js", "js/collect.js", "js/receipt.js",
)


@bp.get("/sw.js")
def service_worker():
    # Served from /collect/ so that its scope covers the collection pages; never cached stale.
    response = current_app.send_static_file("js/sw.js")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    return response


@bp.get("/receipt")
@login_required
def receipt():
    """The sync receipt of this tablet: what it sent, and what the server holds for each."""
    return render_template("collect/receipt.html", lang=language())
