"""Overview: how much was collected, where and when; refusals; sites reached at each wave."""
from __future__ import annotations

from collections import defaultdict

from flask_babel import gettext
from flask_login import login_required

from ..analysis import overview as counts
from ..analysis.charts import CoverageRow, coverage, responses_by_month
from ..analysis.queries import summary
from ..extensions import db
from . import bp
from .views import names, read_filters, render


@bp.get("/overview")
@login_required
def overview():
    filters = read_filters("awareness")
    qn, place = filters.qn, filters.place
    group = "county" if place.county_id is None else "team" if place.team_id is None else "site"
    with db.engine.connect() as connection:
        monthly = counts.by_month(connection, qn.id, place, group)
        declined = counts.refusals(connection, qn.id, place)
        sites = counts.coverage(connection, qn.id, place)
        waves = summary(connection, qn.id, place)["responses"]
    group_names, county_names, site_names = names(group), names("county"), names("site")
    months = sorted({m for m, _, _ in monthly})
    series: dict[str, list[int]] = {}
    for month, key, n in monthly:
        series.setdefault(group_names.get(key, gettext("未填")), [0] * len(months))[months.index(month)] += n
    by_county: dict[int, list[counts.SiteCoverage]] = defaultdict(list)
    for site in sites:
        by_county[site.county_id].append(site)
    rows = [
        CoverageRow(county_names.get(cid, str(cid)), len(ss), sum(1 for s in ss if s.pre), sum(1 for s in ss if s.post))
        for cid, ss in sorted(by_county.items(), key=lambda kv: county_names.get(kv[0], ""))
    ]
    figures = [responses_by_month(months, dict(sorted(series.items())), gettext("每月收回的问卷（中国时间）"), gettext("月份"))]
    if len(rows) > 1:  # a county's own sites are listed in the table instead
        figures.append(coverage(rows, gettext("到过的村/社区（占全部的百分比）"), (gettext("前测"), gettext("后测")),
                                gettext("到过的村/社区 %")))
    total = sum(waves.values())
    return render(
        "dashboard/overview.html", filters, charts=figures, total=total, waves=waves, declined=declined,
        consent_rate=total / (total + declined) if total + declined else None, sites=sites, site_names=site_names,
        county_names=county_names, reached=sum(1 for s in sites if s.pre or s.post or s.other), show_sites=place.county_id is not None,
        any_other=any(s.other for s in sites),
    )
