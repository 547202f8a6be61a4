"""The server's evaluator against the shared case table; the browser's runs the same table in
tests/browser/test_rule_agreement.py."""
from __future__ import annotations

import json

import pytest

from survey_app.questionnaires.logic import OPERATORS, evaluate, is_operation

from .table import CASES, as_json


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['why'][:40]}" for i, c in enumerate(CASES)])
def test_case(case):
    assert as_json(evaluate(case["rule"], case["data"])) == as_json(case["result"]), json.dumps(case, ensure_ascii=False)


def test_the_table_exercises_every_operator():
    used = set()
    stack = [c["rule"] for c in CASES]
    while stack:
        item = stack.pop()
        if is_operation(item):
            (op, args), = item.items()
            used.add(op)
            stack.append(args)
        elif isinstance(item, list):
            stack.extend(item)
    assert used >= OPERATORS
