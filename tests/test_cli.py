"""The flask commands of the contract (shared/DESIGN.md), run through the real CLI runner."""
from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select

from survey_app.models import ApiToken, AuditEvent, IndexScore, Questionnaire, QuestionnaireVersion, Response, User, hash_token
from tests.conftest import analyzed_since, server_now

ROOT = Path(__file__).resolve().parent.parent


def test_check_all_good(app):
    result = app.test_cli_runner().invoke(args=["questionnaires", "check"])
    assert result.exit_code == 0, result.output
    assert "4 file(s) OK" in result.output


def test_check_reports_path_line_message_and_exits_1(app, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\ntitle: {zh: 坏}\nsections:\n  - id: s\n    title: {zh: 一}\n    questions:\n      - {id: a, type: slider, label: {zh: A}}\n", encoding="utf-8")
    good = ROOT / "questionnaires" / "awareness.yaml"
    result = app.test_cli_runner().invoke(args=["questionnaires", "check", str(bad), str(good)])
    assert result.exit_code == 1
    assert f"{bad}:7: unknown question type 'slider'" in result.output


def test_load_versions_a_changed_file_and_keeps_old_responses(app, db, tmp_path, token_for):
    folder = tmp_path / "q"
    shutil.copytree(ROOT / "questionnaires", folder)
    app.config["QUESTIONNAIRE_DIR"] = str(folder)
    runner = app.test_cli_runner()

    # The `programme` fixture (via token_for) loaded version 1 from the same files.
    result = runner.invoke(args=["questionnaires", "load"])
    assert result.exit_code == 0, result.output
    assert "unchanged awareness version 1" in result.output

    from tests.api.payloads import awareness

    headers = {"Authorization": f"Bearer {token_for('admin')}"}
    client = app.test_client()
    assert client.post("/api/v1/submissions", json=awareness(), headers=headers).status_code == 201

    # A comment alone is not a change.
    path = folder / "awareness.yaml"
    path.write_text("# edited comment\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert "unchanged awareness version 1" in runner.invoke(args=["questionnaires", "load"]).output

    # A changed label is: version 2 becomes current, the old response keeps version 1.
    path.write_text(path.read_text(encoding="utf-8").replace("您的性别", "您的性别是？"), encoding="utf-8")
    result = runner.invoke(args=["questionnaires", "load"])
    assert "loaded awareness version 2" in result.output
    assert db.session.get(Questionnaire, "awareness").current_version == 2
    old = db.session.scalar(select(Response))
    assert db.session.get(QuestionnaireVersion, old.version_id).version == 1

    # Both versions still take submissions, each validated against its own definition.
    assert client.post("/api/v1/submissions", json=awareness(version=1), headers=headers).status_code == 201
    assert client.post("/api/v1/submissions", json=awareness(version=2), headers=headers).status_code == 201
    assert client.get("/api/v1/questionnaires", headers=headers).get_json()[1]["version"] == 2


def test_load_refuses_a_bad_file_and_loads_the_rest(app, db, tmp_path):
    folder = tmp_path / "q"
    shutil.copytree(ROOT / "questionnaires", folder)
    (folder / "broken.yaml").write_text("id: broken\ntitle: [\n", encoding="utf-8")
    app.config["QUESTIONNAIRE_DIR"] = str(folder)
    result = app.test_cli_runner().invoke(args=["questionnaires", "load"])
    assert result.exit_code == 1
    assert f"{folder / 'broken.yaml'}:3: invalid YAML" in result.output
    assert {q.id for q in db.session.scalars(select(Questionnaire))} == {"activity", "awareness", "satisfaction", "staff"}
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "questionnaire.load")) == 4


def test_users_create_and_tokens_issue(app, db, programme):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "lishi", "--role", "county", "--county", "433123", "--password-stdin"], input="a long enough passphrase\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "lishi"))
    assert user.role == "county" and user.county.name == "凤凰县"
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")

    short = runner.invoke(args=["users", "create", "x", "--role", "admin", "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    missing = runner.invoke(args=["users", "create", "y", "--role", "team", "--password-stdin"], input="a long enough passphrase\n")
    assert missing.exit_code != 0 and "needs --team" in missing.output

    issued = runner.invoke(args=["tokens", "issue", "lishi"])
    assert issued.exit_code == 0
    secret = issued.output.strip().splitlines()[-1]
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    assert token is not None and token.user.username == "lishi"
    assert secret not in str(token.token_hash)
    reply = app.test_client().get("/api/v1/questionnaires", headers={"Authorization": f"Bearer {secret}"})
    assert reply.status_code == 200


def test_seed_demo(app, db, loaded):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    began = server_now(url) if url.startswith("postgresql") else None
    result = app.test_cli_runner().invoke(args=["seed-demo", "--responses", "300", "--seed", "7"])
    assert result.exit_code == 0, result.output
    if began is not None:  # the planner knows the new rows at once (the dashboards' plans depend on it)
        assert analyzed_since(url, "responses", began) and analyzed_since(url, "answers", began)
    assert "sanqu-demo-2026" in result.output
    assert db.session.scalar(select(func.count()).select_from(Response)) == 300
    assert db.session.scalar(select(func.count()).select_from(IndexScore)) > 0
    # Running it again adds responses but never a second programme.
    again = app.test_cli_runner().invoke(args=["seed-demo", "--responses", "10"])
    assert "already present" in again.output
    skipped = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert "none generated" in skipped.output and "admin" in skipped.output
    assert db.session.scalar(select(func.count()).select_from(Response)) == 310


def test_tokens_revoke(app, db, token_for):
    secret = token_for("sw-pj1")
    client = app.test_client()
    assert client.get("/api/v1/questionnaires", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    result = app.test_cli_runner().invoke(args=["tokens", "revoke", "sw-pj1"])
    assert result.exit_code == 0 and "revoked 1 token(s)" in result.output
    assert client.get("/api/v1/questionnaires", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "token.revoke")) == 1


def test_stored_versions_cannot_be_changed(app, db, loaded):
    import pytest

    version = db.session.scalar(select(QuestionnaireVersion).where(QuestionnaireVersion.questionnaire_id == "awareness"))
    version.definition = {**version.definition, "title": {"zh": "改"}}
    with pytest.raises(ValueError, match="immutable"):
        db.session.flush()
    db.session.rollback()
