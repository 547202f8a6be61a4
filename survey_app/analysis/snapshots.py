"""Findings snapshots: an expensive figure kept with the state of the data it came from
(``findings_snapshots``), so that at a province's size the pages, the stats API and the reports
read unchanged data's figures without computing them again, and the worker brings up to date
the snapshots people read once the data changes.  docs/ARCHITECTURE.md, "Findings snapshots",
says why this and not kept sums for these figures.

A function decorated with ``@snapshot`` (its first argument a connection, the others plain
values: places, ids, tuples) behaves as before unless a ``Policy`` is in force (the app sets one
for the dashboards and the API, the worker for its refresh and the reports), and the database
holds at least ``min_responses`` responses; small databases are always computed live.  Under a
policy a call returns, in this order:

- the snapshot of the same call when the data has not changed since it was computed (the data's
  state: the largest response id, the number of responses counted, and ``data_changes``, the
  counter of the changes that add no response: exclusions, the rounds' dates, places renamed);
- where the policy allows it (the dashboards), a snapshot of older data computed less than
  ``stale_seconds`` ago; the page says from when (``stale_since``), and the worker refreshes
  it within a minute;
- else the figure computed now, stored for the next reader.

The stored arguments and result are pickled behind an HMAC under the app's secret key: a
payload that does not verify is recomputed, never unpickled.  No Flask here.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import functools
import hashlib
import hmac
import importlib
import logging
import pickle
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, is_dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from ..database import DBSession
from ..models import DataChange, FindingsSnapshot, Response, ScoreSum
from ..models.aggregates import RESPONSES
from ..models.types import utcnow

log = logging.getLogger(__name__)

_R = cast(Table, Response.__table__)
_SUMS = cast(Table, ScoreSum.__table__)
SNAPSHOTS = cast(Table, FindingsSnapshot.__table__)
CHANGES = cast(Table, DataChange.__table__)

#: the modules whose functions are snapshotted: the worker imports them to find a name again
MODULES = (
    "survey_app.findings.common", "survey_app.findings.prepost", "survey_app.analysis.queries", "survey_app.analysis.figures",
    "survey_app.analysis.satisfaction", "survey_app.analysis.flags", "survey_app.analysis.flag_figures",
    "survey_app.analysis.overview",
    "survey_app.followups.worklist",
)
#: a snapshot read again within this long is not marked read again (one write an hour at most)
READ_MARK = dt.timedelta(hours=1)
#: the worker refreshes the snapshots read within this long, and deletes those not read for PRUNE
REFRESH_READ_WITHIN = dt.timedelta(days=7)
PRUNE = dt.timedelta(days=30)

F = TypeVar("F", bound=Callable[..., Any])
REGISTRY: dict[str, Callable[..., Any]] = {}


@dataclass(frozen=True)
class Policy:
    """How snapshots are used while this policy is in force (``using``)."""

    secret: bytes
    #: below this many responses (the largest response id) every figure is computed live
    min_responses: int
    #: how long after it was computed a snapshot of older data may still be shown (0: never)
    stale_seconds: float = 0.0
    #: whether a figure computed here is stored (the reports only read)
    store: bool = True


_POLICY: contextvars.ContextVar[Policy | None] = contextvars.ContextVar("snapshot_policy", default=None)
#: the snapshots of older data shown in this context (when each was computed), and the data's
#: state as this context first read it (read once: a page is one reading of the data)
_STALE: contextvars.ContextVar[list[dt.datetime] | None] = contextvars.ContextVar("snapshot_stale", default=None)
_VERSION: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("snapshot_version", default=None)
Tokens = tuple[contextvars.Token[Policy | None], contextvars.Token[list[dt.datetime] | None], contextvars.Token[list[str] | None]]


def begin(policy: Policy | None) -> Tokens:
    """Put ``policy`` in force in this context (a request) until ``end``."""
    return _POLICY.set(policy), _STALE.set([]), _VERSION.set([])


def end(tokens: Tokens) -> None:
    _POLICY.reset(tokens[0])
    _STALE.reset(tokens[1])
    _VERSION.reset(tokens[2])


@contextmanager
def using(policy: Policy | None) -> Iterator[None]:
    tokens = begin(policy)
    try:
        yield
    finally:
        end(tokens)


def stale_since() -> dt.datetime | None:
    """When the oldest snapshot of older data shown in this context was computed (None: every
    figure shown is of the data as it stands)."""
    seen = _STALE.get()
    return min(seen) if seen else None


def snapshot(fn: F) -> F:
    name = f"{fn.__module__}.{fn.__qualname__}"
    REGISTRY[name] = fn

    @functools.wraps(fn)
    def wrapper(connection: Connection, *args: Any, **kwargs: Any) -> Any:
        policy = _POLICY.get()
        if policy is None:
            return fn(connection, *args, **kwargs)
        return _through(policy, connection, name, fn, args, kwargs)

    return cast(F, wrapper)


# -- the state of the data ------------------------------------------------------------------------
def data_version(connection: Connection) -> str:
    """The largest response id (a response added), the responses counted (one that arrived with a
    smaller id than one already seen, as concurrent PostgreSQL transactions commit out of order;
    an exclusion) and the change counter (what changes neither), in one query."""
    largest = select(func.coalesce(func.max(_R.c.id), 0)).scalar_subquery()
    counted = select(func.coalesce(func.sum(_SUMS.c.n), 0)).where(_SUMS.c.index_id == RESPONSES).scalar_subquery()
    changes = select(func.coalesce(func.max(CHANGES.c.n), 0)).scalar_subquery()
    row = connection.execute(select(largest, counted, changes)).one()
    return ":".join(str(int(v)) for v in row)


def changed(connection: Connection | DBSession) -> None:
    """Note a change of the data that adds no response (in the caller's transaction)."""
    bind = connection if isinstance(connection, Connection) else connection.get_bind()
    insert = (postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert)(CHANGES).values(id=1, n=1)
    # an upsert: a database made from the models (the tests') has no row until the first change
    connection.execute(insert.on_conflict_do_update(index_elements=["id"], set_={"n": CHANGES.c.n + 1}))


# -- keys and payloads ----------------------------------------------------------------------------
def _canonical(value: Any) -> Any:
    """A value as plain nested tuples, the same in every process (no set or hash order), or
    TypeError for what cannot be a snapshot's argument (a connection, a SQL expression)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return tuple(_canonical(v) for v in value)
    if isinstance(value, dict):
        return ("dict", tuple(sorted((repr(_canonical(k)), _canonical(v)) for k, v in value.items())))
    if is_dataclass(value) and not isinstance(value, type):
        return (type(value).__qualname__, tuple((f.name, _canonical(getattr(value, f.name))) for f in fields(value)))
    raise TypeError(f"a snapshot's arguments are plain values, not {type(value).__name__}")


def key_of(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    return hashlib.sha256(repr((name, _canonical(args), _canonical(kwargs))).encode()).hexdigest()


def _sealed(secret: bytes, value: Any) -> bytes:
    body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return hmac.new(secret, body, hashlib.sha256).digest() + body


def _unsealed(secret: bytes, payload: bytes) -> tuple[bool, Any]:
    mac, body = bytes(payload[:32]), bytes(payload[32:])
    if not hmac.compare_digest(mac, hmac.new(secret, body, hashlib.sha256).digest()):
        log.warning("a findings snapshot failed its signature; computed again")
        return False, None
    return True, pickle.loads(body)  # noqa: S301 - signed by this app (above)


# -- reading and storing --------------------------------------------------------------------------
def _through(policy: Policy, connection: Connection, name: str, fn: Callable[..., Any],
             args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    known = _VERSION.get()
    if known is None:
        known = []
    if not known:
        known.append(data_version(connection))
    version = known[0]
    if int(version.split(":", 1)[0]) < policy.min_responses:
        return fn(connection, *args, **kwargs)
    key = key_of(name, args, kwargs)
    row = connection.execute(
        select(SNAPSHOTS.c.version, SNAPSHOTS.c.computed_at, SNAPSHOTS.c.read_at, SNAPSHOTS.c.payload).where(SNAPSHOTS.c.key == key)
    ).first()
    now = utcnow()
    if row is not None:
        fresh = row.version == version
        if fresh or (now - row.computed_at).total_seconds() <= policy.stale_seconds:
            ok, stored = _unsealed(policy.secret, row.payload)
            if ok:
                if not fresh:
                    seen = _STALE.get()
                    if seen is not None:
                        seen.append(row.computed_at)
                if policy.store and now - row.read_at > READ_MARK:
                    _mark_read(connection.engine, key, now)
                return stored[2]
    started = time.perf_counter()
    result = fn(connection, *args, **kwargs)
    if policy.store:
        _store(connection.engine, policy.secret, key, name, version, time.perf_counter() - started, args, kwargs, result)
    return result


def _store(engine: Engine, secret: bytes, key: str, name: str, version: str, seconds: float,
           args: tuple[Any, ...], kwargs: dict[str, Any], result: Any, read: bool = True) -> None:
    """Store a computed figure; ``read``: a reader asked for it (the worker's refresh is not one,
    so that what nobody reads is pruned in the end)."""
    now = utcnow()
    values = {"key": key, "name": name, "version": version, "computed_at": now, "read_at": now, "seconds": seconds,
              "payload": _sealed(secret, (args, kwargs, result))}
    insert = (postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert)(SNAPSHOTS).values(**values)
    kept = {"key"} if read else {"key", "read_at"}
    stmt = insert.on_conflict_do_update(index_elements=["key"], set_={k: insert.excluded[k] for k in values if k not in kept})
    try:
        with engine.begin() as connection:
            connection.execute(stmt)
    except SQLAlchemyError:  # a busy or read-only database: the figure is right, only not kept
        log.warning("could not store a findings snapshot of %s", name, exc_info=True)


def _mark_read(engine: Engine, key: str, now: dt.datetime) -> None:
    try:
        with engine.begin() as connection:
            connection.execute(update(SNAPSHOTS).where(SNAPSHOTS.c.key == key).values(read_at=now))
    except SQLAlchemyError:
        log.warning("could not mark a findings snapshot read", exc_info=True)


# -- the worker's refresh -------------------------------------------------------------------------
def refresh(engine: Engine, secret: bytes, now: dt.datetime | None = None) -> int:
    """Compute again every snapshot read within ``REFRESH_READ_WITHIN`` whose data has changed,
    delete those not read for ``PRUNE`` (and any that fails its signature or names a function
    that is gone); the number refreshed."""
    for module in MODULES:
        importlib.import_module(module)
    now = now or utcnow()
    # read first, write only what there is to write: this runs every minute beside the app
    with engine.connect() as connection:
        version = data_version(connection)
        unread = connection.execute(select(SNAPSHOTS.c.key).where(SNAPSHOTS.c.read_at < now - PRUNE)).scalars().all()
        stale = connection.execute(
            select(SNAPSHOTS.c.key, SNAPSHOTS.c.name)
            .where(SNAPSHOTS.c.read_at >= now - REFRESH_READ_WITHIN, SNAPSHOTS.c.version != version)
            .order_by(SNAPSHOTS.c.read_at.desc())
        ).all()
    if unread:
        with engine.begin() as connection:
            connection.execute(delete(SNAPSHOTS).where(SNAPSHOTS.c.key.in_(unread)))
    done = 0
    for key, name in stale:
        with engine.connect() as connection:
            payload = connection.execute(select(SNAPSHOTS.c.payload).where(SNAPSHOTS.c.key == key)).scalar()
            stored: Any = None
            ok, stored = _unsealed(secret, payload) if payload is not None else (False, None)
            fn = REGISTRY.get(name)
            if not ok or fn is None:
                connection.rollback()
                with engine.begin() as writer:
                    writer.execute(delete(SNAPSHOTS).where(SNAPSHOTS.c.key == key))
                continue
            args, kwargs, _ = stored
            version = data_version(connection)
            started = time.perf_counter()
            result = fn(connection, *args, **kwargs)
            seconds = time.perf_counter() - started
        _store(engine, secret, key, name, version, seconds, args, kwargs, result, read=False)
        done += 1
    return done
