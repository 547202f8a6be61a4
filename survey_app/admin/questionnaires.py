"""The programme office's view of the questionnaires: each file's versions as loaded, how many
responses each holds, and what changed from one version to the next."""
from __future__ import annotations

from flask import abort, render_template
from flask_login import login_required
from sqlalchemy import func, select

from ..extensions import db
from ..models import Questionnaire, QuestionnaireVersion, Response
from ..questionnaires.diff import diff
from . import bp
from .views import _programme_office


@bp.get("/questionnaires")
@login_required
def questionnaires():
    _programme_office()
    rows = db.session.execute(
        select(Questionnaire, func.count(QuestionnaireVersion.id)).join(QuestionnaireVersion)
        .group_by(Questionnaire.id).order_by(Questionnaire.id)).all()
    return render_template("admin/questionnaires.html", rows=rows)


@bp.get("/questionnaires/<qid>")
@login_required
def questionnaire(qid: str):
    _programme_office()
    stored = db.session.get(Questionnaire, qid)
    if stored is None:
        abort(404)
    counts = dict(db.session.execute(
        select(Response.version_id, func.count()).where(Response.questionnaire_id == qid).group_by(Response.version_id)).all())
    versions = list(stored.versions)
    # newest first, each with what changed since the one before it
    changes = [(v, counts.get(v.id, 0), diff(versions[i - 1].definition, v.definition) if i else None)
               for i, v in enumerate(versions)][::-1]
    return render_template("admin/questionnaire.html", questionnaire=stored, changes=changes)
