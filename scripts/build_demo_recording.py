"""Record the demo's stand-in prompt once, as the studio records (survey_app/static/js/studio.js):
Chromium's MediaRecorder, Opus in WebM at 24 kbit/s constant bitrate, from Chromium's fake
microphone (a beep: `--use-fake-device-for-media-stream`).  No respondent's or anyone's voice.

    .venv/bin/python scripts/build_demo_recording.py [--seconds 1.5]

Writes survey_app/demo/audio/beep.webm (committed: the demo seed needs no encoder)."""
from __future__ import annotations

import argparse
import base64
import http.server
import shutil
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "survey_app" / "demo" / "audio" / "beep.webm"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]

RECORD = """async (ms) => {
  const stream = await navigator.mediaDevices.getUserMedia({audio: true});
  const rec = new MediaRecorder(stream, {mimeType: 'audio/webm;codecs=opus', audioBitsPerSecond: 24000, audioBitrateMode: 'constant'});
  const parts = [];
  rec.ondataavailable = e => parts.push(e.data);
  const done = new Promise(r => rec.onstop = r);
  rec.start();
  await new Promise(r => setTimeout(r, ms));
  rec.stop();
  await done;
  stream.getTracks().forEach(t => t.stop());
  const buf = new Uint8Array(await new Blob(parts).arrayBuffer());
  let s = ''; for (const b of buf) s += String.fromCharCode(b);
  return btoa(s);
}"""


def record(seconds: float) -> bytes:
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", headless=True, args=ARGS)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/")  # a secure context for getUserMedia
            data = base64.b64decode(page.evaluate(RECORD, int(seconds * 1000)))
            browser.close()
    finally:
        server.shutdown()
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.5)
    args = parser.parse_args()
    OUT.write_bytes(record(args.seconds))
    print(f"{OUT.relative_to(ROOT)}: {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
