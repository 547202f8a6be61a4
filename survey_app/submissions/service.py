"""The one submission path.  The API, the web form, offline sync and file import all call
``submit``: it validates against the response's questionnaire version, clears answers hidden by
skip logic, computes index scores and stores everything in one transaction, idempotent on the
client's uuid.

Everything that only reads (reference look-ups, validation, scoring) happens before the write
transaction, which holds SQLite's single write lock only for the inserts (see
docs/ARCHITECTURE.md, "Idempotency").
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, or_, select, text
from sqlalchemy.dialects import sqlite

from .. import rounds
from ..analysis import quality
from ..auth.scope import Scope
from ..database import DriverConnection, Prepared
from ..instruments import VersionRef, questionnaire_exists, version_ref
from ..models import Answer, County, IndexScore, Response, Site, Team
from ..models.types import utcnow
from ..questionnaires import ValidationResult, index_scores, validate_answers
from ..questionnaires.types import get_type
from . import counts, latest
from .envelope import Envelope, apply_questionnaire_rules, content_hash, message, parse_envelope, parse_uuid, text_errors

CREATED, DUPLICATE, CONFLICT, INVALID, FORBIDDEN = "created", "duplicate", "conflict", "invalid", "forbidden"

_ANSWERS = cast(Table, Answer.__table__)
_SCORES = cast(Table, IndexScore.__table__)
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
_RESPONSE_COLUMNS = [c.key for c in _RESPONSES.c if c.key != "id"]
_INSERT_RESPONSE = Prepared(
    sqlite.insert(_RESPONSES).on_conflict_do_nothing(index_elements=["questionnaire_id", "uuid"]).returning(_RESPONSES.c.id),
    _RESPONSE_COLUMNS,
)
_INSERT_ANSWERS = Prepared(_ANSWERS.insert(), ["response_id", "question_id", "position", "value_text", "value_num"])
_INSERT_SCORES = Prepared(_SCORES.insert(), ["response_id", "index_id", "score"])
_REASSIGN_FOLLOW_UPS = Prepared(rounds.REASSIGN_FOLLOW_UPS)
_FOLLOW_UPS_TO_MOVE = Prepared(select(_RESPONSES.c.id).where(rounds.FOLLOW_UPS_TO_MOVE))
# The respondent's latest response of the response's wave, kept by the conditional upsert of
# ``latest`` (its docstring gives the rule and why it is safe with concurrent submissions).
_LATER_PG = (
    "EXCLUDED.{w}_id IS NOT NULL AND (l.{w}_id IS NULL OR (l.{w}_at, l.{w}_id) < (EXCLUDED.{w}_at, EXCLUDED.{w}_id))"
)
_MARK_PG = (
    " m AS (INSERT INTO respondent_latest AS l (questionnaire_id, county_id, respondent_code, pre_id, pre_at, post_id, post_at)"
    " SELECT r.questionnaire_id, r.county_id, r.respondent_code,"
    " CASE WHEN r.wave = 'pre' THEN r.id END, CASE WHEN r.wave = 'pre' THEN r.completed_at END,"
    " CASE WHEN r.wave = 'post' THEN r.id END, CASE WHEN r.wave = 'post' THEN r.completed_at END"
    " FROM r WHERE r.respondent_code IS NOT NULL AND r.wave IN ('pre', 'post')"
    " ON CONFLICT (questionnaire_id, county_id, respondent_code) DO UPDATE SET "
    + ", ".join(f"{w}_{c} = CASE WHEN {_LATER_PG.format(w=w)} THEN EXCLUDED.{w}_{c} ELSE l.{w}_{c} END"
                for w in ("pre", "post") for c in ("id", "at"))
    + f" WHERE {_LATER_PG.format(w='pre')} OR {_LATER_PG.format(w='post')})"
)
_COUNT_COLUMNS = ", ".join([*counts.KEY, "n"])
_ADD_COUNTS = f" ON CONFLICT ({', '.join(counts.KEY)}) DO UPDATE SET n = c.n + EXCLUDED.n"
_SUM_COLUMNS = ", ".join([*counts.SUMS_KEY, "n", "total"])
_ADD_SUMS = f" ON CONFLICT ({', '.join(counts.SUMS_KEY)}) DO UPDATE SET n = c.n + EXCLUDED.n, total = c.total + EXCLUDED.total"
# PostgreSQL: the response, its answers, its scores and its respondent's latest responses in
# one statement (data-modifying CTEs are atomic), with a text that never changes so that the
# driver prepares it once; a multi-row VALUES list would differ with every answer count.
# Nothing is inserted when the uuid is already there, and then no id comes back.
_INSERT_ALL_PG = Prepared(text(
    "WITH r AS ("
    " INSERT INTO responses (uuid, questionnaire_id, version_id, round_id, county_id, site_id, team_id, wave,"
    " respondent_code, collector_id, source, started_at, completed_at, received_at, content_hash, answers_json,"
    " excluded, excluded_reason, device_id, straight_lined, clock_ahead)"
    " VALUES (:uuid, :questionnaire_id, :version_id, :round_id, :county_id, :site_id, :team_id, :wave,"
    " :respondent_code, :collector_id, :source, :started_at, :completed_at, :received_at, :content_hash,"
    " CAST(:answers_json AS json), false, NULL, :device_id, :straight_lined, :clock_ahead)"
    " ON CONFLICT (questionnaire_id, uuid) DO NOTHING"
    " RETURNING id, questionnaire_id, county_id, team_id, site_id, round_id, respondent_code, wave, completed_at),"
    " a AS (INSERT INTO answers (response_id, question_id, position, value_text, value_num)"
    " SELECT r.id, u.q, u.p, u.t, u.n FROM r, unnest(CAST(:question_ids AS text[]), CAST(:positions AS integer[]),"
    " CAST(:texts AS text[]), CAST(:nums AS float8[])) AS u(q, p, t, n)),"
    " s AS (INSERT INTO index_scores (response_id, index_id, score)"
    " SELECT r.id, u.i, u.s FROM r, unnest(CAST(:index_ids AS text[]), CAST(:scores AS float8[])) AS u(i, s)),"
    + _MARK_PG +
    # the response's answer counts (counts.py)
    ", k AS (INSERT INTO answer_counts AS c (" + _COUNT_COLUMNS + ")"
    " SELECT r.questionnaire_id, r.county_id, COALESCE(r.team_id, 0), COALESCE(r.site_id, 0),"
    " COALESCE(r.round_id, 0), COALESCE(r.wave, ''), u.q, u.n, count(*)"
    " FROM r, unnest(CAST(:question_ids AS text[]), CAST(:nums AS float8[])) AS u(q, n) WHERE u.n IS NOT NULL"
    " GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8" + _ADD_COUNTS + ")"
    # its score sums, and itself under the index ''
    ", ks AS (INSERT INTO score_sums AS c (" + _SUM_COLUMNS + ")"
    " SELECT r.questionnaire_id, r.county_id, COALESCE(r.team_id, 0), COALESCE(r.site_id, 0),"
    " COALESCE(r.round_id, 0), COALESCE(r.wave, ''), u.i, 1, u.s"
    " FROM r, unnest(CAST(:index_ids AS text[]), CAST(:scores AS float8[])) AS u(i, s)"
    " UNION ALL SELECT r.questionnaire_id, r.county_id, COALESCE(r.team_id, 0), COALESCE(r.site_id, 0),"
    " COALESCE(r.round_id, 0), COALESCE(r.wave, ''), '', 1, 0 FROM r"
    " ORDER BY 1, 2, 3, 4, 5, 6, 7" + _ADD_SUMS + ")"
    # rounds.REASSIGN_FOLLOW_UPS, for a baseline that was stored (not a repeated uuid); ``o`` is
    # the row before the update (the statement's snapshot), to move the answer counts from its round
    ", moved AS (UPDATE responses AS f SET round_id = :round_id FROM responses AS o"
    " WHERE o.id = f.id AND :wave = 'pre' AND EXISTS (SELECT 1 FROM r) AND f.questionnaire_id = :questionnaire_id"
    " AND f.county_id = :county_id AND f.respondent_code = :respondent_code AND f.wave = 'post'"
    " AND f.completed_at >= :completed_at AND f.round_id IS DISTINCT FROM :round_id"
    " AND NOT EXISTS (SELECT 1 FROM responses b WHERE b.questionnaire_id = f.questionnaire_id"
    " AND b.county_id = f.county_id AND b.respondent_code = f.respondent_code AND b.wave = 'pre'"
    " AND b.completed_at > :completed_at AND b.completed_at <= f.completed_at)"
    " RETURNING f.id, f.questionnaire_id, f.county_id, f.team_id, f.site_id, f.wave, f.excluded, o.round_id AS old_round),"
    # the follow-ups' counts, out of their old round and into the new (keys of wave 'post': never
    # one of k's, which PostgreSQL would refuse to update twice in one statement)
    " g AS (INSERT INTO answer_counts AS c (" + _COUNT_COLUMNS + ")"
    " SELECT f.questionnaire_id, f.county_id, COALESCE(f.team_id, 0), COALESCE(f.site_id, 0),"
    " COALESCE(d.round_id, 0), COALESCE(f.wave, ''), a.question_id, a.value_num, sum(d.sign)"
    " FROM moved AS f JOIN answers a ON a.response_id = f.id"
    " CROSS JOIN LATERAL (VALUES (f.old_round, -1), (CAST(:round_id AS integer), 1)) AS d(round_id, sign)"
    " WHERE NOT f.excluded AND a.value_num IS NOT NULL"
    " GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8" + _ADD_COUNTS + "),"
    " gs AS (INSERT INTO score_sums AS c (" + _SUM_COLUMNS + ")"
    " SELECT f.questionnaire_id, f.county_id, COALESCE(f.team_id, 0), COALESCE(f.site_id, 0),"
    " COALESCE(d.round_id, 0), COALESCE(f.wave, ''), x.i, sum(d.sign), sum(d.sign * x.s)"
    " FROM moved AS f"
    " CROSS JOIN LATERAL (SELECT index_id, score FROM index_scores WHERE response_id = f.id"
    " UNION ALL SELECT '', 0) AS x(i, s)"
    " CROSS JOIN LATERAL (VALUES (f.old_round, -1), (CAST(:round_id AS integer), 1)) AS d(round_id, sign)"
    " WHERE NOT f.excluded"
    " GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7" + _ADD_SUMS + ")"
    " SELECT id FROM r"
))


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
    committed before it returns (on PostgreSQL one statement in autocommit, atomic by itself;
    on SQLite the writes between ``begin_write`` and ``commit``), so the caller neither commits
    nor rolls back.

    Takes a driver connection (``database.DriverConnection``), not an ORM session: every
    statement here is prepared Core, and the session's bookkeeping cost a sixth of a submission
    (docs/BENCHMARKS.md).  A caller holding a session ends its transaction first (on SQLite a
    reader whose snapshot is older than this write cannot become a writer).
    """
    if not isinstance(payload, dict):
        return Outcome(INVALID, errors={"body": [message("object", lang)]})
    if bad := text_errors(payload):  # before any query: PostgreSQL cannot even compare such text
        return Outcome(INVALID, parse_uuid(payload.get("uuid")), errors=_render(bad, lang))
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

    answer_rows = []
    for qid, value in checked.answers.items():
        question = qn.question(qid)
        for position, (value_text, value_num) in enumerate(get_type(question.type).rows(question, value)):
            answer_rows.append((qid, position, value_text, value_num))
    score_rows = [(i, s) for i, s in index_scores(qn, checked.answers).items() if s is not None]

    values = {
        "uuid": env.uuid, "questionnaire_id": qn.id, "version_id": refs.version.id, "round_id": refs.round_id,
        "county_id": refs.county_id, "site_id": refs.site_id, "team_id": refs.team_id, "wave": env.wave,
        "respondent_code": env.respondent_code, "collector_id": scope.user_id, "source": source,
        "started_at": env.started_at, "completed_at": env.completed_at, "received_at": refs.received_at,
        "content_hash": digest, "answers_json": checked.answers, "excluded": False, "excluded_reason": None,
        "device_id": env.device_id, **quality.own_flags(qn.scale_items, checked.answers, env.completed_at, refs.received_at),
    }
    if connection.dialect.name == "postgresql":
        row = connection.first(_INSERT_ALL_PG, {
            **values,
            "answers_json": json.dumps(values["answers_json"], ensure_ascii=False),
            "question_ids": [r[0] for r in answer_rows],
            "positions": [r[1] for r in answer_rows],
            "texts": [r[2] for r in answer_rows],
            "nums": [r[3] for r in answer_rows],
            "index_ids": [r[0] for r in score_rows],
            "scores": [r[1] for r in score_rows],
        })
        if row is None:
            return _repeat(_existing(connection, env), digest, scope)
        return Outcome(CREATED, env.uuid, response_id=row[0], warnings=_warnings(refs, lang))

    # The unique (questionnaire, uuid) constraint decides: a concurrent twin inserts nothing.
    connection.begin_write()
    try:
        inserted = connection.first(_INSERT_RESPONSE, values)
        if inserted is None:
            connection.rollback()
            return _repeat(_existing(connection, env), digest, scope)
        response_id = inserted[0]
        if answer_rows:
            connection.executemany(_INSERT_ANSWERS, [(response_id, *row) for row in answer_rows])
        if score_rows:
            connection.executemany(_INSERT_SCORES, [(response_id, *row) for row in score_rows])
        count_rows = counts.rows_of(values, answer_rows)
        if count_rows:
            connection.executemany(counts.ADD_ROWS, count_rows)
        connection.executemany(counts.ADD_SUMS, counts.sums_of(values, score_rows))
        mark = latest.marker(values, response_id)
        if mark is not None:
            connection.execute(latest.MARK, mark)
            if values["wave"] == "pre":
                _move_follow_ups(connection, rounds.follow_ups_of(values))
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    return Outcome(CREATED, env.uuid, response_id=response_id, warnings=_warnings(refs, lang))


def _move_follow_ups(connection: DriverConnection, params: dict[str, Any]) -> None:
    """A baseline that arrived after its follow-ups moves them into its round, and their answer
    counts with them (usually there are none: one probe of ``ix_responses_latest``)."""
    moved = [row[0] for row in connection.all(_FOLLOW_UPS_TO_MOVE, params)]
    if not moved:
        return
    for sign in (-1, 1):  # out of their round as they stood, into the baseline's after
        if sign == 1:
            connection.execute(_REASSIGN_FOLLOW_UPS, params)
        for response_id in moved:
            for statement in counts.MOVE_ONE[sign]:
                connection.execute(statement, {"response_id": response_id})


def _warnings(refs: _Refs, lang: str) -> dict[str, list[str]]:
    return {"respondent_code": [message("code_reused", lang)]} if refs.code_used else {}


def _check(env: Envelope, refs: _Refs, scope: Scope, lang: str) -> tuple[Outcome | None, ValidationResult | None]:
    """Why the submission cannot be stored (or None), and the validated answers."""
    if env.errors:
        return Outcome(INVALID, env.uuid or None, errors=_render(env.errors, lang)), None
    assert refs.county_id is not None and refs.version is not None
    if not scope.allows(refs.county_id, refs.team_id):
        return Outcome(FORBIDDEN, env.uuid), None
    qn = refs.version.questionnaire
    apply_questionnaire_rules(env, qn.wave, qn.respondent_code)
    checked = validate_answers(qn, env.answers)
    errors = _render(env.errors, lang)
    for qid, problems in checked.rendered_errors(lang).items():
        errors.setdefault(f"answers.{qid}" if qid in errors else qid, []).extend(problems)
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


def _render(errors: dict[str, list[str]], lang: str) -> dict[str, list[str]]:
    return {key: [message(code, lang) for code in codes] for key, codes in errors.items()}
