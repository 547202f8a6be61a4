"""What part of the programme a user may see or write: the whole, a county, or a team."""
from __future__ import annotations

from dataclasses import dataclass

from ..models import User


@dataclass(frozen=True)
class Scope:
    """A user's reach, as plain ids (safe to keep after the session's transaction ends)."""

    user_id: int
    role: str
    county_id: int | None
    team_id: int | None
    #: reached through a tablet's device token, which is for collecting only (issue 15)
    device: bool = False

    @classmethod
    def of(cls, user: User) -> Scope:
        county_id = user.county_id
        if user.role in ("team", "collector") and user.team is not None:
            county_id = user.team.county_id
        return cls(user_id=user.id, role=user.role, county_id=county_id, team_id=user.team_id)

    @property
    def is_programme(self) -> bool:
        return self.role == "admin"

    def allows(self, county_id: int, team_id: int | None) -> bool:
        """May this user write or read a response of this county and team?"""
        if self.role == "admin":
            return True
        if self.role == "county":
            return county_id == self.county_id
        return county_id == self.county_id and team_id == self.team_id
