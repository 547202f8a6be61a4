"""Engine behaviour per database (SQLite gets WAL, a busy timeout and foreign keys; PostgreSQL
connect, statement and lock timeouts), and the driver-level connection that the submission path
runs its few statements on."""
from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

#: what services accept: a Session, or Flask-SQLAlchemy's scoped ``db.session`` standing for one
DBSession = Session | scoped_session[Any]


def engine_options(url: str, config: dict[str, Any], operator: bool = False) -> dict[str, Any]:
    """SQLAlchemy engine options with the timeouts that turn a database outage into a prompt 503
    instead of a request hanging for minutes (issue 16): connecting, waiting for a pooled
    connection, a statement, a lock.  ``operator``: a command run by hand (migrations, backup,
    restore, a report from the CLI) is not cut short by the statement timeout."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if url.startswith("sqlite"):
        return options
    options.setdefault("pool_timeout", config["DATABASE_POOL_TIMEOUT"])
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("connect_timeout", config["DATABASE_CONNECT_TIMEOUT"])
    if url.startswith("postgresql"):
        statement = 0 if operator else config["DATABASE_STATEMENT_TIMEOUT"]
        settings = f"-c statement_timeout={int(statement * 1000)} -c lock_timeout={int(config['DATABASE_BUSY_TIMEOUT'] * 1000)}"
        connect_args["options"] = f"{settings} {connect_args['options']}" if connect_args.get("options") else settings
    options["connect_args"] = connect_args
    return options


def configure_engine(engine: Engine, busy_timeout: float = 10) -> None:
    if engine.dialect.name == "postgresql":
        # One multi-row INSERT for a submission's answers instead of psycopg's row-by-row
        # pipeline (psycopg2's dialect does this by default; psycopg 3's does not).
        engine.dialect.use_insertmanyvalues_wo_returning = True
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver issues no BEGIN of its own: SQLAlchemy's transactions begin in the event
        # below, and DriverConnection reads in autocommit and writes after BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN DEFERRED")


class Prepared:
    """A Core statement compiled once per dialect and run straight on the driver's cursor.

    Only for the few statements on the path every submission takes: there SQLAlchemy's
    per-execution work (events, parameter and result objects) cost more than SQLite's own work
    (docs/BENCHMARKS.md).  The statement is still written in Core, and its parameters still go
    through the column types' bind processors, so what is stored is the same as through the ORM.
    """

    def __init__(self, statement: Any, column_keys: list[str] | None = None) -> None:
        self.statement = statement
        self.column_keys = column_keys
        self._compiled: dict[str, tuple[str, list[tuple[str, Any, Any]], bool]] = {}

    def compiled(self, dialect: Any) -> tuple[str, list[tuple[str, Any, Any]], bool]:
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect, column_keys=self.column_keys)
            positional = compiled.positiontup is not None
            keys = list(compiled.positiontup) if positional else list(compiled.binds)
            binds = [(key, compiled.binds[key].value, compiled.binds[key].type._cached_bind_processor(dialect)) for key in keys]
            found = self._compiled[dialect.name] = (compiled.string, binds, positional)
        return found

    def parameters(self, dialect: Any, values: dict[str, Any]) -> Any:
        _sql, binds, positional = self.compiled(dialect)
        out = []
        for key, default, process in binds:
            value = values.get(key, default)
            out.append(process(value) if process is not None and value is not None else value)
        return tuple(out) if positional else dict(zip((b[0] for b in binds), out, strict=True))

    def rows(self, dialect: Any, rows: list[tuple[Any, ...]]) -> list[Any]:
        """Parameters for executemany, from tuples in ``column_keys`` order (plain types only)."""
        _sql, binds, positional = self.compiled(dialect)
        if positional:
            return rows
        keys = [b[0] for b in binds]
        return [dict(zip(keys, row, strict=True)) for row in rows]


class DriverConnection:
    """A pooled DBAPI connection for :class:`Prepared` statements.

    Statements run in autocommit, each its own transaction, so reads leave nothing to end and
    a single-statement write is atomic by itself.  Several writes that must stand or fall
    together go between :meth:`begin_write` (on SQLite: BEGIN IMMEDIATE, the write lock first,
    so that writers queue on the busy timeout instead of failing) and :meth:`commit`.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self._proxy = engine.raw_connection()
        self.dbapi: Any = self._proxy.driver_connection
        assert self.dbapi is not None
        if self.dialect.name == "postgresql":
            self.dbapi.autocommit = True

    def close(self) -> None:
        # Back to the pool, which rolls back on return, and drops a connection that the server
        # closed (its rollback fails): a request after a restart gets a fresh one.
        if self.dialect.name == "postgresql" and not self.dbapi.closed:
            self.dbapi.autocommit = False
        self._proxy.close()

    def __enter__(self) -> DriverConnection:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def first(self, prepared: Prepared, values: dict[str, Any]) -> tuple[Any, ...] | None:
        cursor = self.dbapi.cursor()
        try:
            cursor.execute(prepared.compiled(self.dialect)[0], prepared.parameters(self.dialect, values))
            return cursor.fetchone()
        finally:
            cursor.close()

    def all(self, prepared: Prepared, values: dict[str, Any]) -> list[tuple[Any, ...]]:
        cursor = self.dbapi.cursor()
        try:
            cursor.execute(prepared.compiled(self.dialect)[0], prepared.parameters(self.dialect, values))
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def execute(self, prepared: Prepared, values: dict[str, Any]) -> None:
        cursor = self.dbapi.cursor()
        try:
            cursor.execute(prepared.compiled(self.dialect)[0], prepared.parameters(self.dialect, values))
        finally:
            cursor.close()

    def executemany(self, prepared: Prepared, rows: list[tuple[Any, ...]]) -> None:
        cursor = self.dbapi.cursor()
        try:
            cursor.executemany(prepared.compiled(self.dialect)[0], prepared.rows(self.dialect, rows))
        finally:
            cursor.close()

    def begin_write(self) -> None:
        if self.dialect.name == "sqlite":
            self.dbapi.execute("BEGIN IMMEDIATE")
        else:
            self.dbapi.autocommit = False

    def commit(self) -> None:
        self.dbapi.commit()
        if self.dialect.name == "postgresql":
            self.dbapi.autocommit = True

    def rollback(self) -> None:
        self.dbapi.rollback()
        if self.dialect.name == "postgresql":
            self.dbapi.autocommit = True
