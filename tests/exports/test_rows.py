"""Rows come from SQL a page at a time, lazily: a download never holds every response."""
from __future__ import annotations

import types

import pytest

from survey_app.auth.places import OutsidePlace
from survey_app.auth.scope import Scope
from survey_app.exports import rows, service
from tests.exports.helpers import satisfaction, submit

OFFICE = Scope(user_id=0, role="admin", county_id=None, team_id=None)


def test_rows_are_a_generator_reading_pages(app, db, client, token_for, count_queries):
    token = token_for("admin")
    for _ in range(5):
        submit(client, token, satisfaction("PJ01"))
    export = service.prepare(db.session, OFFICE, "satisfaction")
    db.session.commit()
    with app.app_context():
        engine = db.engine  # the served app's, which count_queries watches
    with count_queries() as statements:
        rows = service.data_rows(engine, export, chunk=2)
        assert isinstance(rows, types.GeneratorType) and statements == []
        first = next(rows)
        # the first page, and the next one read ahead while the first is written
        assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 2
        rest = list(rows)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 3  # pages of 2, 2 and 1
    assert all("LIMIT" in s.upper() for s in selects)
    assert len([first, *rest]) == export.rows == 5
    assert [r[0] for r in [first, *rest]] == [r[0] for r in service.data_rows(engine, export, chunk=1000)]


def test_an_export_holds_what_was_stored_when_it_started(app, db, client, token_for):
    token = token_for("admin")
    submit(client, token, satisfaction("PJ01"))
    export = service.prepare(db.session, OFFICE, "satisfaction")
    db.session.commit()
    submit(client, token, satisfaction("PJ01"))
    with app.app_context():
        assert len(list(service.data_rows(db.engine, export))) == export.rows == 1


def test_collectors_export_nothing(db, programme):
    collector = Scope(user_id=1, role="collector", county_id=1, team_id=1)
    with pytest.raises(OutsidePlace):
        service.prepare(db.session, collector, "satisfaction")


@pytest.mark.parametrize("county", [None, "430626"])
def test_sqlite_reads_pages_by_id_without_sorting(app, db, programme, engine_name, county):
    if engine_name != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL chooses from its statistics")
    export = service.prepare(db.session, OFFICE, "awareness", county=county)
    compiled = rows._page_statement(export.layout, export.selection, 1000).compile(db.engine)
    params = compiled.construct_params({"after": 0})
    plan = " | ".join(str(r[3]) for r in db.session.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + str(compiled), tuple(params[k] for k in compiled.positiontup)))
    # Walking ix_responses_latest and sorting would read the whole questionnaire for every page.
    assert "SEARCH responses USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)" in plan, plan
    assert "B-TREE" not in plan, plan


def test_each_row_names_its_round_by_the_rule(app, db, client, token_for):
    """A satisfaction response of May 2026 is in the demo's first round (2025-03-01 to 2026-06-30),
    one of August 2026 in the second; the column gives the round's year."""
    from survey_app.exports.columns import META_COLUMNS

    token = token_for("admin")
    submit(client, token, satisfaction("PJ01"))
    later = satisfaction("PJ01")
    later["completed_at"], later["started_at"] = "2026-08-03T10:00:00+08:00", "2026-08-03T09:50:00+08:00"
    submit(client, token, later)
    export = service.prepare(db.session, OFFICE, "satisfaction")
    db.session.commit()
    with app.app_context():
        found = [dict(zip(META_COLUMNS, row, strict=False)) for row in service.data_rows(db.engine, export)]
    assert [row["round"] for row in found] == [2025, 2026]


def test_the_next_page_is_read_ahead_in_order_and_stops_with_its_reader():
    """``rows.ahead``: every page, in order; a database error raised in the reader; a reader that
    stops early stops the thread, which never reads more than one page beyond what was taken."""
    import threading
    import time

    read: list[int] = []

    def pages(n, fail_at=None):
        for i in range(n):
            if i == fail_at:
                raise RuntimeError("the database went away")
            read.append(i)
            yield [i]

    assert [page[0] for page in rows.ahead(pages(50))] == list(range(50))

    read.clear()
    with pytest.raises(RuntimeError, match="went away"):
        list(rows.ahead(pages(10, fail_at=4)))
    assert read == [0, 1, 2, 3]

    read.clear()
    reader = rows.ahead(pages(1000))
    assert next(reader) == [0]
    time.sleep(0.3)  # the thread reads ahead, at most two pages: one waiting, one in hand
    assert len(read) <= 3
    reader.close()
    assert not any(t.name == "export-pages" and t.is_alive() for t in threading.enumerate())
    assert len(read) <= 3
