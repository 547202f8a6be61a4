"""Response headers that make the browser refuse what the app never does (ASVS V3/V14):
no inline or foreign script, no framing, no MIME sniffing, no full referrer to other sites."""
from __future__ import annotations

from flask import Flask, Response

#: Scripts only from this site (no inline script, no eval): text that slipped past escaping
#: still cannot run.  Plotly draws under ``style-src 'self'`` (it sets styles through the CSSOM,
#: which CSP allows), so no inline style either.  ``blob:``/``data:`` images: Plotly's
#: "download as PNG" and the inline icon.  ``worker-src 'self'``: the collection service worker.
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
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), geolocation=(), microphone=(), payment=()",
}


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config["SESSION_COOKIE_SECURE"]:
            # Served over HTTPS: tell the browser never to try plain HTTP for a year.
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
