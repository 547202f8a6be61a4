"""Each question type's validation and normalisation, through the one validator."""
from __future__ import annotations

import pytest

from survey_app.questionnaires import validate_answers
from survey_app.questionnaires.types import REGISTRY, get_type

from .helpers import ALL_TYPES, make

QN = make(ALL_TYPES)


def errors_for(answers: dict) -> dict[str, list[str]]:
    return validate_answers(QN, answers).rendered_errors("en")


@pytest.mark.parametrize(
    ("qid", "value", "stored"),
    [
        ("q_single", "yes", "yes"),
        ("q_multi", ["c", "a"], ["a", "c"]),  # kept in the questionnaire's order
        ("q_likert", 5, 5),
        ("q_likert", 3.0, 3),
        ("q_number", 42, 42),
        ("q_number", 42.0, 42),
        ("q_decimal", 2.5, 2.5),
        ("q_text", "  很好  ", "很好"),
        ("q_date", "2026-05-01", "2026-05-01"),
    ],
)
def test_valid_values_are_kept_normalised(qid, value, stored):
    result = validate_answers(QN, {qid: value})
    assert result.ok, result.rendered_errors("en")
    assert result.answers == {qid: stored}


@pytest.mark.parametrize(
    ("qid", "value", "message"),
    [
        ("q_single", "maybe", "'maybe' is not an option of this question"),
        ("q_single", 1, "The answer must be text"),
        ("q_multi", "a", "A multiple-choice answer must be a list of options"),
        ("q_multi", ["a", "z"], "'z' is not an option of this question"),
        ("q_multi", ["a", "a"], "Option 'a' is chosen twice"),
        ("q_multi", [1], "A multiple-choice answer must be a list of options"),
        ("q_likert", 6, "Choose a value from 1 to 5"),
        ("q_likert", 0, "Choose a value from 1 to 5"),
        ("q_likert", 2.5, "The answer must be a whole number"),
        ("q_likert", "3", "The answer must be a whole number"),
        ("q_likert", True, "The answer must be a whole number"),
        ("q_number", 121, "Must be at most 120"),
        ("q_number", -1, "Must be at least 0"),
        ("q_number", 1.5, "The answer must be a whole number"),
        ("q_number", "12", "The answer must be a number"),
        ("q_number", float("nan"), "The answer must be a number"),
        ("q_decimal", 0.4, "Must be at least 0.5"),
        ("q_text", "12345678901", "At most 10 characters (now 11)"),
        ("q_text", 5, "The answer must be text"),
        ("q_date", "2026-02-30", "A date must look like 2026-05-01"),
        ("q_date", "01/05/2026", "A date must look like 2026-05-01"),
        ("q_date", "2019-12-31", "The date cannot be before 2020-01-01"),
        ("q_date", "2031-01-01", "The date cannot be after 2030-12-31"),
    ],
)
def test_invalid_values_name_the_problem(qid, value, message):
    assert errors_for({qid: value}) == {qid: [message]}


def test_messages_are_chinese_by_default():
    result = validate_answers(QN, {"q_number": 500})
    assert result.rendered_errors() == {"q_number": ["不能大于 120"]}


@pytest.mark.parametrize("empty", [None, "", []])
def test_empty_values_count_as_unanswered(empty):
    qid = "q_multi" if empty == [] else "q_text"
    result = validate_answers(QN, {qid: empty})
    assert result.ok and result.answers == {}


def test_unknown_question_is_refused():
    assert errors_for({"nope": 1}) == {"nope": ["There is no such question in this questionnaire"]}


def test_stored_rows_let_sql_aggregate():
    q = QN.question
    assert get_type("multi").rows(q("q_multi"), ["a", "c"]) == [("a", None), ("c", None)]
    assert get_type("likert").rows(q("q_likert"), 4) == [(None, 4.0)]
    assert get_type("single").rows(q("q_single"), "no") == [("no", None)]
    text, num = get_type("date").rows(q("q_date"), "2026-05-01")[0]
    assert text == "2026-05-01" and num == 739737.0  # proleptic ordinal


def test_summaries():
    q = QN.question
    assert get_type("single").summarise(q("q_single"), ["yes", "yes", None, "no"]) == {"n": 3, "counts": {"yes": 2, "no": 1}}
    assert get_type("multi").summarise(q("q_multi"), [["a"], ["a", "b"], None]) == {"n": 2, "counts": {"a": 2, "b": 1, "c": 0}}
    likert = get_type("likert").summarise(q("q_likert"), [1, 5, 3, None])
    assert likert == {"n": 3, "counts": {1: 1, 2: 0, 3: 1, 4: 0, 5: 1}, "mean": 3.0}
    number = get_type("number").summarise(q("q_number"), [1, 2, 9])
    assert number == {"n": 3, "mean": 4.0, "median": 2, "min": 1, "max": 9, "sum": 12}
    assert get_type("date").summarise(q("q_date"), ["2026-05-01", "2025-01-01"]) == {"n": 2, "min": "2025-01-01", "max": "2026-05-01"}
    assert get_type("text").summarise(q("q_text"), ["ab", "abcd", None]) == {"n": 2, "mean_length": 3.0}


def test_every_type_renders_a_form_field():
    from wtforms import Form

    for question in QN.questions.values():
        field = get_type(question.type).form_field(question, "zh")
        form_cls = type("F", (Form,), {question.id: field})
        bound = getattr(form_cls(), question.id)
        assert question.label.zh in str(bound.label)
    likert = type("F", (Form,), {"x": get_type("likert").form_field(QN.question("q_likert"))})().x
    assert [c.value for c in likert.choices] == ["1", "2", "3", "4", "5"]
    assert likert.choices[0].label == "1 很不同意" and likert.choices[2].label == "3"


def test_schema_and_registry_agree_on_keys_per_type():
    """questionnaires/schema.json is for editors; the registry is what runs. They must not drift."""
    import json

    from survey_app.questionnaires.check import SCHEMA_PATH

    schema = json.loads(SCHEMA_PATH.read_text())
    per_type = {}
    for rule in schema["$defs"]["question"]["allOf"]:
        per_type[rule["if"]["properties"]["type"]["const"]] = set(rule["then"]["propertyNames"]["enum"])
    assert set(schema["$defs"]["question"]["properties"]["type"]["enum"]) == set(REGISTRY)
    assert per_type == {name: set(t.allowed_keys()) for name, t in REGISTRY.items()}
