"""The demo's follow-up marks: about 15 % of the baseline respondents without a follow-up, marked
by someone of their county, with a plausible reason, the same every time for a given rng."""
from __future__ import annotations

import random

import pytest
from sqlalchemy import delete, select

from survey_app.analysis.queries import Place
from survey_app.demo.marks import REASONS, SHARE, seed_marks
from survey_app.followups.worklist import worklist
from survey_app.models import County, FollowupMark, Team, User
from tests.factories import seed_demo


@pytest.fixture
def seeded(app, programme, db):
    seed_demo(db, 1500, seed=11)
    assert db.session.scalar(select(FollowupMark.id).limit(1)) is not None  # the demo seed marks some itself
    db.session.execute(delete(FollowupMark))  # this test marks them afresh
    db.session.commit()
    return db


def marks_of(db) -> list[tuple]:
    return sorted(db.session.execute(select(
        FollowupMark.questionnaire_id, FollowupMark.county_id, FollowupMark.respondent_code, FollowupMark.status,
        FollowupMark.reason, FollowupMark.marked_by, FollowupMark.marked_at)).all())


def test_seed_marks(seeded):
    db = seeded
    connection = db.session.connection()
    before = {q: worklist(connection, q, Place()) for q in ("awareness", "satisfaction", "staff")}
    waiting = {q: {(i.county, i.respondent_code): i for i in items if i.status == "to_see"} for q, items in before.items()}
    n = seed_marks(db.session, random.Random(4))
    db.session.commit()
    marked = marks_of(db)
    assert n == len(marked) == sum(round(len(w) * SHARE) for w in waiting.values()) >= 10
    counties = {c.id: c.code for c in db.session.scalars(select(County))}
    county_of_user = {u.id: u.team.county_id for u in db.session.scalars(select(User).join(Team, User.team_id == Team.id))}
    for questionnaire, county_id, code, status, reason, marked_by, marked_at in marked:
        item = waiting[questionnaire][(counties[county_id], code)]  # only the not followed, not marked before
        assert reason in REASONS[status]
        assert county_of_user[marked_by] == county_id  # someone of the county's team
        assert marked_at > item.pre_completed_at
    assert len({m[3] for m in marked}) >= 2
    shown = {i.status for i in worklist(db.session.connection(), "awareness", Place())}
    assert {"followed", "to_see"} < shown and shown - {"followed", "to_see"}
    # the same rng, the same marks; another, others
    db.session.execute(delete(FollowupMark))
    seed_marks(db.session, random.Random(4))
    assert marks_of(db) == marked
    db.session.execute(delete(FollowupMark))
    seed_marks(db.session, random.Random(5))
    assert marks_of(db) != marked
