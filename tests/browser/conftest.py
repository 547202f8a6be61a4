"""Real headless Chromium (Debian's package) driven by Playwright; never a downloaded browser."""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
    # a fake microphone that plays a beep and needs no prompt: the audio studio's tests record it
    # (one browser for the whole session: Playwright's sync API cannot start a second one inside it)
    "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (make test installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


class SwitchableServer:
    """The app on a fixed loopback port that a test can take off the network and bring back:
    the strongest "no signal" there is (nothing answers, whatever the service worker tries)."""

    def __init__(self, app: Any) -> None:
        import socket

        self.app = app
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.server: Any = None
        self.thread: Any = None

    def start(self) -> None:
        import threading

        from tests.loopback import make_loopback_server

        self.server = make_loopback_server(self.app, self.port)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=5)
            self.server.in_flight.drain()  # before the app's engine is disposed (tests/loopback.py)
            self.server = None


@pytest.fixture
def server(app: Any) -> Iterator[SwitchableServer]:
    s = SwitchableServer(app)
    s.start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """One browser profile (its own service worker, caches and IndexedDB), at tablet size."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    errors: list[str] = []
    context.on("weberror", lambda e: errors.append(str(e.error)))
    context.errors = errors  # type: ignore[attr-defined]
    yield context
    context.close()
    assert not errors, errors
