"""XLSForm expressions (the XPath subset ODK forms use) read into a small syntax tree.

A real tokenizer and a recursive-descent parser with XPath 1.0's precedence (``or`` < ``and`` <
``=`` ``!=`` < ``<`` ``<=`` ``>`` ``>=`` < ``+`` ``-`` < ``*`` ``div`` ``mod`` < unary ``-``), so
that ``a or b and c`` and ``1 - 2 - 3`` mean what ODK Collect makes of them.  What the tree means
in our rules is ``fromxpath.py``; this module only knows the syntax, and says in Chinese where it
stops making sense.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


class XPathError(ValueError):
    """An expression we cannot read; the message is in Chinese, for the person fixing the sheet."""


@dataclass(frozen=True)
class Node:
    """One node of the tree.  ``kind`` is one of: ``num`` (value: int or float, text: as written),
    ``str`` (value), ``var`` (value: the name in ``${...}``), ``current`` (``.``), ``op`` (value:
    the operator, args: two operands), ``neg`` (args: the operand), ``call`` (value: the
    function's name, args), ``group`` (a parenthesised expression, args: it)."""

    kind: str
    value: Any = None
    args: tuple[Node, ...] = ()
    text: str = ""


_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<var>\$\{(?P<name>[^}]*)\})
  | (?P<num>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)
  | (?P<str>'[^']*'|"[^"]*")
  | (?P<sym>!=|<=|>=|=|<|>|\+|-|\*|\(|\)|,|\|)
  | (?P<dots>\.\.|\.)
  | (?P<path>//|/|@|\[|\])
  | (?P<word>[A-Za-z_][A-Za-z0-9_.\-]*(?::[A-Za-z_][A-Za-z0-9_.\-]*)?)
    """,
    re.VERBOSE,
)

#: XPath's operator names: words that are operators only where an operand has just ended
OPERATOR_WORDS = frozenset({"and", "or", "div", "mod"})


@dataclass(frozen=True)
class Token:
    kind: str  # var num str sym word current end
    text: str


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise XPathError(f"看不懂第 {pos + 1} 个字符起的“{text[pos:pos + 10]}”")
        pos = match.end()
        kind = match.lastgroup
        if kind == "space":
            continue
        if kind == "name" or kind == "var":
            name = match.group("name").strip()
            if not name:
                raise XPathError("${} 里要写题目的名字")
            tokens.append(Token("var", name))
        elif kind == "dots":
            if match.group() == "..":
                raise XPathError("不支持“..”（上一级）：请用 ${题目名} 引用题目")
            tokens.append(Token("current", "."))
        elif kind == "path":
            raise XPathError(f"不支持 XPath 路径（“{match.group()}”）：请用 ${{题目名}} 引用题目")
        else:
            tokens.append(Token(str(kind), match.group()))
    tokens.append(Token("end", ""))
    return tokens


# Binding strength of the binary operators (higher binds tighter); all are left-associative.
BINARY = {"or": 1, "and": 2, "=": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5, "-": 5, "*": 6, "div": 6, "mod": 6}


class _Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.pos = 0

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text:
            raise XPathError(f"这里少了“{text}”" + (f"（看到的是“{token.text}”）" if token.text else "（表达式就结束了）"))

    def binary_operator(self) -> str | None:
        token = self.peek()
        if token.kind == "sym" and token.text in BINARY:
            return token.text
        if token.kind == "word" and token.text in OPERATOR_WORDS:
            return token.text
        if token.kind == "sym" and token.text == "|":
            raise XPathError("不支持“|”（节点集合并）")
        return None

    def expression(self, level: int = 1) -> Node:
        if level > 6:
            return self.unary()
        left = self.expression(level + 1)
        while (op := self.binary_operator()) is not None and BINARY[op] == level:
            self.take()
            right = self.expression(level + 1)
            left = Node("op", op, (left, right))
        return left

    def unary(self) -> Node:
        token = self.peek()
        if token.kind == "sym" and token.text == "-":
            self.take()
            operand = self.peek()
            inner = self.unary()
            if inner.kind == "num" and operand.kind == "num":
                # "-5" written as such is the number -5; "-(5)" stays an operation
                return Node("num", -inner.value, text="-" + inner.text)
            return Node("neg", args=(inner,))
        return self.primary()

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "num":
            value: int | float = float(token.text) if "." in token.text else int(token.text)
            return Node("num", value, text=token.text)
        if token.kind == "str":
            return Node("str", token.text[1:-1], text=token.text)
        if token.kind == "var":
            return Node("var", token.text, text="${" + token.text + "}")
        if token.kind == "current":
            return Node("current", text=".")
        if token.kind == "sym" and token.text == "(":
            inner = self.expression()
            self.expect(")")
            return Node("group", args=(inner,))
        if token.kind == "word" and self.peek().text == "(":
            self.take()
            args: list[Node] = []
            if self.peek().text != ")":
                args.append(self.expression())
                while self.peek().text == ",":
                    self.take()
                    args.append(self.expression())
            self.expect(")")
            return Node("call", token.text, tuple(args), text=token.text + "()")
        if token.kind == "word":
            raise XPathError(f"看不懂“{token.text}”：题目要写成 ${{{token.text}}}，文字要加引号")
        if token.kind == "end":
            raise XPathError("表达式不完整")
        raise XPathError(f"这里不该出现“{token.text}”")


def parse(text: str) -> Node:
    """The tree of one expression; XPathError (in Chinese) when it is not one."""
    if not text.strip():
        raise XPathError("表达式是空的")
    parser = _Parser(text)
    node = parser.expression()
    rest = parser.peek()
    if rest.kind != "end":
        raise XPathError(f"“{rest.text}”之前的表达式已经完整，后面多了东西")
    return node
