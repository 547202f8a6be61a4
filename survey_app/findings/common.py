"""Rules every subject shares: how a place is broken down and what its parts are called (and in
what order), the words for waves, groups, service
domains and activity measures, and a chart made only when it is drawn."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from flask_babel import gettext, lazy_gettext
from sqlalchemy import Table, distinct, func, select
from sqlalchemy.engine import Connection

from ..analysis.queries import responses_where
from ..analysis.snapshots import snapshot
from ..models import County, Response, Site, Team
from ..place import Place

_R = cast(Table, Response.__table__)


@snapshot
def group_for(connection: Connection, questionnaire: str, place: Place) -> str:
    """How a place is broken down: the programme by county; a county by team when more than one
    team collected there, else by village (a county's one team compared with itself would say
    nothing); a team or a village by village."""
    if place.county_id is None:
        return "county"
    if place.team_id is not None or place.site_id is not None:
        return "site"
    teams = connection.execute(
        select(func.count(distinct(_R.c.team_id))).where(*responses_where(questionnaire, place.but(wave=None)))
    ).scalar_one()
    return "team" if teams > 1 else "site"


def group_words() -> dict[str, str]:
    return {"county": gettext("县"), "team": gettext("工作队"), "site": gettext("村/社区")}


def wave_names() -> dict[str | None, str]:
    return {"pre": gettext("前测"), "post": gettext("后测"), None: gettext("未注明测次")}


#: the service domains' short names (shared/DESIGN.md): the options' labels are sentences
DOMAIN_NAMES = {
    "disaster": lazy_gettext("灾害"), "community": lazy_gettext("社区"), "rural": lazy_gettext("农村"),
    "elderly": lazy_gettext("老龄"), "veterans": lazy_gettext("优抚"), "outreach": lazy_gettext("宣传培训"),
}


def domain_names() -> dict[str, str]:
    return {key: str(name) for key, name in DOMAIN_NAMES.items()}


def names_of(connection: Connection, group: str) -> dict[Any, str]:
    """Display names of every county, team or village by id (one query): a village as
    "township · village", since village names repeat across townships."""
    if group == "county":
        return dict(connection.execute(select(County.id, County.name)).all())
    if group == "team":
        return dict(connection.execute(select(Team.id, Team.name)).all())
    return dict(connection.execute(select(Site.id, Site.label)).all())


def codes_of(connection: Connection, group: str) -> dict[Any, str]:
    """The code of every county, team or village by id."""
    columns = {"county": (County.id, County.code), "team": (Team.id, Team.code), "site": (Site.id, Site.code)}[group]
    return dict(connection.execute(select(*columns)).all())


@dataclass(frozen=True)
class Names:
    """What each county, team or village is called, and the order places are listed in: by
    name, the responses that name none ("未注明") last, on every page and in every report."""

    known: dict[Any, str]
    unnamed: str

    def label(self, key: Any) -> str:
        return self.known.get(key, str(key)) if key is not None else self.unnamed

    def order(self, key: Any) -> tuple[bool, str]:
        return key is None, self.label(key)

    def rows(self, by_key: dict[Any, Any]) -> list[tuple[str, Any]]:
        """``(label, value)`` for each key, in the listing order."""
        return [(self.label(k), by_key[k]) for k in sorted(by_key, key=self.order)]


def place_names(connection: Connection, group: str) -> Names:
    return Names(names_of(connection, group), gettext("未注明"))


@dataclass
class Chart:
    """A chart made when it is drawn (``make``: a plotly Figure; the report draws it in another
    thread while it gathers the rest), with the caption a report prints under it and its size."""

    key: str
    caption: str
    make: Callable[[], Any]
    size: tuple[int, int] = (900, 420)
