"""The audio studio (/audio/): dialects, recording each prompt of a questionnaire, approval,
coverage; and the approved recordings served to tablets (/collect/recordings/, inside the
service worker's scope, so the form plays them offline).  Rules: audio/service.py."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..auth.places import pickable_places
from ..auth.scope import Scope
from ..extensions import db
from ..instruments import current_versions
from ..models import County, Dialect, Recording, Team
from . import service
from .service import StudioError

bp = Blueprint("audio", __name__, url_prefix="/audio")
#: the tablet's side: under /collect/ so that the collection service worker caches them
recordings_bp = Blueprint("recordings", __name__, url_prefix="/collect/recordings")


#: hex digits of a recording's sha256 in its address
DIGEST = 16


def anchor(key: str) -> str:
    """The id of a prompt's row on the studio page (``:`` made ``~``, so ids stay distinct)."""
    return "p-" + key.replace(":", "~")


def _words(error: StudioError) -> str:
    """A refusal in the reader's language."""
    words = {
        ("key", "unknown"): _("这个提示不属于这一版问卷。请刷新页面。"),
        ("audio", "type"): _("只收 WebM 或 Ogg 格式的 Opus 录音。"),
        ("audio", "empty"): _("录音是空的，请重录。"),
        ("audio", "too_big"): _("录音太大（每条最多 %(kb)s KB）：请说短一些重录。", kb=service.BUDGET_BYTES // 1024),
        ("audio", "unreadable"): _("读不出这段录音（不是 Opus 录音）。请重录。"),
        ("audio", "too_long"): _("录音太长（每条最多 %(s)s 秒），请重录。", s=service.MAX_DURATION_MS // 1000),
        ("recording", "forbidden"): _("社工可以录音，审核由工作队、县民政局或省项目办完成。"),
        ("dialect", "forbidden"): _("全省通用的方言只能由省项目办录音。"),
        ("recording", "approved"): _("这条录音已经审核通过。"),
        ("recording", "draft"): _("这条录音还没有审核通过。"),
        ("recording", "draft_waiting"): _("这个提示还有一条待审核的新录音：请先通过或删除它。"),
        ("code", "pattern"): _("代码：2-32 个小写字母、数字或 -，以字母开头，例如 fh-xx。"),
        ("code", "taken"): _("这个代码已经有了。"),
        ("name", "required"): _("请填写方言名称（最多 100 字）。"),
        ("county", "unknown"): _("没有这个县。"),
        ("team", "unknown"): _("没有这个工作队。"),
        ("team", "elsewhere"): _("这个工作队不在这个县。"),
        ("county", "outside"): _("不在你的范围内。"),
    }
    return words.get((error.field, error.code), _("内容有误。"))


def _place_choices(scope: Scope) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    picks = pickable_places(db.session, scope, active_only=True)
    return [(code, f"{name}（{code}）") for code, name in picks.county], picks.team


def _places_named(items: list[Dialect]) -> dict[int, str]:
    ids = {d.county_id for d in items if d.county_id}
    counties = {row.id: row.name for row in db.session.execute(select(County.id, County.name).where(County.id.in_(ids)))} if ids else {}
    team_ids = {d.team_id for d in items if d.team_id}
    teams = {row.id: row.name for row in db.session.execute(select(Team.id, Team.name).where(Team.id.in_(team_ids)))} if team_ids else {}
    return {d.id: (teams.get(d.team_id, "") if d.team_id else counties.get(d.county_id, "") if d.county_id else _("全省"))
            for d in items}


@bp.get("/")
@login_required
def index():
    scope = Scope.of(current_user)
    return _index(scope)


def _index(scope: Scope, status: int = 200, errors: dict[str, str] | None = None, typed: dict[str, str] | None = None) -> Any:
    items = service.dialects(db.session, scope)
    covered = service.coverage(db.session, dialect_list=items)
    by_dialect: dict[int, list[service.Coverage]] = {}
    for c in covered:
        by_dialect.setdefault(c.dialect.id, []).append(c)
    counties, teams = _place_choices(scope)
    return render_template(
        "audio/index.html", dialects=items, places=_places_named(items), coverage=by_dialect, may_create=service.can_create(scope),
        counties=counties, teams=teams, errors=errors or {}, typed=typed or {}, scope=scope,
    ), status


@bp.post("/dialects")
@login_required
def create():
    """A new dialect (audited)."""
    scope = Scope.of(current_user)
    form = {k: (request.form.get(k) or "").strip() for k in ("code", "name", "county", "team")}
    try:
        made = service.create_dialect(db.session, scope, form["code"], form["name"], form["county"], form["team"], ip=request.remote_addr)
    except StudioError as exc:
        db.session.rollback()
        if exc.status == 403:
            abort(403)
        return _index(scope, exc.status, {exc.field: _words(exc)}, form)
    db.session.commit()
    flash(_("已添加方言：%(name)s", name=made.name), "ok")
    return redirect(url_for("audio.index"))


@bp.get("/coverage")
@login_required
def coverage():
    scope = Scope.of(current_user)
    items = service.dialects(db.session, scope)
    return render_template("audio/coverage.html", coverage=service.coverage(db.session, dialect_list=items),
                           places=_places_named(items), anchor=anchor)


@bp.get("/<code>/<qid>")
@login_required
def studio(code: str, qid: str):
    scope = Scope.of(current_user)
    try:
        dialect = service.dialect(db.session, scope, code)
        version = service.current_version(db.session, qid)
    except StudioError:
        abort(404)
    ps = service.version_prompts(version)
    have = service.approved(db.session, version, [dialect.id]).get(dialect.id, {})
    waiting = service.drafts(db.session, version, dialect.id)
    title = next((q.title_zh for q, v in current_versions(db.session) if q.id == qid), qid)
    return render_template(
        "audio/studio.html", dialect=dialect, qid=qid, title=title, version=version, prompts=ps, approved=have, drafts=waiting,
        may_record=service.can_record(scope, dialect), may_approve=service.can_approve(scope, dialect), anchor=anchor,
        budget_kb=service.BUDGET_BYTES // 1024, max_seconds=service.MAX_DURATION_MS // 1000, bitrate=service.BITRATE,
        done=sum(1 for p in ps if p.key in have),
    )


@bp.post("/<code>/<qid>/recordings")
@login_required
def upload(code: str, qid: str):
    """A prompt's new draft (multipart: ``key``, ``audio``), from static/js/studio.js.  JSON
    replies: 201 with the draft, or 4xx ``{"error": message, "field": ...}``."""
    scope = Scope.of(current_user)
    try:
        dialect = service.dialect(db.session, scope, code)
        version = service.current_version(db.session, qid)
        audio = request.files.get("audio")
        data = audio.read(service.BUDGET_BYTES + 1) if audio is not None else b""
        declared = (audio.mimetype if audio is not None else "") or ""
        made = service.save_draft(db.session, scope, dialect, version, (request.form.get("key") or "").strip(), data, declared)
    except StudioError as exc:
        db.session.rollback()
        message = _("没有这个方言或问卷。") if exc.status == 404 else _words(exc)
        return jsonify({"error": message, "field": exc.field}), exc.status
    db.session.commit()
    return jsonify({"id": made.id, "key": made.prompt_key, "size": made.size, "duration_ms": made.duration_ms,
                    "url": url_for("audio.listen", recording_id=made.id, digest=made.sha256[:DIGEST], ext=made.extension)}), 201


def _act(recording_id: int, action: str) -> Any:
    scope = Scope.of(current_user)
    try:
        rec = service.recording(db.session, scope, recording_id)
    except StudioError:
        abort(404)
    back = url_for("audio.studio", code=rec.dialect.code, qid=_questionnaire_of(rec)) + "#" + anchor(rec.prompt_key)
    try:
        getattr(service, action)(db.session, scope, rec, ip=request.remote_addr)
    except StudioError as exc:
        db.session.rollback()
        if exc.status == 403:
            abort(403, description=_words(exc))
        flash(_words(exc), "error")
        return redirect(back), 303
    db.session.commit()
    return redirect(back), 303


def _questionnaire_of(rec: Recording) -> str:
    from ..models import QuestionnaireVersion

    version = db.session.get(QuestionnaireVersion, rec.version_id)
    assert version is not None
    return version.questionnaire_id


@bp.post("/recordings/<int:recording_id>/approve")
@login_required
def approve(recording_id: int):
    return _act(recording_id, "approve")


@bp.post("/recordings/<int:recording_id>/unapprove")
@login_required
def unapprove(recording_id: int):
    return _act(recording_id, "unapprove")


@bp.post("/recordings/<int:recording_id>/delete")
@login_required
def delete(recording_id: int):
    return _act(recording_id, "remove")


def _send(rec: Recording, max_age: int, private: bool = True) -> Any:
    data = db.session.scalar(select(Recording.data).where(Recording.id == rec.id))
    response = make_response(data)
    response.headers["Content-Type"] = rec.mime_type
    response.headers["Cache-Control"] = f"private, max-age={max_age}" + (", immutable" if max_age > 3600 else "")
    response.headers["ETag"] = f'"{rec.sha256}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/recordings/<int:recording_id>-<digest>.<any(webm, ogg):ext>")
@login_required
def listen(recording_id: int, digest: str, ext: str):
    """Any recording of a dialect within reach (drafts included), for the studio's listening."""
    try:
        rec = service.recording(db.session, Scope.of(current_user), recording_id)
    except StudioError:
        abort(404)
    if ext != rec.extension or digest != rec.sha256[:DIGEST]:
        abort(404)
    return _send(rec, 0)


@recordings_bp.get("/<int:recording_id>-<digest>.<any(webm, ogg):ext>")
@login_required
def serve(recording_id: int, digest: str, ext: str):
    """An approved recording, to any logged-in user (collectors included).  The address names
    its content (id and the start of its sha256: SQLite may give a deleted row's id again), so
    browsers and the service worker keep it a year."""
    rec = db.session.get(Recording, recording_id)
    if rec is None or rec.status != "approved" or ext != rec.extension or digest != rec.sha256[:DIGEST]:
        abort(404)
    return _send(rec, 365 * 24 * 3600)
