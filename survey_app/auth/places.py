"""Places within a reader's reach: the place a request names, checked and narrowed
(``place_for``), and the places a form may offer (``pickable_places``).  One rule for every page,
the API, the reports, the exports and the command line.  No Flask here: a place refused is a
``PlaceError``, which the web layer turns into a status (``errors.status_of``)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..database import DBSession
from ..models import County, Round, Site, Team
from ..place import Place
from .scope import Scope


class PlaceError(ValueError):
    """A place refused: ``field`` is the input at fault (county, team, site, round, scope), the
    message says why (English, for the API and logs)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class UnknownPlace(PlaceError):
    """A code or round that does not exist, or a team or village named with a county it is not in."""


class OutsidePlace(PlaceError):
    """A place that exists but is outside the reader's reach, or a reader who may not ask at all."""


def place_for(
    session: DBSession, scope: Scope, county_code: str | None, team_code: str | None, site_code: str | None = None,
    round_year: str | int | None = None,
) -> Place:
    """The place asked for, narrowed to what the reader may see: a county user sees their county,
    a team member their team, the programme office everything.  ``round_year``: one round, by
    its year (an unknown year is an ``UnknownPlace`` like an unknown code)."""
    round_id = None
    if round_year not in (None, ""):
        # A year's four ASCII digits: int() would take "٢٠٢٦" and fail on "²", and a number past
        # the column's range is a database error on PostgreSQL, not "no such round".
        text = str(round_year).strip()
        year = int(text) if text.isascii() and text.isdigit() and len(text) <= 4 else None
        round_id = session.scalar(select(Round.id).where(Round.year == year)) if year is not None else None
        if round_id is None:
            raise UnknownPlace("round", "no such round (give its year, e.g. 2026)")
    county_id = team_id = site_id = None
    if site_code:
        site = session.scalar(select(Site).where(Site.code == site_code))
        if site is None:
            raise UnknownPlace("site", "no such site code")
        if county_code and site.county.code != county_code:
            raise UnknownPlace("site", "this site is in another county")
        site_id, county_code = site.id, site.county.code
    if county_code:
        county_id = session.scalar(select(County.id).where(County.code == county_code))
        if county_id is None:
            raise UnknownPlace("county", "no such county code")
    if team_code:
        team = session.scalar(select(Team).where(Team.code == team_code))
        if team is None:
            raise UnknownPlace("team", "no such team code")
        team_id = team.id
        if county_id is not None and team.county_id != county_id:
            raise UnknownPlace("team", "this team works in another county")
        county_id = team.county_id
    if scope.sees_county:
        if county_id not in (None, scope.county_id):
            raise OutsidePlace("county", "outside your county")
        county_id = scope.county_id
    elif scope.bound_to_team:
        if (county_id not in (None, scope.county_id)) or (team_id not in (None, scope.team_id)):
            raise OutsidePlace("team", "outside your team")
        county_id, team_id = scope.county_id, scope.team_id
    return Place(county_id=county_id, team_id=team_id, site_id=site_id, round_id=round_id)


@dataclass(frozen=True)
class Pickable:
    """The places a form may offer a reader, never one outside their reach: (code, name) pairs
    in code order, and the county (by code) of each team and village, for forms that group them."""

    county: list[tuple[str, str]]
    team: list[tuple[str, str]]
    site: list[tuple[str, str]]
    team_county: dict[str, str]
    site_county: dict[str, str]

    def choices(self) -> dict[str, list[tuple[str, str]]]:
        """``{"county", "team", "site"}``: the pairs, as the filter forms take them."""
        return {"county": self.county, "team": self.team, "site": self.site}


def pickable_places(session: DBSession, scope: Scope, county_id: int | None = None, *,
                    all_sites: bool = False, active_only: bool = False) -> Pickable:
    """The counties, teams and villages ``scope`` may pick.  ``county_id``: a county chosen, its
    teams and villages only.  Villages are listed only once a county is chosen (the
    programme's in one list would be hundreds long) unless ``all_sites``.  ``active_only``:
    leave out places no longer active (forms that start something new, not filters of what was)."""
    counties = select(County.code, County.name).order_by(County.code)
    teams = select(Team.code, Team.name, County.code).join(County, County.id == Team.county_id).order_by(Team.code)
    sites = (select(Site.code, Site.label, County.code).join(County, County.id == Site.county_id)
             .order_by(Site.code))
    if not scope.sees_programme:
        counties = counties.where(County.id == scope.county_id)
        teams = teams.where(Team.county_id == scope.county_id)
        sites = sites.where(Site.county_id == scope.county_id)
        if scope.team_id is not None and scope.bound_to_team:
            teams = teams.where(Team.id == scope.team_id)
    if county_id is not None:
        teams = teams.where(Team.county_id == county_id)
        sites = sites.where(Site.county_id == county_id)
    if active_only:
        counties = counties.where(County.active.is_(True))
        teams = teams.where(Team.active.is_(True))
        sites = sites.where(Site.active.is_(True))
    county_rows = session.execute(counties).all()
    team_rows = session.execute(teams).all()
    site_rows = session.execute(sites).all() if all_sites or county_id is not None else []
    return Pickable(
        county=[(str(code), str(name)) for code, name in county_rows],
        team=[(str(code), str(name)) for code, name, _county in team_rows],
        site=[(str(code), str(name)) for code, name, _county in site_rows],
        team_county={str(code): str(county) for code, _name, county in team_rows},
        site_county={str(code): str(county) for code, _name, county in site_rows},
    )
