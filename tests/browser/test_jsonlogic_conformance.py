"""The same skip-logic and constraint rules give the same answers in the browser
(json-logic-js, served by the app) and on the server (panzi-json-logic).

Every rule of every shipped questionnaire is evaluated against data built from the values its
questions can take, plus edge cases for each allowed operator; any disagreement fails."""
from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from survey_app.questionnaires import check_folder
from survey_app.questionnaires.rules import ALLOWED_OPERATORS, evaluate, truthy, variables

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
LOGIC_JS = ROOT / "survey_app" / "static" / "vendor" / "json-logic-js" / "logic.js"

OPERATOR_CASES = [
    ({"==": [{"var": "a"}, "yes"]}, {"a": "yes"}),
    ({"==": [{"var": "a"}, "yes"]}, {}),
    ({"==": [{"var": "n"}, 1]}, {"n": 1.0}),
    ({"!=": [{"var": "a"}, "no"]}, {"a": None}),
    ({"===": [{"var": "n"}, 3]}, {"n": 3}),
    ({"!==": [{"var": "n"}, "3"]}, {"n": 3}),
    ({"<": [{"var": "n"}, 5]}, {"n": 4}),
    ({"<": [1, {"var": "n"}, 5]}, {"n": 3}),
    ({"<=": [{"var": "n"}, 5]}, {"n": 5}),
    ({">": [{"var": "n"}, 2]}, {}),
    ({">=": [{"var": "n"}, 1]}, {"n": 0}),
    ({"!": {"var": "a"}}, {"a": ""}),
    ({"!!": {"var": "m"}}, {"m": []}),
    ({"!!": {"var": "m"}}, {"m": ["x"]}),
    ({"and": [{"var": "a"}, {"var": "b"}]}, {"a": "x", "b": 0}),
    ({"or": [{"var": "a"}, {"var": "b"}]}, {"a": None, "b": "y"}),
    ({"if": [{"var": "a"}, True, False]}, {"a": "z"}),
    ({"in": ["x", {"var": "m"}]}, {"m": ["x", "y"]}),
    ({"in": ["x", {"var": "m"}]}, {}),
    ({"in": [{"var": "a"}, ["3_12m", "over_1y"]]}, {"a": "over_1y"}),
    ({"in": ["ab", {"var": "t"}]}, {"t": "cabd"}),
    ({">": [{"+": [{"var": "a"}, {"var": "b"}]}, 3]}, {"a": 2, "b": 2}),
    ({"==": [{"-": [{"var": "a"}, 1]}, 1]}, {"a": 2}),
    ({"==": [{"*": [{"var": "a"}, 2]}, 8]}, {"a": 4}),
    ({"==": [{"/": [{"var": "a"}, 2]}, 2.5]}, {"a": 5}),
    ({"==": [{"%": [{"var": "a"}, 2]}, 1]}, {"a": 5}),
    ({"==": [{"min": [{"var": "a"}, 3]}, 2]}, {"a": 2}),
    ({"==": [{"max": [{"var": "a"}, 3]}, 3]}, {"a": 2}),
    ({"missing": ["a", "b"]}, {"a": 1}),
    ({"!": {"missing": ["a"]}}, {"a": 1}),
]


def _sample_values(question) -> list:
    if question.type in ("single",):
        return [None, *question.option_values]
    if question.type == "multi":
        values = list(question.option_values)
        return [None, [], values[:1], values[-1:], values[:2], [values[-1], values[0]]]
    if question.type == "likert":
        return [None, question.scale.min, question.scale.max]
    if question.type == "number":
        lo = question.min if question.min is not None else 0
        return [None, lo, lo + 1, (question.max if question.max is not None else lo + 10)]
    return [None, "x"]


def _instrument_cases() -> list[tuple[dict, dict]]:
    cases = []
    for checked in check_folder(ROOT / "questionnaires").files.values():
        qn = checked.questionnaire
        rules = [s.relevant for s in qn.sections if s.relevant is not None]
        rules += [r for q in qn.questions.values() for r in (q.relevant, q.constraint) if r is not None]
        for rule in rules:
            names = sorted(variables(rule))
            grids = [_sample_values(qn.question(n)) for n in names]
            for combo in itertools.islice(itertools.product(*grids), 200):
                cases.append((rule, {n: v for n, v in zip(names, combo, strict=True) if v is not None}))
    return cases


def test_every_allowed_operator_is_exercised():
    used = set()
    for rule, _ in OPERATOR_CASES:
        stack = [rule]
        while stack:
            item = stack.pop()
            if isinstance(item, dict) and len(item) == 1:
                (op, args), = item.items()
                used.add(op)
                stack.append(args)
            elif isinstance(item, list):
                stack.extend(item)
    assert used >= ALLOWED_OPERATORS


def test_browser_and_server_agree(page):
    cases = OPERATOR_CASES + _instrument_cases()
    assert len(cases) > 50
    page.set_content("<!doctype html><title>rules</title>")
    page.add_script_tag(path=str(LOGIC_JS))
    in_browser = page.evaluate(
        "cases => cases.map(([rule, data]) => { const v = jsonLogic.apply(rule, data); return jsonLogic.truthy(v); })",
        [[rule, data] for rule, data in cases],
    )
    on_server = [truthy(evaluate(rule, data)) for rule, data in cases]
    disagreements = [
        (json.dumps(rule, ensure_ascii=False), json.dumps(data, ensure_ascii=False), js, py)
        for (rule, data), js, py in zip(cases, in_browser, on_server, strict=True)
        if js != py
    ]
    assert disagreements == []
