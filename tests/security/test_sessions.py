"""Server-side staff sessions: a new id at login, ended at logout for good, idle and absolute
timeouts, all ended when a user is disabled; sync by device token is not tied to them."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from survey_app.auth.sessions import SESSION_KEY, disable_user, end_sessions
from survey_app.auth.tokens import issue_token
from survey_app.models import AuditEvent, User, UserSession
from survey_app.models.types import utcnow

from ..factories import PASSWORD, csrf_token, login


def _user(db, username):
    return db.session.scalar(select(User).where(User.username == username))


def _sid(client) -> str:
    with client.session_transaction() as s:
        return s.get(SESSION_KEY, "")


def _sessions(db, username):
    db.session.expire_all()
    return db.session.scalars(select(UserSession).where(UserSession.user_id == _user(db, username).id)).all()


def _logged_in(client) -> bool:
    return client.get("/").status_code == 200


def test_login_starts_a_new_session_each_time(client, programme, db):
    with client.session_transaction() as s:
        s["planted"] = "by someone else"  # what a fixation attack would set before the login
    assert login(client, "county-pj").status_code == 302
    first = _sid(client)
    with client.session_transaction() as s:
        assert "planted" not in s
    client.post("/logout", data={"csrf_token": _csrf(client)})
    assert login(client, "county-pj").status_code == 302
    second = _sid(client)
    assert first and second and first != second
    rows = _sessions(db, "county-pj")
    assert len(rows) == 2 and rows[0].ended_at is not None and rows[1].ended_at is None
    # Only a hash is stored: the table opens no session.
    assert all(first not in r.token_hash and second not in r.token_hash for r in rows)


def _csrf(client) -> str:
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)


def test_a_copied_cookie_is_dead_after_logout(app, client, programme):
    login(client, "county-pj")
    stolen = client.get_cookie("session").value
    client.post("/logout", data={"csrf_token": _csrf(client)})
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    reply = thief.get("/")
    assert reply.status_code == 302 and "/login" in reply.headers["Location"]


def test_idle_timeout_ends_the_session(app, client, programme, db):
    login(client, "county-pj")
    assert _logged_in(client)
    db.session.execute(update(UserSession).values(last_seen_at=utcnow() - dt.timedelta(minutes=31)))
    db.session.commit()
    assert not _logged_in(client)
    (row,) = _sessions(db, "county-pj")
    assert row.ended_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "session.expired"))
    assert event.detail["reason"] == "idle" and event.target == "county-pj"
    # Coming back within the timeout does not revive it.
    db.session.execute(update(UserSession).values(last_seen_at=utcnow()))
    db.session.commit()
    assert not _logged_in(client)


def test_idle_timeout_is_a_setting(app, client, programme, db):
    app.config["SESSION_IDLE_TIMEOUT"] = 5 * 3600
    login(client, "county-pj")
    db.session.execute(update(UserSession).values(last_seen_at=utcnow() - dt.timedelta(hours=4)))
    db.session.commit()
    assert _logged_in(client)


def test_absolute_timeout_ends_even_an_active_session(client, programme, db):
    login(client, "county-pj")
    db.session.execute(update(UserSession).values(created_at=utcnow() - dt.timedelta(hours=12, minutes=1)))
    db.session.commit()
    assert not _logged_in(client)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "session.expired"))
    assert event.detail["reason"] == "absolute"


def test_last_seen_is_written_at_most_once_a_minute(client, programme, db):
    login(client, "county-pj")
    two_minutes_ago = utcnow() - dt.timedelta(minutes=2)
    db.session.execute(update(UserSession).values(last_seen_at=two_minutes_ago))
    db.session.commit()
    assert _logged_in(client)
    (row,) = _sessions(db, "county-pj")
    touched = row.last_seen_at
    assert touched > two_minutes_ago + dt.timedelta(minutes=1)
    assert _logged_in(client)
    (row,) = _sessions(db, "county-pj")
    assert row.last_seen_at == touched


def test_end_sessions_logs_out_every_browser(app, client, programme, db):
    other = app.test_client()
    login(client, "county-pj")
    login(other, "county-pj")
    login(app.test_client(), "team-pj")
    assert end_sessions(db.session, _user(db, "county-pj")) == 2
    db.session.commit()
    assert not _logged_in(client) and not _logged_in(other)
    assert [r.ended_at for r in _sessions(db, "team-pj")] == [None]


def test_disabling_a_user_ends_sessions_and_revokes_tokens_at_once(client, programme, db):
    login(client, "sw-pj1")
    user = _user(db, "sw-pj1")
    device = issue_token(db.session, user, kind="device", label="tablet")
    api = issue_token(db.session, user, kind="api")
    db.session.commit()
    assert client.get("/api/v1/questionnaires", headers={"Authorization": f"Bearer {device}"}).status_code == 200
    disable_user(db.session, user, actor=_user(db, "admin"))
    db.session.commit()
    assert not _logged_in(client)
    for secret in (device, api):
        assert client.get("/api/v1/questionnaires", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.disable"))
    assert event.detail == {"sessions_ended": 1, "tokens_revoked": 2} and event.target == "sw-pj1"
    assert login(client, "sw-pj1").status_code == 401


def test_sync_by_device_token_outlives_the_web_session(app, client, programme, db):
    """A tablet syncs a week later with its device token, long after the login session ended."""
    login(client, "sw-pj1")
    device = issue_token(db.session, _user(db, "sw-pj1"), kind="device", label="tablet")
    db.session.execute(update(UserSession).values(created_at=utcnow() - dt.timedelta(days=7), last_seen_at=utcnow() - dt.timedelta(days=7)))
    db.session.commit()
    assert not _logged_in(client)
    assert client.get("/api/v1/questionnaires", headers={"Authorization": f"Bearer {device}"}).status_code == 200


def test_the_cli_disables_a_user_at_once(app, client, programme, db):
    login(client, "team-pj")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "disable", "team-pj"])
    assert result.exit_code == 0 and "disabled team-pj" in result.output
    assert not _logged_in(client)
    assert runner.invoke(args=["users", "disable", "nobody"]).exit_code != 0


def _sessions_and_tokens(client, db, username):
    login(client, username)
    user = _user(db, username)
    secrets = [issue_token(db.session, user, kind="device", label="tablet"), issue_token(db.session, user, kind="api")]
    db.session.commit()
    assert _logged_in(client)
    return secrets


def _all_out(client, db, secrets):
    db.session.rollback()  # end this session's read: SQLite would go on showing its snapshot
    assert not _logged_in(client)
    for secret in secrets:
        assert client.get("/api/v1/questionnaires", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_a_password_set_by_the_office_ends_sessions_and_revokes_tokens(app, client, programme, db):
    """Issue 15: the old password's sessions and tokens kept working."""
    secrets = _sessions_and_tokens(client, db, "sw-pj1")
    office = app.test_client()
    login(office, "admin")
    user = _user(db, "sw-pj1")
    page = f"/admin/users/{user.id}"
    token = csrf_token(office, page)
    reply = office.post(f"{page}/password", data={"csrf_token": token, "password": "a new long passphrase 2026",
                                                  "confirm": "a new long passphrase 2026"})
    assert reply.status_code == 302
    _all_out(client, db, secrets)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.password"))
    assert event.detail == {"sessions_ended": 1, "tokens_revoked": 2, "temporary": True}


def test_the_cli_sets_a_password_and_ends_sessions_and_tokens(app, client, programme, db):
    secrets = _sessions_and_tokens(client, db, "team-pj")
    result = app.test_cli_runner().invoke(args=["users", "set-password", "team-pj", "--password-stdin"],
                                          input="another long passphrase 2026\n")
    assert result.exit_code == 0 and "1 session(s) ended, 2 token(s) revoked" in result.output, result.output
    _all_out(client, db, secrets)
    assert login(client, "team-pj", "another long passphrase 2026").status_code == 302


def test_a_user_sees_their_sessions_and_ends_the_others_with_the_password(app, client, programme, db):
    """ASVS 7.5.2: view the active sessions, and end them having re-entered the password."""
    import re

    elsewhere = app.test_client()
    login(elsewhere, "team-pj")
    login(client, "team-pj")
    page = client.get("/account").get_data(as_text=True)
    assert 'data-sessions="2"' in page and "data-this-session" in page
    token = re.search(r'action="/account/sessions/end".*?name="csrf_token"[^>]*value="([^"]+)"', page, re.S).group(1)
    refused = client.post("/account/sessions/end", data={"csrf_token": token, "current": "not my password at all"})
    assert refused.status_code == 422 and _logged_in(elsewhere)
    assert client.post("/account/sessions/end", data={"csrf_token": token, "current": PASSWORD}).status_code == 302
    assert not _logged_in(elsewhere) and _logged_in(client)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "session.end_others"))
    assert event.detail == {"sessions_ended": 1}
