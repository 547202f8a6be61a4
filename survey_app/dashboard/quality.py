"""Data quality (``findings.quality``): how many responses carry each flag, where, and which
ones; what was excluded."""
from __future__ import annotations

from flask_login import login_required

from ..analysis import flags as sqlflags
from ..extensions import db
from ..findings.common import names_of
from ..findings.quality import LISTED, flag_names, flag_rules
from ..findings.quality import quality as quality_findings
from . import bp
from .page import read_filters, render


@bp.get("/quality")
@login_required
def quality() -> str:
    filters = read_filters("awareness")
    with db.engine.connect() as connection:
        found = quality_findings(connection, filters.qn, filters.place)
        county_names, site_names = names_of(connection, "county"), names_of(connection, "site")
    return render(
        "dashboard/quality.html", filters, charts=[c.make() for c in found.charts], findings=found,
        overall=found.flags, total=found.total, excluded=found.excluded, declined=found.refusals,
        median=found.median_seconds, labels=flag_names(), explained=flag_rules(), listed_max=LISTED,
        flag_keys=sqlflags.FLAGS, rows=found.by_group, listed=found.listed,
        county_names=county_names, site_names=site_names, group=found.group,
    )
