"""A tablet whose clock is wrong does not start an interview: the server refuses times before 2013
or past its own clock, and such an answer would wait in the tablet's queue for ever.  The clock
is Chromium's own, moved by Playwright; the server's is the real one."""
from __future__ import annotations

import datetime as dt

import pytest

from .collecting import log_in, open_form

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("engine_name", ["sqlite"])  # the clock is the tablet's: one engine is enough
@pytest.mark.parametrize(("device_time", "said"), [
    (dt.datetime(2010, 1, 1, 9, tzinfo=dt.UTC), "平板的日期不对（现在是 2010-01-01）"),
    (dt.datetime.now(dt.UTC) + dt.timedelta(days=3), "平板的时间比服务器快了约 72 小时"),
])
def test_a_wrong_clock_stops_the_start_and_says_why(context, server, programme, loaded, db, device_time, said):
    page = context.new_page()
    page.clock.install(time=device_time)
    log_in(page, server.base)
    open_form(page, server.base, "satisfaction")
    # the page asks the server for the tablet's token; that reply's Date header gives the offset
    page.wait_for_function("() => localStorage.getItem('sanqu.clock') !== null")
    page.select_option("select[name=site]", index=1)
    page.click("[data-action=start]")
    message = page.locator("[data-errors-for=clock]")
    message.wait_for(state="visible")
    assert said in message.inner_text()
    assert page.locator("[data-step=setup]").is_visible()  # the interview did not begin


@pytest.mark.parametrize("engine_name", ["sqlite"])
def test_a_right_clock_starts(context, server, programme, loaded, db):
    page = context.new_page()
    log_in(page, server.base)
    open_form(page, server.base, "satisfaction")
    page.wait_for_function("() => localStorage.getItem('sanqu.clock') !== null")
    page.select_option("select[name=site]", index=1)
    page.click("[data-action=start]")
    page.wait_for_selector("[data-step=setup][hidden]", state="attached")
    assert page.locator("[data-errors-for=clock]").is_hidden()
