"""Database outages (issue 16): a request that needs an unreachable or too busy database gets 503
with Retry-After and a message, never a 500 or a hang; `/readyz` says whether the app can work,
`/healthz` only that the process lives; everything works again when the database is back."""
from __future__ import annotations

import sqlite3

import pytest
from flask import current_app
from flask_migrate import downgrade
from sqlalchemy import func, make_url, select, text

from survey_app.extensions import db as _db
from survey_app.health import code_heads
from survey_app.models import Response

from .api.payloads import awareness
from .conftest import make_app
from .factories import csrf_token
from .switch_proxy import SwitchProxy

MESSAGE = "数据库暂时连不上或太忙"


def _assert_503(reply, json: bool) -> None:
    assert reply.status_code == 503, reply.get_data(as_text=True)[:300]
    assert reply.headers["Retry-After"] == "17"
    assert reply.headers["Cache-Control"] == "no-store"
    if json:
        assert MESSAGE in reply.get_json()["message"]
    else:
        assert MESSAGE in reply.get_data(as_text=True) and "暂时无法服务" in reply.get_data(as_text=True)


def test_readyz_is_200_at_the_codes_schema_and_503_behind_it(at_revision):
    at_revision("head")
    client = current_app.test_client()
    reply = client.get("/readyz")
    assert reply.status_code == 200, reply.get_json()
    body = reply.get_json()
    assert (body["status"], body["checks"]["database"], body["checks"]["migrations"]) == ("ok", "ok", "ok")
    # no report worker runs here: told, but the server still serves (tests/reports/test_jobs.py)
    assert body["checks"]["report_worker"].startswith("no report worker")
    (head,) = code_heads()
    downgrade(revision="-1")
    _db.session.remove()
    reply = client.get("/readyz")
    assert reply.status_code == 503 and reply.headers["Retry-After"]
    checks = reply.get_json()["checks"]
    assert checks["database"] == "ok" and head in checks["migrations"] and "at " in checks["migrations"]
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)
def test_an_unreachable_database_is_503_and_the_app_recovers_when_it_returns(at_revision, engine_name, tmp_path):
    at_revision("head")
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    proxy = SwitchProxy((url.host or "127.0.0.1", url.port or 5432))
    app = make_app(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), tmp_path,
                   SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"options": "-csearch_path=migration_data_test"}},
                   DATABASE_CONNECT_TIMEOUT=1, RETRY_AFTER_SECONDS=17)
    client = app.test_client()
    try:
        assert client.get("/readyz").status_code == 200
        for state in ("down", "frozen"):
            proxy.set(state)
            reply = client.get("/readyz")
            assert reply.status_code == 503 and reply.get_json()["checks"]["database"] == "unreachable", state
            assert reply.headers["Retry-After"] == "17"
            assert client.get("/healthz").status_code == 200
            _assert_503(client.get("/api/v1/questionnaires", headers={"Authorization": "Bearer sq_anything"}), json=True)
            _assert_503(client.post("/api/v1/submissions", json=awareness(), headers={"Authorization": "Bearer sq_anything"}),
                        json=True)
            token = csrf_token(client)
            _assert_503(client.post("/login", data={"username": "admin", "password": "whatever it is", "csrf_token": token}),
                        json=False)
            proxy.set("up")
            assert client.get("/readyz").status_code == 200, state
            # a bad token is again judged by the database: 401, not 503
            assert client.get("/api/v1/questionnaires", headers={"Authorization": "Bearer sq_anything"}).status_code == 401
    finally:
        proxy.close()
        with app.app_context():
            _db.engine.dispose()


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_a_write_lock_held_past_the_bound_is_503_and_nothing_is_stored(app, client, db, token_for):
    app.config["RETRY_AFTER_SECONDS"] = 17
    headers = {"Authorization": f"Bearer {token_for('admin')}"}
    payload = awareness()
    holder = sqlite3.connect(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with app.app_context():
            _db.engine.dispose()  # new connections take the shorter busy timeout below
        app.config["DATABASE_BUSY_TIMEOUT"] = 0.3
        _set_sqlite_busy_timeout(app, 0.3)
        _assert_503(client.post("/api/v1/submissions", json=payload, headers=headers), json=True)
    finally:
        holder.rollback()
        holder.close()
    assert client.post("/api/v1/submissions", json=payload, headers=headers).status_code == 201
    assert client.post("/api/v1/submissions", json=payload, headers=headers).status_code == 200
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1


def _set_sqlite_busy_timeout(app, seconds: float) -> None:
    from sqlalchemy import event

    with app.app_context():
        @event.listens_for(_db.engine, "connect")
        def _shorter(dbapi_connection, _record):
            dbapi_connection.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")


@pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)
def test_a_table_lock_held_past_the_bound_is_503_and_nothing_is_stored(app, client, db, token_for, tmp_path):
    headers = {"Authorization": f"Bearer {token_for('admin')}"}
    payload = awareness()
    short = make_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, DATABASE_BUSY_TIMEOUT=0.3, RETRY_AFTER_SECONDS=17)
    try:
        with db.engine.connect() as holder:
            holder.execute(text("LOCK TABLE responses IN ACCESS EXCLUSIVE MODE"))
            _assert_503(short.test_client().post("/api/v1/submissions", json=payload, headers=headers), json=True)
            holder.rollback()
        assert short.test_client().post("/api/v1/submissions", json=payload, headers=headers).status_code == 201
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Response)) == 1
    finally:
        with short.app_context():
            _db.engine.dispose()


def test_commands_run_by_hand_have_no_statement_timeout_and_requests_have_one():
    from survey_app.database import engine_options

    config = {"DATABASE_POOL_TIMEOUT": 10, "DATABASE_CONNECT_TIMEOUT": 5, "DATABASE_STATEMENT_TIMEOUT": 30,
              "DATABASE_BUSY_TIMEOUT": 10, "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": "-csearch_path=x"}}}
    served = engine_options("postgresql+psycopg://h/d", config)
    assert served["connect_args"] == {"connect_timeout": 5, "options": "-c statement_timeout=30000 -c lock_timeout=10000 -csearch_path=x"}
    assert served["pool_timeout"] == 10
    by_hand = engine_options("postgresql+psycopg://h/d", config, operator=True)
    assert "statement_timeout=0 " in by_hand["connect_args"]["options"]
    assert engine_options("sqlite:///x.db", config) == config["SQLALCHEMY_ENGINE_OPTIONS"]
