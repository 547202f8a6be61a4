"""API and device tokens: issued once, stored hashed, revocable."""
from __future__ import annotations

from sqlalchemy import bindparam, select

from ..database import DBSession, DriverConnection, Prepared
from ..models import ApiToken, Team, User, hash_token
from ..models.types import utcnow
from .scope import Scope


def issue_token(session: DBSession, user: User, kind: str = "api", label: str = "") -> str:
    """Create a token for the user and return its secret (shown once, never stored)."""
    secret = ApiToken.new_secret()
    session.add(ApiToken(user=user, token_hash=hash_token(secret), prefix=secret[:10], kind=kind, label=label))
    session.flush()
    return secret


_users, _teams, _tokens = User.__table__, Team.__table__, ApiToken.__table__
#: built once: this runs on every API request, and building a statement costs more than running it
_SCOPE_OF_TOKEN = Prepared(
    select(_users.c.id, _users.c.role, _users.c.county_id, _users.c.team_id, _teams.c.county_id, _tokens.c.kind)
    .select_from(_tokens.join(_users, _users.c.id == _tokens.c.user_id).outerjoin(_teams, _teams.c.id == _users.c.team_id))
    .where(_tokens.c.token_hash == bindparam("token_hash"), _tokens.c.revoked_at.is_(None), _users.c.active.is_(True))
)


def scope_for_token(connection: DriverConnection, secret: str) -> Scope | None:
    """The scope of a valid token's owner, in one query."""
    row = connection.first(_SCOPE_OF_TOKEN, {"token_hash": hash_token(secret)})
    if row is None:
        return None
    user_id, role, county_id, team_id, team_county_id, kind = row
    if role in ("team", "collector"):
        county_id = team_county_id
    return Scope(user_id=user_id, role=role, county_id=county_id, team_id=team_id, device=kind == "device")


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
