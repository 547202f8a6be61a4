"""The figures the API and the pages show, assembled from the SQL aggregations and the pure
statistics, with small cells suppressed.  No Flask here."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ..auth.scope import Scope
from ..database import DBSession
from ..models import County, Round, Site, Team
from ..questionnaires import Questionnaire as Parsed
from . import verdict
from .queries import PairedScores, Place, item_values, paired_scores, summary
from .snapshots import snapshot
from .stats import MIN_CELL, Reliability, cronbach_alpha, paired

PREPOST_FIGURES = ("pre_mean", "post_mean", "mean_diff", "ci95", "t", "p_ttest", "p_wilcoxon", "cohens_dz")


class PlaceError(ValueError):
    """A county or team code that is unknown (``status`` 422) or outside the reader's scope (403)."""

    def __init__(self, field: str, message: str, status: int) -> None:
        super().__init__(message)
        self.field, self.status = field, status


def place_for(
    session: DBSession, scope: Scope, county_code: str | None, team_code: str | None, site_code: str | None = None,
    round_year: str | int | None = None,
) -> Place:
    """The place asked for, narrowed to what the reader may see: a county user sees their county,
    a team member their team, the programme office everything.  ``round_year``: one round, by
    its year (an unknown year is 422 like an unknown code)."""
    round_id = None
    if round_year not in (None, ""):
        # A year's four ASCII digits: int() would take "٢٠٢٦" and fail on "²", and a number past
        # the column's range is a database error on PostgreSQL, not "no such round".
        text = str(round_year).strip()
        year = int(text) if text.isascii() and text.isdigit() and len(text) <= 4 else None
        round_id = session.scalar(select(Round.id).where(Round.year == year)) if year is not None else None
        if round_id is None:
            raise PlaceError("round", "no such round (give its year, e.g. 2026)", 422)
    county_id = team_id = site_id = None
    if site_code:
        site = session.scalar(select(Site).where(Site.code == site_code))
        if site is None:
            raise PlaceError("site", "no such site code", 422)
        if county_code and site.county.code != county_code:
            raise PlaceError("site", "this site is in another county", 422)
        site_id, county_code = site.id, site.county.code
    if county_code:
        county_id = session.scalar(select(County.id).where(County.code == county_code))
        if county_id is None:
            raise PlaceError("county", "no such county code", 422)
    if team_code:
        team = session.scalar(select(Team).where(Team.code == team_code))
        if team is None:
            raise PlaceError("team", "no such team code", 422)
        team_id = team.id
        if county_id is not None and team.county_id != county_id:
            raise PlaceError("team", "this team works in another county", 422)
        county_id = team.county_id
    if scope.role == "county":
        if county_id not in (None, scope.county_id):
            raise PlaceError("county", "outside your county", 403)
        county_id = scope.county_id
    elif scope.role in ("team", "collector"):
        if (county_id not in (None, scope.county_id)) or (team_id not in (None, scope.team_id)):
            raise PlaceError("team", "outside your team", 403)
        county_id, team_id = scope.county_id, scope.team_id
    return Place(county_id=county_id, team_id=team_id, site_id=site_id, round_id=round_id)


@snapshot
def prepost(connection: Connection, questionnaire: str, index: str, place: Place) -> dict[str, Any]:
    """The contract's `GET /stats/prepost` reply: figures are null where there are fewer than
    five pairs (small-cell suppression) or where they cannot be computed."""
    return prepost_of(paired_scores(connection, questionnaire, index, place))


def prepost_of(scores: PairedScores) -> dict[str, Any]:
    """The `prepost` figures of pairs already fetched (suppressed below five pairs), with the
    plain verdict and attrition examined (``verdict``)."""
    result = paired(scores.pre, scores.post).as_dict()
    out: dict[str, Any] = {"n_pairs": result["n_pairs"]}
    for key in PREPOST_FIGURES:
        out[key] = result[key] if result["n_pairs"] >= MIN_CELL else None
    out["n_pre_only"], out["n_post_only"] = scores.pre_only, scores.post_only
    out["verdict"] = verdict.verdict(out)
    out["attrition"] = verdict.attrition(scores)
    return out


def wave_summary(connection: Connection, questionnaire: str, place: Place) -> dict[str, Any]:
    """Responses and index means by wave, with means under five respondents suppressed."""
    s = summary(connection, questionnaire, place)
    for row in s["indices"]:
        if row["n"] < MIN_CELL:
            row["mean"] = None
    return s


def merged(groups: dict[Any, PairedScores]) -> PairedScores:
    """All groups' pairs and attrition as one (the whole of what was broken down)."""
    out = PairedScores()
    for scores in groups.values():
        out.pre += scores.pre
        out.post += scores.post
        out.pre_only += scores.pre_only
        out.post_only += scores.post_only
        out.unscored_pairs += scores.unscored_pairs
        out.followed_baseline += scores.followed_baseline
        out.lost_baseline += scores.lost_baseline
    return out


#: Cronbach's alpha from at most this many responses: its standard error is then about 0.002
ALPHA_SAMPLE = 5000


def reliability(connection: Connection, qn: Parsed, index_id: str, place: Place, sample: int | None = ALPHA_SAMPLE) -> Reliability | None:
    """Cronbach's alpha of one index over the responses that answered every item (at most
    ``sample`` of them), reverse-keyed items reversed as in the score; None below five."""
    index = next((i for i in qn.indices if i.id == index_id), None)
    if index is None:
        return None
    rows = item_values(connection, qn.id, index.items, place, sample)
    if len(rows) < MIN_CELL:
        return None
    flips = []  # per item: the value that reverses it (max + min), or None
    for item in index.items:
        scale = qn.question(item).scale
        assert scale is not None  # index items are likert: checked when the file is loaded
        flips.append(scale.max + scale.min if item in index.reverse else None)
    keyed = [[v if flip is None else flip - v for flip, v in zip(flips, row, strict=True)] for row in rows]
    return cronbach_alpha(keyed, index.items)


def yes_no_items(qn: Parsed) -> dict[str, str]:
    """The yes/no questions McNemar's test compares: those the file lists under ``compare``,
    else every single-choice question answered yes or no."""
    if qn.compare:
        return dict.fromkeys(qn.compare, "yes")
    return {q.id: "yes" for q in qn.questions.values() if q.type == "single" and set(q.option_values) == {"yes", "no"}}
