"""Service satisfaction: the index's mean and share of satisfied residents, overall, by service
domain and by county, team or site; and whether residents would send others to a social worker."""
from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_babel import gettext
from flask_login import current_user, login_required

from ..analysis import charts
from ..analysis.satisfaction import SATISFIED_AT, Cell, by_choice, by_group, choice_shares, overall
from ..auth.scope import Scope
from ..extensions import db
from . import bp
from .filters import Filters, read
from .views import lang, names, render

QUESTIONNAIRE = INDEX = "satisfaction"
DOMAINS = "domains"
RECOMMEND = "recommend"
#: favourable to unfavourable, the order the answers stack in
RECOMMEND_ORDER = ("yes", "unsure", "no")


def domain_names() -> dict[str, str]:
    """The service domains' short names (shared/DESIGN.md): the options' labels are sentences."""
    return {
        "disaster": gettext("灾害"), "community": gettext("社区"), "rural": gettext("农村"),
        "elderly": gettext("老龄"), "veterans": gettext("优抚"), "outreach": gettext("宣传培训"),
    }


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
    qn, place = filters.qn, filters.place
    index = next((i for i in qn.indices if i.id == INDEX), None)
    if index is None:
        abort(404)
    # The programme office compares counties; a county its teams; a team its sites.
    group = "county" if place.county_id is None else "team" if place.team_id is None else "site"
    domains = qn.question(DOMAINS).options if DOMAINS in qn.questions else ()
    recommend = qn.questions.get(RECOMMEND)
    answers = [o for v in RECOMMEND_ORDER for o in (recommend.options if recommend else ()) if o.value == v]
    with db.engine.connect() as connection:
        total = overall(connection, qn.id, INDEX, place)
        by_domain = by_choice(connection, qn.id, INDEX, DOMAINS, [o.value for o in domains], place) if domains else []
        by_place = by_group(connection, qn.id, INDEX, place, group)
        said = choice_shares(connection, qn.id, RECOMMEND, [o.value for o in answers], place, group) if answers else None
    label_of = _place_labels(group)
    short = domain_names()
    domain_rows = [(short.get(o.value, o.label.get(lang())), cell) for o, cell in zip(domains, by_domain, strict=True)]
    place_rows = [(label_of(c.key), c) for c in sorted(by_place, key=lambda c: _order(label_of, c.key))]
    group_title = {"county": gettext("县"), "team": gettext("工作队"), "site": gettext("村/社区")}[group]
    legend = (gettext("平均满意度指数（0-100）"), gettext("满意的比例（指数 ≥ %(t)d）", t=SATISFIED_AT))
    figures = [
        charts.satisfaction_bars([_bar(label, c) for label, c in domain_rows], gettext("满意度：按服务领域"), legend),
        charts.satisfaction_bars([_bar(label, c) for label, c in place_rows], gettext("满意度：按%(group)s", group=group_title), legend),
    ]
    recommend_rows: list[tuple[str, Any]] = []
    if said is not None and recommend is not None:
        everyone, places = said
        recommend_rows = [(gettext("全部"), everyone)]
        recommend_rows += [(label_of(c.key), c) for c in sorted(places, key=lambda c: _order(label_of, c.key))]
        figures.append(charts.answer_shares(
            [charts.ShareRow(label, c.n, c.shares) for label, c in recommend_rows], [o.label.get(lang()) for o in answers],
            recommend.label.get(lang()),
        ))
    return render(
        "dashboard/satisfaction.html", filters, charts=figures, total=total, threshold=SATISFIED_AT, n_items=len(index.items),
        group=group, group_title=group_title, place_rows=place_rows,
        domain_rows=domain_rows, domain_labels={o.value: o.label.get(lang()) for o in domains},
        recommend_rows=recommend_rows, recommend_labels=[o.label.get(lang()) for o in answers],
    )


def _place_labels(group: str) -> Any:
    known, unnamed = names(group), gettext("未注明")
    return lambda key: known.get(key, str(key)) if key is not None else unnamed


def _order(label_of: Any, key: Any) -> tuple[bool, str]:
    return key is None, label_of(key)  # responses naming no team or site last


def _bar(label: str, cell: Cell) -> charts.SatisfactionRow:
    return charts.SatisfactionRow(label, cell.n, cell.mean, cell.share_satisfied)
