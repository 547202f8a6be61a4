"""Overview (``findings.overview``): how much was collected, where and when; refusals; villages
reached at each wave."""
from __future__ import annotations

from flask_login import login_required

from ..extensions import db
from ..findings.overview import overview as overview_findings
from . import bp
from .page import read_filters, render


@bp.get("/overview")
@login_required
def overview() -> str:
    filters = read_filters("awareness")
    with db.engine.connect() as connection:
        found = overview_findings(connection, filters.qn, filters.place)
    return render(
        "dashboard/overview.html", filters, charts=[c.make() for c in found.charts], findings=found,
        total=found.total, waves=found.waves, declined=found.declined, consent_rate=found.consent_rate,
        sites=found.sites, site_names=found.site_names, county_names=found.county_names, reached=found.reached,
        show_sites=filters.place.county_id is not None, any_other=any(s.other for s in found.sites),
    )
