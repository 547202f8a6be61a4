"""A rule (JsonLogic) said in words, for the office looking at a draft: "当 helped 是“找过”",
"times 至少 1".  Only the shapes XLSForm rules are usually made of are put in words
(comparisons of an answer with a value or another answer, a ticked option, "one of", and, or,
not); for anything else ``in_words`` returns None and the page shows the rule itself, so a
sentence never says less than the rule does."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from ..questionnaires.model import Definition, Question

_COMPARISONS = ("==", "===", "!=", "!==", "<", "<=", ">", ">=")
#: a < b said from b's side: b > a
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "===": "===", "!=": "!=", "!==": "!=="}


class _NoWords(Exception):
    pass


def in_words(rule: Any, qn: Definition, lang: str = "zh") -> str | None:
    """The rule in the reader's language (labels of options in ``lang``), or None when it has
    no plain wording here."""
    try:
        return _Words(qn, lang).say(rule)
    except _NoWords:
        return None


class _Words:
    def __init__(self, qn: Definition, lang: str) -> None:
        self.qn = qn
        self.lang = lang

    def say(self, rule: Any, inner: bool = False) -> str:
        op, args = _parts(rule)
        if op in ("and", "or"):
            if len(args) < 2:
                return self.say(args[0], inner) if args else _fail()
            joiner = f" {_('并且') if op == 'and' else _('或者')} "
            text = joiner.join(self.say(a, inner=True) for a in args)
            return f"（{text}）" if inner else text
        if op == "!":
            return self.negated(args[0] if len(args) == 1 else _fail())
        if op == "!!":
            return self.answered(args[0] if len(args) == 1 else _fail())
        if op == "var":
            return self.answered(rule)
        if op in _COMPARISONS:
            return self.compared(op, args)
        if op == "in" and len(args) == 2:
            return self.contains(args[0], args[1])
        return _fail()

    def negated(self, rule: Any) -> str:
        op, args = _parts(rule)
        if op == "var":
            return _("%(q)s 没有回答", q=self.name(rule))
        if op == "in" and len(args) == 2:
            question = self.question_of(args[1])
            if question is not None and question.type == "multi":
                return _("%(q)s 没有选 %(v)s", q=self.name(args[1]), v=self.value(args[0], question))
        # not "at most 3" for "not more than 3": an unanswered question is neither, and passes the "not"
        return _("不满足：%(text)s", text=self.say(rule, inner=True))

    def answered(self, rule: Any) -> str:
        question = self.question_of(rule)
        # 0 counts as false in a rule: "answered" is only true to it where no answer is 0
        if question is None or question.type in ("number", "likert"):
            return _fail()
        return _("%(q)s 已回答", q=self.name(rule))

    def compared(self, op: str, args: list[Any]) -> str:
        if len(args) == 3 and op in ("<", "<=", ">", ">="):
            return f" {_('并且')} ".join(self.compared(op, pair) for pair in (args[:2], args[1:]))
        if len(args) != 2:
            return _fail()
        left, right = args
        if self.question_of(left) is None and self.question_of(right) is not None:
            left, right, op = right, left, _FLIPPED[op]
        question = self.question_of(left)
        if question is None:
            return _fail()
        words = {
            "==": _("%(q)s 是 %(v)s"), "===": _("%(q)s 是 %(v)s"), "!=": _("%(q)s 不是 %(v)s"), "!==": _("%(q)s 不是 %(v)s"),
            "<": _("%(q)s 小于 %(v)s"), "<=": _("%(q)s 不超过 %(v)s"), ">": _("%(q)s 大于 %(v)s"), ">=": _("%(q)s 至少是 %(v)s"),
        }[op]
        return words % {"q": self.name(left), "v": self.value(right, question)}

    def contains(self, needle: Any, haystack: Any) -> str:
        multi = self.question_of(haystack)
        if multi is not None and multi.type == "multi":
            return _("%(q)s 选了 %(v)s", q=self.name(haystack), v=self.value(needle, multi))
        asked = self.question_of(needle)
        if asked is not None and isinstance(haystack, list) and haystack:
            values = _("、").join(self.value(v, asked) for v in haystack)
            return _("%(q)s 是 %(v)s 之一", q=self.name(needle), v=values)
        return _fail()

    def question_of(self, operand: Any) -> Question | None:
        op, args = _parts(operand) if isinstance(operand, dict) else ("", [])
        if op == "var" and len(args) == 1 and isinstance(args[0], str):
            return self.qn.questions.get(args[0])
        return None

    def name(self, operand: Any) -> str:
        question = self.question_of(operand)
        return f"[{question.id}]" if question is not None else _fail()

    def value(self, operand: Any, question: Question) -> str:
        if self.question_of(operand) is not None:
            return self.name(operand)
        if isinstance(operand, bool) or operand is None or isinstance(operand, (dict, list)):
            return _fail()
        if isinstance(operand, str):
            label = next((o.label.get(self.lang) for o in question.options if o.value == operand), None)
            return f"“{label}”" if label is not None else f"“{operand}”"
        if isinstance(operand, int) and question.scale is not None:
            point = question.scale.label_for(operand)
            return f"{operand}（{point.get(self.lang)}）" if point is not None else str(operand)
        if isinstance(operand, (int, float)):
            return f"{operand:g}" if isinstance(operand, float) else str(operand)
        return _fail()


def _parts(rule: Any) -> tuple[str, list[Any]]:
    if not isinstance(rule, dict) or len(rule) != 1:
        return _fail()
    ((op, args),) = rule.items()
    return op, args if isinstance(args, list) else [args]


def _fail() -> Any:
    raise _NoWords
