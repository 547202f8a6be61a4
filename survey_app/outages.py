"""Which failures mean "the database cannot serve now" (an outage, a lock held too long, a full
pool) rather than a bug: those are answered 503 with Retry-After, and a tablet keeps its item
and tries again later (issue 16).  No Flask here."""
from __future__ import annotations

import sqlite3

import psycopg
from sqlalchemy import exc

#: SQLite's words for a database it cannot use now (the others are bugs: no such table, syntax)
_SQLITE_TRANSIENT = ("database is locked", "database table is locked", "database is busy", "unable to open database file",
                     "disk i/o error")


def unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database is out of reach or too busy, so that trying again later
    is the remedy."""
    if isinstance(error, exc.TimeoutError):  # no connection free in the pool in time
        return True
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated:
            return True
        error = error.orig if error.orig is not None else error
    # psycopg's OperationalError: connection failures (class 08), the server shutting down or a
    # statement cancelled by its timeout (57), out of resources (53), a lock not had in time (55)
    if isinstance(error, psycopg.OperationalError):
        return True
    if isinstance(error, sqlite3.OperationalError):
        return str(error).lower().startswith(_SQLITE_TRANSIENT)
    return False
