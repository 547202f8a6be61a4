"""Screenshots of the tablet's follow-up list and respondent-code warning (issue 12) at 800x1280
(an upright tablet) into docs/screenshots/, on a fresh demo database.

    .venv/bin/python scripts/screenshots_followup.py

collect-followup-portrait.png: the set-up at the follow-up (后测) with a village chosen, its
baseline respondents as buttons.  collect-code-warning-portrait.png: one already followed up
tapped, and the warning that asks before the code is used again."""
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
        page = browser.new_page(viewport={"width": 800, "height": 1280}, locale="zh-CN", has_touch=True)
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "sw-pj1")
        page.fill("input[name=password]", "sanqu-demo-2026")
        page.click("input[type=submit]")
        page.goto(f"{base}/collect/awareness")
        page.wait_for_selector("#collect[data-ready]")
        page.wait_for_function("async () => !!(await SanquSync.followups('awareness'))", timeout=20000)
        page.select_option("select[name=site]", index=1)
        page.locator("label.choice:has(input[name=wave][value=post])").click()
        page.wait_for_selector("[data-followup-code]")
        # the village and the wave chosen above, the list, the code boxes below
        page.evaluate("() => document.querySelector('[data-field=site]').scrollIntoView({block: 'start'})")
        page.screenshot(path=OUT / "collect-followup-portrait.png")
        page.screenshot(path=tmp / "collect-followup-full.png", full_page=True)
        followed = page.locator("[data-followup-code][data-followup-status=followed]").first
        followed.click()
        page.wait_for_selector("[data-code-warning]:not([hidden])")
        page.screenshot(path=OUT / "collect-code-warning-portrait.png")
        shutil.copy(tmp / "collect-followup-full.png", Path(tempfile.gettempdir()) / "collect-followup-full.png")
        browser.close()
    server.shutdown()
    shutil.rmtree(tmp, ignore_errors=True)
    print("docs/screenshots/collect-followup-portrait.png\ndocs/screenshots/collect-code-warning-portrait.png")


if __name__ == "__main__":
    main()
