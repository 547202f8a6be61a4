"""Which round a response or refusal belongs to (survey_app/rounds.py): hand-worked cases of the
rule, and the rule against what the submission path, refusals and ``assign_all`` store, on both
engines, over generated rounds and fieldwork in any order of arrival."""
from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from survey_app import rounds
from survey_app.auth.scope import Scope
from survey_app.database import DriverConnection
from survey_app.models import Answer, IndexScore, Refusal, Response, Round, User
from survey_app.models.responses import RespondentLatest
from survey_app.rounds import RoundDates, round_for, round_of_day
from survey_app.submissions.refusals import record_refusal
from survey_app.submissions.service import submit
from tests.api.payloads import awareness

CST = dt.timezone(dt.timedelta(hours=8))
D = dt.date
Y2025 = RoundDates(1, D(2025, 1, 1), D(2025, 12, 31))
Y2026 = RoundDates(2, D(2026, 1, 1), D(2026, 12, 31))


def test_a_follow_up_in_january_of_the_next_year_is_in_its_baselines_round():
    calendar = [Y2025, Y2026]
    assert round_for(calendar, "pre", D(2025, 4, 2), None) == 1
    assert round_for(calendar, "post", D(2026, 1, 15), D(2025, 4, 2)) == 1  # its baseline's round
    assert round_for(calendar, "post", D(2027, 3, 1), D(2025, 4, 2)) == 1  # however late
    assert round_for(calendar, "post", D(2026, 1, 15), None) == 2  # a newcomer: by the day
    assert round_for(calendar, "pre", D(2026, 1, 15), None) == 2
    assert round_for(calendar, None, D(2025, 12, 31), None) == 1
    assert round_for(calendar, "pre", D(2024, 12, 31), None) is None
    assert round_for(calendar, "post", D(2026, 2, 1), D(2024, 12, 31)) is None  # the pair stays together


def test_where_rounds_overlap_a_baseline_opens_the_later_and_the_rest_complete_the_earlier():
    first, second = RoundDates(7, D(2025, 3, 1), D(2026, 6, 30)), RoundDates(3, D(2026, 3, 1), D(2027, 6, 30))
    both = [second, first]
    day = D(2026, 4, 10)
    assert round_of_day(both, day, opening=True) == 3 and round_of_day(both, day, opening=False) == 7
    assert round_for(both, "pre", day, None) == 3
    assert round_for(both, "post", day, None) == 7  # a refusal or a newcomer at the follow-up
    assert round_for(both, None, day, None) == 7
    assert round_for(both, "post", day, D(2026, 3, 20)) == 3  # the new round's own baseline
    same_start = [RoundDates(5, D(2025, 1, 1), D(2025, 6, 30)), RoundDates(4, D(2025, 1, 1), D(2025, 12, 31))]
    assert round_of_day(same_start, D(2025, 2, 1), opening=True) == 5
    assert round_of_day(same_start, D(2025, 2, 1), opening=False) == 4


# -- stored, on both engines -------------------------------------------------------------------

def _clear(db: Any) -> None:
    for model in (RespondentLatest, Answer, IndexScore, Response, Refusal, Round):
        db.session.execute(delete(model))
    db.session.commit()


def _add_rounds(db: Any, spans: list[tuple[dt.date, dt.date]]) -> list[RoundDates]:
    out = []
    for n, (start, end) in enumerate(spans):
        r = Round(year=2100 + n, name=f"第{n + 1}期", starts_on=start, ends_on=end)
        db.session.add(r)
        db.session.flush()
        out.append(RoundDates(r.id, start, end))
    db.session.commit()
    return out


def _admin(db: Any) -> Scope:
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    return Scope(user_id=admin.id, role="admin", county_id=None, team_id=None)


def _expected(events: list[dict[str, Any]], known: list[RoundDates], received: dict[str, dt.datetime]) -> dict[str, int | None]:
    """The rule by hand: a day is the earlier of completion and receipt, in China time."""
    def day(e: dict[str, Any]) -> dt.date:
        return min(e["at"], received[e["uuid"]]).astimezone(CST).date()

    out = {}
    for e in events:
        baseline = None
        if e["kind"] == "submission" and e["wave"] == "post":
            earlier = [b for b in events if b["kind"] == "submission" and b["wave"] == "pre" and b["code"] == e["code"]
                       and b["at"] <= e["at"]]
            baseline = day(max(earlier, key=lambda b: b["at"])) if earlier else None
        out[e["uuid"]] = round_for(known, e["wave"], day(e), baseline)
    return out


def _store(app: Any, db: Any, events: list[dict[str, Any]]) -> None:
    scope = _admin(db)
    with app.app_context(), DriverConnection(db.engine) as connection:
        for e in events:
            if e["kind"] == "submission":
                outcome = submit(connection, awareness(uuid=e["uuid"], wave=e["wave"], respondent_code=e["code"],
                                                       started_at=None, completed_at=e["at"].isoformat()), scope)
            else:
                with db.engine.connect() as plain:
                    outcome = record_refusal(plain, {"uuid": e["uuid"], "questionnaire": "awareness", "county": "430626",
                                                     "wave": e["wave"], "declined_at": e["at"].isoformat()}, scope)
                    plain.commit()
            assert outcome.status == "created", outcome


def _received(db: Any) -> dict[str, dt.datetime]:
    db.session.rollback()
    found = dict(db.session.execute(select(Response.uuid, Response.received_at)).all())
    found.update(db.session.execute(select(Refusal.uuid, Refusal.received_at)).all())
    return found


def _stored(db: Any) -> dict[str, int | None]:
    db.session.rollback()  # a fresh snapshot: the writes came through other connections
    found = dict(db.session.execute(select(Response.uuid, Response.round_id)).all())
    found.update(db.session.execute(select(Refusal.uuid, Refusal.round_id)).all())
    return found


def _event(kind: str, wave: str | None, code: str, at: dt.datetime) -> dict[str, Any]:
    return {"kind": kind, "wave": wave, "code": code, "at": at, "uuid": str(uuidlib.uuid4())}


def test_a_late_baseline_moves_its_follow_ups_into_its_round(app, programme, db):
    _clear(db)
    known = _add_rounds(db, [(D(2025, 1, 1), D(2025, 12, 31)), (D(2026, 1, 1), D(2026, 12, 31))])
    follow_up = _event("submission", "post", "PJ-7", dt.datetime(2026, 1, 20, 10, tzinfo=CST))
    baseline = _event("submission", "pre", "PJ-7", dt.datetime(2025, 4, 2, 10, tzinfo=CST))
    refused = _event("refusal", "post", "", dt.datetime(2026, 1, 20, 11, tzinfo=CST))
    _store(app, db, [follow_up])
    assert _stored(db)[follow_up["uuid"]] == known[1].id  # no baseline yet: by its day
    _store(app, db, [baseline, refused])  # the baseline's tablet synced a year late
    assert _stored(db) == {follow_up["uuid"]: known[0].id, baseline["uuid"]: known[0].id, refused["uuid"]: known[1].id}


def test_china_time_decides_the_day(app, programme, db):
    _clear(db)
    known = _add_rounds(db, [(D(2025, 1, 1), D(2025, 12, 31)), (D(2026, 1, 1), D(2026, 12, 31))])
    # 2026-01-01 00:30 in China is still 2025-12-31 in UTC
    first_hour = _event("submission", "pre", "PJ-8", dt.datetime(2026, 1, 1, 0, 30, tzinfo=CST))
    _store(app, db, [first_hour])
    assert _stored(db)[first_hour["uuid"]] == known[1].id


# Two years of days, rounds of a few months to a year and a half: overlaps, gaps and fieldwork
# on their edges come up often.
_days = st.integers(min_value=0, max_value=730)
_spans = st.one_of(
    st.just([(0, 364), (365, 364)]),  # calendar years, as many offices count them
    st.lists(st.tuples(_days, st.integers(min_value=0, max_value=540)), min_size=0, max_size=3),
)
_events = st.lists(
    st.tuples(st.sampled_from(["submission", "submission", "refusal"]), st.sampled_from(["pre", "post", None]),
              st.sampled_from(["A", "B"]), _days, st.integers(min_value=0, max_value=23)),
    min_size=1, max_size=10,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spans=_spans, raw=_events)
def test_what_is_stored_follows_the_rule_in_any_order_of_arrival(app, programme, db, spans, raw):
    _clear(db)
    start = D(2024, 1, 1)  # two years of fieldwork, all before today: a later time is a wrong clock
    known = _add_rounds(db, [(start + dt.timedelta(days=a), start + dt.timedelta(days=a + n)) for a, n in spans])
    events = []
    for kind, wave, code, day, hour in raw:
        if kind == "submission" and wave is None:
            wave = "post"  # awareness requires a wave
        events.append(_event(kind, wave, code, dt.datetime.combine(start + dt.timedelta(days=day), dt.time(hour), CST)))
    _store(app, db, events)  # arrival in the generated order, not by time
    expected = _expected(events, known, _received(db))
    assert _stored(db) == expected
    with db.engine.begin() as connection:
        rounds.assign_all(connection)
    assert _stored(db) == expected


@pytest.mark.parametrize("wave", ["pre", "post"])
def test_refusals_are_in_a_round(client, token_for, db, wave):
    headers = {"Authorization": f"Bearer {token_for('sw-pj1')}"}
    body = {"uuid": str(uuidlib.uuid4()), "questionnaire": "awareness", "county": "430626", "wave": wave,
            "declined_at": "2026-01-10T10:00:00+08:00"}
    assert client.post("/api/v1/refusals", json=body, headers=headers).status_code == 201
    stored = db.session.scalar(select(Refusal))
    # the demo's rounds: 2025 runs to 2026-06-30, 2026 from 2026-07-01
    assert stored.round_id == db.session.scalar(select(Round.id).where(Round.year == 2025))


def test_migration_0010_puts_what_was_stored_in_rounds_by_the_rule(at_revision):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import column, insert, table, text

    from survey_app.demo.seed import seed_programme
    from survey_app.instruments import load_folder
    from survey_app.models import County, QuestionnaireVersion

    from .conftest import ROOT

    db = at_revision("0009")
    # Seeded by today's models at the head, then taken back to 0009: the models no longer fit
    # 0009's tables (the users gained columns later), the data does.
    upgrade()
    load_folder(db.session, ROOT / "questionnaires")
    seed_programme(db.session)  # the demo's two rounds: 2025-03-01..2026-06-30 and 2026-07-01..2027-06-30
    db.session.commit()
    db.session.rollback()
    downgrade(revision="0009")
    version = db.session.scalar(select(QuestionnaireVersion.id).where(QuestionnaireVersion.questionnaire_id == "awareness"))
    county = db.session.scalar(select(County.id).where(County.code == "430626"))
    known = [RoundDates(i, s, e) for i, s, e in db.session.execute(select(Round.id, Round.starts_on, Round.ends_on))]
    db.session.rollback()  # end the read before another connection writes (PostgreSQL's locks)
    at = {  # baselines in spring 2025, a follow-up a month after the first round ended, a newcomer then
        "pre-a": ("pre", "A", dt.datetime(2025, 4, 1, 9, tzinfo=CST)),
        "post-a": ("post", "A", dt.datetime(2026, 7, 20, 9, tzinfo=CST)),
        "post-n": ("post", "N", dt.datetime(2026, 7, 20, 10, tzinfo=CST)),
        "pre-b": ("pre", "B", dt.datetime(2026, 6, 30, 23, 30, tzinfo=CST)),  # 15:30 UTC: still June in China
    }
    rows = [{"uuid": str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, key)), "questionnaire_id": "awareness", "version_id": version,
             "county_id": county, "wave": wave, "respondent_code": code, "completed_at": when, "received_at": when,
             "content_hash": "x", "answers_json": {}, "excluded": False, "source": "seed"} for key, (wave, code, when) in at.items()]
    with db.engine.begin() as connection:
        # the columns of 0009's table only (the model's later columns have defaults it would send)
        connection.execute(insert(table("responses", *(column(n, Response.__table__.c[n].type) for n in rows[0]))), rows)
        connection.execute(text(
            "INSERT INTO refusals (uuid, questionnaire_id, county_id, wave, source, declined_at, received_at) VALUES"
            " ('10000000-0000-4000-8000-000000000001', 'awareness', :c, 'post', 'seed', :t, :t)"), {"c": county, "t": at["post-a"][2]})
    upgrade()
    by_year = {r.year: r.id for r in db.session.scalars(select(Round))}
    stored = _stored(db)
    expected = {row["uuid"]: round_for(known, row["wave"], row["completed_at"].astimezone(CST).date(),
                                       at["pre-a"][2].date() if row["respondent_code"] == "A" and row["wave"] == "post" else None)
                for row in rows}
    expected["10000000-0000-4000-8000-000000000001"] = by_year[2026]
    assert stored == expected
    assert stored[rows[1]["uuid"]] == by_year[2025] and stored[rows[2]["uuid"]] == by_year[2026]
    assert stored[rows[3]["uuid"]] == by_year[2025]
    db.session.rollback()
    downgrade(revision="0009")
    upgrade()
    assert _stored(db) == expected


def test_a_clock_running_ahead_cannot_move_a_response_into_a_later_round(app, programme, db):
    """A tablet whose clock ran ahead: completed "tomorrow" (up to a day ahead is accepted;
    more is refused as a wrong clock), received now.  It belongs to the round of the day the
    server received it."""
    _clear(db)
    now = dt.datetime.now(CST)
    known = _add_rounds(db, [(now.date() - dt.timedelta(days=30), now.date()),
                             (now.date() + dt.timedelta(days=1), now.date() + dt.timedelta(days=400))])
    ahead = _event("submission", "pre", "PJ-9", now + dt.timedelta(hours=23))
    _store(app, db, [ahead])
    assert _stored(db)[ahead["uuid"]] == known[0].id
