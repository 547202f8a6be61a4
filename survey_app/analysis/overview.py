"""What the overview page counts: responses by month, refusals, and how many sites were reached
at each wave.  GROUP BYs only; counts of collected questionnaires, which say nothing of anyone's
answers (the small-cell rule is about figures from answers)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, case, func, select
from sqlalchemy.engine import Connection

from ..models import Refusal, Response, Site
from ..place import Place
from ..sqlfuncs import china_month
from .queries import GROUPS, responses_where
from .snapshots import snapshot

_R = cast(Table, Response.__table__)
_F = cast(Table, Refusal.__table__)
_SITES = cast(Table, Site.__table__)


@snapshot
def by_month(connection: Connection, questionnaire: str, place: Place, group: str) -> list[tuple[str, Any, int]]:
    """(month in China time, county/team/site id, responses), in month order."""
    month, key = china_month(_R.c.completed_at), GROUPS[group]
    return [(m, k, int(n)) for m, k, n in connection.execute(
        select(month, key, func.count()).where(*responses_where(questionnaire, place))
        .group_by(month, key).order_by(month, key)
    )]


def _same_place(table: Table, questionnaire: str, place: Place) -> list[Any]:
    """The place's conditions on responses or refusals (both carry the place, wave and round)."""
    conditions = [table.c.questionnaire_id == questionnaire]
    for name in ("county_id", "team_id", "site_id", "round_id", "wave"):
        if getattr(place, name) is not None:
            conditions.append(table.c[name] == getattr(place, name))
    return conditions


def refusals(connection: Connection, questionnaire: str, place: Place) -> int:
    """Residents who declined at the consent screen, in the same place, round and wave."""
    return int(connection.execute(select(func.count()).where(*_same_place(_F, questionnaire, place))).scalar_one())


@snapshot
def excluded(connection: Connection, questionnaire: str, place: Place) -> int:
    """Responses excluded by staff (they stay stored, out of every figure)."""
    conditions = [*_same_place(_R, questionnaire, place), _R.c.excluded.is_(True)]
    return int(connection.execute(select(func.count()).where(*conditions)).scalar_one())


@dataclass(frozen=True)
class SiteCoverage:
    site_id: int
    county_id: int
    pre: int
    post: int
    other: int  # responses with no wave (questionnaires asked once)
    last: Any  # the latest completion, or None


@snapshot
def coverage(connection: Connection, questionnaire: str, place: Place) -> list[SiteCoverage]:
    """Every active site of the place with its responses by wave, reached or not: the responses
    counted by site in one pass, then the sites left-joined to those counts (joined the other way
    round, each site searched the responses again: 3.8 s for the programme at 100,000 on SQLite)."""
    by_site = (
        select(
            _R.c.site_id.label("site_id"),
            func.count(case((_R.c.wave == "pre", 1))).label("pre"), func.count(case((_R.c.wave == "post", 1))).label("post"),
            func.count(case((_R.c.wave.is_(None), 1))).label("other"), func.max(_R.c.completed_at).label("last"),
        )
        .where(*responses_where(questionnaire, place), _R.c.site_id.is_not(None))
        .group_by(_R.c.site_id)
        .subquery("by_site")
    )
    site_conditions: list[Any] = [_SITES.c.active.is_(True)]
    if place.county_id is not None:
        site_conditions.append(_SITES.c.county_id == place.county_id)
    if place.site_id is not None:
        site_conditions.append(_SITES.c.id == place.site_id)
    rows = connection.execute(
        select(_SITES.c.id, _SITES.c.county_id, func.coalesce(by_site.c.pre, 0), func.coalesce(by_site.c.post, 0),
               func.coalesce(by_site.c.other, 0), by_site.c["last"])
        .select_from(_SITES.outerjoin(by_site, by_site.c.site_id == _SITES.c.id))
        .where(*site_conditions)
        .order_by(_SITES.c.county_id, _SITES.c.id)
    ).all()
    return [SiteCoverage(int(a), int(b), int(c), int(d), int(e), f) for a, b, c, d, e, f in rows]

