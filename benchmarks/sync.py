"""Sync over a weak link: a tablet back from a week in villages without signal, with 200 awareness
interviews queued, finds a 2G/EDGE connection at the township (issue 17).

    .venv/bin/python benchmarks/sync.py [--interviews 200] [--kbit 50] [--rtt 600] [--write-docs]

A fresh SQLite demo database under gunicorn on 127.0.0.1; headless Debian Chromium (Playwright),
a new profile per run.  The collector ``sw-pj1`` logs in and opens the awareness form; the
interviews are put into the tablet's queue (IndexedDB) exactly as the form leaves them; then
Chromium's own network emulation throttles the page (50 kbit/s both ways, 600 ms round trip,
as DevTools' "latency") and the queue is woken.  Measured: the time until the queue is empty,
the requests and the bytes sent (request bodies as they travel), and a check that the server
holds exactly the interviews queued.

Twice: "before", the tablet's sync script as it was before issue 17 (one uncompressed request per
interview; taken from git, commit BEFORE), and "after", the current one (gzip batches).  The
server is the same current one both times: it still takes single submissions.  Goal: under 2
minutes after.  The service worker is kept out (``service_workers="block"``): it does not
touch the API.
"""
from __future__ import annotations

import argparse
import base64
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import (
    ROOT,
    Server,
    SubmissionMaker,
    app_env,
    count_responses,
    flask,
    machine_facts,
    replace_section,
)

#: the last commit whose static/js/sync.js sent one uncompressed request per interview
BEFORE = "0ec1b5b059bbd40798ca7f33296eccb813616475"
GOAL_S = 120.0
SITE = "430626-01"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]

QUEUE = """async bodies => {
  const device = await SanquSync.deviceId();
  const start = Date.now();
  for (const [i, body] of bodies.entries()) {
    body.device_id = device;
    await SanquStore.enqueue({ uuid: body.uuid, kind: "submission", body, state: "pending",
                               queued_at: new Date(start + i).toISOString(), attempts: 0 });
  }
}"""


def old_script() -> str:
    done = subprocess.run(["git", "show", f"{BEFORE}:survey_app/static/js/sync.js"], cwd=ROOT,  # noqa: S603,S607
                          capture_output=True, text=True, check=True)
    return done.stdout


def interviews(base: str, token: str, n: int, tag: str) -> list[dict]:
    import requests

    definition = requests.get(f"{base}/api/v1/questionnaires/awareness", headers={"Authorization": f"Bearer {token}"},
                              timeout=30)
    definition.raise_for_status()
    maker, rng = SubmissionMaker(definition.json(), tag), random.Random(17)
    return [{**maker.make(rng), "site": SITE} for _ in range(n)]


def measure(base: str, chromium: str, bodies: list[dict], kbit: int, rtt_ms: int, script: str | None) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN", service_workers="block")
        if script is not None:
            context.route("**/static/js/sync.js*", lambda route: route.fulfill(
                status=200, body=script, headers={"Content-Type": "text/javascript; charset=utf-8"}))
        page = context.new_page()
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "sw-pj1")
        page.fill("input[name=password]", "sanqu-demo-2026")
        page.click("input[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(f"{base}/collect/awareness")
        page.wait_for_selector("#collect[data-ready]")
        page.evaluate("SanquSync.ensureToken()")
        # the week without signal: the interviews pile up in the queue, nothing is sent
        page.route("**/api/v1/submissions**", lambda route: route.abort("internetdisconnected"))
        page.evaluate(QUEUE, bodies)
        page.unroute("**/api/v1/submissions**")

        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": rtt_ms,
            "downloadThroughput": kbit * 1000 / 8, "uploadThroughput": kbit * 1000 / 8,
        })
        sent: dict[str, int] = {}

        def note(event: dict) -> None:
            request = event["request"]
            if "/api/v1/submissions" in request["url"] and request["method"] == "POST":
                sent[event["requestId"]] = sum(len(base64.b64decode(e.get("bytes", ""))) for e in request.get("postDataEntries", []))
        cdp.on("Network.requestWillBeSent", note)
        start = time.perf_counter()
        page.evaluate("SanquSync.wake()")
        while page.evaluate("SanquSync.counts()") != {"pending": 0, "review": 0}:
            if time.perf_counter() - start > 3600:
                raise RuntimeError(f"still syncing after an hour: {page.evaluate('SanquSync.counts()')}")
            time.sleep(0.25)
        elapsed = time.perf_counter() - start
        browser.close()
    return {"seconds": elapsed, "requests": len(sent), "sent_kb": sum(sent.values()) / 1024}


def markdown(n: int, kbit: int, rtt_ms: int, raw_kb: float, rows: list[tuple[str, dict[str, float]]]) -> str:
    lines = [
        f"Command: `benchmarks/sync.py --interviews {n} --kbit {kbit} --rtt {rtt_ms}`; {n} awareness interviews queued "
        f"on the tablet ({raw_kb:.0f} KB of JSON), Chromium's network emulation at {kbit} kbit/s both ways and "
        f"{rtt_ms} ms round trip, gunicorn 2x4 on SQLite.",
        "",
        "| Tablet's sync | Time until the queue is empty | Requests | Sent (request bodies) | Goal (under 2 min) |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for label, r in rows:
        goal = ("met" if r["seconds"] <= GOAL_S else "not met") if label.startswith("after") else ""
        lines.append(f"| {label} | {r['seconds']:.1f} s | {r['requests']:.0f} | {r['sent_kb']:.0f} KB | {goal} |")
    lines += ["", f"- \"before\" is `static/js/sync.js` at commit {BEFORE[:7]} served to the same page by the "
              "benchmark; the server is the current one both times, and holds exactly the interviews queued after each.",
              *machine_facts()]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interviews", type=int, default=200)
    parser.add_argument("--kbit", type=int, default=50)
    parser.add_argument("--rtt", type=int, default=600, help="round trip in ms (DevTools' latency)")
    parser.add_argument("--only-after", action="store_true", help="skip the slow 'before' run")
    parser.add_argument("--write-docs", action="store_true", help="replace the sync section of docs/BENCHMARKS.md")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    import json

    rows: list[tuple[str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory(prefix="sanqu-sync-") as tmp:
        workdir = Path(tmp)
        url = f"sqlite:///{workdir / 'sync.db'}"
        env = app_env(url, workdir)
        for command in (["db", "upgrade"], ["questionnaires", "load"], ["seed-demo", "--responses", "0"]):
            flask(env, *command)
        token = flask(env, "tokens", "issue", "admin").strip().splitlines()[-1].strip()
        server = Server(env, 2, 4, workdir / "gunicorn.log")
        try:
            server.wait_ready()
            runs = [("after: gzip batches", None)]
            if not args.only_after:
                runs.insert(0, ("before: one request per interview", old_script()))
            raw_kb = 0.0
            for i, (label, script) in enumerate(runs):
                before = count_responses(url)
                bodies = interviews(server.base, token, args.interviews, f"S{i}")
                raw_kb = sum(len(json.dumps(b, ensure_ascii=False).encode()) for b in bodies) / 1024
                print(f"{label}: syncing {len(bodies)} interviews", flush=True)
                result = measure(server.base, chromium, bodies, args.kbit, args.rtt, script)
                stored = count_responses(url) - before
                if stored != len(bodies):
                    raise RuntimeError(f"{label}: the server holds {stored} new responses, not {len(bodies)}")
                print(f"{label}: {result}", flush=True)
                rows.append((label, result))
        finally:
            server.stop()
    block = markdown(args.interviews, args.kbit, args.rtt, raw_kb, rows)
    print(block)
    if args.write_docs:
        replace_section("sync", "Sync over a weak link (`benchmarks/sync.py`)", block)
    return 0


if __name__ == "__main__":
    sys.exit(main())
