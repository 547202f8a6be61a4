"""Reading the audit trail: filters and pages, newest first.  There is no function here (or
anywhere in the app) that changes or deletes an event.  No Flask here."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ..database import DBSession
from ..models import AuditEvent, User
from .browse import china_midnight

PAGE = 100


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None  # exact, or a prefix ending in "." ("login." for every login event)
    actor: str | None = None  # a username
    target: str | None = None  # part of the target
    since: dt.date | None = None  # China dates, both ends included
    until: dt.date | None = None


@dataclass
class AuditPage:
    rows: list[Any] = field(default_factory=list)
    next_before: int | None = None


def actions(session: DBSession) -> list[str]:
    """The actions the trail holds, for the filter's choices."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def events(session: DBSession, filt: AuditFilter, before: int | None = None, size: int = PAGE) -> AuditPage:
    query = (select(AuditEvent.id, AuditEvent.at, AuditEvent.action, AuditEvent.target, AuditEvent.detail, AuditEvent.ip,
                    User.username.label("actor"))
             .outerjoin(User, User.id == AuditEvent.actor_id))
    if filt.action:
        query = query.where(AuditEvent.action.startswith(filt.action, autoescape=True) if filt.action.endswith(".")
                            else AuditEvent.action == filt.action)
    if filt.actor:
        query = query.where(User.username == filt.actor)
    if filt.target:
        query = query.where(AuditEvent.target.contains(filt.target, autoescape=True))
    if filt.since is not None:
        query = query.where(AuditEvent.at >= china_midnight(filt.since))
    if filt.until is not None:
        query = query.where(AuditEvent.at < china_midnight(filt.until + dt.timedelta(days=1)))
    if before is not None:
        query = query.where(AuditEvent.id < before)
    rows = session.execute(query.order_by(AuditEvent.id.desc()).limit(size + 1)).all()
    more = len(rows) > size
    rows = rows[:size]
    return AuditPage(rows=list(rows), next_before=rows[-1].id if more and rows else None)
