"""`questionnaires check` refuses rules the specification gives no meaning, or only the meaning
"always false" or "null" because the kinds of value do not fit; each with PATH:LINE."""
from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_app.questionnaires.logic import ARITY, RuleError, apply
from survey_app.questionnaires.rulecheck import check_rule

from .helpers import problems

HEAD = """\
id: t
title: {zh: 测试}
sections:
  - id: s1
    title: {zh: 一}
    questions:
      - {id: n, type: number, label: {zh: 人数}}
      - {id: l, type: likert, label: {zh: 同意}, scale: {min: 1, max: 5}}
      - {id: s, type: single, label: {zh: 是否}, options: [{value: "yes", label: {zh: 是}}, {value: "no", label: {zh: 否}}]}
      - {id: m, type: multi, label: {zh: 哪些}, options: [{value: a, label: {zh: 甲}}, {value: b, label: {zh: 乙}}]}
      - {id: t, type: text, label: {zh: 说说}}
      - {id: d, type: date, label: {zh: 日期}}
"""

QUESTIONS = {
    "n": {"type": "number"}, "l": {"type": "likert"}, "t": {"type": "text"}, "d": {"type": "date"},
    "s": {"type": "single", "options": [{"value": "yes"}, {"value": "no"}]},
    "m": {"type": "multi", "options": [{"value": "a"}, {"value": "b"}]},
}


def rule_problems(rule: str) -> list[str]:
    text = HEAD + textwrap.indent(f"- {{id: x, type: text, label: {{zh: X}}, relevant: {rule}}}\n", "      ")
    return problems(text)


@pytest.mark.parametrize("rule", [
    '{"==": [{"var": "n"}, 0]}',
    '{"<": [0, {"var": "n"}, 10]}',
    '{">": [{"var": "n"}, {"var": "l"}, 1]}',
    '{"==": [{"var": "s"}, "yes"]}',
    '{"==": [{"var": "s"}, null]}',
    '{"in": ["a", {"var": "m"}]}',
    '{"in": [{"var": "s"}, ["yes", "no"]]}',
    '{"in": ["养老", {"var": "t"}]}',
    '{"<": [{"var": "d"}, "2026-06-01"]}',
    '{">": [{"+": [{"var": ["n", 0]}, {"var": "l"}]}, 3]}',
    '{"!=": [{"%": [{"var": "n"}, 2]}, 0]}',
    '{"if": [{"var": "s"}, {"var": "n"}, 0]}',
    '{"!": {"missing": ["n", "t"]}}',
    '{"and": [{"var": "t"}, {"or": [{"==": [{"var": "s"}, "no"]}, {"!!": {"var": "m"}}]}]}',
    '{"==": [{"min": [{"var": "n"}, {"var": "l"}]}, 1]}',
])
def test_meaningful_rules_pass(rule):
    assert rule_problems(rule) == []


@pytest.mark.parametrize(("rule", "message"), [
    ('{"regex": [{"var": "t"}, "x"]}', "unknown or unsupported JsonLogic operator 'regex'"),
    ('{"==": [{"var": "n"}, 1, 2]}', "'==' takes 2 argument(s), not 3"),
    ('{"<": [{"var": "n"}]}', "'<' takes 2 to 3 argument(s), not 1"),
    ('{"-": [1, 2, 3]}', "'-' takes 1 to 2 argument(s), not 3"),
    ('{"and": []}', "'and' takes at least 1 argument(s), not 0"),
    ('{"var": 3}', "a 'var' must name a question id as a string"),
    ('{"var": {"if": [true, "n", "t"]}}', "a 'var' must name a question id as a string"),
    ('{"==": [{"var": "n"}, "1"]}', "'==' compares number with text: no conversion is made"),
    ('{"===": [{"var": "l"}, true]}', "'===' compares number with true/false"),
    ('{"==": [{"var": "m"}, "a"]}', "'==' compares list with text"),
    ('{"<": [{"var": "n"}, "5"]}', "'<' compares a number with text"),
    ('{"<": [{"var": "m"}, 1]}', "'<' orders numbers or texts (dates); this is list"),
    ('{"+": [{"var": "t"}, 1]}', "'+' works on numbers; this is text"),
    ('{"*": [{"var": "s"}, 2]}', "'*' works on numbers; this is text"),
    ('{"-": [true]}', "'-' works on numbers; this is true/false"),
    ('{"in": ["a", 5]}', "'in' looks inside a list or a text; this is number"),
    ('{"in": [1, {"var": "t"}]}', "'in' on a text looks for text; this is number"),
    ('{"==": [{"var": "s"}, "maybe"]}', "'maybe' is not an option of 's' (options: yes, no)"),
    ('{"in": ["c", {"var": "m"}]}', "'c' is not an option of 'm' (options: a, b)"),
    ('{"in": [{"var": "s"}, ["yes", "perhaps"]]}', "'perhaps' is not an option of 's'"),
    ('{"==": [{"var": ["n", "none"]}, 0]}', "the default for unanswered 'n' is text, but its answers are number"),
    ('{"==": [{"<": [1, 2], ">": [2, 1]}, true]}', "an object with other than one key is not a rule"),
])
def test_rules_without_meaning_are_refused_with_their_line(rule, message):
    found = rule_problems(rule)
    assert len(found) == 1 and found[0].startswith("t.yaml:13: ") and message in found[0], found


def test_the_line_is_the_one_of_the_bad_part():
    text = HEAD + textwrap.indent(textwrap.dedent("""\
        - id: x
          type: text
          label: {zh: X}
          relevant:
            and:
              - {"==": [{"var": "s"}, "yes"]}
              - {"+": [{"var": "t"}, 1]}
        """), "      ")
    assert problems(text) == ["t.yaml:19: '+' works on numbers; this is text (no conversion is made: the result would be null)"]


def test_nesting_past_the_limit_is_refused():
    deep = '{"var": "n"}'
    for _ in range(65):
        deep = '{"!!": ' + deep + "}"
    assert any("at most 64 levels" in p for p in rule_problems(deep))


# Any rule the checker accepts has a meaning for every answer set: evaluating it never meets an
# unknown operator or a wrong number of arguments, whatever is answered or left unanswered.
ANSWERS = {
    "n": st.one_of(st.none(), st.integers(-5, 5), st.floats(-1e6, 1e6)),
    "l": st.one_of(st.none(), st.integers(1, 5)),
    "s": st.sampled_from([None, "yes", "no"]),
    "m": st.sampled_from([None, ["a"], ["b"], ["a", "b"]]),
    "t": st.sampled_from([None, "好", "x"]),
    "d": st.sampled_from([None, "2026-05-01"]),
}
LEAVES = st.one_of(
    st.builds(lambda q: {"var": q}, st.sampled_from(sorted(QUESTIONS))),
    st.sampled_from([0, 1, -2, 2.5, "yes", "a", "好", "2026-01-01", None, True, ["a", "b"]]),
)
OPS = sorted(set(ARITY) - {"var", "missing"})
RULES = st.recursive(LEAVES, lambda children: st.builds(lambda op, args: {op: args}, st.sampled_from(OPS),
                                                         st.lists(children, max_size=4)), max_leaves=8)


@settings(max_examples=800, deadline=None, database=None)
@given(RULES, st.fixed_dictionaries(ANSWERS))
def test_an_accepted_rule_has_a_meaning_for_every_answer_set(rule, answers):
    if check_rule(rule, QUESTIONS):
        return
    data = {k: v for k, v in answers.items() if v is not None}
    try:
        apply(rule, data)
    except RuleError as exc:  # pragma: no cover - the failure being looked for
        pytest.fail(f"{rule} was accepted but has no meaning for {data}: {exc}")
