"""What each role may do, by name: the one place where role names meet rights.

Everything else asks a named question (``scope.can_export``, ``access.can_manage_users`` in a
template) and never compares a role string, so a new role, or a right moved from one role to
another, changes this file and nothing else.  The role names themselves are defined with the
accounts (``models.users.ROLES`` and its check constraint).
"""
from __future__ import annotations

from dataclasses import dataclass

# The four roles (``models.users.ROLES``, held to these by tests/test_access_rules.py), then
# the groups the rights below are made of.

#: the programme office: its reach is the whole programme
OFFICE_ROLE = "admin"
#: a county bureau: its reach is one county, every team in it
COUNTY_ROLE = "county"
#: a service team's account: its reach is its team
TEAM_ROLE = "team"
#: a social worker of a team: collects, and reads only what collecting needs
COLLECTOR_ROLE = "collector"

COUNTY_ROLES = (COUNTY_ROLE,)
#: bound to one team
TEAM_ROLES = (TEAM_ROLE, COLLECTOR_ROLE)
#: those who collect on tablets: what they collect enters the data (anyone else's answers are a
#: trial), so they, and only they, hold device tokens
COLLECTING_ROLES = (TEAM_ROLE, COLLECTOR_ROLE)
#: those who read the figures (dashboards, reports, exports, the response pages) and look after
#: the dialect recordings; social workers collect, and see only what the follow-up worklist and
#: their own tablets need
ANALYSING_ROLES = (OFFICE_ROLE, COUNTY_ROLE, TEAM_ROLE)
#: those who may leave a response out of the figures (within their reach): not the teams, whose
#: work the figures assess
EXCLUDING_ROLES = (OFFICE_ROLE, COUNTY_ROLE)
#: in sync receipts and device lists, their own tablets only
OWN_TABLETS_ROLES = (COLLECTOR_ROLE,)


@dataclass(frozen=True)
class Permissions:
    """The rights of a role.  ``Scope`` adds where they apply (a county, a team); templates get
    these as ``access`` (an anonymous visitor's role is "", with no rights at all)."""

    role: str

    # ---- reach ---------------------------------------------------------------------------------

    @property
    def sees_programme(self) -> bool:
        """The whole programme: every county, the programme report, province-wide dialects."""
        return self.role == OFFICE_ROLE

    @property
    def sees_county(self) -> bool:
        """One county, all of its teams (a county bureau)."""
        return self.role in COUNTY_ROLES

    @property
    def bound_to_team(self) -> bool:
        """One team: a place named outside it is refused, a county is narrowed to it, the team's
        questionnaire assignments apply, reports are the team's only."""
        return self.role in TEAM_ROLES

    @property
    def sees_only_own_tablets(self) -> bool:
        """In sync receipts and device lists, only the tablets held or what was sent oneself
        (a social worker), not the whole team's."""
        return self.role in OWN_TABLETS_ROLES

    # ---- reading -------------------------------------------------------------------------------

    @property
    def can_view_dashboards(self) -> bool:
        """The dashboards and the statistics API."""
        return self.role in ANALYSING_ROLES

    @property
    def can_view_reports(self) -> bool:
        """The PDF assessment reports."""
        return self.role in ANALYSING_ROLES

    @property
    def can_export(self) -> bool:
        """The export page: responses as CSV or XLSX with their codebook."""
        return self.role in ANALYSING_ROLES

    @property
    def can_browse_responses(self) -> bool:
        """The response pages: the list, one response, its history."""
        return self.role in ANALYSING_ROLES

    @property
    def can_exclude_responses(self) -> bool:
        """Leave a response out of the figures, or count it again."""
        return self.role in EXCLUDING_ROLES

    # ---- collecting ----------------------------------------------------------------------------

    @property
    def can_collect(self) -> bool:
        """Collect for real on a tablet: a device token, answers that enter the data."""
        return self.role in COLLECTING_ROLES

    @property
    def can_import_queues(self) -> bool:
        """Upload the queue a tablet exported when it could not sync."""
        return self.role in ANALYSING_ROLES

    # ---- the audio studio ----------------------------------------------------------------------

    @property
    def can_create_dialects(self) -> bool:
        return self.role in ANALYSING_ROLES

    @property
    def can_approve_recordings(self) -> bool:
        """Approve a recording for the tablets, or withdraw an approval (social workers record)."""
        return self.role in ANALYSING_ROLES

    # ---- the programme office's pages ----------------------------------------------------------

    @property
    def can_manage_users(self) -> bool:
        return self.role == OFFICE_ROLE

    @property
    def can_manage_places(self) -> bool:
        """Counties, villages and teams."""
        return self.role == OFFICE_ROLE

    @property
    def can_manage_rounds(self) -> bool:
        return self.role == OFFICE_ROLE

    @property
    def can_manage_questionnaires(self) -> bool:
        """Questionnaire versions: retire one, assign a questionnaire to teams."""
        return self.role == OFFICE_ROLE

    @property
    def can_read_audit(self) -> bool:
        return self.role == OFFICE_ROLE


def placed_in(role: str) -> str | None:
    """Where an account of ``role`` belongs: "county", "team" or None (the office); raises
    ValueError for a role that is not one."""
    if role in COUNTY_ROLES:
        return "county"
    if role in TEAM_ROLES:
        return "team"
    if role == OFFICE_ROLE:
        return None
    raise ValueError(f"no such role: {role!r}")
