"""What logging in keeps besides the audit trail: failed-attempt counters and recovery codes."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .types import UTCDateTime, utcnow


class LoginAttempts(Model):
    """Failed logins of one key in its current window: a name (``name:``), an address
    (``address:``) or a browser that logged in as that name before (``known:``).

    One row per key, updated in place: an anonymous flood costs one small update per attempt,
    not an append-only audit row each, and a login reads its counters by primary key however
    many attempts came before (issue 15).
    """

    __tablename__ = "login_attempts"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    #: failures since window_start
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: set when the failures reach the limit; each lock lasts twice the one before (locks)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    locks: Mapped[int] = mapped_column(Integer, default=0)
    #: attempts refused while locked, written to the audit trail in one line when the lock ends
    refused: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class RecoveryCode(Model):
    """A one-time code that stands in for the authenticator app (a lost phone); only its
    argon2id hash is kept."""

    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
