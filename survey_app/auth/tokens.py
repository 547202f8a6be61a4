"""API and device tokens: issued once, stored hashed, revocable."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import ApiToken, User, hash_token
from ..models.types import utcnow


def issue_token(session: Session, user: User, kind: str = "api", label: str = "") -> str:
    """Create a token for the user and return its secret (shown once, never stored)."""
    secret = ApiToken.new_secret()
    session.add(ApiToken(user=user, token_hash=hash_token(secret), prefix=secret[:10], kind=kind, label=label))
    session.flush()
    return secret


def user_for_token(session: Session, secret: str) -> User | None:
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    return token.user


def revoke_user_tokens(session: Session, user: User) -> int:
    tokens = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).all()
    for token in tokens:
        token.revoked_at = utcnow()
    return len(tokens)
