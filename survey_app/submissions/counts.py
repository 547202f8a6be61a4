"""The answer counts (``answer_counts``, ``models.AnswerCount``), kept as responses arrive and
change, so that the item charts read a few thousand counters instead of every answer row
(analysis/items.py; docs/ARCHITECTURE.md, "Kept aggregates").

The rule: for every response not excluded, each answer row with a numeric value counts once
under the response's questionnaire, county, team, site, round and wave, the question and the
value.  Every change is a signed delta merged by one upsert (``n = n + delta``): an arriving
response adds its rows; a change of a response's exclusion or round takes its rows away as they
stood and adds them as they stand (``moving``).  Counters that fall to zero stay, and the reads
skip them.  On PostgreSQL concurrent submissions of one place wait for each other on the
counters' rows, locked in key order (no deadlock), as they do on ``respondent_latest``.

Who keeps it: the submission service (its SQLite statements here; its PostgreSQL statement
carries the same upserts as CTEs), ``set_excluded``, the rounds' reassignment (``rebuild``
after ``rounds.assign_all``; the follow-ups a late baseline moves, in the service), the demo seed
(``rebuild``), the migration that made the table, and, for rows written through the ORM (tests),
the mapper events at the end of this module.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, event, func, inspect, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ..database import DBSession, Prepared
from ..models import Answer, AnswerCount, Response
from ..models.aggregates import NONE_ID, NONE_WAVE

_R = cast(Table, Response.__table__)
_A = cast(Table, Answer.__table__)
TABLE = cast(Table, AnswerCount.__table__)
KEY = ["questionnaire_id", "county_id", "team_id", "site_id", "round_id", "wave", "question_id", "value_num"]

Executor = Connection | DBSession


def _key_columns() -> list[Any]:
    return [_R.c.questionnaire_id, _R.c.county_id, func.coalesce(_R.c.team_id, NONE_ID),
            func.coalesce(_R.c.site_id, NONE_ID), func.coalesce(_R.c.round_id, NONE_ID),
            func.coalesce(_R.c.wave, NONE_WAVE), _A.c.question_id, _A.c.value_num]


def counted(*where: Any, sign: int = 1) -> Any:
    """The counters of the responses that ``where`` picks, times ``sign``, in key order (the
    order PostgreSQL locks them in)."""
    key = _key_columns()
    return (
        select(*(c.label(name) for c, name in zip(key, KEY, strict=True)), (literal(sign) * func.count()).label("n"))
        .select_from(_R.join(_A, _A.c.response_id == _R.c.id))
        .where(_R.c.excluded.is_(False), _A.c.value_num.is_not(None), *where)
        .group_by(*key)
        .order_by(*key)
    )


def _merge(dialect: str, rows: Any) -> Any:
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(TABLE).from_select([*KEY, "n"], rows)
    return insert.on_conflict_do_update(index_elements=KEY, set_={"n": TABLE.c.n + insert.excluded.n})


def _dialect(connection: Executor) -> str:
    return str((connection if isinstance(connection, Connection) else connection.get_bind()).dialect.name)


def add(connection: Executor, response_ids: Iterable[int], sign: int = 1) -> None:
    ids = sorted(set(response_ids))
    if ids:
        connection.execute(_merge(_dialect(connection), counted(_R.c.id.in_(ids), sign=sign)))


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
    connection.execute(_merge(_dialect(connection), counted(_R.c.id >= first_response_id)))


def rebuild(connection: Executor) -> None:
    """Every counter from the responses (after writes in bulk, or a change of every round)."""
    connection.execute(delete(TABLE))
    connection.execute(TABLE.insert().from_select([*KEY, "n"], counted()))


def kept(connection: Executor) -> dict[tuple[Any, ...], int]:
    """The counters as kept (zeros left out), for comparison with ``recounted``."""
    return {tuple(row[:-1]): int(row[-1]) for row in connection.execute(select(*(TABLE.c[k] for k in KEY), TABLE.c.n)
                                                                        .where(TABLE.c.n != 0))}


def recounted(connection: Executor) -> dict[tuple[Any, ...], int]:
    return {tuple(row[:-1]): int(row[-1]) for row in connection.execute(counted())}


def rows_of(values: dict[str, Any], answer_rows: Iterable[tuple[str, int, Any, float | None]]) -> list[tuple[Any, ...]]:
    """A new response's counters (``values`` as the submission service inserts the response,
    its ``(question, position, text, number)`` answer rows), in key order, for ``ADD_ROWS``."""
    place = (values["questionnaire_id"], values["county_id"], values["team_id"] or NONE_ID, values["site_id"] or NONE_ID,
             values["round_id"] or NONE_ID, values["wave"] or NONE_WAVE)
    found = Counter((question, float(number)) for question, _position, _text, number in answer_rows if number is not None)
    return [(*place, question, number, n) for (question, number), n in sorted(found.items())]


# The submission service's SQLite statements, compiled once (database.Prepared): a new
# response's counters from what the service holds (an executemany of the prepared upsert cost a
# fifth of what counting its answers again in SQL did), and the follow-ups a late baseline moves
# into its round, one by one.
_UPSERT = sqlite.insert(TABLE)
ADD_ROWS = Prepared(_UPSERT.on_conflict_do_update(index_elements=KEY, set_={"n": TABLE.c.n + _UPSERT.excluded.n}),
                    [*KEY, "n"])
ADD_ONE = Prepared(_merge("sqlite", counted(_R.c.id == bindparam("response_id"))))
REMOVE_ONE = Prepared(_merge("sqlite", counted(_R.c.id == bindparam("response_id"), sign=-1)))


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
