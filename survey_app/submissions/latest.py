"""Each respondent's latest response of each wave, kept as responses arrive (the table
``respondent_latest``, ``models.RespondentLatest``), so that pairing need not rank every
response when it is asked (analysis/queries.py; docs/ARCHITECTURE.md, "Keeping those rows").

The rule is pairing's (``analysis/pairing.py``): per questionnaire, county and respondent code,
the non-excluded ``pre`` and ``post`` response with the latest ``completed_at``, the larger id
breaking a tie.  An arriving response only adds a candidate, so it is merged by one
conditional upsert that keeps, per wave, the later of the stored and the arriving response.
That is one atomic statement on both engines, and on PostgreSQL it is safe against concurrent
submissions for one respondent: ON CONFLICT waits for the other transaction, locks the row and
compares with what it committed.  Excluding a response can make an earlier one the latest
again, so exclusion recomputes the respondent from their responses (``set_excluded``).

Who keeps it: the submission service (every API, web, sync and import submission: ``marker``
merged by ``merge`` in its statements on both engines, submissions/writes.py), ``refresh``
after writes in bulk (the demo seed), ``set_excluded``, and, for responses written through the
ORM (tests, a future admin page editing a response), the mapper events at the end of this
module, registered when it is imported (the submission service imports it).
"""
from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, and_, case, delete, event, func, inspect, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ..analysis.snapshots import changed
from ..database import DBSession
from ..models import WAVES, Response
from ..models.responses import RespondentLatest
from . import counts

_R = cast(Table, Response.__table__)
_L = TABLE = cast(Table, RespondentLatest.__table__)
KEY = ("questionnaire_id", "county_id", "respondent_code")
COLUMNS = [*KEY, "pre_id", "pre_at", "post_id", "post_at"]

#: what the functions here accept: a Core connection or an ORM session, in a transaction
Executor = Connection | DBSession


def _dialect(connection: Executor) -> str:
    return str((connection if isinstance(connection, Connection) else connection.get_bind()).dialect.name)


def _insert(connection: Executor) -> Any:
    return (postgresql.insert if _dialect(connection) == "postgresql" else sqlite.insert)(_L)


def _later(stmt: Any, wave: str) -> Any:
    """Whether the row ``stmt`` proposes holds a later response of ``wave`` than the stored row."""
    kept_id, kept_at = _L.c[f"{wave}_id"], _L.c[f"{wave}_at"]
    new_id, new_at = stmt.excluded[f"{wave}_id"], stmt.excluded[f"{wave}_at"]
    return and_(new_id.is_not(None), or_(kept_id.is_(None), tuple_(kept_at, kept_id) < tuple_(new_at, new_id)))


def merge(stmt: Any) -> Any:
    """An INSERT of respondent rows (either dialect's), made to keep per wave the later of stored
    and proposed: the submission's statements on both engines (submissions/writes.py), and here."""
    changes = {}
    for wave in WAVES:
        later = _later(stmt, wave)
        for column in (f"{wave}_id", f"{wave}_at"):
            changes[column] = case((later, stmt.excluded[column]), else_=_L.c[column])
    return stmt.on_conflict_do_update(
        index_elements=list(KEY), set_=changes, where=or_(*(_later(stmt, wave) for wave in WAVES))
    )


def marker(values: dict[str, Any], response_id: Any) -> tuple[Any, ...] | None:
    """The row (in ``COLUMNS`` order) that makes a response just stored its respondent's latest
    of its wave (``values``: its columns), or None when it has no code or wave and so takes no part
    in pairing.  The submission's statements merge it (``merge``)."""
    wave = values["wave"]
    if values["respondent_code"] is None or wave not in WAVES:
        return None
    row = {**dict.fromkeys(COLUMNS), **{name: values[name] for name in KEY},
           f"{wave}_id": response_id, f"{wave}_at": values["completed_at"]}
    return tuple(row[name] for name in COLUMNS)


def refresh(connection: Executor, since_id: int | None = None) -> None:
    """Merge in the responses whose id is at least ``since_id`` (every response when None): for
    writes in bulk that do not go through the submission service (the demo seed), in one
    statement.  New responses only add candidates, so merging them keeps the rule."""
    conditions: list[Any] = [_R.c.excluded.is_(False), _R.c.respondent_code.is_not(None), _R.c.wave.in_(WAVES)]
    if since_id is not None:
        conditions.append(_R.c.id >= since_id)
    key = [_R.c[name] for name in KEY]
    ranked = (
        select(*key, _R.c.wave, _R.c.id, _R.c.completed_at, func.row_number().over(
            partition_by=(*key, _R.c.wave), order_by=(_R.c.completed_at.desc(), _R.c.id.desc())
        ).label("rank"))
        .where(*conditions)
        .subquery("ranked")
    )

    def of(wave: str, column: Any) -> Any:
        return func.max(case((ranked.c.wave == wave, column)))

    rows = (
        select(*(ranked.c[name] for name in KEY), *(of(w, ranked.c[c]) for w in WAVES for c in ("id", "completed_at")))
        .where(ranked.c.rank == 1)
        .group_by(*(ranked.c[name] for name in KEY))
    )
    connection.execute(merge(_insert(connection).from_select(COLUMNS, rows)))


def set_excluded(connection: Executor, response_id: int, reason: str | None) -> bool:
    """Leave a response out of every figure (``reason`` says why) or count it again (None), and
    recompute its respondent's latest responses and move its answer counts, in the caller's
    transaction (the caller commits).  False when there is no such response.

    Call it first in its transaction: on SQLite the UPDATE then takes the write lock before
    anything is read (see docs/ARCHITECTURE.md, "SQLite and mixed connections")."""
    with counts.moving(connection, [response_id]):
        row = connection.execute(
            update(_R).where(_R.c.id == response_id)
            .values(excluded=reason is not None, excluded_reason=reason)
            .returning(_R.c.questionnaire_id, _R.c.county_id, _R.c.respondent_code, _R.c.wave)
        ).first()
    if row is None:
        return False
    changed(connection)  # the figures' snapshots were of the response counted, or not
    questionnaire, county_id, code, wave = row
    if code is not None and wave in WAVES:
        recompute(connection, questionnaire, county_id, code)
    return True


def recompute(connection: Executor, questionnaire: str, county_id: int, code: str) -> None:
    """One respondent's row from their responses as they now stand."""
    key = (_L.c.questionnaire_id == questionnaire, _L.c.county_id == county_id, _L.c.respondent_code == code)
    # First lock the respondent's row (made if missing; the update changes nothing), so that on
    # PostgreSQL a submission for this respondent waits for this transaction and then merges
    # with its result, and one committed before the lock is seen by the read below (each
    # statement of a READ COMMITTED transaction sees what was committed before it began).
    stmt = _insert(connection).values(questionnaire_id=questionnaire, county_id=county_id, respondent_code=code)
    connection.execute(stmt.on_conflict_do_update(index_elements=list(KEY), set_={"pre_id": _L.c.pre_id}))
    latest: dict[str, tuple[int, Any]] = {}
    for wave, response_id, completed_at in connection.execute(
        select(_R.c.wave, _R.c.id, _R.c.completed_at)
        .where(_R.c.questionnaire_id == questionnaire, _R.c.county_id == county_id, _R.c.respondent_code == code,
               _R.c.wave.in_(WAVES), _R.c.excluded.is_(False))
        .order_by(_R.c.completed_at.desc(), _R.c.id.desc())
    ):
        latest.setdefault(wave, (response_id, completed_at))
    if not latest:
        connection.execute(delete(_L).where(*key))
        return
    none = (None, None)
    (pre_id, pre_at), (post_id, post_at) = latest.get("pre", none), latest.get("post", none)
    connection.execute(update(_L).where(*key).values(pre_id=pre_id, pre_at=pre_at, post_id=post_id, post_at=post_at))


#: the columns that decide whether and where a response is one of its respondent's latest
_DECIDING = ("questionnaire_id", "county_id", "respondent_code", "wave", "completed_at", "excluded")
_BEFORE = "respondent_latest: respondents before the update"


@event.listens_for(Response, "after_insert")
def _orm_inserted(_mapper: Any, connection: Connection, response: Response) -> None:
    if response.excluded or response.respondent_code is None or response.wave not in WAVES:
        return
    values = {name: getattr(response, name) for name in KEY}
    values.update({f"{response.wave}_id": response.id, f"{response.wave}_at": response.completed_at})
    connection.execute(merge(_insert(connection).values(**values)))


@event.listens_for(Response, "before_update")
def _orm_updating(_mapper: Any, connection: Connection, response: Response) -> None:
    state = inspect(response)
    if any(state.attrs[name].history.has_changes() for name in _DECIDING):
        # The respondent it belonged to, from the row itself: an attribute set after a commit
        # keeps no old value in the ORM's history.
        before = connection.execute(select(*(_R.c[name] for name in KEY)).where(_R.c.id == response.id)).one()
        connection.info.setdefault(_BEFORE, {})[response.id] = tuple(before)


@event.listens_for(Response, "after_update")
def _orm_updated(_mapper: Any, connection: Connection, response: Response) -> None:
    before = connection.info.get(_BEFORE, {}).pop(response.id, None)
    if before is None:
        return
    now = tuple(getattr(response, name) for name in KEY)
    for questionnaire, county_id, code in dict.fromkeys((before, now)):
        if code is not None:
            recompute(connection, questionnaire, county_id, code)
