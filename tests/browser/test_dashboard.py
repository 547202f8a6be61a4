"""Every dashboard page in real Chromium: plotly.js from the app, every chart drawn, no script
error, no request leaving the machine, and the filters sent when a choice changes."""
from __future__ import annotations

import pytest

from .collecting import log_in

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)]

PAGES = ("overview", "awareness", "items", "satisfaction", "activity", "quality")


@pytest.fixture
def demo(db, programme, loaded):
    from survey_app.demo.seed import seed_responses

    seed_responses(db.session, 800, seed=6)
    db.session.commit()
    return db


def test_every_page_draws_its_charts(server, context, demo):
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((server.base, "data:")) else None)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    log_in(page, server.base, "admin")
    for name in PAGES:
        page.goto(f"{server.base}/dashboard/{name}")
        boxes = page.locator("[data-chart]")
        count = boxes.count()
        assert count >= 1, name
        page.wait_for_function(
            "n => document.querySelectorAll('[data-chart][data-drawn=\"1\"]').length === n", arg=count, timeout=20000)
        # Plotly drew real marks (bars, points or boxes), not an empty frame
        assert page.locator(".main-svg .trace").count() >= count, name
    assert not outside, outside
    assert not console, console
    # on a tablet held upright nothing runs off the side of the page (wide tables scroll in their card)
    page.set_viewport_size({"width": 800, "height": 1280})
    for name in PAGES:
        page.goto(f"{server.base}/dashboard/{name}")
        page.wait_for_selector("[data-chart][data-drawn='1']")
        assert page.evaluate("document.documentElement.scrollWidth") <= 800, name


def test_choosing_a_county_sends_the_filters(server, context, demo):
    page = context.new_page()
    log_in(page, server.base, "admin")
    page.goto(f"{server.base}/dashboard/awareness")
    with page.expect_navigation():
        page.select_option("select[name=county]", "430626")
    assert "county=430626" in page.url
    page.wait_for_selector("[data-chart][data-drawn='1']")
    labels = page.locator("[data-chart='2'] .ytick text").all_text_contents()
    assert labels and not any("凤凰" in label for label in labels)
    # the other pages keep the choice
    href = page.locator("nav.dash-nav a", has_text="数据质量").get_attribute("href")
    assert "county=430626" in href
