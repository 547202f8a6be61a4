"""The one submission path.  The API, the web form, offline sync and file import all call
``submit``: it validates against the response's questionnaire version, clears answers hidden by
skip logic, computes index scores and stores everything in one transaction, idempotent on the
client's uuid.

Everything that only reads (reference look-ups, validation, scoring) happens before the write
transaction, which holds SQLite's single write lock only for the inserts (see
docs/ARCHITECTURE.md, "Idempotency").  What is written, and the statements that write it on
each engine, are in ``writes``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, or_, select

from .. import rounds
from ..analysis import quality
from ..auth.scope import Scope
from ..database import DriverConnection, Prepared
from ..instruments import VersionRef, questionnaire_exists, version_ref
from ..models import County, Response, Site, Team
from ..models.types import utcnow
from ..questionnaires import ValidationResult
from . import latest, writes
from .envelope import Envelope, content_hash, message, parse_envelope, parse_uuid, text_errors
from .judging import judged, rendered

CREATED, DUPLICATE, CONFLICT, INVALID, FORBIDDEN = "created", "duplicate", "conflict", "invalid", "forbidden"

_RESPONSES = cast(Table, Response.__table__)
_counties, _sites, _teams = County.__table__, Site.__table__, Team.__table__

# Statements are built once: on the submission path, building a statement cost more than
# running it (see docs/BENCHMARKS.md).
# The respondent code already used for the questionnaire, county and wave (what the data-quality
# page flags as a duplicate code, analysis/flags.py): said in the reply, never a refusal.  Read
# from the respondent's row of ``respondent_latest`` (its primary key): a search of the
# responses themselves let PostgreSQL's generic plan walk a county's responses (1.4 ms a
# submission at 8,000).  A questionnaire without waves keeps no such row: the flag alone tells.
_L = latest.TABLE
_CODE_USED = (
    select(_L.c.respondent_code)
    .where(_L.c.questionnaire_id == bindparam("questionnaire"), _L.c.county_id == _counties.c.id,
           _L.c.respondent_code == bindparam("code"),
           or_(and_(bindparam("wave") == "pre", _L.c.pre_id.is_not(None)), and_(bindparam("wave") == "post", _L.c.post_id.is_not(None))))
    .exists()
)
_REFERENCES = Prepared(
    select(_counties.c.id, _sites.c.id, _teams.c.id, rounds.for_submission(_counties.c.id), _CODE_USED)
    .select_from(
        _counties.outerjoin(_sites, and_(_sites.c.county_id == _counties.c.id, _sites.c.code == bindparam("site")))
        .outerjoin(_teams, and_(_teams.c.county_id == _counties.c.id, _teams.c.code == bindparam("team")))
    )
    .where(_counties.c.code == bindparam("county"))
)


@dataclass
class Outcome:
    status: str
    uuid: str | None = None
    response_id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    #: stored, but worth a look (a respondent code used before): by field, like ``errors``
    warnings: dict[str, list[str]] = field(default_factory=dict)

    @property
    def http_status(self) -> int:
        return {CREATED: 201, DUPLICATE: 200, CONFLICT: 409, INVALID: 422, FORBIDDEN: 403}[self.status]


@dataclass
class _Refs:
    county_id: int | None = None
    site_id: int | None = None
    team_id: int | None = None
    round_id: int | None = None
    code_used: bool = False
    #: when the server received it: stored, and the latest its completion can have been (rounds)
    received_at: dt.datetime = field(default_factory=utcnow)
    version: VersionRef | None = None


def submit(connection: DriverConnection, payload: Any, scope: Scope, source: str = "api", lang: str = "zh") -> Outcome:
    """Store one submission, or say why not.  It ends its own transaction: what it stores is
    committed before it returns (``writes.store``: on PostgreSQL one statement in autocommit,
    atomic by itself; on SQLite the writes between ``begin_write`` and ``commit``), so the caller
    neither commits nor rolls back.

    Takes a driver connection (``database.DriverConnection``), not an ORM session: every
    statement here is prepared Core, and the session's bookkeeping cost a sixth of a submission
    (docs/BENCHMARKS.md).  A caller holding a session ends its transaction first (on SQLite a
    reader whose snapshot is older than this write cannot become a writer).
    """
    if not isinstance(payload, dict):
        return Outcome(INVALID, errors={"body": [message("object", lang)]})
    if bad := text_errors(payload):  # before any query: PostgreSQL cannot even compare such text
        return Outcome(INVALID, parse_uuid(payload.get("uuid")), errors=rendered(bad, lang))
    env = parse_envelope(payload)
    digest = content_hash(payload)

    refs = _resolve(connection, env, scope)
    refused, checked = _check(env, refs, scope, lang)
    if refused is not None or checked is None:
        # A retry of something already stored is answered as such, whatever else is wrong now.
        seen = _existing(connection, env) if env.uuid and env.questionnaire else None
        return _repeat(seen, digest, scope) if seen is not None else refused  # type: ignore[return-value]
    assert refs.version is not None and refs.county_id is not None and env.completed_at is not None
    qn = refs.version.questionnaire

    response = {
        "uuid": env.uuid, "questionnaire_id": qn.id, "version_id": refs.version.id, "round_id": refs.round_id,
        "county_id": refs.county_id, "site_id": refs.site_id, "team_id": refs.team_id, "wave": env.wave,
        "respondent_code": env.respondent_code, "collector_id": scope.user_id, "source": source,
        "started_at": env.started_at, "completed_at": env.completed_at, "received_at": refs.received_at,
        "content_hash": digest, "answers_json": checked.answers, "excluded": False, "excluded_reason": None,
        "device_id": env.device_id, **quality.own_flags(qn.scale_items, checked.answers, env.completed_at, refs.received_at),
    }
    response_id = writes.store(connection, writes.rows_of(response, refs.version, checked.answers))
    if response_id is None:  # the uuid was there already: stored before, or by a concurrent twin
        return _repeat(_existing(connection, env), digest, scope)
    return Outcome(CREATED, env.uuid, response_id=response_id, warnings=_warnings(refs, lang))


def _warnings(refs: _Refs, lang: str) -> dict[str, list[str]]:
    return {"respondent_code": [message("code_reused", lang)]} if refs.code_used else {}


def _check(env: Envelope, refs: _Refs, scope: Scope, lang: str) -> tuple[Outcome | None, ValidationResult | None]:
    """Why the submission cannot be stored (or None), and the validated answers."""
    if env.errors:
        return Outcome(INVALID, env.uuid or None, errors=rendered(env.errors, lang)), None
    assert refs.county_id is not None and refs.version is not None
    if not scope.allows(refs.county_id, refs.team_id):
        return Outcome(FORBIDDEN, env.uuid), None
    errors, checked = judged(env, refs.version.questionnaire, lang)
    if errors:
        return Outcome(INVALID, env.uuid, errors=errors), None
    return None, checked


_EXISTING = Prepared(
    select(_RESPONSES.c.id, _RESPONSES.c.uuid, _RESPONSES.c.county_id, _RESPONSES.c.team_id, _RESPONSES.c.content_hash).where(
        _RESPONSES.c.questionnaire_id == bindparam("questionnaire"), _RESPONSES.c.uuid == bindparam("uuid")
    )
)


def _existing(connection: DriverConnection, env: Envelope) -> tuple[Any, ...] | None:
    return connection.first(_EXISTING, {"questionnaire": env.questionnaire, "uuid": env.uuid})


def _repeat(seen: tuple[Any, ...] | None, digest: str, scope: Scope) -> Outcome:
    assert seen is not None
    response_id, uuid, county_id, team_id, stored_hash = seen
    if not scope.allows(county_id, team_id):
        return Outcome(FORBIDDEN, uuid)
    if stored_hash == digest:
        return Outcome(DUPLICATE, uuid, response_id=response_id)
    return Outcome(CONFLICT, uuid, response_id=response_id)


def _resolve(connection: DriverConnection, env: Envelope, scope: Scope) -> _Refs:
    """Look up the version (cached: versions never change) and, in one query, the county, site,
    team and round the codes name."""
    refs = _Refs()
    if env.questionnaire and env.version:
        refs.version = version_ref(connection, env.questionnaire, env.version)
        if refs.version is None:
            if questionnaire_exists(connection, env.questionnaire):
                env.fail("version", "unknown_version")
            else:
                env.fail("questionnaire", "unknown_questionnaire")
    if not env.county:
        return refs
    params = {"county": env.county, "site": env.site or "", "team": env.team or "", "questionnaire": env.questionnaire,
              "code": env.respondent_code, "wave": env.wave, "at": env.completed_at, "received": refs.received_at}
    row = connection.first(_REFERENCES, params)
    if row is None:
        env.fail("county", "unknown_county")
        return refs
    refs.county_id, refs.site_id, refs.team_id, refs.round_id, used = row
    refs.code_used = bool(used)
    if env.site and refs.site_id is None:
        env.fail("site", "unknown_site")
    if env.team and refs.team_id is None:
        env.fail("team", "unknown_team")
    if not env.team and scope.team_id is not None:
        # A team member's submissions belong to their team unless they say otherwise.
        refs.team_id = scope.team_id
    return refs
