"""The office's XLSForm drafts (issue 19): upload a workbook on the questionnaires page, look
at the draft (what it becomes, what changes, its rules in words), try it as a tablet shows it,
then publish it as a version or discard it.  The rules are in ``survey_app/drafts/``.

The preview is the tablet's own form page in a preview mode: its submissions go to a dry run
that judges them as a real submission is judged and stores nothing, and its script keeps
nothing on the device (static/js/collect.js, ``data-preview``)."""
from __future__ import annotations

import datetime as dt
import re
import uuid as uuidlib
from pathlib import Path, PurePosixPath
from typing import Any

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import AnyOf, InputRequired, Regexp

from ..audio.prompts import consent_paragraphs, greeting, thanks
from ..bounds import CST
from ..collect.forms import answers_from_form, build_form
from ..collect.views import CONSENT_NEEDED, _places, language, page_texts
from ..drafts import service
from ..drafts.review import review
from ..drafts.trial import Verdict, judge
from ..drafts.workbook import MAX_BYTES
from ..extensions import db
from ..models import QuestionnaireDraft
from ..questionnaires import Definition, build
from ..questionnaires.client import client_rules
from . import bp
from .questionnaires import _office, render_listing

#: read past the workbook limit, so that a file a little too large is told its size and the
#: limit (deploy/nginx/sanqu-locations.conf lets as much through)
_SLACK = 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UploadForm(FlaskForm):
    workbook = FileField(_l("XLSForm 文件（.xlsx）"), validators=[FileRequired(_l("请选一个 .xlsx 文件。"))])


class PublishForm(FlaskForm):
    #: the current version the office compared the draft with (0: a new questionnaire)
    against = HiddenField(validators=[InputRequired(), Regexp(r"^[0-9]{1,9}$")])


class DiscardForm(FlaskForm):
    #: posted twice, done once
    discard = HiddenField(validators=[AnyOf(("1",))])


def _limit() -> int:
    return int(current_app.config.get("XLSFORM_MAX_BYTES", MAX_BYTES))


@bp.url_value_preprocessor
def _upload_body_limit(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    # Before any before_request handler reads the form (the CSRF check, the NUL check): a
    # workbook may be larger than the 1 MB every other request is held to.
    if endpoint == "admin.upload_draft" and request.method == "POST":
        request.max_content_length = _limit() + _SLACK


def _folder() -> Path:
    return Path(current_app.config["QUESTIONNAIRE_DIR"])


def _draft(draft_id: int) -> QuestionnaireDraft:
    draft = db.session.get(QuestionnaireDraft, draft_id)
    if draft is None:
        abort(404)
    return draft


def _file_name(raw: str | None) -> str:
    """The uploaded file's own name, as its problems name it: no folders, no control characters."""
    name = _CONTROL.sub("", PurePosixPath((raw or "").replace("\\", "/")).name).strip()
    return name[-200:] or "form.xlsx"


@bp.post("/questionnaires/drafts")
@login_required
def upload_draft():
    """An XLSForm converted and kept as a draft (nothing is stored when it has problems)."""
    scope = _office()
    form = UploadForm()
    if not form.validate():
        return render_listing(upload=form, status=422)
    name = _file_name(form.workbook.data.filename)
    data = form.workbook.data.read(_limit() + 1)
    outcome = service.upload(db.session, data, name, _folder(), scope.user_id, _limit())
    if outcome.draft is None:
        db.session.rollback()
        return render_listing(upload=form, problems=outcome.problems, status=outcome.status)
    db.session.commit()
    return redirect(url_for("admin.draft", draft_id=outcome.draft.id), 303)


@bp.get("/questionnaires/drafts/<int:draft_id>")
@login_required
def draft(draft_id: int):
    _office()
    return _draft_page(_draft(draft_id))


def _draft_page(draft: QuestionnaireDraft, status: int = 200):
    seen = review(db.session, draft, _folder(), language())
    return render_template("admin/draft.html", review=seen, draft=draft, qn=seen.qn, lang=language(),
                           publish=PublishForm(data={"against": str(seen.against)}), discard=DiscardForm(data={"discard": "1"})), status


@bp.post("/questionnaires/drafts/<int:draft_id>/publish")
@login_required
def publish_draft(draft_id: int):
    scope = _office()
    draft = _draft(draft_id)
    form = PublishForm()
    if not form.validate():
        abort(400)
    try:
        published = service.publish(db.session, draft, _folder(), scope.user_id, int(form.against.data))
    except service.AlreadyDecided:
        db.session.rollback()
        flash(_("这份草稿已经处理过了，没有再发布。"), "warn")
        return redirect(url_for("admin.draft", draft_id=draft_id), 303)
    except service.DraftError as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return _draft_page(_draft(draft_id), refused.status)
    db.session.commit()
    if published.created:
        flash(_("已发布为 %(id)s 的 v%(n)d，写入了 %(file)s。新的访问从这个版本开始。",
                id=draft.questionnaire_id, n=published.version, file=published.path.name), "ok")
    else:
        flash(_("内容与旧版本 v%(n)d 相同：v%(n)d 重新成为当前版本，没有新的版本号。写入了 %(file)s。",
                n=published.version, file=published.path.name), "ok")
    return redirect(url_for("admin.questionnaire", qid=draft.questionnaire_id), 303)


@bp.post("/questionnaires/drafts/<int:draft_id>/discard")
@login_required
def discard_draft(draft_id: int):
    scope = _office()
    draft = _draft(draft_id)
    if not DiscardForm().validate():
        abort(400)
    try:
        service.discard(db.session, draft, scope.user_id)
    except service.AlreadyDecided:
        db.session.rollback()
        flash(_("这份草稿已经处理过了。"), "warn")
        return redirect(url_for("admin.draft", draft_id=draft_id), 303)
    db.session.commit()
    flash(_("已放弃这份草稿：没有发布任何东西。"), "ok")
    return redirect(url_for("admin.questionnaires"), 303)


@bp.route("/questionnaires/drafts/<int:draft_id>/preview", methods=["GET", "POST"])
@login_required
def draft_preview(draft_id: int):
    """The tablet's form for the draft; what it submits is judged and shown, never stored."""
    scope = _office()
    draft = _draft(draft_id)
    qn = build(draft.definition)
    lang = language()
    if request.method == "POST" and request.is_json:
        verdict = judge(qn, request.get_json(silent=True), lang)
        return jsonify(verdict.as_json()), 200 if verdict.accepted else 422
    counties, sites, by_county = _places(scope)
    if request.method == "GET":
        form = build_form(qn, lang, counties, sites, formdata=None, data={
            "county": counties[0][0] if len(counties) == 1 else None, "uuid": str(uuidlib.uuid4()),
            "started_at": dt.datetime.now(CST).isoformat(timespec="seconds")})
        return _preview_page(draft, qn, form, lang, by_county)
    form = build_form(qn, lang, counties, sites)
    form.validate()
    if request.form.get("step") == "start":
        return _preview_page(draft, qn, form, lang, by_county, started=True)
    verdict = _judge_form(qn, form, lang)
    return render_template("admin/draft_verdict.html", draft=draft, qn=qn, verdict=verdict, lang=lang), 200 if verdict.accepted else 422


def _preview_page(draft: QuestionnaireDraft, qn: Definition, form: Any, lang: str, by_county: dict, started: bool = False):
    return render_template(
        "collect/form.html", preview=draft, form=form, qn=qn, version=0, lang=lang, errors={}, general={},
        sites_by_county=by_county, started=started, rules=client_rules(qn, 0), texts={**page_texts(), **_preview_texts()},
        recordings={"dialects": {}}, greeting=greeting(qn).get(lang), thanks=thanks(qn).get(lang),
        consent_lines=[(f"consent:{n}", t.get(lang)) for n, t in enumerate(consent_paragraphs(qn), start=1)],
    )


def _judge_form(qn: Definition, form: Any, lang: str) -> Verdict:
    """The page posted without its script: the same judgement, from the form's fields."""
    if qn.consent is not None and form.consent.data == "decline":
        return Verdict(True, declined=True)
    payload: dict[str, Any] = {
        "uuid": form.uuid.data, "county": form.county.data, "started_at": form.started_at.data or None,
        "completed_at": dt.datetime.now(CST).isoformat(timespec="seconds"), "answers": answers_from_form(qn, request.form),
    }
    for key in ("site", "wave", "respondent_code"):
        if getattr(form, key).data:
            payload[key] = getattr(form, key).data
    verdict = judge(qn, payload, lang)
    if qn.consent is not None and form.consent.data != "agree":
        verdict.accepted = False
        verdict.errors = {"consent": [str(CONSENT_NEEDED)], **verdict.errors}
    return verdict


def _preview_texts() -> dict[str, str]:
    return {
        "preview_accepted": _("会被接受。这是预览：什么都没有保存。"),
        "preview_rejected": _("不会被接受，服务器会退回："),
        "preview_refused": _("不参加：正式访问时什么都不记录。这是预览：什么都没有保存。"),
        "preview_failed": _("没有连上服务器，无法检查。这是预览：什么都没有保存。"),
        "preview_expired": _("页面打开太久，已经过期：请刷新页面再试。这是预览：什么都没有保存。"),
        "preview_stored_as": _("会这样保存："),
        "preview_question": _("题目"), "preview_answer": _("回答"), "preview_value": _("保存的值"),
        "preview_cleared": _("被跳题规则清除的回答："),
    }

