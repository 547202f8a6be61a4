"""What a submission writes, table by table, and the statements that write it on each engine
(issue 18, "one write path").

``rows_of`` lists every row a validated submission writes (``Writes``): its response; its
answers and index scores; its answer counters and score sums (``counts``); its respondent's
latest row (``latest``).  That list is the same on both engines; only the statements' shape
differs, and both are generated here from the tables' definitions (``PARTS``):

- SQLite: the response's INSERT, then one prepared statement a table run over its rows, between
  ``BEGIN IMMEDIATE`` and ``COMMIT`` (``DriverConnection.begin_write``);
- PostgreSQL: one statement, whose data-modifying CTEs insert the response and every other row
  from the values of the same list sent as parameters (one array a column that varies by row),
  so one round trip, atomic by itself, with a text that never changes, so that psycopg
  prepares it once.

Each statement lists every column of its table but those ``NOT_WRITTEN`` names (with why), so a
column added to a model is either written or fails loudly: ``rows_of`` refuses a response
without a value for each of ``RESPONSE_COLUMNS``, a row of another table has one value a column
or the statement refuses it, and tests/submissions/test_writes.py holds the statements' columns
to the tables'.  Idempotent by (questionnaire_id, uuid): the response is inserted with ``ON
CONFLICT DO NOTHING``, every other row hangs from the id it returns, and a concurrent twin
inserts nothing and gets no id (``store`` returns None).
"""
from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ARRAY, JSON, Boolean, Column, Integer, String, Table, case, column, func, select, table, text
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.sql.elements import BindParameter

from .. import rounds
from ..database import DriverConnection, Prepared
from ..instruments import VersionRef
from ..models import Answer, IndexScore, Response
from ..questionnaires import index_scores
from ..questionnaires.types import get_type
from . import counts, latest

_R = cast(Table, Response.__table__)

#: The columns a submission does not write, and why.  Only the response's id: the database
#: makes it (SQLite's rowid, PostgreSQL's sequence) and the insert returns it, for the rows
#: that reference it.  Every other column is written, those with a default too: ``excluded``
#: (False: a new response counts), ``received_at`` (the time ``submit`` took, which the round's
#: rule has already used), ``source``, and ``straight_lined`` and ``clock_ahead``, whose server
#: default (false) is there for the rows stored before those columns existed, not for new ones
#: (the submission computes them, analysis/quality.own_flags).
NOT_WRITTEN: dict[str, dict[str, str]] = {
    "responses": {"id": "made by the database and returned by the insert; the other rows reference it"},
}


def written_columns(table: Table) -> list[str]:
    """The columns of ``table`` that a submission writes, in the table's order: all but those
    ``NOT_WRITTEN`` names."""
    return [c.key for c in table.c if c.key not in NOT_WRITTEN.get(table.name, {})]


RESPONSE_COLUMNS = written_columns(_R)
_RESPONSE_KEYS = frozenset(RESPONSE_COLUMNS)


class _NewResponse:
    """Where a row holds the id of the response being stored (unknown until it is inserted)."""

    def __repr__(self) -> str:
        return "NEW"


NEW: Any = _NewResponse()


def _references_response(col: Column[Any]) -> bool:
    return any(fk.column is _R.c.id for fk in col.foreign_keys)


@dataclass(frozen=True)
class Part:
    """How one table's rows hang from the response.  Its written columns, in the table's order,
    are the ``shared`` ones (one value for all of the submission's rows of the table) and then
    ``each`` (a value a row).  A shared column that references ``responses.id`` holds ``NEW``
    (or None where it may be NULL: ``respondent_latest``'s other wave)."""

    table: Table
    each: tuple[str, ...]
    #: how the insert meets an existing row (an upsert), or None: it never does
    conflict: Callable[[Any], Any] | None = None
    #: on PostgreSQL, the name its shared values' parameters go by, where parts share the same
    #: values (the place of the counters and the sums: fewer parameters for psycopg to convert)
    shared_as: str | None = None

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def columns(self) -> list[str]:
        return written_columns(self.table)

    @property
    def shared(self) -> list[str]:
        return [c for c in self.columns if c not in self.each]

    def check(self) -> None:
        """Fail at import when the table no longer fits: the rows are built as ``(*shared,
        *each)``, in the table's column order, which the SQLite statement binds by position."""
        if self.columns != [*self.shared, *self.each]:
            raise TypeError(f"{self.name}: the per-row columns {self.each} must be its last written columns {self.columns}")
        if any(_references_response(self.table.c[c]) for c in self.each):
            raise TypeError(f"{self.name}: a column referencing responses.id must be shared")


#: The tables a submission writes after its response, in the order they are written (on
#: SQLite, the order tests/test_database.py sees).
PARTS = (
    Part(cast(Table, Answer.__table__), ("question_id", "position", "value_text", "value_num")),
    Part(cast(Table, IndexScore.__table__), ("index_id", "score")),
    # the place is shared; per row, a question's value and how many of its answer rows hold it
    Part(counts.TABLE, ("question_id", "value_num", "n"), counts.adding, "place"),
    Part(counts.SUMS, ("index_id", "n", "total"), counts.adding, "place"),
    # one row or none, all shared: the response's id in its wave's columns
    Part(latest.TABLE, (), latest.merge),
)
for _part in PARTS:
    _part.check()


@dataclass
class Writes:
    """Every row one submission writes."""

    #: the response, a value for each of ``RESPONSE_COLUMNS``
    response: dict[str, Any]
    #: per table of ``PARTS``: the values its rows share (in ``Part.shared`` order) and its rows'
    #: own values (in ``Part.each`` order; for a table without such columns, ``[()]`` for its
    #: one row or ``[]`` for none)
    rows: dict[str, tuple[tuple[Any, ...], list[tuple[Any, ...]]]]


def rows_of(response: dict[str, Any], version: VersionRef, answers: dict[str, Any]) -> Writes:
    """The rows of a response (its columns' values) and its validated ``answers`` to a
    questionnaire ``version``: one row per answer value (questionnaires.types), one per index
    score, the counters they add to, and the respondent's latest row."""
    if response.keys() != _RESPONSE_KEYS:
        raise ValueError(f"a response is written with every column but {sorted(NOT_WRITTEN['responses'])}: "
                         f"missing {sorted(_RESPONSE_KEYS - response.keys())}, unknown {sorted(response.keys() - _RESPONSE_KEYS)}")
    qn = version.questionnaire
    answer_rows = []
    for qid, value in answers.items():
        question = qn.question(qid)
        for position, (value_text, value_num) in enumerate(get_type(question.type).rows(question, value)):
            answer_rows.append((qid, position, value_text, value_num))
    score_rows = [(index, score) for index, score in index_scores(qn, answers).items() if score is not None]
    place = counts.place_of(response)
    mark = latest.marker(response, NEW)
    return Writes(response, {
        "answers": ((NEW,), answer_rows),
        "index_scores": ((NEW,), score_rows),
        "answer_counts": (place, counts.rows_of(answer_rows)),
        "score_sums": (place, counts.sums_of(score_rows)),
        "respondent_latest": (mark, [()]) if mark is not None else ((None,) * len(latest.COLUMNS), []),
    })


def store(connection: DriverConnection, writes: Writes) -> int | None:
    """Write everything, committed when it returns: the new response's id, or None when its
    (questionnaire, uuid) was already stored (then nothing is written)."""
    if connection.dialect.name == "postgresql":
        row = connection.first(_INSERT_ALL_PG, pg_parameters(writes))
        return None if row is None else int(row[0])
    # The unique (questionnaire, uuid) constraint decides: a concurrent twin inserts nothing.
    connection.begin_write()
    try:
        inserted = connection.first(_INSERT_RESPONSE, writes.response)
        if inserted is None:
            connection.rollback()
            return None
        response_id = int(inserted[0])
        for part, statement in zip(PARTS, _INSERT_SQLITE, strict=True):
            shared, rows = writes.rows[part.name]
            if rows:
                prefix = tuple(response_id if value is NEW else value for value in shared)
                connection.executemany(statement, [prefix + row for row in rows])
        response = writes.response
        if response["wave"] == "pre" and response["respondent_code"] is not None:
            _move_follow_ups(connection, rounds.follow_ups_of(response))
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    return response_id


# -- SQLite: one statement a table -------------------------------------------------------------

def sqlite_response(responses: Table = _R) -> Prepared:
    """The response's INSERT on SQLite."""
    stmt = sqlite.insert(responses).on_conflict_do_nothing(index_elements=["questionnaire_id", "uuid"])
    return Prepared(stmt.returning(responses.c.id), written_columns(responses))


_INSERT_RESPONSE = sqlite_response()


def _sqlite_insert(part: Part) -> Prepared:
    stmt = sqlite.insert(part.table)
    return Prepared(part.conflict(stmt) if part.conflict else stmt, part.columns)


_INSERT_SQLITE = [_sqlite_insert(part) for part in PARTS]
_REASSIGN_FOLLOW_UPS = Prepared(rounds.REASSIGN_FOLLOW_UPS)
_FOLLOW_UPS_TO_MOVE = Prepared(select(_R.c.id).where(rounds.FOLLOW_UPS_TO_MOVE))


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


# -- PostgreSQL: one statement -----------------------------------------------------------------
#
# Its pieces are Core statements compiled to text with named parameters and joined as CTEs: the
# response's INSERT is ``r``; each part's rows are SELECTed FROM r (so none when r inserted
# nothing), its shared values as parameters, its per-row values from ``unnest`` over one array
# a column; the upserts' ON CONFLICT clauses are the SQLite statements' own (``counts.adding``,
# ``latest.merge``).  The parameters are passed to psycopg as they are (no bind processors): each
# is CAST to its column's type, without a length (an explicit cast would cut a longer value,
# where the column refuses it).

_PG = PGDialect(paramstyle="named")  # the driver-neutral dialect: no casts of its own on the parameters
_NEW_ROW = table("r", column("id", Integer))


def _pg_type(col: Column[Any]) -> Any:
    kind = col.type
    if isinstance(kind, String) and kind.length is not None:
        unlimited = copy.copy(kind)
        unlimited.length = None
        return unlimited
    return kind


def pg_name(part: Part, column_name: str) -> str:
    """The parameter that carries a part's column (an array when it varies by row)."""
    shared = part.shared_as is not None and column_name not in part.each
    return f"{part.shared_as if shared else part.name}__{column_name}"


def _present(part: Part) -> str:
    return f"{part.name}__present"


def _pg_value(part: Part, name: str) -> Any:
    col = part.table.c[name]
    if _references_response(col):
        if not col.nullable:
            return _NEW_ROW.c.id
        return case((sql_cast(BindParameter(pg_name(part, name)), Boolean), _NEW_ROW.c.id))
    return sql_cast(BindParameter(pg_name(part, name)), _pg_type(col))


def _pg_insert(part: Part) -> Any:
    query = select(*(_pg_value(part, name) for name in part.shared))
    if part.each:
        arrays = [sql_cast(BindParameter(pg_name(part, name)), ARRAY(_pg_type(part.table.c[name]))) for name in part.each]
        per_row = func.unnest(*arrays).table_valued(*part.each).render_derived(name="u")
        query = query.add_columns(*(per_row.c[name] for name in part.each)).select_from(_NEW_ROW, per_row)
        if part.conflict is not None:  # the counters locked in key order (as counts.moving does): no deadlock
            query = query.order_by(*(per_row.c[c.key] for c in part.table.primary_key if c.key in part.each))
    else:
        query = query.select_from(_NEW_ROW).where(sql_cast(BindParameter(_present(part)), Boolean))
    stmt = postgresql.insert(part.table).from_select(part.columns, query)
    return part.conflict(stmt) if part.conflict is not None else stmt


def _pg_response(responses: Table) -> Any:
    """Its VALUES need no CAST: they are assigned to the columns, which gives them their types
    (JSON's is spelled out, which SQLAlchemy would write as ``::JSON``, unknown to ``text``)."""
    values = {name: sql_cast(BindParameter(name), JSON) if isinstance(responses.c[name].type, JSON) else BindParameter(name)
              for name in written_columns(responses)}
    return (postgresql.insert(responses).values(values).on_conflict_do_nothing(index_elements=["questionnaire_id", "uuid"])
            .returning(responses.c.id))


def _sql(stmt: Any) -> str:
    return str(stmt.compile(dialect=_PG))


_PG_JSON = [name for name in RESPONSE_COLUMNS if isinstance(_R.c[name].type, JSON)]
_COUNT_COLUMNS = ", ".join(counts.TABLE.c.keys())
_SUM_COLUMNS = ", ".join(counts.SUMS.c.keys())
_ADD_COUNTS = _sql(counts.adding(postgresql.insert(counts.TABLE))).partition(" ON CONFLICT ")[2]
_ADD_SUMS = _sql(counts.adding(postgresql.insert(counts.SUMS))).partition(" ON CONFLICT ")[2]
# rounds.REASSIGN_FOLLOW_UPS, for a baseline that was stored (not a repeated uuid), and the
# follow-ups' counters out of their old round and into the new: the rows of responses that
# already exist, so not part of ``Writes``.  ``o`` is the row before the update (the statement's
# snapshot), to move the answer counts from its round; the keys are of wave 'post', never one
# of the new response's own counters, which PostgreSQL would refuse to update twice in one
# statement.
_FOLLOW_UPS_PG = (
    ", moved AS (UPDATE responses AS f SET round_id = :round_id FROM responses AS o"
    " WHERE o.id = f.id AND :wave = 'pre' AND EXISTS (SELECT 1 FROM r) AND f.questionnaire_id = :questionnaire_id"
    " AND f.county_id = :county_id AND f.respondent_code = :respondent_code AND f.wave = 'post'"
    " AND f.completed_at >= :completed_at AND f.round_id IS DISTINCT FROM :round_id"
    " AND NOT EXISTS (SELECT 1 FROM responses b WHERE b.questionnaire_id = f.questionnaire_id"
    " AND b.county_id = f.county_id AND b.respondent_code = f.respondent_code AND b.wave = 'pre'"
    " AND b.completed_at > :completed_at AND b.completed_at <= f.completed_at)"
    " RETURNING f.id, f.questionnaire_id, f.county_id, f.team_id, f.site_id, f.wave, f.excluded, o.round_id AS old_round),"
    " g AS (INSERT INTO answer_counts (" + _COUNT_COLUMNS + ")"
    " SELECT f.questionnaire_id, f.county_id, COALESCE(f.team_id, 0), COALESCE(f.site_id, 0),"
    " COALESCE(d.round_id, 0), COALESCE(f.wave, ''), a.question_id, a.value_num, sum(d.sign)"
    " FROM moved AS f JOIN answers a ON a.response_id = f.id"
    " CROSS JOIN LATERAL (VALUES (f.old_round, -1), (CAST(:round_id AS integer), 1)) AS d(round_id, sign)"
    " WHERE NOT f.excluded AND a.value_num IS NOT NULL"
    " GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8 ON CONFLICT " + _ADD_COUNTS + "),"
    " gs AS (INSERT INTO score_sums (" + _SUM_COLUMNS + ")"
    " SELECT f.questionnaire_id, f.county_id, COALESCE(f.team_id, 0), COALESCE(f.site_id, 0),"
    " COALESCE(d.round_id, 0), COALESCE(f.wave, ''), x.i, sum(d.sign), sum(d.sign * x.s)"
    " FROM moved AS f"
    " CROSS JOIN LATERAL (SELECT index_id, score FROM index_scores WHERE response_id = f.id"
    " UNION ALL SELECT '', 0) AS x(i, s)"
    " CROSS JOIN LATERAL (VALUES (f.old_round, -1), (CAST(:round_id AS integer), 1)) AS d(round_id, sign)"
    " WHERE NOT f.excluded"
    " GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7 ON CONFLICT " + _ADD_SUMS + ")"
)


def pg_statement(responses: Table = _R, parts: tuple[Part, ...] = PARTS) -> str:
    """The PostgreSQL statement's text: the response as ``r``, each part's rows from it, and the
    follow-ups a baseline moves; it returns the new response's id, or no row."""
    return (f"WITH r AS ({_sql(_pg_response(responses))})"
            + "".join(f", written_{part.name} AS ({_sql(_pg_insert(part))})" for part in parts)
            + _FOLLOW_UPS_PG + " SELECT id FROM r")


_INSERT_ALL_PG = Prepared(text(pg_statement()))


#: per part: its shared columns' parameters (None for the response's id, which is r's own; for
#: where it may go, whether it does), its per-row columns' parameters, and for a part without
#: those, the parameter that says whether it has its row
_PG_PARAMS = [
    ([None if _references_response(col) and not col.nullable else (pg_name(part, col.key), _references_response(col))
      for col in (part.table.c[name] for name in part.shared)],
     [pg_name(part, name) for name in part.each], _present(part))
    for part in PARTS
]


def pg_parameters(writes: Writes) -> dict[str, Any]:
    """The PostgreSQL statement's parameters: the response's columns by name; per part, its
    shared values (the response's id as whether it goes there) and one array a per-row column."""
    params = dict(writes.response)
    for name in _PG_JSON:
        params[name] = json.dumps(params[name], ensure_ascii=False)
    for part, (shared_names, each_names, present) in zip(PARTS, _PG_PARAMS, strict=True):
        shared, rows = writes.rows[part.name]
        for param, value in zip(shared_names, shared, strict=True):
            if param is not None:
                name, is_id = param
                params[name] = value is NEW if is_id else value
        if each_names:
            columns = zip(*rows, strict=True) if rows else [()] * len(each_names)
            for name, values in zip(each_names, columns, strict=True):
                params[name] = list(values)
        else:
            params[present] = bool(rows)
    return params
