"""Collecting on a tablet in real headless Chromium: online, offline, sync failures, drafts,
kiosk mode and consent (issue 3)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey_app.models import County, Refusal, Response

from .collecting import PASSWORD, fill_and_submit, finish, log_in, open_form, pending, sent_json

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)]


def rows(db, model=Response):
    db.session.rollback()  # a fresh snapshot: the server wrote meanwhile
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_response_filled_online_arrives_once(context, server, programme, loaded, db):
    page = context.new_page()
    log_in(page, server.base)
    open_form(page, server.base)
    fill_and_submit(page, "pj-0101")
    page.wait_for_selector("#status[data-status=saved]")
    assert pending(page) == 0
    stored = db.session.scalars(select(Response)).all()
    assert len(stored) == 1
    r = stored[0]
    assert (r.questionnaire_id, r.wave, r.respondent_code, r.source) == ("awareness", "pre", "PJ-0101", "api")
    assert db.session.get(County, r.county_id).code == "430626"
    assert r.site_id is not None and r.device_id is not None and r.version_id is not None
    assert r.started_at < r.completed_at


def controlled(page) -> None:
    """Wait until the service worker controls the page and has cached what it needs."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null || (location.reload(), false)", polling=1000, timeout=20000)
    page.wait_for_function("() => caches.has('sanqu-pages-v1').then(() => true)")
    page.wait_for_function(
        "async () => { const c = await caches.open('sanqu-pages-v1'); return !!(await c.match('/collect/awareness')); }"
    )


def go_offline(context, server) -> None:
    server.stop()               # nothing answers on the server's port
    context.set_offline(True)   # and the browser knows it has no network


def go_online(context, server) -> None:
    server.start()
    context.set_offline(False)


def fill_offline(page, context, server, prefix: str, n: int) -> None:
    """Open the form online, let the service worker take it, cut the network, reload, and
    fill n responses in interviewer mode: all queued on the device."""
    log_in(page, server.base)
    open_form(page, server.base)
    controlled(page)
    go_offline(context, server)
    page.reload()
    page.wait_for_selector("#collect[data-ready]")
    for i in range(n):
        fill_and_submit(page, f"{prefix}{i:03d}", choice=i % 3)
        assert page.get_attribute("#status", "data-status") == "queued"
        page.click("#next-respondent")


def test_twenty_responses_offline_survive_a_closed_page_and_sync_once(context, server, programme, loaded, db):
    page = context.new_page()
    fill_offline(page, context, server, "PJ-OFF", 20)
    assert pending(page) == 20
    page.close()

    again = context.new_page()  # the same tablet (browser profile), the form opened afresh
    open_form(again, server.base)
    assert pending(again) == 20
    assert rows(db) == 0
    go_online(context, server)
    again.wait_for_function("() => document.querySelector('#sync-indicator').dataset.pendingCount === '0'", timeout=60000)
    assert rows(db) == 20
    codes = {c for (c,) in db.session.execute(select(Response.respondent_code))}
    assert codes == {f"PJ-OFF{i:03d}" for i in range(20)}


def test_a_failing_server_and_a_lost_reply_lose_nothing_and_store_nothing_twice(context, server, programme, loaded, db):
    page = context.new_page()
    log_in(page, server.base)
    seen: list[str] = []

    def flaky(route):
        seen.append(sent_json(route.request)["uuid"])
        if len(seen) == 2:
            route.fulfill(status=500, body="Internal Server Error")  # the server fails halfway
        elif len(seen) == 3:
            route.fetch()                      # the server stores it...
            route.abort("connectionreset")     # ...and the reply never reaches the tablet
        else:
            route.continue_()

    page.route("**/api/v1/submissions", flaky)
    # one by one, as a server without batches is sent to: two interviews queued before a sync
    # (a slow machine) would otherwise go as one batch (tests/browser/test_batch_sync.py)
    page.route("**/api/v1/submissions/batch", lambda route: route.fulfill(status=404, body="Not Found"))
    open_form(page, server.base)
    for i in range(3):
        fill_and_submit(page, f"PJ-FLK{i}")
        page.click("#next-respondent")
    page.wait_for_function("() => document.querySelector('#sync-indicator').dataset.pendingCount === '0'", timeout=60000)
    assert rows(db) == 3
    assert len(seen) == 5 and len(set(seen)) == 3  # two retries, each of a uuid already tried
    sent = page.evaluate("SanquStore.all('sent')")
    assert sorted(s["status"] for s in sent) == ["created", "created", "duplicate"]


def test_a_draft_survives_a_reload(context, server, programme, loaded, db):
    from .collecting import answer_screen, go_next, set_up, visible_step

    page = context.new_page()
    log_in(page, server.base)
    open_form(page, server.base)
    set_up(page, "PJ-0202")
    answer_screen(page)  # consent
    go_next(page)
    page.locator("[data-question=age_band] label.choice").nth(2).click()
    page.locator("[data-question=household] label.choice").nth(0).click()
    uuid = page.get_attribute("#collect", "data-uuid")
    page.reload()  # or a closed tab, or a flat battery
    page.wait_for_selector("#collect[data-ready]")
    page.click(f"[data-action=resume][data-uuid='{uuid}']")
    assert page.get_attribute("#collect", "data-uuid") == uuid
    assert visible_step(page).get_attribute("data-section") == "about_you"
    assert page.locator("[data-question=age_band] input").nth(2).is_checked()
    assert page.locator("[data-question=household] input").nth(0).is_checked()
    assert page.input_value("input[name=respondent_code]") == "PJ-0202"
    assert rows(db) == 0


def test_kiosk_mode_resets_and_shows_nothing_of_the_last_person(context, server, programme, loaded, db):
    from .collecting import answer_screen, enter_pin, go_next, hand_over, villager_begins, wait_screen

    page = context.new_page()
    page.on("dialog", lambda d: d.accept())
    log_in(page, server.base)
    open_form(page, server.base, "satisfaction")
    hand_over(page, "2468")  # no codes queued: one villager after another until the PIN
    assert not page.is_visible("header.top") and not page.is_visible("select[name=county]")
    villager_begins(page)
    for _ in range(30):
        answer_screen(page, choice=4)
        if page.locator("[data-action=submit]:visible").count():
            break
        go_next(page)
    page.fill("[data-question=comments] textarea", "社工很好，希望多来村里。")
    page.click("[data-action=submit]")
    page.wait_for_selector("#status[data-status]:not([hidden])")
    page.click("[data-action=thanks-done]")
    wait_screen(page, "greeting")
    villager_begins(page)
    # Nothing of the previous respondent: no answer chosen, no text, no result screen.
    assert page.evaluate("document.querySelectorAll('#collect input:checked:not([name=wave])').length") == 0
    assert page.input_value("[data-question=comments] textarea") == ""
    assert not page.is_visible("#status")
    page.wait_for_function("() => document.querySelector('#sync-indicator').dataset.pendingCount === '0'")
    assert rows(db) == 1
    # Leaving kiosk mode needs the collector's PIN.
    page.click("#kiosk-exit")
    enter_pin(page, "1111")
    page.wait_for_selector("#pin-error:not([hidden])")
    assert page.locator("body.kiosk").count() == 1
    enter_pin(page, "2468")
    page.wait_for_function("() => !document.body.classList.contains('kiosk')")
    assert page.is_visible("header.top")


def test_declining_consent_stores_nothing_and_counts_a_refusal(context, server, programme, loaded, db):
    from .collecting import set_up

    page = context.new_page()
    log_in(page, server.base)
    open_form(page, server.base)
    set_up(page, "PJ-0303")
    page.locator("label.choice:has(input[name=consent][value=decline])").click()
    page.click("[data-action=next]")
    page.wait_for_selector("#status[data-status=saved]")
    assert rows(db) == 0
    assert rows(db, Refusal) == 1


def test_the_page_works_without_javascript(browser, server, programme, loaded, db):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 800, "height": 1280}, locale="zh-CN")
    page = context.new_page()
    try:
        log_in(page, server.base)
        page.goto(f"{server.base}/collect/awareness")
        assert not page.is_visible("[data-action=next]")  # one page, no screens
        def choose(name, value=None):
            value_part = f"[value='{value}']" if value is not None else ""
            page.locator(f"label.choice:has(input[name={name}]{value_part})").last.click()

        page.select_option("select[name=site]", index=1)
        choose("wave", "post")
        page.fill("input[name=respondent_code]", "PJ-0404")
        page.fill("input[name=respondent_code_confirm]", "PJ-0404")
        choose("consent", "agree")
        for qid in ("age_band", "gender", "ethnicity", "education", "heard_sw"):
            choose(qid)
        choose("contacted_sw", "no")
        page.locator("label.choice:has(input[name=household])").first.click()
        for i in range(1, 13):
            choose(f"aw{i}", "3")
        page.click("[data-action=submit]")
        page.wait_for_selector("[data-status=saved]")
    finally:
        context.close()
    assert rows(db) == 1
    stored = db.session.scalars(select(Response)).one()
    assert (stored.source, stored.wave, stored.respondent_code) == ("web", "post", "PJ-0404")


def test_the_queue_exported_from_a_tablet_imports_once(context, server, programme, loaded, db, app, tmp_path):
    page = context.new_page()
    log_in(page, server.base)
    open_form(page, server.base)
    page.route("**/api/v1/**", lambda route: route.abort("internetdisconnected"))  # no signal for the sync
    fill_and_submit(page, "PJ-EXP1")
    assert page.get_attribute("#status", "data-status") == "queued"
    with page.expect_download() as download:
        page.click("#export-queue")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    result = app.test_cli_runner().invoke(args=["import-submissions", str(path), "--as", "team-pj"])
    assert result.exit_code == 0 and "created 1" in result.output, result.output
    assert rows(db) == 1
    page.unroute("**/api/v1/**")
    page.evaluate("SanquSync.wake()")  # the signal is back: the tablet's copy is a duplicate now
    page.wait_for_function("() => document.querySelector('#sync-indicator').dataset.pendingCount === '0'")
    assert rows(db) == 1
    assert page.evaluate("SanquStore.all('sent')")[0]["status"] == "duplicate"


def test_a_response_in_progress_finishes_on_the_version_it_started_with(context, server, programme, loaded, db, tmp_path):
    import shutil
    from pathlib import Path

    from survey_app.instruments import load_folder
    from survey_app.models import QuestionnaireVersion

    from .collecting import answer_screen, go_next, set_up

    page = context.new_page()
    log_in(page, server.base)
    open_form(page, server.base)
    set_up(page, "PJ-0505")
    answer_screen(page)  # consent
    go_next(page)
    answer_screen(page)  # about you
    uuid = page.get_attribute("#collect", "data-uuid")

    # Meanwhile the office publishes version 2 of the questionnaire.
    folder = tmp_path / "q"
    shutil.copytree(Path(__file__).resolve().parents[2] / "questionnaires", folder)
    path = folder / "awareness.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("您听说过", "您以前听说过", 1), encoding="utf-8")
    load_folder(db.session, folder)
    db.session.commit()

    page.goto(f"{server.base}/collect/awareness")  # the new version now
    page.wait_for_selector("#collect[data-ready]")
    assert page.get_attribute("#collect", "data-version") == "2"
    page.click(f"[data-action=resume][data-uuid='{uuid}']")
    page.wait_for_url("**/collect/awareness?version=1*")
    page.wait_for_selector("#collect[data-ready]")
    assert page.get_attribute("#collect", "data-uuid") == uuid
    finish(page)
    page.wait_for_selector("#status[data-status=saved]")
    db.session.rollback()
    stored = db.session.scalars(select(Response)).one()
    assert db.session.get(QuestionnaireVersion, stored.version_id).version == 1
    assert stored.uuid == uuid


def test_an_expired_login_keeps_the_queue_and_asks_to_log_in_again(context, server, programme, loaded, db):
    from survey_app.models import ApiToken
    from survey_app.models.types import utcnow

    def revoke_device_tokens():
        for token in db.session.scalars(select(ApiToken).where(ApiToken.kind == "device")):
            token.revoked_at = utcnow()
        db.session.commit()

    page = context.new_page()
    log_in(page, server.base)
    open_form(page, server.base)
    fill_and_submit(page, "PJ-0606")
    page.wait_for_selector("#status[data-status=saved]")
    page.click("#next-respondent")
    # The tablet's token is revoked while the login session lasts: a new one is issued by itself.
    revoke_device_tokens()
    fill_and_submit(page, "PJ-0607")
    page.wait_for_selector("#status[data-status=saved]")
    page.click("#next-respondent")
    # Now the session has expired too: the response waits, and the collector is asked to log in.
    revoke_device_tokens()
    context.clear_cookies()
    fill_and_submit(page, "PJ-0608")
    page.wait_for_selector("#relogin:not([hidden])")
    assert pending(page) == 1 and rows(db) == 2
    page.click("#relogin")
    page.fill("input[name=username]", "sw-pj1")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#collect[data-ready]")  # back on the form, which syncs at once
    page.wait_for_function("() => document.querySelector('#sync-indicator').dataset.pendingCount === '0'")
    assert rows(db) == 3
    assert not page.is_visible("#relogin")


@pytest.mark.parametrize("size", [(1280, 800), (800, 1280)])
def test_made_for_touch_at_tablet_sizes(browser, server, programme, loaded, size):
    from .collecting import answer_screen, go_next, set_up

    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN", has_touch=True)
    page = context.new_page()
    try:
        log_in(page, server.base)
        open_form(page, server.base, "satisfaction")
        set_up(page, None)
        answer_screen(page)
        go_next(page)
        answer_screen(page)
        go_next(page)  # the satisfaction scale, with faces
        sizes = page.evaluate("""() => {
            const visible = e => e.offsetParent !== null;
            const targets = [...document.querySelectorAll('label.choice, button, select, input[type=text], textarea, a.button')].filter(visible);
            const labels = [...document.querySelectorAll('.step:not([hidden]) .qlabel')].filter(visible);
            return {
              smallest: Math.min(...targets.map(e => Math.min(e.getBoundingClientRect().height, e.getBoundingClientRect().width))),
              text: Math.min(...labels.map(e => parseFloat(getComputedStyle(e).fontSize))),
              faces: document.querySelectorAll('.step:not([hidden]) svg.face').length,
              dots: [...document.querySelectorAll('.step:not([hidden]) input[type=radio]')].filter(e => e.getBoundingClientRect().width > 2).length,
              overflow: document.documentElement.scrollWidth > window.innerWidth,
            };
        }""")
        assert sizes["smallest"] >= 48, sizes
        assert sizes["text"] >= 20, sizes
        assert sizes["faces"] >= 5 and sizes["dots"] == 0 and not sizes["overflow"], sizes
    finally:
        context.close()


def test_the_queue_survives_a_browser_restart_offline(browser, server, programme, loaded, db, tmp_path):
    """A persistent profile, as on a tablet: the browser is closed and started again with no network."""
    from .conftest import CHROMIUM, LAUNCH_ARGS

    profile = tmp_path / "profile"

    def launch():  # through the session browser's Playwright: a second one cannot start here
        return browser.browser_type.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS,
            viewport={"width": 800, "height": 1280}, locale="zh-CN")

    context = launch()
    fill_offline(context.new_page(), context, server, "PJ-RST", 2)
    context.close()  # the browser is closed (or the tablet restarts)

    context = launch()  # started again, still without network
    context.set_offline(True)
    page = context.new_page()
    open_form(page, server.base)
    assert pending(page) == 2
    go_online(context, server)
    page.wait_for_function("() => document.querySelector('#sync-indicator').dataset.pendingCount === '0'", timeout=60000)
    context.close()
    assert rows(db) == 2


def test_the_speaker_plays_a_recording_or_reads_the_question_aloud(context, server, programme, loaded, db, app, tmp_path):
    import shutil
    import wave
    from pathlib import Path

    from survey_app.instruments import load_folder

    from .collecting import answer_screen, go_next, set_up

    # A social worker recorded the first question in the local dialect.
    folder = tmp_path / "q"
    shutil.copytree(Path(__file__).resolve().parents[2] / "questionnaires", folder)
    (folder / "audio").mkdir(exist_ok=True)
    with wave.open(str(folder / "audio" / "age_band.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 800)  # a tenth of a second of silence
    path = folder / "awareness.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("      - id: age_band\n", "      - id: age_band\n        audio: age_band.wav\n", 1), encoding="utf-8")
    assert not load_folder(db.session, folder).problems
    db.session.commit()
    app.config["QUESTIONNAIRE_DIR"] = str(folder)

    context.add_init_script("""
        window.__spoken = [];
        if (window.speechSynthesis) {
            window.speechSynthesis.speak = u => window.__spoken.push([u.text, u.lang]);
            window.speechSynthesis.getVoices = () => [{lang: "zh-CN", name: "zh"}];  // speak.js reads with a Chinese voice only
        }
    """)
    page = context.new_page()
    log_in(page, server.base)
    open_form(page, server.base)
    set_up(page, "PJ-0707")
    answer_screen(page)
    go_next(page)
    with page.expect_request("**/collect/audio/age_band.wav") as played:
        page.click("[data-question=age_band] [data-action=speak]")
    assert played.value.url.endswith("/collect/audio/age_band.wav")
    # no recording: the browser reads it (speak.js, tests/browser/test_speak.py: then its answers, once each piece ends)
    page.evaluate("() => { window.__spoken = []; document.querySelector('[data-question=gender] [data-action=speak]').click(); }")
    page.wait_for_function("() => window.__spoken.length > 0")
    spoken = page.evaluate("window.__spoken")
    label = page.inner_text("[data-question=gender] .qlabel").replace("*", "").strip()
    assert spoken == [[label, "zh-CN"]]


def test_kiosk_mode_resets_after_the_respondent_walks_away(context, server, programme, loaded, db):
    from .collecting import answer_screen, go_next, hand_over, villager_begins, wait_screen

    page = context.new_page()
    page.clock.install()
    log_in(page, server.base)
    open_form(page, server.base, "satisfaction")
    hand_over(page, "1357")
    villager_begins(page)
    answer_screen(page)
    go_next(page)
    page.locator(".step:not([hidden]) .question:not([hidden]) label.choice").first.click()
    page.clock.fast_forward("02:05")  # two minutes without a touch
    wait_screen(page, "greeting")
    assert page.evaluate("document.querySelectorAll('#collect input:checked:not([name=wave])').length") == 0
    # The half-filled response stays on the tablet, hidden from the next respondent.
    drafts = page.evaluate("SanquStore.all('drafts')")
    assert len(drafts) == 1 and drafts[0]["abandoned_in_kiosk"] is True
    assert not page.is_visible("#drafts")
    assert rows(db) == 0


def test_a_battery_of_twelve_statements_is_three_screens_of_four(context, server, programme, loaded, db):
    """Issue 13: no screen holds more than 4 likert items; the progress bar says where one is in words."""
    import re

    from .collecting import answer_screen, go_next, set_up

    page = context.new_page()
    log_in(page, server.base)
    open_form(page, server.base)
    set_up(page, "PJ-0909")
    seen: list[list[str]] = []
    for _ in range(20):
        shown = page.eval_on_selector_all(".step:not([hidden]) .question[data-type=likert]:not([hidden])", "els => els.map(e => e.dataset.question)")
        if shown:
            seen.append(shown)
        words = page.inner_text(".progress-words")
        m = re.fullmatch(r"第 (\d+) 页，共 (\d+) 页", words)
        assert m and int(m.group(1)) <= int(m.group(2)), words
        assert page.get_attribute(".progress", "aria-valuenow") == m.group(1)
        if page.locator("[data-action=submit]:visible").count():
            break
        answer_screen(page)
        go_next(page)
    assert seen == [[f"aw{i}" for i in range(k, k + 4)] for k in (1, 5, 9)]


def test_a_database_outage_keeps_the_queue_asks_no_login_and_waits_what_the_server_asks(context, server, app, programme, loaded,
                                                                                        db):
    """Issue 16: while the database cannot take a write, the server answers 503 with Retry-After;
    the tablet keeps the item, does not ask the collector to log in again, waits at least that
    long, and delivers it once the database is back."""
    import datetime as dt
    import sqlite3

    from sqlalchemy import event, make_url

    page = context.new_page()
    log_in(page, server.base)
    open_form(page, server.base)
    for _ in range(300):  # the token first (IndexedDB answers by promise: polled from here)
        if page.evaluate("SanquStore.meta('device_token')"):
            break
        page.wait_for_timeout(100)
    assert page.evaluate("SanquStore.meta('device_token')"), "no device token was issued"
    app.config["RETRY_AFTER_SECONDS"] = 6
    with app.app_context():
        db.engine.dispose()

        @event.listens_for(db.engine, "connect")
        def _short_busy_timeout(dbapi_connection, _record):
            dbapi_connection.execute("PRAGMA busy_timeout = 200")

    holder = sqlite3.connect(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        fill_and_submit(page, "PJ-OUT01")
        item = _first_in_queue_when(page, lambda i: i.get("last_error") == "HTTP 503")
        assert item["state"] == "pending" and item["attempts"] == 1
        queued_ms = dt.datetime.fromisoformat(item["queued_at"].replace("Z", "+00:00")).timestamp() * 1000
        assert item["next_at"] - queued_ms >= 6000  # the server's Retry-After, not the first 2 s step
        assert not page.evaluate("SanquStore.meta('needs_login')")
        assert pending(page) == 1 and rows(db) == 0
    finally:
        holder.rollback()
        holder.close()
    page.wait_for_function("() => document.querySelector('#sync-indicator').dataset.pendingCount === '0'", timeout=60000)
    assert rows(db) == 1
    assert [s["status"] for s in page.evaluate("SanquStore.all('sent')")] == ["created"]


def _first_in_queue_when(page, condition, seconds: float = 30):
    """The first queued item once ``condition`` holds of it (IndexedDB is read by promise, which
    wait_for_function would take as true at once)."""
    import time

    end = time.monotonic() + seconds
    while True:
        queue = page.evaluate("SanquStore.all('queue')")
        if queue and condition(queue[0]):
            return queue[0]
        assert time.monotonic() < end, queue
        page.wait_for_timeout(100)

