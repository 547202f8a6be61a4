"""Kiosk mode as a handover (issue 13), in real headless Chromium on an upright tablet
(800x1280, touch): the social worker sets up the village, the wave and a queue of respondent
codes, and hands the tablet over; the villager sees only the greeting, the consent, one
question a screen and the thank-you; back, reload and idle time stay inside the interview, and
only the PIN leads back to the staff's pages."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from survey_app.audio.prompts import DEFAULT_GREETING, DEFAULT_THANKS
from survey_app.models import Refusal, Response, Site

from .collecting import (
    answer_screen,
    choose_place,
    enter_pin,
    finish,
    go_next,
    hand_over,
    log_in,
    open_form,
    screen,
    villager_begins,
    wait_screen,
    wait_synced,
)

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)]

STAFF_WORDS = ("受访者编码", "再输一次编码", "开始访问", "访问员", "由访问员记录", "请先询问", "下一位受访者", "导出待上传数据")


@pytest.fixture
def tablet(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 800, "height": 1280}, locale="zh-CN", has_touch=True)
    errors: list[str] = []
    context.on("weberror", lambda e: errors.append(str(e.error)))
    page = context.new_page()
    page.on("dialog", lambda d: d.accept())  # "leave this page?" (beforeunload): a reload is meant
    yield page
    context.close()
    assert not errors, errors


def villager_sees_nothing_of_the_staff(page: Any) -> None:
    text = page.inner_text("body")
    for words in STAFF_WORDS:
        assert words not in text, (words, screen(page))
    for selector in ("input[name=respondent_code]", "input[name=respondent_code_confirm]", "header.top", "select[name=county]",
                     "select[name=site]", "#sync-indicator", "#export-queue", "[data-audience=interviewer]", "#next-respondent"):
        found = page.locator(selector)
        assert found.count() == 0 or not found.first.is_visible(), selector
    assert page.locator("a:visible").count() == 0  # no way to a staff page


def visible_questions(page: Any) -> list[str]:
    return page.eval_on_selector_all(".step:not([hidden]) .question:not([hidden])", "els => els.map(e => e.dataset.question)")


def stored(db: Any) -> list[Response]:
    db.session.rollback()  # a fresh snapshot: the server wrote meanwhile
    return db.session.scalars(select(Response)).all()


def test_a_villager_sees_only_the_villagers_screens_and_the_response_arrives(tablet, server, programme, loaded, db):
    page = tablet
    log_in(page, server.base)
    open_form(page, server.base)
    assert page.locator("select[name=dialect] option").first.inner_text() == "普通话（机器朗读）"
    hand_over(page, codes=("PJ-K001",))
    # the greeting, large, with its speaker
    assert screen(page) == "greeting"
    assert page.inner_text("[data-prompt=greeting]") == DEFAULT_GREETING.zh
    assert page.is_visible("[data-step=greeting] [data-action=speak]")
    villager_sees_nothing_of_the_staff(page)
    villager_begins(page)
    # consent: a message for the villager, gone as soon as they answer
    villager_sees_nothing_of_the_staff(page)
    page.click("[data-action=next]")
    assert page.inner_text("[data-errors-for=consent]") == "请选择您是否愿意参加"
    page.locator("label.choice:has(input[name=consent][value=agree])").click()
    assert not page.is_visible("[data-errors-for=consent]")
    go_next(page)
    # one question a screen; its interviewer hint is not there
    assert visible_questions(page) == ["age_band"]
    assert page.locator("[data-question=age_band] [data-audience=interviewer]").count() == 1
    villager_sees_nothing_of_the_staff(page)
    assert page.get_attribute(".progress", "role") == "progressbar"
    words = page.inner_text(".progress-words")
    assert words.startswith("第 2 页，共 ") and page.get_attribute(".progress", "aria-valuenow") == "2"
    assert page.get_attribute(".progress", "aria-valuetext") == words
    # the required message and its red frame go the moment the question is answered
    page.click("[data-action=next]")
    assert page.is_visible("[data-errors-for=age_band]")
    assert "has-error" in page.get_attribute("[data-question=age_band]", "class")
    page.locator("[data-question=age_band] label.choice").nth(1).click()
    assert not page.is_visible("[data-errors-for=age_band]")
    assert "has-error" not in page.get_attribute("[data-question=age_band]", "class")
    go_next(page)
    assert len(visible_questions(page)) == 1
    # a likert statement: one a screen too, its words on one line
    while not page.locator(".step:not([hidden]) .question[data-type=likert]:not([hidden])").count():
        answer_screen(page)
        go_next(page)
    villager_sees_nothing_of_the_staff(page)
    assert visible_questions(page) == ["aw1"]
    heights = page.eval_on_selector_all(".step:not([hidden]) .scale label.choice > span",
                                        "els => els.map(e => [e.getBoundingClientRect().height, parseFloat(getComputedStyle(e).lineHeight)])")
    assert heights and all(h <= 1.5 * line for h, line in heights), heights  # no word wrapped onto a second line
    finish(page)
    page.wait_for_selector("#status[data-status]:not([hidden])")
    assert screen(page) == "thanks"
    assert page.inner_text("[data-prompt=thanks]") == DEFAULT_THANKS.zh
    villager_sees_nothing_of_the_staff(page)
    # the queue is done: the tablet waits for the social worker
    page.click("[data-action=thanks-done]")
    page.wait_for_selector("#pin-screen[data-mode=handback]:not([hidden])")
    assert "交还给社工" in page.inner_text("#pin-screen")
    assert not page.is_visible("[data-action=pin-cancel]")
    wait_synced(page)
    rows = stored(db)
    assert len(rows) == 1
    r = rows[0]
    assert (r.respondent_code, r.wave, r.questionnaire_id) == ("PJ-K001", "pre", "awareness")
    assert db.session.get(Site, r.site_id).code == page.evaluate("JSON.parse(document.getElementById('sites').textContent)['430626'][0][0]")
    enter_pin(page, "2468")
    page.wait_for_selector("[data-step=setup]:not([hidden])")
    assert page.is_visible("header.top") and page.input_value("input[name=respondent_code]") == ""


def test_back_and_reload_stay_inside_the_interview(tablet, server, programme, loaded, db):
    page = tablet
    log_in(page, server.base)
    open_form(page, server.base)
    hand_over(page, codes=("PJ-K002",))
    villager_begins(page)
    answer_screen(page)
    go_next(page)
    page.locator("[data-question=age_band] label.choice").nth(2).click()
    go_next(page)
    assert screen(page) == "q:gender"
    uuid = page.get_attribute("#collect", "data-uuid")
    # back: one question back, the answer kept
    page.go_back()
    wait_screen(page, "q:age_band")
    assert page.locator("[data-question=age_band] input").nth(2).is_checked()
    page.go_back()
    wait_screen(page, "consent")
    # further back is the greeting, the set-up, the staff's pages: the tablet stays on the consent
    for _ in range(3):
        page.go_back()
        page.wait_for_function("() => document.readyState === 'complete'")
    assert page.url.endswith("/collect/awareness") and screen(page) == "consent"
    assert page.locator("body.kiosk").count() == 1 and page.get_attribute("#collect", "data-uuid") == uuid
    go_next(page)
    go_next(page)
    assert screen(page) == "q:gender"
    page.locator("[data-question=gender] label.choice").nth(0).click()
    # a reload (or a closed tab, or a flat battery) resumes the same screen of the same person
    page.reload()
    page.wait_for_selector("#collect[data-ready]")
    assert page.locator("body.kiosk").count() == 1
    assert screen(page) == "q:gender" and page.get_attribute("#collect", "data-uuid") == uuid
    assert page.locator("[data-question=gender] input").nth(0).is_checked()
    page.go_back()
    wait_screen(page, "q:age_band")
    assert page.locator("[data-question=age_band] input").nth(2).is_checked()
    villager_sees_nothing_of_the_staff(page)


def test_the_pin_is_needed_to_leave(tablet, server, programme, loaded, db):
    page = tablet
    log_in(page, server.base)
    open_form(page, server.base)
    hand_over(page, pin="1357", codes=("PJ-K003",))
    villager_begins(page)
    page.click("#kiosk-exit")
    enter_pin(page, "1111")
    page.wait_for_selector("#pin-error:not([hidden])")
    assert page.locator("body.kiosk").count() == 1 and page.input_value("#pin-input") == ""
    page.click("[data-action=pin-cancel]")  # back to where the villager was
    wait_screen(page, "consent")
    page.click("#kiosk-exit")
    page.go_back()  # the back button on the PIN screen leads nowhere
    page.wait_for_function("() => document.readyState === 'complete'")
    assert page.is_visible("#pin-screen")
    enter_pin(page, "1357")
    page.wait_for_selector("[data-step=setup]:not([hidden])")
    assert page.is_visible("header.top") and page.locator("body.kiosk").count() == 0
    # the unfinished interview is the social worker's to resume; its code waits in the queue no more
    page.wait_for_selector("#drafts [data-abandoned]")
    assert page.locator("[data-queued-code]").count() == 0


def test_a_queue_of_villagers_one_after_another(tablet, server, programme, loaded, db):
    page = tablet
    log_in(page, server.base)
    open_form(page, server.base)
    choose_place(page)
    page.click("[data-action=generate-code]")
    page.wait_for_function("() => document.querySelector('input[name=respondent_code]').value !== ''")
    generated = page.input_value("input[name=respondent_code]")
    assert generated == page.input_value("input[name=respondent_code_confirm]")
    import re

    assert re.fullmatch(r"K[0-9A-F]{8}-001", generated), generated
    page.click("[data-action=queue-add]")
    page.wait_for_selector(f"[data-queued-code='{generated}']")
    page.click("[data-action=generate-code]")
    page.wait_for_function("g => document.querySelector('input[name=respondent_code]').value.endsWith('-002')", arg=generated)
    second = page.input_value("input[name=respondent_code]")
    page.click("[data-action=queue-add]")
    page.wait_for_selector(f"[data-queued-code='{second}']")
    hand_over(page, codes=("PJ-K004",))
    queued = page.evaluate("SanquStore.meta('kiosk')")
    # the first villager declines
    villager_begins(page)
    page.locator("label.choice:has(input[name=consent][value=decline])").click()
    page.click("[data-action=next]")
    page.wait_for_selector("#status[data-status]:not([hidden])")
    assert page.inner_text("[data-prompt=thanks]") == DEFAULT_THANKS.zh
    page.click("[data-action=thanks-done]")
    # the next one's greeting, clean
    wait_screen(page, "greeting")
    villager_begins(page)
    assert page.evaluate("document.querySelectorAll('#collect input:checked:not([name=wave])').length") == 0
    answer_screen(page)
    finish(page)
    page.wait_for_selector("#status[data-status]:not([hidden])")
    page.click("[data-action=thanks-done]")
    wait_screen(page, "greeting")
    villager_begins(page)
    answer_screen(page)
    finish(page)
    page.wait_for_selector("#status[data-status]:not([hidden])")
    page.click("[data-action=thanks-done]")
    page.wait_for_selector("#pin-screen[data-mode=handback]:not([hidden])")
    wait_synced(page)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Refusal)) == 1
    codes = sorted(r.respondent_code for r in stored(db))
    assert [q["code"] for q in queued["queue"]] == [generated, second, "PJ-K004"]
    assert codes == sorted(["PJ-K004", second])


def test_idle_time_keeps_the_draft_for_the_social_worker(tablet, server, programme, loaded, db):
    page = tablet
    log_in(page, server.base)
    open_form(page, server.base, "satisfaction")
    hand_over(page, codes=("SAT-1", "SAT-2"))
    villager_begins(page)
    answer_screen(page)
    go_next(page)
    page.locator(".step:not([hidden]) .question:not([hidden]) label.choice").first.click()
    first = page.get_attribute("#collect", "data-uuid")
    page.evaluate("document.getElementById('collect').dataset.idleMs = '300'")  # not two minutes
    page.locator(".step:not([hidden]) .question:not([hidden]) label.choice").nth(1).click()  # a touch starts the clock
    wait_screen(page, "greeting")
    # the next villager starts clean, and nothing of the last one is shown
    assert page.evaluate("document.querySelectorAll('#collect input:checked:not([name=wave])').length") == 0
    villager_begins(page)
    assert page.get_attribute("#collect", "data-uuid") != first
    page.evaluate("document.getElementById('collect').dataset.idleMs = '600000'")
    page.click("#kiosk-exit")
    enter_pin(page, "2468")
    page.wait_for_selector("[data-step=setup]:not([hidden])")
    drafts = page.evaluate("SanquStore.all('drafts')")
    kept = next(d for d in drafts if d["uuid"] == first)
    assert kept["abandoned_in_kiosk"] is True and kept["setup"]["respondent_code"] == "SAT-1" and kept["answers"]
    page.click(f"[data-action=resume][data-uuid='{first}']")  # the social worker takes it over
    assert page.get_attribute("#collect", "data-uuid") == first
    assert stored(db) == []
