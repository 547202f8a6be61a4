"""The audio studio in Chromium at 800x1280, with Chromium's fake microphone (a beep stands in
for a voice): record a prompt, listen back, upload, approve, see the coverage change; then the
tablet keeps the approved recording offline."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from survey_app.models import Recording

from .collecting import cut_network, log_in, set_up, visible_step, watch_requests

pytestmark = pytest.mark.browser
PORTRAIT = {"width": 800, "height": 1280}


@pytest.fixture
def fh_dialect(db, programme):
    from survey_app.audio import service
    from survey_app.auth.scope import Scope
    from survey_app.models import User

    county = db.session.scalar(select(User).where(User.username == "county-fh"))
    service.create_dialect(db.session, Scope.of(county), "fh-xx", "凤凰湘西话", "433123")
    db.session.commit()


def coverage_of(page: Any, base: str) -> str:
    page.goto(f"{base}/audio/coverage")
    return page.get_attribute("section.coverage[data-dialect=fh-xx][data-questionnaire=awareness]", "data-approved")


def test_record_listen_upload_approve(browser, server, db, fh_dialect):
    context = browser.new_context(viewport=PORTRAIT, locale="zh-CN")
    errors: list[str] = []
    context.on("weberror", lambda e: errors.append(str(e.error)))
    page = context.new_page()
    log_in(page, server.base, "team-fh")
    assert coverage_of(page, server.base) == "0"
    page.goto(f"{server.base}/audio/fh-xx/awareness")
    item = page.locator("li.prompt[data-key=greeting]")
    item.locator("[data-action=record]").click()
    page.wait_for_selector("li.prompt[data-key=greeting][data-recording]")
    page.wait_for_timeout(1500)
    item.locator("[data-action=stop]").click()
    page.wait_for_selector("li.prompt[data-key=greeting][data-recorded]")
    # listen back: the preview plays the take from the page's memory
    preview = item.locator("audio[data-role=preview]")
    assert preview.is_visible()
    take = preview.evaluate("a => new Promise(r => { a.onloadedmetadata = () => r(['ok', a.src.slice(0, 5)]);"
                            " a.onerror = () => r(['error', a.error && a.error.message]); a.load(); })")
    assert take == ["ok", "blob:"]  # the page's CSP lets the take play from memory
    item.locator("[data-action=upload]").click()
    page.wait_for_selector("li.prompt[data-key=greeting][data-state=draft]")
    assert page.url.endswith("#p-greeting")
    rec = db.session.scalar(select(Recording))
    assert rec is not None and rec.mime_type == "audio/webm" and 0 < rec.size <= 64 * 1024 and rec.duration_ms > 1000
    db.session.rollback()
    page.locator("li.prompt[data-key=greeting] [data-action=approve]").click()
    page.wait_for_selector("li.prompt[data-key=greeting][data-state=approved]")
    assert coverage_of(page, server.base) == "1"
    assert not errors, errors
    context.close()


def test_the_tablet_plays_an_approved_recording_offline(browser, server, db, fh_dialect):
    from survey_app.audio import service
    from survey_app.auth.scope import Scope
    from survey_app.demo.studio import BEEP
    from survey_app.models import Dialect, User

    admin = Scope.of(db.session.scalar(select(User).where(User.username == "admin")))
    dialect = db.session.scalar(select(Dialect))
    version = service.current_version(db.session, "awareness")
    for key in ("greeting", "consent:1"):
        service.approve(db.session, admin, service.save_draft(db.session, admin, dialect, version, key, BEEP.read_bytes(), "audio/webm"))
    db.session.commit()
    watch_requests(server)
    context = browser.new_context(viewport=PORTRAIT, locale="zh-CN")
    # what the page asks the media element to play (headless Chromium plays nothing aloud)
    context.add_init_script("HTMLMediaElement.prototype.play = function () {"
                            " (window.__played = window.__played || []).push(this.src); return Promise.resolve(); };")
    page = context.new_page()
    log_in(page, server.base, "sw-fh1")
    page.goto(f"{server.base}/collect/awareness")
    page.wait_for_selector("#collect[data-ready]")
    given = page.evaluate("() => JSON.parse(document.getElementById('recordings').textContent)")
    url = given["dialects"]["fh-xx"]["prompts"]["greeting"]
    page.wait_for_function("() => navigator.serviceWorker.controller !== null || (location.reload(), false)", polling=1000, timeout=20000)
    page.wait_for_function("u => { caches.match(u).then(r => { window.__kept = !!r; }); return window.__kept === true; }",
                           arg=url, polling=200, timeout=20000)
    cut_network(context, server)
    got = page.evaluate("u => fetch(u).then(r => r.arrayBuffer().then(b => [r.status, r.headers.get('content-type'), b.byteLength]))", url)
    assert got == [200, "audio/webm", len(BEEP.read_bytes())]
    # offline still: the collector chooses the dialect, starts, and taps the consent's speaker
    page.select_option("select#dialect", "fh-xx")
    set_up(page, "FH-0001")
    visible_step(page).locator("[data-action=speak]").first.click()
    page.wait_for_function("() => (window.__played || []).length > 0")
    played = page.evaluate("() => window.__played")
    assert played[0].endswith(given["dialects"]["fh-xx"]["prompts"]["consent:1"]), played
    context.close()
