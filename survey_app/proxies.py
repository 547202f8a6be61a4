"""X-Forwarded-* read only from the proxies configured (issue 15): with `PROXY_COUNT=1` but the
app's port reachable directly, a client could otherwise choose its own address and walk past the
per-address login limit."""
from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix


class TrustedProxyFix:
    """ProxyFix for requests whose direct peer is one of the trusted proxies; every other
    request keeps the address it came from and its forwarded headers are ignored."""

    def __init__(self, app: Callable[..., Any], count: int, trusted: Iterable[str]) -> None:
        self.app = app
        self.fixed = ProxyFix(app, x_for=count, x_proto=count, x_host=count)
        names = [t.strip() for t in trusted if t.strip()]
        # "unix": the proxy reaches the app on a Unix socket (the deployment's), whose peer has no
        # address; only processes allowed to open the socket file can be that peer
        self.unix = "unix" in names
        self.trusted = [ipaddress.ip_network(t, strict=False) for t in names if t != "unix"]

    def _is_trusted(self, peer: str) -> bool:
        if peer == "":
            return self.unix
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.trusted)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self._is_trusted(environ.get("REMOTE_ADDR", "")):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)
