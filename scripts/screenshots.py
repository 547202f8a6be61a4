"""Screenshots of the pages at tablet size (1280x800 landscape, 800x1280 portrait) into
docs/screenshots/, on a fresh demo database.  Run: .venv/bin/python scripts/screenshots.py"""
from __future__ import annotations

from demo_server import OUT, ROOT, demo, logged_in

SIZES = {"landscape": (1280, 800), "portrait": (800, 1280)}


def shoot_collect(page, name: str) -> None:
    """The interviewer set-up filled in, then the first screens of the interview."""
    page.wait_for_selector("#collect[data-ready]")
    page.select_option("select[name=site]", index=1)
    page.locator("label.choice:has(input[name=wave][value=pre])").click()
    page.fill("input[name=respondent_code]", "PJ-0101")
    page.fill("input[name=respondent_code_confirm]", "PJ-0101")
    page.screenshot(path=OUT / f"collect-setup-{name}.png")
    page.click("[data-action=start]")
    page.wait_for_selector("[data-step=consent]:not([hidden])")
    page.screenshot(path=OUT / f"collect-consent-{name}.png")
    page.locator("label.choice:has(input[name=consent][value=agree])").click()
    page.click("[data-action=next]")
    page.wait_for_selector("[data-section=about_you]:not([hidden])")
    page.locator("[data-question=age_band] label.choice").nth(3).click()
    page.screenshot(path=OUT / f"collect-questions-{name}.png")
    page.click("[data-action=next]")
    page.wait_for_selector("[data-section=heard]:not([hidden])")
    page.click("[data-action=next]")  # not answered: the message shows
    page.wait_for_selector("[data-errors-for=heard_sw]:not([hidden])")
    page.screenshot(path=OUT / f"collect-errors-{name}.png")


def shoot_scale(page, name: str) -> None:
    """A satisfaction screen: likert answers as large buttons with faces."""
    page.wait_for_selector("#collect[data-ready]")
    page.select_option("select[name=site]", index=1)
    page.click("[data-action=start]")
    page.wait_for_selector("[data-step=consent]:not([hidden])")
    page.locator("label.choice:has(input[name=consent][value=agree])").click()
    page.click("[data-action=next]")
    page.locator(".step:not([hidden]) .question:not([hidden]) label.choice").first.click()
    page.click("[data-action=next]")
    page.locator(".step:not([hidden]) [data-type=likert] label.choice").nth(3).click()
    page.screenshot(path=OUT / f"collect-satisfaction-{name}.png")


def main() -> None:
    with demo() as (base, browser):
        for name, (width, height) in SIZES.items():
            page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
            page.goto(f"{base}/login")
            page.screenshot(path=OUT / f"login-{name}.png")
            page.close()
            page = logged_in(browser, base, "admin", width, height)
            page.wait_for_selector("[data-questionnaire]")
            page.screenshot(path=OUT / f"home-admin-{name}.png", full_page=True)
            page.goto(f"{base}/dashboard/awareness")
            page.wait_for_selector("[data-chart='2'] .main-svg")
            page.screenshot(path=OUT / f"dashboard-awareness-{name}.png", full_page=True)
            page.close()
            page = logged_in(browser, base, "sw-pj1", width, height)
            page.goto(f"{base}/collect/awareness")
            shoot_collect(page, name)
            page.goto(f"{base}/collect/satisfaction")
            shoot_scale(page, name)
            page.close()
    print("\n".join(str(p.relative_to(ROOT)) for p in sorted(OUT.glob("*.png"))))

if __name__ == "__main__":
    main()
