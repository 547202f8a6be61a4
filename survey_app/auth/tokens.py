"""API and device tokens: issued once, stored hashed, revocable.

A device token is a tablet's key to the collection API (issue 15): issued only to the roles
that collect (``Permissions.can_collect``), one per tablet (asking again for the same tablet replaces it), at most
``DEVICE_TOKENS_PER_USER`` live per user, and it expires ``DEVICE_TOKEN_IDLE_DAYS`` after its
last use: long enough for weeks without signal, not for a lost tablet to stay a key for ever.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import bindparam, func, or_, select, update

from ..database import DBSession, DriverConnection, Prepared
from ..models import ApiToken, Team, User, hash_token
from ..models.types import UTCDateTime, utcnow
from .permissions import TEAM_ROLES
from .scope import Scope

#: last_used_at is written at most this often: the idle expiry needs no finer grain, and the
#: sync path stays a read
TOUCH_EVERY = dt.timedelta(hours=1)


class TooManyDevices(Exception):
    """The user already holds the most live device tokens allowed."""


def issue_token(session: DBSession, user: User, kind: str = "api", label: str = "") -> str:
    """Create a token for the user and return its secret (shown once, never stored)."""
    secret = ApiToken.new_secret()
    session.add(ApiToken(user=user, token_hash=hash_token(secret), prefix=secret[:10], kind=kind, label=label))
    session.flush()
    return secret


def device_idle_limit() -> dt.timedelta:
    return dt.timedelta(days=current_app.config["DEVICE_TOKEN_IDLE_DAYS"])


def live_device_tokens(user_id: int) -> object:
    """The condition of a user's live device tokens: not revoked, used (or issued) recently."""
    since = utcnow() - device_idle_limit()
    return (ApiToken.user_id == user_id) & (ApiToken.kind == "device") & ApiToken.revoked_at.is_(None) & (
        func.coalesce(ApiToken.last_used_at, ApiToken.created_at) >= since)


def issue_device_token(session: DBSession, user: User, device_id: str) -> str:
    """A token for this tablet, replacing the one it held; raises TooManyDevices past the limit."""
    now = utcnow()
    session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.kind == "device", ApiToken.label == device_id,
                                           ApiToken.revoked_at.is_(None)).values(revoked_at=now))
    live = session.scalar(select(func.count()).select_from(ApiToken).where(live_device_tokens(user.id)))  # type: ignore[arg-type]
    if (live or 0) >= current_app.config["DEVICE_TOKENS_PER_USER"]:
        raise TooManyDevices
    return issue_token(session, user, kind="device", label=device_id)


_users, _teams, _tokens = User.__table__, Team.__table__, ApiToken.__table__
#: built once: this runs on every API request, and building a statement costs more than running it
_SCOPE_OF_TOKEN = Prepared(
    select(_users.c.id, _users.c.role, _users.c.county_id, _users.c.team_id, _teams.c.county_id, _tokens.c.kind,
           _tokens.c.id, _tokens.c.last_used_at)
    .select_from(_tokens.join(_users, _users.c.id == _tokens.c.user_id).outerjoin(_teams, _teams.c.id == _users.c.team_id))
    .where(_tokens.c.token_hash == bindparam("token_hash"), _tokens.c.revoked_at.is_(None), _users.c.active.is_(True),
           or_(_tokens.c.kind == "api",
               func.coalesce(_tokens.c.last_used_at, _tokens.c.created_at) >= bindparam("device_since", type_=UTCDateTime())))
)
_TOUCH = Prepared(
    update(ApiToken).where(ApiToken.id == bindparam("token_id")).values(last_used_at=bindparam("now", type_=UTCDateTime()))
)


def scope_for_token(connection: DriverConnection, secret: str) -> Scope | None:
    """The scope of a valid token's owner, in one query (and, once an hour, one small write of
    when the token was last used)."""
    now = utcnow()
    row = connection.first(_SCOPE_OF_TOKEN, {"token_hash": hash_token(secret), "device_since": now - device_idle_limit()})
    if row is None:
        return None
    user_id, role, county_id, team_id, team_county_id, kind, token_id, last_used = row
    if last_used is None or _aware(last_used) < now - TOUCH_EVERY:
        connection.execute(_TOUCH, {"token_id": token_id, "now": now})  # autocommit: its own transaction
    if role in TEAM_ROLES:
        county_id = team_county_id
    return Scope(user_id=user_id, role=role, county_id=county_id, team_id=team_id, device=kind == "device")


def _aware(value: dt.datetime | str) -> dt.datetime:
    """A timestamp read straight from the driver: SQLite gives naive text, PostgreSQL aware."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def revoke_user_tokens(session: DBSession, user: User, kind: str | None = None, labels: list[str] | None = None) -> int:
    """Revoke the user's live tokens (of one kind, or all; of these labels only, for devices
    named by their ids); returns how many."""
    query = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    if kind is not None:
        query = query.where(ApiToken.kind == kind)
    if labels is not None:
        query = query.where(ApiToken.label.in_(labels))
    tokens = session.scalars(query).all()
    for token in tokens:
        token.revoked_at = utcnow()
    return len(tokens)
