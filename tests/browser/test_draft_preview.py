"""The office tries an uploaded XLSForm in real Chromium (issue 19): the draft's page, the
tablet form in preview mode, the dry run's verdict, and nothing kept anywhere (the server's
tables, the tablet's IndexedDB queue, a service worker's cache)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from survey_app.config import ROOT
from survey_app.models import Answer, Questionnaire, QuestionnaireDraft, Refusal, Response
from tests.admin.xlsforms import HOUSEHOLD, workbook

from .collecting import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)]

SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def _stored(db) -> tuple[int, ...]:
    db.session.rollback()  # a fresh snapshot: the server wrote meanwhile
    return tuple(db.session.scalar(select(func.count()).select_from(t)) for t in (Response, Answer, Refusal))


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 800), (800, 1280)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{width}x{height}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def _tablet_store(page):
    """The uuids in the tablet's IndexedDB queue and the number of its kept drafts."""
    return page.evaluate("""() => new Promise(ok => { const r = indexedDB.open('sanqu');
        r.onsuccess = () => { const t = r.result.transaction(['queue', 'drafts']);
          const q = t.objectStore('queue').getAll(), d = t.objectStore('drafts').getAll();
          t.oncomplete = () => { ok([q.result.map(i => i.uuid).sort(), d.result.length]); r.result.close(); }; }; })""")


def _try(page, code):
    """Set up with this respondent code, answer 没找过 and submit in the preview."""
    page.fill("input[name=respondent_code]", code)
    page.fill("input[name=respondent_code_confirm]", code)
    page.click("[data-action=start]")
    page.locator("[data-question=helped] label.choice").nth(1).click()
    page.click("[data-action=submit]")


def _office_on_a_copy(app, context, server, tmp_path):
    """The office's browser page, logged in, publishing into a copy of the questionnaires folder."""
    folder = tmp_path / "questionnaires"
    shutil.copytree(ROOT / "questionnaires", folder)
    app.config["QUESTIONNAIRE_DIR"] = str(folder)
    page = context.new_page()
    log_in(page, server.base, "admin")
    return page, folder


def test_trying_a_draft_shows_the_verdict_and_keeps_nothing(app, context, server, programme, loaded, db, tmp_path):
    page, folder = _office_on_a_copy(app, context, server, tmp_path)

    page.goto(f"{server.base}/admin/questionnaires")
    # a workbook with what cannot be carried over: every problem listed, at the upload form
    page.set_input_files("input[name=workbook]", files=[{
        "name": "家庭情况.xlsx", "buffer": workbook([*HOUSEHOLD, ["begin_repeat", "kids", "孩子", "Kids", "", "", "", "", ""],
                                                   ["end_repeat", "", "", "", "", "", "", "", ""]]),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.click("[data-action=upload]")
    page.wait_for_selector("[data-problems]")
    assert page.locator("[data-problem]").first.inner_text().startswith("家庭情况.xlsx:survey!5: ")
    _shot(page, "draft-upload-problems")
    page.set_input_files("input[name=workbook]", files=[{
        "name": "家庭情况.xlsx", "buffer": workbook(),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.click("[data-action=upload]")
    page.wait_for_selector("[data-outcome=new]")
    assert "[helped] 是 “找过”" in page.inner_text("[data-question=times]")
    _shot(page, "draft")

    page.click("[data-action=preview]")
    page.wait_for_selector("#collect[data-ready]")
    assert page.is_visible("[data-preview-banner]") and "预览：试填的答案不会保存" in page.inner_text("[data-preview-banner]")
    assert page.is_hidden("#sync-indicator")
    _shot(page, "draft-preview-setup")

    page.select_option("select[name=county]", "430626")
    page.select_option("select[name=site]", index=1)
    page.locator("label.choice:has(input[name=wave][value=pre])").click()
    page.fill("input[name=respondent_code]", "PJ-TRY1")
    page.fill("input[name=respondent_code_confirm]", "PJ-TRY1")
    page.click("[data-action=start]")
    page.wait_for_selector("[data-question=helped]:visible")
    page.locator("[data-question=helped] label.choice").nth(0).click()  # 找过: the number is asked
    page.fill("input[name=times]", "0")
    page.click("[data-action=submit]")
    # the tablet's own verdict first, from the same rules: the constraint's message
    page.wait_for_selector("[data-errors-for=times]:not([hidden])")
    assert "至少是1次" in page.inner_text("[data-errors-for=times]")
    _shot(page, "draft-preview-question")
    page.fill("input[name=times]", "3")
    page.fill("[name=remark]", "试一试")
    page.click("[data-action=submit]")
    page.wait_for_selector("#status[data-status=preview]:not([hidden])")
    assert page.get_attribute("#status", "data-verdict") == "accepted"
    assert "会被接受" in page.inner_text("#status h2")
    assert page.inner_text("#status [data-answer=helped]").split("\t")[1:2] == ["找过"]
    assert page.locator("#status [data-answer]").count() == 3
    _shot(page, "draft-preview-verdict")

    # nothing kept: no response on the server, no IndexedDB, no service worker, no cache
    assert _stored(db) == (0, 0, 0)
    kept = page.evaluate("""async () => ({
        databases: (await indexedDB.databases()).map(d => d.name),
        workers: (await navigator.serviceWorker.getRegistrations()).length,
        caches: await caches.keys(),
    })""")
    assert kept == {"databases": [], "workers": 0, "caches": []}, kept
    # the draft is still a draft, and no tablet is offered it
    assert db.session.get(QuestionnaireDraft, 1).state == "draft" and db.session.get(Questionnaire, "household") is None

    page.click("#next-respondent")  # 再试一次: the set-up again, clean
    page.wait_for_selector("[data-step=setup]:visible")
    assert page.input_value("input[name=respondent_code]") == ""

    # published, then a changed workbook: the page says it is the next version, and what changes
    page.click("[data-preview-banner] a")
    page.click("[data-action=publish]")
    page.wait_for_url("**/admin/questionnaires/household")
    assert (folder / "household.yaml").exists()
    page.goto(f"{server.base}/admin/questionnaires")
    changed = [list(row) for row in HOUSEHOLD]
    changed[2][2] = "您还想说什么？"
    page.set_input_files("input[name=workbook]", files=[{"name": "家庭情况-2.xlsx", "buffer": workbook(changed),
                                                          "mimeType": "application/octet-stream"}])
    page.click("[data-action=upload]")
    page.wait_for_selector("[data-outcome=version] [data-next='2']")
    assert page.locator("[data-change=changed][data-question=remark]").count() == 1
    page.click("[data-yaml] summary")
    _shot(page, "draft-next-version")


def test_the_preview_does_not_touch_a_tablets_queue(app, context, server, programme, loaded, db, tmp_path):
    """On a tablet that collects too, what waits in its queue stays as it was."""
    from .collecting import fill_and_submit, open_form, pending

    page, _folder = _office_on_a_copy(app, context, server, tmp_path)
    page.goto(f"{server.base}/admin/questionnaires")
    page.set_input_files("input[name=workbook]", files=[{"name": "h.xlsx", "buffer": workbook(), "mimeType": "application/octet-stream"}])
    page.click("[data-action=upload]")
    page.wait_for_selector("[data-outcome=new]")
    draft_url = page.url.split("#")[0]  # the upload form answers at #xlsform; the redirect keeps the fragment
    # the office's account fills a trial on the real form: kept on the device, never uploaded
    open_form(page, server.base)
    fill_and_submit(page, "PJ-Q1")
    queued = _tablet_store(page)
    assert len(queued[0]) == 1 and pending(page) == 1

    page.goto(f"{draft_url}/preview")
    page.wait_for_selector("#collect[data-ready]")
    page.select_option("select[name=county]", "430626")
    page.locator("label.choice:has(input[name=wave][value=pre])").click()
    _try(page, "PJ-TRY2")
    page.wait_for_selector("#status[data-status=preview]:not([hidden])")
    after = _tablet_store(page)
    assert after == queued
    assert _stored(db) == (0, 0, 0)

    # a page left open past its CSRF token's hour: told so, not "would be refused"
    page.click("#next-respondent")
    page.evaluate("() => { document.querySelector('#collect [name=csrf_token]').value = 'expired'; }")
    _try(page, "PJ-TRY3")
    page.wait_for_selector("#status[data-verdict=failed]:not([hidden])")
    assert "过期" in page.inner_text("#status h2")
