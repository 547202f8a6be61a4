"""Skip logic (relevant), constraints and required-when-relevant."""
from __future__ import annotations

from survey_app.questionnaires import validate_answers
from survey_app.questionnaires.rules import check_rule, evaluate, truthy, variables

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


def test_rule_shape_checks():
    assert check_rule({"==": [{"var": "a"}, 1]}) == []
    assert check_rule({"method": [{"var": "a"}, "upper"]}) == ["unknown or unsupported JsonLogic operator 'method'"]
    assert check_rule({"var": 3}) == ["a 'var' must name a question id as a string"]
    assert variables({"and": [{"==": [{"var": "a"}, 1]}, {"missing": ["b", "c"]}, {"var": ["d", 0]}]}) == {"a", "b", "c", "d"}


def test_evaluation_errors_are_false_not_crashes(monkeypatch):
    from survey_app.questionnaires import rules

    def broken(rule, data):
        raise TypeError("unorderable")

    monkeypatch.setattr(rules, "jsonLogic", broken)
    assert evaluate({"<": [{"var": "a"}, 1]}, {"a": "x"}) is None


def test_truthiness_follows_jsonlogic():
    assert not truthy(evaluate({"var": "m"}, {"m": []}))
    assert not truthy(float("nan"))
    assert truthy(evaluate({"in": ["a", {"var": "m"}]}, {"m": ["a", "b"]}))
    assert not truthy([])
