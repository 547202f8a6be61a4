"""The home page: what each role can do, and the state of the questionnaires."""
from __future__ import annotations

from pathlib import Path

from flask import current_app, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..auth.scope import Scope
from ..extensions import db
from ..health import SERVING, readiness, report_worker
from ..instruments import current_versions
from ..models import County, Response, Team
from ..questionnaires import check_folder
from . import bp


@bp.get("/")
@login_required
def home():
    scope = Scope.of(current_user)
    counts = (select(Response.questionnaire_id, Response.wave, func.count()).where(scope.rows(Response))
              .group_by(Response.questionnaire_id, Response.wave))
    by_questionnaire: dict[str, dict[str, int]] = {}
    for qid, wave, n in db.session.execute(counts):
        by_questionnaire.setdefault(qid, {})[wave or "-"] = n
    problems = []
    if scope.sees_programme:
        # Files with problems are refused by `questionnaires load`; show them to the office.
        problems = check_folder(Path(current_app.config["QUESTIONNAIRE_DIR"])).problems
    county = db.session.get(County, scope.county_id) if scope.county_id else None
    team = db.session.get(Team, scope.team_id) if scope.team_id else None
    return render_template(
        "main/home.html",
        scope=scope,
        county=county,
        team=team,
        questionnaires=current_versions(db.session),
        counts=by_questionnaire,
        problems=problems,
    )


@bp.get("/healthz")
def healthz():
    """Liveness for load balancers and the ingest benchmark's baseline: no database, no session."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Readiness: 200 when the database answers and its schema is the code's, else 503.  The
    report worker's state is told but does not decide: without it reports wait, but tablets can
    still deliver."""
    checks = readiness(db.engine)
    if all(checks[name] == "ok" for name in SERVING):
        checks["report_worker"] = report_worker(db.engine)
        return {"status": "ok", "checks": checks}
    return {"status": "unavailable", "checks": checks}, 503, {"Retry-After": str(current_app.config["RETRY_AFTER_SECONDS"])}
