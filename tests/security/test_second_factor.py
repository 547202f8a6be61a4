"""The second factor (issue 15, ASVS V6.3.3): TOTP with recovery codes, required for the office
and the county bureaux, offered to the others; no session before the code is right."""
from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from survey_app.models import AuditEvent, User, UserSession

from ..factories import PASSWORD, csrf_token, login


@pytest.fixture
def required(app):
    """The production default: the office and the bureaux must use a second factor."""
    from survey_app.config import Config

    app.config["MFA_REQUIRED_ROLES"] = Config().MFA_REQUIRED_ROLES
    assert set(app.config["MFA_REQUIRED_ROLES"]) == {"admin", "county"}


def _user(db, username) -> User:
    db.session.rollback()  # a fresh read: another client wrote
    return db.session.scalar(select(User).where(User.username == username))


def _code(secret: str, ahead: int = 0) -> str:
    """The app's code now, or ``ahead`` steps later (a code works once, so a second login within
    the same 30 s uses the next one, which the server accepts for a clock a little ahead)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * ahead)


def _send_code(client, code: str):
    return client.post("/login/code", data={"otp": code, "csrf_token": csrf_token(client, "/login/code")})


def _logged_in(client) -> bool:
    return client.get("/").status_code == 200


def _sessions(db, username) -> int:
    user = _user(db, username)
    return len(db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all())


def test_a_required_role_enrols_at_its_first_login_and_no_session_exists_before(client, programme, db, required):
    reply = login(client, "county-pj")
    assert reply.status_code == 200
    page = reply.get_data(as_text=True)
    assert 'name="otp"' in page and 'data-enrolling="yes"' in page and "<svg" in page
    assert reply.headers["Cache-Control"] == "no-store"  # the secret stays out of every cache
    secret = re.search(r"<code data-secret>([A-Z2-7 ]+)</code>", page).group(1).replace(" ", "")
    assert secret == _user(db, "county-pj").totp_secret
    # Nothing opens before the code: no session row, no page.
    assert _sessions(db, "county-pj") == 0 and not _logged_in(client)
    assert client.get("/dashboard/overview").status_code == 302
    reply = _send_code(client, "000000" if _code(secret) != "000000" else "111111")
    assert reply.status_code == 401 and 'name="otp"' in reply.get_data(as_text=True)
    assert _sessions(db, "county-pj") == 0
    reply = _send_code(client, _code(secret))
    assert reply.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", reply.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert _logged_in(client) and _sessions(db, "county-pj") == 1
    user = _user(db, "county-pj")
    assert user.totp_enabled_at is not None
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target == "county-pj")).all()
    assert "mfa.enrol" in actions and "login.mfa_failure" in actions


def _enrol(app, username) -> tuple[str, list[str]]:
    result = app.test_cli_runner().invoke(args=["users", "mfa-enroll", username])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    uri = lines[-1]
    assert uri.startswith("otpauth://totp/") and "issuer=Sanqu" in uri
    codes = [line.strip() for line in lines if re.fullmatch(r"\s+[a-z2-9]{5}-[a-z2-9]{5}", line)]
    return pyotp.parse_uri(uri).secret, codes


def test_an_enrolled_user_needs_the_code_every_time_and_a_code_works_once(app, client, programme, db, required):
    secret, _ = _enrol(app, "admin")
    reply = login(client, "admin")
    assert reply.status_code == 200 and 'name="otp"' in reply.get_data(as_text=True)
    assert 'data-enrolling="no"' in reply.get_data(as_text=True) and "<svg" not in reply.get_data(as_text=True)
    code = _code(secret)
    assert _send_code(client, code).status_code == 302 and _logged_in(client)
    other = app.test_client()
    login(other, "admin")
    assert _send_code(other, code).status_code == 401  # replayed: refused
    assert _send_code(other, _code(secret, ahead=1)).status_code == 302


def test_a_wrong_password_never_reaches_the_code_page(client, programme, required):
    reply = login(client, "admin", "not the password at all")
    assert reply.status_code == 401 and 'name="otp"' not in reply.get_data(as_text=True)
    assert client.get("/login/code").status_code == 302


def test_a_recovery_code_logs_in_once(app, client, programme, db, required):
    _, codes = _enrol(app, "county-pj")
    assert len(codes) == 10
    login(client, "county-pj")
    assert _send_code(client, codes[0].upper().replace("-", " ")).status_code == 302  # as typed off paper
    assert _logged_in(client)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "mfa.recovery_used"))
    assert event.target == "county-pj" and event.detail["left"] == 9
    again = app.test_client()
    login(again, "county-pj")
    assert _send_code(again, codes[0]).status_code == 401


def test_the_pending_login_expires(app, client, programme, db, required):
    secret, _ = _enrol(app, "admin")
    login(client, "admin")
    with client.session_transaction() as s:
        pending = s["pending_login"]
        s["pending_login"] = {**pending, "at": pending["at"] - app.config["MFA_PENDING_SECONDS"] - 1}
    token = csrf_token(client)  # from the login page: the code page now sends the user there
    reply = client.post("/login/code", data={"otp": _code(secret), "csrf_token": token})
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/login")
    assert not _logged_in(client)


def test_wrong_codes_count_towards_the_lock(app, client, programme, db, required):
    app.config["LOGIN_LOCKOUT_FAILURES"] = 3
    secret, _ = _enrol(app, "admin")
    login(client, "admin")
    for _ in range(3):
        assert _send_code(client, "12345x").status_code == 401
    assert _send_code(client, _code(secret)).status_code == 429


def test_other_roles_may_choose_it_on_their_account_page(client, programme, db, required):
    assert login(client, "team-pj").status_code == 302  # not required: password only
    page = client.get("/account/second-factor").get_data(as_text=True)
    secret = re.search(r"<code data-secret>([A-Z2-7 ]+)</code>", page).group(1).replace(" ", "")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    # the password again first: a borrowed session cannot tie the account to another phone
    refused = client.post("/account/second-factor", data={"otp": _code(secret), "csrf_token": token, "current": "not it at all"})
    assert refused.status_code == 422 and _user(db, "team-pj").totp_enabled_at is None
    reply = client.post("/account/second-factor", data={"otp": _code(secret), "csrf_token": token, "current": PASSWORD})
    assert reply.status_code == 200 and len(re.findall(r"<li><code>", reply.get_data(as_text=True))) == 10
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    reply = login(client, "team-pj")
    assert reply.status_code == 200 and 'name="otp"' in reply.get_data(as_text=True)


def test_the_office_resets_a_lost_phone_and_it_is_audited(app, client, programme, db, required):
    _enrol(app, "county-pj")
    result = app.test_cli_runner().invoke(args=["users", "mfa-reset", "county-pj"])
    assert result.exit_code == 0
    assert _user(db, "county-pj").totp_secret is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "mfa.reset")).target == "county-pj"
    reply = login(client, "county-pj")  # required: enrols again
    assert 'data-enrolling="yes"' in reply.get_data(as_text=True)


def test_the_user_page_resets_it(app, client, programme, db, required):
    _enrol(app, "county-pj")
    office = app.test_client()
    admin_secret, _ = _enrol(app, "admin")
    login(office, "admin")
    assert _send_code(office, _code(admin_secret)).status_code == 302
    user_id = _user(db, "county-pj").id
    page = office.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert 'data-second-factor="on"' in page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert office.post(f"/admin/users/{user_id}/second-factor/reset", data={"csrf_token": token}).status_code == 302
    assert _user(db, "county-pj").totp_enabled_at is None


def test_the_password_alone_is_enough_where_not_required_and_not_chosen(client, programme):
    assert login(client, "sw-pj1", PASSWORD).status_code == 302
