"""The web app manifest (issue 13): the collection pages can be added to a tablet's home screen
and open full screen; every page under /collect/ links it; the icons are served and kept
offline.  Chromium's own reading of it: tests/browser/test_accessibility.py."""
from __future__ import annotations

import io
import json
import re
import uuid

import pytest
from PIL import Image

from survey_app.collect.app_manifest import ICONS, theme_colours
from survey_app.config import ROOT
from tests.collect.test_form import fill, start
from tests.factories import logged_in

#: values for the arguments of the /collect/ routes, so that every page of the blueprint is
#: fetched (a new route with a new argument fails until it has one here)
ARGUMENTS = {"qid": "awareness", "device_id": str(uuid.UUID(int=7)), "filename": "none.mp3"}
#: what is not a page: the manifests, the service worker, recordings
NOT_PAGES = {"collect.app_manifest", "collect.manifest", "collect.service_worker", "collect.audio",
             "recordings.serve"}  # the audio studio's approved recordings (audio, not pages)


def manifest(client):
    reply = client.get("/collect/app.webmanifest")
    assert reply.status_code == 200
    return reply, json.loads(reply.get_data(as_text=True))


def test_the_manifest_makes_the_collection_pages_an_app(client, programme):
    reply, data = manifest(client)  # no login: browsers fetch manifests without cookies
    assert reply.headers["Content-Type"] == "application/manifest+json"
    assert reply.headers["Cache-Control"] == "no-cache"
    assert data["name"] == "三区社工调查" and data["short_name"] and len(data["short_name"]) <= 6
    assert data["display"] == "standalone"
    assert data["start_url"] == data["scope"] == data["id"] == "/collect/"
    assert data["lang"] == "zh-CN"
    css = (ROOT / "survey_app" / "static" / "css" / "app.css").read_text()
    root = re.search(r":root\s*\{([^}]*)\}", css).group(1)
    assert f"--accent: {data['theme_color']};" in root and f"--bg: {data['background_color']};" in root
    icons = {(i["sizes"], i["purpose"]): i for i in data["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= set(icons)
    assert all(i["type"] == "image/png" and i["src"].startswith("/static/icons/") for i in data["icons"])


def test_the_colours_are_read_from_the_stylesheet(tmp_path):
    css = tmp_path / "app.css"
    css.write_text(":root { --ink: #111; --accent: #123456; --bg: #fafafa; }\nbody { color: #000; }")
    assert theme_colours.__wrapped__(css) == {"theme": "#123456", "background": "#fafafa"}


def test_the_icons_are_served_at_their_sizes(client, programme):
    _, data = manifest(client)
    for icon in data["icons"]:
        with client.get(icon["src"]) as reply:  # a file stream: closed after reading
            assert reply.status_code == 200 and reply.mimetype == "image/png", icon["src"]
            image = Image.open(io.BytesIO(reply.get_data()))
        assert f"{image.width}x{image.height}" == icon["sizes"], icon["src"]
        if icon["purpose"] == "maskable":
            # the launcher's mask cuts the corners: they must be the background, never transparent
            assert image.mode == "RGB", icon["src"]
    with client.get("/static/icons/apple-touch-icon.png") as reply:
        touch = Image.open(io.BytesIO(reply.get_data()))
    assert touch.size == (180, 180) and touch.mode == "RGB"
    assert len(ICONS) == len(data["icons"])


def _links_the_manifest(html: str) -> bool:
    return (
        '<link rel="manifest" href="/collect/app.webmanifest">' in html
        and re.search(r'<meta name="theme-color" content="#[0-9a-f]{6}">', html) is not None
        and '<link rel="apple-touch-icon" href="/static/icons/apple-touch-icon.png">' in html
    )


@pytest.mark.parametrize("username", ["sw-pj1", "admin"])
def test_every_collection_page_links_the_manifest(app, client, programme, loaded, username):
    logged_in(client, username)
    seen = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_PAGES or not rule.rule.startswith("/collect/") or "GET" not in rule.methods:
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[^:>]+:)?{name}>", ARGUMENTS[name], path)
        reply = client.get(path, follow_redirects=True)
        assert reply.status_code in (200, 403), (path, reply.status_code)
        if reply.mimetype == "text/html":
            assert _links_the_manifest(reply.get_data(as_text=True)), path
            seen.append(rule.endpoint)
    assert {"collect.index", "collect.form", "collect.receipt", "collect.devices", "collect.device_detail"} <= set(seen)
    # a page that does not exist under /collect/ is still a collection page (the app's shell)
    missing = client.get("/collect/no/such/page")
    assert missing.status_code == 404 and _links_the_manifest(missing.get_data(as_text=True))


def test_the_done_page_links_it_and_staff_pages_do_not(client, programme, loaded):
    _, base = start(client)
    done = client.post("/collect/awareness", data=fill(base)).get_data(as_text=True)
    assert 'data-status="saved"' in done and _links_the_manifest(done)
    for path in ("/", "/followups/", "/login"):
        assert 'rel="manifest"' not in client.get(path).get_data(as_text=True), path


def test_the_tablet_keeps_the_manifest_and_icons_offline(client, programme, loaded):
    logged_in(client, "sw-pj1")
    offline = client.get("/collect/manifest.json").get_json()
    _, data = manifest(client)
    assert "/collect/app.webmanifest" in offline["static"]
    assert {i["src"] for i in data["icons"]} | {"/static/icons/apple-touch-icon.png"} <= set(offline["static"])
    assert "/static/css/app.css" in offline["static"]  # the rest is still there
