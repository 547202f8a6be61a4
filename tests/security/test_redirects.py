"""`next` sends the browser only to a path on this site (issue 15: open redirects through
`/lang/<code>` and `/login`)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey_app.redirects import safe_path
from tests.factories import PASSWORD, csrf_token

HOSTILE = ["//evil.example/x", "/\t/evil.example/x", "/\\evil.example", "/\\/evil.example",
           "https://evil.example/", "javascript:alert(1)", "/\n/evil.example", "/\r\n/evil.example", " //evil.example",
           "/ /evil.example", "/\u3000/evil.example", "/\x0b/evil.example", "evil.example"]


@pytest.mark.parametrize("target", HOSTILE)
def test_the_language_switch_never_leaves_the_site(client, programme, target):
    reply = client.get("/lang/en", query_string={"next": target})
    assert reply.status_code == 302
    location = reply.headers["Location"]
    assert location.startswith("/") and not location.startswith("//") and "evil" not in location, location


@pytest.mark.parametrize("target", HOSTILE[:6])
def test_the_login_never_leaves_the_site(client, programme, target):
    token = csrf_token(client, "/login")
    reply = client.post("/login", query_string={"next": target},
                        data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    assert reply.status_code == 302 and "evil" not in reply.headers["Location"], reply.headers["Location"]


def test_the_reported_url_is_refused(client, programme):
    for url in ("/lang/en?next=/%09/evil.example/x", "/lang/en?next=/%0d%0a/evil.example", "/lang/en?next=%2F%2Fevil.example"):
        location = client.get(url).headers["Location"]
        assert "evil" not in location, (url, location)


def test_a_path_on_the_site_is_kept(client, programme):
    reply = client.get("/lang/en", query_string={"next": "/dashboard/awareness?county=430626&round=2026"})
    assert reply.headers["Location"] == "/dashboard/awareness?county=430626&round=2026"


@given(st.text(max_size=30))
def test_whatever_is_kept_is_a_plain_path_on_this_site(text):
    kept = safe_path(text)
    if kept is not None:
        assert kept.startswith("/") and not kept.startswith("//") and "\\" not in kept
        assert all(ch.isprintable() and not ch.isspace() for ch in kept)
