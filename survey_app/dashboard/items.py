"""Item by item (``findings.items``): every likert question of the chosen questionnaire as
diverging stacked bars, a bar per wave so that change shows, reverse-keyed items marked."""
from __future__ import annotations

from flask_login import login_required

from ..extensions import db
from ..findings.items import items as item_findings
from . import bp
from .page import lang, read_filters, render


@bp.get("/items")
@login_required
def items() -> str:
    filters = read_filters("awareness")
    with db.engine.connect() as connection:
        found = item_findings(connection, filters.qn, filters.place, lang())
    return render("dashboard/items.html", filters, charts=[c.make() for c in found.charts], findings=found,
                  tables=found.tables, waves=found.waves, has_reverse=found.has_reverse, title=filters.qn.title.get(lang()))
