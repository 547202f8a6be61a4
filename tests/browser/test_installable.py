"""Chromium's own reading of the web app manifest (issue 13): parsed without errors, standalone,
its icons fetched, nothing that stops installing; the tablet keeps it and the icons offline."""
from __future__ import annotations

import json

import pytest

from .collecting import log_in, open_form, wait_controlled
from .conftest import CHROMIUM, LAUNCH_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)]


def test_chromium_reads_the_manifest_and_finds_the_app_installable(browser, server, programme, loaded, tmp_path):
    # A profile on disk: Playwright's usual contexts are incognito, where nothing installs.
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS,
        viewport={"width": 800, "height": 1280}, locale="zh-CN")
    try:
        page = context.pages[0] if context.pages else context.new_page()
        log_in(page, server.base)
        page.goto(f"{server.base}/collect/")
        cdp = context.new_cdp_session(page)
        got = cdp.send("Page.getAppManifest")
        assert got["url"] == f"{server.base}/collect/app.webmanifest"
        assert got["errors"] == [], got["errors"]
        parsed = got["manifest"]
        assert parsed["display"] == "kStandalone"
        assert parsed["name"] == json.loads(got["data"])["name"] == "三区社工调查"
        assert parsed["startUrl"] == parsed["scope"] == f"{server.base}/collect/"
        assert parsed["themeColor"] == "rgba(11,110,79,1)" and parsed["backgroundColor"] == "rgba(251,250,247,1)"
        sizes = {icon["sizes"] for icon in parsed["icons"]}
        assert {"192x192", "512x512"} <= sizes
        for icon in parsed["icons"]:
            reply = page.request.get(icon["url"])
            assert reply.ok and reply.headers["content-type"] == "image/png", icon["url"]
        # Chromium fetched an icon it can use and found nothing else missing (a bad icon, a
        # display it does not support, a start URL outside the scope would each be listed)
        assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
        assert page.get_attribute("meta[name=theme-color]", "content") == "#0b6e4f"
    finally:
        context.close()


def test_the_tablet_keeps_the_manifest_and_icons_offline(context, server, programme, loaded):
    page = context.new_page()
    log_in(page, server.base)
    open_form(page, server.base)
    wait_controlled(page)
    wanted = ["/collect/app.webmanifest", "/static/icons/icon-192.png", "/static/icons/icon-512.png",
              "/static/icons/icon-maskable-512.png", "/static/icons/apple-touch-icon.png"]
    page.wait_for_function(
        "urls => { Promise.all(urls.map(u => caches.match(u))).then(hits => { window.__kept = hits.every(Boolean); });"
        " return window.__kept === true; }", arg=wanted, polling=100, timeout=20000)
    # offline, the page still gets its manifest from the service worker's cache
    context.route("**/*", lambda route: route.abort("internetdisconnected"))
    context.set_offline(True)
    try:
        kept = page.evaluate("() => fetch('/collect/app.webmanifest').then(r => r.ok ? r.json() : null, () => null)")
    finally:
        context.set_offline(False)
        context.unroute("**/*")
    assert kept is not None and kept["display"] == "standalone"
