"""Staff login (Flask-Login + Flask-WTF with CSRF) and the home page of each role."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from survey_app.models import AuditEvent
from tests.factories import PASSWORD, csrf_token, login


def test_login_page_has_the_hooks(client, programme):
    page = client.get("/login").get_data(as_text=True)
    assert 'name="username"' in page and 'name="password"' in page
    assert "工作人员登录" in page


def test_home_requires_login(client, programme):
    reply = client.get("/")
    assert reply.status_code == 302 and "/login" in reply.headers["Location"]


def test_wrong_password_is_refused_and_audited(client, programme, db):
    reply = login(client, "admin", "wrong password!!")
    assert reply.status_code == 401
    assert "用户名或密码不正确" in reply.get_data(as_text=True)
    assert login(client, "nobody", "whatever password").status_code == 401
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("login%")))]
    assert actions == ["login.failure", "login.failure"]


def test_post_without_csrf_token_is_refused(client, programme):
    reply = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert reply.status_code == 400
    assert "页面已过期" in reply.get_data(as_text=True)


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("admin", "省项目办"),
        ("county-pj", "平江县（430626）"),
        ("team-fh", "凤凰县三区社工服务队"),
        ("sw-pj1", "社工"),
    ],
)
def test_each_role_gets_its_home(client, programme, username, expected):
    reply = login(client, username)
    assert reply.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert expected in home
    assert 'data-questionnaire="awareness"' in home


def test_home_counts_are_scoped(client, programme, db, token_for):
    from tests.api.payloads import awareness

    headers = {"Authorization": f"Bearer {token_for('admin')}"}
    client.post("/api/v1/submissions", json=awareness(), headers=headers)
    client.post("/api/v1/submissions", json=awareness(county="433123", site="433123-01", team="FH01"), headers=headers)
    login(client, "county-fh")
    row = re.search(r'data-questionnaire="awareness">(.*?)</tr>', client.get("/").get_data(as_text=True), re.S).group(1)
    assert re.findall(r"<td>(\d+)</td>", row) == ["1", "1", "0", "0"]  # version 1; 1 pre; 0 post; 0 other


def test_open_redirect_is_refused(client, programme):
    token = csrf_token(client)
    reply = client.post("/login?next=//evil.example/x", data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    assert reply.headers["Location"] == "/"


def test_logout(client, programme):
    login(client, "admin")
    token = csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_admin_sees_questionnaire_file_problems(client, programme, app, tmp_path):
    import shutil
    from pathlib import Path

    folder = tmp_path / "q"
    shutil.copytree(Path(app.config["QUESTIONNAIRE_DIR"]), folder)
    (folder / "broken.yaml").write_text("id: broken\ntitle: [\n", encoding="utf-8")
    app.config["QUESTIONNAIRE_DIR"] = str(folder)
    login(client, "admin")
    page = client.get("/").get_data(as_text=True)
    assert "broken.yaml:3: invalid YAML" in page


def test_passwords_are_argon2id_at_asvs_parameters():
    from survey_app.auth.passwords import HASHER, hash_password, verify_password

    assert (HASHER.type.name, HASHER.memory_cost, HASHER.time_cost, HASHER.parallelism) == ("ID", 19456, 2, 1)
    stored = hash_password("correct horse battery")
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "wrong")
    assert not verify_password("not a hash", "x")


def test_unexpected_errors_are_a_500_page_without_trace(app, client, programme):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret detail")

    reply = client.get("/boom-for-test")
    assert reply.status_code == 500
    assert "secret detail" not in reply.get_data(as_text=True)
