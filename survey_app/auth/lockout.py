"""Account lockout from the audit trail: too many failed logins for one name in a window lock
it until the oldest of them leaves the window.

Counted in the database, so every gunicorn worker sees the same count (Flask-Limiter's memory
storage is per process), with no server to run beside the app.  Failures are counted under the
name as the login reads it (``login_name``: NFKC, trimmed) and case-folded (``lock_key``), so
"victim ", "victim" with a tab and its full-width form add up to one lock; an unknown name locks like a real one, so a
lockout tells nothing about which accounts exist.  The office lifts a lock early with
``users unlock`` or the user page: failures before the unlock no longer count.
"""
from __future__ import annotations

import datetime as dt
import unicodedata

from flask import current_app
from sqlalchemy import func, select

from ..database import DBSession
from ..models import AuditEvent
from ..models.audit import record
from ..models.types import utcnow


def login_name(typed: str) -> str:
    """The user name a login looks up: compatibility-normalised (full-width letters, the
    ideographic space) and trimmed."""
    return unicodedata.normalize("NFKC", typed or "").strip()


def lock_key(typed: str) -> str:
    """What failures are counted under: the login name, case-folded, as stored in the audit trail."""
    return login_name(typed).casefold()[:64]


def account_locked(db_session: DBSession, username: str) -> bool:
    config = current_app.config
    key = lock_key(username)
    since = utcnow() - dt.timedelta(seconds=config["LOGIN_LOCKOUT_WINDOW"])
    unlocked = db_session.scalar(
        select(func.max(AuditEvent.at)).where(AuditEvent.action == "login.unlock", AuditEvent.target == key))
    if unlocked is not None and unlocked > since:
        since = unlocked
    failures = db_session.scalar(
        select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "login.failure", AuditEvent.at >= since, func.lower(AuditEvent.target) == key,
        )
    )
    return (failures or 0) >= config["LOGIN_LOCKOUT_FAILURES"]


def unlock(username: str, actor_id: int | None = None, ip: str | None = None) -> str:
    """Lift the lock on a name at once (the caller commits); failures before it stop counting."""
    key = lock_key(username)
    record("login.unlock", actor_id=actor_id, target=key, ip=ip)
    return key
