"""Retries arriving together: 20 identical posts over real HTTP leave exactly one row."""
from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from survey_app.models import Answer, Response

from .payloads import awareness


def _fire(url: str, token: str, bodies: list[dict]) -> list[int]:
    barrier = threading.Barrier(len(bodies))

    def one(body: dict) -> int:
        with requests.Session() as http:
            barrier.wait(timeout=30)
            reply = http.post(f"{url}/api/v1/submissions", data=json.dumps(body),
                              headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}, timeout=60)
            return reply.status_code

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(one, bodies))


def test_twenty_identical_posts_make_one_row(live_server, token_for, db):
    payload = awareness()
    statuses = _fire(live_server, token_for("admin"), [payload] * 20)
    assert sorted(statuses) == [200] * 19 + [201]
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1
    assert db.session.scalar(select(func.count()).select_from(Answer).where(Answer.question_id == "aw1")) == 1


def test_same_uuid_other_content_in_parallel_keeps_the_first(live_server, token_for, db):
    base = awareness()
    variants = []
    for i in range(10):
        body = json.loads(json.dumps(base))
        body["answers"]["aw1"] = 1 + i % 5
        variants.append(body)
    statuses = _fire(live_server, token_for("admin"), variants)
    assert statuses.count(201) == 1
    winner = variants[statuses.index(201)]
    # The same content as the winner is a duplicate; any other content is a conflict.
    for status, body in zip(statuses, variants, strict=True):
        if body is not winner:
            assert status == (200 if body["answers"]["aw1"] == winner["answers"]["aw1"] else 409)
    stored = db.session.scalar(select(Response))
    assert stored.answers_json["aw1"] == winner["answers"]["aw1"]
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1
