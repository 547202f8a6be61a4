"""The questionnaire versions page: every version, its responses, and what changed."""
from __future__ import annotations

import shutil

import yaml

from survey_app.config import ROOT
from survey_app.instruments import load_folder
from tests.test_auth import login


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
    other = client.application.test_client()
    login(other, "county-pj")
    assert other.get("/admin/questionnaires").status_code == 403
