"""Passwords users choose themselves (issue 15, ASVS V6.2.2, V6.4.x): a password set by the
office is temporary and opens nothing but the change page; changing one's own password asks for
the current one (and the second factor where enrolled), ends the other sessions and revokes the
API tokens."""
from __future__ import annotations

import re
import time

import pyotp
from sqlalchemy import select

from survey_app.auth.passwords import verify_password
from survey_app.auth.tokens import issue_token
from survey_app.models import ApiToken, AuditEvent, User

from ..factories import PASSWORD, csrf_token, login

NEW = "山里的溪水流得很慢 1958"


def _user(db, username) -> User:
    db.session.rollback()
    return db.session.scalar(select(User).where(User.username == username))


def _change(client, current=PASSWORD, new=NEW, confirm=None, otp=""):
    token = csrf_token(client, "/account/password")
    return client.post("/account/password", data={"csrf_token": token, "current": current, "otp": otp, "new": new,
                                                  "confirm": new if confirm is None else confirm})


def _set_by_office(app, db, username):
    result = app.test_cli_runner().invoke(args=["users", "set-password", username, "--password-stdin"],
                                          input="set by the office 2026 spring\n")
    assert result.exit_code == 0 and "temporary" in result.output
    assert _user(db, username).password_temporary
    return "set by the office 2026 spring"


def test_a_temporary_password_opens_only_the_change_page(app, client, programme, db):
    temporary = _set_by_office(app, db, "team-pj")
    reply = login(client, "team-pj", temporary)
    assert reply.status_code == 302 and "/account/password" in reply.headers["Location"]
    for path in ("/", "/dashboard/overview", "/collect/", "/exports/"):
        reply = client.get(path)
        assert reply.status_code == 302 and "/account/password" in reply.headers["Location"], path
    assert client.post("/collect/device", json={"device_id": "0" * 8}).status_code == 403
    page = client.get("/account/password").get_data(as_text=True)
    assert 'data-state="temporary"' in page
    assert _change(client, current=temporary).status_code == 302
    assert not _user(db, "team-pj").password_temporary
    assert client.get("/").status_code == 200


def test_the_admin_page_sets_a_temporary_password_and_a_new_account_starts_with_one(app, client, programme, db):
    login(client, "admin")
    user_id = _user(db, "sw-pj1").id
    page = f"/admin/users/{user_id}"
    reply = client.post(f"{page}/password", data={"csrf_token": csrf_token(client, page), "password": "a new long passphrase 2026",
                                                  "confirm": "a new long passphrase 2026"})
    assert reply.status_code == 302 and _user(db, "sw-pj1").password_temporary
    form = csrf_token(client, "/admin/users/new")
    reply = client.post("/admin/users/new", data={"csrf_token": form, "username": "sw-pj9", "role": "collector", "team": "PJ01",
                                                  "password": "a new long passphrase 2026", "confirm": "a new long passphrase 2026"})
    assert reply.status_code == 302, reply.get_data(as_text=True)[-2000:]
    assert _user(db, "sw-pj9").password_temporary


def test_a_change_asks_for_the_current_password_and_a_good_new_one(client, programme, db):
    login(client, "sw-pj1")
    before = _user(db, "sw-pj1").password_hash
    wrong = _change(client, current="not my password at all")
    assert wrong.status_code == 422 and "现在的密码不对" in wrong.get_data(as_text=True)
    weak = _change(client, new="sanqu-demo-2027")
    assert weak.status_code == 422
    same = _change(client, new=PASSWORD)
    assert same.status_code == 422
    typo = _change(client, confirm=NEW + "!")
    assert typo.status_code == 422
    assert _user(db, "sw-pj1").password_hash == before
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.password_change_refused")) is not None


def test_a_change_ends_the_other_sessions_and_revokes_api_tokens_not_the_tablets(app, client, programme, db):
    elsewhere = app.test_client()
    login(elsewhere, "team-pj")
    login(client, "team-pj")
    user = _user(db, "team-pj")
    api = issue_token(db.session, user, kind="api")
    tablet = issue_token(db.session, user, kind="device", label="tablet-1")
    db.session.commit()
    assert _change(client).status_code == 302
    assert client.get("/").status_code == 200  # this session stays
    assert elsewhere.get("/").status_code == 302  # the other one ended
    db.session.rollback()
    for secret, status in ((api, 401), (tablet, 200)):
        reply = client.get("/api/v1/questionnaires", headers={"Authorization": f"Bearer {secret}"})
        assert reply.status_code == status
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.password_change"))
    assert event.detail["sessions_ended"] == 1 and event.detail["tokens_revoked"] == 1
    assert login(app.test_client(), "team-pj", NEW).status_code == 302
    assert db.session.scalars(select(ApiToken).where(ApiToken.revoked_at.is_(None))).all() != []


def test_an_enrolled_user_gives_the_second_factor_to_change_it(app, client, programme, db):
    result = app.test_cli_runner().invoke(args=["users", "mfa-enroll", "team-pj"])
    secret = pyotp.parse_uri(result.output.strip().splitlines()[-1]).secret
    login(client, "team-pj")
    page = client.get("/login/code").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post("/login/code", data={"otp": pyotp.TOTP(secret).now(), "csrf_token": token}).status_code == 302
    assert _change(client).status_code == 422  # no code
    assert _change(client, otp=pyotp.TOTP(secret).at(time.time() + 30)).status_code == 302


def test_the_password_is_checked_exactly_as_typed(client, programme):
    """ASVS 6.2.8: no trimming, no case folding, no truncation."""
    for typed in (PASSWORD + " ", " " + PASSWORD, PASSWORD.upper(), PASSWORD[:-1]):
        assert login(client, "sw-pj1", typed).status_code == 401, typed
    assert login(client, "sw-pj1", PASSWORD).status_code == 302


def test_password_fields_are_masked_and_pasting_is_not_blocked(client, programme):
    """ASVS 6.2.6, 6.2.7: type=password everywhere a password is typed; nothing blocks paste or
    a password manager (no handler, no autocomplete=off)."""
    pages = [client.get("/login").get_data(as_text=True)]
    login(client, "sw-pj1")
    pages += [client.get(path).get_data(as_text=True) for path in ("/account/password", "/account", "/account/second-factor")]
    for page in pages:
        fields = re.findall(r"<input[^>]*name=\"(?:password|current|new|confirm)\"[^>]*>", page)
        assert fields and all('type="password"' in f for f in fields)
        assert "onpaste" not in page and 'autocomplete="off"' not in page


def test_fields_the_form_does_not_have_change_nothing(client, programme, db):
    """Mass assignment (ASVS 15.3.3): the form binds its own fields only."""
    before = _user(db, "sw-pj1")
    role, county, team, name = before.role, before.county_id, before.team_id, before.username
    assert login(client, "sw-pj1").status_code == 302
    token = csrf_token(client, "/account/password")
    reply = client.post("/account/password", data={
        "csrf_token": token, "current": PASSWORD, "otp": "", "new": NEW, "confirm": NEW,
        "role": "admin", "county_id": "1", "team_id": "", "username": "admin", "is_active": "1", "password_temporary": "1",
        "totp_secret": "JBSWY3DPEHPK3PXP"})
    assert reply.status_code in (302, 303)
    after = _user(db, "sw-pj1")
    assert (after.role, after.county_id, after.team_id, after.username) == (role, county, team, name)
    assert not after.password_temporary and after.totp_secret is None
    assert verify_password(after.password_hash, NEW)
