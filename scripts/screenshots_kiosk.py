"""Screenshots of kiosk mode (issue 13) at 800x1280, an upright tablet, into docs/screenshots/,
on a fresh demo database (scripts/demo_server.py).

    .venv/bin/python scripts/screenshots_kiosk.py

kiosk-setup.png: the social worker's set-up with a village, the wave, the dialect and a queue
of two codes.  kiosk-greeting.png, kiosk-consent.png, kiosk-question.png (one question a
screen), kiosk-likert.png (an agreement statement), kiosk-error.png (a required question left
unanswered), kiosk-thanks.png: what the villager sees.  kiosk-pin.png: the PIN screen the
social worker opens with the lock; kiosk-handback.png: when the queue is done."""
from __future__ import annotations

from demo_server import OUT, demo, logged_in

NAMES = ("setup", "greeting", "consent", "question", "likert", "error", "thanks", "pin", "handback")


def wait_screen(page, *names: str) -> None:
    page.wait_for_function("names => names.includes(document.getElementById('collect').dataset.screen)", arg=list(names))


def answer(page) -> None:
    """Answer the one question shown with its first choice (or a number, a date)."""
    box = page.locator(".step:not([hidden]) .question:not([hidden])").first
    kind = box.get_attribute("data-type")
    if kind in ("single", "likert", "multi"):
        box.locator("label.choice").first.click()
    elif kind == "number":
        box.locator("input").fill("1")
    elif kind == "date":
        box.locator("input").fill("2026-05-01")


def next_screen(page) -> None:
    before = page.get_attribute("#collect", "data-screen")
    page.click("[data-action=next]")
    page.wait_for_function("b => document.getElementById('collect').dataset.screen !== b", arg=before)


def main() -> None:
    with demo(responses=200) as (base, browser):
        page = logged_in(browser, base, "sw-pj1", 800, 1280, has_touch=True)
        page.on("dialog", lambda d: d.accept())
        page.goto(f"{base}/collect/awareness")
        page.wait_for_selector("#collect[data-ready]")
        page.select_option("select[name=site]", index=1)
        page.locator("label.choice:has(input[name=wave][value=pre])").click()
        for _ in range(2):
            page.click("[data-action=generate-code]")
            page.wait_for_function("() => document.querySelector('input[name=respondent_code]').value !== ''")
            page.click("[data-action=queue-add]")
            page.wait_for_function("() => document.querySelector('input[name=respondent_code]').value === ''")
        page.fill("#kiosk-pin", "2468")
        page.evaluate("() => document.querySelector('.kiosk-setup').scrollIntoView({block: 'end'})")
        page.screenshot(path=OUT / "kiosk-setup.png")
        page.click("#kiosk-start")
        wait_screen(page, "greeting")
        page.screenshot(path=OUT / "kiosk-greeting.png")
        page.click("[data-action=greet]")
        wait_screen(page, "consent")
        page.screenshot(path=OUT / "kiosk-consent.png")
        page.locator("label.choice:has(input[name=consent][value=agree])").click()
        next_screen(page)
        page.screenshot(path=OUT / "kiosk-question.png")
        page.click("[data-action=next]")
        page.wait_for_selector(".step:not([hidden]) [data-errors-for]:not([hidden])")
        page.screenshot(path=OUT / "kiosk-error.png")
        while not page.locator(".step:not([hidden]) .question[data-type=likert]:not([hidden])").count():
            answer(page)
            next_screen(page)
        page.screenshot(path=OUT / "kiosk-likert.png")
        page.click("#kiosk-exit")
        page.wait_for_selector("#pin-screen:not([hidden])")
        for digit in "24":
            page.click(f"#pin-screen [data-key='{digit}']")
        page.screenshot(path=OUT / "kiosk-pin.png")
        page.click("[data-action=pin-cancel]")
        for _ in range(80):
            answer(page)
            if page.locator("[data-action=submit]:visible").count():
                break
            next_screen(page)
        page.click("[data-action=submit]")
        page.wait_for_selector("#status[data-status]:not([hidden])")
        page.screenshot(path=OUT / "kiosk-thanks.png")
        # the second villager walks away at once: the queue is done
        page.click("[data-action=thanks-done]")
        wait_screen(page, "greeting")
        page.click("[data-action=greet]")
        page.locator("label.choice:has(input[name=consent][value=decline])").click()
        page.click("[data-action=next]")
        page.wait_for_selector("#status[data-status]:not([hidden])")
        page.click("[data-action=thanks-done]")
        page.wait_for_selector("#pin-screen[data-mode=handback]:not([hidden])")
        page.screenshot(path=OUT / "kiosk-handback.png")
    print("\n".join(f"docs/screenshots/kiosk-{n}.png" for n in NAMES))


if __name__ == "__main__":
    main()
