"""An expired CSRF token gives a page that explains and keeps what was typed (never a password),
only for forms posted from this site; session cookies are HttpOnly, SameSite and, over HTTPS,
Secure."""
from __future__ import annotations

import re
import time

from werkzeug.routing import IntegerConverter

from ..conftest import make_app
from ..factories import PASSWORD, csrf_token

OWN = "http://localhost"


def _resubmit_form(page: str) -> dict[str, str] | None:
    form = re.search(r'<form method="post" action="([^"]*)" class="resubmit".*?</form>', page, re.S)
    if form is None:
        return None
    fields = dict(re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', form.group(0), re.S))
    fields["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', form.group(0)).group(1)
    fields["_action"] = form.group(1)
    return fields


def test_an_expired_token_keeps_what_was_typed_but_not_the_password(app, client, programme):
    app.config["WTF_CSRF_TIME_LIMIT"] = 1
    token = csrf_token(client)
    time.sleep(2.1)  # itsdangerous counts whole seconds: older than 1 s means 2
    reply = client.post("/login?next=/collect/", data={"username": "county-pj", "password": PASSWORD, "csrf_token": token},
                        headers={"Origin": OWN})
    assert reply.status_code == 400
    page = reply.get_data(as_text=True)
    assert "页面已过期" in page and "expired" in page
    kept = _resubmit_form(page)
    assert kept is not None and kept["username"] == "county-pj" and "password" not in kept
    assert PASSWORD not in page
    assert kept["_action"] == "/login?next=/collect/" and kept["csrf_token"] != token
    # The fresh token works: submitting again (with the password typed again) logs in.
    again = client.post(kept.pop("_action"), data={**kept, "password": PASSWORD}, headers={"Origin": OWN})
    assert again.status_code == 302 and again.headers["Location"] == "/collect/"


def test_typed_text_comes_back_inert(client, programme):
    payload = '"><svg onload=alert(1)></textarea><script>alert(1)</script>'
    reply = client.post("/login", data={"username": payload, "password": "x", "csrf_token": "stale"}, headers={"Origin": OWN})
    page = reply.get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<svg onload" not in page
    assert _resubmit_form(page)["username"] == payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")


def test_a_form_from_another_site_is_not_offered_again(client, programme):
    for headers in ({"Origin": "https://evil.example"}, {"Referer": "https://evil.example/page"}, {}):
        reply = client.post("/login", data={"username": "county-pj", "password": "x"}, headers=headers)
        assert reply.status_code == 400
        page = reply.get_data(as_text=True)
        assert _resubmit_form(page) is None and "county-pj" not in page


def _set_cookie(reply, name: str = "session") -> str:
    (cookie,) = [c for c in reply.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]
    return cookie


def test_session_cookie_is_httponly_and_samesite(client, programme):
    from ..factories import login

    cookie = _set_cookie(login(client, "county-pj"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_over_https_cookies_are_secure_and_hsts_is_sent(engine_name, tmp_path, monkeypatch, programme, db):
    monkeypatch.setenv("PREFERRED_URL_SCHEME", "https")
    monkeypatch.setenv("PROXY_COUNT", "1")
    url = db.engine.url.render_as_string(hide_password=False)
    https_app = make_app(url, tmp_path)
    try:
        client = https_app.test_client()
        proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login", headers=proxied).get_data(as_text=True)).group(1)
        reply = client.post("/login", data={"username": "county-pj", "password": PASSWORD, "csrf_token": token},
                            headers={**proxied, "Referer": "https://localhost/login"})
        assert reply.status_code == 302
        cookie = _set_cookie(reply, "__Host-session")  # the prefix: Secure, this host only, Path=/
        assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/;" in cookie and "Domain" not in cookie
        assert reply.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        from sqlalchemy import select

        from survey_app.models import UserSession

        # Behind the proxy, the client's address is the one recorded (and rate-limited).
        assert db.session.scalars(select(UserSession.ip)).all() == ["203.0.113.9"]
    finally:
        with https_app.app_context():
            from survey_app.extensions import db as _db

            _db.engine.dispose()


#: POST routes without a CSRF token, each for its reason: bearer tokens (no cookie), or a JSON
#: body whose Origin is checked (the offline page's token may be stale)
CSRF_EXEMPT = ("api.", "collect.device")


def _sample(rule, arg: str) -> str:
    if arg == "qid":
        return "awareness"
    return "1" if isinstance(rule._converters.get(arg), IntegerConverter) else "x"


def test_every_state_changing_route_needs_a_csrf_token(app, client, programme):
    from ..factories import login

    login(client, "admin")
    checked = []
    for rule in app.url_map.iter_rules():
        if not rule.methods & {"POST", "PUT", "PATCH", "DELETE"} or rule.endpoint.startswith(CSRF_EXEMPT):
            continue
        path = rule.build({arg: _sample(rule, arg) for arg in rule.arguments})[1]
        reply = client.post(path, data={"anything": "1"})
        assert reply.status_code == 400 and "页面已过期" in reply.get_data(as_text=True), rule.endpoint
        checked.append(rule.endpoint)
    assert {"auth.login", "auth.logout", "collect.form", "reports.index"} <= set(checked)
