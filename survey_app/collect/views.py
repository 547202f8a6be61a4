"""The collection pages.  Without JavaScript the whole questionnaire is one page that posts to
the server (validation and skip logic there, through the one submission service); the script
in static/js/collect.js turns the same page into one section a screen that works offline."""
from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from pathlib import Path
from typing import Any

from flask import abort, current_app, jsonify, redirect, render_template, request, send_from_directory, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, select

from ..auth.scope import Scope
from ..auth.tokens import issue_token
from ..database import DriverConnection
from ..extensions import csrf, db
from ..instruments import current_versions, version_ref
from ..models import County, Questionnaire, Response, Site
from ..models.audit import record
from ..questionnaires import Questionnaire as Parsed
from ..questionnaires import validate_answers
from ..questionnaires.client import client_rules
from ..submissions.envelope import CST, parse_uuid
from ..submissions.imports import ImportFileError, import_items, read_export, summary
from ..submissions.receipts import device_receipt
from ..submissions.refusals import record_refusal
from ..submissions.service import submit
from . import bp
from .forms import CollectForm, answers_from_form, build_form

SETUP_KEY = "collect_setup"
CODE_MISMATCH = "两次输入的编码不一样，请核对"
CONSENT_NEEDED = "请先询问是否同意参加"


def page_texts() -> dict[str, str]:
    """What the page's script says, in the reader's language (Flask-Babel; the server's
    validation messages come with the rules)."""
    return {
        "required": gettext("必填"),
        "code": gettext("编码只能含字母、数字、- 和 _"),
        "mismatch": gettext(CODE_MISMATCH),
        "consent_needed": gettext(CONSENT_NEEDED),
        "thanks": gettext("已完成。谢谢您！"),
        "refused": gettext("谢谢您。没有记录任何回答。"),
        "queued": gettext("已保存在本机，有网络时自动上传。"),
        "saved": gettext("已上传到服务器。"),
        "resume": gettext("继续填写"),
        "storage_full": gettext("本机存储空间快满了：请尽快联网上传，或导出待上传数据。"),
        "storage_not_persistent": gettext("浏览器没有答应长期保存本机数据：请尽快联网上传，不要清除浏览器数据。"),
        "pin_rule": gettext("密码应为 4-8 位数字"),
        "pin_prompt": gettext("请输入退出密码"),
        "pin_wrong": gettext("密码不对"),
        "logout_pending": gettext("本机还有问卷没有上传。退出后要重新登录才能上传。确定退出吗？"),
    }


@bp.get("/")
@login_required
def index():
    return render_template("collect/index.html", questionnaires=current_versions(db.session))


def _lang() -> str:
    from .. import _select_locale

    return _select_locale()


def _places(scope: Scope) -> tuple[list[tuple[str, str]], list[tuple[str, str]], dict[str, list[tuple[str, str]]]]:
    """Counties and sites this user may collect in: (county choices, site choices, sites by county)."""
    counties_q = select(County).where(County.active.is_(True)).order_by(County.code)
    if scope.county_id is not None and not scope.is_programme:
        counties_q = counties_q.where(County.id == scope.county_id)
    counties = db.session.scalars(counties_q).all()
    ids = {c.id: c.code for c in counties}
    sites = db.session.scalars(select(Site).where(Site.active.is_(True), Site.county_id.in_(ids)).order_by(Site.code)).all()
    by_county: dict[str, list[tuple[str, str]]] = {}
    for site in sites:
        by_county.setdefault(ids[site.county_id], []).append((site.code, f"{site.township} · {site.name}"))
    all_sites = [pair for code in ids.values() for pair in by_county.get(code, [])]
    return [(c.code, f"{c.name}（{c.code}）") for c in counties], all_sites, by_county


def _version(qid: str) -> tuple[int, Parsed]:
    questionnaire = db.session.get(Questionnaire, qid)
    if questionnaire is None:
        abort(404)
    wanted = request.args.get("version", type=int) or questionnaire.current_version
    with DriverConnection(db.engine) as driver:
        ref = version_ref(driver, qid, wanted)
    if ref is None:
        abort(404)
    return wanted, ref.questionnaire


@bp.route("/<qid>", methods=["GET", "POST"])
@login_required
def form(qid: str):
    version, qn = _version(qid)
    lang = _lang()
    scope = Scope.of(current_user)
    counties, sites, sites_by_county = _places(scope)
    if request.method == "GET":
        remembered = session.get(SETUP_KEY, {})
        form = build_form(
            qn, lang, counties, sites,
            formdata=None,
            data={
                "county": remembered.get("county") or (counties[0][0] if len(counties) == 1 else None),
                "site": remembered.get("site"),
                "wave": remembered.get("wave"),
                "uuid": str(uuidlib.uuid4()),
                "started_at": dt.datetime.now(CST).isoformat(timespec="seconds"),
            },
        )
        return _page(form, qn, version, lang, sites_by_county)

    form = build_form(qn, lang, counties, sites)
    form.validate()
    # Here WTForms checks only the CSRF token and that a county is chosen; the answers are
    # judged by the submission service, like those from the API, in the person's language.
    errors = {name: list(problems) for name, problems in form.errors.items() if name not in qn.questions}
    if errors:
        return _page(form, qn, version, lang, sites_by_county, errors), 400
    session[SETUP_KEY] = {"county": form.county.data, "site": form.site.data or "", "wave": form.wave.data or ""}
    if request.form.get("step") == "start":
        # The set-up is confirmed; the interview itself follows on the same page.
        return _page(form, qn, version, lang, sites_by_county, started=True)

    if form.consent.data == "decline":
        with db.engine.connect() as connection:
            outcome = record_refusal(connection, _refusal_payload(form, qid), scope, source="web", lang=lang)
            connection.commit()
        if outcome.status in ("created", "duplicate"):
            return render_template("collect/done.html", qn=qn, qid=qid, refused=True, lang=lang)
        return _page(form, qn, version, lang, sites_by_county, outcome.errors), outcome.http_status
    if form.consent.data != "agree":
        errors["consent"] = [gettext(CONSENT_NEEDED)]
    if qn.respondent_code != "none" and (form.respondent_code.data or "") != (form.respondent_code_confirm.data or ""):
        errors["respondent_code_confirm"] = [gettext(CODE_MISMATCH)]
    payload = _payload(form, qn, qid, version)
    if errors:
        # Say everything at once: the answers' own problems too, from the same engine.
        errors.update(validate_answers(qn, payload["answers"]).rendered_errors(lang))
        return _page(form, qn, version, lang, sites_by_county, errors), 422
    with DriverConnection(db.engine) as driver:
        outcome = submit(driver, payload, scope, source="web", lang=lang)
    if outcome.status in ("created", "duplicate"):
        return render_template("collect/done.html", qn=qn, qid=qid, refused=False, lang=lang, duplicate=outcome.status == "duplicate")
    if outcome.status == "forbidden":
        abort(403)
    return _page(form, qn, version, lang, sites_by_county, outcome.errors), outcome.http_status


def _payload(form: CollectForm, qn: Parsed, qid: str, version: int) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "uuid": form.uuid.data,
        "questionnaire": qid,
        "version": version,
        "county": form.county.data,
        "started_at": form.started_at.data or None,
        "completed_at": dt.datetime.now(CST).isoformat(timespec="seconds"),
        "answers": answers_from_form(qn, request.form),
    }
    if form.site.data:
        payload["site"] = form.site.data
    if qn.wave != "none" and form.wave.data:
        payload["wave"] = form.wave.data
    if qn.respondent_code != "none" and form.respondent_code.data:
        payload["respondent_code"] = form.respondent_code.data
    return payload


def _refusal_payload(form: CollectForm, qid: str) -> dict[str, Any]:
    payload = {"uuid": form.uuid.data, "questionnaire": qid, "county": form.county.data,
               "declined_at": dt.datetime.now(CST).isoformat(timespec="seconds")}
    if form.site.data:
        payload["site"] = form.site.data
    if form.wave.data:
        payload["wave"] = form.wave.data
    return payload


def _page(form: CollectForm, qn: Parsed, version: int, lang: str, sites_by_county: dict, errors: dict | None = None, started: bool = False):
    errors = errors or {}
    known = {"county", "site", "wave", "respondent_code", "respondent_code_confirm", "consent", *qn.questions}
    general = {key: problems for key, problems in errors.items() if key not in known}
    return render_template(
        "collect/form.html", form=form, qn=qn, version=version, lang=lang, errors=errors, general=general,
        sites_by_county=sites_by_county, started=started, rules=client_rules(qn, version), texts=page_texts(),
    )


@bp.get("/<qid>/next")
@login_required
def next_respondent(qid: str):
    return redirect(url_for("collect.form", qid=qid))


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
    secret = issue_token(db.session, current_user, kind="device", label=device_id)
    record("device.token", actor_id=current_user.id, target=device_id)
    db.session.commit()
    return jsonify({"token": secret, "device_id": device_id}), 201


@bp.get("/manifest.json")
@login_required
def manifest():
    """What the service worker keeps for offline use: the pages of every current questionnaire
    (at their versioned address too), their audio, and the static files the pages use."""
    pages, audio = [url_for("collect.index"), url_for("collect.receipt")], []
    for questionnaire, version in current_versions(db.session):
        pages += [url_for("collect.form", qid=questionnaire.id), url_for("collect.form", qid=questionnaire.id, version=version.version)]
        with DriverConnection(db.engine) as driver:
            ref = version_ref(driver, questionnaire.id, version.version)
        if ref is not None:
            audio += [url_for("collect.audio", filename=q.audio) for q in ref.questionnaire.questions.values() if q.audio]
    static = [url_for("static", filename=name) for name in STATIC_FILES]
    return jsonify({"pages": pages, "audio": sorted(set(audio)), "static": static})


STATIC_FILES = (
    "css/app.css", "fonts/web/SanquSC-Regular.woff2", "fonts/web/SanquSC-Bold.woff2", "vendor/json-logic-js/logic.js",
    "js/rules.js", "js/store.js", "js/sync.js", "js/collect.js", "js/receipt.js",
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
    return render_template("collect/receipt.html", lang=_lang())


@bp.get("/devices")
@login_required
def devices():
    """Staff: the tablets that sent anything in their scope, with how much and when last."""
    scope = Scope.of(current_user)
    query = select(Response.device_id, func.count(), func.max(Response.received_at)).where(Response.device_id.is_not(None))
    if scope.role == "county":
        query = query.where(Response.county_id == scope.county_id)
    elif scope.role in ("team", "collector"):
        query = query.where(Response.team_id == scope.team_id)
    rows = db.session.execute(query.group_by(Response.device_id).order_by(func.max(Response.received_at).desc())).all()
    return render_template("collect/devices.html", rows=rows, lang=_lang())


@bp.get("/devices/<device_id>")
@login_required
def device_detail(device_id: str):
    parsed = parse_uuid(device_id)
    if parsed is None:
        abort(404)
    received = device_receipt(db.session, parsed, Scope.of(current_user))
    return render_template("collect/device.html", device_id=parsed, received=received, lang=_lang())


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
            results = import_items(db.engine, items, scope, lang=_lang())
            counts = summary(results)
            record("queue.import", actor_id=current_user.id, target=form.file.data.filename or "", **counts)
            db.session.commit()
    status = 422 if problem else 200
    return render_template("collect/import.html", form=form, results=results, counts=counts, problem=problem, lang=_lang()), status
