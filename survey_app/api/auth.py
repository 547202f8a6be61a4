"""Bearer-token authentication for the API."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, abort, g, jsonify, request

from ..auth.scope import Scope
from ..auth.tokens import scope_for_token
from ..database import DriverConnection
from ..extensions import db

#: what a tablet's device token may reach: the collection API, nothing else (issue 15)
DEVICE_ENDPOINTS = frozenset({
    "api.list_questionnaires", "api.get_questionnaire", "api.post_submission", "api.post_submission_batch",
    "api.post_refusal", "api.followups",
    "api.device_receipt_view",
})


def authenticate(connection: DriverConnection) -> Scope | None:
    """The scope of the request's bearer token, or None."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        return None
    scope = scope_for_token(connection, secret)
    if scope is not None and scope.device and request.endpoint not in DEVICE_ENDPOINTS:
        abort(403, description="a device token is for collecting only (questionnaires, submissions, refusals, "
                               "follow-ups, receipts); use a staff API token")
    return scope


def unauthorized() -> Response:
    response = jsonify({"error": "unauthorized", "message": "a valid bearer token is required"})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="sanqu-survey"'
    return response


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Require a valid bearer token; the view finds the caller's scope in ``g.scope``."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with DriverConnection(db.engine) as connection:
            scope = authenticate(connection)
        if scope is None:
            return unauthorized()
        g.scope = scope
        return view(*args, **kwargs)

    return wrapper


def request_language() -> str:
    return request.accept_languages.best_match(["zh", "en"], default="zh") or "zh"
