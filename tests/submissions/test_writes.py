"""What a submission writes (``submissions/writes.py``, issue 18): every column of every table it
writes, on both engines, but the stated exclusions, so that a column added to a model is
written or a test here fails; each column read back as expected; PostgreSQL's write in one round
trip, committed; a repeated uuid or a short row writing nothing."""
from __future__ import annotations

import datetime as dt
import re
import uuid as uuidlib
from typing import Any

import pytest
from sqlalchemy import Boolean, Column, MetaData, Table, Text, func, select
from sqlalchemy.dialects import sqlite

from survey_app import rounds
from survey_app.auth.scope import Scope
from survey_app.database import DriverConnection, Prepared
from survey_app.instruments import version_ref
from survey_app.models import Answer, County, IndexScore, QuestionnaireVersion, Response, Round, Site, Team, User
from survey_app.models.responses import RespondentLatest
from survey_app.models.types import utcnow
from survey_app.questionnaires import index_scores
from survey_app.questionnaires.types import get_type
from survey_app.submissions import counts, latest, service, writes
from survey_app.submissions.envelope import content_hash
from survey_app.submissions.service import CREATED, DUPLICATE, submit
from tests.api.payloads import awareness

CST = dt.timezone(dt.timedelta(hours=8))
R = Response.__table__
TABLES = {name: R.metadata.tables[name]
          for name in ("responses", "answers", "index_scores", "answer_counts", "score_sums", "respondent_latest")}
INSERT = re.compile(r"INSERT INTO (\w+) \(([^)]*)\)")


def inserts(sql: str) -> list[tuple[str, list[str]]]:
    """Each INSERT of ``sql``: its table and its columns."""
    return [(name, [c.strip().strip('"') for c in columns.split(",")]) for name, columns in INSERT.findall(sql)]


def sqlite_sql(prepared: Prepared) -> str:
    return str(prepared.compiled(sqlite.dialect())[0])


# -- the statements' columns against the tables' ---------------------------------------------------

def test_the_one_column_not_written_is_the_response_id():
    """Only the id the database makes is left out; every column with a default is written, those
    with a server default too (the submission computes their value: analysis/quality)."""
    assert {table: set(names) for table, names in writes.NOT_WRITTEN.items()} == {"responses": {"id"}}
    assert R.c.id.primary_key and R.c.id.autoincrement in (True, "auto")
    defaulted = {c.key for c in R.c if c.server_default is not None or c.default is not None}
    assert {"straight_lined", "clock_ahead"} <= {c.key for c in R.c if c.server_default is not None}
    assert defaulted <= set(writes.RESPONSE_COLUMNS)
    assert [c.key for c in R.c if c.key != "id"] == writes.RESPONSE_COLUMNS


def test_postgresql_statement_lists_every_column_of_every_table():
    sql = writes.pg_statement()
    assert sql == writes._INSERT_ALL_PG.statement.text  # what runs is what is checked here
    found = inserts(sql)
    assert found[0] == ("responses", writes.RESPONSE_COLUMNS)
    assert {name for name, _ in found} == set(TABLES)
    for name, columns in found:  # the follow-ups' counters as well
        assert columns == writes.written_columns(TABLES[name]), name


def test_postgresql_statement_takes_exactly_the_parameters_it_is_given():
    """Every ``:name`` of the text is a parameter (a ``::`` cast would hide one from ``text``),
    and ``pg_parameters`` gives each, and nothing else."""
    given = writes.pg_parameters(writes.rows_of(dict.fromkeys(writes.RESPONSE_COLUMNS) | {
        "wave": "pre", "respondent_code": "PJ-0001", "answers_json": {}}, _NoQuestions(), {}))
    assert set(writes._INSERT_ALL_PG.statement._bindparams) == set(given)
    assert "::" not in writes.pg_statement()


class _NoQuestions:
    """A version without questions or indices (enough for ``rows_of`` without answers)."""

    class questionnaire:
        indices: tuple[Any, ...] = ()


def test_sqlite_statements_list_every_column_of_every_table():
    found = [item for prepared in (writes._INSERT_RESPONSE, *writes._INSERT_SQLITE) for item in inserts(sqlite_sql(prepared))]
    assert [name for name, _ in found] == ["responses", *(part.name for part in writes.PARTS)]
    assert {name for name, _ in found} == set(TABLES)
    for name, columns in found:
        assert columns == writes.written_columns(TABLES[name]), name


def test_the_parts_cover_their_tables():
    for part in writes.PARTS:
        assert part.columns == [c.key for c in part.table.c]
        assert [*part.shared, *part.each] == part.columns
    assert next(p for p in writes.PARTS if p.name == "respondent_latest").shared == latest.COLUMNS


def _grown(table: Table, *extra: Column[Any]) -> Table:
    """A copy of ``table`` with more columns, as a migration would add them."""
    return Table(table.name, MetaData(), *(c._copy() for c in table.c), *extra)


def test_a_column_added_to_responses_is_written_by_both_statements():
    responses = _grown(R, Column("reviewed", Boolean, nullable=False, server_default="false"))
    sql = writes.pg_statement(responses)
    assert inserts(sql)[0] == ("responses", [*writes.RESPONSE_COLUMNS, "reviewed"])
    assert ":clock_ahead, :reviewed) ON CONFLICT" in sql
    assert inserts(sqlite_sql(writes.sqlite_response(responses))) == [("responses", [*writes.RESPONSE_COLUMNS, "reviewed"])]


def test_a_response_without_a_value_for_each_column_is_refused():
    response = dict.fromkeys(writes.RESPONSE_COLUMNS)
    del response["device_id"]
    with pytest.raises(ValueError, match=r"missing \['device_id'\]"):
        writes.rows_of(response, None, {})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"unknown \['reviewed'\]"):
        writes.rows_of(dict.fromkeys([*writes.RESPONSE_COLUMNS, "reviewed"]), None, {})  # type: ignore[arg-type]


@pytest.mark.parametrize("index", range(len(writes.PARTS)))
def test_a_column_added_to_another_table_must_be_given_its_place(index):
    part = writes.PARTS[index]
    grown = writes.Part(_grown(part.table, Column("note", Text)), part.each, part.conflict)
    if not part.each:  # respondent_latest: its row is latest.marker's, which the test above holds to the table
        assert grown.shared != latest.COLUMNS
        return
    with pytest.raises(TypeError, match="must be its last written columns"):
        grown.check()


# -- on both engines ---------------------------------------------------------------------------

@pytest.fixture
def admin(programme) -> Scope:
    return Scope.of(programme.session.scalar(select(User).where(User.username == "admin")))


def _round_today(db) -> None:
    """A round containing today, so that a baseline completed now has one (whatever the date)."""
    today = dt.datetime.now(CST).date()
    db.session.add(Round(year=3000, name="today", starts_on=today - dt.timedelta(days=3), ends_on=today + dt.timedelta(days=3)))
    db.session.commit()


def _counts(db) -> dict[str, int]:
    with db.engine.connect() as connection:
        return {name: connection.scalar(select(func.count()).select_from(t)) for name, t in TABLES.items()}


def test_a_submission_writes_every_column_as_expected(db, admin):
    """Read back, every column of the response, its answers and scores holds what the
    submission says; a column without an expectation here fails the test."""
    _round_today(db)
    now = dt.datetime.now(CST).replace(microsecond=0)
    device = str(uuidlib.uuid4())
    payload = awareness(respondent_code="PJ-0042", device_id=device, started_at=(now - dt.timedelta(minutes=20)).isoformat(),
                        completed_at=(now + dt.timedelta(hours=2)).isoformat())  # a tablet's clock ahead
    before = utcnow()
    with DriverConnection(db.engine) as driver:
        outcome = submit(driver, payload, admin)
        qn = version_ref(driver, "awareness", 1).questionnaire
    after = utcnow()
    assert outcome.status == CREATED, outcome.errors

    with db.engine.connect() as connection:
        row = dict(connection.execute(select(R)).one()._mapping)
        answer_rows = [dict(r._mapping) for r in connection.execute(select(Answer.__table__))]
        score_rows = [dict(r._mapping) for r in connection.execute(select(IndexScore.__table__))]
        ids = {name: connection.scalar(select(model.id).where(model.code == code))
               for name, model, code in (("county", County, "430626"), ("site", Site, "430626-01"), ("team", Team, "PJ01"))}
        version_id = connection.scalar(select(QuestionnaireVersion.id).where(QuestionnaireVersion.questionnaire_id == "awareness"))
        days = [rounds.RoundDates(*r) for r in connection.execute(select(Round.id, Round.starts_on, Round.ends_on))]
        marker = connection.execute(select(RespondentLatest.__table__)).one()
        assert counts.kept(connection) == counts.recounted(connection)
        assert counts.kept_sums(connection) == counts.resummed(connection)
    received = row["received_at"]
    assert before <= received <= after
    day = min(received, row["completed_at"]).astimezone(CST).date()
    expected_round = rounds.round_for(days, "pre", day, None)
    assert expected_round is not None
    completed = dt.datetime.fromisoformat(payload["completed_at"])
    expected = {
        "id": outcome.response_id, "uuid": payload["uuid"], "questionnaire_id": "awareness", "version_id": version_id,
        "round_id": expected_round, "county_id": ids["county"], "site_id": ids["site"], "team_id": ids["team"],
        "wave": "pre", "respondent_code": "PJ-0042", "collector_id": admin.user_id, "source": "api",
        "started_at": dt.datetime.fromisoformat(payload["started_at"]), "completed_at": completed, "received_at": received,
        "content_hash": content_hash(payload), "answers_json": payload["answers"], "excluded": False, "excluded_reason": None,
        "device_id": device,
        "straight_lined": True,  # every awareness item answered 4
        "clock_ahead": True,
    }
    assert set(expected) == set(R.c.keys()), "a column of responses without an expectation here"
    assert row == expected

    want_answers = [
        {"response_id": outcome.response_id, "question_id": qid, "position": position, "value_text": text, "value_num": num}
        for qid, value in payload["answers"].items()
        for position, (text, num) in enumerate(get_type(qn.question(qid).type).rows(qn.question(qid), value))
    ]
    assert {c.key for c in Answer.__table__.c} == set(want_answers[0])
    assert sorted(answer_rows, key=lambda a: (a["question_id"], a["position"])) == sorted(
        want_answers, key=lambda a: (a["question_id"], a["position"]))
    assert any(a["value_text"] is not None for a in answer_rows) and any(a["value_num"] is not None for a in answer_rows)
    want_scores = [{"response_id": outcome.response_id, "index_id": index, "score": score}
                   for index, score in index_scores(qn, payload["answers"]).items() if score is not None]
    assert {c.key for c in IndexScore.__table__.c} == set(want_scores[0])
    assert score_rows == want_scores
    assert tuple(marker) == ("awareness", ids["county"], "PJ-0042", outcome.response_id, completed, None, None)


class Counting(DriverConnection):
    """A driver connection that notes each statement it runs."""

    def __init__(self, engine: Any) -> None:
        super().__init__(engine)
        self.ran: list[tuple[str, Prepared | None]] = []

    def first(self, prepared, values):
        self.ran.append(("first", prepared))
        return super().first(prepared, values)

    def all(self, prepared, values):
        self.ran.append(("all", prepared))
        return super().all(prepared, values)

    def execute(self, prepared, values):
        self.ran.append(("execute", prepared))
        super().execute(prepared, values)

    def executemany(self, prepared, rows):
        self.ran.append(("executemany", prepared))
        super().executemany(prepared, rows)

    def begin_write(self):
        self.ran.append(("begin", None))
        super().begin_write()


@pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)
def test_postgresql_writes_in_one_round_trip_and_commits_it(db, admin):
    with Counting(db.engine) as driver:
        assert submit(driver, awareness(), admin).status == CREATED  # the version is cached from here on
        driver.ran.clear()
        outcome = submit(driver, awareness(), admin)
        assert outcome.status == CREATED
        assert driver.ran == [("first", service._REFERENCES), ("first", writes._INSERT_ALL_PG)]
        # in autocommit, nothing left open: the caller has nothing to commit
        assert driver.dbapi.autocommit and driver.dbapi.info.transaction_status == 0  # IDLE
    assert _counts(db)["responses"] == 2


def _captured(monkeypatch) -> list[writes.Writes]:
    """What ``submit`` hands to ``writes.store``, noted."""
    seen: list[writes.Writes] = []
    real = writes.rows_of

    def noting(*args: Any) -> writes.Writes:
        seen.append(real(*args))
        return seen[-1]

    monkeypatch.setattr(writes, "rows_of", noting)
    return seen


def test_a_repeated_uuid_writes_nothing(db, admin, monkeypatch):
    seen = _captured(monkeypatch)
    payload = awareness()
    with DriverConnection(db.engine) as driver:
        assert submit(driver, payload, admin).status == CREATED
        stored = _counts(db)
        with db.engine.connect() as connection:
            kept = counts.kept(connection), counts.kept_sums(connection)
        assert writes.store(driver, seen[0]) is None  # a concurrent twin's rows, arriving second
        assert submit(driver, payload, admin).status == DUPLICATE
    assert _counts(db) == stored
    with db.engine.connect() as connection:
        assert (counts.kept(connection), counts.kept_sums(connection)) == kept


def test_a_row_short_of_a_value_is_refused_and_writes_nothing(db, admin, monkeypatch):
    seen = _captured(monkeypatch)
    with DriverConnection(db.engine) as driver:
        assert submit(driver, awareness(), admin).status == CREATED
        stored = _counts(db)
        shared, rows = seen[0].rows["answers"]
        short = writes.Writes({**seen[0].response, "uuid": str(uuidlib.uuid4())},
                              {**seen[0].rows, "answers": (shared, [rows[0][:-1], *rows[1:]])})
        with pytest.raises((ValueError, db.engine.dialect.loaded_dbapi.Error)):
            writes.store(driver, short)
    assert _counts(db) == stored
