"""Which figures may come from findings snapshots, and how (analysis/snapshots.py): the
dashboards may show a recent snapshot of older data and say from when; the stats API gives the
data as it stands; the worker refreshes what people read; a report reads only snapshots of the
data as it stands (a report is a document of record) and stores nothing."""
from __future__ import annotations

import hashlib
from typing import Any

from flask import Flask, g, request

from .analysis import snapshots

#: blueprint -> whether a recent snapshot of older data may be shown
BLUEPRINTS = {"dashboard": True, "api": False}


def policy(config: Any, stale: bool = False, store: bool = True) -> snapshots.Policy:
    # a key of its own, derived from the app's: a snapshot's signature proves nothing else
    secret = hashlib.sha256(b"sanqu findings snapshots\0" + str(config["SECRET_KEY"]).encode()).digest()
    return snapshots.Policy(secret=secret, min_responses=int(config["SNAPSHOT_RESPONSES"]),
                            stale_seconds=float(config["SNAPSHOT_STALE_SECONDS"]) if stale else 0.0, store=store)


def register(app: Flask) -> None:
    @app.before_request
    def _begin() -> None:
        stale = BLUEPRINTS.get(request.blueprint or "")
        if stale is not None:
            g.snapshot_tokens = snapshots.begin(policy(app.config, stale=stale))

    @app.teardown_request
    def _end(_exc: BaseException | None) -> None:
        tokens = g.pop("snapshot_tokens", None)
        if tokens is not None:
            snapshots.end(tokens)
