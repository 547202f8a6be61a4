"""Screenshots of the audio studio (issue 13) at 800x1280 (an upright tablet) into
docs/screenshots/, on a fresh demo database (凤凰湘西话 with a few approved recordings).

    .venv/bin/python scripts/screenshots_studio.py

studio-index-portrait.png: the studio's start as 凤凰县's bureau sees it.  studio-page-portrait.png:
the awareness survey's prompts, approved ones and a take waiting for approval.
studio-recording-portrait.png: the next prompts, not recorded yet, each with its record button
(opened at a coverage link's anchor).
studio-coverage-portrait.png: the coverage page with the missing prompts opened."""
from __future__ import annotations

import sys

from demo_server import OUT, ROOT, demo, logged_in


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from survey_app.demo.studio import BEEP, RECORDED

    with demo(responses=200) as (base, browser):
        page = logged_in(browser, base, "county-fh", 800, 1280, has_touch=True)
        page.goto(f"{base}/audio/")
        page.screenshot(path=OUT / "studio-index-portrait.png")
        page.goto(f"{base}/audio/fh-xx/awareness")
        key = page.locator("li.prompt").nth(RECORDED).get_attribute("data-key")
        csrf = page.get_attribute("#studio", "data-csrf")
        reply = page.request.post(f"{base}/audio/fh-xx/awareness/recordings", headers={"X-CSRFToken": csrf}, multipart={
            "key": key, "csrf_token": csrf, "audio": {"name": "prompt.webm", "mimeType": "audio/webm", "buffer": BEEP.read_bytes()}})
        assert reply.status == 201, reply.text()
        page.goto(f"{base}/audio/fh-xx/awareness")
        page.screenshot(path=OUT / "studio-page-portrait.png")
        page.goto(f"{base}/audio/fh-xx/awareness#" + page.locator("li.prompt").nth(RECORDED + 1).get_attribute("id"))
        page.wait_for_timeout(300)
        page.screenshot(path=OUT / "studio-recording-portrait.png")
        page.goto(f"{base}/audio/coverage")
        page.locator("section.coverage[data-questionnaire=awareness] details").evaluate("d => d.open = true")
        page.locator("section.coverage[data-questionnaire=awareness]").scroll_into_view_if_needed()
        page.screenshot(path=OUT / "studio-coverage-portrait.png")
    for name in ("index", "page", "recording", "coverage"):
        print(f"docs/screenshots/studio-{name}-portrait.png")


if __name__ == "__main__":
    main()
