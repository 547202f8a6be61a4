"""Fixtures: an app per test on a fresh database, on SQLite and on PostgreSQL.

PostgreSQL comes from TEST_DATABASE_URL (default: the local server on 127.0.0.1:5432, database
`test`).  When it cannot be reached the PostgreSQL cases skip with the reason shown, unless
REQUIRE_POSTGRES=1 (set by .ci/run), where they fail instead.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, make_url, text

from survey_app import create_app
from survey_app.extensions import db as _db

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_pg_state: dict[str, Any] = {}


def _postgres_problem() -> str | None:
    if "problem" not in _pg_state:
        try:
            engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            engine.dispose()
            _pg_state["problem"] = None
        except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
            _pg_state["problem"] = f"PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}: {str(exc).splitlines()[0]}"
    return _pg_state["problem"]


def pytest_report_header(config: pytest.Config) -> str:
    problem = _postgres_problem()
    return f"postgresql: {'NOT AVAILABLE - ' + problem if problem else PG_URL}"


def _worker_url() -> str:
    """Under pytest-xdist each worker empties and fills a database of its own (test_gw0, …),
    made on first use beside the one TEST_DATABASE_URL names."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return PG_URL
    if "worker_url" not in _pg_state:
        url = make_url(PG_URL)
        name = f"{url.database}_{worker}"
        engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar() is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        _pg_state["worker_url"] = url.set(database=name).render_as_string(hide_password=False)
    return str(_pg_state["worker_url"])


def database_url(engine: str, tmp_path: Path) -> str:
    if engine == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    problem = _postgres_problem()
    if problem:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(problem)
        pytest.skip(problem)
    return _worker_url()


_pg_schema_made = False


def _reset(url: str) -> None:
    """Empty tables: every test starts from nothing.

    PostgreSQL's schema is rebuilt once per run, then emptied with TRUNCATE before each test
    (rebuilding it every time would cost half a second a test).
    """
    global _pg_schema_made
    if not url.startswith("postgresql"):
        return
    engine = create_engine(url)
    with engine.begin() as conn:
        if not _pg_schema_made:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            tables = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    _pg_schema_made = True


def make_app(url: str, tmp_path: Path, **extra: Any):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "QUESTIONNAIRE_DIR": str(ROOT / "questionnaires"),
        "WTF_CSRF_ENABLED": True,
        # The suite logs in as every role many times a minute; a second factor is asked only
        # where a test turns it on (tests/security/test_second_factor.py uses the default).
        "MFA_REQUIRED_ROLES": (),
    }
    config.update(extra)
    (tmp_path / "instance").mkdir(exist_ok=True)
    return create_app(config)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_name(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def app(engine_name: str, tmp_path: Path) -> Iterator[Any]:
    """The app under test, and an app context for the test's own database work.

    The context belongs to a twin app on the same database: were it the served app's own,
    every request of the test client would reuse it and share ``g`` (Flask-WTF caches the CSRF
    token there), which no real client ever sees.
    """
    url = database_url(engine_name, tmp_path)
    _reset(url)
    app = make_app(url, tmp_path)
    twin = make_app(url, tmp_path)
    # One config for both: a test that changes a setting changes it for the app it drives,
    # and for CLI commands, which run in the twin's pushed context.
    twin.config = app.config
    with twin.app_context():
        _db.create_all()  # no-op where the tables exist
        yield app
        _db.session.remove()
        _db.engine.dispose()
    with app.app_context():
        _db.engine.dispose()
    close_queue(app, twin)


def close_queue(*apps: Any) -> None:
    """Close the report queue's own connections (peewee's, not SQLAlchemy's) where a test made
    it: left to the garbage collector, a PostgreSQL one is reported as unraisable by whichever
    test happens to run then."""
    for app in apps:
        queue = app.extensions.get("report_queue")
        if queue is not None:
            queue.storage.database.close_all()


@pytest.fixture
def worker(app: Any) -> Iterator[Any]:
    """A worker on the test's database, as `flask --app wsgi worker` runs it (its threads in this
    process, report builds in child processes)."""
    from survey_app.reports.queue import Worker

    running = Worker(app, poll=0.2).start()
    yield running
    running.stop()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def db(app: Any) -> Any:
    return _db


@pytest.fixture
def loaded(app: Any) -> Any:
    """The real instruments, loaded as version 1."""
    from survey_app.instruments import load_folder

    report = load_folder(_db.session, ROOT / "questionnaires")
    _db.session.commit()
    assert not report.problems, report.problems
    return report


@pytest.fixture
def programme(app: Any, loaded: Any) -> Any:
    """The demo programme (counties, sites, teams, users), no responses."""
    from survey_app.demo.seed import seed_programme

    seed_programme(_db.session)
    _db.session.commit()
    return _db


@pytest.fixture
def stamped(app: Any) -> Iterator[None]:
    """The test database marked as migrated to the code's head (the suite builds tables with
    ``create_all``), as a deployed one is: ``/readyz`` then answers 200."""
    from survey_app.health import code_heads

    with _db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
        conn.execute(text("DELETE FROM alembic_version"))
        for head in code_heads():
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": head})
    yield
    _db.session.remove()
    with _db.engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))


@pytest.fixture
def token_for(app: Any, programme: Any) -> Callable[[str], str]:
    from sqlalchemy import select

    from survey_app.auth.tokens import issue_token
    from survey_app.models import User

    def issue(username: str) -> str:
        user = _db.session.scalar(select(User).where(User.username == username))
        secret = issue_token(_db.session, user)
        _db.session.commit()
        return secret

    return issue


@pytest.fixture
def count_queries(app: Any) -> Callable[[], Any]:
    """Count SQL statements run inside a ``with count_queries() as counter:`` block."""
    from contextlib import contextmanager

    @contextmanager
    def counting() -> Iterator[list[str]]:
        statements: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        with app.app_context():
            engine = _db.engine  # the served app's engine, not the test's twin
        def commit(conn: Any) -> None:
            statements.append("COMMIT")  # the driver's commit() is not a cursor statement

        event.listen(engine, "before_cursor_execute", record)
        event.listen(engine, "commit", commit)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", record)
            event.remove(engine, "commit", commit)

    return counting


@pytest.fixture
def sqlite_trace(app: Any) -> Callable[[], Any]:
    """Every statement SQLite itself runs inside a ``with sqlite_trace() as statements:`` block,
    including those the submission path sends straight to the driver (which SQLAlchemy's
    events do not see) and the driver's own BEGIN and COMMIT."""
    from contextlib import contextmanager

    @contextmanager
    def tracing() -> Iterator[list[str]]:
        statements: list[str] = []
        traced: list[Any] = []

        def checkout(dbapi_connection: Any, *_args: Any) -> None:
            dbapi_connection.set_trace_callback(statements.append)
            traced.append(dbapi_connection)

        with app.app_context():
            engine = _db.engine
        assert engine.dialect.name == "sqlite"
        event.listen(engine, "checkout", checkout)
        try:
            yield statements
        finally:
            event.remove(engine, "checkout", checkout)
            for dbapi_connection in traced:
                dbapi_connection.set_trace_callback(None)

    return tracing


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    """The app served over real HTTP by a threaded server on loopback."""
    from tests.loopback import make_loopback_server

    server = make_loopback_server(app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.in_flight.drain()  # before the app's engine is disposed (tests/loopback.py)
        server.server_close()


@pytest.fixture
def at_revision(engine_name: str, tmp_path: Path) -> Iterator[Callable[[str], Any]]:
    """``at_revision("0003")``: an empty database migrated to that revision (PostgreSQL: in a
    schema of its own, dropped afterwards), its app context pushed; returns Flask-SQLAlchemy's
    ``db``.  For tests of a migration with data in the tables."""
    from flask_migrate import upgrade

    url = database_url(engine_name, tmp_path)
    schema = "migration_data_test"
    extra: dict[str, Any] = {}

    def drop_schema() -> None:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()

    if engine_name == "postgresql":
        drop_schema()
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
        extra["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": f"-csearch_path={schema}"}}
    app = make_app(url, tmp_path, **extra)
    context = app.app_context()
    context.push()

    def migrate(revision: str) -> Any:
        upgrade(revision=revision)
        return _db

    try:
        yield migrate
    finally:
        _db.session.remove()
        _db.engine.dispose()
        context.pop()
        if engine_name == "postgresql":
            drop_schema()


@pytest.fixture
def migrated(engine_name: str, tmp_path: Path) -> Iterator[Any]:
    """An app on a database of its own, migrated to the code's head, with the demo programme
    and the instruments; PostgreSQL: a database made for the test and dropped after it."""
    import uuid

    from flask_migrate import upgrade
    from sqlalchemy import select

    from survey_app.auth.tokens import issue_token
    from survey_app.demo.seed import seed_programme
    from survey_app.instruments import load_folder
    from survey_app.models import User

    url = database_url(engine_name, tmp_path)
    made = None
    if engine_name == "postgresql":
        made = f"sanqu_own_{uuid.uuid4().hex[:12]}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{made}"'))
        admin.dispose()
        url = make_url(url).set(database=made).render_as_string(hide_password=False)
    app = make_app(url, tmp_path)
    try:
        with app.app_context():
            upgrade()
            load_folder(_db.session, ROOT / "questionnaires")
            seed_programme(_db.session)
            _db.session.commit()
            user = _db.session.scalar(select(User).where(User.username == "admin"))
            app.config["TEST_TOKEN"] = issue_token(_db.session, user)
            _db.session.commit()
            _db.session.remove()
        yield app
    finally:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()
        close_queue(app)
        if made:
            admin = create_engine(database_url(engine_name, tmp_path), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{made}" WITH (FORCE)'))
            admin.dispose()


def analyzed_since(url: str, table: str, since: Any) -> bool:
    """Whether PostgreSQL's planner statistics of ``table`` were gathered (ANALYZE) at or after
    ``since`` (the server's clock); a fresh connection each look, as the statistics are cached
    per transaction."""
    import time

    engine = create_engine(url)
    try:
        deadline = time.monotonic() + 10  # the statistics reach shared memory at the end of ANALYZE
        while True:
            with engine.connect() as conn:
                last = conn.execute(text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = :t"), {"t": table}).scalar()
            if (last is not None and last >= since) or time.monotonic() > deadline:
                return last is not None and last >= since
            time.sleep(0.2)
    finally:
        engine.dispose()


def server_now(url: str) -> Any:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT now()")).scalar()
    finally:
        engine.dispose()
