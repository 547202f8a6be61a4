"""McNemar's 2x2 table from SQL equals the one built from the reference pairing."""
from __future__ import annotations

import datetime as dt
import random
import uuid as uuidlib
from collections import Counter

from sqlalchemy import select

from survey_app.analysis.pairing import Observation, pair
from survey_app.analysis.queries import Place, paired_yes_no
from survey_app.models import Answer, County, QuestionnaireVersion, Response

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def test_yes_no_table_equals_the_reference(app, db, programme, loaded, count_queries):
    rng = random.Random(8)
    version = db.session.scalar(select(QuestionnaireVersion).where(QuestionnaireVersion.questionnaire_id == "awareness"))
    counties = db.session.scalars(select(County).order_by(County.code)).all()[:2]
    observations, answers = [], {}
    for _ in range(500):
        county = rng.choice(counties)
        wave = rng.choice(["pre", "post", "pre", "post", None])
        excluded = rng.random() < 0.07
        completed = T0 + dt.timedelta(days=rng.choice([0, 1, 1, 200]))  # repeats and ties on purpose
        r = Response(uuid=str(uuidlib.uuid4()), questionnaire_id="awareness", version_id=version.id, county_id=county.id,
                     wave=wave, respondent_code=rng.choice([f"Y{j:03d}" for j in range(80)]), completed_at=completed,
                     received_at=completed, content_hash="x", answers_json={}, excluded=excluded,
                     excluded_reason="test" if excluded else None, source="seed")
        db.session.add(r)
        db.session.flush()
        given = {}
        for item in ("heard_sw", "contacted_sw"):
            if rng.random() < 0.9:  # sometimes unanswered
                given[item] = rng.choice(["yes", "no"])
                db.session.add(Answer(response_id=r.id, question_id=item, position=0, value_text=given[item]))
        answers[r.id] = given
        observations.append(Observation(r.id, county.id, r.respondent_code, wave, completed, None, excluded))
    db.session.commit()
    with app.app_context():
        engine = db.engine  # the engine count_queries watches
    for place in (Place(), Place(county_id=counties[1].id)):
        pairs = pair(o for o in observations if place.county_id in (None, o.county_id)).pairs
        expected = {item: Counter((answers[a.response_id][item] == "yes", answers[b.response_id][item] == "yes")
                                  for a, b in pairs if item in answers[a.response_id] and item in answers[b.response_id])
                    for item in ("heard_sw", "contacted_sw")}
        with engine.connect() as connection, count_queries() as statements:
            got = paired_yes_no(connection, "awareness", {"heard_sw": "yes", "contacted_sw": "yes"}, place)
        assert len([s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]) == 1
        assert got == {item: dict(counts) for item, counts in expected.items()}
        assert sum(got["heard_sw"].values()) > 20
