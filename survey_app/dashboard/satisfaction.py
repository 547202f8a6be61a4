"""Service satisfaction (``findings.satisfaction``): the index's mean and share of satisfied
residents, overall, by service domain and by county, team or village; and whether residents
would send others to a social worker."""
from __future__ import annotations

from flask import abort, request
from flask_login import current_user, login_required

from ..auth.scope import Scope
from ..extensions import db
from ..findings.satisfaction import INDEX
from ..findings.satisfaction import satisfaction as satisfaction_findings
from . import bp
from .filters import Filters, read
from .page import lang, render

QUESTIONNAIRE = INDEX


def satisfaction_filters() -> Filters:
    """The shared filters with the questionnaire fixed, whatever the URL says; the one chosen on
    another page stays in the links, so that going back there keeps it."""
    args = request.args.copy()
    chosen = (args.pop("questionnaire", "") or "").strip()
    filters = read(db.session, Scope.of(current_user), args, QUESTIONNAIRE)
    filters.values["questionnaire"] = chosen
    return filters


@bp.get("/satisfaction")
@login_required
def satisfaction() -> str:
    filters = satisfaction_filters()
    with db.engine.connect() as connection:
        found = satisfaction_findings(connection, filters.qn, filters.place, lang())
    if found is None:
        abort(404)
    return render(
        "dashboard/satisfaction.html", filters, charts=[c.make() for c in found.charts], findings=found,
        total=found.total, threshold=found.threshold, n_items=found.n_items, group=found.group,
        group_title=found.group_word, place_rows=found.by_place, domain_rows=found.by_domain,
        domain_labels=found.domain_labels, recommend_rows=found.recommend, recommend_labels=found.recommend_labels,
    )
