"""Awareness before and after: the paired change with its verdict and attrition, the places
compared (which, named how, in what order) and what each shows, the unpaired comparison,
McNemar's test for the yes/no items, the scale's reliability, and the charts.

Before this module the dashboard and the report each chose the breakdown, named the places and
built the rows, and drifted (the county report compared a county's single team with itself)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from sqlalchemy.engine import Connection

from ..analysis import charts
from ..analysis import verdict as verdicts
from ..analysis.figures import merged, prepost_of, reliability, yes_no_items
from ..analysis.queries import PairedScores, paired_scores_by, paired_yes_no, scores_by_wave
from ..analysis.snapshots import snapshot
from ..analysis.stats import MIN_CELL, McNemar, Reliability, Unpaired, mcnemar_table, paired, unpaired
from ..place import Place
from ..questionnaires import Definition
from .common import Chart, group_for, group_words, names_of

#: a place with no name (responses without a village) in the comparison's rows
UNNAMED = "（未注明）"


@dataclass(frozen=True)
class PlaceRow:
    """One county, team or village: its pairs and what they show (figures None below five)."""

    key: Any
    label: str
    n: int
    pre_only: int
    post_only: int
    pre: float | None
    post: float | None
    diff: float | None
    ci95: tuple[float, float] | None
    p: float | None
    verdict: str

    @property
    def shown(self) -> bool:
        return self.n >= MIN_CELL


def place_row(key: Any, label: str, scores: PairedScores) -> PlaceRow:
    result = paired(scores.pre, scores.post)
    ok = result.n_pairs >= MIN_CELL
    diff, ci = (result.mean_diff, result.ci95) if ok else (None, None)
    return PlaceRow(
        key, label, result.n_pairs, scores.pre_only, scores.post_only,
        result.pre_mean if ok else None, result.post_mean if ok else None, diff, ci,
        result.p_ttest if ok else None, verdicts.verdict({"n_pairs": result.n_pairs, "mean_diff": diff, "ci95": ci}),
    )


@dataclass
class PrePostFindings:
    #: the API's ``prepost`` reply: figures, ``verdict``, ``attrition``
    figures: dict[str, Any]
    #: every pair's scores, for the distributions
    scores: PairedScores
    group: str
    rows: list[PlaceRow] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        return str(self.figures["verdict"])

    @property
    def caution(self) -> str | None:
        """``verdict.attrition_caution``: whether attrition may have biased the change."""
        return verdicts.attrition_caution(self.figures["attrition"])


def prepost_findings(connection: Connection, questionnaire: str, index: str, place: Place, group: str | None = None) -> PrePostFindings:
    """The comparison of ``index`` in ``place``, broken down by ``group`` (default:
    ``group_for``), in one pairing query.  Rows in the order of their names, the unnamed last."""
    return _prepost_findings(connection, questionnaire, index, place, group or group_for(connection, questionnaire, place))


@snapshot
def _prepost_findings(connection: Connection, questionnaire: str, index: str, place: Place, group: str) -> PrePostFindings:
    groups = paired_scores_by(connection, questionnaire, index, place, group)
    both = merged(groups)
    names = names_of(connection, group)
    rows = [place_row(key, names.get(key, str(key)) if key is not None else UNNAMED, scores) for key, scores in groups.items()]
    rows.sort(key=lambda r: (r.key is None, r.label))
    return PrePostFindings(prepost_of(both), both, group, rows)


@dataclass(frozen=True)
class McNemarRow:
    item: str
    label: str
    result: McNemar

    @property
    def shown(self) -> bool:
        return self.result.n_pairs >= MIN_CELL


@dataclass
class PrePost:
    """Everything the awareness page and the report's pre/post section show for one index."""

    index: str
    label: str
    found: PrePostFindings
    unpaired: Unpaired
    mcnemar: list[McNemarRow]
    alpha: Reliability | None
    charts: list[Chart]

    @property
    def group(self) -> str:
        return self.found.group

    @property
    def group_word(self) -> str:
        return group_words()[self.found.group]

    @property
    def unpaired_shown(self) -> bool:
        return min(self.unpaired.n_pre, self.unpaired.n_post) >= MIN_CELL


def prepost(connection: Connection, qn: Definition, index: str, place: Place, lang: str, group: str | None = None) -> PrePost:
    """The pre/post findings of ``index`` (an index of ``qn``) in ``place``."""
    label = next(i.label.get(lang) if i.label else i.id for i in qn.indices if i.id == index)
    found = prepost_findings(connection, qn.id, index, place, group)
    by_wave = scores_by_wave(connection, qn.id, index, place)
    mcnemar = [McNemarRow(item, qn.question(item).label.get(lang), mcnemar_table(table))
               for item, table in paired_yes_no(connection, qn.id, yes_no_items(qn), place).items()]
    alpha = reliability(connection, qn, index, place)
    return PrePost(index, label, found, unpaired(by_wave["pre"], by_wave["post"]), mcnemar, alpha, _charts(found, label))


def _charts(found: PrePostFindings, label: str) -> list[Chart]:
    # every word is looked up here: ``make`` runs in the report's drawing thread, outside the app
    overall, both, rows = found.figures, found.scores, found.rows
    waves = (gettext("前测"), gettext("后测"))
    means_title = gettext("配对受访者的%(index)s", index=label)
    out = [Chart("prepost", gettext("配对受访者的前后测均值"), lambda: charts.prepost_bars(
        overall["pre_mean"], overall["post_mean"], overall["n_pairs"], means_title, waves), (800, 380))]
    if len(rows) > 1:  # one place's row is the overall figure again
        forest = [charts.ForestRow(r.label, r.n, r.diff, r.ci95) for r in rows]
        title, axis = gettext("%(index)s变化（后测 − 前测，95%% 置信区间）", index=label), gettext("变化（0-100 分）")
        out.append(Chart("forest", gettext("各%(group)s的变化", group=group_words()[found.group]),
                         lambda: charts.forest(forest, title, axis), (900, 140 + 52 * len(rows))))
    if overall["n_pairs"] >= MIN_CELL:
        spread = gettext("配对受访者的分数分布")
        out.append(Chart("distributions", gettext("分数分布"),
                         lambda: charts.distributions(both.pre, both.post, spread, waves), (800, 380)))
    return out
