"""The cookies the app signs carry HMAC-SHA-256, and only that is accepted (ASVS 9.1.1, 9.1.2,
11.4.1): the same contents signed with the same key but SHA-1 (itsdangerous's default) are no
session at all."""
from __future__ import annotations

import hashlib

import pytest
from flask.sessions import session_json_serializer
from itsdangerous import BadSignature, URLSafeTimedSerializer

from survey_app.auth.sessions import SESSION_KEY

from ..factories import login


def _reader(app, salt: str, digest, serializer=None) -> URLSafeTimedSerializer:
    extra = {"serializer": serializer} if serializer is not None else {}
    return URLSafeTimedSerializer(app.secret_key, salt=salt, signer_kwargs={"key_derivation": "hmac", "digest_method": digest},
                                  **extra)


def test_the_session_cookie_is_hmac_sha256_and_a_sha1_one_is_no_session(app, client, programme):
    assert login(client, "county-pj").status_code == 302
    name = app.config["SESSION_COOKIE_NAME"]
    genuine = client.get_cookie(name).value
    data = _reader(app, "cookie-session", hashlib.sha256, session_json_serializer).loads(genuine)
    assert isinstance(data.get(SESSION_KEY), str)
    with pytest.raises(BadSignature):
        _reader(app, "cookie-session", hashlib.sha1, session_json_serializer).loads(genuine)

    forged = _reader(app, "cookie-session", hashlib.sha1, session_json_serializer).dumps(data)
    client.set_cookie(name, forged)
    reply = client.get("/account")
    assert reply.status_code == 302 and "/login" in reply.headers["Location"]

    client.set_cookie(name, genuine)
    assert client.get("/account").status_code == 200


def test_the_known_browser_cookie_is_hmac_sha256_for_its_own_purpose(app, client, programme):
    assert login(client, "county-pj").status_code == 302
    value = client.get_cookie("known").value
    assert _reader(app, "known-login", hashlib.sha256).loads(value)["name"] == "county-pj"
    for salt, digest in (("known-login", hashlib.sha1), ("cookie-session", hashlib.sha256)):
        with pytest.raises(BadSignature):
            _reader(app, salt, digest).loads(value)
