"""The shared case table (cases.json) and the JsonLogic suites, as the two evaluators see them.

Both sides' results pass through JSON before comparing, so that 3.0 and 3 are one value, as they
are once a rule's answer reaches the tablet."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CASES = json.loads((HERE / "cases.json").read_text(encoding="utf-8"))
DEVIATIONS_PATH = HERE / "deviations.json"


def as_json(value: Any) -> Any:
    """A value as JSON would carry it: every number a float, so 3 == 3.0 and -0.0 == 0; a number
    past the double range is null, as JSON.stringify writes the Infinity that 10**400 becomes."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        try:
            number = float(value) + 0.0
        except OverflowError:
            return None
        return number if math.isfinite(number) else None
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    raise TypeError(type(value))


def matches_suite(expected: dict[str, Any], got: Any) -> bool:
    """A suite's error is null here: a rule without meaning is null on both sides."""
    if "error" in expected:
        return got is None
    return as_json(got) == as_json(expected["result"])
