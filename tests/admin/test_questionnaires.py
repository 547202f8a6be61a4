"""The questionnaire versions page: every version, its responses, and what changed."""
from __future__ import annotations

import shutil

import yaml

from survey_app.config import ROOT
from survey_app.instruments import load_folder
from tests.factories import logged_in, login


def test_a_changed_file_shows_as_a_new_version_with_its_changes(client, db, programme, tmp_path):
    folder = tmp_path / "questionnaires"
    shutil.copytree(ROOT / "questionnaires", folder)
    path = folder / "awareness.yaml"
    definition = yaml.safe_load(path.read_text(encoding="utf-8"))
    question = definition["sections"][0]["questions"][0]
    question["label"] = {"zh": "改过的题目 <b>", "en": "Changed"}
    path.write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    report = load_folder(db.session, folder)
    db.session.commit()
    assert not report.problems
    login(client, "admin")
    listing = client.get("/admin/questionnaires").get_data(as_text=True)
    assert 'data-questionnaire="awareness"' in listing and "v2" in listing
    page = client.get("/admin/questionnaires/awareness").get_data(as_text=True)
    assert 'data-version="2"' in page and 'data-version="1"' in page and "第一个版本" in page
    assert f'data-change="changed" data-question="{question["id"]}"' in page and "label" in page
    assert client.get("/admin/questionnaires/nope").status_code == 404
    other = logged_in(client.application.test_client(), "county-pj")
    assert other.get("/admin/questionnaires").status_code == 403


def _form_token(page: str) -> str:
    import re

    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _not_offered(collector, client, headers, status, page_says, api_says):
    """Awareness is neither listed nor opened, on the collection pages and in the API, and each
    refusal says why."""
    assert 'data-questionnaire="awareness"' not in collector.get("/collect/").get_data(as_text=True)
    refused = collector.get("/collect/awareness")
    assert refused.status_code == status and page_says in refused.get_data(as_text=True)
    assert "awareness" not in {q["id"] for q in client.get("/api/v1/questionnaires", headers=headers).get_json()}
    refused = client.get("/api/v1/questionnaires/awareness", headers=headers)
    assert refused.status_code == status and api_says in refused.get_json()["message"]


def test_assigning_to_teams_changes_what_is_offered_not_what_is_accepted(client, db, programme, token_for):
    from sqlalchemy import select

    from survey_app.models import AuditEvent, Team
    from tests.api.payloads import awareness

    fh_team = db.session.scalar(select(Team.code).where(Team.code != "PJ01").order_by(Team.code))
    sw_token = token_for("sw-pj1")
    login(client, "admin")
    page = client.get("/admin/questionnaires/awareness").get_data(as_text=True)
    reply = client.post("/admin/questionnaires/awareness/teams", data={"csrf_token": _form_token(page), "teams": [fh_team]})
    assert reply.status_code == 302
    collector = logged_in(client.application.test_client(), "sw-pj1")
    headers = {"Authorization": f"Bearer {sw_token}"}
    _not_offered(collector, client, headers, 403, "这份问卷没有分配给你的工作队", "assigned to other teams")
    # an interview the tablet began before still syncs
    assert client.post("/api/v1/submissions", json=awareness(), headers=headers).status_code == 201
    bureau = logged_in(client.application.test_client(), "county-pj")
    assert 'data-questionnaire="awareness"' in bureau.get("/collect/").get_data(as_text=True)
    reply = client.post("/admin/questionnaires/awareness/teams", data={"csrf_token": _form_token(page)})  # none: every team
    assert reply.status_code == 302
    assert collector.get("/collect/awareness").status_code == 200
    db.session.rollback()
    events = db.session.execute(select(AuditEvent.detail).where(AuditEvent.action == "questionnaire.assign")).scalars().all()
    assert [e["after"] for e in events] == [[fh_team], []]


def test_a_retired_version_is_no_longer_offered_and_its_data_stay(client, db, programme, token_for):
    from sqlalchemy import func, select

    from survey_app.models import AuditEvent, Response
    from tests.api.payloads import awareness

    sw_token = token_for("sw-pj1")
    login(client, "admin")
    page = client.get("/admin/questionnaires/awareness").get_data(as_text=True)
    for _ in range(2):  # posted twice: retired once
        assert client.post("/admin/questionnaires/awareness/versions/1/retired",
                           data={"csrf_token": _form_token(page), "retired": "1"}).status_code == 302
    assert "data-retired" in client.get("/admin/questionnaires/awareness").get_data(as_text=True)
    collector = logged_in(client.application.test_client(), "sw-pj1")
    headers = {"Authorization": f"Bearer {sw_token}"}
    _not_offered(collector, client, headers, 410, "这个问卷版本已停用", "retired")
    assert client.post("/api/v1/submissions", json=awareness(), headers=headers).status_code == 201  # began before: kept
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Response).where(Response.questionnaire_id == "awareness")) == 1
    assert client.post("/admin/questionnaires/awareness/versions/1/retired",
                       data={"csrf_token": _form_token(page), "retired": "0"}).status_code == 302
    assert collector.get("/collect/awareness").status_code == 200
    db.session.rollback()
    assert list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.target == "awareness v1").where(
        AuditEvent.action.like("questionnaire.%retire")).order_by(AuditEvent.id))) == ["questionnaire.retire", "questionnaire.unretire"]
