"""The demo data must look like real data: valid, scored like real submissions, with a gain."""
from __future__ import annotations

import statistics

import pytest
from sqlalchemy import select

from survey_app.instruments import parsed
from survey_app.models import County, IndexScore, QuestionnaireVersion, Response, Site, Team, User
from survey_app.questionnaires import index_scores, validate_answers
from tests.factories import login, seed_demo


@pytest.fixture
def seeded(app, programme, db):
    return seed_demo(db, 1500, seed=11)


def test_programme_shape(programme, db):
    counties = {c.code: c for c in db.session.scalars(select(County))}
    assert len(counties) == 10
    assert counties["430626"].name == "平江县" and counties["433123"].name == "凤凰县"
    for county in counties.values():
        assert 3 <= len(county.sites) <= 6
        assert len(county.teams) == 1
    assert len(db.session.scalars(select(Team)).all()) == 10
    assert {u.role for u in db.session.scalars(select(User))} == {"admin", "county", "team", "collector"}
    assert all(s.code.startswith(s.county.code) for s in db.session.scalars(select(Site)))


def test_every_generated_response_is_valid_and_scored_as_the_service_would(seeded):
    db = seeded
    responses = db.session.scalars(select(Response)).all()
    assert len(responses) == 1500
    stored = {(s.response_id, s.index_id): s.score for s in db.session.scalars(select(IndexScore))}
    for response in responses:
        qn = parsed(db.session.get(QuestionnaireVersion, response.version_id))
        result = validate_answers(qn, response.answers_json)
        assert result.ok, (response.questionnaire_id, result.rendered_errors("en"))
        assert result.answers == response.answers_json
        for index_id, score in index_scores(qn, response.answers_json).items():
            assert stored.get((response.id, index_id)) == (pytest.approx(score) if score is not None else None)


def test_awareness_rises_between_waves_in_most_counties(seeded):
    db = seeded
    rows = db.session.execute(
        select(Response.county_id, Response.wave, IndexScore.score)
        .join(IndexScore, IndexScore.response_id == Response.id)
        .where(Response.questionnaire_id == "awareness", IndexScore.index_id == "awareness")
    ).all()
    by = {}
    for county, wave, score in rows:
        by.setdefault((county, wave), []).append(score)
    gains = [statistics.fmean(by[(c, "post")]) - statistics.fmean(by[(c, "pre")]) for c in {c for c, _ in by}]
    assert statistics.fmean(gains) > 5
    assert sum(g > 0 for g in gains) >= 8


def test_the_demo_tablets_show_on_the_devices_pages(seeded, client):
    """Each team's seeded answers came from its two tablets, so the devices pages show them."""
    from sqlalchemy import func

    db = seeded
    per_team = db.session.execute(select(Response.team_id, func.count(func.distinct(Response.device_id)))
                                  .group_by(Response.team_id)).all()
    assert per_team and all(n == 2 for _team, n in per_team)
    assert db.session.scalar(select(func.count()).select_from(Response).where(Response.device_id.is_(None))) == 0
    login(client, "sw-pj1")
    assert client.get("/collect/devices").get_data(as_text=True).count('href="/collect/devices/') == 2
