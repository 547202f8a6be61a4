"""Screenshots of the pages at tablet size (1280x800 landscape, 800x1280 portrait) into
docs/screenshots/, on a fresh demo database.  Run: .venv/bin/python scripts/screenshots.py"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
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
    tmp = Path(tempfile.mkdtemp(prefix="sanqu-shots-"))
    env = {**os.environ, "SANQU_INSTANCE": str(tmp), "DATABASE_URL": f"sqlite:///{tmp / 'shots.db'}", "SECRET_KEY": "screenshots"}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for args in (["db", "upgrade"], ["questionnaires", "load"], ["seed-demo", "--responses", "2000"]):
        subprocess.run(flask + args, cwd=ROOT, env=env, check=True, capture_output=True)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from werkzeug.serving import make_server

    from survey_app import create_app

    server = make_server("127.0.0.1", 0, create_app(), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        for name, (width, height) in SIZES.items():
            page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
            page.goto(f"{base}/login")
            page.screenshot(path=OUT / f"login-{name}.png")
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", "sanqu-demo-2026")
            page.click("input[type=submit]")
            page.wait_for_selector("[data-questionnaire]")
            page.screenshot(path=OUT / f"home-admin-{name}.png", full_page=True)
            page.goto(f"{base}/dashboard/awareness")
            page.wait_for_selector("[data-chart='2'] .main-svg")
            page.screenshot(path=OUT / f"dashboard-awareness-{name}.png", full_page=True)
            page.close()
            page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
            page.goto(f"{base}/login")
            page.fill("input[name=username]", "sw-pj1")
            page.fill("input[name=password]", "sanqu-demo-2026")
            page.click("input[type=submit]")
            page.goto(f"{base}/collect/awareness")
            shoot_collect(page, name)
            page.goto(f"{base}/collect/satisfaction")
            shoot_scale(page, name)
            page.close()
        browser.close()
    server.shutdown()
    shutil.rmtree(tmp, ignore_errors=True)
    print("\n".join(str(p.relative_to(ROOT)) for p in sorted(OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
