"""Findings snapshots as the office meets them (both engines): past ``SNAPSHOT_RESPONSES`` a
dashboard shows the figures of unchanged data from their snapshot; after a change it may show the
recent snapshot and says from when, until the worker has refreshed it; the stats API always
answers for the data as it stands; below the threshold nothing is kept."""
from __future__ import annotations

import re
import time

from sqlalchemy import func, select

from survey_app.analysis import snapshots
from survey_app.models import FindingsSnapshot
from survey_app.models.responses import RespondentLatest
from survey_app.snapshot_policies import policy
from survey_app.submissions.latest import set_excluded
from tests.factories import login

STALE = 'data-hook="stale-figures"'
PREPOST = "/api/v1/stats/prepost?questionnaire=awareness&index=awareness"


def n_pairs(page: str) -> int:
    return int(re.search(r'data-n-pairs="(\d+)"', page).group(1))


def kept(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(FindingsSnapshot))


def exclude_a_pair(db) -> None:
    db.session.rollback()
    response = db.session.scalar(select(RespondentLatest.post_id).where(RespondentLatest.pre_id.is_not(None),
                                                                        RespondentLatest.post_id.is_not(None)))
    db.session.rollback()
    with db.engine.begin() as connection:
        set_excluded(connection, response, "test")


def test_pages_read_snapshots_and_say_when_they_show_older_data(app, client, demo, db, token_for):
    app.config.update(SNAPSHOT_RESPONSES=0, SNAPSHOT_STALE_SECONDS=600)
    headers = {"Authorization": f"Bearer {token_for('admin')}"}
    login(client, "admin")
    first = client.get("/dashboard/awareness").get_data(as_text=True)
    assert STALE not in first and kept(db) > 0
    before = n_pairs(first)
    assert client.get(PREPOST, headers=headers).get_json()["n_pairs"] == before

    exclude_a_pair(db)
    page = client.get("/dashboard/awareness").get_data(as_text=True)
    assert STALE in page and n_pairs(page) == before       # the recent snapshot, said to be one
    assert "部分数字截至" in page
    assert client.get(PREPOST, headers=headers).get_json()["n_pairs"] == before - 1  # the API: as it stands

    with app.app_context():
        assert snapshots.refresh(db.engine, policy(app.config).secret) > 0   # the worker's minute
    page = client.get("/dashboard/awareness").get_data(as_text=True)
    assert STALE not in page and n_pairs(page) == before - 1


def test_the_worker_refreshes_them_by_itself(app, client, demo, db):
    from survey_app.reports.queue import Worker
    from tests.conftest import close_queue

    app.config.update(SNAPSHOT_RESPONSES=0, SNAPSHOT_STALE_SECONDS=600, SNAPSHOT_REFRESH_SECONDS=0.2)
    login(client, "admin")
    before = n_pairs(client.get("/dashboard/awareness").get_data(as_text=True))
    exclude_a_pair(db)
    worker = Worker(app).start()
    try:
        deadline = time.monotonic() + 60
        while True:
            page = client.get("/dashboard/awareness").get_data(as_text=True)
            if STALE not in page:
                break
            assert time.monotonic() < deadline, "the worker did not refresh the snapshots"
            time.sleep(0.3)
    finally:
        worker.stop()
        close_queue(app)
    assert n_pairs(page) == before - 1


def test_with_no_window_a_page_after_a_change_is_computed_again(app, client, demo, db):
    app.config.update(SNAPSHOT_RESPONSES=0, SNAPSHOT_STALE_SECONDS=0)
    login(client, "admin")
    before = n_pairs(client.get("/dashboard/awareness").get_data(as_text=True))
    exclude_a_pair(db)
    page = client.get("/dashboard/awareness").get_data(as_text=True)
    assert STALE not in page and n_pairs(page) == before - 1


def test_below_the_threshold_nothing_is_kept(app, client, demo, db):
    app.config.update(SNAPSHOT_RESPONSES=10**9)
    login(client, "admin")
    assert client.get("/dashboard/awareness").status_code == 200
    assert kept(db) == 0
