"""Two app servers and a report worker, one PostgreSQL (issue 16): what one server knows, the
other knows, because it is in the database: a session made on one is good on the other, a login
lock made through one holds on the other, and a report started on one, built by the worker, is
followed and downloaded from the other."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from deploy.front import free_port

from .factories import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def two_servers(migrated, tmp_path: Path) -> Iterator[tuple[str, str]]:
    env = {**os.environ, "DATABASE_URL": migrated.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "one-key-for-every-server",
           "SANQU_INSTANCE": str(tmp_path / "instance"), "MFA_REQUIRED_ROLES": "", "LOGIN_LOCKOUT_FAILURES": "3"}
    servers, bases = [], []
    try:
        log = (tmp_path / "worker.log").open("wb")
        servers.append((subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--poll", "0.2"], cwd=ROOT,
                                         env={**env, "SANQU_INSTANCE": str(tmp_path / "instance-worker")},
                                         stdout=log, stderr=subprocess.STDOUT), log))
        for name in ("a", "b"):
            port = free_port()
            log = (tmp_path / f"server-{name}.log").open("wb")
            servers.append((subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-w", "1", "-k", "gthread", "--threads", "4", "--bind", f"127.0.0.1:{port}",
                 "--no-control-socket", "wsgi:app"], cwd=ROOT, env={**env, "SANQU_INSTANCE": str(tmp_path / f"instance-{name}")},
                stdout=log, stderr=subprocess.STDOUT), log))
            bases.append(f"http://127.0.0.1:{port}")
        for base in bases:
            _wait(base)
        yield bases[0], bases[1]
    finally:
        for process, log in servers:
            process.terminate()
            process.wait(timeout=20)
            log.close()


def _wait(base: str) -> None:
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            if requests.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{base} never became ready")


def _csrf(http: requests.Session, url: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', http.get(url, timeout=10).text).group(1)


def _login(http: requests.Session, base: str, username: str, password: str) -> requests.Response:
    return http.post(f"{base}/login", data={"username": username, "password": password, "csrf_token": _csrf(http, f"{base}/login")},
                     allow_redirects=False, timeout=30)


@pytest.mark.slow
@pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)
def test_a_session_a_lock_and_a_report_are_the_same_on_both_servers(two_servers):
    a, b = two_servers
    # a session made on one server is good on the other (sessions are rows, signed with one key)
    http = requests.Session()
    assert _login(http, a, "admin", PASSWORD).status_code == 302
    assert http.get(f"{b}/account", allow_redirects=False, timeout=10).status_code == 200

    # a lock made through A holds on B: the failures are counted in the database
    stranger = requests.Session()
    for _ in range(3):
        assert _login(stranger, a, "county-pj", "not the password at all").status_code == 401
    assert _login(requests.Session(), b, "county-pj", PASSWORD).status_code == 429

    # a report started on A, built by the worker, is followed and downloaded from B
    end = time.monotonic() + 60  # the worker starts alongside the servers
    while requests.get(f"{b}/readyz", timeout=10).json()["checks"]["report_worker"] != "ok":
        assert time.monotonic() < end, "the report worker never beat"
        time.sleep(0.2)
    token = _csrf(http, f"{a}/reports/")
    started = http.post(f"{a}/reports/", data={"scope": "county:430626", "round": "", "csrf_token": token}, allow_redirects=False,
                        timeout=30)
    assert started.status_code == 302, started.text[:300]
    key = started.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    end = time.monotonic() + 180
    while True:
        status = http.get(f"{b}/reports/jobs/{key}.json", timeout=10).json()
        if status["state"] in ("done", "failed"):
            break
        assert time.monotonic() < end, status
        time.sleep(0.5)
    assert status["state"] == "done", status
    pdf = http.get(f"{b}{status['download']}", timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
