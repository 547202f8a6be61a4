"""Three things of the format that XLSForm users bring (issue 19): a note (text with nothing to
answer), a required question's own message, and a short label for export headers."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey_app.collect.forms import answers_from_form, form_class
from survey_app.questionnaires import validate_answers
from survey_app.questionnaires.client import client_rules
from survey_app.questionnaires.types import get_type

from .helpers import make, problems

FORM = """\
id: t
title: {zh: 测试}
sections:
  - id: s1
    title: {zh: 一}
    questions:
      - {id: intro, type: note, label: {zh: 下面问几个问题。, en: A few questions follow.}, hint: {zh: 慢慢说。}}
      - id: alone
        type: single
        required: true
        required_message: {zh: 请先回答是不是一个人住, en: Say first whether you live alone}
        short: {zh: 独居, en: Alone}
        label: {zh: 您是一个人住吗？, en: "Do you live alone?"}
        options: [{value: "yes", label: {zh: 是}}, {value: "no", label: {zh: 否}}]
      - {id: plain, type: number, required: true, label: {zh: 几口人？}}
"""
QN = make(FORM)


def test_a_note_is_parsed_with_its_text_and_takes_no_answer():
    note = QN.question("intro")
    assert note.type == "note" and note.label.get("en") == "A few questions follow."
    assert note.takes_answer is False and QN.question("alone").takes_answer is True
    assert get_type("note").rows(note, None) == []


def test_an_unanswered_note_is_no_error_and_is_stored_as_nothing():
    result = validate_answers(QN, {"alone": "no", "plain": 2})
    assert result.ok and "intro" not in result.answers and "intro" in result.relevant


@given(st.one_of(st.text(min_size=1).filter(lambda s: s != ""), st.integers(), st.booleans(), st.lists(st.just("x"), min_size=1)))
def test_a_value_sent_for_a_note_is_refused_not_dropped(value):
    result = validate_answers(QN, {"intro": value, "alone": "no", "plain": 2})
    assert [p.code for p in result.errors["intro"]] == ["note_answered"]
    assert result.rendered_errors("zh")["intro"] == ["这一项是说明，不用回答"]


@pytest.mark.parametrize("empty", ["", None, []])
def test_an_empty_value_for_a_note_is_no_answer(empty):
    assert validate_answers(QN, {"intro": empty, "alone": "no", "plain": 2}).ok


def test_a_required_question_says_its_own_message_else_the_catalogues():
    result = validate_answers(QN, {})
    assert result.rendered_errors("zh") == {"alone": ["请先回答是不是一个人住"], "plain": ["此题必答"]}
    assert result.rendered_errors("en")["alone"] == ["Say first whether you live alone"]
    assert [p.code for p in result.errors["alone"]] == ["required"]  # the code stays for the API


def test_the_tablet_gets_the_required_message():
    spec = client_rules(QN, 1)
    assert spec["questions"]["alone"]["required_message"] == {"zh": "请先回答是不是一个人住", "en": "Say first whether you live alone"}
    assert "required_message" not in spec["questions"]["plain"]
    assert spec["questions"]["intro"]["type"] == "note"


def test_the_short_label_is_kept_and_optional():
    assert QN.question("alone").short.get("zh") == "独居" and QN.question("alone").short.get("en") == "Alone"
    assert QN.question("plain").short is None


def test_a_note_has_no_form_field_and_a_posted_value_for_it_is_passed_on_to_be_refused():
    cls = form_class(QN, "zh")
    assert not hasattr(cls, "intro") and hasattr(cls, "alone")

    class Posted(dict):
        def getlist(self, key):
            return self.get(key, [])

    assert answers_from_form(QN, Posted(intro=["填了字"], alone=["no"])) == {"intro": "填了字", "alone": "no"}


@pytest.mark.parametrize("key, value", [("required", "true"), ("constraint", '{"==": [1, 1]}'), ("options", '[{value: a, label: {zh: 甲}}]'),
                                        ("short", "{zh: 短}"), ("required_message", "{zh: 必答}")])
def test_a_note_refuses_what_only_an_answer_can_have(key, value):
    found = problems(FORM.replace("hint: {zh: 慢慢说。}}", f"hint: {{zh: 慢慢说。}}, {key}: {value}}}"))
    assert found == [f"t.yaml:7: key {key!r} is not allowed on a note question (sections[0].questions[0])"]


def test_a_rule_cannot_test_a_note():
    found = problems(FORM.replace("required: true\n        required_message", 'relevant: {"==": [{var: intro}, "x"]}\n        required: true\n        required_message'))
    assert any("'intro', a note: a note has no answer to test" in p for p in found), found


def test_short_and_required_message_must_be_texts():
    assert problems(FORM.replace("short: {zh: 独居, en: Alone}", "short: 独居"))
    assert problems(FORM.replace("required_message: {zh: 请先回答是不是一个人住, en: Say first whether you live alone}", "required_message: 请回答"))
