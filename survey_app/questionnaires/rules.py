"""Skip logic and constraints: which questions a rule reads, in which order questions are
judged, and which are relevant.  What a rule means is logic.py (mirrored by static/js/logic.js);
what ``questionnaires check`` refuses is rulecheck.py."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .logic import OPERATORS, evaluate, truthy
from .rulecheck import operations

if TYPE_CHECKING:
    from .model import Definition

#: Operators a questionnaire may use: each has one meaning on the tablet and on the server.
ALLOWED_OPERATORS = OPERATORS

__all__ = ["ALLOWED_OPERATORS", "evaluate", "relevance_order", "relevant_questions", "truthy", "variables"]


def variables(rule: Any) -> set[str]:
    """The question ids a rule reads (through ``var`` and ``missing``)."""
    names: set[str] = set()
    for op, args in operations(rule):
        if op == "var":
            name = args[0] if isinstance(args, list) and args else args
            if isinstance(name, str) and name:
                names.add(name)
        elif op == "missing":
            items = args if isinstance(args, list) else [args]
            names.update(a for a in items if isinstance(a, str))
    return names


def dependency_graph(qn: Definition) -> dict[str, set[str]]:
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


def relevance_order(qn: Definition) -> list[str]:
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


def relevant_questions(qn: Definition, answers: dict[str, Any]) -> tuple[set[str], dict[str, Any]]:
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
