"""Driving the collection page like a social worker does, for the browser tests."""
from __future__ import annotations

from typing import Any

from tests.factories import PASSWORD


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
    """Tap 下一页 and wait for the next screen (form#collect[data-screen] names the one shown:
    a section may hold several screens) or the end."""
    before = page.get_attribute("#collect", "data-screen")
    page.click("[data-action=next]")
    page.wait_for_function(
        "before => document.getElementById('collect').dataset.screen !== before"
        " || !document.querySelector('.step:not([hidden])')", arg=before)


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
    for _ in range(80):  # kiosk mode: one question a screen
        answer_screen(page, choice)
        if page.locator("[data-action=submit]:visible").count():
            page.click("[data-action=submit]")
            return
        go_next(page)
    raise AssertionError("no submit button after 80 screens")


def fill_and_submit(page: Any, code: str | None, choice: int = 0) -> None:
    """Set up, consent and answer every screen, then finish; waits for the result screen."""
    set_up(page, code)
    finish(page, choice)
    page.wait_for_selector("#status[data-status]:not([hidden])")


def pending(page: Any) -> int:
    return int(page.get_attribute("#sync-indicator", "data-pending-count"))


# ---- kiosk mode: the handover to villagers (issue 13) --------------------------------------

def screen(page: Any) -> str:
    """The screen shown: setup, greeting, consent, q:<first question id>, thanks or pin."""
    return page.get_attribute("#collect", "data-screen") or ""


def wait_screen(page: Any, *names: str) -> None:
    page.wait_for_function("names => names.includes(document.getElementById('collect').dataset.screen)", arg=list(names))


def hand_over(page: Any, pin: str = "2468", codes: tuple[str, ...] = (), site_index: int = 1, wave: str = "pre") -> None:
    """The social worker's set-up: village, wave, the queue of codes, a PIN, then 交给村民."""
    choose_place(page, site_index, wave)
    for code in codes:
        type_code(page, code)
        page.click("[data-action=queue-add]")
        page.wait_for_selector(f"[data-queued-code='{code}']")
    page.fill("#kiosk-pin", pin)
    page.click("#kiosk-start")
    page.wait_for_selector("body.kiosk")
    wait_screen(page, "greeting", "pin")


def villager_begins(page: Any) -> None:
    """The villager taps 开始 on the greeting."""
    page.click("[data-action=greet]")
    wait_screen(page, "consent")


def enter_pin(page: Any, pin: str) -> None:
    """Tapped on the PIN screen's keys, then 确定."""
    page.wait_for_selector("#pin-screen:not([hidden])")
    for digit in pin:
        page.click(f"#pin-screen [data-key='{digit}']")
    page.click("#pin-screen [data-key=ok]")


# ---- respondent codes and the follow-up list (issue 12) ------------------------------------

def choose_place(page: Any, site_index: int = 1, wave: str = "pre") -> None:
    """Choose the village and the wave of the set-up, as a finger does."""
    page.select_option("select[name=site]", index=site_index)
    if page.locator("input[name=wave]").count():
        radio = page.locator(f"input[name=wave][value={wave}]")
        for _ in range(3):  # a banner shown meanwhile (storage, log-in) can move the button under the tap
            page.locator(f"label.choice:has(input[name=wave][value={wave}])").click()
            if radio.is_checked():
                break
        assert radio.is_checked(), f"wave {wave} not chosen"


def type_code(page: Any, code: str) -> None:
    page.fill("input[name=respondent_code]", code)
    page.fill("input[name=respondent_code_confirm]", code)


def codes(page: Any) -> tuple[str, str]:
    return page.input_value("input[name=respondent_code]"), page.input_value("input[name=respondent_code_confirm]")


def started(page: Any) -> bool:
    """An interview is under way (the set-up gave way to the consent or the questions)."""
    return page.get_attribute("#collect", "data-uuid") is not None


# Playwright's wait_for_function does not await a promise (an async predicate is always truthy at
# once), so these start an asynchronous read at each poll and look at the previous one's result.

def wait_controlled(page: Any, qid: str = "awareness") -> None:
    """Wait until the service worker controls the page and has cached the form."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null || (location.reload(), false)",
                           polling=1000, timeout=20000)
    page.wait_for_function(
        "qid => { caches.open('sanqu-pages-v1').then(c => c.match('/collect/' + qid))"
        ".then(r => { window.__formCached = !!r; }); return window.__formCached === true; }",
        arg=qid, polling=100, timeout=20000)


def wait_followups(page: Any, qid: str = "awareness", n: int | None = None) -> None:
    """Wait until the tablet keeps the follow-up list of the questionnaire (with n items)."""
    page.wait_for_function(
        "([qid, n]) => { SanquSync.followups(qid).then(l => { window.__followups = l || null; });"
        " const l = window.__followups; return !!l && (n === null || l.items.length === n); }",
        arg=[qid, n], polling=100, timeout=20000)


class InFlight:
    """WSGI middleware that counts the requests not yet answered in full, so that a test cuts the
    network only when the tablet (its page and its service worker) is not downloading: a cut
    download leaves the test server's file open, which pytest reports."""

    def __init__(self, app: Any) -> None:
        import threading
        import time

        self.app, self.busy, self.since = app, 0, time.monotonic()
        self.lock = threading.Lock()
        self.paths: list[str] = []

    def _change(self, delta: int, path: str) -> None:
        import time

        with self.lock:
            self.busy += delta
            if delta > 0:
                self.paths.append(path)
            else:
                self.paths.remove(path)
            self.since = time.monotonic()

    def __call__(self, environ: Any, start_response: Any) -> Any:
        path = f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}?{environ.get('QUERY_STRING', '')}"
        self._change(1, path)
        try:
            body = self.app(environ, start_response)
        except BaseException:
            self._change(-1, path)
            raise
        return _Answered(body, lambda: self._change(-1, path))

    def wait_quiet(self, idle: float = 0.6, timeout: float = 30) -> None:
        import time

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if self.busy == 0 and time.monotonic() - self.since >= idle:
                    return
            time.sleep(0.05)
        raise AssertionError(f"still in flight after {timeout} s: {self.paths}")


class _Answered:
    """The answer's body, closed (and counted as answered) as soon as it has been sent: the
    development server calls close() only after draining the socket, which can wait on the
    browser, and a connection cut meanwhile would leave the file open."""

    def __init__(self, body: Any, done: Any) -> None:
        self.body, self.done, self.finished = body, done, False

    def __iter__(self) -> Any:
        try:
            yield from self.body
        finally:
            self.close()

    def close(self) -> None:
        if self.finished:
            return
        self.finished = True
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self.done()


def watch_requests(server: Any) -> InFlight:
    """Count the server's requests from now on (call before the first page opens)."""
    if not isinstance(server.app, InFlight):
        server.stop()
        server.app = InFlight(server.app)
        server.start()
    return server.app


def cut_network(context: Any, server: Any) -> None:
    """No signal: once the tablet is quiet, nothing answers on the server's port and the browser
    knows it is offline."""
    watch_requests(server).wait_quiet()
    server.stop()
    context.set_offline(True)


def wait_synced(page: Any, timeout: int = 60000) -> None:
    page.wait_for_function("() => document.querySelector('#sync-indicator').dataset.pendingCount === '0'", timeout=timeout)


def sent_json(request: Any) -> Any:
    """The JSON a tablet's request carried, gzip-compressed or not (issue 17)."""
    import gzip
    import json

    raw = request.post_data_buffer or b""
    if (request.headers.get("content-encoding") or "").lower() == "gzip":
        raw = gzip.decompress(raw)
    return json.loads(raw)


def queue_items(page: Any, bodies: list[dict[str, Any]]) -> None:
    """Put finished interviews straight into the tablet's queue, as the form does when a
    collector taps 提交 with no signal: hundreds of them without filling the form hundreds of
    times.  Each body carries the tablet's own device id, as the form's do."""
    page.evaluate(
        """async bodies => {
          const device = await SanquSync.deviceId();
          const start = Date.now();
          for (const [i, body] of bodies.entries()) {
            body.device_id = device;
            await SanquStore.enqueue({ uuid: body.uuid, kind: "submission", body, state: "pending",
                                       queued_at: new Date(start + i).toISOString(), attempts: 0 });
          }
        }""",
        bodies,
    )
