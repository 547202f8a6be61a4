"""What part of the programme a user may see or write: the whole, a county, or a team; and what
they may do there (the named rights of ``permissions.Permissions``)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select, true

from ..models import ApiToken, Refusal, Response, User
from .permissions import OFFICE_ROLE, TEAM_ROLES, Permissions


@dataclass(frozen=True)
class Scope(Permissions):
    """A user's reach, as plain ids (safe to keep after the session's transaction ends), with
    the rights of their role."""

    user_id: int
    county_id: int | None
    team_id: int | None
    #: reached through a tablet's device token, which is for collecting only (issue 15)
    device: bool = False

    @classmethod
    def of(cls, user: User) -> Scope:
        county_id = user.county_id
        if user.role in TEAM_ROLES and user.team is not None:
            county_id = user.team.county_id
        return cls(user_id=user.id, role=user.role, county_id=county_id, team_id=user.team_id)

    @classmethod
    def office(cls) -> Scope:
        """The programme office, nobody in particular: what the command line and the report
        builder act as (the reader's own scope was checked before)."""
        return cls(user_id=0, role=OFFICE_ROLE, county_id=None, team_id=None)

    def allows(self, county_id: int, team_id: int | None) -> bool:
        """May this user write or read a response of this county and team?"""
        if self.sees_programme:
            return True
        if self.sees_county:
            return county_id == self.county_id
        return county_id == self.county_id and team_id == self.team_id

    def rows(self, model: type[Response] | type[Refusal], *, own_tablets: bool = False) -> ColumnElement[bool]:
        """The rows of ``model`` (responses or refusals) this user may see, as a WHERE clause:
        the office all, a county bureau its county's, a team and its social workers their team's.

        ``own_tablets`` (sync receipts, device lists): a social worker sees only the tablets
        they hold (a device token was issued to them for it) or what they sent themselves; a
        tablet shared by a team shows all it sent from that team, since the tablet's own log,
        which the receipt is compared with, holds it all anyway."""
        if self.sees_programme:
            return true()
        in_county = model.county_id == self.county_id
        if self.sees_county:
            return in_county
        in_team = in_county & (model.team_id == self.team_id)
        if not (own_tablets and self.sees_only_own_tablets):
            return in_team
        held = select(ApiToken.label).where(ApiToken.user_id == self.user_id, ApiToken.kind == "device")
        return in_team & or_(model.collector_id == self.user_id, model.device_id.in_(held))
