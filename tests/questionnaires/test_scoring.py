"""Index scores, as the contract in shared/DESIGN.md defines them."""
from __future__ import annotations

import pytest

from survey_app.questionnaires import index_scores

from .helpers import make

QN = make(
    """
    id: t
    title: {zh: 测试}
    sections:
      - id: s
        title: {zh: 量表}
        questions:
          - {id: a, type: likert, label: {zh: A}, scale: {min: 1, max: 5}}
          - {id: b, type: likert, label: {zh: B}, scale: {min: 1, max: 5}}
          - {id: c, type: likert, label: {zh: C}, scale: {min: 1, max: 5}}
          - {id: d, type: likert, label: {zh: D}, scale: {min: 0, max: 10}}
    indices:
      - {id: idx, items: [a, b, c, d], reverse: [c]}
      - {id: pair, items: [a, b]}
    """
)


def test_all_answered_with_a_reverse_item():
    # a=5 -> 100; b=3 -> 50; c=2 reversed -> 4 -> 75; d=5 on 0..10 -> 50
    scores = index_scores(QN, {"a": 5, "b": 3, "c": 2, "d": 5})
    assert scores["idx"] == pytest.approx((100 + 50 + 75 + 50) / 4)
    assert scores["pair"] == pytest.approx(75)


def test_half_answered_counts_and_less_than_half_is_null():
    assert index_scores(QN, {"a": 1, "c": 1})["idx"] == pytest.approx((0 + 100) / 2)  # 2 of 4: enough
    assert index_scores(QN, {"a": 1})["idx"] is None  # 1 of 4: too few
    assert index_scores(QN, {"a": 1})["pair"] == pytest.approx(0)  # 1 of 2: half
    assert index_scores(QN, {})["pair"] is None


def test_extremes():
    assert index_scores(QN, {"a": 5, "b": 5, "c": 1, "d": 10})["idx"] == pytest.approx(100)
    assert index_scores(QN, {"a": 1, "b": 1, "c": 5, "d": 0})["idx"] == pytest.approx(0)
