"""Readiness (`/readyz`): can this app server do its work now?  The database answers and its
schema is the one the code expects; and, for the operator, whether a report worker is alive
(its absence delays reports but not collection, so it does not take the server out).  Liveness
(`/healthz`) asks nothing of the database, so a load balancer does not restart app servers for
the database's outage.  No Flask here."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import exc, text
from sqlalchemy.engine import Engine

from .outages import unavailable

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


@cache
def code_heads() -> frozenset[str]:
    """The schema revisions this code expects (read once: they change only with the code)."""
    return frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())


def readiness(engine: Engine) -> dict[str, str]:
    """Each check's verdict: ``ok``, or what is wrong in a few words (for the operator)."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            try:
                stored = frozenset(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
            except exc.DBAPIError as error:
                if unavailable(error):
                    raise
                return {"database": "ok", "migrations": "no schema: run `flask --app wsgi db upgrade`"}
    except exc.SQLAlchemyError as error:
        if not unavailable(error):
            raise
        return {"database": "unreachable", "migrations": "unknown"}
    expected = code_heads()
    if stored != expected:
        return {"database": "ok", "migrations": f"at {', '.join(sorted(stored)) or 'none'}, the code needs {', '.join(sorted(expected))}"}
    return {"database": "ok", "migrations": "ok"}


#: the checks that decide whether an app server can serve (the others only inform)
SERVING = ("database", "migrations")


def report_worker(engine: Engine) -> str:
    """``ok`` when a report worker beat within the last minute, else what to do about it."""
    from .reports.queue import BEAT_STALE_SECONDS, workers_alive

    try:
        with engine.connect() as conn:
            alive = workers_alive(conn)
    except exc.SQLAlchemyError:
        return "unknown"
    if alive:
        return "ok"
    return f"no report worker beat in the last {BEAT_STALE_SECONDS} s: reports wait; start `flask --app wsgi worker`"
