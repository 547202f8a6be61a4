"""Bearer-token authentication for the API."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, jsonify, request

from ..auth.tokens import scope_for_token
from ..extensions import db


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Require a valid bearer token; the view finds the caller's scope in ``g.scope``."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        scope = scope_for_token(db.session, secret.strip()) if scheme.lower() == "bearer" and secret.strip() else None
        if scope is None:
            response = jsonify({"error": "unauthorized", "message": "a valid bearer token is required"})
            response.status_code = 401
            response.headers["WWW-Authenticate"] = 'Bearer realm="sanqu-survey"'
            return response
        g.scope = scope
        return view(*args, **kwargs)

    return wrapper


def request_language() -> str:
    return request.accept_languages.best_match(["zh", "en"], default="zh") or "zh"
