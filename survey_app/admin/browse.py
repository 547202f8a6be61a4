"""Finding responses for staff to look at: filters, the caller's reach applied in the query
itself (never only in a template), and pages by id (keyset: page 200 costs what page 1 does).
No Flask here."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ..analysis import flags as sqlflags
from ..auth.scope import Scope
from ..database import DBSession
from ..models import County, Response, Site, Team, User

CHINA = dt.timezone(dt.timedelta(hours=8))
PAGE = 50
WAVE_CHOICES = ("pre", "post", "none")
STATES = ("all", "kept", "excluded")


@dataclass(frozen=True)
class ResponseFilter:
    """What the staff member asked for; ids already checked against the database by the caller."""

    questionnaire: str | None = None
    county_id: int | None = None
    site_id: int | None = None
    team_id: int | None = None
    wave: str | None = None  # pre, post, or none (no wave)
    since: dt.date | None = None  # China dates of completion, both ends included
    until: dt.date | None = None
    flag: str | None = None  # a flag of analysis.flags.FLAGS, or "any"; needs a questionnaire
    state: str = "all"
    code: str | None = None  # a respondent code, exactly


@dataclass
class ResponsePage:
    rows: list[Any] = field(default_factory=list)
    #: the id to pass as ``before`` for the next page, None on the last
    next_before: int | None = None


def conditions(filt: ResponseFilter) -> list[Any]:
    out: list[Any] = []
    for column, value in ((Response.questionnaire_id, filt.questionnaire), (Response.county_id, filt.county_id),
                          (Response.site_id, filt.site_id), (Response.team_id, filt.team_id)):
        if value is not None:
            out.append(column == value)
    if filt.wave == "none":
        out.append(Response.wave.is_(None))
    elif filt.wave is not None:
        out.append(Response.wave == filt.wave)
    if filt.since is not None:
        out.append(Response.completed_at >= china_midnight(filt.since))
    if filt.until is not None:
        out.append(Response.completed_at < china_midnight(filt.until + dt.timedelta(days=1)))
    if filt.state == "kept":
        out.append(Response.excluded.is_(False))
    elif filt.state == "excluded":
        out.append(Response.excluded.is_(True))
    if filt.code:
        out.append(Response.respondent_code == filt.code)
    if filt.flag is not None and filt.questionnaire is not None:
        selects = sqlflags.flag_selects(filt.questionnaire)
        flagged = sqlflags.flagged_ids(filt.questionnaire) if filt.flag == "any" else selects[filt.flag]
        out.append(Response.id.in_(flagged))
    return out


def china_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), CHINA).astimezone(dt.UTC)


def _listing(where: list[Any]) -> Any:
    return (
        select(Response.id, Response.uuid, Response.questionnaire_id, Response.wave, Response.respondent_code,
               Response.completed_at, Response.received_at, Response.source, Response.excluded, Response.excluded_reason,
               County.name.label("county"), Site.name.label("site"), Team.name.label("team"), User.username.label("collector"))
        .join(County, County.id == Response.county_id)
        .outerjoin(Site, Site.id == Response.site_id)
        .outerjoin(Team, Team.id == Response.team_id)
        .outerjoin(User, User.id == Response.collector_id)
        .where(*where)
    )


def browse(session: DBSession, scope: Scope, filt: ResponseFilter, before: int | None = None,
           size: int = PAGE) -> ResponsePage:
    """The newest responses first, ``size`` at a time, older than ``before`` (an id)."""
    where = [scope.rows(Response), *conditions(filt)]
    if before is not None:
        where.append(Response.id < before)
    rows = session.execute(_listing(where).order_by(Response.id.desc()).limit(size + 1)).all()
    more = len(rows) > size
    rows = rows[:size]
    return ResponsePage(rows=list(rows), next_before=rows[-1].id if more and rows else None)


def visible(session: DBSession, scope: Scope, response_id: int) -> Response | None:
    """The response if it exists and ``scope`` may see it (None alike in both other cases, so a
    page cannot tell a county what ids another county holds)."""
    return session.scalar(select(Response).where(Response.id == response_id, scope.rows(Response)))


def flags_of(session: DBSession, response: Response) -> list[str]:
    """The quality flags this response carries now (they move as responses arrive)."""
    out = []
    for name, query in sqlflags.flag_selects(response.questionnaire_id).items():
        ids = query.subquery()
        if session.scalar(select(ids.c[0]).where(ids.c[0] == response.id)) is not None:
            out.append(name)
    return out


def may_exclude(scope: Scope, response: Response) -> bool:
    """Who may leave a response out of the figures: the programme office, and a county bureau
    in its county.  Not the teams: they collected the responses and their work is what the
    figures assess."""
    return scope.can_exclude_responses and scope.allows(response.county_id, response.team_id)
