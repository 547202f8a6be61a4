"""Login throttling (ASVS V6 brute force): failed logins are counted per account and per
address in a sliding window; past the limit the login answers 429 until the window moves on.

Only failures count (a 401 reply), so a user who logs in often never meets the limit; the
account key is the name as typed, so a name that does not exist is throttled the same way and
the reply tells nothing about which accounts exist.
"""
from __future__ import annotations

from flask import Response, current_app, request
from flask_limiter.util import get_remote_address

from ..extensions import limiter


def _login_failed(response: Response) -> bool:
    return response.status_code == 401


def _account_key() -> str:
    return "account:" + request.form.get("username", "").strip().lower()[:64]


def _address_key() -> str:
    return "address:" + get_remote_address()


per_account = limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_account_key, methods=["POST"], deduct_when=_login_failed
)
per_address = limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], key_func=_address_key, methods=["POST"], deduct_when=_login_failed
)
