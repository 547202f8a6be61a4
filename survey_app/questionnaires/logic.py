"""The rule language of questionnaires: JsonLogic's syntax, with one meaning that the server (this
module) and the tablet (static/js/logic.js) both implement.

The specification is docs/questionnaire-format.md, "What each operator means"; the two
implementations are held together by tests/rules/cases.json (run by pytest and in Chromium), the
JsonLogic suites and a property-based differential test.  The libraries were dropped because they
disagree with each other (unanswered is 0 on one side and null on the other, ``-3 % 2``, ``/0``,
three-argument ``>``) and a tablet must never accept what the server refuses.

Where JsonLogic coerces types (``1 == "1"``, ``"3" + 1``), this language does not: the answer is
false or null, and ``questionnaires check`` refuses such a rule before it reaches a tablet.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

#: Operators and how many arguments each takes: (least, most); None is "any number".
ARITY: dict[str, tuple[int, int | None]] = {
    "var": (0, 2), "missing": (0, None),
    "==": (2, 2), "!=": (2, 2), "===": (2, 2), "!==": (2, 2),
    "<": (2, 3), "<=": (2, 3), ">": (2, 3), ">=": (2, 3),
    "!": (1, 1), "!!": (1, 1), "and": (1, None), "or": (1, None), "if": (0, None),
    "in": (2, 2),
    "+": (0, None), "-": (1, 2), "*": (1, None), "/": (2, 2), "%": (2, 2),
    "min": (1, None), "max": (1, None),
}
OPERATORS = frozenset(ARITY)
LAZY = frozenset({"and", "or", "if"})
#: Deeper rules have no meaning: Python's and JavaScript's stacks end at different depths.
MAX_DEPTH = 64
#: A number naming a list index (``{"var": 1}``) must be an integer JavaScript holds exactly.
MAX_SAFE_INTEGER = 2**53 - 1


class RuleError(ValueError):
    """A rule the specification gives no meaning: unknown operator or wrong number of arguments.
    The whole rule then evaluates to null on both sides."""


def is_operation(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1


def arguments(value: Any) -> list[Any]:
    """An operation's arguments: a lone non-list argument is a list of one, as in JsonLogic."""
    (args,) = value.values()
    return args if isinstance(args, list) else [args]


def evaluate(rule: Any, data: Any) -> Any:
    """The rule's value for these answers; null when the rule has no meaning."""
    try:
        return apply(rule, data)
    except (RuleError, RecursionError):  # recursion: only data nested past any real answer
        return None


def apply(rule: Any, data: Any) -> Any:
    """The rule's value, or RuleError where the specification gives it no meaning."""
    return _apply(rule, data, 0)


def truthy(value: Any) -> bool:
    """False, null, 0, "" and [] are false; everything else (including "0" and {}) is true."""
    if value is None or value is False:
        return False
    if isinstance(value, bool):
        return True
    if isinstance(value, (int, float)):
        return value != 0 and value == value  # NaN is false, as in JavaScript
    if isinstance(value, (str, list)):
        return len(value) > 0
    return True


def number(value: Any) -> float | None:
    """A value as a finite number, or None: no strings, booleans or lists are numbers here."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        result = float(value)
    except OverflowError:  # an integer past the double range, which JSON.parse makes Infinity
        return None
    return result if math.isfinite(result) else None


def same(a: Any, b: Any) -> bool:
    """Equality without coercion: same kind and same value; lists element by element."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    na, nb = number(a), number(b)
    if na is not None or nb is not None:
        return na is not None and nb is not None and na == nb
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return False  # objects (only ever in data) are equal to nothing, as in JavaScript


def _ordered(a: Any, b: Any, test: Callable[[Any, Any], bool]) -> bool:
    na, nb = number(a), number(b)
    if na is not None and nb is not None:
        return test(na, nb)
    if isinstance(a, str) and isinstance(b, str):
        return test(a, b)  # Python compares code points; logic.js does the same by hand
    return False


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _numbers(values: list[Any]) -> list[float] | None:
    out = [number(v) for v in values]
    return None if any(n is None for n in out) else out  # type: ignore[return-value]


def _sum(values: list[Any]) -> float | None:
    nums = _numbers(values)
    if nums is None:
        return None
    total = 0.0
    for n in nums:  # left to right from 0, as logic.js: float addition is not associative
        total += n
    return _finite(total)


def _product(values: list[Any]) -> float | None:
    nums = _numbers(values)
    if nums is None:
        return None
    total = nums[0]
    for n in nums[1:]:
        total *= n
    return _finite(total)


def _minus(values: list[Any]) -> float | None:
    nums = _numbers(values)
    if nums is None:
        return None
    return _finite(-nums[0]) if len(nums) == 1 else _finite(nums[0] - nums[1])


def _divide(values: list[Any]) -> float | None:
    nums = _numbers(values)
    if nums is None or nums[1] == 0:
        return None
    return _finite(nums[0] / nums[1])


def _remainder(values: list[Any]) -> float | None:
    """The remainder with the dividend's sign (-3 % 2 is -1), as JavaScript's %."""
    nums = _numbers(values)
    if nums is None or nums[1] == 0:
        return None
    return _finite(math.fmod(nums[0], nums[1]))


def _extreme(pick: Callable[..., float]) -> Callable[[list[Any]], float | None]:
    def apply(values: list[Any]) -> float | None:
        nums = _numbers(values)
        return None if nums is None else pick(nums)
    return apply


def _chain(test: Callable[[Any, Any], bool]) -> Callable[[list[Any]], bool]:
    def apply(values: list[Any]) -> bool:
        return all(_ordered(a, b, test) for a, b in itertools.pairwise(values))
    return apply


def _in(values: list[Any]) -> bool:
    needle, haystack = values
    if isinstance(haystack, str):
        return isinstance(needle, str) and needle in haystack
    if isinstance(haystack, list):
        return any(same(needle, item) for item in haystack)
    return False


def _step(data: Any, key: str) -> tuple[bool, Any]:
    if isinstance(data, dict):
        return (key in data), data.get(key)
    if isinstance(data, list) and key.isdigit() and key.isascii():
        index = int(key)
        return (index < len(data)), (data[index] if index < len(data) else None)
    return False, None


def lookup(data: Any, name: Any) -> Any:
    """``var``: the answer named (a dotted path steps into objects and lists), or None."""
    if name is None or name == "" or name == []:
        return data
    if isinstance(name, bool):
        return None
    if isinstance(name, (int, float)):
        n = number(name)
        if n is None or n != int(n) or abs(n) > MAX_SAFE_INTEGER:
            return None
        name = str(int(n))
    if not isinstance(name, str):
        return None
    for key in name.split("."):
        found, data = _step(data, key)
        if not found or data is None:
            return None
    return data


def _var(values: list[Any], data: Any) -> Any:
    name = values[0] if values else None
    found = lookup(data, name)
    if found is None and len(values) > 1:
        return values[1]  # the default, for an unanswered question
    return found


def _missing(values: list[Any], data: Any) -> list[Any]:
    names = values[0] if values and isinstance(values[0], list) else values
    return [n for n in names if lookup(data, n) in (None, "")]


EAGER: dict[str, Callable[[list[Any]], Any]] = {
    "==": lambda v: same(v[0], v[1]), "===": lambda v: same(v[0], v[1]),
    "!=": lambda v: not same(v[0], v[1]), "!==": lambda v: not same(v[0], v[1]),
    "<": _chain(lambda a, b: a < b), "<=": _chain(lambda a, b: a <= b),
    ">": _chain(lambda a, b: a > b), ">=": _chain(lambda a, b: a >= b),
    "!": lambda v: not truthy(v[0]), "!!": lambda v: truthy(v[0]),
    "in": _in,
    "+": _sum, "-": _minus, "*": _product, "/": _divide, "%": _remainder,
    "min": _extreme(min), "max": _extreme(max),
}


def _apply(rule: Any, data: Any, depth: int) -> Any:
    if not isinstance(rule, list) and not is_operation(rule):
        return rule  # a literal; a dict of other than one key is data, as in JsonLogic
    if depth > MAX_DEPTH:
        raise RuleError(f"a rule may nest at most {MAX_DEPTH} levels")
    if isinstance(rule, list):
        return [_apply(item, data, depth + 1) for item in rule]
    (op,) = rule
    if op not in ARITY:
        raise RuleError(f"unknown operator {op!r}")
    args = arguments(rule)
    least, most = ARITY[op]
    if len(args) < least or (most is not None and len(args) > most):
        raise RuleError(f"{op!r} takes {least}..{most} arguments, not {len(args)}")
    if op in LAZY:
        return _lazy(op, args, data, depth + 1)
    values = [_apply(a, data, depth + 1) for a in args]
    if op == "var":
        return _var(values, data)
    if op == "missing":
        return _missing(values, data)
    return EAGER[op](values)


def _lazy(op: str, args: list[Any], data: Any, depth: int) -> Any:
    if op == "if":
        for i in range(0, len(args) - 1, 2):
            if truthy(_apply(args[i], data, depth)):
                return _apply(args[i + 1], data, depth)
        return _apply(args[-1], data, depth) if len(args) % 2 == 1 else None
    value = None
    for arg in args:
        value = _apply(arg, data, depth)
        if truthy(value) == (op == "or"):
            return value
    return value
