"""POST /api/v1/submissions/batch and gzip bodies (issue 17: a week of interviews over 2G): each
item of a batch is judged as a single submission would be (mixed outcomes, in order), a twin
within one batch and a retried batch double nothing; gzip bodies are accepted, and a body that
inflates past the bound is refused with 413 before it fills the memory."""
from __future__ import annotations

import gzip
import json
import tracemalloc
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from survey_app.api.bodies import BodyError, inflate
from survey_app.models import Response

from .payloads import awareness


@pytest.fixture
def collector(token_for):
    return {"Authorization": f"Bearer {token_for('sw-pj1')}"}


def batch(client, headers, items, **kw):
    return client.post("/api/v1/submissions/batch", json={"items": items}, headers=headers, **kw)


def stored(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Response))


def test_each_item_is_judged_as_alone_and_answered_in_order(client, collector, db):
    good, bad, twin = awareness(), awareness(), awareness()
    bad["answers"]["aw_heard"] = "maybe"  # not an option
    other = awareness(county="433123", site="433123-01", team="FH01")  # outside the collector's county
    conflicting = dict(good, answers={**good["answers"], "aw_heard": "no"})  # same uuid, other content
    reply = batch(client, collector, [good, bad, twin, good, other, conflicting, "not an object"])
    assert reply.status_code == 200
    results = reply.get_json()["results"]
    assert [(r["uuid"], r["status"], r["http_status"]) for r in results] == [
        (good["uuid"], "created", 201), (bad["uuid"], "invalid", 422), (twin["uuid"], "created", 201),
        (good["uuid"], "duplicate", 200), (other["uuid"], "forbidden", 403), (good["uuid"], "conflict", 409),
        (None, "invalid", 422)]
    assert "aw_heard" in results[1]["errors"]
    # the same replies as one at a time
    alone = client.post("/api/v1/submissions", json=bad, headers=collector)
    assert (alone.status_code, alone.get_json()["errors"]) == (422, results[1]["errors"])
    assert stored(db) == 2


def test_a_retried_batch_whose_reply_was_lost_stores_nothing_twice(client, collector, db):
    items = [awareness() for _ in range(5)]
    first = batch(client, collector, items).get_json()["results"]
    again = batch(client, collector, items).get_json()["results"]
    assert [r["status"] for r in first] == ["created"] * 5 and [r["status"] for r in again] == ["duplicate"] * 5
    assert stored(db) == 5


@pytest.mark.parametrize("body", [{}, {"items": []}, {"items": {}}, {"items": "x"}, [1, 2], "101 items"],
                         ids=["no items", "none", "an object", "text", "a list", "101 items"])
def test_not_a_list_of_1_to_100_items_is_422(client, collector, db, body):
    if body == "101 items":
        body = {"items": [awareness() for _ in range(101)]}
    reply = client.post("/api/v1/submissions/batch", json=body, headers=collector)
    assert reply.status_code == 422 and "items" in reply.get_json()["errors"]
    assert stored(db) == 0


def test_a_batch_needs_a_token(client):
    assert batch(client, {}, [awareness()]).status_code == 401


def test_a_gzip_body_is_stored_as_a_plain_one(client, collector, db):
    payload = awareness()
    raw = gzip.compress(json.dumps(payload, ensure_ascii=False).encode())
    reply = client.post("/api/v1/submissions", data=raw, headers={**collector, "Content-Encoding": "gzip",
                                                                   "Content-Type": "application/json"})
    assert reply.status_code == 201 and reply.get_json()["uuid"] == payload["uuid"]
    items = [awareness() for _ in range(3)]
    raw = gzip.compress(json.dumps({"items": items}).encode())
    reply = client.post("/api/v1/submissions/batch", data=raw, headers={**collector, "Content-Encoding": "gzip",
                                                                         "Content-Type": "application/json"})
    assert [r["status"] for r in reply.get_json()["results"]] == ["created"] * 3
    assert stored(db) == 4


def test_a_body_that_inflates_past_the_bound_is_413_and_stores_nothing(client, collector, db, app):
    app.config["MAX_INFLATED_LENGTH"] = 1024 * 1024
    payload = awareness()
    payload["answers"]["note"] = "x" * (2 * 1024 * 1024)  # 2 MB of one letter: a few KB compressed
    raw = gzip.compress(json.dumps(payload).encode())
    assert len(raw) < 10_000
    reply = client.post("/api/v1/submissions", data=raw, headers={**collector, "Content-Encoding": "gzip",
                                                                   "Content-Type": "application/json"})
    assert reply.status_code == 413 and "inflates" in reply.get_json()["errors"]["body"][0]
    assert stored(db) == 0


@pytest.mark.parametrize(("encoding", "body", "status"), [
    ("gzip", b'{"not": "gzip"}', 400),                       # said gzip, is not
    ("gzip", gzip.compress(b'{"uuid": "x"}')[:-6], 400),    # cut short
    ("br", b"anything", 415),                               # an encoding we do not take
    ("gzip, br", b"anything", 415),
    ("gzip", gzip.compress(b"{not json"), 400),
], ids=["not gzip", "cut short", "brotli", "two encodings", "gzip of no JSON"])
def test_bad_encodings_are_refused_with_a_reason(client, collector, db, encoding, body, status):
    reply = client.post("/api/v1/submissions", data=body, headers={**collector, "Content-Encoding": encoding,
                                                                    "Content-Type": "application/json"})
    assert reply.status_code == status and reply.get_json()["errors"]["body"]
    assert stored(db) == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=4000), limit=st.integers(min_value=0, max_value=5000), level=st.integers(0, 9))
def test_inflate_gives_the_content_or_refuses_past_the_limit(data, limit, level):
    packed = gzip.compress(data, compresslevel=level)
    if len(data) <= limit:
        assert inflate(packed, limit) == data
    else:
        with pytest.raises(BodyError) as refused:
            inflate(packed, limit)
        assert refused.value.status == 413


def test_a_bomb_is_refused_without_inflating_it_whole():
    bomb = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    packed = bomb.compress(b"\0" * (200 * 1024 * 1024)) + bomb.flush()  # 200 MB in about 200 KB
    tracemalloc.start()
    try:
        with pytest.raises(BodyError) as refused:
            inflate(packed, 8 * 1024 * 1024)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.status == 413
    assert peak < 40 * 1024 * 1024  # the bound and a few pieces, not the 200 MB
