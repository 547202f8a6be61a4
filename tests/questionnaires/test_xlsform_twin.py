"""An imported form renders and validates on the tablet like its YAML twin: the Kobo form of
xlsforms/forms.py, imported and loaded into the app beside household.yaml (the same
questionnaire as a YAML author writes it), is judged alike on many answer sets, by the server's
validation and by the API, and its form page asks the same questions."""
from __future__ import annotations

import json
import re
import uuid as uuidlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey_app.instruments import current_definition, load_checked
from survey_app.questionnaires import check_text, validate_answers
from survey_app.questionnaires.xlsform import read_xlsform
from tests.factories import logged_in

from .xlsforms.forms import form

TWIN = Path(__file__).parent / "xlsforms" / "household.yaml"

ANSWERS = st.fixed_dictionaries({}, optional={
    "welcome": st.sampled_from([None, "", "写了字"]),
    "lives_alone": st.sampled_from(["yes", "no", "maybe", None]),
    "household_size": st.one_of(st.integers(-1, 25), st.sampled_from([None, 2.5, "3"])),
    "elders": st.one_of(st.integers(-1, 25), st.none()),
    "needs": st.one_of(st.lists(st.sampled_from(["care", "medical", "money", "none"]), unique=True, max_size=4),
                       st.sampled_from([None, ["bogus"], "care"])),
    "care_freq": st.sampled_from(["daily", "weekly", "monthly", "hourly", None]),
    "care_who": st.sampled_from(["儿子", "x" * 50, "x" * 51, "  ", None]),
    "trust_sw": st.one_of(st.integers(0, 6), st.none()),
    "visit_date": st.sampled_from(["2023-12-31", "2024-01-01", "2026-05-01", "2024-02-30", None]),
    "thanks_note": st.sampled_from([None, "谢谢"]),
})


@pytest.fixture
def twins(app, db) -> tuple[Any, Any]:
    imported = read_xlsform(form("kobo_household"), "kobo_household.xlsx")
    assert imported.problems == ()
    for checked in (check_text(imported.yaml_text, "household.yaml", expected_id="household"),
                    check_text(TWIN.read_text(encoding="utf-8"), "household_twin.yaml", expected_id="household_twin")):
        assert load_checked(db.session, checked).problems == []
    db.session.commit()
    return current_definition(db.session, "household"), current_definition(db.session, "household_twin")


def verdict(result) -> dict[str, Any]:
    """What the tablet and the server decide: shown, kept, and refused where (the twin says
    "at least 2" where the form's constraint says its own message, so the words may differ)."""
    return {"relevant": sorted(result.relevant), "answers": json.loads(json.dumps(result.answers)),
            "refused": sorted(result.errors)}


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answer_sets=st.lists(ANSWERS, min_size=1, max_size=10))
def test_the_server_judges_the_imported_form_as_its_twin(twins, answer_sets):
    imported, twin = twins
    for answers in answer_sets:
        assert verdict(validate_answers(imported, answers)) == verdict(validate_answers(twin, answers)), answers


def test_the_answer_sets_reach_both_verdicts(twins):
    """Agreeing would prove little if everything were refused, or nothing."""
    imported, _twin = twins
    ok = {"lives_alone": "no", "household_size": 4, "elders": 1, "needs": ["care"], "care_freq": "daily", "trust_sw": 5,
          "visit_date": "2026-05-01"}
    assert validate_answers(imported, ok).errors == {}
    for wrong in ({"household_size": 21}, {"elders": 5}, {"needs": ["care", "none"]}, {"care_who": "x" * 51},
                  {"visit_date": "2023-12-31"}, {"care_freq": None}, {"welcome": "写了字"}):
        assert validate_answers(imported, ok | wrong).errors, wrong


def submission(qid: str, answers: dict[str, Any]) -> dict[str, Any]:
    return {"uuid": str(uuidlib.uuid4()), "questionnaire": qid, "version": 1, "county": "430626", "site": "430626-01",
            "team": "PJ01", "wave": "pre", "respondent_code": f"PJ-{uuidlib.uuid4().hex[:6]}",
            "started_at": "2026-05-01T09:00:00+08:00", "completed_at": "2026-05-01T09:12:00+08:00", "answers": answers}


def test_the_api_takes_and_refuses_alike(client, twins, programme, token_for):
    headers = {"Authorization": f"Bearer {token_for('admin')}"}
    sets = [
        {"lives_alone": "no", "household_size": 3, "elders": 1, "needs": ["medical"], "trust_sw": 4, "visit_date": "2026-05-01"},
        {"lives_alone": "no", "household_size": 1, "elders": 3, "visit_date": "2026-05-01"},
        {"lives_alone": "yes", "needs": ["care", "none"], "visit_date": "2024-01-01"},
        {"lives_alone": "yes", "needs": ["care"], "care_who": "儿子"},
    ]
    for answers in sets:
        replies = [client.post("/api/v1/submissions", json=submission(qid, answers), headers=headers)
                   for qid in ("household", "household_twin")]
        codes = [r.status_code for r in replies]
        assert codes[0] == codes[1], (answers, [r.get_json() for r in replies])
        if codes[0] == 422:
            assert set(replies[0].get_json()["errors"]) == set(replies[1].get_json()["errors"])
    assert codes == [422, 422]  # the last set: the required date is missing


def test_the_form_page_asks_the_same_questions(client, twins, programme):
    logged_in(client, "sw-pj1")
    pages = [client.get(f"/collect/{qid}") for qid in ("household", "household_twin")]
    assert [p.status_code for p in pages] == [200, 200]
    asked = [re.findall(r'data-question="([a-z_0-9]+)" data-type="([a-z]+)"', p.get_data(as_text=True)) for p in pages]
    assert asked[0] == asked[1]
    assert ("trust_sw", "likert") in asked[0] and ("welcome", "note") in asked[0]
