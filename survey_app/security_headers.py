"""Response headers that make the browser refuse what the app never does (ASVS V3/V14):
no inline or foreign script, no framing, no MIME sniffing, no full referrer to other sites."""
from __future__ import annotations

from typing import Any

from flask import Flask, Response, request
from flask_login import current_user

#: Scripts only from this site (no inline script, no eval): text that slipped past escaping
#: still cannot run.  No inline style either, except below.  ``blob:``/``data:`` images:
#: Plotly's "download as PNG" and the inline icon.  ``worker-src 'self'``: the collection
#: service worker; ``manifest-src 'self'``: the collection pages' web app manifest
#: (collect/app_manifest.py), which makes them installable.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "media-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",  # no page has a <base>; ASVS 3.4.3 asks 'none'
    "form-action 'self'",
    "frame-ancestors 'none'",
))

#: What plotly.js (3.x, in plotly 7.1) needs on the pages that draw charts, and no more:
#: ``style`` attributes on the SVG it draws, whose values change with every chart (no hash can
#: list them), and two ``<style>`` elements of fixed content, allowed by their hashes: the empty
#: one it then fills through the CSSOM (which CSP does not govern), and its MapLibre sheet.  A
#: style attribute cannot run script.  A plotly upgrade that changes them shows up as CSP
#: errors in tests/browser/test_dashboard.py.
PLOTLY_STYLE_HASHES = (
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # "" (plotly.js-style-global)
    "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='",  # .maplibregl-map{...}
)
DASHBOARD_POLICY = CONTENT_SECURITY_POLICY + "; " + "; ".join((
    "style-src-elem 'self' " + " ".join(PLOTLY_STYLE_HASHES),
    "style-src-attr 'unsafe-inline'",
))
#: the blueprints whose pages draw Plotly charts
CHART_BLUEPRINTS = frozenset({"dashboard"})

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), geolocation=(), microphone=(), payment=()",
}
#: the studio pages (/audio/) may use the microphone, from this site alone
STUDIO_PERMISSIONS = "camera=(), geolocation=(), microphone=(self), payment=()"
#: and play back the take just recorded, held by the page as a ``blob:`` URL before upload
STUDIO_POLICY = CONTENT_SECURITY_POLICY.replace("media-src 'self'", "media-src 'self' blob:")


def _personal(req: Any) -> bool:
    """An API reply, the login's pages (the code page carries a new authenticator secret), or a
    page for a logged-in user (static files set their own caching)."""
    if req.path.startswith(("/api/", "/login")):
        return True
    return req.endpoint != "static" and bool(getattr(current_user, "is_authenticated", False))


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        if request.blueprint == "audio":
            response.headers.setdefault("Content-Security-Policy", STUDIO_POLICY)
        response.headers.setdefault(
            "Content-Security-Policy", DASHBOARD_POLICY if request.blueprint in CHART_BLUEPRINTS else CONTENT_SECURITY_POLICY
        )
        if request.blueprint == "audio":
            # the audio studio records staff reading prompts (static/js/studio.js): this site only
            response.headers.setdefault("Permissions-Policy", STUDIO_PERMISSIONS)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if "Cache-Control" not in response.headers and _personal(request):
            # residents' answers and staff pages must not stay in a shared or back-button cache
            response.headers["Cache-Control"] = "no-store"
        if app.config["SESSION_COOKIE_SECURE"]:
            # Served over HTTPS: tell the browser never to try plain HTTP for a year, on the
            # subdomains too (ASVS 3.4.1 at L2).
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
