"""The places a reader may pick in a filter (counties, teams, villages): never one outside their
reach.  One builder for every page that offers them (dashboards, administration, follow-ups),
so that adding a role changes the lists in one place."""
from __future__ import annotations

from sqlalchemy import select

from ..database import DBSession
from ..models import County, Site, Team
from .scope import Scope


def place_choices(session: DBSession, scope: Scope, county_id: int | None = None,
                  all_sites: bool = False) -> dict[str, list[tuple[str, str]]]:
    """``{"county", "team", "site"}``: (code, name) pairs in code order.  ``county_id``: a county
    chosen, its teams and villages only.  Villages are listed only once a county is chosen (the
    programme's in one list would be hundreds long) unless ``all_sites``."""
    counties = select(County.code, County.name).order_by(County.code)
    teams = select(Team.code, Team.name).order_by(Team.code)
    sites = select(Site.code, Site.township + " · " + Site.name).order_by(Site.code)
    if not scope.is_programme:
        counties = counties.where(County.id == scope.county_id)
        teams = teams.where(Team.county_id == scope.county_id)
        sites = sites.where(Site.county_id == scope.county_id)
        if scope.team_id is not None and scope.role in ("team", "collector"):
            teams = teams.where(Team.id == scope.team_id)
    if county_id is not None:
        teams = teams.where(Team.county_id == county_id)
        sites = sites.where(Site.county_id == county_id)
    listed = all_sites or county_id is not None
    return {
        "county": [(str(a), str(b)) for a, b in session.execute(counties)],
        "team": [(str(a), str(b)) for a, b in session.execute(teams)],
        "site": [(str(a), str(b)) for a, b in session.execute(sites)] if listed else [],
    }
