"""X-Forwarded-For is believed only from the configured proxies (issue 15): a client that reaches
the app's port directly keeps its own address, so it cannot reset the per-address login limit."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.models import AuditEvent

from ..conftest import make_app
from ..factories import csrf_token


@pytest.fixture
def behind_nginx(app, db, programme, tmp_path):
    proxied = make_app(db.engine.url.render_as_string(hide_password=False), tmp_path, PROXY_COUNT=1,
                       TRUSTED_PROXIES="127.0.0.1,::1")
    yield proxied
    with proxied.app_context():
        from survey_app.extensions import db as _db

        _db.engine.dispose()


def _failed_login_from(app, peer: str, forwarded: str) -> None:
    client = app.test_client()
    base = {"REMOTE_ADDR": peer, "HTTP_X_FORWARDED_FOR": forwarded}
    client.environ_base.update(base)
    token = csrf_token(client, "/login")
    client.post("/login", data={"username": "admin", "password": "wrong password!!", "csrf_token": token})


@pytest.mark.parametrize(("peer", "forwarded", "seen"), [
    ("127.0.0.1", "203.0.113.7", "203.0.113.7"),   # from nginx: the client nginx saw
    ("198.51.100.9", "203.0.113.7", "198.51.100.9"),  # straight to the app's port: its own address
])
def test_the_forwarded_address_counts_only_from_the_proxy(behind_nginx, db, peer, forwarded, seen):
    _failed_login_from(behind_nginx, peer, forwarded)
    db.session.rollback()
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login.failure")).all()
    assert event.ip == seen


@pytest.mark.parametrize(("trusted", "seen"), [
    ("127.0.0.1,::1,unix", "203.0.113.7"),  # the deployment: nginx on the app's Unix socket
    ("127.0.0.1,::1", None),                 # a socket peer not named trusted: the header is ignored
])
def test_a_unix_socket_peer_is_trusted_only_when_named(app, db, programme, tmp_path, trusted, seen):
    proxied = make_app(db.engine.url.render_as_string(hide_password=False), tmp_path, PROXY_COUNT=1, TRUSTED_PROXIES=trusted)
    try:
        _failed_login_from(proxied, "", "203.0.113.7")  # gunicorn's REMOTE_ADDR on a Unix socket
    finally:
        with proxied.app_context():
            from survey_app.extensions import db as _db

            _db.engine.dispose()
    db.session.rollback()
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login.failure")).all()
    assert event.ip == seen or (seen is None and event.ip in ("", None))
