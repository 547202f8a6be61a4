"""Reading the follow-up worklist (回访名单): every baseline respondent of a place, whether they
were interviewed again, and if not, what a social worker marked.  No Flask here.

A respondent is (questionnaire, county, respondent code), as pairing defines it, and "followed"
is pairing's own verdict: the respondents come from ``analysis.queries`` (the stored latest rows
where they answer the place, else the window over the place's responses, chosen by
``stored_latest_pairs`` exactly as ``paired_scores`` chooses), never from a second rule.  The
list is one query and the progress by village another, whatever the number of respondents."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any, cast

from sqlalchemy import Table, and_, case, func, literal, nulls_last, select
from sqlalchemy.engine import Connection

from ..analysis import queries
from ..analysis.snapshots import snapshot
from ..database import DBSession
from ..instruments import current_definition
from ..models import County, FollowupMark, Response, Site
from ..models.responses import RespondentLatest
from ..place import Place
from ..submissions.envelope import CST

_R = cast(Table, Response.__table__)
_L = cast(Table, RespondentLatest.__table__)
_M = cast(Table, FollowupMark.__table__)
_C = cast(Table, County.__table__)
_S = cast(Table, Site.__table__)

#: what a worklist item's status can be: followed wins over any mark (a mark made before the
#: follow-up interview arrived stays stored, but the person was found after all)
STATUSES = ("to_see", "followed", "moved", "deceased", "not_found")


@dataclass(frozen=True)
class Item:
    """One baseline respondent of the worklist."""

    respondent_code: str
    #: the county's code
    county: str
    #: the code, id and name (township · village) of the site of the latest baseline, if it named one
    site: str | None
    site_id: int | None
    site_name: str | None
    #: the latest baseline's completion time (aware, UTC)
    pre_completed_at: dt.datetime
    #: they also have a follow-up: they form a pair, as ``queries.paired_scores`` counts them
    followed: bool
    #: one of STATUSES
    status: str
    #: the mark's reason, when a mark decides the status
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The API's item (shared/DESIGN.md): times in China time with their offset."""
        return {
            "respondent_code": self.respondent_code,
            "county": self.county,
            "site": self.site,
            "pre_completed_at": self.pre_completed_at.astimezone(CST).isoformat(timespec="seconds"),
            "followed": self.followed,
            "status": self.status,
        }


@dataclass
class Progress:
    """A village's (or any group's) follow-up so far: every baseline respondent is counted once,
    as followed, still to see, or marked (``baseline`` is the sum of the other five)."""

    baseline: int = 0
    followed: int = 0
    to_see: int = 0
    moved: int = 0
    deceased: int = 0
    not_found: int = 0

    def plus(self, other: Progress) -> Progress:
        return Progress(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


def wave_rule(session: DBSession, questionnaire: str) -> str | None:
    """The current version's ``wave`` rule (required, optional, none), or None when there is no
    such questionnaire.  A questionnaire without waves has no baseline to follow up."""
    qn = current_definition(session, questionnaire)
    return qn.wave if qn is not None else None


def respondents(questionnaire: str, place: Place, respondent_code: str | None = None) -> Any:
    """One row per respondent with a baseline in the place: ``county_id``, ``respondent_code``,
    ``pre_id`` (their latest baseline there) and ``followed`` (1 when they also have a
    follow-up there, else 0), from the same rows ``queries.paired_scores`` pairs.  With
    ``respondent_code``, that respondent only."""
    if queries.stored_latest_pairs(place):
        conditions = [_L.c.questionnaire_id == questionnaire, _L.c.pre_id.is_not(None)]
        if place.county_id is not None:
            conditions.append(_L.c.county_id == place.county_id)
        if respondent_code is not None:
            conditions.append(_L.c.respondent_code == respondent_code)
        return select(
            _L.c.county_id, _L.c.respondent_code, _L.c.pre_id.label("pre_id"),
            case((_L.c.post_id.is_not(None), 1), else_=0).label("followed"),
        ).where(*conditions).subquery("people")
    ranked = queries.latest_per_wave(questionnaire, place)
    latest = select(ranked.c.id, ranked.c.county_id, ranked.c.respondent_code, ranked.c.wave).where(ranked.c.next_id.is_(None))
    if respondent_code is not None:
        latest = latest.where(ranked.c.respondent_code == respondent_code)
    last = latest.subquery("latest")
    pre_id = func.max(case((last.c.wave == "pre", last.c.id)))
    # One row per respondent by conditional aggregation, as paired_scores groups them.
    return (
        select(
            last.c.county_id, last.c.respondent_code, pre_id.label("pre_id"),
            func.max(case((last.c.wave == "post", 1), else_=0)).label("followed"),
        )
        .group_by(last.c.county_id, last.c.respondent_code)
        .having(pre_id.is_not(None))
        .subquery("people")
    )


def _joined(questionnaire: str, people: Any) -> tuple[Any, Any]:
    """The respondents with their latest baseline, county, site and mark: (from clause, pre)."""
    pre = _R.alias("pre")
    source = (
        people.join(pre, pre.c.id == people.c.pre_id)
        .join(_C, _C.c.id == people.c.county_id)
        .outerjoin(_S, _S.c.id == pre.c.site_id)
        .outerjoin(_M, and_(_M.c.questionnaire_id == questionnaire, _M.c.county_id == people.c.county_id,
                            _M.c.respondent_code == people.c.respondent_code))
    )
    return source, pre


def worklist(connection: Connection, questionnaire: str, place: Place, respondent_code: str | None = None) -> list[Item]:
    """Every respondent with a baseline in the place (team, site and round narrow by the
    response that is their latest baseline there), by site code (those without a site last)
    and respondent code: one query.  ``respondent_code`` (stored form: trimmed, upper case)
    looks up one respondent."""
    people = respondents(questionnaire, place, respondent_code)
    source, pre = _joined(questionnaire, people)
    rows = connection.execute(
        select(
            people.c.respondent_code, _C.c.code, _S.c.code, _S.c.id, Site.label,
            pre.c.completed_at, people.c.followed, _M.c.status, _M.c.reason,
        )
        .select_from(source)
        .order_by(nulls_last(_S.c.code.asc()), people.c.respondent_code, _C.c.code)
    )
    out = []
    for code, county, site, site_id, site_name, completed_at, followed, mark, reason in rows:
        followed = bool(followed)
        out.append(Item(
            respondent_code=code, county=county, site=site, site_id=site_id,
            site_name=site_name if site is not None else None,
            pre_completed_at=completed_at,
            followed=followed, status="followed" if followed else (mark or "to_see"),
            reason=None if followed else reason,
        ))
    return out


@snapshot
def progress_by_site(connection: Connection, questionnaire: str, place: Place) -> dict[int | None, Progress]:
    """The worklist's counts by the site of each respondent's latest baseline (None: no site
    named), in one query."""
    people = respondents(questionnaire, place)
    source, pre = _joined(questionnaire, people)
    open_ = people.c.followed == 0

    def count_of(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), literal(0))

    rows = connection.execute(
        select(
            pre.c.site_id, func.count(), count_of(people.c.followed == 1), count_of(and_(open_, _M.c.status.is_(None))),
            *(count_of(and_(open_, _M.c.status == status)) for status in ("moved", "deceased", "not_found")),
        )
        .select_from(source)
        .group_by(pre.c.site_id)
    )
    return {
        site_id: Progress(int(baseline), int(followed), int(to_see), int(moved), int(deceased), int(not_found))
        for site_id, baseline, followed, to_see, moved, deceased, not_found in rows
    }
