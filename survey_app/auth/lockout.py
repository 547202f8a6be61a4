"""Failed logins, counted where every worker sees them: an account, an address and a known
browser each lock after too many failures in a window (ASVS V6.3.1).

Counters live in ``login_attempts``, one row per key updated in place, so a flood neither
grows the append-only audit trail by a row per attempt nor slows each login with a recount
(issue 15).  What is audited: each counted failure (at most the limit per window per name),
each lock as it starts, and the attempts refused while it lasted, in one line when it ends.

Keys:

- ``name:`` the login name as the login reads it (``login_name``: NFKC, trimmed) and
  case-folded (``lock_key``), so "victim ", "victim" with a tab and its full-width form add up
  to one lock.  An unknown name locks like a real one: a lock tells nothing about which
  accounts exist.
- ``address:`` the client's address (``X-Forwarded-For`` only from a trusted proxy, see
  proxies.py): one address cannot try many names.
- ``known:`` a browser that logged in as this name before carries a signed cookie naming it
  (OWASP's "device cookie"); its failures count apart, and a lock of the name does not stop it.
  So an anonymous flood that locks the office's name does not lock the office out.

Each lock lasts twice the one before (from ``LOGIN_LOCKOUT_WINDOW`` up to
``LOGIN_LOCKOUT_MAX``); a quiet day starts the doubling again.  The office lifts a lock at once
with ``users unlock`` or the user page.
"""
from __future__ import annotations

import datetime as dt
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any, cast

from flask import Flask, Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import CursorResult, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..database import DBSession
from ..models import LoginAttempts
from ..models.audit import record
from ..models.types import utcnow
from ..signing import serializer

#: how long a known-browser cookie is honoured
KNOWN_FOR = dt.timedelta(days=180)
#: counters quiet this long are deleted (a lock still running is kept)
FORGET_AFTER = dt.timedelta(days=1)


def login_name(typed: str) -> str:
    """The user name a login looks up: compatibility-normalised (full-width letters, the
    ideographic space) and trimmed."""
    return unicodedata.normalize("NFKC", typed or "").strip()


def lock_key(typed: str) -> str:
    """What a name's failures are counted under: the login name, case-folded."""
    return login_name(typed).casefold()[:64]


@dataclass(frozen=True)
class Attempt:
    """Who is trying: the counter keys of one login attempt."""

    name: str
    address: str
    #: set when the browser showed a valid known-browser cookie for this name
    known: str | None = None

    @classmethod
    def of_request(cls, typed_name: str) -> Attempt:
        name = lock_key(typed_name)
        return cls(name=name, address=request.remote_addr or "", known=_known_nonce(name))

    @property
    def keys(self) -> list[str]:
        """The counters this attempt is judged by: a known browser by its own only."""
        if self.known:
            return ["known:" + self.known]
        return ["name:" + self.name, "address:" + self.address]


def _limit(key: str) -> int:
    config = current_app.config
    return config["LOGIN_LIMIT_PER_ADDRESS"] if key.startswith("address:") else config["LOGIN_LOCKOUT_FAILURES"]


def refused(db_session: DBSession, attempt: Attempt) -> bool:
    """Whether the attempt must wait (a 429).  A refused attempt is counted on its lock, not
    audited one by one; a lock found over has its refusals written to the audit trail."""
    now = utcnow()
    rows = db_session.execute(select(LoginAttempts).where(LoginAttempts.key.in_(attempt.keys))
                              .execution_options(populate_existing=True)).scalars().all()
    waiting = False
    for row in rows:
        if row.locked_until is not None and row.locked_until > now:
            waiting = True
            db_session.execute(update(LoginAttempts).where(LoginAttempts.key == row.key)
                               .values(refused=LoginAttempts.refused + 1, last_at=now))
        elif row.refused:
            _summarise(db_session, row.key, row.refused, "over")
    return waiting


def failed(db_session: DBSession, attempt: Attempt) -> None:
    """Count a wrong password (or second factor) on each of the attempt's keys; lock those that
    reach their limit.  The failure itself is audited by the caller."""
    config = current_app.config
    now = utcnow()
    window = dt.timedelta(seconds=config["LOGIN_LOCKOUT_WINDOW"])
    table = LoginAttempts.__table__
    for key in attempt.keys:
        fresh = {"key": key, "failures": 1, "window_start": now, "locks": 0, "refused": 0, "last_at": now}
        stale = LoginAttempts.window_start < now - window
        quiet = LoginAttempts.window_start < now - FORGET_AFTER
        values: dict[str, Any] = {
            "failures": case((stale, 1), else_=LoginAttempts.failures + 1),
            "window_start": case((stale, now), else_=LoginAttempts.window_start),
            "locks": case((quiet, 0), else_=LoginAttempts.locks),
            "last_at": now,
        }
        dialect = postgresql if db_session.get_bind().dialect.name == "postgresql" else sqlite
        upsert = dialect.insert(table).values(**fresh)
        db_session.execute(upsert.on_conflict_do_update(index_elements=["key"], set_=values))
        limit = _limit(key)
        row = db_session.execute(select(LoginAttempts.failures, LoginAttempts.locks).where(LoginAttempts.key == key)).one()
        if row.failures < limit:
            continue
        until = now + min(window * 2 ** row.locks, dt.timedelta(seconds=config["LOGIN_LOCKOUT_MAX"]))
        # Only the worker whose update takes the lock audits it: one line per lock.
        taken = db_session.execute(
            update(LoginAttempts)
            .where(LoginAttempts.key == key, LoginAttempts.failures >= limit,
                   (LoginAttempts.locked_until.is_(None)) | (LoginAttempts.locked_until <= now))
            .values(locked_until=until, locks=LoginAttempts.locks + 1, failures=0, window_start=now)
        )
        if cast(CursorResult, taken).rowcount:
            kind, _, target = key.partition(":")
            record("login.locked" if kind != "address" else "login.ratelimited", target=target[:64],
                   ip=request.remote_addr, counter=kind, failures=row.failures, until=until.isoformat(timespec="seconds"))


def succeeded(db_session: DBSession, attempt: Attempt) -> None:
    """A full login (password and second factor): the name's count (or this known browser's)
    starts again, and counters quiet for a day are dropped."""
    now = utcnow()
    # A known browser clears its own count only: the name's lock, if a flood holds one, stays
    # for the strangers.
    keys = ["known:" + attempt.known] if attempt.known else ["name:" + attempt.name]
    for row in db_session.execute(select(LoginAttempts).where(LoginAttempts.key.in_(keys), LoginAttempts.refused > 0)).scalars():
        _summarise(db_session, row.key, row.refused, "login")
    db_session.execute(delete(LoginAttempts).where(LoginAttempts.key.in_(keys)))
    db_session.execute(delete(LoginAttempts).where(
        LoginAttempts.last_at < now - FORGET_AFTER,
        LoginAttempts.locked_until.is_(None) | (LoginAttempts.locked_until < now)))


def account_locked(db_session: DBSession, username: str) -> bool:
    """Whether the name is locked now (for strangers; a known browser may still come in)."""
    until = db_session.scalar(select(LoginAttempts.locked_until).where(LoginAttempts.key == "name:" + lock_key(username)))
    return until is not None and until > utcnow()


def unlock(db_session: DBSession, username: str, actor_id: int | None = None, ip: str | None = None, **detail: Any) -> str:
    """Lift the lock on a name at once, and forget its failures and doublings (the caller
    commits).  Audited, with the attempts the lock had refused."""
    key = lock_key(username)
    row = db_session.get(LoginAttempts, "name:" + key, populate_existing=True)
    refused_count = row.refused if row is not None else 0
    db_session.execute(delete(LoginAttempts).where(LoginAttempts.key == "name:" + key))
    record("login.unlock", actor_id=actor_id, target=key, ip=ip, refused=refused_count, **detail)
    return key


def _summarise(db_session: DBSession, key: str, count: int, why: str) -> None:
    """One audit line for the attempts a lock refused; the counter goes back to 0 only if no
    other worker wrote the same line first."""
    done = db_session.execute(update(LoginAttempts).where(LoginAttempts.key == key, LoginAttempts.refused == count)
                              .values(refused=0))
    if cast(CursorResult, done).rowcount:
        kind, _, target = key.partition(":")
        record("login.flood", target=target[:64], ip=request.remote_addr, counter=kind, refused=count, ended=why)


# --- the known-browser cookie -------------------------------------------------------------

def _serializer(app: Flask) -> URLSafeTimedSerializer:
    return serializer(app.secret_key or "", "known-login")


def _cookie_name(app: Flask) -> str:
    return "__Host-known" if app.config["SESSION_COOKIE_SECURE"] else "known"


def _known_nonce(name: str) -> str | None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    raw = request.cookies.get(_cookie_name(app))
    if not raw:
        return None
    try:
        data = _serializer(app).loads(raw, max_age=int(KNOWN_FOR.total_seconds()))
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("name") != name or not isinstance(data.get("nonce"), str):
        return None
    return data["nonce"][:40]


def remember_browser(response: Response, attempt: Attempt) -> None:
    """After a full login: this browser is known for this name from now on."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    value = _serializer(app).dumps({"name": attempt.name, "nonce": attempt.known or secrets.token_urlsafe(16)})
    response.set_cookie(_cookie_name(app), value, max_age=int(KNOWN_FOR.total_seconds()), path="/",
                        secure=app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")
