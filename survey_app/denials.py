"""Refused access in the audit trail (ASVS 16.3.2): every 403 a known caller gets, whoever
refused it (a view's own check, the access rules, the device-token allowlist).

Written after the reply is made, in the request's session once whatever the view left
uncommitted is rolled back: nothing of a refused request is stored but the refusal (and on
SQLite a second connection would wait for the session's own write lock).  Anonymous callers
get 401 or the login page, not 403, so the trail is not open to an anonymous flood.
"""
from __future__ import annotations

from flask import Flask, Response, g, request
from flask_login import current_user

from .extensions import db
from .models.audit import record


def register_denial_log(app: Flask) -> None:
    @app.after_request
    def _log_denial(response: Response) -> Response:
        if response.status_code != 403:
            return response
        actor = getattr(g.get("scope"), "user_id", None)
        if actor is None and current_user.is_authenticated:
            actor = current_user.id
        if actor is None:
            return response
        db.session.rollback()
        record("access.denied", actor_id=actor, target=request.path[:200], ip=request.remote_addr,
               method=request.method, endpoint=request.endpoint or "")
        db.session.commit()
        return response
