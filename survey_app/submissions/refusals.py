"""Refusals: a person asked who declined consent (知情同意).  Nothing of theirs is kept but the
fact, counted for the site; the record is idempotent on the uuid the interview started with."""
from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from .. import rounds
from ..auth.scope import Scope
from ..bounds import in_window
from ..models import County, Questionnaire, Refusal, Site, Team
from ..models.types import UTCDateTime, utcnow
from .envelope import message, parse_datetime, parse_uuid, text_errors
from .schema import shape_errors
from .service import CREATED, DUPLICATE, FORBIDDEN, INVALID, Outcome

KNOWN = frozenset({"uuid", "questionnaire", "county", "site", "team", "wave", "declined_at", "device_id"})
_REFUSALS = cast(Table, Refusal.__table__)
_counties, _sites, _teams = County.__table__, Site.__table__, Team.__table__
_PLACES = (
    select(_counties.c.id, _sites.c.id, _teams.c.id,
           rounds.round_of_refusal(bindparam("wave"), bindparam("declined_at", type_=UTCDateTime()),
                                   bindparam("received", type_=UTCDateTime())))
    .select_from(
        _counties.outerjoin(_sites, and_(_sites.c.county_id == _counties.c.id, _sites.c.code == bindparam("site")))
        .outerjoin(_teams, and_(_teams.c.county_id == _counties.c.id, _teams.c.code == bindparam("team")))
    )
    .where(_counties.c.code == bindparam("county"))
)
_QUESTIONNAIRE = select(Questionnaire.__table__.c.id).where(Questionnaire.__table__.c.id == bindparam("qid"))
_INSERT = {
    dialect.__name__.rsplit(".", 1)[-1]: dialect.insert(_REFUSALS).on_conflict_do_nothing(index_elements=["uuid"]).returning(_REFUSALS.c.id)
    for dialect in (sqlite, postgresql)
}


def record_refusal(connection: Connection, payload: Any, scope: Scope, source: str = "api", lang: str = "zh") -> Outcome:
    """Count one declined consent.  The caller commits."""
    if not isinstance(payload, dict):
        return Outcome(INVALID, errors={"body": [message("object", lang)]})
    errors: dict[str, list[str]] = {}

    def fail(key: str, code: str) -> None:
        errors.setdefault(key, []).append(message(code, lang))

    if bad := text_errors(payload):  # before any query: PostgreSQL cannot even compare such text
        return Outcome(INVALID, parse_uuid(payload.get("uuid")), errors={k: [message(c, lang) for c in v] for k, v in bad.items()})

    for key in payload:
        if key not in KNOWN:
            fail(str(key), "unknown_field")
    uid = parse_uuid(payload.get("uuid"))
    if uid is None:
        fail("uuid", "required" if payload.get("uuid") is None else "uuid")
    texts: dict[str, str] = {}
    for key in ("questionnaire", "county", "site", "team"):
        value = payload.get(key)
        if value in (None, ""):
            if key in ("questionnaire", "county"):
                fail(key, "required")
        elif not isinstance(value, str):
            fail(key, "text")
        else:
            texts[key] = value.strip()
    wave = payload.get("wave")
    if wave not in (None, "", "pre", "post"):
        fail("wave", "wave")
    declined_at = parse_datetime(payload.get("declined_at"))
    if declined_at is None:
        fail("declined_at", "required" if payload.get("declined_at") in (None, "") else "datetime")
    elif not in_window(declined_at):
        fail("declined_at", "time_window")
    device = payload.get("device_id")
    device_id = parse_uuid(device) if device not in (None, "") else None
    if device not in (None, "") and device_id is None:
        fail("device_id", "uuid")
    for key, code in shape_errors(payload, "refusal").items():  # as published, at the least
        if key not in errors:
            fail(key, code)
    if errors:
        return Outcome(INVALID, uid, errors=errors)

    if connection.execute(_QUESTIONNAIRE, {"qid": texts["questionnaire"]}).first() is None:
        return Outcome(INVALID, uid, errors={"questionnaire": [message("unknown_questionnaire", lang)]})
    received = utcnow()
    row = connection.execute(_PLACES, {"county": texts["county"], "site": texts.get("site", ""), "team": texts.get("team", ""),
                                       "wave": wave or None, "declined_at": declined_at, "received": received}).first()
    if row is None:
        return Outcome(INVALID, uid, errors={"county": [message("unknown_county", lang)]})
    county_id, site_id, team_id, round_id = row
    if texts.get("site") and site_id is None:
        fail("site", "unknown_site")
    if texts.get("team") and team_id is None:
        fail("team", "unknown_team")
    if errors:
        return Outcome(INVALID, uid, errors=errors)
    if team_id is None and "team" not in texts and scope.team_id is not None:
        team_id = scope.team_id
    if not scope.allows(county_id, team_id):
        return Outcome(FORBIDDEN, uid)
    inserted = connection.execute(_INSERT[connection.dialect.name], {
        "uuid": uid, "questionnaire_id": texts["questionnaire"], "county_id": county_id, "site_id": site_id,
        "team_id": team_id, "wave": wave or None, "round_id": round_id, "collector_id": scope.user_id, "source": source,
        "device_id": device_id, "declined_at": declined_at, "received_at": received,
    }).first()
    return Outcome(CREATED if inserted is not None else DUPLICATE, uid)
