"""What a pre/post comparison shows, assembled once for the awareness dashboard, the report and
the API: the overall figures with their plain verdict and attrition, the places compared (which
places, named how, in what order) and what each of them shows.  No Flask.

Before this module the dashboard and the report each chose the breakdown, named the places and
built the rows: they drifted (the county report compared a county's single team with itself).
Both now call ``prepost_findings`` and print what it returns.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, distinct, func, select
from sqlalchemy.engine import Connection

from ..models import County, Response, Site, Team
from . import verdict as verdicts
from .figures import merged, prepost_of
from .queries import PairedScores, Place, paired_scores_by, responses_where
from .snapshots import snapshot
from .stats import MIN_CELL, paired

_R = cast(Table, Response.__table__)
#: the words for each breakdown, and for a group with no name (responses without a village)
GROUP_WORDS = {"county": "县", "team": "工作队", "site": "村/社区"}
UNNAMED = "（未注明）"


@snapshot
def group_for(connection: Connection, questionnaire: str, place: Place) -> str:
    """How a place is broken down: the programme by county; a county by team when more than one
    team collected there, else by village; a team or a village by village."""
    if place.county_id is None:
        return "county"
    if place.team_id is not None or place.site_id is not None:
        return "site"
    teams = connection.execute(
        select(func.count(distinct(_R.c.team_id))).where(*responses_where(questionnaire, place.but(wave=None)))
    ).scalar_one()
    return "team" if teams > 1 else "site"


def names_of(connection: Connection, group: str) -> dict[Any, str]:
    """Display names of every county, team or village by id (one query): a village as
    "township · village", since village names repeat across townships."""
    if group == "county":
        return dict(connection.execute(select(County.id, County.name)).all())
    if group == "team":
        return dict(connection.execute(select(Team.id, Team.name)).all())
    return {i: f"{t} · {n}" for i, t, n in connection.execute(select(Site.id, Site.township, Site.name))}


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
