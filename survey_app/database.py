"""Engine behaviour per database: SQLite gets WAL, a busy timeout, foreign keys, and
transactions that can be made IMMEDIATE so that concurrent writers queue instead of failing."""
from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, scoped_session

#: what services accept: a Session, or Flask-SQLAlchemy's scoped ``db.session`` standing for one
DBSession = Session | scoped_session[Any]

#: execution option asking SQLite to take the write lock when the transaction begins
IMMEDIATE = {"sqlite_begin": "IMMEDIATE"}


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        # One multi-row INSERT for a submission's answers instead of psycopg's row-by-row
        # pipeline (psycopg2's dialect does this by default; psycopg 3's does not).
        engine.dialect.use_insertmanyvalues_wo_returning = True
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, issue BEGIN (so that it can be BEGIN IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def begin_write(connection: Connection) -> None:
    """Make the connection's next statements a write transaction (IMMEDIATE on SQLite).

    On SQLite a transaction that has already read is ended first: SQLite cannot upgrade a
    reader to a writer without risking SQLITE_BUSY failures that the busy timeout does not
    cover.  PostgreSQL needs nothing: its writers do not wait for each other to start.
    """
    if connection.dialect.name != "sqlite":
        return
    if connection.in_transaction():
        if connection.get_execution_options().get("sqlite_begin") == "IMMEDIATE":
            return  # already writing
        connection.commit()
    connection.execution_options(**IMMEDIATE)
    connection.begin()
    # Later transactions on this (pooled) connection are ordinary deferred ones again.
    connection.execution_options(sqlite_begin="DEFERRED")
