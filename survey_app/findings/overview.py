"""Overview: how much was collected, where and when; refusals; villages reached at each wave."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy.engine import Connection

from ..analysis import overview as counts
from ..analysis.charts import CoverageRow, coverage, responses_by_month
from ..analysis.queries import summary
from ..place import Place
from ..questionnaires import Definition
from .common import Chart, group_for, names_of, place_names


@dataclass
class Overview:
    waves: dict[str, int]
    total: int
    declined: int
    group: str
    months: list[str]
    by_month: dict[str, Sequence[int]]  # each county, team or village: responses a month
    sites: list[counts.SiteCoverage]
    coverage: list[CoverageRow]  # by county
    county_names: dict[int, str]
    site_names: dict[int, str]
    charts: list[Chart]

    @property
    def consent_rate(self) -> float | None:
        return self.total / (self.total + self.declined) if self.total + self.declined else None

    @property
    def reached(self) -> int:
        return sum(1 for s in self.sites if s.pre or s.post or s.other)


def overview(connection: Connection, qn: Definition, place: Place) -> Overview:
    group = group_for(connection, qn.id, place)
    monthly = counts.by_month(connection, qn.id, place, group)
    sites = counts.coverage(connection, qn.id, place)
    waves = summary(connection, qn.id, place)["responses"]
    names = place_names(connection, group)
    months = sorted({m for m, _, _ in monthly})
    series: dict[str, list[int]] = {}
    for month, key, n in sorted(monthly, key=lambda row: names.order(row[1])):
        series.setdefault(names.label(key), [0] * len(months))[months.index(month)] += n
    county_names, site_names = names_of(connection, "county"), names_of(connection, "site")
    by_county: dict[int, list[counts.SiteCoverage]] = defaultdict(list)
    for site in sites:
        by_county[site.county_id].append(site)
    rows = [
        CoverageRow(county_names.get(cid, str(cid)), len(ss), sum(1 for s in ss if s.pre), sum(1 for s in ss if s.post))
        for cid, ss in sorted(by_county.items(), key=lambda kv: county_names.get(kv[0], ""))
    ]
    shown: dict[str, Sequence[int]] = dict(series)
    month_title, month_total = gettext("每月收回的问卷（中国时间）"), gettext("月份")
    made = [Chart("months", month_title, lambda: responses_by_month(months, shown, month_title, month_total))]
    if len(rows) > 1:  # a county's own villages are listed in the table instead
        cover_title, axis = gettext("到过的村/社区（占全部的百分比）"), gettext("到过的村/社区 %")
        waves_words = (gettext("前测"), gettext("后测"))
        made.append(Chart("coverage", cover_title, lambda: coverage(rows, cover_title, waves_words, axis)))
    return Overview(waves, sum(waves.values()), counts.refusals(connection, qn.id, place), group, months, shown,
                    sites, rows, county_names, site_names, made)
