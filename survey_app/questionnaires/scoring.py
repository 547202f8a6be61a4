"""Index scores of one response (the contract in shared/DESIGN.md).

Each answered item is put on 0-100: ``(v - min) / (max - min) * 100``, a reverse-keyed item
taken as ``max + min - v`` first; the score is their mean, or None when fewer than half of
the index's items are answered.
"""
from __future__ import annotations

from typing import Any

from .model import Definition, Index


def index_score(qn: Definition, index: Index, answers: dict[str, Any]) -> float | None:
    points = []
    for item in index.items:
        value = answers.get(item)
        if value is None:
            continue
        scale = qn.question(item).scale
        assert scale is not None
        if item in index.reverse:
            value = scale.max + scale.min - value
        points.append((value - scale.min) / (scale.max - scale.min) * 100.0)
    if not points or len(points) * 2 < len(index.items):
        return None
    return sum(points) / len(points)


def index_scores(qn: Definition, answers: dict[str, Any]) -> dict[str, float | None]:
    return {index.id: index_score(qn, index, answers) for index in qn.indices}
