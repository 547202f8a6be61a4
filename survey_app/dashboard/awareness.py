"""Awareness pre/post (``findings.prepost``): the plain verdict first, then the paired change with
its CI, attrition examined, the forest plot of gains by county, team or village, distributions,
the unpaired comparison, McNemar's test for yes/no items, the scale's reliability, and the
follow-up so far."""
from __future__ import annotations

from flask import abort, request
from flask_login import login_required

from ..analysis import verdict
from ..extensions import db
from ..findings.followup import progress
from ..findings.prepost import prepost
from . import bp
from .page import lang, read_filters, render


@bp.get("/awareness")
@login_required
def awareness() -> str:
    filters = read_filters("awareness")
    qn, place = filters.qn, filters.place
    if not qn.indices:
        abort(404)
    index = request.args.get("index") or qn.indices[0].id
    if index not in {i.id for i in qn.indices}:
        abort(404)
    with db.engine.connect() as connection:
        found = prepost(connection, qn, index, place, lang())
        followed = progress(connection, qn, place)
    return render(
        "dashboard/awareness.html", filters, charts=[c.make() for c in found.charts], findings=found,
        overall=found.found.figures, found=found.found, group=found.group, group_word=found.group_word,
        verdict_words=verdict.WORDS[lang()], caution=verdict.CAUTION_WORDS[lang()].get(found.found.caution or ""),
        alpha=found.alpha, progress=followed, index_label=found.label,
        item_labels={q.id: q.label.get(lang()) for q in qn.questions.values()}, mcnemar_rows=found.mcnemar,
        unpaired=found.unpaired, unpaired_shown=found.unpaired_shown,
    )
