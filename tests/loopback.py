"""The app served over real HTTP on loopback, for tests that need a socket (browsers, drills)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def closing(app: Any) -> Any:
    """Hand werkzeug's development server a finished body, never an open file.

    When a browser drops the connection mid-response (a closed tab, the offline drills), the
    server's clean-up can raise before it calls the body's ``close()``; a static file's handle then
    leaks and surfaces as a ResourceWarning in whichever test runs next.  Reading the body here and
    closing it ourselves removes that window; the bytes on the wire are the same."""

    def wsgi(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return wsgi


def make_loopback_server(app: Any, port: int = 0) -> Any:
    from werkzeug.serving import make_server

    return make_server("127.0.0.1", port, closing(app), threaded=True)
