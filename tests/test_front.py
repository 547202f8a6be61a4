"""nginx in front of gunicorn (issue 16), as `make serve` and a deployment run them: tablets on
2G, which send slowly, must not stop the others' submissions; the client's address reaches the
app from the proxy, never from the client's own X-Forwarded-For."""
from __future__ import annotations

import json
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from deploy import front as front_module
from survey_app.extensions import db as _db

from .api.payloads import awareness
from .conftest import make_app
from .slow_clients import SlowClients

pytestmark = pytest.mark.skipif(front_module.nginx_binary() is None, reason="nginx is not installed (make test installs it)")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Any, str]]:
    """nginx and gunicorn on a migrated SQLite database with the demo programme; the front and
    an API token of the office."""
    from survey_app.auth.tokens import issue_token
    from survey_app.demo.seed import seed_programme
    from survey_app.instruments import load_folder
    from survey_app.models import User

    url = f"sqlite:///{tmp_path / 'served.db'}"
    app = make_app(url, tmp_path)
    with app.app_context():
        upgrade()
        load_folder(_db.session, Path(__file__).resolve().parent.parent / "questionnaires")
        seed_programme(_db.session)
        _db.session.commit()
        token = issue_token(_db.session, _db.session.scalar(select(User).where(User.username == "admin")))
        _db.session.commit()
        _db.session.remove()
        _db.engine.dispose()
    running = front_module.start(env={"DATABASE_URL": url, "SECRET_KEY": "front-test", "SANQU_INSTANCE": str(tmp_path / "instance")},
                                 runtime=tmp_path / "front")
    try:
        yield running, token
    finally:
        running.stop()


def _submit(base: str, token: str, payload: dict, headers: dict | None = None) -> int:
    request = urllib.request.Request(f"{base}/api/v1/submissions", data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        with error:
            return error.code


def test_fifty_slow_clients_do_not_stop_the_others(served):
    running, token = served
    slow = SlowClients(running.port, n=50, gap=0.5).start()
    try:
        statuses = [_submit(running.base, token, awareness(respondent_code=f"PJ-S{i:03d}")) for i in range(20)]
    finally:
        slow.stop()
    assert statuses == [201] * 20


def test_the_app_sees_the_address_nginx_saw_not_a_forwarded_one(served, tmp_path):
    import http.cookiejar
    import re
    import urllib.parse

    from sqlalchemy import create_engine

    running, _token = served
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(f"{running.base}/login", timeout=10).read().decode()
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": "admin", "password": "not the password at all", "csrf_token": csrf}).encode()
    request = urllib.request.Request(f"{running.base}/login", data=form, headers={"X-Forwarded-For": "203.0.113.9"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        opener.open(request, timeout=10)
    caught.value.close()
    assert caught.value.code == 401
    engine = create_engine(f"sqlite:///{tmp_path / 'served.db'}")
    with engine.connect() as conn:
        from sqlalchemy import text

        ips = list(conn.execute(text("SELECT ip FROM audit_events WHERE action = 'login.failure'")).scalars())
    engine.dispose()
    assert ips == ["127.0.0.1"]
    # pages pass through: a 404 from the app (its own words), not from nginx
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{running.base}/no-such-page", timeout=10)
    with missing.value as reply:
        assert reply.code == 404 and "找不到这个页面" in reply.read().decode()


def test_a_body_larger_than_the_limit_is_refused_at_the_door(served):
    running, token = served
    big = awareness()
    big["answers"]["note"] = "x" * (1024 * 1024 + 10)
    assert _submit(running.base, token, big) == 413


def _deployment_site(front, upstream: str, http_port: int, cert: Path, key: Path) -> str:
    """deploy/nginx/sanqu-site.conf as an operator installs it, moved to loopback ports, this
    checkout's folder and a throwaway certificate."""
    site = (front_module.NGINX_DIR / "sanqu-site.conf").read_text()
    for old, new in [
        ("/opt/sanqu", str(front_module.ROOT)),
        ("server unix:/run/sanqu/app.sock", f"server {upstream}"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"), ("listen [::]:80;", ""),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{front.port} ssl http2;"), ("listen [::]:443 ssl http2;", ""),
        ("/etc/ssl/sanqu/fullchain.pem", str(cert)), ("/etc/ssl/sanqu/privkey.pem", str(key)),
    ]:
        assert old in site, f"sanqu-site.conf no longer has {old!r}: update this test"
        site = site.replace(old, new)
    return front_module.main_conf(front.runtime, site)


DEBIAN_NGINX_CONF = Path("/etc/nginx/nginx.conf")


def _throwaway_certificate(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj",
                    "/CN=localhost", "-days", "1", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@pytest.mark.skipif(not DEBIAN_NGINX_CONF.is_file(), reason="no /etc/nginx/nginx.conf (nginx from Debian's package)")
def test_the_site_passes_nginx_t_inside_debians_own_nginx_conf(tmp_path):
    """As docs/DEPLOYMENT.md installs it: the site in sites-enabled under the package's
    nginx.conf, whose http {} already sets gzip, ssl_protocols and more.  A directive given twice
    in one context stops nginx, which a main configuration of our own would never show."""
    main = DEBIAN_NGINX_CONF.read_text()
    assert "include /etc/nginx/sites-enabled/*;" in main, "Debian's nginx.conf changed: update this test"
    cert, key = _throwaway_certificate(tmp_path)
    site = (front_module.NGINX_DIR / "sanqu-site.conf").read_text()
    for old, new in [("/opt/sanqu", str(front_module.ROOT)), ("/etc/ssl/sanqu/fullchain.pem", str(cert)),
                     ("/etc/ssl/sanqu/privkey.pem", str(key))]:
        site = site.replace(old, new)
    (tmp_path / "sanqu").write_text(site)
    (tmp_path / "nginx.conf").write_text(main.replace("include /etc/nginx/sites-enabled/*;", f"include {tmp_path / 'sanqu'};"))
    checked = subprocess.run([front_module.nginx_binary(), "-t", "-c", str(tmp_path / "nginx.conf"), "-e", str(tmp_path / "error.log")],
                             capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr


def test_the_deployment_site_serves_over_tls_on_a_unix_socket(tmp_path):
    """The files an operator installs (nginx site, gunicorn on a Unix socket, the example
    settings): pages and API over TLS 1.2+ only, plain HTTP moves pages and refuses the API, the
    session cookie is Secure and __Host-, and the app sees nginx's client address."""
    import http.client
    import ssl

    cert, key = _throwaway_certificate(tmp_path)
    url = f"sqlite:///{tmp_path / 'site.db'}"
    app = make_app(url, tmp_path)
    with app.app_context():
        upgrade()
        _db.engine.dispose()
    http_port = front_module.free_port()
    env = {"DATABASE_URL": url, "SECRET_KEY": "site-test", "SANQU_INSTANCE": str(tmp_path / "instance"),
           "PREFERRED_URL_SCHEME": "https", "PROXY_COUNT": "1", "TRUSTED_PROXIES": "127.0.0.1,::1,unix"}
    running = front_module.start(env=env, runtime=tmp_path / "front", unix_socket=True,
                                 conf=lambda f, upstream: _deployment_site(f, upstream, http_port, cert, key))
    try:
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        conn = http.client.HTTPSConnection("127.0.0.1", running.port, context=context, timeout=10)
        conn.request("GET", "/readyz")
        reply = conn.getresponse()
        assert reply.status == 200 and json.loads(reply.read())["status"] == "ok"
        conn.request("GET", "/login")
        reply = conn.getresponse()
        reply.read()
        assert reply.status == 200
        cookie = reply.getheader("Set-Cookie")
        assert cookie.startswith("__Host-session=") and "Secure" in cookie
        assert "max-age=31536000" in reply.getheader("Strict-Transport-Security")
        assert conn.sock.version() in ("TLSv1.2", "TLSv1.3")
        conn.close()
        # a failed login through the socket is audited with the address nginx saw, not a claimed one
        import http.cookiejar
        import re
        import urllib.parse

        opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context),
                                             urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = opener.open(f"https://127.0.0.1:{running.port}/login", timeout=10).read().decode()
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"username": "nobody", "password": "not the password at all", "csrf_token": csrf}).encode()
        with pytest.raises(urllib.error.HTTPError) as caught:
            opener.open(urllib.request.Request(f"https://127.0.0.1:{running.port}/login", data=form,
                                               headers={"X-Forwarded-For": "203.0.113.9", "Referer": f"https://127.0.0.1:{running.port}/login"}),
                        timeout=10)
        caught.value.close()
        assert caught.value.code == 401
        with app.app_context():
            from survey_app.models import AuditEvent

            assert list(_db.session.scalars(select(AuditEvent.ip).where(AuditEvent.action == "login.failure"))) == ["127.0.0.1"]
            _db.session.remove()
            _db.engine.dispose()
        plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
        plain.request("GET", "/login")
        moved = plain.getresponse()
        moved.read()
        assert moved.status == 301 and moved.getheader("Location").startswith("https://")
        plain.request("GET", "/api/v1/questionnaires")
        api = plain.getresponse()
        assert api.status == 403 and b"https" in api.read()
        plain.close()
    finally:
        running.stop()


def test_an_xlsform_upload_may_be_larger_than_other_bodies(served):
    """deploy/nginx/sanqu-locations.conf lets an XLSForm upload past 1 MB through to the app,
    which answers in words; every other address keeps the 1 MB limit."""
    running, _token = served

    def post(path: str, size: int) -> tuple[int, str]:
        boundary = "sanqu-test-boundary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"workbook\"; filename=\"big.xlsx\"\r\n"
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + b"x" * size + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(f"{running.base}{path}", data=body, method="POST",
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                return reply.status, reply.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode()

    status, page = post("/admin/questionnaires/drafts", 3 * 1024 * 1024)
    assert status == 400 and "nginx" not in page  # the app's own CSRF check answered: nginx let it through
    assert post("/login", 3 * 1024 * 1024)[0] == 413
    assert post("/admin/questionnaires/drafts", 7 * 1024 * 1024)[0] == 413
