"""The follow-up so far (``followups.worklist``): by county for the programme, else by village,
with the whole last; nothing for a questionnaire without waves."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.engine import Connection

from ..followups.worklist import Progress, progress_by_site
from ..models import Site
from ..place import Place
from ..questionnaires import Definition
from .common import place_names


def progress(connection: Connection, qn: Definition, place: Place) -> list[tuple[str, Progress]]:
    if qn.wave == "none":
        return []
    by_site = progress_by_site(connection, qn.id, place.but(wave=None))
    if not by_site:
        return []
    grouped: dict[Any, Progress]
    if place.county_id is None:
        county_of = dict(connection.execute(select(Site.id, Site.county_id)).all())
        grouped = {}
        for site, counts in by_site.items():
            key = county_of.get(site) if site is not None else None
            grouped[key] = grouped.get(key, Progress()).plus(counts)
        names = place_names(connection, "county")
    else:
        grouped, names = dict(by_site), place_names(connection, "site")
    rows = names.rows(grouped)
    total = Progress()
    for _, counts in rows:
        total = total.plus(counts)
    return [*rows, (gettext("合计"), total)]
