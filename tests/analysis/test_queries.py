"""The SQL pairing equals the reference rules (analysis.pairing) on both engines, in a fixed
number of queries."""
from __future__ import annotations

import datetime as dt
import random
import uuid as uuidlib

import pytest
from sqlalchemy import select

from survey_app.analysis.pairing import Observation, pair
from survey_app.analysis.queries import Place, paired_scores, scores_by_wave, summary
from survey_app.models import County, IndexScore, QuestionnaireVersion, Response

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def make_responses(db, n=400, seed=3):
    """Responses with codes reused across waves, repeats, ties, exclusions and missing scores."""
    rng = random.Random(seed)
    version = db.session.scalar(select(QuestionnaireVersion).where(QuestionnaireVersion.questionnaire_id == "awareness"))
    counties = db.session.scalars(select(County).order_by(County.code)).all()[:3]
    observations = []
    for _ in range(n):
        county = rng.choice(counties)
        code = rng.choice([f"C{j:03d}" for j in range(60)] + [None])
        wave = rng.choice(["pre", "post", "pre", "post", None])
        completed = T0 + dt.timedelta(days=rng.choice([0, 1, 1, 2, 300, 301]))  # ties on purpose
        excluded = rng.random() < 0.08
        score = None if rng.random() < 0.05 else round(rng.uniform(0, 100), 1)
        r = Response(uuid=str(uuidlib.uuid4()), questionnaire_id="awareness", version_id=version.id, county_id=county.id,
                     wave=wave, respondent_code=code, completed_at=completed, received_at=completed, content_hash="x",
                     answers_json={}, excluded=excluded, excluded_reason="test" if excluded else None, source="seed")
        db.session.add(r)
        db.session.flush()
        if score is not None:
            db.session.add(IndexScore(response_id=r.id, index_id="awareness", score=score))
        observations.append(Observation(r.id, county.id, code, wave, completed, score, excluded))
    db.session.commit()
    return observations, counties


def test_sql_pairing_equals_the_rules(app, db, programme, loaded, count_queries):
    from survey_app.extensions import db as extension

    observations, counties = make_responses(db)
    with app.app_context():
        engine = extension.engine  # the engine count_queries watches
    for place in (Place(), Place(county_id=counties[0].id)):
        expected = pair(o for o in observations if place.county_id in (None, o.county_id))
        complete = [(p.score, q.score) for p, q in expected.pairs if p.score is not None and q.score is not None]
        with engine.connect() as connection, count_queries() as statements:
            got = paired_scores(connection, "awareness", "awareness", place)
        assert len([s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]) == 1
        assert sorted(zip(got.pre, got.post, strict=True)) == sorted(complete)
        assert (got.pre_only, got.post_only) == (expected.pre_only, expected.post_only)
        assert len(complete) > 10


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
    from survey_app.demo.seed import seed_responses
    from survey_app.instruments import parsed

    seed_responses(db.session, 600, seed=8)
    db.session.commit()
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
    from survey_app.demo.seed import seed_responses

    seed_responses(db.session, 300, seed=9)
    db.session.commit()
    items = tuple(f"aw{i}" for i in range(1, 13))
    with db.engine.connect() as connection:
        everything = item_values(connection, "awareness", items, Place())
        first = item_values(connection, "awareness", items, Place(), sample=50)
        again = item_values(connection, "awareness", items, Place(), sample=50)
    assert len(first) <= 50 and first == again and set(first) <= set(everything) and len(everything) > 50
