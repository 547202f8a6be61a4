"""Account lockout from the audit trail: too many failed logins for one name in a window lock
it until the oldest of them leaves the window.

Counted in the database, so every gunicorn worker sees the same count (Flask-Limiter's memory
storage is per process), with no server to run beside the app.  The name is compared as typed,
case-folded: an unknown name locks like a real one, so a lockout tells nothing about which
accounts exist.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import func, select

from ..database import DBSession
from ..models import AuditEvent
from ..models.types import utcnow


def account_locked(db_session: DBSession, username: str) -> bool:
    config = current_app.config
    since = utcnow() - dt.timedelta(seconds=config["LOGIN_LOCKOUT_WINDOW"])
    failures = db_session.scalar(
        select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "login.failure", AuditEvent.at >= since,
            func.lower(AuditEvent.target) == username.strip().lower()[:64],
        )
    )
    return (failures or 0) >= config["LOGIN_LOCKOUT_FAILURES"]
