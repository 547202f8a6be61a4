"""The programme office's view of the questionnaires: each file's versions as loaded, how many
responses each holds, and what changed from one version to the next."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import delete, func, select
from wtforms import HiddenField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf
from wtforms.widgets import CheckboxInput, ListWidget

from ..auth.guards import permitted
from ..auth.places import pickable_places
from ..auth.scope import Scope
from ..extensions import db
from ..models import Questionnaire, QuestionnaireVersion, Response, RetiredVersion, Team, TeamQuestionnaire
from ..models.audit import record
from ..questionnaires.diff import diff
from . import bp


class TeamsForm(FlaskForm):
    teams = SelectMultipleField(_l("只给这些工作队（都不选：所有工作队）"), validate_choice=True,
                                widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


class RetireForm(FlaskForm):
    #: "1" retire, "0" offer again: posted twice, done once
    retired = HiddenField(validators=[AnyOf(("0", "1"))])


def _assigned(qid: str) -> list[str]:
    """The codes of the teams the questionnaire is assigned to (none: every team)."""
    return sorted(db.session.scalars(select(Team.code).join(TeamQuestionnaire, TeamQuestionnaire.team_id == Team.id)
                                     .where(TeamQuestionnaire.questionnaire_id == qid)))


def _teams_form(scope: Scope, qid: str, form: TeamsForm | None = None) -> TeamsForm:
    form = form or TeamsForm(data={"teams": _assigned(qid)})
    form.teams.choices = [SelectChoice(code, name) for code, name in pickable_places(db.session, scope).team]
    return form


def _office() -> Scope:
    """The office's pages of questionnaire versions: 403 for anyone else."""
    return permitted(lambda scope: scope.can_manage_questionnaires)


@bp.get("/questionnaires")
@login_required
def questionnaires():
    _office()
    return render_listing()


def render_listing(upload: FlaskForm | None = None, problems: list[str] | None = None, status: int = 200):
    """The list of questionnaires, with the XLSForm upload and the drafts waiting (admin/drafts.py)."""
    from ..drafts.service import pending
    from .drafts import UploadForm

    rows = db.session.execute(
        select(Questionnaire, func.count(QuestionnaireVersion.id)).join(QuestionnaireVersion)
        .group_by(Questionnaire.id).order_by(Questionnaire.id)).all()
    return render_template("admin/questionnaires.html", rows=rows, upload=upload or UploadForm(), problems=problems or [],
                           drafts=pending(db.session)), status


@bp.get("/questionnaires/<qid>")
@login_required
def questionnaire(qid: str):
    scope = _office()
    stored = db.session.get(Questionnaire, qid)
    if stored is None:
        abort(404)
    counts = dict(db.session.execute(
        select(Response.version_id, func.count()).where(Response.questionnaire_id == qid).group_by(Response.version_id)).all())
    versions = list(stored.versions)
    # newest first, each with what changed since the one before it
    changes = [(v, counts.get(v.id, 0), diff(versions[i - 1].definition, v.definition) if i else None)
               for i, v in enumerate(versions)][::-1]
    retired = set(db.session.scalars(select(RetiredVersion.version_id).where(
        RetiredVersion.version_id.in_([v.id for v in versions]))))
    return render_template("admin/questionnaire.html", questionnaire=stored, changes=changes, retired=retired,
                           teams=_teams_form(scope, qid), retire=RetireForm())


@bp.post("/questionnaires/<qid>/teams")
@login_required
def questionnaire_teams(qid: str):
    """Offer a questionnaire to some teams only (none chosen: to every team).  Tablets of other
    teams stop offering it; what they began earlier still syncs."""
    scope = _office()
    if db.session.get(Questionnaire, qid) is None:
        abort(404)
    form = _teams_form(scope, qid, TeamsForm())
    if not form.validate():
        abort(400)
    wanted = sorted(form.teams.data or [])
    before = _assigned(qid)
    if wanted != before:
        db.session.execute(delete(TeamQuestionnaire).where(TeamQuestionnaire.questionnaire_id == qid))
        for team_id in db.session.scalars(select(Team.id).where(Team.code.in_(wanted))):
            db.session.add(TeamQuestionnaire(team_id=team_id, questionnaire_id=qid))
        record("questionnaire.assign", actor_id=scope.user_id, target=qid, ip=request.remote_addr, before=before, after=wanted)
        db.session.commit()
        flash(_("已保存。"), "ok")
    return redirect(url_for("admin.questionnaire", qid=qid))


@bp.post("/questionnaires/<qid>/versions/<int:number>/retired")
@login_required
def version_retired(qid: str, number: int):
    """Retire a version (no new interviews on it; its responses stay and count) or offer it
    again."""
    scope = _office()
    version = db.session.scalar(select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == qid, QuestionnaireVersion.version == number))
    if version is None:
        abort(404)
    form = RetireForm()
    if not form.validate():
        abort(400)
    wanted = form.retired.data == "1"
    stored = db.session.get(RetiredVersion, version.id)
    if wanted and stored is None:
        db.session.add(RetiredVersion(version_id=version.id, actor_id=scope.user_id))
        record("questionnaire.retire", actor_id=scope.user_id, target=f"{qid} v{number}", ip=request.remote_addr)
        db.session.commit()
        flash(_("已停用这个版本：不再用于新的访问，已有的问卷照常计入。"), "ok")
    elif not wanted and stored is not None:
        db.session.delete(stored)
        record("questionnaire.unretire", actor_id=scope.user_id, target=f"{qid} v{number}", ip=request.remote_addr)
        db.session.commit()
        flash(_("已重新启用这个版本。"), "ok")
    return redirect(url_for("admin.questionnaire", qid=qid))
