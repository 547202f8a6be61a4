"""The preview's dry run judges as the submission service judges (survey_app/drafts/trial.py):
the same payloads, posted to the API on a stored version and judged on its definition, get the
same errors; the dry run stores nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey_app.drafts.trial import judge
from survey_app.instruments import current_definition
from survey_app.models import Response
from tests.api.payloads import awareness

CASES = {
    "valid": {},
    "an option that is not one": {"answers": {"heard_sw": "perhaps"}},
    "off the scale": {"answers": {"aw1": 9}},
    "a required answer missing": {"answers": {"age_band": None}},
    "no wave": {"wave": None},
    "a bad respondent code": {"respondent_code": "not a code!"},
    "a time that is not one": {"completed_at": "yesterday"},
    "an unknown question": {"answers": {"nope": 1}},
    "a NUL in a text": {"respondent_code": "PJ\u00000001"},
    "a hidden answer, cleared": {"answers": {"contact_times": 3}},
    "a hidden answer out of range": {"answers": {"contact_times": 300}},
    "a number that is not whole": {"answers": {"contacted_sw": "yes", "contact_times": 2.5}},
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_dry_run_agrees_with_the_api(client, db, programme, token_for, case):
    payload = awareness(**{k: v for k, v in CASES[case].items() if k != "answers"})
    for key, value in CASES[case].get("answers", {}).items():
        if value is None:
            payload["answers"].pop(key, None)
        else:
            payload["answers"][key] = value
    payload = {k: v for k, v in payload.items() if v is not None}
    verdict = judge(current_definition(db.session, "awareness"), dict(payload), "zh")
    reply = client.post("/api/v1/submissions", json=payload, headers={"Authorization": f"Bearer {token_for('sw-pj1')}"})
    if reply.status_code == 201:
        assert verdict.accepted and not verdict.errors
        db.session.rollback()
        stored = db.session.scalar(select(Response.answers_json).where(Response.uuid == payload["uuid"]))
        assert verdict.answers == stored
    else:
        assert reply.status_code == 422 and not verdict.accepted
        assert verdict.errors == reply.get_json()["errors"]


def test_the_dry_run_stores_nothing(db, programme):
    payload = awareness()
    verdict = judge(current_definition(db.session, "awareness"), payload, "zh")
    assert verdict.accepted and verdict.rows[0].question == "age_band"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0
