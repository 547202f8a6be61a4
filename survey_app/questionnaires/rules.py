"""Skip logic and constraints as JsonLogic, limited to operators that behave the same in the
browser (json-logic-js) and on the server (panzi-json-logic)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from json_logic import jsonLogic

if TYPE_CHECKING:
    from .model import Questionnaire

#: Operators a questionnaire may use.  Kept small on purpose: each one is exercised by the
#: conformance tests against both implementations.
ALLOWED_OPERATORS = frozenset(
    {
        "var", "missing", "==", "!=", "===", "!==", "<", "<=", ">", ">=", "!", "!!",
        "and", "or", "if", "in", "+", "-", "*", "/", "%", "min", "max",
    }
)


class RuleError(ValueError):
    pass


def check_rule(rule: Any) -> list[str]:
    """Problems with a rule's shape: unknown operators, malformed var references."""
    problems: list[str] = []
    for op, args in _operations(rule):
        if op not in ALLOWED_OPERATORS:
            problems.append(f"unknown or unsupported JsonLogic operator {op!r}")
        elif op == "var":
            name = args[0] if isinstance(args, list) and args else args
            if not isinstance(name, str) or not name:
                problems.append("a 'var' must name a question id as a string")
    return problems


def variables(rule: Any) -> set[str]:
    """The question ids a rule reads (through ``var`` and ``missing``)."""
    names: set[str] = set()
    for op, args in _operations(rule):
        if op == "var":
            name = args[0] if isinstance(args, list) and args else args
            if isinstance(name, str) and name:
                names.add(name)
        elif op == "missing":
            items = args if isinstance(args, list) else [args]
            names.update(a for a in items if isinstance(a, str))
    return names


def _operations(rule: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(rule, dict):
        if len(rule) != 1:
            # A dict that is not a single-operator expression is data, as in json-logic-js.
            for value in rule.values():
                yield from _operations(value)
            return
        (op, args), = rule.items()
        yield str(op), args
        yield from _operations(args)
    elif isinstance(rule, list):
        for item in rule:
            yield from _operations(item)


def evaluate(rule: Any, data: dict[str, Any]) -> Any:
    """Apply a rule; an evaluation error counts as false (json-logic-js yields null/NaN there)."""
    if rule is None:
        return True
    try:
        return jsonLogic(rule, data)
    except Exception:  # noqa: BLE001 - a broken comparison must not become a 500
        return None


def truthy(value: Any) -> bool:
    """JsonLogic truthiness: like JavaScript, but an empty list is false."""
    if isinstance(value, list):
        return len(value) > 0
    if isinstance(value, float) and value != value:  # NaN
        return False
    return bool(value)


def dependency_graph(qn: Questionnaire) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for qid in qn.questions:
        deps: set[str] = set()
        for rule in qn.relevance_rules[qid]:
            deps |= variables(rule)
        graph[qid] = deps & set(qn.questions)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle in the graph as a list of nodes (first == last), or None."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = grey
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if colour.get(dep, black) == grey:
                return [*stack[stack.index(dep):], dep]
            if colour.get(dep) == white:
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        colour[node] = black
        return None

    for node in graph:
        if colour[node] == white:
            found = visit(node)
            if found:
                return found
    return None


def relevance_order(qn: Questionnaire) -> list[str]:
    """Question ids so that every question comes after the questions its relevance reads."""
    graph = dependency_graph(qn)
    order: list[str] = []
    done: set[str] = set()

    def visit(node: str, path: set[str]) -> None:
        if node in done or node in path:
            return  # a cycle is reported by check(); here it only must not loop
        path.add(node)
        for dep in sorted(graph[node]):
            visit(dep, path)
        path.discard(node)
        done.add(node)
        order.append(node)

    for qid in qn.questions:
        visit(qid, set())
    return order


def relevant_questions(qn: Questionnaire, answers: dict[str, Any]) -> tuple[set[str], dict[str, Any]]:
    """Which questions are relevant given the answers, and the answers with the rest cleared.

    Evaluated in dependency order, so that an answer hidden by skip logic cannot keep another
    question visible (XLSForm clients behave the same way).
    """
    kept: dict[str, Any] = {}
    relevant: set[str] = set()
    for qid in qn.relevance_order:
        rules = qn.relevance_rules[qid]
        if not rules or all(truthy(evaluate(rule, kept)) for rule in rules):
            relevant.add(qid)
            if qid in answers:
                kept[qid] = answers[qid]
    return relevant, kept
