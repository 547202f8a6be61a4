"""XLSForm drafts on the admin questionnaires page (issue 19): upload, look, try, publish or
discard.  A draft is no version: nothing filled in while trying it is stored."""
from __future__ import annotations

import io
import re
import shutil
import stat
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from survey_app.config import ROOT
from survey_app.instruments import load_folder
from survey_app.models import (
    Answer,
    AuditEvent,
    Questionnaire,
    QuestionnaireDraft,
    QuestionnaireVersion,
    Refusal,
    Response,
)
from tests.admin.xlsforms import HOUSEHOLD, many_members, with_external_entity, workbook, zip_bomb
from tests.factories import csrf_in, logged_in

LISTING = "/admin/questionnaires"


@pytest.fixture
def folder(app: Any, tmp_path: Path) -> Path:
    """The questionnaire folder publishing writes to: a copy, never the repository's own."""
    copy = tmp_path / "questionnaires"
    shutil.copytree(ROOT / "questionnaires", copy)
    app.config["QUESTIONNAIRE_DIR"] = str(copy)
    return copy


@pytest.fixture
def office(client: Any, programme: Any, folder: Path) -> Any:
    return logged_in(client, "admin")


def upload(client: Any, data: bytes, name: str = "household.xlsx") -> Any:
    import io

    token = csrf_in(client.get(LISTING).get_data(as_text=True))
    return client.post("/admin/questionnaires/drafts", data={"csrf_token": token, "workbook": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def uploaded(client: Any, data: bytes | None = None, name: str = "household.xlsx") -> int:
    reply = upload(client, workbook() if data is None else data, name)
    assert reply.status_code == 303, reply.get_data(as_text=True)
    return int(reply.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def post_form(client: Any, page_url: str, action: str, **fields: str) -> Any:
    page = client.get(page_url).get_data(as_text=True)
    form = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', page, re.S).group(0)
    data = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form))
    data.update(fields)
    return client.post(action, data=data)


def publish(client: Any, draft_id: int, **fields: str) -> Any:
    return post_form(client, f"/admin/questionnaires/drafts/{draft_id}", f"/admin/questionnaires/drafts/{draft_id}/publish", **fields)


def drafts(db: Any) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(QuestionnaireDraft))


def stored(db: Any) -> tuple[int, int, int]:
    db.session.rollback()
    return tuple(db.session.scalar(select(func.count()).select_from(t)) for t in (Response, Answer, Refusal))  # type: ignore[return-value]


# --- upload ------------------------------------------------------------------------------------

def test_a_good_workbook_becomes_a_draft_no_tablet_is_offered(office, db, token_for):
    draft_id = uploaded(office)
    page = office.get(f"/admin/questionnaires/drafts/{draft_id}").get_data(as_text=True)
    assert "家庭情况" in page and "<code>household</code>" in page
    assert 'data-outcome="new"' in page and "household.yaml" in page
    for question in ("helped", "times", "remark"):
        assert f'data-question="{question}"' in page
    # the rule in words, with the option's label, and the file it will write
    assert "[helped] 是 “找过”" in page
    assert "id: household" in page and 'data-action="publish"' in page and 'data-action="preview"' in page
    listing = office.get(LISTING).get_data(as_text=True)
    assert f'data-draft="{draft_id}"' in listing
    db.session.rollback()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "questionnaire.draft_upload"))
    assert event is not None and event.detail["source"] == "household.xlsx"
    # not a version: no tablet, no API, no submission
    assert db.session.get(Questionnaire, "household") is None
    headers = {"Authorization": f"Bearer {token_for('sw-pj1')}"}
    assert "household" not in {q["id"] for q in office.get("/api/v1/questionnaires", headers=headers).get_json()}
    assert office.get("/collect/household").status_code == 404
    reply = office.post("/api/v1/submissions", headers=headers, json={
        "uuid": "6f1c1d2e-0000-4000-8000-000000000001", "questionnaire": "household", "version": 1, "county": "430626",
        "completed_at": "2026-05-01T09:00:00+08:00", "answers": {"helped": "no"}})
    assert reply.status_code == 422 and "questionnaire" in reply.get_json()["errors"]


def test_a_workbook_with_problems_lists_every_one_and_stores_nothing(office, db):
    survey = [*HOUSEHOLD, ["begin_repeat", "kids", "孩子", "Children", "", "", "", "", ""],
              ["calculate", "total", "", "", "", "", "", "", ""], ["end_repeat", "", "", "", "", "", "", "", ""]]
    reply = upload(office, workbook(survey), "家庭.xlsx")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422
    lines = re.findall(r"<li data-problem>([^<]+)</li>", page)
    assert len(lines) >= 2 and all(re.match(r"家庭\.xlsx:survey!\d+: ", line) for line in lines), lines
    assert {int(re.match(r"[^!]+!(\d+)", line).group(1)) for line in lines} >= {5, 6}
    assert drafts(db) == 0


def test_a_recording_not_in_the_audio_folder_is_said_on_its_row_in_chinese(office, db):
    book = openpyxl.load_workbook(io.BytesIO(workbook()))
    sheet = book["survey"]
    sheet.cell(row=1, column=sheet.max_column + 1, value="media::audio::Chinese (zh)")
    sheet.cell(row=3, column=sheet.max_column, value="no_such_recording.mp3")
    out = io.BytesIO()
    book.save(out)
    reply = upload(office, out.getvalue(), "household.xlsx")
    lines = re.findall(r"<li data-problem>([^<]+)</li>", reply.get_data(as_text=True))
    assert reply.status_code == 422 and len(lines) == 1, lines
    assert lines[0].startswith("household.xlsx:survey!3: ") and "no_such_recording.mp3" in lines[0] and "录音" in lines[0]
    assert drafts(db) == 0


@pytest.mark.parametrize(("data", "says"), [
    (b"", "文件是空的"),
    (b"form_id,title\nhousehold,x\n", "不是 Excel 工作簿"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "旧的 Excel 97-2003 格式"),
    (b"PK\x03\x04" + b"\0" * 40, "文件已损坏"),
], ids=["empty", "csv", "xls", "broken-zip"])
def test_what_is_not_an_xlsx_is_refused_clearly(office, db, data, says):
    reply = upload(office, data, "form.xlsx")
    assert reply.status_code == 422 and says in reply.get_data(as_text=True)
    assert drafts(db) == 0


def test_a_zip_without_a_workbook_is_refused(office, db):
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    reply = upload(office, out.getvalue(), "report.xlsx")
    assert reply.status_code == 422 and "xl/workbook.xml" in reply.get_data(as_text=True)


def _converter_must_not_run(monkeypatch: Any) -> None:
    import survey_app.questionnaires.xlsform as xlsform

    def refuse(*_args: Any) -> Any:
        raise AssertionError("the converter read a workbook the guard should have refused")

    monkeypatch.setattr(xlsform, "read_xlsform", refuse)


def test_a_zip_bomb_is_refused_before_anything_inflates_it(office, db, monkeypatch):
    _converter_must_not_run(monkeypatch)
    bomb = zip_bomb(200 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024  # it is small as sent
    reply = upload(office, bomb, "bomb.xlsx")
    assert reply.status_code == 413 and "压缩炸弹" in reply.get_data(as_text=True)
    reply = upload(office, many_members(600), "many.xlsx")
    assert reply.status_code == 413 and "601 个文件，超过了 500 个" in reply.get_data(as_text=True)
    assert drafts(db) == 0


def test_an_external_entity_is_never_read(office, db, tmp_path, monkeypatch):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-0427", encoding="utf-8")
    crafted = with_external_entity(workbook(), str(secret))
    # the converter alone, without the guard: openpyxl parses without resolving entities
    from survey_app.questionnaires.xlsform import read_xlsform

    try:
        imported = read_xlsform(crafted, "xxe.xlsx")
    except Exception as exc:  # noqa: BLE001 - refusing to parse is as good as not resolving
        assert "TOP-SECRET" not in str(exc)
    else:
        assert "TOP-SECRET" not in imported.yaml_text and "TOP-SECRET" not in repr(imported.definition)
    # the upload refuses the DTD outright, before the converter sees it
    _converter_must_not_run(monkeypatch)
    reply = upload(office, crafted, "xxe.xlsx")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422 and "DTD" in page and "TOP-SECRET" not in page
    assert drafts(db) == 0


def test_a_workbook_over_the_size_limit_is_refused(office, app, db):
    app.config["XLSFORM_MAX_BYTES"] = 2048
    data = workbook()
    assert len(data) > 2048
    reply = upload(office, data)
    assert reply.status_code == 413 and "上传上限" in reply.get_data(as_text=True)
    # a little past it: read, and told in words; far past it (1 MB more): stopped while it is read
    reply = upload(office, data + b"\0" * 200_000)
    assert reply.status_code == 413 and "上传上限" in reply.get_data(as_text=True)
    token = csrf_in(office.get(LISTING).get_data(as_text=True))
    boundary = "drafts-test"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="workbook"; filename="big.xlsx"\r\n\r\n').encode()
    body += data + b"\0" * (1024 * 1024 + 10) + f"\r\n--{boundary}--\r\n".encode()
    # (the body as bytes: the test client would spool a large form to a file the refused request never closes)
    reply = office.post("/admin/questionnaires/drafts", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert reply.status_code == 413 and "上传上限" not in reply.get_data(as_text=True)
    assert drafts(db) == 0


def test_a_file_name_is_shown_without_its_folders(office, db):
    reply = upload(office, b"not a workbook", "C:\\Users\\办公室\\..\\问卷.xlsx")
    assert reply.status_code == 422 and "问卷.xlsx：不是 Excel 工作簿" in reply.get_data(as_text=True)


# --- the preview and its dry run ------------------------------------------------------------------

def test_the_preview_is_the_tablet_form_of_the_draft(office, db):
    draft_id = uploaded(office)
    reply = office.get(f"/admin/questionnaires/drafts/{draft_id}/preview")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "预览：试填的答案不会保存" in page
    assert 'data-preview="1"' in page and f'data-dry-run="/admin/questionnaires/drafts/{draft_id}/preview"' in page
    for question in ("helped", "times", "remark"):
        assert f'data-question="{question}"' in page and f'name="{question}"' in page
    assert '<script type="application/json" id="rules">' in page and 'data-action="speak"' in page
    assert "Content-Security-Policy" in reply.headers and reply.headers.get("X-Frame-Options")
    office.get("/lang/en")
    english = office.get(f"/admin/questionnaires/drafts/{draft_id}/preview").get_data(as_text=True)
    assert "Did you ask a social worker for help?" in english and "Preview: answers tried out are not saved" in english


def _dry_run(client: Any, draft_id: int, body: dict[str, Any]) -> Any:
    page = client.get(f"/admin/questionnaires/drafts/{draft_id}/preview").get_data(as_text=True)
    return client.post(f"/admin/questionnaires/drafts/{draft_id}/preview", json=body, headers={"X-CSRFToken": csrf_in(page)})


def _body(answers: dict[str, Any]) -> dict[str, Any]:
    return {"uuid": "0d6a3b5e-7f6e-4e8e-9f51-2b1c3d4e5f60", "questionnaire": "household", "county": "430626",
            "wave": "pre", "respondent_code": "PJ-0001",
            "started_at": "2026-05-01T09:00:00+08:00", "completed_at": "2026-05-01T09:10:00+08:00", "answers": answers}


def test_the_dry_run_judges_as_a_submission_is_judged_and_stores_nothing(office, db, token_for):
    from survey_app.questionnaires import build, validate_answers

    draft_id = uploaded(office)
    headers = {"Authorization": f"Bearer {token_for('admin')}"}
    stats = office.get("/api/v1/stats/summary?questionnaire=awareness", headers=headers).get_json()
    before = stored(db)
    wrong = {"helped": "maybe", "times": 0}
    reply = _dry_run(office, draft_id, _body(wrong))
    verdict = reply.get_json()
    assert reply.status_code == 422 and verdict["accepted"] is False and verdict["stored"] is False
    qn = build(db.session.get(QuestionnaireDraft, draft_id).definition)
    assert verdict["errors"] == validate_answers(qn, wrong).rendered_errors("zh")
    assert "helped" in verdict["errors"]
    # a number below its constraint, named by its own message
    reply = _dry_run(office, draft_id, _body({"helped": "yes", "times": 0}))
    assert reply.status_code == 422 and reply.get_json()["errors"]["times"] == ["至少是1次。"]
    # accepted: the answers as they would be stored, hidden ones cleared
    reply = _dry_run(office, draft_id, _body({"helped": "no", "times": 3, "remark": "好"}))
    verdict = reply.get_json()
    assert reply.status_code == 200 and verdict["accepted"] is True
    assert verdict["answers"] == {"helped": "no", "remark": "好"} and verdict["cleared"] == ["times"]
    assert verdict["rows"][0] == {"question": "helped", "label": "最近一年，您找过社工帮忙吗？", "value": "no", "shown": "没找过"}
    # the envelope is judged too
    reply = _dry_run(office, draft_id, {**_body({"helped": "no"}), "completed_at": "yesterday"})
    assert reply.status_code == 422 and "completed_at" in reply.get_json()["errors"]
    assert stored(db) == before
    assert office.get("/api/v1/stats/summary?questionnaire=awareness", headers=headers).get_json() == stats
    assert drafts(db) == 1 and db.session.get(Questionnaire, "household") is None


def test_the_dry_run_without_the_script_shows_its_verdict(office, db):
    draft_id = uploaded(office)
    url = f"/admin/questionnaires/drafts/{draft_id}/preview"
    page = office.get(url).get_data(as_text=True)
    fields = {"csrf_token": csrf_in(page), "uuid": "0d6a3b5e-7f6e-4e8e-9f51-2b1c3d4e5f61", "county": "430626",
              "wave": "pre", "respondent_code": "PJ-0002", "consent": "agree", "helped": "yes", "times": "2"}
    reply = office.post(url, data=fields)
    shown = reply.get_data(as_text=True)
    assert reply.status_code == 200 and 'data-verdict="accepted"' in shown and 'data-answer="times"' in shown
    reply = office.post(url, data={**fields, "helped": ""})
    shown = reply.get_data(as_text=True)
    assert reply.status_code == 422 and 'data-error-for="helped"' in shown
    assert stored(db) == (0, 0, 0)


def test_a_dry_run_needs_its_csrf_token(office, db):
    draft_id = uploaded(office)
    reply = office.post(f"/admin/questionnaires/drafts/{draft_id}/preview", json=_body({"helped": "no"}))
    assert reply.status_code == 400


# --- publish and discard --------------------------------------------------------------------------

def test_publishing_writes_the_file_and_loads_it_as_a_version(office, db, folder):
    draft_id = uploaded(office)
    reply = publish(office, draft_id)
    assert reply.status_code == 303 and reply.headers["Location"].endswith("/admin/questionnaires/household")
    written = folder / "household.yaml"
    db.session.rollback()
    draft = db.session.get(QuestionnaireDraft, draft_id)
    assert written.read_text(encoding="utf-8") == draft.yaml_text
    assert stat.S_IMODE(written.stat().st_mode) == 0o644 and not list(folder.glob(".*.part"))
    assert draft.state == "published" and draft.published_version == 1 and draft.decided_at is not None
    assert db.session.get(Questionnaire, "household").current_version == 1
    assert "已发布为 household 的 v1" in office.get("/admin/questionnaires/household").get_data(as_text=True)
    assert office.get("/collect/household").status_code == 200
    # the file is the source of truth: loading the folder finds nothing new
    report = load_folder(db.session, folder)
    assert report.created == [] and ("household", 1) in report.unchanged


def test_a_changed_workbook_becomes_the_next_version_of_the_same_id(office, db, folder):
    from tests.factories import add_response

    publish(office, uploaded(office))
    add_response(db, "household", "430626", answers={"helped": "no"})
    db.session.commit()
    changed = [list(row) for row in HOUSEHOLD]
    changed[2][2] = "您还想说什么？"
    draft_id = uploaded(office, workbook(changed))
    page = office.get(f"/admin/questionnaires/drafts/{draft_id}").get_data(as_text=True)
    assert 'data-outcome="version"' in page and 'data-existing="household"' in page and 'data-next="2"' in page
    assert 'data-change="changed" data-question="remark"' in page and 'data-responses="1"' in page
    assert publish(office, draft_id).status_code == 303
    db.session.rollback()
    versions = db.session.scalars(select(QuestionnaireVersion.version).where(QuestionnaireVersion.questionnaire_id == "household"))
    assert sorted(versions) == [1, 2] and db.session.get(Questionnaire, "household").current_version == 2
    assert "您还想说什么？" in (folder / "household.yaml").read_text(encoding="utf-8")
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1  # the v1 response stays


def test_publishing_twice_publishes_once(office, db):
    draft_id = uploaded(office)
    page_url = f"/admin/questionnaires/drafts/{draft_id}"
    page = office.get(page_url).get_data(as_text=True)
    form = re.search(r'action="[^"]+/publish".*?</form>', page, re.S).group(0)
    data = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form))
    first = office.post(f"{page_url}/publish", data=data)
    second = office.post(f"{page_url}/publish", data=data)  # the double click: the same form again
    assert first.status_code == 303 and second.status_code == 303
    assert second.headers["Location"].endswith(page_url)
    assert "已经处理过" in office.get(page_url).get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(QuestionnaireVersion)
                             .where(QuestionnaireVersion.questionnaire_id == "household")) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "questionnaire.draft_publish")) == 1


def test_a_comparison_made_stale_by_another_version_is_refused(office, db, folder):
    first, second = uploaded(office), uploaded(office, workbook(title="家庭情况（二）"))
    page_of_second = office.get(f"/admin/questionnaires/drafts/{second}").get_data(as_text=True)
    assert publish(office, first).status_code == 303
    form = re.search(r'action="[^"]+/publish".*?</form>', page_of_second, re.S).group(0)
    data = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form))
    assert data["against"] == "0"  # looked at when household did not exist yet
    reply = office.post(f"/admin/questionnaires/drafts/{second}/publish", data=data)
    assert reply.status_code == 409 and "当前版本已经变了" in reply.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(QuestionnaireDraft, second).state == "draft"
    assert db.session.get(Questionnaire, "household").current_version == 1


def test_a_draft_equal_to_the_current_version_publishes_nothing(office, db, folder):
    publish(office, uploaded(office))
    before = (folder / "household.yaml").stat().st_mtime_ns
    again = uploaded(office)
    page = office.get(f"/admin/questionnaires/drafts/{again}").get_data(as_text=True)
    assert "data-no-change" in page and 'data-action="publish"' not in page
    reply = office.post(f"/admin/questionnaires/drafts/{again}/publish",
                        data={"csrf_token": csrf_in(page), "against": "1"})
    assert reply.status_code == 409 and "完全相同" in reply.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(QuestionnaireDraft, again).state == "draft"
    assert db.session.scalar(select(func.count()).select_from(QuestionnaireVersion)
                             .where(QuestionnaireVersion.questionnaire_id == "household")) == 1
    assert (folder / "household.yaml").stat().st_mtime_ns == before


def test_a_folder_that_cannot_be_written_keeps_the_draft(office, app, db, tmp_path):
    draft_id = uploaded(office)
    app.config["QUESTIONNAIRE_DIR"] = str(tmp_path / "missing")
    reply = publish(office, draft_id)
    assert reply.status_code == 503 and "无法写入问卷文件" in reply.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(QuestionnaireDraft, draft_id).state == "draft"
    assert db.session.get(Questionnaire, "household") is None


def test_discarding_leaves_nothing_to_publish(office, db, folder):
    draft_id = uploaded(office)
    reply = post_form(office, f"/admin/questionnaires/drafts/{draft_id}", f"/admin/questionnaires/drafts/{draft_id}/discard")
    assert reply.status_code == 303
    db.session.rollback()
    assert db.session.get(QuestionnaireDraft, draft_id).state == "discarded"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "questionnaire.draft_discard")) is not None
    assert f'data-draft="{draft_id}"' not in office.get(LISTING).get_data(as_text=True)
    page = office.get(f"/admin/questionnaires/drafts/{draft_id}").get_data(as_text=True)
    assert 'data-state="discarded"' in page and 'data-action="publish"' not in page
    reply = office.post(f"/admin/questionnaires/drafts/{draft_id}/publish", data={"csrf_token": csrf_in(page), "against": "0"})
    assert reply.status_code == 303 and not (folder / "household.yaml").exists()


def test_only_the_office_reaches_the_drafts(office, app, db):
    draft_id = uploaded(office)
    base = f"/admin/questionnaires/drafts/{draft_id}"
    for username in ("county-pj", "team-pj", "sw-pj1"):
        other = logged_in(app.test_client(), username)
        token = csrf_in(other.get("/").get_data(as_text=True))
        for method, url in (("GET", base), ("GET", f"{base}/preview"), ("POST", f"{base}/preview"),
                            ("POST", f"{base}/publish"), ("POST", f"{base}/discard"), ("POST", "/admin/questionnaires/drafts")):
            reply = other.get(url) if method == "GET" else other.post(url, data={"csrf_token": token})
            assert reply.status_code == 403, (username, method, url, reply.status_code)
    db.session.rollback()
    assert db.session.get(QuestionnaireDraft, draft_id).state == "draft"


@pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)
def test_two_tabs_publishing_at_once_publish_once(office, app, db, folder):
    """Two requests in flight together (PostgreSQL: the second waits on the draft's row, then
    finds it decided)."""
    import threading

    draft_id = uploaded(office)
    tabs = [office, logged_in(app.test_client(), "admin")]
    forms = []
    for tab in tabs:
        page = tab.get(f"/admin/questionnaires/drafts/{draft_id}").get_data(as_text=True)
        form = re.search(r'action="[^"]+/publish".*?</form>', page, re.S).group(0)
        forms.append(dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form)))
    start, replies = threading.Barrier(2), [None, None]

    def click(i: int) -> None:
        start.wait()
        replies[i] = tabs[i].post(f"/admin/questionnaires/drafts/{draft_id}/publish", data=forms[i])

    threads = [threading.Thread(target=click, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    targets = sorted(r.headers["Location"].rsplit("/admin/questionnaires/", 1)[1] for r in replies)
    assert [r.status_code for r in replies] == [303, 303] and targets == [f"drafts/{draft_id}", "household"], targets
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(QuestionnaireVersion)
                             .where(QuestionnaireVersion.questionnaire_id == "household")) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "questionnaire.draft_publish")) == 1
