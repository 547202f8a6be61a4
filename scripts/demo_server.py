"""The demo served on a loopback port with a headless Chromium beside it, for the screenshot
scripts: a fresh SQLite database with the demo programme and responses, nothing kept after."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PASSWORD = "sanqu-demo-2026"  # noqa: S105 - the demo's published password (README)


@contextmanager
def demo(responses: int = 2000) -> Iterator[tuple[str, Any]]:
    """(base URL, Playwright browser) on a fresh demo database of ``responses`` responses."""
    tmp = Path(tempfile.mkdtemp(prefix="sanqu-shots-"))
    env = {**os.environ, "SANQU_INSTANCE": str(tmp), "DATABASE_URL": f"sqlite:///{tmp / 'shots.db'}", "SECRET_KEY": "screenshots"}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for args in (["db", "upgrade"], ["questionnaires", "load"], ["seed-demo", "--responses", str(responses)]):
        subprocess.run(flask + args, cwd=ROOT, env=env, check=True, capture_output=True)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from survey_app import create_app

    server = make_server("127.0.0.1", 0, create_app(), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            try:
                yield f"http://127.0.0.1:{server.server_port}", browser
            finally:
                browser.close()
    finally:
        server.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)


def logged_in(browser: Any, base: str, username: str, width: int, height: int, **options: Any) -> Any:
    """A new page of its own profile, logged in as ``username``."""
    page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN", **options)
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    return page
