"""The official JsonLogic tests and the community suites, for the operators a questionnaire may
use: the server's evaluator gives the suite's answer, or the answer recorded with its reason in
deviations.json (this language converts no types, for one).  The browser's evaluator must give
exactly the server's answers: tests/browser/test_rule_agreement.py."""
from __future__ import annotations

import json

from survey_app.questionnaires.logic import evaluate

from .suite_cases import suite_cases
from .table import DEVIATIONS_PATH, as_json, matches_suite

CASES = list(suite_cases())
DEVIATIONS = {d["case"]: d for d in json.loads(DEVIATIONS_PATH.read_text(encoding="utf-8"))}


def test_the_suites_are_there():
    sources = {source.split(" #")[0] for source, *_ in CASES}
    assert "official" in sources and len(sources) > 20
    assert len(CASES) > 900


def test_every_case_gives_the_suites_answer_or_the_recorded_one():
    wrong = []
    for source, rule, data, expected in CASES:
        got = evaluate(rule, data)
        deviation = DEVIATIONS.get(source)
        if deviation is None:
            if not matches_suite(expected, got):
                wrong.append((source, rule, data, expected, got, "not in deviations.json"))
        elif deviation["rule"] != rule or as_json(got) != as_json(deviation["ours"]):
            wrong.append((source, rule, data, deviation["ours"], got, "differs from deviations.json"))
        elif matches_suite(expected, got):
            wrong.append((source, rule, data, expected, got, "agrees with the suite: drop it from deviations.json"))
    assert wrong == []


def test_every_recorded_deviation_is_a_suite_case_with_a_reason():
    sources = {source for source, *_ in CASES}
    assert set(DEVIATIONS) <= sources
    assert all(d["why"] for d in DEVIATIONS.values())
