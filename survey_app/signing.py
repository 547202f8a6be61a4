"""The cookies the app signs, with HMAC-SHA-256 (ASVS 9.1.2, 11.4.1).

itsdangerous, under Flask's session and our known-browser cookie, signs with HMAC-SHA-1 unless
told otherwise; ASVS 5.0's Appendix C lists HMAC-SHA-1 as legacy.  Each cookie has one
algorithm and one purpose (its salt): a value signed any other way, or for another purpose, is
read as no cookie at all.
"""
from __future__ import annotations

import hashlib
from typing import Any

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

SIGNER: dict[str, Any] = {"key_derivation": "hmac", "digest_method": hashlib.sha256}


class SessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session (it holds the server-side session's secret, the pending login
    and the interface language), signed with HMAC-SHA-256."""

    digest_method = staticmethod(hashlib.sha256)


def serializer(secret_key: str | bytes, purpose: str) -> URLSafeTimedSerializer:
    """A timed serializer for one purpose (its salt), HMAC-SHA-256."""
    return URLSafeTimedSerializer(secret_key, salt=purpose, signer_kwargs=SIGNER)
