"""Team activity: what the service teams report each month (the ``activity`` questionnaire),
totalled by month, by county (the programme office) or team (a county), and by service domain."""
from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext
from flask_login import current_user, login_required

from ..analysis import charts
from ..analysis.activity import QUESTIONNAIRE, Totals, activity_totals, months_between
from ..auth.scope import Scope
from ..extensions import db
from ..questionnaires import Questionnaire as Parsed
from . import bp
from .filters import Filters, read
from .views import lang, names, render

DOMAIN_PREFIX = "served_"  # the people-served questions, one per service domain


def short_labels() -> dict[str, str]:
    """Column heads (under their section's title, with the unit under them) and legends: the
    questionnaire's labels are whole sentences, too wide for a table of eleven columns."""
    return {
        "cases_opened": gettext("开案"), "cases_closed": gettext("结案"), "group_sessions": gettext("小组"),
        "community_events": gettext("社区活动"), "staff_trainings": gettext("培训"),
        "served_disaster": gettext("灾害"), "served_community": gettext("社区"), "served_rural": gettext("农村"),
        "served_elderly": gettext("老龄"), "served_veterans": gettext("优抚"), "served_outreach": gettext("宣传培训"),
        "served": gettext("合计"), "volunteer_hours": gettext("志愿服务"),
        "pub_articles": gettext("文章"), "pub_videos": gettext("视频"), "pub_posters": gettext("海报展板"),
    }


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
def activity():
    filters = activity_filters()
    qn = filters.qn
    # A record covers its team's whole month, wherever the work was done, and has no wave:
    # a site or wave chosen on another page does not narrow it.
    place = filters.place.but(site_id=None, wave=None)
    group = "county" if place.county_id is None else "team"
    numeric = tuple(q.id for q in qn.questions.values() if q.type == "number")
    domains = tuple(q for q in numeric if q.startswith(DOMAIN_PREFIX))
    with db.engine.connect() as connection:
        totals = activity_totals(connection, place, numeric, group)
    for t in [totals.overall, *totals.by_month.values(), *totals.by_group.values()]:
        t.sums["served"] = sum(t.sums[d] for d in domains)
    months = months_between(min(totals.by_month), max(totals.by_month)) if totals.by_month else []
    by_month = [(m, totals.by_month.get(m, Totals())) for m in months]
    by_group = _named(totals.by_group, group, filters)
    columns = _columns(qn, numeric, domains)
    figures = _figures(totals.overall, by_month, by_group, domains, columns["labels"], group)
    return render(
        "dashboard/activity.html", filters, charts=figures, totals=totals, by_month=by_month, by_group=by_group,
        group=group, site_ignored=bool(filters.values["site"]), **columns,
    )


def _columns(qn: Parsed, numeric: tuple[str, ...], domains: tuple[str, ...]) -> dict[str, Any]:
    """What the tables and charts call each measure, its unit and decimals, and the tables'
    column groups: the questionnaire's sections, people served (with their sum) apart."""
    language = lang()
    units = {q: unit.get(language) if (unit := qn.question(q).unit) else "" for q in numeric}
    sections = [(s.title.get(language), tuple(q.id for q in s.questions if q.id in numeric)) for s in qn.sections]
    return {
        "labels": {**{q: qn.question(q).label.get(language) for q in numeric}, **short_labels()},
        "units": units | {"served": units[domains[0]] if domains else ""},
        "decimals": {q: 0 if qn.question(q).integer else 1 for q in numeric} | {"served": 0},
        "served_columns": [(title, (*cols, "served")) for title, cols in sections if cols and set(cols) <= set(domains)],
        "work_columns": [(title, cols) for title, cols in sections if cols and not set(cols) <= set(domains)],
    }


def _named(by_group: dict[int | None, Totals], group: str, filters: Filters) -> list[tuple[str, Totals]]:
    """Each county's or team's totals under its name, in the filters' order (by code)."""
    shown = names(group)
    order = {name: i for i, (_code, name) in enumerate(filters.options.get(group, []))}
    rows = [(shown.get(key, str(key)) if key is not None else gettext("未注明工作队"), t) for key, t in by_group.items()]
    return sorted(rows, key=lambda row: (order.get(row[0], len(order)), row[0]))


def _figures(overall: Totals, by_month: list[tuple[str, Totals]], by_group: list[tuple[str, Totals]],
             domains: tuple[str, ...], labels: dict[str, str], group: str) -> list[Any]:
    if not overall.n:
        return []

    def series(rows: list[tuple[str, Totals]]) -> list[tuple[str, list[float]]]:
        return [(labels[d], [t.sums.get(d, 0.0) for _, t in rows]) for d in domains]

    figures = [charts.stacked_by_month(
        [m for m, _ in by_month], [t.n for _, t in by_month], series(by_month), gettext("每月各领域服务人次"),
    )]
    if len(by_group) > 1:  # one county or team is the domain chart again
        title = gettext("各县各领域服务人次") if group == "county" else gettext("各工作队各领域服务人次")
        figures.append(charts.stacked_by_place(
            [name for name, _ in by_group], [t.n for _, t in by_group], series(by_group), title,
        ))
    figures.append(charts.domain_bars(
        [labels[d] for d in domains], [overall.sums[d] for d in domains], overall.n,
        gettext("各领域服务人次合计"), gettext("服务人次"),
    ))
    return figures
