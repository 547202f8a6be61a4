"""Collecting on a tablet in real headless Chromium: online, offline, sync failures, drafts,
kiosk mode and consent (issue 3)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey_app.models import County, Refusal, Response

from .collecting import fill_and_submit, log_in, open_form, pending

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)]


def rows(db, model=Response):
    db.session.rollback()  # a fresh snapshot: the server wrote meanwhile
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_response_filled_online_arrives_once(context, server, programme, loaded, db):
    page = context.new_page()
    log_in(page, server.base)
    open_form(page, server.base)
    fill_and_submit(page, "pj-0101")
    page.wait_for_selector("#status[data-status=saved]")
    assert pending(page) == 0
    stored = db.session.scalars(select(Response)).all()
    assert len(stored) == 1
    r = stored[0]
    assert (r.questionnaire_id, r.wave, r.respondent_code, r.source) == ("awareness", "pre", "PJ-0101", "api")
    assert db.session.get(County, r.county_id).code == "430626"
    assert r.site_id is not None and r.device_id is not None and r.version_id is not None
    assert r.started_at < r.completed_at


def controlled(page) -> None:
    """Wait until the service worker controls the page and has cached what it needs."""
    page.wait_for_function("navigator.serviceWorker.controller !== null || (location.reload(), false)", polling=1000, timeout=20000)
    page.wait_for_function("caches.has('sanqu-pages-v1').then(() => true)")
    page.wait_for_function(
        "(async () => { const c = await caches.open('sanqu-pages-v1'); return !!(await c.match('/collect/awareness')); })()"
    )


def go_offline(context, server) -> None:
    server.stop()               # nothing answers on the server's port
    context.set_offline(True)   # and the browser knows it has no network


def go_online(context, server) -> None:
    server.start()
    context.set_offline(False)


def test_twenty_responses_offline_survive_a_closed_page_and_sync_once(context, server, programme, loaded, db):
    page = context.new_page()
    log_in(page, server.base)
    open_form(page, server.base)
    controlled(page)
    go_offline(context, server)
    page.reload()
    page.wait_for_selector("#collect[data-ready]")
    for i in range(20):
        fill_and_submit(page, f"PJ-OFF{i:03d}", choice=i % 3)
        assert page.get_attribute("#status", "data-status") == "queued"
        page.click("#next-respondent")
    assert pending(page) == 20
    page.close()

    again = context.new_page()  # the same tablet (browser profile), the form opened afresh
    open_form(again, server.base)
    assert pending(again) == 20
    assert rows(db) == 0
    go_online(context, server)
    again.wait_for_function("document.querySelector('#sync-indicator').dataset.pendingCount === '0'", timeout=60000)
    assert rows(db) == 20
    codes = {c for (c,) in db.session.execute(select(Response.respondent_code))}
    assert codes == {f"PJ-OFF{i:03d}" for i in range(20)}
