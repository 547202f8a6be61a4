"""Login throttling per address (ASVS V6 brute force): failed logins from one address are
counted in a window; past the limit the login answers 429 until the window moves on.  It stops
a flood before it reaches the database and the password hash.  The per-account lockout, which
must hold across workers, is in lockout.py.

Only failures count (a 401 reply), so staff who log in often from one office never meet it.
"""
from __future__ import annotations

from flask import Response, current_app
from flask_limiter.util import get_remote_address

from ..extensions import limiter


def _login_failed(response: Response) -> bool:
    return response.status_code == 401


def _address_key() -> str:
    return "address:" + get_remote_address()


per_address = limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], key_func=_address_key, methods=["POST"], deduct_when=_login_failed
)
