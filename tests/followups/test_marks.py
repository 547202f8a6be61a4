"""Marking and clearing: only a baseline respondent within the caller's reach, never one already
followed up, with a reason; every change in the audit trail."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.analysis.queries import Place
from survey_app.followups import marks
from survey_app.followups.marks import MarkError
from survey_app.followups.worklist import worklist
from survey_app.models import AuditEvent, County, FollowupMark

from .helpers import scene, scope_of


@pytest.fixture
def people(db, programme, loaded):
    scene(db)
    return db


def stored(db) -> dict[str, tuple[str, str]]:
    return {m.respondent_code: (m.status, m.reason) for m in db.session.scalars(select(FollowupMark))}


def trail(db) -> list[tuple[str, str, dict]]:
    return [(e.action, e.target, e.detail) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("followup.%")).order_by(AuditEvent.id))]


def status_of(db, code: str) -> str:
    pj = db.session.scalar(select(County.id).where(County.code == "430626"))
    (item,) = worklist(db.session.connection(), "awareness", Place(county_id=pj), code)
    return item.status


def refused(db, username: str, **changes) -> MarkError:
    args = {"questionnaire": "awareness", "county_code": "430626", "respondent_code": "PJ-0001", "status": "moved",
            "reason": "外出务工，已搬到长沙", **changes}
    with pytest.raises(MarkError) as caught:
        marks.mark(db.session, scope_of(db, username), **args)
    db.session.rollback()
    return caught.value


def test_mark_replace_and_clear(people):
    db = people
    sw = scope_of(db, "sw-pj1")
    # the code as a person types it: trimmed and upper-cased like the responses'
    assert marks.mark(db.session, sw, "awareness", " 430626 ", " pj-0001 ", "moved", "  外出务工，已搬到长沙 ", ip="10.0.0.7") is None
    db.session.commit()
    assert stored(db) == {"PJ-0001": ("moved", "外出务工，已搬到长沙")}
    assert status_of(db, "PJ-0001") == "moved"
    assert marks.mark(db.session, sw, "awareness", "430626", "PJ-0001", "not_found", "三次上门未见到") == "moved"
    db.session.commit()
    assert stored(db) == {"PJ-0001": ("not_found", "三次上门未见到")}
    assert marks.clear(db.session, sw, "awareness", "430626", "PJ-0001") == "not_found"
    db.session.commit()
    assert stored(db) == {} and status_of(db, "PJ-0001") == "to_see"
    assert marks.clear(db.session, sw, "awareness", "430626", "PJ-0001") is None  # a form sent twice
    db.session.commit()
    target = "awareness/430626/PJ-0001"
    assert trail(db) == [
        ("followup.mark", target, {"status": "moved", "reason": "外出务工，已搬到长沙", "previous": None}),
        ("followup.mark", target, {"status": "not_found", "reason": "三次上门未见到", "previous": "moved"}),
        ("followup.clear", target, {"status": "not_found", "reason": "三次上门未见到"}),
    ]
    first = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "followup.mark").order_by(AuditEvent.id))
    assert first.actor_id == sw.user_id and first.ip == "10.0.0.7"


def test_mark_is_stored_with_who_and_when(people):
    db = people
    county = scope_of(db, "county-pj")
    marks.mark(db.session, county, "awareness", "430626", "PJ-0006", "deceased", "2026年1月病故")
    db.session.commit()
    mark = db.session.scalar(select(FollowupMark))
    assert (mark.questionnaire_id, mark.respondent_code, mark.marked_by) == ("awareness", "PJ-0006", county.user_id)
    assert mark.marked_at.tzinfo is not None


def test_a_followed_respondent_cannot_be_marked(people):
    error = refused(people, "sw-pj1", respondent_code="PJ-0002")
    assert (error.field, error.code, error.status) == ("respondent_code", "followed", 409)
    assert stored(people) == {} and trail(people) == []


def test_only_baselines_within_reach(people):
    db = people
    for username, code in (("sw-pj1", "PJ-0003"),  # the other team's baseline
                           ("sw-pjb", "PJ-0001"),  # and the other way round
                           ("admin", "PJ-0004"),   # a follow-up only
                           ("admin", "PJ-0005"),   # an excluded baseline
                           ("admin", "NOBODY"), ("admin", "x" * 300), ("admin", "PJ\x00")):
        error = refused(db, username, respondent_code=code)
        assert (error.field, error.code, error.status) == ("respondent_code", "no_baseline", 422), (username, code)
    for username in ("sw-pj1", "team-pj", "county-pj"):  # another county: outside their reach
        error = refused(db, username, county_code="433123", respondent_code="FH-0001")
        assert error.status == 403 and error.code == "outside"
    marks.mark(db.session, scope_of(db, "sw-pjb"), "awareness", "430626", "PJ-0003", "moved", "随子女搬到县城居住")
    marks.mark(db.session, scope_of(db, "county-pj"), "awareness", "430626", "PJ-0001", "moved", "已搬到镇上居住")
    marks.mark(db.session, scope_of(db, "admin"), "awareness", "433123", "FH-0001", "not_found", "上门两次都不在家")
    db.session.commit()
    assert set(stored(db)) == {"PJ-0001", "PJ-0003", "FH-0001"}


def test_clearing_is_within_reach_too(people):
    db = people
    marks.mark(db.session, scope_of(db, "admin"), "awareness", "433123", "FH-0001", "moved", "外出务工")
    db.session.commit()
    with pytest.raises(MarkError) as caught:
        marks.clear(db.session, scope_of(db, "county-pj"), "awareness", "433123", "FH-0001")
    assert caught.value.status == 403
    db.session.rollback()
    with pytest.raises(MarkError) as caught:
        marks.clear(db.session, scope_of(db, "sw-pj1"), "awareness", "430626", "PJ-0003")
    assert caught.value.code == "no_baseline"
    db.session.rollback()
    assert set(stored(db)) == {"FH-0001"}


@pytest.mark.parametrize(("changes", "field", "code"), [
    ({"reason": ""}, "reason", "required"),
    ({"reason": "   "}, "reason", "required"),
    ({"reason": "字" * 501}, "reason", "too_long"),
    ({"status": "gone"}, "status", "unknown"),
    ({"status": "followed"}, "status", "unknown"),
    ({"questionnaire": "nope"}, "questionnaire", "unknown"),
    ({"questionnaire": "x" * 500}, "questionnaire", "unknown"),
    ({"questionnaire": "activity"}, "questionnaire", "no_waves"),
    ({"county_code": ""}, "county", "required"),
    ({"county_code": "999999"}, "county", "unknown"),
    ({"county_code": "4306\x00"}, "county", "unknown"),
    ({"respondent_code": "  "}, "respondent_code", "required"),
])
def test_bad_input_is_refused_by_field(people, changes, field, code):
    error = refused(people, "admin", **changes)
    assert (error.field, error.code, error.status) == (field, code, 422)
    assert stored(people) == {} and trail(people) == []


def test_a_reason_of_500_characters_is_kept_whole(people):
    marks.mark(people.session, scope_of(people, "admin"), "awareness", "430626", "PJ-0001", "moved", "字" * 500)
    people.session.commit()
    assert stored(people)["PJ-0001"] == ("moved", "字" * 500)


def test_a_follow_up_after_a_mark_makes_them_followed(people):
    from .helpers import respond

    db = people
    marks.mark(db.session, scope_of(db, "sw-pj1"), "awareness", "430626", "PJ-0001", "not_found", "三次上门未见到")
    db.session.commit()
    respond(db, "430626", "PJ-0001", "post", team="PJ01", site="430626-01", days=400)
    db.session.commit()
    assert status_of(db, "PJ-0001") == "followed"  # the mark stays stored, the follow-up wins
    assert set(stored(db)) == {"PJ-0001"}
    assert marks.clear(db.session, scope_of(db, "sw-pj1"), "awareness", "430626", "PJ-0001") == "not_found"
