"""Screenshots of the tablet's follow-up list and respondent-code warning (issue 12) at 800x1280
(an upright tablet) into docs/screenshots/, on a fresh demo database.

    .venv/bin/python scripts/screenshots_followup.py

collect-followup-portrait.png: the set-up at the follow-up (后测) with a village chosen, its
baseline respondents as buttons.  collect-code-warning-portrait.png: one already followed up
tapped, and the warning that asks before the code is used again."""
from __future__ import annotations

from demo_server import OUT, demo, logged_in


def main() -> None:
    with demo() as (base, browser):
        page = logged_in(browser, base, "sw-pj1", 800, 1280, has_touch=True)
        page.goto(f"{base}/collect/awareness")
        page.wait_for_selector("#collect[data-ready]")
        # Playwright does not await a predicate's promise: poll the last read's result
        page.wait_for_function("() => { SanquSync.followups('awareness').then(l => { window.__l = l; }); return !!window.__l; }",
                               polling=200, timeout=20000)
        page.select_option("select[name=site]", index=1)
        page.locator("label.choice:has(input[name=wave][value=post])").click()
        page.wait_for_selector("[data-followup-code]")
        # the village and the wave chosen above, the list, the code boxes below
        page.evaluate("() => document.querySelector('[data-field=site]').scrollIntoView({block: 'start'})")
        page.screenshot(path=OUT / "collect-followup-portrait.png")
        page.locator("[data-followup-code][data-followup-status=followed]").first.click()
        page.wait_for_selector("[data-code-warning]:not([hidden])")
        page.screenshot(path=OUT / "collect-code-warning-portrait.png")
    print("docs/screenshots/collect-followup-portrait.png\ndocs/screenshots/collect-code-warning-portrait.png")


if __name__ == "__main__":
    main()
