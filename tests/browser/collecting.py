"""Driving the collection page like a social worker does, for the browser tests."""
from __future__ import annotations

from typing import Any

PASSWORD = "sanqu-demo-2026"


def log_in(page: Any, base: str, username: str = "sw-pj1") -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def open_form(page: Any, base: str, qid: str = "awareness") -> None:
    page.goto(f"{base}/collect/{qid}")
    page.wait_for_selector("#collect[data-ready]")


def set_up(page: Any, code: str | None, site_index: int = 1, wave: str = "pre") -> None:
    page.select_option("select[name=site]", index=site_index)
    if page.locator("input[name=wave]").count():
        page.locator(f"label.choice:has(input[name=wave][value={wave}])").click()
    if code is not None:
        page.fill("input[name=respondent_code]", code)
        page.fill("input[name=respondent_code_confirm]", code)
    page.click("[data-action=start]")
    page.wait_for_selector("[data-step=setup][hidden]", state="attached")


def go_next(page: Any) -> None:
    before = visible_step(page).evaluate("e => Array.from(e.parentNode.children).indexOf(e)")
    page.click("[data-action=next]")
    page.wait_for_function(
        "before => { const s = document.querySelector('.step:not([hidden])');"
        " return !s || Array.from(s.parentNode.children).indexOf(s) !== before; }", arg=before)


def visible_step(page: Any) -> Any:
    return page.locator(".step:not([hidden])")


def answer_screen(page: Any, choice: int = 0) -> None:
    """Answer every visible question of the current screen with a valid value."""
    step = visible_step(page)
    boxes = step.locator(".question:not([hidden])")
    i = 0
    while i < boxes.count():  # counted again each time: an answer can reveal the next question
        box = boxes.nth(i)
        i += 1
        kind = box.get_attribute("data-type")
        if box.get_attribute("data-question") == "consent":
            box.locator("label.choice:has(input[value=agree])").click()
        elif kind in ("single", "likert"):
            labels = box.locator("label.choice")
            labels.nth(min(choice, labels.count() - 1)).click()
        elif kind == "multi":
            # The last option is often "none of these", which excludes the others.
            box.locator("label.choice").nth(0).click()
        elif kind == "number":
            low = box.locator("input").get_attribute("data-min")
            box.locator("input").fill(str(max(1, int(float(low))) if low else 1))
        elif kind == "date":
            box.locator("input").fill("2026-05-01")
        # text: left blank (optional in the shipped questionnaires)


def finish(page: Any, choice: int = 0) -> None:
    """Answer this screen and every one after it, then submit."""
    for _ in range(30):
        answer_screen(page, choice)
        if page.locator("[data-action=submit]:visible").count():
            page.click("[data-action=submit]")
            return
        go_next(page)
    raise AssertionError("no submit button after 30 screens")


def fill_and_submit(page: Any, code: str | None, choice: int = 0) -> None:
    """Set up, consent and answer every screen, then finish; waits for the result screen."""
    set_up(page, code)
    finish(page, choice)
    page.wait_for_selector("#status[data-status]:not([hidden])")


def pending(page: Any) -> int:
    return int(page.get_attribute("#sync-indicator", "data-pending-count"))


# ---- respondent codes and the follow-up list (issue 12) ------------------------------------

def choose_place(page: Any, site_index: int = 1, wave: str = "pre") -> None:
    """Choose the village and the wave of the set-up, as a finger does."""
    page.select_option("select[name=site]", index=site_index)
    if page.locator("input[name=wave]").count():
        page.locator(f"label.choice:has(input[name=wave][value={wave}])").click()


def type_code(page: Any, code: str) -> None:
    page.fill("input[name=respondent_code]", code)
    page.fill("input[name=respondent_code_confirm]", code)


def codes(page: Any) -> tuple[str, str]:
    return page.input_value("input[name=respondent_code]"), page.input_value("input[name=respondent_code_confirm]")


def started(page: Any) -> bool:
    """An interview is under way (the set-up gave way to the consent or the questions)."""
    return page.get_attribute("#collect", "data-uuid") is not None


def wait_controlled(page: Any, qid: str = "awareness") -> None:
    """Wait until the service worker controls the page and has cached the form."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null || (location.reload(), false)",
                           polling=1000, timeout=20000)
    page.wait_for_function(
        "async qid => { const c = await caches.open('sanqu-pages-v1'); return !!(await c.match('/collect/' + qid)); }",
        arg=qid, timeout=20000)


def wait_followups(page: Any, qid: str = "awareness", n: int | None = None) -> None:
    """Wait until the tablet keeps the follow-up list of the questionnaire (with n items)."""
    page.wait_for_function(
        "async ([qid, n]) => { const l = await SanquSync.followups(qid); return !!l && (n === null || l.items.length === n); }",
        arg=[qid, n], timeout=20000)


def wait_synced(page: Any, timeout: int = 60000) -> None:
    page.wait_for_function("() => document.querySelector('#sync-indicator').dataset.pendingCount === '0'", timeout=timeout)
