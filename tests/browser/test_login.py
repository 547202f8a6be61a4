"""The login and home pages in a real browser, at tablet size."""
from __future__ import annotations

import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)]


def test_log_in_and_see_the_home_page(page, live_server, programme):
    page.goto(f"{live_server}/")
    assert "/login" in page.url
    page.fill('input[name="username"]', "county-pj")
    page.fill('input[name="password"]', PASSWORD)
    page.click('input[type="submit"]')
    page.wait_for_selector('[data-questionnaire="awareness"]')
    assert "平江县（430626）" in page.inner_text("main")
    # Touch targets on a tablet: at least 48 px high.
    box = page.locator("header button").bounding_box()
    assert box["height"] >= 48


def test_wrong_password_shows_a_message(page, live_server, programme):
    page.goto(f"{live_server}/login")
    page.fill('input[name="username"]', "admin")
    page.fill('input[name="password"]', "not the password")
    page.click('input[type="submit"]')
    assert "用户名或密码不正确" in page.inner_text('[role="alert"]')
    # the answer's page with its stylesheet applied (the alert can be read before the sheet's
    # revalidation comes back: the box then measured the browser's default input, 21 px)
    page.wait_for_load_state("load")
    inputs = page.locator("input[name=username]").bounding_box()
    assert inputs["height"] >= 48
