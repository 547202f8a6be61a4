"""The JsonLogic test suites, limited to the operators a questionnaire may use.

- suites/official-tests.json: jsonlogic.com's tests (jwadhams/json-logic, gh-pages, MIT);
- suites/compat/: the community suites of json-logic/compat-tables (Apache-2.0), whose expected
  results follow the newer community specification and sometimes differ from the official ones.

Each case is (source, rule, data, expected) where expected is {"result": value} or {"error": ...}.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from survey_app.questionnaires.logic import OPERATORS

HERE = Path(__file__).resolve().parent / "suites"


def only_allowed(rule: Any) -> bool:
    if isinstance(rule, list):
        return all(only_allowed(item) for item in rule)
    if isinstance(rule, dict):
        if len(rule) != 1:
            return False  # data objects in rules: the format has none
        ((op, args),) = rule.items()
        return op in OPERATORS and only_allowed(args)
    return True


def suite_cases() -> Iterator[tuple[str, Any, Any, dict[str, Any]]]:
    official = json.loads((HERE / "official-tests.json").read_text(encoding="utf-8"))
    for i, item in enumerate(official):
        if isinstance(item, list) and only_allowed(item[0]):
            yield f"official #{i}", item[0], item[1], {"result": item[2]}
    for path in sorted((HERE / "compat").glob("*.json")):
        for i, item in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            if isinstance(item, dict) and "rule" in item and only_allowed(item["rule"]):
                expected = {"error": item["error"]} if "error" in item else {"result": item.get("result")}
                yield f"{path.stem} #{i}", item["rule"], item.get("data"), expected
