"""Marking a baseline respondent who cannot be followed up (moved, deceased, not found), and
clearing a mark.  No Flask here: refusals are ``MarkError``s that the page and any other caller
word and map to a status themselves; the caller commits (these only execute and audit).

Only a respondent with a baseline in the caller's reach can be marked: the reach is
``auth.places.place_for``'s, the rule of every page and the API, so a team marks the
respondents its own worklist lists, a county bureau its county's.  A respondent already
followed up cannot be marked (there is nothing to explain)."""
from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..analysis.snapshots import changed
from ..auth.places import OutsidePlace, PlaceError, place_for
from ..auth.scope import Scope
from ..database import DBSession
from ..models import MARK_STATUSES, FollowupMark
from ..models.audit import record
from ..models.types import utcnow
from .worklist import Item, wave_rule, worklist

_M = cast(Table, FollowupMark.__table__)

#: the longest reason kept (longer is refused, never cut)
REASON_MAX = 500
#: the longest code a respondent or a place can have (responses store codes in 64 characters)
CODE_MAX = 64


class MarkError(ValueError):
    """A mark or clearing refused.  ``field`` is the input at fault (questionnaire, county,
    team, respondent_code, status, reason), ``code`` what is wrong with it (unknown, no_waves,
    required, too_long, outside, no_baseline, followed) for the caller to put in words, and
    ``status`` the HTTP status it amounts to: 422 invalid, 403 outside the caller's reach, 409
    already followed up.  The message is English, for logs and the API."""

    def __init__(self, field: str, code: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.field, self.code, self.status = field, code, status


def mark(
    session: DBSession, scope: Scope, questionnaire: str, county_code: str, respondent_code: str, status: str, reason: str,
    *, ip: str | None = None,
) -> str | None:
    """Mark a respondent as moved, deceased or not found, with the social worker's reason
    (trimmed, at most 500 characters).  Replaces an earlier mark of theirs.  Returns the status
    it replaced (None: they were not marked)."""
    if status not in MARK_STATUSES:
        raise MarkError("status", "unknown", f"status must be one of {', '.join(MARK_STATUSES)}")
    reason = (reason or "").strip()
    if not reason:
        raise MarkError("reason", "required", "a reason is required")
    if len(reason) > REASON_MAX:
        raise MarkError("reason", "too_long", f"the reason is longer than {REASON_MAX} characters")
    item, county_id = _respondent(session, scope, questionnaire, county_code, respondent_code)
    if item.followed:
        raise MarkError("respondent_code", "followed", "this respondent has been followed up already", 409)
    key = {"questionnaire_id": questionnaire, "county_id": county_id, "respondent_code": item.respondent_code}
    previous = _current(session, key)
    values = {"status": status, "reason": reason, "marked_by": scope.user_id, "marked_at": utcnow()}
    # One statement whatever is stored: two people marking the same person at once do not
    # collide on the unique key; the later one's mark stands, and both are in the trail.
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(_M).values(**key, **values)
    session.execute(statement.on_conflict_do_update(index_elements=list(key), set_=values))
    changed(session)  # the follow-up's progress counts the marks
    record("followup.mark", actor_id=scope.user_id, target=_target(questionnaire, item), ip=ip,
           status=status, reason=reason, previous=previous[0] if previous else None)
    return previous[0] if previous else None


def clear(
    session: DBSession, scope: Scope, questionnaire: str, county_code: str, respondent_code: str, *, ip: str | None = None,
) -> str | None:
    """Remove a respondent's mark (they are to be seen again).  The trail records the status and
    reason removed.  Returns the status cleared (None: there was no mark, and nothing is done:
    a form sent twice is not an error)."""
    item, county_id = _respondent(session, scope, questionnaire, county_code, respondent_code)
    key = {"questionnaire_id": questionnaire, "county_id": county_id, "respondent_code": item.respondent_code}
    previous = _current(session, key)
    if previous is None:
        return None
    session.execute(delete(_M).where(*(_M.c[column] == value for column, value in key.items())))
    changed(session)
    record("followup.clear", actor_id=scope.user_id, target=_target(questionnaire, item), ip=ip,
           status=previous[0], reason=previous[1])
    return previous[0]


def _respondent(session: DBSession, scope: Scope, questionnaire: str, county_code: str, respondent_code: str) -> tuple[Item, int]:
    """The worklist item of a respondent with a baseline in the caller's reach, and their county's
    id; MarkError otherwise."""
    rule = wave_rule(session, questionnaire) if _plain(questionnaire, 63) else None
    if rule is None:
        raise MarkError("questionnaire", "unknown", "no such questionnaire")
    if rule == "none":
        raise MarkError("questionnaire", "no_waves", "this questionnaire has no baseline and follow-up")
    county_code = (county_code or "").strip()
    if not county_code:
        raise MarkError("county", "required", "the county code is required")
    if not _plain(county_code, CODE_MAX):
        raise MarkError("county", "unknown", "no such county code")
    code = (respondent_code or "").strip().upper()  # as responses store it
    if not code:
        raise MarkError("respondent_code", "required", "the respondent code is required")
    try:
        place = place_for(session, scope, county_code, None)
    except OutsidePlace as exc:
        raise MarkError(exc.field, "outside", str(exc), 403) from exc
    except PlaceError as exc:
        raise MarkError(exc.field, "unknown", str(exc), 422) from exc
    assert place.county_id is not None  # a county code was given, and place_for found it
    # A code too long or odd to be stored cannot have a baseline: the same answer as any other
    # code without one (and nothing a database driver could choke on is sent).
    found = worklist(session.connection(), questionnaire, place, code) if _plain(code, CODE_MAX) else []
    if not found:
        raise MarkError("respondent_code", "no_baseline", "no respondent with this code has a baseline within your reach")
    return found[0], place.county_id


def _current(session: DBSession, key: dict[str, Any]) -> tuple[str, str] | None:
    row = session.execute(
        select(_M.c.status, _M.c.reason).where(*(_M.c[column] == value for column, value in key.items()))
    ).first()
    return (row[0], row[1]) if row is not None else None


def _target(questionnaire: str, item: Item) -> str:
    return f"{questionnaire}/{item.county}/{item.respondent_code}"


def _plain(text: str, longest: int) -> bool:
    """A code that can be stored: not too long, and no control characters (PostgreSQL refuses
    NUL in text, and no code has a line break)."""
    return len(text) <= longest and text.isprintable()
