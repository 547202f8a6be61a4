"""Security headers on every reply, and templates that need no inline script or style."""
from __future__ import annotations

import re

from survey_app.config import ROOT

from ..factories import login


def _directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_pages_forbid_inline_script_and_framing(client, programme):
    login(client, "admin")
    for path in ("/login", "/", "/collect/", "/dashboard/", "/static/css/app.css", "/collect/sw.js", "/no-such-page"):
        with client.get(path) as reply:
            reply.get_data()
        csp = _directives(reply.headers["Content-Security-Policy"])
        assert csp["script-src"] == ["'self'"], path
        assert "'unsafe-inline'" not in csp["style-src"] and "'unsafe-eval'" not in csp["script-src"]
        assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        assert reply.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert reply.headers["X-Frame-Options"] == "DENY"
        assert "Strict-Transport-Security" not in reply.headers  # plain HTTP here


def test_the_collection_pages_may_load_their_own_web_app_manifest_only(client, programme):
    login(client, "sw-pj1")
    for path in ("/collect/", "/collect/awareness", "/collect/app.webmanifest"):
        csp = _directives(client.get(path).headers["Content-Security-Policy"])
        assert csp["manifest-src"] == ["'self'"], path
        assert csp["img-src"][0] == "'self'", path  # the icons, from this site


def test_api_replies_carry_them_too(client, token_for):
    reply = client.get("/api/v1/questionnaires", headers={"Authorization": f"Bearer {token_for('admin')}"})
    assert reply.status_code == 200 and reply.headers["X-Content-Type-Options"] == "nosniff"


INLINE = [
    (re.compile(r"<script(?![^>]*\b(src|type=\"application/json\")=?)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler attribute"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style", re.I), "<style> element"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_relies_on_inline_script_or_style():
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        found += [f"{path.relative_to(ROOT)}: {what}" for pattern, what in INLINE if pattern.search(text)]
    assert found == []


def test_personal_pages_and_api_replies_are_never_cached(client, programme, token_for):
    """Issue 15: authenticated pages carried no Cache-Control."""
    from ..factories import login

    assert client.get("/api/v1/questionnaires", headers={"Authorization": f"Bearer {token_for('admin')}"}).headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/questionnaires").headers["Cache-Control"] == "no-store"  # a 401 too
    login(client, "admin")
    for page in ("/", "/admin/users", "/dashboard/awareness", "/collect/awareness"):
        assert client.get(page).headers["Cache-Control"] == "no-store", page
    static = client.get("/static/css/app.css")
    static.close()  # a file response: close it, or the file handle outlives the test
    assert static.headers.get("Cache-Control") != "no-store"


def test_refused_access_is_audited(app, client, programme, db, token_for):
    """ASVS 16.3.2: a 403 to a known caller leaves an audit line, from a page or the API."""
    from sqlalchemy import select

    from survey_app.models import AuditEvent

    login(client, "sw-pj1")
    assert client.get("/admin/users").status_code == 403
    token = token_for("sw-pj1")
    assert client.get("/api/v1/stats/summary?questionnaire=awareness", headers={"Authorization": f"Bearer {token}"}).status_code == 403
    db.session.rollback()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied").order_by(AuditEvent.id)).all()
    assert [e.target for e in events] == ["/admin/users", "/api/v1/stats/summary"]
    assert all(e.actor_id is not None and e.ip == "127.0.0.1" for e in events)
