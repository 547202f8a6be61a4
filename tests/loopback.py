"""The app served over real HTTP on loopback, for tests that need a socket (browsers, drills)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any


class InFlight:
    """The requests the server is still answering.  A request thread outlives ``shutdown()`` (the
    server's threads are daemons, never joined): were the app's engine disposed under it, its
    connection would go back to a pool nobody holds and be closed only by the garbage collector,
    reported as a ResourceWarning by whichever test runs then.  ``drain`` waits for them."""

    def __init__(self) -> None:
        self._n = 0
        self._changed = threading.Condition()

    def __enter__(self) -> None:
        with self._changed:
            self._n += 1

    def __exit__(self, *_exc: Any) -> None:
        with self._changed:
            self._n -= 1
            self._changed.notify_all()

    def drain(self, timeout: float = 10) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._n == 0, timeout)


def closing(app: Any, in_flight: InFlight | None = None) -> Any:
    """Hand werkzeug's development server a finished body, never an open file.

    When a browser drops the connection mid-response (a closed tab, the offline drills), the
    server's clean-up can raise before it calls the body's ``close()``; a static file's handle then
    leaks and surfaces as a ResourceWarning in whichever test runs next.  Reading the body here and
    closing it ourselves removes that window; the bytes on the wire are the same."""

    in_flight = in_flight or InFlight()

    def wsgi(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        with in_flight:
            body = app(environ, start_response)
            try:
                return [b"".join(body)]
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()

    return wsgi


def make_loopback_server(app: Any, port: int = 0) -> Any:
    """A threaded server whose ``in_flight.drain()`` waits for the requests it is answering."""
    from werkzeug.serving import make_server

    in_flight = InFlight()
    server = make_server("127.0.0.1", port, closing(app, in_flight), threaded=True)
    server.in_flight = in_flight
    return server
