"""Write deviations.json: the suite cases where this project's rule language gives another answer
than the suite expects, each with the reason.  Run after a deliberate change of meaning and read
the diff: ``python -m tests.rules.deviations``.  test_suites.py holds the evaluators to the file."""
from __future__ import annotations

import json
from typing import Any

from survey_app.questionnaires.logic import ARITY, evaluate, is_operation

from .suite_cases import suite_cases
from .table import DEVIATIONS_PATH, matches_suite

ARITHMETIC = {"+", "-", "*", "/", "%", "min", "max"}


def _walk(rule: Any):
    if is_operation(rule):
        (op, args), = rule.items()
        yield op, args if isinstance(args, list) else [args]
        yield from _walk(args)
    elif isinstance(rule, list):
        for item in rule:
            yield from _walk(item)


def reason(rule: Any, data: Any, expected: dict[str, Any]) -> str:
    for op, args in _walk(rule):
        least, most = ARITY[op]
        if len(args) < least or (most is not None and len(args) > most):
            return f"{op!r} with {len(args)} argument(s) has no meaning here (null)"
    for op, args in _walk(rule):
        literals = [a for a in args if not is_operation(a)]
        if op in ARITHMETIC and any(isinstance(a, (str, bool, list)) or a is None for a in literals):
            return "arithmetic converts no text, true/false or null: the result is null"
        if op in ARITHMETIC and any(isinstance(a, (int, float)) and not isinstance(a, bool) and a == 0 for a in args[1:]) and op in {"/", "%"}:
            return "division by zero is null"
    compares = any(op in {"==", "!=", "===", "!==", "<", "<=", ">", ">=", "in"} for op, _ in _walk(rule))
    if "error" in expected and compares:
        return "values of different kinds are never equal or ordered here; the suite raises an error"
    if "error" in expected:
        return "a lone argument is a list of one, as in JsonLogic; the suite raises an error"
    if compares:
        return "comparison converts no types: text, numbers, true/false and null are never equal or ordered"
    return "unanswered (null) is no number here"


def deviations() -> list[dict[str, Any]]:
    out = []
    for source, rule, data, expected in suite_cases():
        got = evaluate(rule, data)
        if not matches_suite(expected, got):
            out.append({"case": source, "rule": rule, "data": data, "suite": expected, "ours": got,
                        "why": reason(rule, data, expected)})
    return out


if __name__ == "__main__":
    found = deviations()
    DEVIATIONS_PATH.write_text(json.dumps(found, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(found)} deviations written to {DEVIATIONS_PATH}")
