"""Awareness pre/post: the plain verdict first, then the paired change with its CI, attrition
examined, the forest plot of gains by county, team or village, distributions, the unpaired
comparison, McNemar's test for yes/no items and the scale's reliability.  What is compared and
how comes from ``analysis.findings``, shared with the report."""
from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_babel import gettext
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.engine import Connection

from ..analysis import charts, verdict
from ..analysis.figures import reliability, yes_no_items
from ..analysis.findings import names_of, prepost_findings
from ..analysis.queries import Place, paired_yes_no, scores_by_wave
from ..analysis.stats import MIN_CELL, mcnemar_table, unpaired
from ..extensions import db
from ..followups.worklist import Progress, progress_by_site
from ..models import Site
from ..questionnaires import Questionnaire as Parsed
from . import bp
from .views import lang, read_filters, render


@bp.get("/awareness")
@login_required
def awareness():
    filters = read_filters("awareness")
    qn, place = filters.qn, filters.place
    if not qn.indices:
        abort(404)
    index = request.args.get("index") or qn.indices[0].id
    if index not in {i.id for i in qn.indices}:
        abort(404)
    label = {i.id: i.label.get(lang()) if i.label else i.id for i in qn.indices}[index]
    with db.engine.connect() as connection:
        found = prepost_findings(connection, qn.id, index, place)
        by_wave = scores_by_wave(connection, qn.id, index, place)
        tables = paired_yes_no(connection, qn.id, yes_no_items(qn), place)
        alpha = reliability(connection, qn, index, place)
        progress = _progress(connection, qn, place, found.group)
    overall, both = found.figures, found.scores
    rows = [charts.ForestRow(r.label, r.n, r.diff, r.ci95) for r in found.rows]
    waves = (gettext("前测"), gettext("后测"))
    figures = [
        charts.prepost_bars(overall["pre_mean"], overall["post_mean"], overall["n_pairs"],
                            gettext("配对受访者的%(index)s", index=label), waves),
        charts.forest(rows, gettext("%(index)s变化（后测 − 前测，95%% 置信区间）", index=label), gettext("变化（0-100 分）")),
    ]
    if overall["n_pairs"] >= MIN_CELL:
        figures.append(charts.distributions(both.pre, both.post, gettext("配对受访者的分数分布"), waves))
    mcnemar_rows = []
    for item, table in tables.items():
        result = mcnemar_table(table)
        mcnemar_rows.append({"item": item, "label": qn.question(item).label.get(lang()), "result": result,
                             "shown": result.n_pairs >= MIN_CELL})
    unpaired_result = unpaired(by_wave["pre"], by_wave["post"])
    return render(
        "dashboard/awareness.html", filters, charts=figures, overall=overall, found=found, group=found.group,
        group_word=_group_words()[found.group], verdict_words=verdict.WORDS[lang()],
        caution=verdict.CAUTION_WORDS[lang()].get(found.caution or ""), alpha=alpha, progress=progress,
        index_label=label, item_labels=_item_labels(qn), mcnemar_rows=mcnemar_rows,
        unpaired=unpaired_result, unpaired_shown=min(unpaired_result.n_pre, unpaired_result.n_post) >= MIN_CELL,
    )


def _item_labels(qn: Parsed) -> dict[str, Any]:
    return {q.id: q.label.get(lang()) for q in qn.questions.values()}


def _group_words() -> dict[str, str]:
    return {"county": gettext("县"), "team": gettext("工作队"), "site": gettext("村/社区")}


def _progress(connection: Connection, qn: Parsed, place: Place, group: str) -> list[tuple[str, Progress]]:
    """The follow-up so far (``followups.worklist``): by county for the programme, else by village,
    with the whole last; nothing for a questionnaire without waves."""
    if qn.wave == "none":
        return []
    by_site = progress_by_site(connection, qn.id, place.but(wave=None))
    if not by_site:
        return []
    if place.county_id is None:
        county_of = dict(connection.execute(select(Site.id, Site.county_id)).all())
        grouped: dict[Any, Progress] = {}
        for site, counts in by_site.items():
            key = county_of.get(site) if site is not None else None
            grouped[key] = grouped.get(key, Progress()).plus(counts)
        names = names_of(connection, "county")
    else:
        grouped, names = dict(by_site), names_of(connection, "site")
    rows = sorted(((names.get(k, "") if k is not None else gettext("未注明"), v) for k, v in grouped.items()),
                  key=lambda row: (row[0] == gettext("未注明"), row[0]))
    total = Progress()
    for _, counts in rows:
        total = total.plus(counts)
    return [*rows, (gettext("合计"), total)]
