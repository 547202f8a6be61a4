"""Service satisfaction: the index's mean and share of satisfied residents, overall, by service
domain and by county, team or village; and whether residents would send others to a social
worker."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from sqlalchemy.engine import Connection

from ..analysis import charts
from ..analysis import satisfaction as sql
from ..analysis.satisfaction import SATISFIED_AT, Cell, Choices
from ..place import Place
from ..questionnaires import Definition
from .common import Chart, domain_names, group_for, group_words, place_names

INDEX = "satisfaction"
DOMAINS = "domains"
RECOMMEND = "recommend"
#: favourable to unfavourable, the order the answers stack in
RECOMMEND_ORDER = ("yes", "unsure", "no")


@dataclass
class Satisfaction:
    total: Cell
    threshold: float
    n_items: int
    group: str
    group_word: str
    by_domain: list[tuple[str, Cell]]  # (the domain's short name, figures); a resident counts in each domain chosen
    domain_labels: dict[str, str]  # the domain options' full labels
    by_place: list[tuple[str, Cell]]
    recommend: list[tuple[str, Choices]]  # everyone first, then each place
    recommend_labels: list[str]
    recommend_question: str
    charts: list[Chart]


def satisfaction(connection: Connection, qn: Definition, place: Place, lang: str) -> Satisfaction | None:
    """None when ``qn`` has no satisfaction index."""
    index = next((i for i in qn.indices if i.id == INDEX), None)
    if index is None:
        return None
    group = group_for(connection, qn.id, place)
    domains = qn.question(DOMAINS).options if DOMAINS in qn.questions else ()
    recommend = qn.questions.get(RECOMMEND)
    answers = [o for v in RECOMMEND_ORDER for o in (recommend.options if recommend else ()) if o.value == v]
    total = sql.overall(connection, qn.id, INDEX, place)
    by_domain = sql.by_choice(connection, qn.id, INDEX, DOMAINS, [o.value for o in domains], place) if domains else []
    by_group = sql.by_group(connection, qn.id, INDEX, place, group)
    said = sql.choice_shares(connection, qn.id, RECOMMEND, [o.value for o in answers], place, group) if answers else None
    names, short = place_names(connection, group), domain_names()
    domain_rows = [(short.get(o.value, o.label.get(lang)), cell) for o, cell in zip(domains, by_domain, strict=True)]
    place_rows = names.rows({c.key: c for c in by_group})
    recommend_rows: list[tuple[str, Choices]] = []
    if said is not None:
        everyone, places = said
        recommend_rows = [(gettext("全部"), everyone), *names.rows({c.key: c for c in places})]
    found = Satisfaction(
        total, SATISFIED_AT, len(index.items), group, group_words()[group], domain_rows,
        {o.value: o.label.get(lang) for o in domains}, place_rows, recommend_rows,
        [o.label.get(lang) for o in answers], recommend.label.get(lang) if recommend else "", [],
    )
    found.charts = _charts(found)
    return found


def _charts(found: Satisfaction) -> list[Chart]:
    legend = (gettext("平均满意度指数（0-100）"), gettext("满意的比例（指数 ≥ %(t)d）", t=found.threshold))
    by_domain = [_bar(label, c) for label, c in found.by_domain]
    by_place = [_bar(label, c) for label, c in found.by_place]
    domain_title, place_title = gettext("满意度：按服务领域"), gettext("满意度：按%(group)s", group=found.group_word)
    out = [
        Chart("satisfaction", gettext("按服务领域的满意度"), lambda: charts.satisfaction_bars(by_domain, domain_title, legend),
              (900, 160 + 70 * len(by_domain))),
        Chart("satisfaction-places", gettext("按%(group)s的满意度", group=found.group_word),
              lambda: charts.satisfaction_bars(by_place, place_title, legend), (900, 160 + 70 * len(by_place))),
    ]
    if found.recommend:
        shares = [charts.ShareRow(label, c.n, c.shares) for label, c in found.recommend]
        answers, question = found.recommend_labels, found.recommend_question
        out.append(Chart("recommend", question, lambda: charts.answer_shares(shares, answers, question),
                         (900, 160 + 40 * len(shares))))
    return out


def _bar(label: str, cell: Cell) -> Any:
    return charts.SatisfactionRow(label, cell.n, cell.mean, cell.share_satisfied)
