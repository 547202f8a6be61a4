"""Staff pages for responses and the audit trail.  What a page may show is decided in the
queries (``Scope.rows``), not only here: a county bureau's page cannot list another county's
responses whatever its URL says."""
from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from ..analysis import flags as sqlflags
from ..auth.guards import filtered_place, permitted
from ..auth.places import pickable_places
from ..auth.scope import Scope
from ..bounds import bounded_int
from ..extensions import db
from ..findings.quality import flag_names
from ..instruments import parsed
from ..models import AuditEvent, IndexScore, Questionnaire, QuestionnaireVersion
from ..models.audit import record
from ..submissions.latest import set_excluded
from . import audit_log, bp, browse


def _staff() -> Scope:
    """Collectors collect: the response pages are for the office, the bureaux and the teams."""
    return permitted(lambda scope: scope.can_browse_responses)


def _date(args: MultiDict[str, str], key: str, problems: dict[str, str]) -> dt.date | None:
    text = (args.get(key) or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        problems[key] = _("日期应写成 2026-05-01 的样子。")
        return None


def _before(args: MultiDict[str, str]) -> int | None:
    return bounded_int(args.get("before", ""))


def _response_filter(scope: Scope, args: MultiDict[str, str]) -> tuple[browse.ResponseFilter, dict[str, str], dict[str, str]]:
    """The filter in the URL, the values as given (to fill the form again) and a message per bad
    field; a place outside the reader's reach is refused (403), not silently narrowed."""
    keys = ("questionnaire", "county", "team", "site", "wave", "since", "until", "flag", "state", "code")
    values = {key: (args.get(key) or "").strip() for key in keys}
    problems: dict[str, str] = {}
    questionnaire = values["questionnaire"] or None
    if questionnaire is not None and db.session.get(Questionnaire, questionnaire) is None:
        problems["questionnaire"] = _("没有这个问卷。")
        questionnaire = None
    place = filtered_place(db.session, scope, values, problems)
    wave = values["wave"] or None
    if wave is not None and wave not in browse.WAVE_CHOICES:
        problems["wave"], wave = _("测次只能是前测、后测或未注明。"), None
    flag = values["flag"] or None
    if flag is not None and flag not in (*sqlflags.FLAGS, "any"):
        problems["flag"], flag = _("没有这种质量标记。"), None
    if flag is not None and questionnaire is None:
        problems["flag"], flag = _("按质量标记筛选时请先选问卷。"), None
    state = values["state"] or "all"
    if state not in browse.STATES:
        problems["state"], state = _("没有这个选项。"), "all"
    filt = browse.ResponseFilter(
        questionnaire=questionnaire, county_id=place.county_id, site_id=place.site_id, team_id=place.team_id, wave=wave,
        since=_date(args, "since", problems), until=_date(args, "until", problems), flag=flag, state=state,
        code=values["code"][:64] or None,
    )
    return filt, values, problems


def _choices(scope: Scope) -> dict[str, list[tuple[str, str]]]:
    questionnaires = select(Questionnaire.id, Questionnaire.title_zh).order_by(Questionnaire.id)
    return {
        "questionnaire": [(str(a), str(b)) for a, b in db.session.execute(questionnaires)],
        **pickable_places(db.session, scope, all_sites=True).choices(),
    }


@bp.get("/responses")
@login_required
def responses():
    scope = _staff()
    filt, values, problems = _response_filter(scope, request.args)
    page = browse.browse(db.session, scope, filt, before=_before(request.args))
    more = None
    if page.next_before is not None:
        more = url_for("admin.responses") + "?" + urlencode({**{k: v for k, v in values.items() if v}, "before": page.next_before})
    status = 422 if problems else 200
    return render_template("admin/responses.html", page=page, values=values, problems=problems, more=more,
                           choices=_choices(scope), flag_names=flag_names(), flags=sqlflags.FLAGS), status


class ExclusionForm(FlaskForm):
    #: what the button asks for ("1" leave out, "0" count again): a form posted twice, or by two
    #: people at once, then does the same thing once instead of toggling back
    exclude = HiddenField(validators=[AnyOf(("0", "1"))])
    reason = TextAreaField(validators=[DataRequired(message=_l("请写明原因。")), Length(max=500, message=_l("原因最多 500 字。"))])


def _detail(scope: Scope, response_id: int, form: ExclusionForm, status: int = 200) -> Any:
    response = browse.visible(db.session, scope, response_id)
    if response is None:
        abort(404)
    version = db.session.get(QuestionnaireVersion, response.version_id)
    qn = parsed(version) if version is not None else None
    scores = db.session.execute(select(IndexScore.index_id, IndexScore.score).where(IndexScore.response_id == response.id)).all()
    history = db.session.execute(
        select(AuditEvent.at, AuditEvent.action, AuditEvent.detail).where(AuditEvent.target == f"response:{response.id}")
        .order_by(AuditEvent.id)).all()
    return render_template(
        "admin/response.html", response=response, qn=qn, version=version, scores=scores, history=history,
        flags=browse.flags_of(db.session, response), flag_names=flag_names(), form=form,
        may_exclude=browse.may_exclude(scope, response),
    ), status


@bp.get("/responses/<int:response_id>")
@login_required
def response_detail(response_id: int):
    scope = _staff()
    form = ExclusionForm()
    response = browse.visible(db.session, scope, response_id)
    form.exclude.data = "0" if response is not None and response.excluded else "1"
    return _detail(scope, response_id, form)


@bp.post("/responses/<int:response_id>/exclusion")
@login_required
def exclusion(response_id: int):
    """Leave a response out of the figures, or count it again: soft (the answers stay),
    reversible, with a reason that goes into the audit trail.  Answers are never edited."""
    scope = _staff()
    response = browse.visible(db.session, scope, response_id)
    if response is None:
        abort(404)
    if not browse.may_exclude(scope, response):
        abort(403)
    form = ExclusionForm()
    if not form.validate_on_submit():
        return _detail(scope, response_id, form, 422)
    exclude = form.exclude.data == "1"
    if response.excluded == exclude:
        flash(_("这份问卷已经是这个状态，未作改动。"), "ok")
        return redirect(url_for("admin.response_detail", response_id=response_id))
    reason = form.reason.data.strip()
    db.session.rollback()  # the write first in its transaction (see submissions.latest.set_excluded)
    set_excluded(db.session.connection(), response_id, reason if exclude else None)
    record("response.exclude" if exclude else "response.include", actor_id=scope.user_id, target=f"response:{response_id}",
           ip=request.remote_addr, reason=reason)
    db.session.commit()
    flash(_("已排除，不再计入统计。") if exclude else _("已恢复计入统计。"), "ok")
    return redirect(url_for("admin.response_detail", response_id=response_id))


@bp.get("/audit")
@login_required
def audit():
    permitted(lambda scope: scope.can_read_audit)
    problems: dict[str, str] = {}
    values = {key: (request.args.get(key) or "").strip() for key in ("action", "actor", "target", "since", "until")}
    filt = audit_log.AuditFilter(action=values["action"][:64] or None, actor=values["actor"][:64] or None,
                                 target=values["target"][:200] or None, since=_date(request.args, "since", problems),
                                 until=_date(request.args, "until", problems))
    page = audit_log.events(db.session, filt, before=_before(request.args))
    more = None
    if page.next_before is not None:
        more = url_for("admin.audit") + "?" + urlencode({**{k: v for k, v in values.items() if v}, "before": page.next_before})
    return render_template("admin/audit.html", page=page, values=values, problems=problems, more=more,
                           actions=audit_log.actions(db.session)), 422 if problems else 200
