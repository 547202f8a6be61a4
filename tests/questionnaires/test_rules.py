"""Skip logic (relevant), constraints and required-when-relevant."""
from __future__ import annotations

from survey_app.questionnaires import validate_answers
from survey_app.questionnaires.rules import evaluate, truthy, variables

from .helpers import make

SKIP = make(
    """
    id: t
    title: {zh: 测试}
    sections:
      - id: s1
        title: {zh: 一}
        questions:
          - {id: contacted, type: single, required: true, label: {zh: 联系过吗}, options: [{value: yes, label: {zh: 是}}, {value: no, label: {zh: 否}}]}
          - id: times
            type: number
            required: true
            label: {zh: 几次}
            relevant: {"==": [{"var": "contacted"}, "yes"]}
            constraint: {">=": [{"var": "times"}, 1]}
            constraint_message: {zh: 联系过至少是1次, en: At least once if contacted}
          - id: why
            type: multi
            label: {zh: 为什么}
            relevant: {">": [{"var": "times"}, 2]}
            options: [{value: a, label: {zh: 甲}}, {value: b, label: {zh: 乙}}]
      - id: s2
        title: {zh: 二}
        relevant: {"in": ["b", {"var": "why"}]}
        questions:
          - {id: detail, type: text, required: true, label: {zh: 说说}}
    """
)


def test_answers_to_hidden_questions_are_cleared():
    result = validate_answers(SKIP, {"contacted": "no", "times": 5, "why": ["a"]})
    assert result.ok
    assert result.answers == {"contacted": "no"}
    assert sorted(result.cleared) == ["times", "why"]


def test_clearing_cascades_through_chains():
    # `why` depends on `times`, which is hidden: `why` must go too, and so must section s2.
    result = validate_answers(SKIP, {"contacted": "no", "times": 5, "why": ["b"], "detail": "x"})
    assert result.ok
    assert result.answers == {"contacted": "no"}


def test_required_only_when_relevant():
    assert validate_answers(SKIP, {"contacted": "no"}).ok
    result = validate_answers(SKIP, {"contacted": "yes"})
    assert result.rendered_errors("en") == {"times": ["This question is required"]}


def test_section_relevance_and_required_inside_it():
    result = validate_answers(SKIP, {"contacted": "yes", "times": 3, "why": ["b"]})
    assert result.rendered_errors("en") == {"detail": ["This question is required"]}
    result = validate_answers(SKIP, {"contacted": "yes", "times": 3, "why": ["a"]})
    assert result.ok and "detail" not in result.answers


def test_constraint_with_custom_message_in_both_languages():
    result = validate_answers(SKIP, {"contacted": "yes", "times": 0})
    assert result.rendered_errors("zh") == {"times": ["联系过至少是1次"]}
    assert result.rendered_errors("en") == {"times": ["At least once if contacted"]}


def test_a_required_question_missing_is_reported_once_with_other_errors():
    result = validate_answers(SKIP, {"times": "x"})
    # contacted is missing (required); times is hidden because contacted is unanswered.
    assert result.rendered_errors("en") == {"contacted": ["This question is required"]}


def test_variables_are_every_question_a_rule_reads():
    rule = {"and": [{"==": [{"var": "a"}, 1]}, {"missing": ["b", "c"]}, {"var": ["d", 0]}]}
    assert variables(rule) == {"a", "b", "c", "d"}


def test_a_rule_without_meaning_is_false_not_a_crash():
    assert evaluate({"regex": [{"var": "a"}, "x"]}, {"a": "x"}) is None
    assert evaluate({"/": [1, 2, 3]}, {}) is None
    assert evaluate({"<": [{"var": "a"}, 1]}, {"a": "x"}) is False


def test_truthiness():
    assert not truthy(evaluate({"var": "m"}, {"m": []}))
    assert not truthy(float("nan"))
    assert truthy(evaluate({"in": ["a", {"var": "m"}]}, {"m": ["a", "b"]}))
    assert not truthy([])
    assert truthy("0") and truthy({}) and not truthy(0.0) and not truthy("")
