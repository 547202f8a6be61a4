"""Team activity (``findings.activity``): what the service teams report each month, totalled by
month, by county (the programme office) or team (a county), and by service domain."""
from __future__ import annotations

from flask import request
from flask_login import current_user, login_required

from ..analysis.activity import QUESTIONNAIRE
from ..auth.scope import Scope
from ..extensions import db
from ..findings.activity import activity as activity_findings
from . import bp
from .filters import Filters, read
from .page import lang, render


def activity_filters() -> Filters:
    """The shared filters, the questionnaire fixed to ``activity`` whatever the URL says.  The
    questionnaire another page chose stays in the links back to it (activity has no indices,
    so carrying it there would empty those pages)."""
    args = request.args.copy()
    chosen = (args.pop("questionnaire", "") or "").strip()
    filters = read(db.session, Scope.of(current_user), args, QUESTIONNAIRE)
    filters.values["questionnaire"] = "" if chosen == QUESTIONNAIRE else chosen
    return filters


@bp.get("/activity")
@login_required
def activity() -> str:
    filters = activity_filters()
    with db.engine.connect() as connection:
        found = activity_findings(connection, filters.qn, filters.place, lang())
    return render(
        "dashboard/activity.html", filters, charts=[c.make() for c in found.charts], findings=found,
        totals=found.totals, by_month=found.by_month, by_group=found.by_group, group=found.group,
        site_ignored=bool(filters.values["site"]), labels=found.labels, units=found.units, decimals=found.decimals,
        served_columns=found.served_columns, work_columns=found.work_columns,
    )
