"""Report builders for the tests, named by REPORT_BUILDER and run where real builds run: in the
report worker's child process.  They talk to the test through files in REPORT_TEST_DIR: ``calls``
(one line per build), ``started``, and ``gate`` (a gated build waits until the test creates it)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from flask import current_app


def _folder() -> Path:
    return Path(current_app.config["REPORT_TEST_DIR"])


def _count(request_text: str) -> int:
    with open(_folder() / "calls", "a", encoding="utf-8") as calls:
        calls.write(request_text + "\n")
    return len((_folder() / "calls").read_text(encoding="utf-8").splitlines())


def fake(session, request, scope, progress) -> bytes:
    """A small PDF-looking file (Word-looking for a Word report); gated, failing or not a report
    as the settings say."""
    config = current_app.config
    _count(request.text)
    progress(0.5, "绘制图表")
    (_folder() / "started").touch()
    if config.get("REPORT_TEST_GATED"):
        deadline = time.monotonic() + 120  # a guard against a hung test, not a timing
        while not (_folder() / "gate").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    if config.get("REPORT_TEST_FAIL"):
        raise RuntimeError(config["REPORT_TEST_FAIL"])
    if config.get("REPORT_TEST_OUTPUT") is not None:
        return config["REPORT_TEST_OUTPUT"].encode()
    return fake_without_count(request)


def hung(session, request, scope, progress) -> bytes:
    """A chart render that never returns, its renderer (a stand-in for Chromium) still running."""
    _count(request.text)
    progress(0.3, "绘制图表")
    renderer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    (_folder() / "renderer.pid").write_text(str(renderer.pid), encoding="utf-8")
    time.sleep(3600)
    raise AssertionError("not reached")


def killed_once(session, request, scope, progress) -> bytes:
    """Killed outright the first time (out of memory, say); a good build the next."""
    if _count(request.text) == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return fake_without_count(request)


def fake_without_count(request) -> bytes:
    if request.format == "docx":
        return b"PK\x03\x04 fake docx " + request.text.encode()
    return b"%PDF-1.7\n% fake " + request.text.encode() + b"\n%%EOF\n"
