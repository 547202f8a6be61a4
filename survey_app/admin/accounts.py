"""Staff accounts as the programme office manages them: where an account belongs (a role's
county or team), and enabling again (disabling, which ends sessions and tokens at once, is
``auth.sessions.disable_user``).  No Flask here."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..auth.permissions import placed_in
from ..database import DBSession
from ..models import County, Team, User
from ..models.audit import record

#: the problems ``placement`` reports, for the pages to word
PROBLEMS = ("needs_county", "needs_team", "unknown_role")


@dataclass(frozen=True)
class Placement:
    county: County | None
    team: Team | None


def placement(session: DBSession, role: str, county_code: str | None, team_code: str | None) -> tuple[Placement | None, dict[str, str]]:
    """Where an account of ``role`` belongs: a county bureau in a county, a team member or a
    collector in a team, the office nowhere; or the problems, by field (a code of ``PROBLEMS``)."""
    problems: dict[str, str] = {}
    county = team = None
    try:
        belongs = placed_in(role)
    except ValueError:
        return None, {"role": "unknown_role"}
    if belongs == "county":
        county = session.scalar(select(County).where(County.code == county_code)) if county_code else None
        if county is None:
            problems["county"] = "needs_county"
    elif belongs == "team":
        team = session.scalar(select(Team).where(Team.code == team_code)) if team_code else None
        if team is None:
            problems["team"] = "needs_team"
    return (None if problems else Placement(county, team)), problems


def enable(session: DBSession, user: User, actor_id: int | None, ip: str | None = None) -> None:
    """Let a disabled account log in again (its revoked tokens stay revoked)."""
    user.active = True
    record("user.enable", actor_id=actor_id, target=user.username, ip=ip)
