"""The answer counts and score sums (``answer_counts``, ``score_sums``, ``models.aggregates``),
kept as responses arrive and change, so that the item charts and the summaries read a few
thousand counters instead of every answer row and score (analysis/items.py, queries.summary;
docs/ARCHITECTURE.md, "Kept answer counts").

The rule: for every response not excluded, each answer row with a numeric value counts once
under the response's questionnaire, county, team, site, round and wave, the question and the
value; each index score adds one and its score under the same place and the index; and the
response itself counts once under the index ``""``.  Every change is a signed delta merged by one upsert (``n = n + delta``): an arriving
response adds its rows; a change of a response's exclusion or round takes its rows away as they
stood and adds them as they stand (``moving``).  Counters that fall to zero stay, and the reads
skip them.  On PostgreSQL concurrent submissions of one place wait for each other on the
counters' rows, locked in key order (no deadlock), as they do on ``respondent_latest``.

Who keeps it: the submission service (its rows from ``rows_of`` and ``sums_of``, upserted by
``adding`` on both engines, submissions/writes.py), ``set_excluded``, the rounds' reassignment
(``rebuild`` after ``rounds.assign_all``; the follow-ups a late baseline moves, in writes.py), the demo seed
(``rebuild``), the migration that made the table, and, for rows written through the ORM (tests),
the mapper events at the end of this module.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, event, func, inspect, literal, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ..database import DBSession, Prepared
from ..models import Answer, AnswerCount, IndexScore, Response, ScoreSum
from ..models.aggregates import NONE_ID, NONE_WAVE, RESPONSES

_R = cast(Table, Response.__table__)
_A = cast(Table, Answer.__table__)
_S = cast(Table, IndexScore.__table__)
TABLE = cast(Table, AnswerCount.__table__)
SUMS = cast(Table, ScoreSum.__table__)
PLACE = ["questionnaire_id", "county_id", "team_id", "site_id", "round_id", "wave"]
KEY = [*PLACE, "question_id", "value_num"]
SUMS_KEY = [*PLACE, "index_id"]

Executor = Connection | DBSession


def _place_columns() -> list[Any]:
    return [_R.c.questionnaire_id, _R.c.county_id, func.coalesce(_R.c.team_id, NONE_ID),
            func.coalesce(_R.c.site_id, NONE_ID), func.coalesce(_R.c.round_id, NONE_ID),
            func.coalesce(_R.c.wave, NONE_WAVE)]


def _labelled(columns: list[Any], names: list[str]) -> list[Any]:
    return [c.label(name) for c, name in zip(columns, names, strict=True)]


def counted(*where: Any, sign: int = 1) -> Any:
    """The answer counters of the responses that ``where`` picks, times ``sign``, in key order
    (the order PostgreSQL locks them in)."""
    key = [*_place_columns(), _A.c.question_id, _A.c.value_num]
    return (
        select(*_labelled(key, KEY), (literal(sign) * func.count()).label("n"))
        .select_from(_R.join(_A, _A.c.response_id == _R.c.id))
        .where(_R.c.excluded.is_(False), _A.c.value_num.is_not(None), *where)
        .group_by(*key)
        .order_by(*key)
    )


def _scores(*where: Any, sign: int = 1) -> Any:
    place = _place_columns()
    return (
        select(*_labelled([*place, _S.c.index_id], SUMS_KEY), (literal(sign) * func.count()).label("n"),
               (literal(sign) * func.sum(_S.c.score)).label("total"))
        .select_from(_R.join(_S, _S.c.response_id == _R.c.id))
        .where(_R.c.excluded.is_(False), *where)
        .group_by(*place, _S.c.index_id)
    )


def _responses(*where: Any, sign: int = 1) -> Any:
    place = _place_columns()
    return (
        select(*_labelled([*place, literal(RESPONSES)], SUMS_KEY), (literal(sign) * func.count()).label("n"),
               literal(0.0).label("total"))
        .where(_R.c.excluded.is_(False), *where)
        .group_by(*place)
    )


def summed(*where: Any, sign: int = 1) -> Any:
    """The score sums of the responses that ``where`` picks (and their count, under index
    ``RESPONSES``), times ``sign``, in key order."""
    both = union_all(_scores(*where, sign=sign), _responses(*where, sign=sign)).subquery("sums")
    return select(*(both.c[k] for k in SUMS_KEY), both.c.n, both.c.total).order_by(*(both.c[k] for k in SUMS_KEY))


def adding(stmt: Any) -> Any:
    """``stmt``, an INSERT (either dialect's) into ``answer_counts`` or ``score_sums``, made to
    add each row to its counter: every column outside the key (``n``, ``total``) is a total."""
    table = stmt.table
    totals = [c.key for c in table.c if not c.primary_key]
    return stmt.on_conflict_do_update(index_elements=[c.key for c in table.primary_key],
                                      set_={c: table.c[c] + stmt.excluded[c] for c in totals})


def _merge(dialect: str, rows: Any, table: Table = TABLE) -> Any:
    key = KEY if table is TABLE else SUMS_KEY
    totals = ["n"] if table is TABLE else ["n", "total"]
    return adding((postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).from_select([*key, *totals], rows))


def _dialect(connection: Executor) -> str:
    return str((connection if isinstance(connection, Connection) else connection.get_bind()).dialect.name)


def _both(connection: Executor, *where: Any, sign: int = 1) -> None:
    dialect = _dialect(connection)
    connection.execute(_merge(dialect, counted(*where, sign=sign)))
    connection.execute(_merge(dialect, summed(*where, sign=sign), SUMS))


def add(connection: Executor, response_ids: Iterable[int], sign: int = 1) -> None:
    ids = sorted(set(response_ids))
    if ids:
        _both(connection, _R.c.id.in_(ids), sign=sign)


def remove(connection: Executor, response_ids: Iterable[int]) -> None:
    add(connection, response_ids, sign=-1)


@contextmanager
def moving(connection: Executor, response_ids: Iterable[int]) -> Iterator[None]:
    """Around a change of these responses' exclusion, round, place or wave: their counts as they
    stood are taken away first, and added as they stand after."""
    ids = sorted(set(response_ids))
    remove(connection, ids)
    yield
    add(connection, ids)


def add_since(connection: Executor, first_response_id: int) -> None:
    """The counters of responses written in bulk from ``first_response_id`` on (the demo seed)."""
    _both(connection, _R.c.id >= first_response_id)


def rebuild(connection: Executor) -> None:
    """Every counter from the responses (after writes in bulk, or a change of every round)."""
    connection.execute(delete(TABLE))
    connection.execute(delete(SUMS))
    connection.execute(TABLE.insert().from_select([*KEY, "n"], counted()))
    connection.execute(SUMS.insert().from_select([*SUMS_KEY, "n", "total"], summed()))


def kept(connection: Executor) -> dict[tuple[Any, ...], int]:
    """The answer counters as kept (zeros left out), for comparison with ``recounted``."""
    return {tuple(row[:-1]): int(row[-1]) for row in connection.execute(select(*(TABLE.c[k] for k in KEY), TABLE.c.n)
                                                                        .where(TABLE.c.n != 0))}


def recounted(connection: Executor) -> dict[tuple[Any, ...], int]:
    return {tuple(row[:-1]): int(row[-1]) for row in connection.execute(counted())}


def kept_sums(connection: Executor) -> dict[tuple[Any, ...], tuple[int, float]]:
    """The score sums as kept (zeros left out), for comparison with ``resummed``."""
    rows = connection.execute(select(*(SUMS.c[k] for k in SUMS_KEY), SUMS.c.n, SUMS.c.total).where(SUMS.c.n != 0))
    return {tuple(row[:-2]): (int(row[-2]), float(row[-1])) for row in rows}


def resummed(connection: Executor) -> dict[tuple[Any, ...], tuple[int, float]]:
    return {tuple(row[:-2]): (int(row[-2]), float(row[-1])) for row in connection.execute(summed())}


def place_of(values: dict[str, Any]) -> tuple[Any, ...]:
    """Where a response's rows count (``PLACE``), from its columns' values."""
    return (values["questionnaire_id"], values["county_id"], values["team_id"] or NONE_ID, values["site_id"] or NONE_ID,
            values["round_id"] or NONE_ID, values["wave"] or NONE_WAVE)


def rows_of(answer_rows: Iterable[tuple[str, int, Any, float | None]]) -> list[tuple[str, float, int]]:
    """A new response's answer counters under its place (its ``(question, position, text,
    number)`` answer rows): ``(question, value, n)``, in key order."""
    found = Counter((question, float(number)) for question, _position, _text, number in answer_rows if number is not None)
    return [(question, number, n) for (question, number), n in sorted(found.items())]


def sums_of(score_rows: Iterable[tuple[str, float]]) -> list[tuple[str, int, float]]:
    """A new response's score sums under its place (its ``(index, score)`` rows), and itself under
    the index ``RESPONSES``: ``(index, n, total)``, in key order."""
    return sorted([(RESPONSES, 1, 0.0)] + [(index, 1, float(score)) for index, score in score_rows])


# The follow-ups a late baseline moves into its round, one by one, on SQLite (the submission's
# own counters are written by submissions/writes.py, with ``adding``).
_ONE = _R.c.id == bindparam("response_id")
MOVE_ONE = {sign: (Prepared(_merge("sqlite", counted(_ONE, sign=sign))), Prepared(_merge("sqlite", summed(_ONE, sign=sign), SUMS)))
            for sign in (1, -1)}


# ---------------------------------------------------------------------------------------------
# Rows written through the ORM (tests; a future page that edits a response)

#: the columns of a response that decide where its answers count
_DECIDING = ("questionnaire_id", "county_id", "team_id", "site_id", "round_id", "wave", "excluded")


@event.listens_for(Answer, "after_insert")
def _orm_answer(_mapper: Any, connection: Connection, answer: Answer) -> None:
    if answer.value_num is None:
        return
    rows = counted(_R.c.id == answer.response_id, _A.c.response_id == answer.response_id,
                   _A.c.question_id == answer.question_id, _A.c.position == answer.position)
    connection.execute(_merge(connection.dialect.name, rows))


@event.listens_for(IndexScore, "after_insert")
def _orm_score(_mapper: Any, connection: Connection, score: IndexScore) -> None:
    rows = _scores(_R.c.id == score.response_id, _S.c.response_id == score.response_id, _S.c.index_id == score.index_id)
    connection.execute(_merge(connection.dialect.name, rows, SUMS))


@event.listens_for(Response, "after_insert")
def _orm_response(_mapper: Any, connection: Connection, response: Response) -> None:
    connection.execute(_merge(connection.dialect.name, _responses(_R.c.id == response.id), SUMS))


@event.listens_for(Response, "before_update")
def _orm_updating(_mapper: Any, connection: Connection, response: Response) -> None:
    state = inspect(response)
    if any(state.attrs[name].history.has_changes() for name in _DECIDING):
        remove(connection, [response.id])
        connection.info.setdefault("answer_counts: moving", set()).add(response.id)


@event.listens_for(Response, "after_update")
def _orm_updated(_mapper: Any, connection: Connection, response: Response) -> None:
    if response.id in connection.info.get("answer_counts: moving", set()):
        connection.info["answer_counts: moving"].discard(response.id)
        add(connection, [response.id])
