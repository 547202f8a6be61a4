"""Failed logins: a name locks after repeated failures and an address is throttled, both
counted in the database (so across workers) and answering 429; the locks are audited, not
each refused attempt.  Successes are not counted, and an unknown name is treated like a real
one."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from survey_app.models import AuditEvent
from survey_app.models.types import utcnow

from ..conftest import make_app
from ..factories import PASSWORD, login


@pytest.fixture
def small_limits(app):
    app.config["LOGIN_LOCKOUT_FAILURES"] = 3
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = 5


def _actions(db, action):
    db.session.rollback()  # a fresh read: SQLite would go on showing the test's last snapshot
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


@pytest.mark.parametrize("username", ["county-pj", "no-such-user"])
def test_an_account_is_locked_after_repeated_failures(client, programme, db, small_limits, username):
    for _ in range(3):
        assert login(client, username, "wrong password!!").status_code == 401
    locked = login(client, username, PASSWORD)  # even the right password: the account waits
    assert locked.status_code == 429
    page = locked.get_data(as_text=True)
    assert "尝试次数过多" in page and "Too many attempts" in page
    (event,) = _actions(db, "login.locked")
    assert event.target == username and event.ip == "127.0.0.1"
    # Names are compared as the user would: case and spaces do not open a new allowance.
    assert login(client, f" {username.upper()} ", "wrong password!!").status_code == 429
    # Another account from the same address is not locked by this one.
    assert login(client, "team-pj").status_code == 302


def test_the_lock_lifts_when_the_failures_leave_the_window(client, programme, db, small_limits, monkeypatch):
    from survey_app.auth import lockout

    for _ in range(3):
        login(client, "county-pj", "wrong password!!")
    assert login(client, "county-pj").status_code == 429
    # The audit trail is append-only (a trigger refuses UPDATE), so the clock moves instead.
    later = utcnow() + dt.timedelta(seconds=client.application.config["LOGIN_LOCKOUT_WINDOW"] + 60)
    monkeypatch.setattr(lockout, "utcnow", lambda: later)
    assert login(client, "county-pj").status_code == 302


def test_the_lock_holds_in_every_worker(app, programme, db, small_limits, tmp_path):
    """Two app instances on one database stand for two gunicorn workers."""
    other_worker = make_app(db.engine.url.render_as_string(hide_password=False), tmp_path, LOGIN_LOCKOUT_FAILURES=3)
    try:
        for _ in range(3):
            assert login(app.test_client(), "county-pj", "wrong password!!").status_code == 401
        assert login(other_worker.test_client(), "county-pj").status_code == 429
        assert len(_actions(db, "login.locked")) == 1
    finally:
        with other_worker.app_context():
            from survey_app.extensions import db as _db

            _db.engine.dispose()


def test_an_address_is_throttled_across_accounts(client, programme, db, small_limits):
    for name in ("a1", "a2", "a3", "a4", "a5"):
        assert login(client, name, "wrong password!!").status_code == 401
    assert login(client, "county-pj").status_code == 429
    (event,) = _actions(db, "login.ratelimited")
    assert event.target == "127.0.0.1" and event.detail["counter"] == "address"


def test_successful_logins_are_not_counted(app, programme, small_limits):
    for _ in range(6):
        assert login(app.test_client(), "county-pj").status_code == 302


def test_padded_and_wide_forms_of_a_name_add_up_to_one_lock(client, programme, db, small_limits):
    """Issue 15: the login read "victim " as "victim" but counted its failures apart."""
    for typed in ("sw-pj2 ", " sw-pj2", "sw-pj2\t", "ｓｗ－ｐｊ２", "sw-pj2\u3000"):
        assert login(client, typed, "wrong password!!").status_code in (401, 429), typed
    assert login(client, "sw-pj2").status_code == 429
    assert {e.target for e in _actions(db, "login.failure")} == {"sw-pj2"}


def test_the_same_normalisation_finds_the_account(client, programme):
    assert login(client, "sw-pj2\u3000").status_code == 302  # the ideographic space is trimmed like a space


def test_the_office_lifts_a_lock_at_once_and_it_is_audited(app, client, programme, db, small_limits):
    for _ in range(3):
        login(client, "admin", "wrong password!!")
    assert login(client, "admin").status_code == 429
    result = app.test_cli_runner().invoke(args=["users", "unlock", " Admin "])
    assert result.exit_code == 0 and "unlocked admin" in result.output
    assert [e.target for e in _actions(db, "login.unlock")] == ["admin"]
    assert login(client, "admin").status_code == 302


def test_the_user_page_shows_a_lock_and_lifts_it(app, client, programme, db, small_limits):
    import re

    from survey_app.models import User

    for _ in range(3):
        login(client, "county-pj", "wrong password!!")
    assert login(client, "county-pj").status_code == 429
    office = app.test_client()
    login(office, "admin")
    user_id = db.session.scalar(select(User.id).where(User.username == "county-pj"))
    page = office.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert 'data-state="locked"' in page
    token = re.search(r'action="/admin/users/\d+/unlock"[^>]*>.*?name="csrf_token"[^>]*value="([^"]+)"', page, re.S).group(1)
    assert office.post(f"/admin/users/{user_id}/unlock", data={"csrf_token": token}).status_code == 302
    db.session.rollback()  # end the test's read: SQLite would go on showing its snapshot
    (event,) = _actions(db, "login.unlock")
    assert event.target == "county-pj" and event.actor_id is not None
    assert 'data-state="locked"' not in office.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert login(client, "county-pj").status_code == 302


def _attempt_rows(db):
    from survey_app.models import LoginAttempts

    db.session.rollback()
    return {row.key: row for row in db.session.scalars(select(LoginAttempts))}


def test_a_flood_is_counted_in_place_not_audited_row_by_row(app, client, programme, db, small_limits):
    """Issue 15: 300 locked attempts wrote 300 audit rows that can never be deleted."""
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = 10_000
    for _ in range(200):
        assert login(client, "admin", "wrong password!!").status_code in (401, 429)
    actions = [e.action for e in _actions(db, "login.failure")] + [e.action for e in _actions(db, "login.locked")]
    assert actions.count("login.failure") == 3 and actions.count("login.locked") == 1
    rows = _attempt_rows(db)
    assert set(rows) == {"name:admin", "address:127.0.0.1"}
    assert rows["name:admin"].refused == 197
    result = app.test_cli_runner().invoke(args=["users", "unlock", "admin"])
    assert result.exit_code == 0
    (event,) = _actions(db, "login.unlock")
    assert event.detail["refused"] == 197 and event.detail["via"] == "cli"


def test_each_lock_lasts_twice_the_one_before(client, programme, db, small_limits, monkeypatch):
    from survey_app.auth import lockout

    window = dt.timedelta(seconds=client.application.config["LOGIN_LOCKOUT_WINDOW"])
    start = utcnow()
    monkeypatch.setattr(lockout, "utcnow", lambda: start)
    for _ in range(3):
        login(client, "county-pj", "wrong password!!")
    assert _attempt_rows(db)["name:county-pj"].locked_until == start + window
    after_first = start + window + dt.timedelta(seconds=1)
    monkeypatch.setattr(lockout, "utcnow", lambda: after_first)
    for _ in range(3):
        assert login(client, "county-pj", "wrong password!!").status_code == 401
    row = _attempt_rows(db)["name:county-pj"]
    assert row.locked_until == after_first + 2 * window and row.locks == 2
    monkeypatch.setattr(lockout, "utcnow", lambda: after_first + window + dt.timedelta(seconds=1))
    assert login(client, "county-pj").status_code == 429  # the second lock is longer
    # a lock found over writes what it refused in one audit line
    monkeypatch.setattr(lockout, "utcnow", lambda: after_first + 2 * window + dt.timedelta(seconds=1))
    assert login(client, "county-pj").status_code == 302
    (event,) = _actions(db, "login.flood")
    assert event.target == "county-pj" and event.detail["refused"] == 1


def test_a_browser_that_logged_in_before_is_not_locked_out_by_a_flood(app, programme, db, small_limits):
    """Issue 15: ten anonymous wrong passwords locked the office out with no way in."""
    office = app.test_client()
    assert login(office, "admin").status_code == 302
    office.post("/logout", data={"csrf_token": _csrf(office)})
    attacker = app.test_client()
    for _ in range(5):
        login(attacker, "admin", "wrong password!!")
    assert login(attacker, "admin").status_code == 429
    assert login(office, "admin").status_code == 302  # the office's own browser still gets in
    assert login(attacker, "admin").status_code == 429  # and its login does not lift the strangers' lock
    office.post("/logout", data={"csrf_token": _csrf(office)})
    # ... and its own mistakes count apart, against its own limit
    for _ in range(3):
        assert login(office, "admin", "wrong password!!").status_code == 401
    assert login(office, "admin").status_code == 429


def test_a_forged_known_browser_cookie_is_ignored(app, programme, db, small_limits):
    attacker = app.test_client()
    attacker.set_cookie("known", "eyJuYW1lIjoiYWRtaW4iLCJub25jZSI6IngifQ.forged.signature")
    for _ in range(3):
        login(attacker, "admin", "wrong password!!")
    assert login(attacker, "admin").status_code == 429
    assert "name:admin" in _attempt_rows(db)


def test_the_address_limit_holds_in_every_worker(app, programme, db, small_limits, tmp_path):
    other_worker = make_app(db.engine.url.render_as_string(hide_password=False), tmp_path, LOGIN_LIMIT_PER_ADDRESS=5)
    try:
        for name in ("a1", "a2", "a3"):
            assert login(app.test_client(), name, "wrong password!!").status_code == 401
        for name in ("a4", "a5"):
            assert login(other_worker.test_client(), name, "wrong password!!").status_code == 401
        assert login(app.test_client(), "team-pj").status_code == 429
    finally:
        with other_worker.app_context():
            from survey_app.extensions import db as _db

            _db.engine.dispose()


def _csrf(client):
    import re

    page = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
