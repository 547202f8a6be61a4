"""Skip logic and validation agree between the browser (static/js/rules.js) and the server
(questionnaires/validate.py) for every shipped questionnaire: the same answer sets, valid and
not, go through both, and the errors (by question, code and message) and the answers kept
must be the same."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from survey_app.questionnaires import check_folder, validate_answers
from survey_app.questionnaires.client import client_rules

from ..questionnaires.helpers import make

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = [ROOT / "survey_app/static/js/logic.js", ROOT / "survey_app/static/js/rules.js"]
CASES_PER_QUESTIONNAIRE = 300

#: what the shipped files do not use: a note (nothing to answer), a required question's own
#: message, a note and a required question hidden by skip logic
EXTRA = make("""\
id: extra
title: {zh: 说明和必答提示}
sections:
  - id: s1
    title: {zh: 一}
    questions:
      - {id: intro, type: note, label: {zh: 下面问几个问题。}}
      - id: lives_alone
        type: single
        required: true
        required_message: {zh: 请先回答是不是一个人住, en: Say first whether you live alone}
        short: {zh: 独居}
        label: {zh: 您是一个人住吗？}
        options: [{value: "yes", label: {zh: 是}}, {value: "no", label: {zh: 否}}]
      - {id: alone_note, type: note, label: {zh: 一个人住要多注意安全。}, relevant: {"==": [{var: lives_alone}, "yes"]}}
      - id: helpers
        type: number
        integer: true
        required: true
        required_message: {zh: 请填人数}
        label: {zh: 有几个人常来看您？}
        relevant: {"==": [{var: lives_alone}, "yes"]}
""", "extra")


def values_for(q) -> list:
    """Values a question may be sent: valid ones, and every kind of wrong one."""
    if q.type == "single":
        return [*q.option_values, "bogus", 3, "", [q.option_values[0]]]
    if q.type == "multi":
        o = list(q.option_values)
        return [o[:1], o[-1:], o[:2], [o[-1], o[0]], [], ["bogus"], [o[0], o[0]], o[0], [1]]
    if q.type == "likert":
        lo, hi = q.scale.min, q.scale.max
        return [lo, hi, (lo + hi) // 2, hi + 1, lo - 1, 2.5, 3.0, "3", True]
    if q.type == "number":
        lo = q.min if q.min is not None else 0
        hi = q.max if q.max is not None else lo + 100
        return [lo, hi, lo + 1, lo - 1, hi + 1, 1.5, 2.0, "12", True, 10**20]
    if q.type == "note":
        return ["", None, [], "写了字", 0, ["x"]]
    if q.type == "date":
        return ["2026-05-01", "2026-02-30", "20260501", "1999-12-31", "2030-01-01", 5]
    limit = q.max_length or 5000
    return ["好", "  ", "", "x" * (limit + 1), "  两边有空格  ", 5, ["x"]]


def cases() -> list[tuple[str, dict, dict]]:
    rng = random.Random(20261126)
    out = []
    shipped = [c.questionnaire for c in sorted(check_folder(ROOT / "questionnaires").files.values(), key=lambda c: c.path)]
    for qn in [*shipped, EXTRA]:
        spec = client_rules(qn, 1)
        questions = list(qn.questions.values())
        for n in range(CASES_PER_QUESTIONNAIRE):
            # Mostly plausible answers, with some questions left out and some values wrong.
            answers = {}
            for q in questions:
                if rng.random() < 0.15:
                    continue
                choices = values_for(q)
                good = choices[:3] if n % 2 else choices
                answers[q.id] = rng.choice(good)
            if n % 25 == 0:
                answers["no_such_question"] = "x"
            out.append((qn.id, spec, answers))
    return out


def server_side(qn, answers) -> dict:
    result = validate_answers(qn, answers)
    return {
        "answers": result.answers,
        "errors": {k: [p.code for p in v] for k, v in result.errors.items()},
        "messages": result.rendered_errors("zh"),
    }


def test_browser_and_server_validate_alike(page):
    all_cases = cases()
    by_id = {c.questionnaire.id: c.questionnaire for c in check_folder(ROOT / "questionnaires").files.values()} | {"extra": EXTRA}
    page.set_content("<!doctype html><title>rules</title>")
    for script in SCRIPTS:
        page.add_script_tag(path=str(script))
    in_browser = page.evaluate(
        """cases => cases.map(([spec, answers]) => {
             const r = SanquRules.validate(spec, answers), errors = {}, messages = {};
             for (const [k, v] of Object.entries(r.errors)) {
               errors[k] = v.map(p => p.code);
               messages[k] = v.map(p => SanquRules.render(spec, p, "zh"));
             }
             return {answers: r.answers, errors, messages};
           })""",
        [[spec, answers] for _qid, spec, answers in all_cases],
    )
    disagreements = []
    with_errors = 0
    for (qid, _spec, answers), js in zip(all_cases, in_browser, strict=True):
        py = json.loads(json.dumps(server_side(by_id[qid], answers)))  # as JSON: 3.0 == 3 and lists alike
        with_errors += bool(py["errors"])
        if js != py:
            disagreements.append((qid, json.dumps(answers, ensure_ascii=False)[:300], js, py))
    assert disagreements[:3] == []
    # The cases must exercise both outcomes, or agreeing would prove little.
    assert 0.2 * len(all_cases) < with_errors < 0.95 * len(all_cases)
