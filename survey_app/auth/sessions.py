"""Staff login sessions kept on the server (ASVS V7): started at login with a new random id,
refused once ended, idle too long or too old, and ended all at once when a user is disabled.

Flask's own session is a signed cookie that stays valid wherever it is copied; it carries only
the secret of a ``UserSession`` row here, whose end nobody can undo.
"""
from __future__ import annotations

import datetime as dt
import secrets
from typing import cast

from flask import current_app, g, has_request_context, request, session
from sqlalchemy import ColumnElement, CursorResult, select, update

from ..database import DBSession
from ..models import User, UserSession, hash_token
from ..models.audit import record
from ..models.types import utcnow
from .tokens import revoke_user_tokens

#: the key of the session secret in Flask's cookie session
SESSION_KEY = "sid"
#: last_seen_at is written at most this often, not on every request
TOUCH_EVERY = dt.timedelta(minutes=1)


def start_session(db_session: DBSession, user: User) -> None:
    """Open a new server-side session for the user and put its secret in a fresh cookie
    session (a new id at every login: no session fixation)."""
    secret = secrets.token_urlsafe(32)
    clear_session()
    db_session.add(UserSession(
        user=user, token_hash=hash_token(secret), ip=request.remote_addr,
        user_agent=request.headers.get("User-Agent", "")[:200],
    ))
    session[SESSION_KEY] = secret


def clear_session() -> None:
    """Empty the cookie session, and forget this request's CSRF token with it: Flask-WTF keeps
    it in ``g``, and a page rendered after the clear would carry a token its session no longer
    knows (the code page after the password, the recovery codes after the code)."""
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def current_user_of_session(db_session: DBSession, user_id: int) -> User | None:
    """The user of this request's live session, or None (Flask-Login's user loader).

    One query, as the plain user lookup it replaces; an expired session is ended on the spot.
    The writes here commit at once: this runs when ``current_user`` is first read, which
    ``login_required`` (and every view that checks the user) does before the view writes.
    """
    secret = session.get(SESSION_KEY)
    if not secret:
        return None
    row = db_session.execute(
        select(User, UserSession).join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == hash_token(secret), UserSession.ended_at.is_(None), User.id == user_id)
    ).first()
    if row is None:
        return None
    user, record_ = row
    if not user.active:
        return None
    now = utcnow()
    config = current_app.config
    idle = now - record_.last_seen_at > dt.timedelta(seconds=config["SESSION_IDLE_TIMEOUT"])
    too_old = now - record_.created_at > dt.timedelta(seconds=config["SESSION_ABSOLUTE_TIMEOUT"])
    if idle or too_old:
        _end(db_session, UserSession.id == record_.id)
        record("session.expired", actor_id=user.id, target=user.username, ip=request.remote_addr,
               reason="idle" if idle else "absolute")
        db_session.commit()
        return None
    if now - record_.last_seen_at >= TOUCH_EVERY:
        db_session.execute(update(UserSession).where(UserSession.id == record_.id).values(last_seen_at=now))
        db_session.commit()
    return user


def end_current_session(db_session: DBSession) -> None:
    """End this request's session (logout)."""
    secret = session.get(SESSION_KEY)
    if secret:
        _end(db_session, UserSession.token_hash == hash_token(secret))


def end_sessions(db_session: DBSession, user: User) -> int:
    """End every live session of the user; returns how many.  Their next request finds itself
    logged out."""
    return _end(db_session, UserSession.user_id == user.id)


def disable_user(db_session: DBSession, user: User, actor: User | None = None) -> tuple[int, int]:
    """Disable an account at once: no more logins, its sessions ended, its API and device tokens
    revoked, all in the caller's transaction (the admin page commits).  Returns how many
    sessions were ended and tokens revoked."""
    user.active = False
    ended = end_sessions(db_session, user)
    revoked = revoke_user_tokens(db_session, user)
    record("user.disable", actor_id=actor.id if actor else None, target=user.username,
           ip=request.remote_addr if has_request_context() else None, sessions_ended=ended, tokens_revoked=revoked)
    return ended, revoked


def live_sessions(db_session: DBSession, user: User) -> list[dict]:
    """The user's sessions that have not ended, newest first, this request's marked."""
    secret = session.get(SESSION_KEY)
    here = hash_token(secret) if secret else None
    rows = db_session.scalars(select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
                              .order_by(UserSession.last_seen_at.desc())).all()
    return [{"created_at": r.created_at, "last_seen_at": r.last_seen_at, "ip": r.ip, "user_agent": r.user_agent,
             "this": r.token_hash == here} for r in rows]


def end_other_sessions(db_session: DBSession, user: User) -> int:
    """End the user's sessions but this request's (a password changed by its owner)."""
    secret = session.get(SESSION_KEY)
    condition = UserSession.user_id == user.id
    if secret:
        condition = condition & (UserSession.token_hash != hash_token(secret))
    return _end(db_session, condition)


def _end(db_session: DBSession, condition: ColumnElement[bool]) -> int:
    result = db_session.execute(
        update(UserSession).where(condition, UserSession.ended_at.is_(None)).values(ended_at=utcnow())
    )
    return cast(CursorResult, result).rowcount or 0


def set_password(db_session: DBSession, user: User, password_hash: str, temporary: bool = True) -> tuple[int, int]:
    """A password set by the office: it ends every session of the user and revokes their API
    and device tokens, in the caller's transaction, so whoever knew the old one is out; and it
    is temporary (the user chooses their own at the next login) unless said otherwise (issue 15).
    Returns how many sessions were ended and tokens revoked."""
    user.password_hash = password_hash
    user.password_temporary = temporary
    return end_sessions(db_session, user), revoke_user_tokens(db_session, user)
