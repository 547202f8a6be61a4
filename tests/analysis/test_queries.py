"""The SQL pairing equals the reference rules (analysis.pairing) on both engines, in a fixed
number of queries, both ways: from the latest responses stored at ingest and from the window
over the responses (which answers places the stored rows cannot)."""
from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from survey_app.analysis import queries
from survey_app.analysis.pairing import Observation, pair
from survey_app.analysis.queries import Place, paired_scores, paired_scores_by, paired_yes_no, scores_by_wave, summary
from survey_app.models import QuestionnaireVersion, Response, Round, Site, Team
from survey_app.submissions.latest import set_excluded
from tests.factories import make_responses, seed_demo


def pairs_of(observations, keep=lambda o: True):
    expected = pair(o for o in observations if keep(o))
    complete = [(p.score, q.score) for p, q in expected.pairs if p.score is not None and q.score is not None]
    return sorted(complete), (expected.pre_only, expected.post_only)


def test_sql_pairing_equals_the_rules(app, db, programme, loaded, count_queries, monkeypatch):
    from survey_app.extensions import db as extension

    observations, counties = make_responses(db)
    with app.app_context():
        engine = extension.engine  # the engine count_queries watches
    for place in (Place(), Place(county_id=counties[0].id), Place(county_id=counties[1].id, wave="post")):
        assert queries.stored_latest_pairs(place)
        complete, attrition = pairs_of(observations, lambda o, county=place.county_id: county in (None, o.county_id))
        got = {}
        for way in ("stored", "window"):
            if way == "window":
                monkeypatch.setattr(queries, "stored_latest_pairs", lambda place: False)
            with engine.connect() as connection, count_queries() as statements:
                got[way] = paired_scores(connection, "awareness", "awareness", place)
            monkeypatch.undo()
            assert len([s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]) == 1
            assert sorted(zip(got[way].pre, got[way].post, strict=True)) == complete
            assert (got[way].pre_only, got[way].post_only) == attrition
        assert got["stored"] == got["window"]  # the same lists in the same order: the same figures
        assert len(complete) > 10


def test_places_that_narrow_the_responses_pair_from_the_window(db, programme, loaded):
    observations, counties = make_responses(db, seed=7)
    rows = {r.id: r for r in db.session.scalars(select(Response))}
    site = db.session.scalar(select(Site).where(Site.county_id == counties[0].id).order_by(Site.code))
    team = db.session.scalar(select(Team).where(Team.county_id == counties[1].id))
    round_id = db.session.scalar(select(Round.id).order_by(Round.id))
    places = {
        Place(site_id=site.id): lambda r: r.site_id == site.id,
        Place(county_id=counties[1].id, team_id=team.id): lambda r: r.team_id == team.id,
        Place(round_id=round_id): lambda r: r.round_id == round_id,
    }
    with db.engine.connect() as connection:
        for place, keep in places.items():
            assert not queries.stored_latest_pairs(place)
            complete, attrition = pairs_of(observations, lambda o, keep=keep: keep(rows[o.response_id]))
            got = paired_scores(connection, "awareness", "awareness", place)
            assert sorted(zip(got.pre, got.post, strict=True)) == complete
            assert (got.pre_only, got.post_only) == attrition
            assert sum(attrition) > 3
    # The data has what the stored rows could not answer: respondents whose latest response of
    # a wave in the round is not their latest of the wave.
    overall = {(p.county_id, p.respondent_code, p.wave): p.response_id for pr in pair(observations).pairs for p in pr}
    in_round = {(p.county_id, p.respondent_code, p.wave): p.response_id
                for pr in pair(o for o in observations if rows[o.response_id].round_id == round_id).pairs for p in pr}
    assert sum(overall.get(key) != response_id for key, response_id in in_round.items()) > 3


def test_exclusion_and_reinclusion_move_the_pairs(db, programme, loaded, monkeypatch):
    observations, counties = make_responses(db, seed=21)
    rng = random.Random(21)
    # Exclude many responses (latest ones among them, so that earlier ones become the latest)
    # and count again some that were excluded, through the function an admin page will call.
    changes = [(o.response_id, "test") for o in rng.sample([o for o in observations if not o.excluded], 60)]
    changes += [(o.response_id, None) for o in observations if o.excluded][:15]
    with db.engine.begin() as connection:
        for response_id, reason in changes:
            set_excluded(connection, response_id, reason)
    now = {response_id: reason is not None for response_id, reason in changes}
    observations = [Observation(o.response_id, o.county_id, o.respondent_code, o.wave, o.completed_at, o.score,
                                now.get(o.response_id, o.excluded)) for o in observations]
    for window in (False, True):
        if window:
            monkeypatch.setattr(queries, "stored_latest_pairs", lambda place: False)
        with db.engine.connect() as connection:
            for place in (Place(), Place(county_id=counties[2].id)):
                complete, attrition = pairs_of(observations, lambda o, county=place.county_id: county in (None, o.county_id))
                got = paired_scores(connection, "awareness", "awareness", place)
                assert sorted(zip(got.pre, got.post, strict=True)) == complete
                assert (got.pre_only, got.post_only) == attrition


@pytest.mark.parametrize("group", ["county", "team", "site"])
def test_grouped_pairing_is_the_same_both_ways(db, programme, loaded, monkeypatch, group):
    make_responses(db, seed=13)
    with db.engine.connect() as connection:
        stored = paired_scores_by(connection, "awareness", "awareness", Place(), group)
        monkeypatch.setattr(queries, "stored_latest_pairs", lambda place: False)
        window = paired_scores_by(connection, "awareness", "awareness", Place(), group)
    assert stored == window and len(stored) > 2


def test_yes_no_tables_are_the_same_both_ways(db, programme, loaded, monkeypatch):
    _, counties = make_responses(db, seed=17)
    with db.engine.connect() as connection:
        for place in (Place(), Place(county_id=counties[0].id)):
            items = {"heard_sw": "yes", "household": "left_behind_elderly"}  # the latter: yes when among the choices
            stored = paired_yes_no(connection, "awareness", items, place)
            monkeypatch.setattr(queries, "stored_latest_pairs", lambda place: False)
            window = paired_yes_no(connection, "awareness", items, place)
            monkeypatch.undo()
            assert stored == window and sum(stored["heard_sw"].values()) > 10 and len(stored["household"]) == 4


def test_scores_by_wave_and_summary(db, programme, loaded):
    observations, _ = make_responses(db, n=120, seed=5)
    kept = [o for o in observations if not o.excluded and o.score is not None and o.wave in ("pre", "post")]
    with db.engine.connect() as connection:
        by_wave = scores_by_wave(connection, "awareness", "awareness", Place())
        s = summary(connection, "awareness", Place())
    assert sorted(by_wave["pre"]) == sorted(o.score for o in kept if o.wave == "pre")
    pre_mean = next(r["mean"] for r in s["indices"] if r["wave"] == "pre")
    assert abs(pre_mean - sum(by_wave["pre"]) / len(by_wave["pre"])) < 1e-9
    assert sum(s["responses"].values()) == sum(1 for o in observations if not o.excluded)


def test_grouped_pairing_equals_the_rules_county_by_county(db, programme, loaded):
    from survey_app.analysis.queries import paired_scores_by

    observations, counties = make_responses(db, seed=11)
    with db.engine.connect() as connection:
        groups = paired_scores_by(connection, "awareness", "awareness", Place(), "county")
    for county in counties:
        expected = pair(o for o in observations if o.county_id == county.id)
        complete = [(p.score, q.score) for p, q in expected.pairs if p.score is not None and q.score is not None]
        got = groups[county.id]
        assert sorted(zip(got.pre, got.post, strict=True)) == sorted(complete)
        assert (got.pre_only, got.post_only) == (expected.pre_only, expected.post_only)


def test_reliability_from_sql_equals_the_answers_as_stored(db, programme, loaded):
    from survey_app.analysis.figures import reliability
    from survey_app.analysis.stats import cronbach_alpha
    from survey_app.instruments import parsed

    seed_demo(db, 600, seed=8)
    version = db.session.scalar(select(QuestionnaireVersion).where(QuestionnaireVersion.questionnaire_id == "awareness"))
    qn = parsed(version)
    index = next(i for i in qn.indices if i.id == "awareness")
    rows = []
    for r in db.session.scalars(select(Response).where(Response.questionnaire_id == "awareness", Response.excluded.is_(False))):
        if all(item in r.answers_json for item in index.items):
            rows.append([6 - r.answers_json[item] if item in index.reverse else r.answers_json[item] for item in index.items])
    expected = cronbach_alpha(rows, index.items)
    with db.engine.connect() as connection:
        got = reliability(connection, qn, "awareness", Place())
    assert got.n == expected.n == len(rows) > 100
    assert abs(got.alpha - expected.alpha) < 1e-9 and 0.5 < got.alpha < 1
    assert got.item_total == pytest.approx(expected.item_total)


def test_the_alpha_sample_is_fixed_and_bounded(db, programme, loaded):
    from survey_app.analysis.queries import item_values

    seed_demo(db, 300, seed=9)
    items = tuple(f"aw{i}" for i in range(1, 13))
    with db.engine.connect() as connection:
        everything = item_values(connection, "awareness", items, Place())
        first = item_values(connection, "awareness", items, Place(), sample=50)
        again = item_values(connection, "awareness", items, Place(), sample=50)
    assert len(first) <= 50 and first == again and set(first) <= set(everything) and len(everything) > 50
