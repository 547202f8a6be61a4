"""The programme office manages staff accounts: create with a placement that fits the role and a
password that passes the rules, change the role, set a password, disable (at once: no login,
open sessions end, tokens revoked) and enable; all audited; nobody else may."""
from __future__ import annotations

import re

from sqlalchemy import select

from survey_app.models import ApiToken, AuditEvent, User
from tests.factories import PASSWORD, logged_in, login

GOOD = "清晨的山路很长 2026"


def token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def actions(db, target: str) -> list[str]:
    """The account changes recorded about ``target`` (logins left aside)."""
    db.session.rollback()
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.target == target, AuditEvent.action.startswith("user.")).order_by(AuditEvent.id)))


def test_creating_an_account_checks_role_place_name_and_password(client, db, programme):
    login(client, "admin")
    csrf = token(client.get("/admin/users/new").get_data(as_text=True))
    base = {"csrf_token": csrf, "username": "sw-pj9", "role": "collector", "county": "", "team": "", "password": GOOD, "confirm": GOOD}
    reply = client.post("/admin/users/new", data=base)
    assert reply.status_code == 422 and "要选一个工作队" in reply.get_data(as_text=True)
    team = db.session.scalar(select(User).where(User.username == "sw-pj1")).team.code
    for change, message in (({"password": "short", "confirm": "short"}, "密码不符合要求"),
                            ({"confirm": "something else 2026"}, "两次输入的密码不一样"),
                            ({"username": "张三"}, "只能用字母"), ({"username": "sw-pj1"}, "已经有人用了"),
                            ({"password": "123456789abc", "confirm": "123456789abc"}, "太常见")):
        reply = client.post("/admin/users/new", data={**base, "team": team, **change})
        page = reply.get_data(as_text=True)
        assert reply.status_code == 422 and message in page, change
        assert GOOD not in page  # a password is never sent back
    reply = client.post("/admin/users/new", data={**base, "team": team})
    assert reply.status_code == 302
    db.session.rollback()  # a fresh snapshot: the app wrote in its own session
    created = db.session.scalar(select(User).where(User.username == "sw-pj9"))
    assert created.role == "collector" and created.team.code == team and created.active
    assert actions(db, "sw-pj9") == ["user.create"]
    fresh = client.application.test_client()
    assert login(fresh, "sw-pj9", GOOD).status_code == 302


def test_disabling_ends_sessions_and_tokens_at_once(client, db, programme, token_for):
    secret = token_for("sw-pj1")
    victim = logged_in(client.application.test_client(), "sw-pj1")
    assert victim.get("/collect/").status_code == 200
    assert victim.get("/api/v1/questionnaires", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    login(client, "admin")
    user = db.session.scalar(select(User).where(User.username == "sw-pj1"))
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    for _ in range(2):  # posted twice: disabled once
        assert client.post(f"/admin/users/{user.id}/active", data={"csrf_token": token(page), "active": "0"}).status_code == 302
    assert victim.get("/collect/").status_code == 302  # the open session is over
    assert victim.get("/api/v1/questionnaires", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert login(client.application.test_client(), "sw-pj1").status_code == 401
    db.session.rollback()
    assert all(t.revoked_at is not None for t in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)))
    assert actions(db, "sw-pj1") == ["user.disable"]
    assert client.post(f"/admin/users/{user.id}/active", data={"csrf_token": token(page), "active": "1"}).status_code == 302
    assert login(client.application.test_client(), "sw-pj1").status_code == 302
    assert actions(db, "sw-pj1") == ["user.disable", "user.enable"]


def test_role_change_and_new_password_are_audited(client, db, programme):
    login(client, "admin")
    user = db.session.scalar(select(User).where(User.username == "county-fh"))
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    reply = client.post(f"/admin/users/{user.id}/placement", data={"csrf_token": token(page), "role": "county", "county": "", "team": ""})
    assert reply.status_code == 422 and "要选一个县" in reply.get_data(as_text=True)
    reply = client.post(f"/admin/users/{user.id}/placement",
                        data={"csrf_token": token(page), "role": "county", "county": "430626", "team": ""})
    assert reply.status_code == 302
    reply = client.post(f"/admin/users/{user.id}/password", data={"csrf_token": token(page), "password": GOOD, "confirm": GOOD})
    assert reply.status_code == 302
    db.session.rollback()
    changed = db.session.get(User, user.id)
    assert changed.county.code == "430626"
    assert actions(db, "county-fh") == ["user.update", "user.password"]
    assert login(client.application.test_client(), "county-fh", PASSWORD).status_code == 401
    assert login(client.application.test_client(), "county-fh", GOOD).status_code == 302


def test_only_the_office_manages_accounts_and_not_its_own_switch(client, db, programme):
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    for username in ("county-pj", "team-pj", "sw-pj1"):
        other = logged_in(client.application.test_client(), username)
        for url in ("/admin/users", "/admin/users/new", f"/admin/users/{admin.id}"):
            assert other.get(url).status_code == 403, (username, url)
    login(client, "admin")
    page = client.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    assert 'data-action="disable"' not in page
    assert client.post(f"/admin/users/{admin.id}/active", data={"csrf_token": token(page), "active": "0"}).status_code == 403
