"""Our JsonLogic rules -> XLSForm expressions: the inverse of ``fromxpath.py``.

Written so that reading the expression back gives the same rule (the round trip of our own
questionnaires is exact), and so that ODK Collect means the same by it where its XPath can: an
``in`` on a multiple choice is ``selected()``, on a text ``contains()``, on a list of option values
``selected('a b', ...)``; a default for an unanswered question is ``coalesce()``.  A few rules
come back in an equivalent spelling (a three-argument ``<`` as two comparisons joined by ``and``,
``{"!": [x]}`` as ``{"!": x}``, ``===`` as ``==``); what XPath cannot say at all (``missing``, a
text holding both kinds of quote) raises ``ExportError``.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..logic import is_operation
from .xpath import BINARY

#: how tightly each XPath form binds (BINARY's levels; then unary minus, then atoms)
UNARY, ATOM = 7, 8
XPATH_OPERATOR = {"or": "or", "and": "and", "==": "=", "===": "=", "!=": "!=", "!==": "!=",
                  "<": "<", "<=": "<=", ">": ">", ">=": ">=", "+": "+", "-": "-", "*": "*", "/": "div", "%": "mod"}
#: what the reader turns a chain of (a + b + c) into: one operation with every operand
FLATTENED = frozenset({"or", "and", "+", "*"})
SMART_QUOTES = frozenset("\u2018\u2019\u201c\u201d")
COMPARISONS = frozenset({"==", "===", "!=", "!==", "<", "<=", ">", ">="})
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
NUMBER_TEXT = re.compile(r"^-?[0-9.]+$")


class _Date(str):
    """A date written in a rule, compared with a date question: ``date('...')`` in XPath, where
    a bare text would not compare as a date."""


class ExportError(ValueError):
    """A rule XLSForm cannot hold; the message is in Chinese."""


def to_xpath(rule: Any, questions: Mapping[str, Mapping[str, Any]], current: str | None = None) -> str:
    """The XLSForm expression of a rule; ``current`` is the question a constraint belongs to,
    whose answer is written ``.``."""
    return _Writer(questions, current).write(rule)[0]


class _Writer:
    def __init__(self, questions: Mapping[str, Mapping[str, Any]], current: str | None):
        self.questions = questions
        self.current = current

    def write(self, rule: Any) -> tuple[str, int]:
        """(text, binding strength) of a rule."""
        if isinstance(rule, list):
            raise ExportError("XLSForm 的表达式里不能有列表（只能出现在 in 里）")
        if not is_operation(rule):
            return self.literal(rule)
        ((op, raw),) = rule.items()
        args = raw if isinstance(raw, list) else [raw]
        method = {
            "var": self.var, "in": self.within, "!": self.negation, "!!": self.boolean, "if": self.condition,
            "min": self.extreme, "max": self.extreme,
        }.get(op)
        if method is not None:
            return method(op, args)
        if op in ("<", "<=", ">", ">=") and len(args) == 3:
            return self.chain(op, args)
        if op == "-" and len(args) == 1:
            text, strength = self.write(args[0])
            return f"-{text if strength >= UNARY and not _is_number(args[0]) else f'({text})'}", UNARY
        if op in ("+", "*") and len(args) == 1:  # the sum (product) of one number is that number
            return self.binary(op, [0 if op == "+" else 1, args[0]])
        if op == "+" and not args:
            return "0", ATOM
        if op in XPATH_OPERATOR and len(args) >= 2:
            if op not in FLATTENED and len(args) != 2:
                raise ExportError(f"“{op}”要 2 个参数")
            if op in COMPARISONS:
                args = self.dated(args)
            return self.binary(op, args)
        if op in ("and", "or") and len(args) == 1:
            return self.write(args[0])
        raise ExportError(f"规则里的“{op}”在 XLSForm 里没有对应的写法")

    def binary(self, op: str, args: list[Any]) -> tuple[str, int]:
        level = BINARY[XPATH_OPERATOR[op]]
        parts = []
        for i, arg in enumerate(args):
            text, strength = self.write(arg)
            # Left-associative: the first operand may bind as loosely as the operator itself,
            # unless the reader would merge it into this chain (a + b) + c -> a + b + c.
            same_chain = op in FLATTENED and is_operation(arg) and (op in arg or (op == "and" and _is_chain(arg)))
            loose_ok = i == 0 and not same_chain
            if strength < level or (strength == level and not loose_ok):
                text = f"({text})"
            parts.append(text)
        return f" {XPATH_OPERATOR[op]} ".join(parts), level

    def chain(self, op: str, args: list[Any]) -> tuple[str, int]:
        return self.binary("and", [{op: [args[0], args[1]]}, {op: [args[1], args[2]]}])

    def literal(self, value: Any) -> tuple[str, int]:
        if value is None or value == "":
            return "''", ATOM  # no answer, as ODK writes it
        if value is True:
            return "true()", ATOM
        if value is False:
            return "false()", ATOM
        if isinstance(value, (int, float)):
            return _number(value)
        if isinstance(value, _Date):
            return f"date({_quoted(value)})", ATOM
        if isinstance(value, str):
            return _quoted(value), ATOM
        raise ExportError(f"XLSForm 的表达式里不能有 {type(value).__name__}")

    def dated(self, args: list[Any]) -> list[Any]:
        kinds = [self.kind(a) for a in args]
        if "date" not in kinds:
            return args
        return [_Date(a) if isinstance(a, str) and ISO_DATE.match(a) else a for a in args]

    def kind(self, rule: Any) -> str | None:
        if is_operation(rule) and "var" in rule:
            name = rule["var"][0] if isinstance(rule["var"], list) and rule["var"] else rule["var"]
            return str(self.questions.get(name, {}).get("type")) if isinstance(name, str) else None
        return None

    def var(self, op: str, args: list[Any]) -> tuple[str, int]:
        name = args[0] if args else None
        if not isinstance(name, str) or name not in self.questions:
            raise ExportError(f"规则读的“{name}”不是这份问卷里的题目")
        text = "." if name == self.current else "${" + name + "}"
        if len(args) == 2 and args[1] is not None:
            if is_operation(args[1]) or isinstance(args[1], list):
                raise ExportError("没答时的默认值只能是一个数字或文字")
            return f"coalesce({text}, {self.literal(args[1])[0]})", ATOM
        return text, ATOM

    def within(self, op: str, args: list[Any]) -> tuple[str, int]:
        needle, haystack = args
        if isinstance(haystack, list):
            if haystack and all(isinstance(h, str) and h and h.split() == [h] for h in haystack):
                return f"selected({_quoted(' '.join(haystack))}, {self.write(needle)[0]})", ATOM
            if not haystack:
                return "false()", ATOM
            return self.binary("or", [{"==": [needle, item]} for item in haystack])
        if is_operation(haystack) and "var" in haystack:
            name = haystack["var"][0] if isinstance(haystack["var"], list) else haystack["var"]
            needle_text = self.write(needle)[0]
            # a number is never an option here, but selected() would read it back as one
            if self.questions.get(name, {}).get("type") == "multi" and not NUMBER_TEXT.match(needle_text):
                return f"selected({self.write(haystack)[0]}, {needle_text})", ATOM
        return f"contains({self.write(haystack)[0]}, {self.write(needle)[0]})", ATOM

    def negation(self, op: str, args: list[Any]) -> tuple[str, int]:
        return f"not({self.write(args[0])[0]})", ATOM

    def boolean(self, op: str, args: list[Any]) -> tuple[str, int]:
        return f"boolean({self.write(args[0])[0]})", ATOM

    def condition(self, op: str, args: list[Any]) -> tuple[str, int]:
        if len(args) <= 1:
            return self.write(args[0]) if args else self.literal(None)
        otherwise = self.condition(op, args[2:])[0] if len(args) > 2 else "''"
        return f"if({self.write(args[0])[0]}, {self.write(args[1])[0]}, {otherwise})", ATOM

    def extreme(self, op: str, args: list[Any]) -> tuple[str, int]:
        return f"{op}({', '.join(self.write(a)[0] for a in args)})", ATOM


def _is_chain(rule: Any) -> bool:
    """A three-argument comparison, which XPath writes as two joined by ``and``."""
    ((op, args),) = rule.items()
    return op in ("<", "<=", ">", ">=") and isinstance(args, list) and len(args) == 3


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(value: float) -> tuple[str, int]:
    """A number as XPath writes it: digits and a point, never an exponent."""
    if isinstance(value, int):
        text = str(value)
    else:
        text = format(Decimal(repr(value)), "f")
        if "." not in text:
            text += ".0"  # stays a float when read back
    return text, (UNARY if text.startswith("-") else ATOM)


def _quoted(text: str) -> str:
    if "${" in text:
        raise ExportError(f"文字“{text}”里有“${{”，XLSForm 会把它当成题目")
    if SMART_QUOTES & set(text):
        raise ExportError(f"文字“{text}”里有中文引号，XLSForm 读的时候会把它们换成英文引号")
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    raise ExportError(f"文字“{text}”里同时有单引号和双引号，XLSForm 的表达式写不出来")
