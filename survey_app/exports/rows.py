"""An export's rows, read from SQL a page at a time: however many responses there are, only one
page of them is in memory.  No Flask here.

Pages are taken by keyset (``id > last id of the previous page``, in the order of the primary
key), each in a short transaction of its own: the same on SQLite and PostgreSQL, no server-side
cursor to keep open while a slow client downloads, and no long read transaction holding back
SQLite's checkpoints.  The export covers the responses stored when it started (``up_to_id``,
ids only grow), so a response arriving meanwhile is neither half in nor counted wrongly.
"""
from __future__ import annotations

import datetime as dt
import queue
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import String, Table, and_, bindparam, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ..database import DBSession
from ..instruments import parsed
from ..models import County, IndexScore, QuestionnaireVersion, Response, Round, Site, Team, User
from ..questionnaires.model import Definition
from ..submissions.envelope import CST
from .cells import Cell
from .columns import Layout

_R = cast(Table, Response.__table__)
_V = cast(Table, QuestionnaireVersion.__table__)
_C = cast(Table, County.__table__)
_SITE = cast(Table, Site.__table__)
_T = cast(Table, Team.__table__)
_U = cast(Table, User.__table__)
_S = cast(Table, IndexScore.__table__)
_N = cast(Table, Round.__table__)

#: responses a page; a page of 1,000 awareness responses is about 2 MB of Python objects
CHUNK = 1000


@dataclass(frozen=True)
class Selection:
    """Which responses an export holds: one questionnaire, optionally one county or team,
    excluded responses included (marked), up to the last response stored when it started."""

    questionnaire: str
    county_id: int | None
    team_id: int | None
    up_to_id: int

    def where(self, *, by_id: bool = False) -> list[Any]:
        """The conditions; ``by_id``: for reading pages in id order (see ``by_table_order``)."""
        column = by_table_order(_R.c.questionnaire_id) if by_id else _R.c.questionnaire_id
        conditions = [column == self.questionnaire, _R.c.id <= self.up_to_id]
        if self.county_id is not None:
            conditions.append(_R.c.county_id == self.county_id)
        if self.team_id is not None:
            conditions.append(_R.c.team_id == self.team_id)
        return conditions


class by_table_order(FunctionElement[str]):  # an SQL expression, named like a function
    """The column, kept out of SQLite's choice of index (its unary ``+``).

    Given ``questionnaire_id = ?``, SQLite walks that questionnaire's entries of
    ix_responses_latest and sorts them all by id for every page: quadratic (75,000 rows took
    10 s).  Kept out, it walks the table by rowid from the last page's id, so the whole export
    reads the table once, whatever the place.  PostgreSQL chooses from its statistics."""

    type = String()
    inherit_cache = True


@compiles(by_table_order)
def _as_is(element: by_table_order, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(next(iter(element.clauses)), **kw))


@compiles(by_table_order, "sqlite")
def _unindexed(element: by_table_order, compiler: Any, **kw: Any) -> str:
    return "+" + str(compiler.process(next(iter(element.clauses)), **kw))


def versions(session: DBSession, questionnaire: str) -> list[Definition]:
    """Every stored version of a questionnaire, parsed, newest first (empty: unknown)."""
    stored = session.scalars(
        select(QuestionnaireVersion).where(QuestionnaireVersion.questionnaire_id == questionnaire)
        .order_by(QuestionnaireVersion.version.desc())
    )
    return [parsed(v) for v in stored]


def last_id(connection: Connection) -> int:
    return connection.scalar(select(func.coalesce(func.max(_R.c.id), 0))) or 0


def count(connection: Connection, selection: Selection) -> int:
    return connection.scalar(select(func.count()).select_from(_R).where(*selection.where())) or 0


def records(engine: Engine, layout: Layout, selection: Selection, chunk: int = CHUNK) -> Iterator[Any]:
    """Each response's row as read, oldest first, ``chunk`` at a time: its fields by name
    (``codes_cells`` and ``labelled.py`` say which), its stored answers (``answers_json``), and
    its index scores last, in ``layout.indices``' order."""
    for page in ahead(_pages(engine, _page_statement(layout, selection, chunk), chunk)):
        yield from page


def response_rows(engine: Engine, layout: Layout, selection: Selection, chunk: int = CHUNK) -> Iterator[list[Cell]]:
    """The codes export's rows, in ``layout.header``'s order."""
    for row in records(engine, layout, selection, chunk):
        yield codes_cells(layout, row)


def _pages(engine: Engine, statement: Any, chunk: int) -> Iterator[Sequence[Any]]:
    after = 0
    while True:
        with engine.connect() as connection:
            page = connection.execute(statement, {"after": after}).all()
        yield page
        if len(page) < chunk:
            return
        after = page[-1].id


_DONE = object()


def ahead(pages: Iterator[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    """``pages``, the next one read by a thread of its own while this one is written: the driver
    waits for the database without the interpreter's lock, so the database's time and the
    writing overlap (a third of an export's time on PostgreSQL was waiting for the next page).
    At most three pages are held (written, waiting, read); a reader that stops early stops the
    thread."""
    handed: queue.Queue[Any] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def offer(item: Any) -> bool:
        """Hand ``item`` on, waiting while the reader writes; False once the reader has stopped."""
        while not stop.is_set():
            try:
                handed.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for page in pages:
                if not offer(page):
                    return
            offer(_DONE)
        except Exception as exc:  # noqa: BLE001 - whatever it is, raised again in the reader
            offer(exc)

    thread = threading.Thread(target=read, name="export-pages", daemon=True)
    thread.start()
    try:
        while True:
            item = handed.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


def _page_statement(layout: Layout, selection: Selection, chunk: int) -> Any:
    # One statement a page: each index score is a look-up by its key (response, index), so the
    # scores come in the same pass instead of a query of their own.
    scores = [_S.alias(f"score_{n}") for n in range(len(layout.indices))]
    joined = (
        _R.join(_V, _V.c.id == _R.c.version_id).join(_C, _C.c.id == _R.c.county_id)
        .outerjoin(_SITE, _SITE.c.id == _R.c.site_id).outerjoin(_T, _T.c.id == _R.c.team_id)
        .outerjoin(_U, _U.c.id == _R.c.collector_id).outerjoin(_N, _N.c.id == _R.c.round_id)
    )
    for alias, index in zip(scores, layout.indices, strict=True):
        # The page's range on the scores too: PostgreSQL merges the scores' index with the page,
        # and without it read that index from its start for every page (a million responses: the
        # last pages read 700,000 entries each, and the export slowed as it went).
        joined = joined.outerjoin(alias, and_(alias.c.response_id == _R.c.id, alias.c.index_id == index.id,
                                              alias.c.response_id > bindparam("after"), alias.c.response_id <= selection.up_to_id))
    return (
        select(
            _R.c.id, _R.c.uuid, _V.c.version, _C.c.code.label("county"), _SITE.c.code.label("site"), _T.c.code.label("team"),
            _R.c.wave, _N.c.year.label("round"), _R.c.respondent_code, _U.c.username, _R.c.started_at, _R.c.completed_at, _R.c.received_at,
            _R.c.source, _R.c.excluded, _R.c.excluded_reason,
            _C.c.name.label("county_name"), Site.label.label("site_name"), _T.c.name.label("team_name"), _R.c.answers_json,
            *(alias.c.score.label(f"score_{n}") for n, alias in enumerate(scores)),
        )
        .select_from(joined)
        .where(*selection.where(by_id=True), _R.c.id > bindparam("after"))
        .order_by(_R.c.id)
        .limit(chunk)
    )


def codes_cells(layout: Layout, row: Any) -> list[Cell]:
    """A response's row in the codes export."""
    meta: list[Cell] = [
        row.uuid, row.version, row.county, row.site, row.team, row.wave, row.round, row.respondent_code, row.username,
        _china(row.started_at), _china(row.completed_at), _china(row.received_at),
        row.source, int(row.excluded), row.excluded_reason,
    ]
    scores = list(row[len(row) - len(layout.indices):]) if layout.indices else []
    return meta + layout.answer_cells(row.answers_json or {}) + scores


def place_names(row: Any) -> tuple[Cell, Cell, Cell]:
    """The names of ``columns.PLACE_NAMES``, in order."""
    return row.county_name, row.site_name, row.team_name


def _china(value: dt.datetime | None) -> dt.datetime | None:
    # Stored in UTC; staff read and filter by the day in Hunan.
    return value.astimezone(CST) if value is not None else None
