"""Failed logins are throttled per account and per address (429, audited); successes are not
counted, and an unknown name is treated like a real one."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.models import AuditEvent

from ..test_auth import PASSWORD, login


@pytest.fixture
def small_limits(app):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "5 per 15 minutes"


@pytest.mark.parametrize("username", ["county-pj", "no-such-user"])
def test_an_account_is_locked_after_repeated_failures(client, programme, db, small_limits, username):
    for _ in range(3):
        assert login(client, username, "wrong password!!").status_code == 401
    locked = login(client, username, PASSWORD)  # even the right password: the account waits
    assert locked.status_code == 429
    page = locked.get_data(as_text=True)
    assert "尝试次数过多" in page and "Too many attempts" in page
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login.ratelimited"))
    assert event.target == username and event.ip == "127.0.0.1"
    # Names are compared as the user would: case and spaces do not open a new allowance.
    assert login(client, f" {username.upper()} ", "wrong password!!").status_code == 429
    # Another account from the same address is not locked by this one.
    assert login(client, "team-pj").status_code == 302


def test_an_address_is_throttled_across_accounts(client, programme, small_limits):
    for name in ("a1", "a2", "a3", "a4", "a5"):
        assert login(client, name, "wrong password!!").status_code == 401
    assert login(client, "county-pj").status_code == 429


def test_successful_logins_are_not_counted(app, programme, small_limits):
    for _ in range(6):
        assert login(app.test_client(), "county-pj").status_code == 302
