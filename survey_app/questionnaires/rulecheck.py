"""What ``questionnaires check`` refuses in a rule: whatever the specification gives no meaning
(unknown operators, wrong numbers of arguments, nesting past the limit) and whatever it defines
only as "always false" or "null" because the kinds of value do not fit (comparing a number answer
with text, adding text).  Such a rule is a mistake the author would not see on the tablet.

Each problem comes with the path inside the rule, so that check.py can name its line.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .logic import ARITY, MAX_DEPTH, is_operation

#: The kinds of value a rule can hold; an answer's kind follows its question's type.
NUMBER, TEXT, LIST, BOOL, NULL = "number", "text", "list", "true/false", "null"
ANY = frozenset({NUMBER, TEXT, LIST, BOOL, NULL})
ANSWER_KIND = {"number": NUMBER, "likert": NUMBER, "single": TEXT, "text": TEXT, "date": TEXT, "multi": LIST}
ARITHMETIC = frozenset({"+", "-", "*", "/", "%", "min", "max"})
ORDER = frozenset({"<", "<=", ">", ">="})
EQUALITY = frozenset({"==", "!=", "===", "!=="})

Problem = tuple[list[Any], str]


def _describe(kinds: frozenset[str]) -> str:
    return " or ".join(sorted(kinds - {NULL})) or NULL


def _literal_kind(value: Any) -> frozenset[str]:
    if value is None:
        return frozenset({NULL})
    if isinstance(value, bool):
        return frozenset({BOOL})
    if isinstance(value, (int, float)):
        return frozenset({NUMBER})
    if isinstance(value, str):
        return frozenset({TEXT})
    return frozenset({LIST})


class RuleChecker:
    """Walks one rule, inferring the kinds each part can take, and collects problems."""

    def __init__(self, questions: Mapping[str, Mapping[str, Any]]):
        self.questions = questions
        self.problems: list[Problem] = []

    def fail(self, path: list[Any], message: str) -> None:
        self.problems.append((path, message))

    def kinds(self, rule: Any, path: list[Any], depth: int = 0) -> frozenset[str]:
        if depth > MAX_DEPTH and (isinstance(rule, list) or is_operation(rule)):
            self.fail(path, f"a rule may nest at most {MAX_DEPTH} levels")
            return ANY
        if isinstance(rule, list):
            for i, item in enumerate(rule):
                self.kinds(item, [*path, i], depth + 1)
            return frozenset({LIST})
        if isinstance(rule, dict):
            if not is_operation(rule):
                self.fail(path, "an object with other than one key is not a rule; write one operator per {...}")
                return ANY
            return self.operation(rule, path, depth)
        return _literal_kind(rule)

    def operation(self, rule: dict[str, Any], path: list[Any], depth: int) -> frozenset[str]:
        (op, raw), = rule.items()
        op = str(op)
        if op not in ARITY:
            self.fail(path, f"unknown or unsupported JsonLogic operator {op!r} (allowed: {' '.join(ARITY)})")
            return ANY
        args = raw if isinstance(raw, list) else [raw]
        arg_paths = [[*path, op, i] for i in range(len(args))] if isinstance(raw, list) else [[*path, op]]
        least, most = ARITY[op]
        if len(args) < least or (most is not None and len(args) > most):
            wanted = f"{least}" if least == most else (f"at least {least}" if most is None else f"{least} to {most}")
            self.fail(path, f"{op!r} takes {wanted} argument(s), not {len(args)}")
            return ANY
        if op == "var":
            return self.var(args, arg_paths, path)
        if op == "missing":
            for arg, apath in zip(args, arg_paths, strict=True):
                if not isinstance(arg, str) or arg not in self.questions:
                    self.fail(apath, "'missing' lists question ids as strings")
            return frozenset({LIST})
        kinds = [self.kinds(a, p, depth + 1) for a, p in zip(args, arg_paths, strict=True)]
        if op in ARITHMETIC:
            for k, apath in zip(kinds, arg_paths, strict=True):
                if k - {NULL} and NUMBER not in k:
                    self.fail(apath, f"{op!r} works on numbers; this is {_describe(k)} (no conversion is made: the result would be null)")
            return frozenset({NUMBER, NULL})
        if op in ORDER:
            self.order(op, kinds, arg_paths, path)
        elif op in EQUALITY:
            self.equality(op, args, kinds, path)
        elif op == "in":
            self.membership(args, kinds, arg_paths)
        elif op in ("and", "or"):
            return frozenset().union(*kinds)
        elif op == "if":
            branches = [k for i, k in enumerate(kinds) if i % 2 == 1 or i == len(kinds) - 1]
            extra = {NULL} if len(kinds) % 2 == 0 else set()
            return frozenset().union(*branches, extra) if branches else frozenset({NULL})
        return frozenset({BOOL})

    def var(self, args: list[Any], arg_paths: list[list[Any]], path: list[Any]) -> frozenset[str]:
        name = args[0] if args else None
        if not isinstance(name, str) or not name:
            self.fail(path, "a 'var' must name a question id as a string")
            return ANY
        question = self.questions.get(name)
        if question is None:
            return ANY  # reported by check.py as an unknown question
        kind = ANSWER_KIND.get(str(question.get("type")))
        kinds = frozenset({kind, NULL}) if kind else ANY
        if len(args) == 2:
            default = args[1]
            if isinstance(default, dict):
                self.fail(arg_paths[1], "a 'var' default must be a plain value")
            elif kind and _literal_kind(default) == {kind}:
                kinds = frozenset({kind})
            elif kind and default is not None:
                self.fail(arg_paths[1], f"the default for unanswered {name!r} is "
                                        f"{_describe(_literal_kind(default))}, but its answers are {kind}")
        return kinds

    def order(self, op: str, kinds: list[frozenset[str]], arg_paths: list[list[Any]], path: list[Any]) -> None:
        definite = [k - {NULL} for k in kinds]
        for k, apath in zip(definite, arg_paths, strict=True):
            if k and not k & {NUMBER, TEXT}:
                self.fail(apath, f"{op!r} orders numbers or texts (dates); this is {_describe(k)}, so the rule is always false")
                return
        known = [k for k in definite if k and len(k) == 1]
        if len({next(iter(k)) for k in known}) > 1:
            self.fail(path, f"{op!r} compares a number with text: no conversion is made, so the rule is always false")

    def equality(self, op: str, args: list[Any], kinds: list[frozenset[str]], path: list[Any]) -> None:
        a, b = (k - {NULL} for k in kinds)
        if a and b and not a & b:
            self.fail(path, f"{op!r} compares {_describe(a)} with {_describe(b)}: no conversion is made "
                            f"(1 is not \"1\"), so they are never equal")
            return
        for var_side, other in ((args[0], args[1]), (args[1], args[0])):
            self.option_literal(var_side, other, path)

    def membership(self, args: list[Any], kinds: list[frozenset[str]], arg_paths: list[list[Any]]) -> None:
        needle, haystack = (k - {NULL} for k in kinds)
        if haystack and not haystack & {LIST, TEXT}:
            self.fail(arg_paths[1], f"'in' looks inside a list or a text; this is {_describe(haystack)}")
        elif haystack == {TEXT} and needle and TEXT not in needle:
            self.fail(arg_paths[0], f"'in' on a text looks for text; this is {_describe(needle)}")
        self.option_literal(args[1], args[0], arg_paths[0])
        if isinstance(args[1], list) and not any(is_operation(x) for x in args[1]):
            for item in args[1]:
                self.option_literal(args[0], item, arg_paths[1])

    def option_literal(self, var_side: Any, literal: Any, path: list[Any]) -> None:
        """A choice answer compared with a value that is not one of its options never matches."""
        if not (is_operation(var_side) and "var" in var_side and isinstance(literal, str)):
            return
        args = var_side["var"]
        name = args[0] if isinstance(args, list) and args else args
        question = self.questions.get(name) if isinstance(name, str) else None
        if question is None or question.get("type") not in ("single", "multi"):
            return
        values = [o.get("value") for o in question.get("options") or [] if isinstance(o, dict)]
        if values and literal not in values:
            self.fail(path, f"{literal!r} is not an option of {name!r} (options: {', '.join(map(str, values))})")


def check_rule(rule: Any, questions: Mapping[str, Mapping[str, Any]]) -> list[Problem]:
    checker = RuleChecker(questions)
    checker.kinds(rule, [])
    return checker.problems


def operations(rule: Any) -> Iterator[tuple[str, Any]]:
    """Every (operator, raw arguments) in a rule, outermost first."""
    if isinstance(rule, dict):
        if not is_operation(rule):
            return
        (op, args), = rule.items()
        yield str(op), args
        yield from operations(args)
    elif isinstance(rule, list):
        for item in rule:
            yield from operations(item)
