"""XLSForm expressions -> our JsonLogic rules, meaning what ODK Collect makes of them.

Where ODK and our rules differ in kind, the translation follows ODK's intent: ``''`` is "not
answered" (our ``null``); ``selected(${q}, 'x')`` on a single choice is ``q == "x"``; a number
written against a choice question (``${q} = 1``) is the choice ``"1"``, and a text against a
number question (``${n} > '3'``) is the number 3, as ODK converts them.  ``count-selected()`` is
spelled out over the question's options, since our rules have no count.  What has no equivalent
(``today()``, ``regex()``, repeats' functions, ...) is refused with the function's name.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .xpath import Node, XPathError, parse

JSON_OPERATOR = {"or": "or", "and": "and", "=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
                 "+": "+", "-": "-", "*": "*", "div": "/", "mod": "%"}
#: operators whose chains (a + b + c) become one list of arguments
FLATTENED = frozenset({"or", "and", "+", "*"})
COMPARISON = frozenset({"=", "!=", "<", "<=", ">", ">="})
NUMBER_KINDS = frozenset({"number", "likert"})
TEXT_KINDS = frozenset({"single", "text", "date"})
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")

#: functions ODK knows that we cannot carry, with what to say about each
NO_EQUIVALENT = {
    "today": "本系统的规则里没有“今天”", "now": "本系统的规则里没有“现在”",
    "regex": "本系统的规则不支持正则表达式", "position": "本系统没有重复组（repeat）",
    "indexed-repeat": "本系统没有重复组（repeat）", "count": "本系统没有重复组（repeat）",
    "sum": "本系统没有重复组（repeat）", "jr:choice-name": "规则里不能取选项的文字",
    "pulldata": "本系统不能从外部文件取数据", "once": "本系统没有计算题", "instance": "本系统不支持外部选项表",
    "concat": "规则里不能拼接文字", "substr": "规则里不能截取文字", "random": "规则里不能用随机数",
    "uuid": "规则里不能用随机编号",
}


@dataclass(frozen=True)
class Context:
    """What a translation needs to know: each question's type and options (kind of answer), and
    the question a ``.`` stands for (None where ``.`` has no meaning, as in ``relevant``)."""

    questions: Mapping[str, Mapping[str, Any]]
    current: str | None = None


def to_jsonlogic(text: str, context: Context) -> Any:
    """The JsonLogic rule of one XLSForm expression; XPathError (Chinese) when it has none."""
    return _Translator(context).rule(parse(text))


class _Translator:
    def __init__(self, context: Context):
        self.context = context

    def kind_of(self, node: Node) -> str | None:
        """The type of the question a node reads directly (``${q}`` or ``.``), else None."""
        name = self.name_of(node)
        question = self.context.questions.get(name) if name else None
        return str(question.get("type")) if question else None

    def name_of(self, node: Node) -> str | None:
        node = _ungroup(node)
        if node.kind == "var":
            return str(node.value)
        if node.kind == "current":
            return self.context.current
        return None

    def rule(self, node: Node) -> Any:
        method = getattr(self, f"_{node.kind}")
        return method(node)

    def _num(self, node: Node) -> Any:
        return node.value

    def _str(self, node: Node) -> Any:
        return node.value if node.value != "" else None  # '' is ODK's "no answer"

    def _group(self, node: Node) -> Any:
        return self.rule(node.args[0])

    def _var(self, node: Node) -> Any:
        name = str(node.value)
        question = self.context.questions.get(name)
        if question is None:
            raise XPathError(f"${{{name}}} 不是这份问卷里的题目")
        if question.get("type") == "note":
            raise XPathError(f"${{{name}}} 是说明（note），没有答案，规则不能读它")
        return {"var": name}

    def _current(self, node: Node) -> Any:
        if self.context.current is None:
            raise XPathError("“.”（本题）只能用在 constraint 里；别处请写 ${题目名}")
        return {"var": self.context.current}

    def _neg(self, node: Node) -> Any:
        return {"-": [self.rule(node.args[0])]}

    def _op(self, node: Node) -> Any:
        op = str(node.value)
        left, right = node.args
        if op in COMPARISON:
            return {JSON_OPERATOR[op]: [self.operand(left, right, op), self.operand(right, left, op)]}
        args = [self.rule(left), self.rule(right)]
        if op in FLATTENED and left.kind == "op" and left.value == op:
            args = [*args[0][JSON_OPERATOR[op]], args[1]]
        if op == "and" and len(args) == 2:
            return _chained(args[0], args[1]) or {"and": args}
        return {JSON_OPERATOR[op]: args}

    def operand(self, node: Node, other: Node, op: str = "=") -> Any:
        """One side of a comparison, a literal converted to the kind of the question on the
        other side, as ODK converts it (a number is a choice's name only in = and !=)."""
        kind = self.kind_of(other)
        plain = _ungroup(node)
        if kind == "multi" and plain.kind in ("str", "num") and plain.value != "":
            name = self.name_of(other)
            raise XPathError(f"多选题 ${{{name}}} 不能和一个值比较：请用 selected(${{{name}}}, '{plain.value}')")
        if kind in NUMBER_KINDS and plain.kind == "str" and plain.value != "":
            text = str(plain.value).strip()
            if not DECIMAL.match(text):
                raise XPathError(f"${{{self.name_of(other)}}} 的答案是数字，不能和文字“{plain.value}”比较")
            return float(text) if "." in text else int(text)
        if kind in ("single", "text") and plain.kind == "num" and op in ("=", "!="):
            return plain.text.lstrip("+")
        return self.rule(node)

    def _call(self, node: Node) -> Any:
        name = str(node.value)
        handler = getattr(self, "fn_" + name.replace("-", "_").replace(":", "_"), None)
        if handler is None or name in NO_EQUIVALENT:
            why = NO_EQUIVALENT.get(name, "本系统的规则不支持这个函数")
            raise XPathError(f"{name}()：{why}")
        return handler(node.args)

    def arity(self, name: str, args: tuple[Node, ...], count: int) -> None:
        if len(args) != count:
            raise XPathError(f"{name}() 要 {count} 个参数，这里有 {len(args)} 个")

    def fn_true(self, args: tuple[Node, ...]) -> Any:
        self.arity("true", args, 0)
        return True

    def fn_false(self, args: tuple[Node, ...]) -> Any:
        self.arity("false", args, 0)
        return False

    def fn_not(self, args: tuple[Node, ...]) -> Any:
        self.arity("not", args, 1)
        return {"!": self.rule(args[0])}

    def fn_boolean(self, args: tuple[Node, ...]) -> Any:
        self.arity("boolean", args, 1)
        return {"!!": self.rule(args[0])}

    def fn_selected(self, args: tuple[Node, ...]) -> Any:
        self.arity("selected", args, 2)
        haystack, needle = args
        plain = _ungroup(haystack)
        if plain.kind == "str":  # selected('a b', ${q}): is the answer one of these (option names)?
            return {"in": [self.rule(needle), str(plain.value).split()]}
        kind = self.kind_of(haystack)
        name = self.name_of(haystack)
        if kind == "multi":
            return {"in": [self.choice(needle), self.rule(haystack)]}
        if kind == "single":
            return {"==": [self.rule(haystack), self.choice(needle)]}
        if kind == "likert":
            return {"==": [self.rule(haystack), self.operand(needle, haystack)]}
        if name is None:
            raise XPathError("selected() 的第一个参数要是一道选择题，如 selected(${q}, 'a')")
        raise XPathError(f"selected() 只能用在选择题上，${{{name}}} 不是选择题")

    def choice(self, node: Node) -> Any:
        """An option value: a number written for it is its text (choice names are texts)."""
        plain = _ungroup(node)
        if plain.kind == "num":
            return plain.text
        return self.rule(node)

    def fn_count_selected(self, args: tuple[Node, ...]) -> Any:
        self.arity("count-selected", args, 1)
        name = self.name_of(args[0])
        if name is None or self.kind_of(args[0]) != "multi":
            raise XPathError("count-selected() 只能数一道多选题选了几项，如 count-selected(${q})")
        var = self.rule(args[0])
        options = [o.get("value") for o in self.context.questions[name].get("options") or []]
        return {"+": [{"if": [{"in": [value, var]}, 1, 0]} for value in options]}

    def fn_if(self, args: tuple[Node, ...]) -> Any:
        self.arity("if", args, 3)
        test, then, otherwise = (self.rule(a) for a in args)
        plain = _ungroup(args[2])
        if plain.kind == "call" and plain.value == "if" and isinstance(otherwise, dict) and "if" in otherwise:
            return {"if": [test, then, *otherwise["if"]]}
        return {"if": [test, then, otherwise]}

    def fn_coalesce(self, args: tuple[Node, ...]) -> Any:
        self.arity("coalesce", args, 2)
        first, default = args
        name = self.name_of(first)
        if name is None or _ungroup(default).kind not in ("num", "str"):
            raise XPathError("coalesce() 只支持 coalesce(${题目}, 数字或文字)：没答时用这个值")
        self.rule(first)  # a question of this questionnaire, with an answer
        return {"var": [name, self.operand(default, first)]}

    def fn_contains(self, args: tuple[Node, ...]) -> Any:
        self.arity("contains", args, 2)
        return {"in": [self.rule(args[1]), self.rule(args[0])]}

    def fn_min(self, args: tuple[Node, ...]) -> Any:
        return self.extreme("min", args)

    def fn_max(self, args: tuple[Node, ...]) -> Any:
        return self.extreme("max", args)

    def extreme(self, name: str, args: tuple[Node, ...]) -> Any:
        if not args:
            raise XPathError(f"{name}() 至少要 1 个参数")
        return {name: [self.rule(a) for a in args]}

    def fn_date(self, args: tuple[Node, ...]) -> Any:
        self.arity("date", args, 1)
        plain = _ungroup(args[0])
        if plain.kind != "str" or not ISO_DATE.match(str(plain.value)):
            raise XPathError("date() 只支持写定的日期，如 date('2024-01-01')")
        return plain.value  # our dates are YYYY-MM-DD texts, which order as dates do


def _chained(first: Any, second: Any) -> Any:
    """``a < b and b < c`` is our chain ``{"<": [a, b, c]}`` (the same meaning, the spelling
    our files use, and what the export writes a chain as)."""
    if not (isinstance(first, dict) and isinstance(second, dict) and len(first) == len(second) == 1):
        return None
    ((op, left),), ((other, right),) = first.items(), second.items()
    if op != other or op not in ("<", "<=", ">", ">=") or len(left) != 2 or len(right) != 2 or left[1] != right[0]:
        return None
    return {op: [left[0], left[1], right[1]]}


def _ungroup(node: Node) -> Node:
    while node.kind == "group":
        node = node.args[0]
    return node


def constraint_to_jsonlogic(text: str, context: Context) -> tuple[Any, int | None]:
    """A text question's constraint: its ``string-length(.) <= N`` parts (joined to the rest by
    ``and``) become our ``max_length``, returned apart; the rest is the rule (None if nothing is
    left)."""
    node = parse(text)
    parts = _conjuncts(node)
    limits = [_length_limit(p, context) for p in parts]
    if all(limit is None for limit in limits):
        return _Translator(context).rule(node), None
    rest = [_Translator(context).rule(p) for p, limit in zip(parts, limits, strict=True) if limit is None]
    limit = min(limit for limit in limits if limit is not None)
    return ({"and": rest} if len(rest) > 1 else (rest[0] if rest else None)), limit


def _conjuncts(node: Node) -> list[Node]:
    if node.kind == "op" and node.value == "and":
        return [*_conjuncts(node.args[0]), node.args[1]]
    return [node]


def _length_limit(node: Node, context: Context) -> int | None:
    """N for ``string-length(.) <= N`` (N - 1 for ``<``) on the current text question."""
    node = _ungroup(node)
    if node.kind != "op" or node.value not in ("<=", "<"):
        return None
    left, right = (_ungroup(a) for a in node.args)
    if not (left.kind == "call" and left.value == "string-length" and len(left.args) == 1
            and _ungroup(left.args[0]).kind == "current" and right.kind == "num" and isinstance(right.value, int)):
        return None
    question = context.questions.get(context.current or "", {})
    if question.get("type") != "text":
        return None
    return right.value - (1 if node.value == "<" else 0)
