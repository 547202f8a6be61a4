"""Form weight: what a tablet downloads on its first visit to the `awareness` form, and how long
until the first question can be used, on a weak connection.

    .venv/bin/python benchmarks/form_weight.py [--write-docs]

A fresh SQLite demo database and gunicorn on 127.0.0.1; headless Debian Chromium (Playwright),
a new profile per run; the collector logs in, the browser cache is emptied, then the network is
throttled with Chromium's own emulation (400 kbit/s both ways, 400 ms round trip) and the form
is opened.  Measured: the bytes on the wire of every request of that visit (compressed as
sent, headers included, audio excluded: the shipped questionnaires have none), and the time
from navigation to the set-up screen being usable (the page's script has run: `data-ready`).
The service worker is kept out of the measured visit (`service_workers="block"`); what it
then stores for offline use, in the background, is reported beside it.

Two devices: one with a Chinese system font, as every Android tablet sold in China has (the
benchmark gives Chromium Noto Sans CJK through fontconfig), and one without, which falls back
to the app's web font subset.  Goal (issue 3): <= 100 KB and <= 3 s, on the first.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import ROOT, Server, app_env, flask, machine_facts, replace_section

GOAL_KB, GOAL_S = 100, 3.0
KBIT = 400
RTT_MS = 400
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def fontconfig_with_cjk(workdir: Path) -> Path:
    """A fontconfig setup that adds Noto Sans CJK SC as a system font (decompressed from the app's
    own WOFF2), on top of the machine's fonts."""
    from fontTools.ttLib import TTFont

    fonts = workdir / "fonts"
    fonts.mkdir()
    for style in ("Regular", "Bold"):
        font = TTFont(ROOT / "survey_app" / "static" / "fonts" / f"NotoSansSC-{style}.woff2")
        font.flavor = None
        font.save(fonts / f"NotoSansCJKsc-{style}.otf")
    conf = workdir / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{fonts}</dir><cachedir>{workdir / 'fc-cache'}</cachedir></fontconfig>"
    )
    return conf


def measure(base: str, chromium: str, env: dict[str, str] | None) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS, env=env)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN", service_workers="block")
        page = context.new_page()
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "sw-pj1")
        page.fill("input[name=password]", "sanqu-demo-2026")
        page.click("input[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.clearBrowserCache")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": RTT_MS,
            "downloadThroughput": KBIT * 1000 / 8, "uploadThroughput": KBIT * 1000 / 8,
        })
        sizes: dict[str, float] = {}
        urls: dict[str, str] = {}
        cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
        cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
        start = time.perf_counter()
        page.goto(f"{base}/collect/awareness", wait_until="commit")
        page.wait_for_selector("#collect[data-ready]", timeout=60000)
        usable = time.perf_counter() - start
        page.wait_for_load_state("networkidle")
        by_kind: dict[str, float] = {}
        for request_id, size in sizes.items():
            url = urls.get(request_id, "")
            kind = "font" if url.endswith(".woff2") else "script" if url.endswith(".js") else "style" if url.endswith(".css") else "page"
            by_kind[kind] = by_kind.get(kind, 0) + size
        browser.close()
    return {"usable_s": usable, "total_kb": sum(sizes.values()) / 1024, "requests": len(sizes),
            **{f"{k}_kb": v / 1024 for k, v in by_kind.items()}}


def precache_kb(base: str) -> float:
    """What the service worker stores for offline use, as it travels (brotli), from its manifest."""
    session = requests.Session()
    page = session.get(f"{base}/login")
    import re

    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    session.post(f"{base}/login", data={"username": "sw-pj1", "password": "sanqu-demo-2026", "csrf_token": token})
    manifest = session.get(f"{base}/collect/manifest.json").json()
    total = 0
    for url in manifest["pages"] + manifest["static"] + manifest["audio"]:
        reply = session.get(base + url, headers={"Accept-Encoding": "br, gzip"}, stream=True)
        total += len(reply.raw.read(decode_content=False))
    return total / 1024


def markdown(rows: list[tuple[str, dict[str, float]]], precache: float) -> str:
    lines = [
        f"Command: `benchmarks/form_weight.py`; Chromium's network emulation at {KBIT} kbit/s and {RTT_MS} ms round trip.",
        "",
        "| Device | Transferred | page | scripts | style | fonts | Requests | First question usable | Goal |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for label, r in rows:
        met = r["total_kb"] <= GOAL_KB and r["usable_s"] <= GOAL_S
        lines.append(
            f"| {label} | {r['total_kb']:.1f} KB | {r.get('page_kb', 0):.1f} | {r.get('script_kb', 0):.1f} | "
            f"{r.get('style_kb', 0):.1f} | {r.get('font_kb', 0):.1f} | {r['requests']:.0f} | {r['usable_s']:.2f} s | "
            f"{'met' if met else 'not met'} |"
        )
    lines += [
        "",
        f"- Then, in the background, the service worker stores {precache:.0f} KB for offline use (every current",
        "  questionnaire at both its addresses, the scripts, the style and the fallback fonts).",
        *machine_facts(),
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-docs", action="store_true", help="replace the form-weight section of docs/BENCHMARKS.md")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory(prefix="sanqu-form-weight-") as tmp:
        workdir = Path(tmp)
        env = app_env(f"sqlite:///{workdir / 'weight.db'}", workdir)
        for command in (["db", "upgrade"], ["questionnaires", "load"], ["seed-demo", "--responses", "0"]):
            flask(env, *command)
        server = Server(env, 2, 4, workdir / "gunicorn.log")
        try:
            server.wait_ready()
            fonts_conf = fontconfig_with_cjk(workdir)
            rows = [
                ("tablet with a Chinese system font", measure(server.base, chromium, {"FONTCONFIG_FILE": str(fonts_conf)})),
                ("device without one (web font fallback)", measure(server.base, chromium, None)),
            ]
            precache = precache_kb(server.base)
        finally:
            server.stop()
    block = markdown(rows, precache)
    print(block)
    if args.write_docs:
        replace_section("form_weight", "Form weight (`benchmarks/form_weight.py`)", block)
    return 0


if __name__ == "__main__":
    sys.exit(main())
