"""Team activity: what the service teams report each month (the ``activity`` questionnaire),
totalled by month (every month from the first to the last, empty ones too), by county (the
programme) or team (a county), and by service domain.

A record covers its team's whole month, wherever the work was done, and has no wave: a village
or wave chosen elsewhere does not narrow it.  These are the teams' own counts, not residents'
answers: no small-cell suppression."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from sqlalchemy.engine import Connection

from ..analysis import charts
from ..analysis.activity import ActivityTotals, Totals, activity_totals, months_between
from ..place import Place
from ..questionnaires import Definition
from .common import DOMAIN_NAMES, Chart, codes_of, domain_names, place_names

DOMAIN_PREFIX = "served_"  # the people-served questions, one per service domain
SERVED = "served"  # their sum
#: the people-served measures of the activity questionnaire (targets count residents served by them)
SERVED_MEASURES = tuple(DOMAIN_PREFIX + d for d in DOMAIN_NAMES)


def short_labels() -> dict[str, str]:
    """Each measure's name in tables, legends and reports (the unit is printed apart): the
    questionnaire's labels are whole sentences, too wide for a table of eleven columns."""
    return {
        "cases_opened": gettext("新开个案"), "cases_closed": gettext("结案"), "group_sessions": gettext("小组活动"),
        "community_events": gettext("社区活动"), "staff_trainings": gettext("培训"),
        **{DOMAIN_PREFIX + key: name for key, name in domain_names().items()},
        SERVED: gettext("合计"), "volunteer_hours": gettext("志愿服务"),
        "pub_articles": gettext("文章"), "pub_videos": gettext("视频"), "pub_posters": gettext("海报展板"),
    }


@dataclass
class Activity:
    totals: ActivityTotals
    group: str  # "county" or "team"
    by_month: list[tuple[str, Totals]]
    by_group: list[tuple[str, Totals]]
    domains: tuple[str, ...]  # the people-served measures
    labels: dict[str, str]
    units: dict[str, str]
    decimals: dict[str, int]
    #: the tables' column groups: (a section's title, its measures); people served with their sum
    served_columns: list[tuple[str, tuple[str, ...]]]
    work_columns: list[tuple[str, tuple[str, ...]]]
    charts: list[Chart]

    @property
    def overall(self) -> Totals:
        return self.totals.overall

    @property
    def served(self) -> list[tuple[str, float]]:
        """(domain, people served) over the whole place and time."""
        return [(self.labels[d], self.overall.sums.get(d, 0.0)) for d in self.domains]


def activity(connection: Connection, qn: Definition, place: Place, lang: str) -> Activity:
    """Counties or teams listed in the order of their codes (the filters' order), records
    naming no team last."""
    place = place.but(site_id=None, wave=None)  # a record is its team's month: no village, no wave
    group = "county" if place.county_id is None else "team"
    numeric = tuple(q.id for q in qn.questions.values() if q.type == "number")
    domains = tuple(q for q in numeric if q.startswith(DOMAIN_PREFIX))
    totals = activity_totals(connection, place, numeric, group)
    for t in [totals.overall, *totals.by_month.values(), *totals.by_group.values()]:
        t.sums[SERVED] = sum(t.sums.get(d, 0.0) for d in domains)
    months = months_between(min(totals.by_month), max(totals.by_month)) if totals.by_month else []
    by_month = [(m, totals.by_month.get(m, Totals())) for m in months]
    names = place_names(connection, group)
    unnamed = gettext("未注明工作队")
    code = codes_of(connection, group)
    keys = sorted(totals.by_group, key=lambda k: (k is None, code.get(k, ""), names.label(k)))
    by_group = [(names.label(k) if k is not None else unnamed, totals.by_group[k]) for k in keys]
    columns = _columns(qn, numeric, domains, lang)
    found = Activity(totals, group, by_month, by_group, domains, charts=[], **columns)
    found.charts = _charts(found)
    return found


def _columns(qn: Definition, numeric: tuple[str, ...], domains: tuple[str, ...], lang: str) -> dict[str, Any]:
    units = {q: unit.get(lang) if (unit := qn.question(q).unit) else "" for q in numeric}
    sections = [(s.title.get(lang), tuple(q.id for q in s.questions if q.id in numeric)) for s in qn.sections]
    return {
        "labels": {**{q: qn.question(q).label.get(lang) for q in numeric}, **short_labels()},
        "units": units | {SERVED: units[domains[0]] if domains else ""},
        "decimals": {q: 0 if qn.question(q).integer else 1 for q in numeric} | {SERVED: 0},
        "served_columns": [(title, (*cols, SERVED)) for title, cols in sections if cols and set(cols) <= set(domains)],
        "work_columns": [(title, cols) for title, cols in sections if cols and not set(cols) <= set(domains)],
    }


def _charts(found: Activity) -> list[Chart]:
    if not found.overall.n:
        return []
    labels, domains = found.labels, found.domains

    def series(rows: list[tuple[str, Totals]]) -> list[tuple[str, list[float]]]:
        return [(labels[d], [t.sums.get(d, 0.0) for _, t in rows]) for d in domains]

    by_month, by_group = series(found.by_month), series(found.by_group)
    months, month_n = [m for m, _ in found.by_month], [t.n for _, t in found.by_month]
    places, place_n = [name for name, _ in found.by_group], [t.n for _, t in found.by_group]
    month_title = gettext("每月各领域服务人次")
    out = [Chart("activity-months", month_title, lambda: charts.stacked_by_month(months, month_n, by_month, month_title))]
    if len(found.by_group) > 1:  # one county or team is the domain chart again
        title = gettext("各县各领域服务人次") if found.group == "county" else gettext("各工作队各领域服务人次")
        out.append(Chart("activity-places", title, lambda: charts.stacked_by_place(places, place_n, by_group, title)))
    served = found.served
    total_title, axis = gettext("各领域服务人次合计"), gettext("服务人次")
    out.append(Chart("activity", gettext("各服务领域的服务人次"), lambda: charts.domain_bars(
        [d for d, _ in served], [v for _, v in served], found.overall.n, total_title, axis), (900, 380)))
    return out
