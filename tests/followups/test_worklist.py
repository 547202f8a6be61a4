"""The worklist lists exactly the respondents pairing sees with a baseline, followed exactly when
pairing pairs them, in one query; the progress by village agrees with it, in one query."""
from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import select

from survey_app.analysis import queries
from survey_app.analysis.pairing import pair
from survey_app.analysis.queries import Place, paired_scores
from survey_app.followups.worklist import Item, Progress, progress_by_site, worklist
from survey_app.models import FollowupMark, IndexScore, Response, Round, Site, Team, User
from tests.factories import make_responses

#: an index every test response has a score of, so that paired_scores counts every pair
EVERY = "followup_test"


def scored_everywhere(db):
    for response_id in db.session.scalars(select(Response.id)):
        db.session.add(IndexScore(response_id=response_id, index_id=EVERY, score=50))
    db.session.commit()


def served_engine(app):
    from survey_app.extensions import db as extension

    with app.app_context():
        return extension.engine  # the engine count_queries watches


def selects(statements):
    return [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]


def some_marks(db, counties, rng, share=0.3):
    """Marks on a share of every coded respondent (followed or not, with a baseline or not:
    a mark must never make someone appear, nor hide a follow-up)."""
    codes = {(r.county_id, r.respondent_code) for r in db.session.scalars(select(Response).where(Response.respondent_code.is_not(None)))}
    marker = db.session.scalar(select(User.id).where(User.username == "admin"))
    marked = {}
    for county_id, code in sorted(codes):
        if rng.random() < share:
            status = rng.choice(["moved", "deceased", "not_found"])
            db.session.add(FollowupMark(questionnaire_id="awareness", county_id=county_id, respondent_code=code, status=status,
                                        reason=f"理由 {code}", marked_by=marker))
            marked[(county_id, code)] = status
    db.session.commit()
    return marked


def places_of(db, counties):
    site = db.session.scalar(select(Site).where(Site.county_id == counties[0].id).order_by(Site.code))
    team = db.session.scalar(select(Team).where(Team.county_id == counties[1].id))
    round_id = db.session.scalar(select(Round.id).order_by(Round.id))
    return {
        Place(): lambda r: True,
        Place(county_id=counties[2].id): lambda r: r.county_id == counties[2].id,
        Place(site_id=site.id): lambda r: r.site_id == site.id,
        Place(county_id=counties[1].id, team_id=team.id): lambda r: r.team_id == team.id,
        Place(round_id=round_id): lambda r: r.round_id == round_id,
        Place(county_id=counties[0].id, round_id=round_id): lambda r: r.county_id == counties[0].id and r.round_id == round_id,
    }


@pytest.mark.parametrize("seed", [3, 17])
def test_the_worklist_is_pairings_view(app, db, programme, loaded, count_queries, seed):
    observations, counties = make_responses(db, n=500, seed=seed)
    scored_everywhere(db)
    marked = some_marks(db, counties, random.Random(seed))
    rows = {r.id: r for r in db.session.scalars(select(Response))}
    site_codes = dict(db.session.execute(select(Site.id, Site.code)).all())
    county_codes = {c.id: c.code for c in counties}
    engine = served_engine(app)
    for place, keep in places_of(db, counties).items():
        with engine.connect() as connection:
            with count_queries() as statements:
                items = worklist(connection, "awareness", place)
            assert len(selects(statements)) == 1, place
            every = paired_scores(connection, "awareness", EVERY, place)
            scored = paired_scores(connection, "awareness", "awareness", place)
        followed = [i for i in items if i.followed]
        # the contract: followed items are paired_scores's pairs (unscored ones too), the others its pre_only
        assert len(followed) == len(every.pre) and len(items) - len(followed) == every.pre_only == scored.pre_only
        assert len(scored.pre) <= len(followed)
        # and person by person, the reference rules' pairs and baselines, with their latest baseline
        reference = pair(o for o in observations if keep(rows[o.response_id]))
        baselines = {}
        for pre, _post in reference.pairs:
            baselines[(county_codes[pre.county_id], pre.respondent_code)] = (pre, True)
        latest = {}
        for o in observations:
            if keep(rows[o.response_id]) and not o.excluded and o.respondent_code and o.wave == "pre":
                key = (o.county_id, o.respondent_code)
                if key not in latest or (o.completed_at, o.response_id) > (latest[key].completed_at, latest[key].response_id):
                    latest[key] = o
        for (county_id, code), pre in latest.items():
            baselines.setdefault((county_codes[county_id], code), (pre, False))
        assert {(i.county, i.respondent_code): i.followed for i in items} == {k: f for k, (_pre, f) in baselines.items()}
        by_code = {c: i for i, c in county_codes.items()}
        for item in items:
            pre, _followed = baselines[(item.county, item.respondent_code)]
            response = rows[pre.response_id]
            assert item.pre_completed_at == response.completed_at
            assert item.site == (site_codes[response.site_id] if response.site_id else None)
            mark = marked.get((by_code[item.county], item.respondent_code))
            assert item.status == ("followed" if item.followed else mark or "to_see")
            assert item.reason == (None if item.followed or mark is None else f"理由 {item.respondent_code}")
        # by site code (no site last), then code
        assert [(i.site is None, i.site or "", i.respondent_code) for i in items] == sorted(
            (i.site is None, i.site or "", i.respondent_code) for i in items)
        if place == Place():
            assert len(followed) > 20 and len(items) - len(followed) > 20
            assert {i.status for i in items} == {"followed", "to_see", "moved", "deceased", "not_found"}


def test_both_ways_give_the_same_list(app, db, programme, loaded, monkeypatch):
    _observations, counties = make_responses(db, n=400, seed=5)
    some_marks(db, counties, random.Random(5))
    for place in (Place(), Place(county_id=counties[1].id)):
        with db.engine.connect() as connection:
            stored = worklist(connection, "awareness", place)
            monkeypatch.setattr(queries, "stored_latest_pairs", lambda place: False)
            window = worklist(connection, "awareness", place)
            monkeypatch.undo()
        assert stored == window and len(stored) > 15


def test_one_respondent(db, programme, loaded):
    _observations, counties = make_responses(db, n=300, seed=8)
    with db.engine.connect() as connection:
        items = worklist(connection, "awareness", Place(county_id=counties[0].id))
        chosen = items[len(items) // 2]
        for place in (Place(county_id=counties[0].id), Place(county_id=counties[0].id, round_id=None, team_id=None)):
            assert worklist(connection, "awareness", place, chosen.respondent_code) == [chosen]
        assert worklist(connection, "awareness", Place(county_id=counties[0].id), "NOBODY") == []


def progress_of(items: list[Item]) -> dict[int | None, Progress]:
    out: dict[int | None, Progress] = {}
    for item in items:
        p = out.setdefault(item.site_id, Progress())
        p.baseline += 1
        setattr(p, item.status, getattr(p, item.status) + 1)
    return out


def test_progress_by_site_agrees_with_the_worklist(app, db, programme, loaded, count_queries):
    _observations, counties = make_responses(db, n=500, seed=11)
    some_marks(db, counties, random.Random(11))
    engine = served_engine(app)
    for place in places_of(db, counties):
        with engine.connect() as connection:
            with count_queries() as statements:
                progress = progress_by_site(connection, "awareness", place)
            assert len(selects(statements)) == 1
            items = worklist(connection, "awareness", place)
        assert progress == progress_of(items)
        for counts in progress.values():
            assert counts.baseline == counts.followed + counts.to_see + counts.moved + counts.deceased + counts.not_found
    assert None in progress_by_site(db.session.connection(), "awareness", Place())  # baselines naming no site


def test_an_empty_place(db, programme, loaded):
    with db.engine.connect() as connection:
        assert worklist(connection, "awareness", Place()) == []
        assert progress_by_site(connection, "awareness", Place()) == {}


def test_json_item_is_china_time():
    item = Item("PJ-1", "430626", None, None, None, dt.datetime(2026, 4, 30, 17, 5, 9, 123, tzinfo=dt.UTC), False, "to_see")
    assert item.as_json() == {"respondent_code": "PJ-1", "county": "430626", "site": None,
                              "pre_completed_at": "2026-05-01T01:05:09+08:00", "followed": False, "status": "to_see"}
