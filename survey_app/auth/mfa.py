"""The second factor (ASVS V6.5, V6.6): TOTP codes from an authenticator app (RFC 6238, 30 s,
6 digits, SHA-1 as every app expects) and one-time recovery codes for a lost phone.

A code works once: the last time step used is kept, so a code seen over a shoulder or in a
log cannot be replayed within its 90 seconds.  Recovery codes are random (about 50 bits), shown
once, kept as argon2id hashes like passwords (ASVS 6.5.2: under 112 bits).
"""
from __future__ import annotations

import hmac
import secrets
import time

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, select

from ..database import DBSession
from ..models import RecoveryCode, User
from ..models.types import utcnow
from .passwords import hash_password, verify_password

ISSUER = "Sanqu Survey"
#: steps either side of now that are accepted: a phone's clock a little off still works
DRIFT = 1
RECOVERY_CODES = 10
#: no 0/o, 1/l/i: a code is read off paper
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def required(user: User) -> bool:
    """Whether the user's role must log in with a second factor (the office and the county
    bureaux by default: they hold every resident's answers for their area)."""
    return user.role in current_app.config["MFA_REQUIRED_ROLES"]


def enrolled(user: User) -> bool:
    return user.totp_secret is not None and user.totp_enabled_at is not None


def start_enrolment(user: User) -> str:
    """A fresh secret, kept but not yet in force; the caller commits.  Returns the otpauth URI."""
    user.totp_secret = pyotp.random_base32()
    user.totp_enabled_at = None
    user.totp_last_step = None
    return uri(user)


def uri(user: User) -> str:
    assert user.totp_secret is not None
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(otpauth_uri: str) -> str:
    """The URI as an inline SVG QR code (drawn here: no image service sees the secret)."""
    return str(segno.make(otpauth_uri, error="m").svg_inline(scale=5, border=4, title="二维码 QR code"))


def spaced(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def check_totp(user: User, typed: str) -> bool:
    """Whether the code is right for the user's secret (enrolled or being enrolled) and not used
    before; a right code is marked used (the caller commits)."""
    code = "".join(typed.split())
    if user.totp_secret is None or len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = int(time.time()) // totp.interval
    for step in range(now - DRIFT, now + DRIFT + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False
            user.totp_last_step = step
            return True
    return False


def confirm_enrolment(db_session: DBSession, user: User) -> list[str]:
    """The secret is in force from now on; returns new recovery codes (the old ones end)."""
    user.totp_enabled_at = utcnow()
    return new_recovery_codes(db_session, user)


def new_recovery_codes(db_session: DBSession, user: User) -> list[str]:
    db_session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        db_session.add(RecoveryCode(user_id=user.id, code_hash=hash_password(raw)))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def use_recovery_code(db_session: DBSession, user: User, typed: str) -> bool:
    """Whether the typed text is one of the user's unused recovery codes; if so it is used up."""
    raw = "".join(ch for ch in typed.lower() if ch.isalnum())
    if len(raw) != 10:
        return False
    # at most ten hashes to try, and only after the right password
    for row in db_session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))):
        if verify_password(row.code_hash, raw):
            row.used_at = utcnow()
            return True
    return False


def recovery_codes_left(db_session: DBSession, user: User) -> int:
    return len(db_session.scalars(select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())


def reset(db_session: DBSession, user: User) -> None:
    """Forget the second factor (a lost phone); the user enrols again at the next login."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db_session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
