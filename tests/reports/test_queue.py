"""The queue's storage is the app's own database, reached as the app reaches it: the same URL,
with what libpq reads from its query (a Unix socket's folder, TLS settings) carried over."""
from __future__ import annotations

import pytest

from survey_app.reports.queue import peewee_database

SETTINGS = {"DATABASE_BUSY_TIMEOUT": 10, "DATABASE_POOL_TIMEOUT": 10, "DATABASE_CONNECT_TIMEOUT": 5}


def test_a_unix_socket_and_tls_settings_in_the_url_reach_libpq():
    found = peewee_database("postgresql+psycopg://sanqu@/sanqu?host=/var/run/postgresql", SETTINGS)
    assert found.database == "sanqu"
    assert found.connect_params == {"user": "sanqu", "host": "/var/run/postgresql", "connect_timeout": 5}
    found = peewee_database("postgresql+psycopg://sanqu:pw@db.internal:6432/sanqu?sslmode=verify-full&sslrootcert=/etc/ca.pem",
                            SETTINGS)
    assert found.connect_params == {"user": "sanqu", "password": "pw", "host": "db.internal", "port": 6432, "connect_timeout": 5,
                                    "sslmode": "verify-full", "sslrootcert": "/etc/ca.pem"}


def test_sqlite_waits_for_the_write_lock_as_the_app_does(tmp_path):
    found = peewee_database(f"sqlite:///{tmp_path}/x.db", SETTINGS)
    assert found.database == f"{tmp_path}/x.db"
    assert dict(found._pragmas)["busy_timeout"] == 10_000 and dict(found._pragmas)["journal_mode"] == "wal"


def test_another_engine_is_refused():
    with pytest.raises(ValueError, match="SQLite and PostgreSQL"):
        peewee_database("mysql://x@y/z", SETTINGS)


@pytest.mark.parametrize("engine_name", ["postgresql", "sqlite"], indirect=True)
def test_it_connects_to_the_test_database(app):
    found = peewee_database(app.config["SQLALCHEMY_DATABASE_URI"], app.config)
    try:
        assert found.execute_sql("SELECT 1").fetchone()[0] == 1
    finally:
        found.close_all()
