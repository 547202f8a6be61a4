"""Staff accounts and their API / device tokens."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask_login import UserMixin
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .programme import County, Team
from .types import UTCDateTime, utcnow

ROLES = ("admin", "county", "team", "collector")


class User(UserMixin, Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("counties.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: set by the office (admin page or CLI): the user must choose their own at the next login
    password_temporary: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: the TOTP secret (RFC 6238, base32) once enrolled, and the last time step used, so that a
    #: code works once only
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    county: Mapped[County | None] = relationship()
    team: Mapped[Team | None] = relationship()

    __table_args__ = (
        CheckConstraint(
            "role = 'admin' OR (role = 'county' AND county_id IS NOT NULL)"
            " OR (role IN ('team', 'collector') AND team_id IS NOT NULL)",
            name="scope_matches_role",
        ),
        CheckConstraint("role IN ('admin', 'county', 'team', 'collector')", name="role_known"),
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: a disabled user cannot log in
        return self.active


def hash_token(secret: str) -> str:
    # Tokens are 256-bit random, so a fast hash is enough; a stolen table yields no token.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(Model):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the first characters of the token, to recognise it in lists without storing it
    prefix: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(16), default="api")
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    __table_args__ = (CheckConstraint("kind IN ('api', 'device')", name="kind_known"),)

    @staticmethod
    def new_secret() -> str:
        return "sq_" + secrets.token_urlsafe(32)
