"""A tablet's queue over a weak link, in real headless Chromium (issue 17): the queue goes in
gzip-compressed batches, each item judged alone; a batch whose reply was lost is sent again and
stores nothing twice; a server or proxy that refuses batches or gzip still gets everything."""
from __future__ import annotations

import time
import uuid as uuidlib

import pytest
from sqlalchemy import func, select

from survey_app.models import Response

from ..api.payloads import awareness
from .collecting import log_in, open_form, queue_items, sent_json, wait_synced

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)]

BATCH = "**/api/v1/submissions/batch"
SINGLE = "**/api/v1/submissions"


def rows(db) -> int:
    db.session.rollback()  # a fresh snapshot: the server wrote meanwhile
    return db.session.scalar(select(func.count()).select_from(Response))


def interviews(n: int, prefix: str) -> list[dict]:
    return [awareness(uuid=str(uuidlib.uuid4()), respondent_code=f"{prefix}{i:04d}") for i in range(n)]


def tablet(context, server):
    """A logged-in tablet with the collection page open and its device token."""
    page = context.new_page()
    log_in(page, server.base)
    open_form(page, server.base)
    page.evaluate("SanquSync.ensureToken()")
    return page


def queued_page(context, server, bodies: list[dict], page=None):
    """A logged-in tablet with ``bodies`` waiting in its queue, none sent yet."""
    page = page or tablet(context, server)
    # no signal while the interviews pile up: a sync that starts meanwhile sends nothing
    page.route("**/api/v1/submissions**", lambda route: route.abort("internetdisconnected"))
    queue_items(page, bodies)
    # A sync that started meanwhile (the page's own) backed off what was queued by then: wait for
    # it to end, and put every interview back as never tried, so that what the test sees next
    # does not depend on when that sync happened to start.
    page.evaluate("""async () => {
      await SanquSync.run();
      for (const item of await SanquStore.all("queue")) {
        item.state = "pending"; item.attempts = 0; delete item.next_at; delete item.last_error;
        await SanquStore.put("queue", item);
      }
    }""")
    page.unroute("**/api/v1/submissions**")
    return page


def record(page, log: list[tuple[str, dict, str]]) -> None:
    """Log every submission request the tablet makes: (path, JSON sent, Content-Encoding)."""
    def note(route):
        request = route.request
        log.append((request.url.split("/api/v1")[1], sent_json(request), request.headers.get("content-encoding", "")))
        route.continue_()
    page.route(SINGLE, note)
    page.route(BATCH, note)


def signal_back(page, for_review: int = 0) -> None:
    """The signal is back: sync, and wait until only ``for_review`` items are left."""
    page.evaluate("SanquSync.wake()")
    if not for_review:
        wait_synced(page)
    end = time.monotonic() + 60
    while page.evaluate("SanquSync.counts()") != {"pending": 0, "review": for_review}:
        assert time.monotonic() < end, page.evaluate("SanquSync.counts()")
        time.sleep(0.2)


def sent_statuses(page) -> list[str]:
    return sorted(s["status"] for s in page.evaluate("SanquStore.all('sent')"))


def test_a_queue_goes_in_gzip_batches_and_arrives_once(context, server, programme, loaded, db):
    bodies = interviews(60, "PJ-B")
    page = queued_page(context, server, bodies)
    log: list = []
    record(page, log)
    signal_back(page)

    assert [path for path, _, _ in log] == ["/submissions/batch"] * 3
    assert [len(body["items"]) for _, body, _ in log] == [25, 25, 10]
    assert {encoding for _, _, encoding in log} == {"gzip"}
    # oldest first, every interview exactly once
    assert [item["uuid"] for _, body, _ in log for item in body["items"]] == [b["uuid"] for b in bodies]
    assert rows(db) == 60
    assert sent_statuses(page) == ["created"] * 60


def test_a_batch_whose_reply_was_lost_is_sent_again_and_stores_nothing_twice(context, server, programme, loaded, db):
    bodies = interviews(30, "PJ-L")
    page = queued_page(context, server, bodies)
    # an old tablet's storage: each write 30 ms late, so the batch's 25 backoffs are written over
    # most of a second (the retry must still send the same 25, not the first ones due and newer)
    page.evaluate("""() => {
      const put = SanquStore.put.bind(SanquStore);
      SanquStore.put = (...args) => new Promise(r => setTimeout(r, 30)).then(() => put(...args));
    }""")
    batches: list[list[str]] = []

    def lose_first_reply(route):
        batches.append([item["uuid"] for item in sent_json(route.request)["items"]])
        if len(batches) == 1:
            route.fetch()                      # the server stores all 25...
            route.abort("connectionreset")     # ...and the tablet never hears it
        else:
            route.continue_()
    page.route(BATCH, lose_first_reply)
    signal_back(page)

    assert rows(db) == 30
    assert batches[0] == batches[1] == [b["uuid"] for b in bodies[:25]]  # the same batch again
    assert sent_statuses(page) == ["created"] * 5 + ["duplicate"] * 25


def test_each_item_of_a_batch_is_judged_alone(context, server, programme, loaded, db, app, token_for):
    bodies = interviews(6, "PJ-M")
    bodies[2]["answers"]["aw1"] = 9            # not on the scale: the server refuses this one
    # another tablet's token, made before this one's page opens: a write of the test's own session
    # after the server's would find its SQLite snapshot stale ("database is locked")
    headers = {"Authorization": f"Bearer {token_for('sw-pj1')}"}
    page = tablet(context, server)
    device = page.evaluate("SanquSync.deviceId()")
    for stored in (bodies[4], bodies[5]):       # the server has these two already (a reply lost)...
        stored["device_id"] = device
        assert app.test_client().post("/api/v1/submissions", json=stored, headers=headers).status_code == 201
    bodies[4] = {**bodies[4], "answers": {**bodies[4]["answers"], "aw2": 1}}  # ...one of them otherwise
    queued_page(context, server, bodies, page)
    log: list = []
    record(page, log)
    signal_back(page, for_review=2)

    assert [path for path, _, _ in log] == ["/submissions/batch"]
    assert rows(db) == 5                        # three new and the two already there
    assert sent_statuses(page) == ["created"] * 3 + ["duplicate"]
    kept = page.evaluate("SanquStore.all('queue')")
    assert sorted((r["uuid"], r["state"], r["status"]) for r in kept) == sorted(
        [(bodies[2]["uuid"], "review", 422), (bodies[4]["uuid"], "review", 409)])
    refused = next(r for r in kept if r["status"] == 422)
    assert "aw1" in refused["message"]
    assert page.get_attribute("#sync-indicator", "data-pending-count") == "2"  # still shown, for review


def test_a_server_without_batches_gets_every_interview_one_by_one(context, server, programme, loaded, db):
    bodies = interviews(5, "PJ-O")
    page = queued_page(context, server, bodies)
    page.route(BATCH, lambda route: route.fulfill(status=404, json={"error": "Not Found"}))
    log: list = []
    page.route(SINGLE, lambda route: (log.append(sent_json(route.request)["uuid"]), route.continue_()))
    signal_back(page)

    assert log == [b["uuid"] for b in bodies]
    assert rows(db) == 5


def test_a_batch_too_large_for_the_front_is_halved(context, server, programme, loaded, db):
    bodies = interviews(20, "PJ-H")
    page = queued_page(context, server, bodies)
    sizes: list[int] = []

    def front(route):
        sizes.append(len(sent_json(route.request)["items"]))
        if len(sizes) == 1:
            route.fulfill(status=413, json={"error": "Request Entity Too Large"})
        else:
            route.continue_()
    page.route(BATCH, front)
    signal_back(page)

    assert sizes == [20, 10, 10]
    assert rows(db) == 20


def test_a_front_that_refuses_gzip_gets_plain_bodies(context, server, programme, loaded, db):
    bodies = interviews(3, "PJ-G")
    page = queued_page(context, server, bodies)
    encodings: list[str] = []

    def front(route):
        encoding = route.request.headers.get("content-encoding", "")
        encodings.append(encoding)
        if encoding:
            route.fulfill(status=415, json={"errors": {"body": ["Content-Encoding must be none"]}})
        else:
            route.continue_()
    page.route(BATCH, front)
    signal_back(page)

    assert encodings == ["gzip", ""]
    assert rows(db) == 3
