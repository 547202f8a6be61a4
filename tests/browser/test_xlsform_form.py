"""An imported XLSForm on the tablet: the form page of the Kobo form (tests/questionnaires/
xlsforms/forms.py), imported and loaded, judges answer sets with window.SanquRules.validate as
the server does, in the same words, and as the page of its hand-written YAML twin does."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey_app.instruments import current_definition, load_checked
from survey_app.questionnaires import check_text, validate_answers
from survey_app.questionnaires.xlsform import read_xlsform
from tests.questionnaires.test_xlsform_twin import ANSWERS
from tests.questionnaires.xlsforms.forms import form

from .collecting import log_in, open_form

pytestmark = pytest.mark.browser

TWIN = Path(__file__).resolve().parents[1] / "questionnaires" / "xlsforms" / "household.yaml"
VALIDATE = """cases => cases.map(text => {
  const [spec, answers] = JSON.parse(text), r = window.SanquRules.validate(spec, answers), errors = {}, messages = {};
  for (const [k, v] of Object.entries(r.errors)) {
    errors[k] = v.map(p => p.code);
    messages[k] = v.map(p => window.SanquRules.render(spec, p, "zh"));
  }
  return JSON.stringify({relevant: Object.keys(r.relevant).sort(), answers: r.answers, errors, messages});
})"""


@pytest.fixture
def tablet(context, server, programme, db) -> dict[str, Any]:
    """The two form pages' rules (script#rules, as the tablet holds them) and the server's
    definitions of the imported form and its twin."""
    imported = read_xlsform(form("kobo_household"), "kobo_household.xlsx")
    for checked in (check_text(imported.yaml_text, "household.yaml", expected_id="household"),
                    check_text(TWIN.read_text(encoding="utf-8"), "household_twin.yaml", expected_id="household_twin")):
        assert load_checked(db.session, checked).problems == []
    db.session.commit()
    page = context.new_page()
    log_in(page, server.base)
    rules = {}
    for qid in ("household", "household_twin"):
        open_form(page, server.base, qid)
        assert page.locator('[data-question="trust_sw"][data-type="likert"]').count() == 1
        rules[qid] = page.evaluate("JSON.parse(document.getElementById('rules').textContent)")
    return {"page": page, "rules": rules,
            "server": {qid: current_definition(db.session, qid) for qid in ("household", "household_twin")}}


def on_server(qn, answers: dict[str, Any]) -> dict[str, Any]:
    result = validate_answers(qn, answers)
    return json.loads(json.dumps({
        "relevant": sorted(result.relevant), "answers": result.answers,
        "errors": {k: [p.code for p in v] for k, v in result.errors.items()}, "messages": result.rendered_errors("zh"),
    }))


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(answer_sets=st.lists(ANSWERS, min_size=5, max_size=25))
def test_the_tablet_judges_the_imported_form_as_the_server_and_as_its_twin(tablet, answer_sets):
    page = tablet["page"]
    verdicts = {}
    for qid in ("household", "household_twin"):
        texts = [json.dumps([tablet["rules"][qid], answers], ensure_ascii=False) for answers in answer_sets]
        verdicts[qid] = [json.loads(v) for v in page.evaluate(VALIDATE, texts)]
        server = [on_server(tablet["server"][qid], json.loads(t)[1]) for t in texts]
        assert verdicts[qid] == server
    for imported, twin in zip(verdicts["household"], verdicts["household_twin"], strict=True):
        assert (imported["relevant"], imported["answers"], sorted(imported["errors"])) == (
            twin["relevant"], twin["answers"], sorted(twin["errors"]))
