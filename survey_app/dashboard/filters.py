"""The filters every dashboard page shares, read from and written back to the URL so that a
view can be shared: questionnaire, county, team, site, round, wave, and whether flagged
responses count.  Scope is applied here too: a county user cannot name another county."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import abort
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from .. import rounds
from ..auth.places import Place, PlaceError, pickable_places, place_for
from ..auth.scope import Scope
from ..database import DBSession
from ..errors import status_of
from ..instruments import current_definition
from ..models import Questionnaire, Round
from ..questionnaires import Definition

WAVES = ("pre", "post")
KEYS = ("questionnaire", "county", "team", "site", "round", "wave", "flagged")


@dataclass
class Filters:
    """What a dashboard page was asked to show, checked against the reader's scope."""

    questionnaire: str
    values: dict[str, str]  # the URL's filter values, as given (empty: not set)
    place: Place
    qn: Definition
    options: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def include_flagged(self) -> bool:
        return self.values.get("flagged") != "exclude"

    def query(self, **changes: str) -> str:
        """The URL query string of these filters with some changed (for links between pages)."""
        merged = {**self.values, **changes}
        return urlencode({k: v for k, v in merged.items() if v})


def read(session: DBSession, scope: Scope, args: MultiDict[str, str], default_questionnaire: str) -> Filters:
    """The filters in ``args``: 404 for an unknown questionnaire, 422 for an unknown code, 403
    for a place outside the reader's scope; collectors (who collect, not analyse) get 403."""
    if not scope.can_view_dashboards:
        abort(403)
    values = {key: (args.get(key) or "").strip() for key in KEYS}
    values["questionnaire"] = values["questionnaire"] or default_questionnaire
    qn = current_definition(session, values["questionnaire"])
    if qn is None:
        abort(404)
    try:
        place = place_for(session, scope, values["county"] or None, values["team"] or None, values["site"] or None,
                          values["round"] or None)
    except PlaceError as exc:
        abort(status_of(exc))
    if values["wave"] and values["wave"] not in WAVES:
        abort(422)
    place = place.but(
        wave=values["wave"] or None,
        leave_out_flagged=values["flagged"] == "exclude",
    )
    filters = Filters(values["questionnaire"], values, place, qn)
    filters.options = _options(session, scope, place)
    return filters


def _options(session: DBSession, scope: Scope, place: Place) -> dict[str, list[tuple[str, str]]]:
    """The choices each filter offers this reader (never a place outside their scope)."""
    rows: dict[str, Any] = {
        "questionnaire": session.execute(select(Questionnaire.id, Questionnaire.title_zh).order_by(Questionnaire.id)).all(),
        **pickable_places(session, scope, place.county_id).choices(),
        # a round with its dates: 第一期（2025年度） holds follow-ups made in 2026, which the name hides
        "round": [(year, rounds.label(name, start, end)) for year, name, start, end in
                  session.execute(select(Round.year, Round.name, Round.starts_on, Round.ends_on).order_by(Round.year))],
    }
    return {key: [(str(a), str(b)) for a, b in value] for key, value in rows.items()}
