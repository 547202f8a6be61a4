"""Engine behaviour per database: SQLite gets WAL, a busy timeout, foreign keys, and
transactions that can be made IMMEDIATE so that concurrent writers queue instead of failing."""
from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

#: execution option asking SQLite to take the write lock when the transaction begins
IMMEDIATE = {"sqlite_begin": "IMMEDIATE"}


def configure_engine(engine: Engine) -> None:
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


def begin_write(session: Session | scoped_session) -> None:
    """Start the session's transaction as a write transaction (IMMEDIATE on SQLite).

    Must be called before the session has read anything in this transaction; a transaction
    already open is ended first, because SQLite cannot upgrade a reader without risking
    SQLITE_BUSY failures that the busy timeout does not cover.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.in_transaction():
        session.commit()
    session.connection(execution_options=IMMEDIATE)
