"""XLSForm expressions <-> our JsonLogic rules: the parser's precedence, what each XPath form
becomes, what is refused, and (Hypothesis) that a rule written out as XPath and read back
judges every answer set as the rule itself does."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from survey_app.questionnaires.logic import evaluate, same, truthy
from survey_app.questionnaires.rulecheck import check_rule
from survey_app.questionnaires.xlsform.fromxpath import Context, to_jsonlogic
from survey_app.questionnaires.xlsform.toxpath import ExportError, to_xpath
from survey_app.questionnaires.xlsform.xpath import XPathError

QUESTIONS = {
    "s": {"type": "single", "options": [{"value": v} for v in ("yes", "no", "1")]},
    "m": {"type": "multi", "options": [{"value": v} for v in ("a", "b", "c")]},
    "l": {"type": "likert"},
    "n": {"type": "number"},
    "k": {"type": "number"},
    "t": {"type": "text"},
    "d": {"type": "date"},
    "note": {"type": "note"},
}


def read(text: str, current: str | None = None):
    return to_jsonlogic(text, Context(QUESTIONS, current))


def value(text: str, answers: dict | None = None, current: str | None = None):
    return evaluate(read(text, current), answers or {})


@pytest.mark.parametrize(("text", "expected"), [
    ("1 + 2 * 3", 7), ("(1 + 2) * 3", 9), ("1 - 2 - 3", -4), ("12 div 4 div 3", 1), ("10 div 4", 2.5),
    ("7 mod 3", 1), ("-7 mod 3", -1), ("2 * -3", -6), ("- (2 + 3)", -5), ("1 = 1 or 1 = 2 and 2 = 3", True),
    ("(1 = 1 or 1 = 2) and 2 = 3", False), ("not(1 > 2)", True), ("true() and not(false())", True),
    ("3 > 2 = true()", True), (".5 + 1.5", 2), ("if(1 > 2, 'a', if(2 > 1, 'b', 'c'))", "b"), ("max(1, 5, 3)", 5),
    ("min(4, -2)", -2), ("boolean(0)", False), ("5 div 0", None),
])
def test_precedence_and_arithmetic_as_xpath_has_them(text, expected):
    assert value(text) == expected


def test_chains_become_one_operation_and_parentheses_stay():
    assert read("1 + 2 + 3") == {"+": [1, 2, 3]}
    assert read("1 + (2 + 3)") == {"+": [1, {"+": [2, 3]}]}
    assert read("${n} > 1 and ${k} > 1 and ${t} != ''") == {"and": [
        {">": [{"var": "n"}, 1]}, {">": [{"var": "k"}, 1]}, {"!=": [{"var": "t"}, None]}]}
    assert read("1 <= ${n} and ${n} <= 5") == {"<=": [1, {"var": "n"}, 5]}  # our chain
    assert read("1 <= ${n} and ${k} <= 5") == {"and": [{"<=": [1, {"var": "n"}]}, {"<=": [{"var": "k"}, 5]}]}
    assert read("-5") == -5 and read("-(5)") == {"-": [5]} and read("- ${n}") == {"-": [{"var": "n"}]}


@pytest.mark.parametrize(("text", "answers", "expected"), [
    ("${t} = ''", {}, True), ("${t} = ''", {"t": "x"}, False), ("${t} != ''", {"t": "x"}, True),
    ("${n} != ''", {"n": 0}, True),  # 0 is an answer, unlike ''
    ("${n} > 3", {}, False), ("${n} < 3", {}, False),  # no answer is neither more nor less, as in ODK
    ("${s} = 'yes'", {"s": "yes"}, True), ("${s} = 1", {"s": "1"}, True),  # a number is the option's name
    ("${l} = '4'", {"l": 4}, True), ("${l} >= 4", {"l": 5}, True),  # a likert answer is a number
    ("selected(${m}, 'b')", {"m": ["a", "b"]}, True), ("selected(${m}, 'c')", {"m": ["a", "b"]}, False),
    ("selected(${s}, 'no')", {"s": "no"}, True), ("selected(${s}, 'n')", {"s": "no"}, False),  # not a substring
    ("count-selected(${m}) >= 2", {"m": ["a", "c"]}, True), ("count-selected(${m}) = 0", {}, True),
    ("contains(${t}, '社工')", {"t": "找过社工"}, True), ("coalesce(${n}, 0) + 1 = 1", {}, True),
    ("${d} >= date('2024-01-01')", {"d": "2024-03-01"}, True), ("${d} < '2024-01-01'", {"d": "2024-03-01"}, False),
    ("selected('a c', ${s})", {"s": "a"}, True),
])
def test_what_each_form_means(text, answers, expected):
    assert truthy(value(text, answers)) is expected


def test_dot_is_the_question_a_constraint_belongs_to():
    assert read(". >= 1 and . <= ${k}", current="n") == {"and": [{">=": [{"var": "n"}, 1]}, {"<=": [{"var": "n"}, {"var": "k"}]}]}
    assert read("count-selected(.) <= 2", current="m") == {
        "<=": [{"+": [{"if": [{"in": [v, {"var": "m"}]}, 1, 0]} for v in ("a", "b", "c")]}, 2]}


@pytest.mark.parametrize(("text", "words"), [
    ("today() > ${d}", "today()"), ("regex(${t}, '^[0-9]+$')", "regex()"), ("position(..)", "“..”"),
    ("indexed-repeat(${n}, ${n}, 1) > 1", "indexed-repeat()"), ("jr:choice-name(${s}, '${s}') = 'x'", "jr:choice-name()"),
    ("pulldata('f', 'c', 'k', ${t}) = 1", "pulldata()"), ("once(${n}) = 1", "once()"), ("concat(${t}, 'x') = 'x'", "concat()"),
    ("string-length(${t}) > 3", "string-length()"), ("${unknown} = 1", "${unknown}"), ("${note} = 1", "说明"),
    ("/data/n > 1", "路径"), ("n > 1", "${n}"), ("${n} >", "不完整"), ("(${n} > 1", "少了“)”"), ("${n} > 1)", "多了"),
    ("${n} | ${k}", "“|”"), ("selected(${n}, 1)", "不是选择题"), ("${m} = 'a'", "selected(${m}, 'a')"),
    ("${n} = 'many'", "不能和文字"), ("${n} = 'nan'", "不能和文字"), ("${l} >= '1e3'", "不能和文字"), (". > 1", "constraint"), ("not(1, 2)", "1 个参数"), ("", "空"),
])
def test_what_has_no_meaning_here_is_refused_in_chinese(text, words):
    with pytest.raises(XPathError) as caught:
        read(text)
    assert words in str(caught.value)


@pytest.mark.parametrize(("rule", "current", "expected"), [
    ({"==": [{"var": "s"}, "yes"]}, None, "${s} = 'yes'"),
    ({"in": ["a", {"var": "m"}]}, None, "selected(${m}, 'a')"),
    ({"in": [{"var": "s"}, ["yes", "no"]]}, None, "selected('yes no', ${s})"),
    ({"in": ["社", {"var": "t"}]}, None, "contains(${t}, '社')"),
    ({">=": [{"var": "d"}, "2024-01-01"]}, None, "${d} >= date('2024-01-01')"),
    ({"<=": [1, {"var": "n"}, 5]}, None, "1 <= ${n} and ${n} <= 5"),
    ({"==": [{"+": [{"var": ["n", 0]}, {"var": "k"}]}, 3]}, None, "coalesce(${n}, 0) + ${k} = 3"),
    ({">=": [{"var": "n"}, 1]}, "n", ". >= 1"),
    ({"!": {"and": [{"in": ["a", {"var": "m"}]}, {"in": ["b", {"var": "m"}]}]}}, None,
     "not(selected(${m}, 'a') and selected(${m}, 'b'))"),
    ({"*": [{"+": [1, 2]}, {"-": [3]}]}, None, "(1 + 2) * -(3)"),  # the operation, not the number -3
    ({"*": [{"+": [1, 2]}, -3]}, None, "(1 + 2) * -3"),
    ({"-": [{"-": [1, 2]}, {"-": [3, 4]}]}, None, "1 - 2 - (3 - 4)"),
    ({"/": [{"%": [{"var": "n"}, 2]}, 0.5]}, None, "${n} mod 2 div 0.5"),
    ({"==": [{"var": "t"}, None]}, None, "${t} = ''"),
    ({"==": [{"var": "t"}, "it's"]}, None, "${t} = \"it's\""),
])
def test_rules_written_as_xpath(rule, current, expected):
    assert to_xpath(rule, QUESTIONS, current) == expected
    assert same(evaluate(read(expected, current), {"n": 3, "k": 0, "t": "x"}), evaluate(rule, {"n": 3, "k": 0, "t": "x"}))


@pytest.mark.parametrize("rule", [
    {"missing": ["n"]}, {"==": [{"var": "t"}, "both ' and \""]}, {"==": [{"var": "t"}, "${x}"]},
    {"==": [{"var": "t"}, "“quoted”"]}, {"var": "nowhere"}, {"==": [{"var": "t"}, ["a"]]},
])
def test_what_xpath_cannot_say_is_an_export_error(rule):
    with pytest.raises(ExportError):
        to_xpath(rule, QUESTIONS)


# Rules of the subset a questionnaire may hold (what `questionnaires check` accepts), made up.
IDS = ["s", "m", "l", "n", "k", "t", "d"]
NUMBERS = st.one_of(st.integers(-6, 6), st.sampled_from([0.5, -1.5, 2.25, 1e-7, 2**53 + 1, 10**20, 1e300, -0.0]),
                    st.floats(allow_nan=False, allow_infinity=False, width=32))
TEXTS = st.one_of(st.sampled_from(["yes", "no", "1", "a", "b", "c", "2024-01-01", "2026-05-31", "社工", "it's", 'say "hi"']),
                  st.text(alphabet="ab 中'", min_size=1, max_size=3))
VARS = st.sampled_from(IDS).map(lambda name: {"var": name})
LEAVES = st.one_of(
    VARS, VARS, NUMBERS, TEXTS, st.booleans(), st.none(),
    st.builds(lambda name, default: {"var": [name, default]}, st.sampled_from(["n", "k", "l"]), st.integers(-2, 2)),
    st.builds(lambda name, default: {"var": [name, default]}, st.sampled_from(["s", "t"]), TEXTS),
)


def _operation(children):
    def arity(op: str, least: int, most: int):
        return st.lists(children, min_size=least, max_size=most).map(lambda args: {op: args})

    membership = st.tuples(children, st.one_of(
        children, st.lists(TEXTS, max_size=3), st.lists(st.one_of(TEXTS, NUMBERS), max_size=3),
        st.sampled_from([{"var": "m"}, {"var": "t"}, {"var": "s"}]))).map(lambda p: {"in": list(p)})
    return st.one_of(
        st.sampled_from(["==", "!=", "===", "!=="]).flatmap(lambda op: arity(op, 2, 2)),
        st.sampled_from(["<", "<=", ">", ">="]).flatmap(lambda op: arity(op, 2, 3)),
        st.sampled_from(["and", "or"]).flatmap(lambda op: arity(op, 1, 4)),
        st.sampled_from(["+", "*"]).flatmap(lambda op: arity(op, 1 if op == "*" else 0, 3)),
        st.sampled_from(["min", "max"]).flatmap(lambda op: arity(op, 1, 3)),
        arity("-", 1, 2), arity("/", 2, 2), arity("%", 2, 2), arity("if", 0, 5),
        st.builds(lambda op, x: {op: x}, st.sampled_from(["!", "!!"]), children),  # a lone argument
        st.builds(lambda op, x: {op: [x]}, st.sampled_from(["!", "!!"]), children),
        membership,
    )


RULES = st.recursive(LEAVES, _operation, max_leaves=12)
ANSWERS = st.fixed_dictionaries({}, optional={
    "s": st.sampled_from(["yes", "no", "1"]), "m": st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3, unique=True),
    "l": st.integers(1, 5), "n": NUMBERS, "k": st.integers(-3, 3), "t": TEXTS,
    "d": st.sampled_from(["2023-12-31", "2024-01-01", "2026-05-31"]),
})


def _says_nothing_ODK_would(rule) -> bool:
    """An empty text in a rule (which XLSForm writes as '', no answer) or a number compared with a
    choice or text answer (which ODK reads as the option of that name): both are always false
    here, so a questionnaire has no reason to hold them."""
    if rule == "":
        return True
    if isinstance(rule, list):
        return any(_says_nothing_ODK_would(r) for r in rule)
    if not isinstance(rule, dict) or len(rule) != 1:
        return False
    ((op, args),) = rule.items()
    if op in ("==", "!=", "===", "!==", "in") and isinstance(args, list):
        texts = [a for a in args if isinstance(a, dict) and set(a) == {"var"} and QUESTIONS.get(
            a["var"][0] if isinstance(a["var"], list) else a["var"], {}).get("type") in ("single", "text", "multi", "date")]
        flat = [x for a in args for x in (a if isinstance(a, list) else [a])]
        if texts and any(isinstance(x, (int, float)) and not isinstance(x, bool) for x in flat):
            return True
    return _says_nothing_ODK_would(args)


def _lists_spelled_out(rule):
    """The rule with each ``in`` over a list of values written as ``==`` to each (as XPath must
    write most of them), so that the checker sees a text looked for among numbers."""
    if isinstance(rule, list):
        return [_lists_spelled_out(r) for r in rule]
    if not isinstance(rule, dict) or len(rule) != 1:
        return rule
    ((op, args),) = rule.items()
    if op == "in" and isinstance(args, list) and len(args) == 2 and isinstance(args[1], list):
        needle = _lists_spelled_out(args[0])
        return {"or": [{"==": [needle, item]} for item in args[1]]} if args[1] else False
    return {op: _lists_spelled_out(args)}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(RULES, st.sampled_from([None, "n", "t", "m"]), st.lists(ANSWERS, min_size=1, max_size=6))
def test_a_rule_written_as_xpath_and_read_back_judges_alike(rule, current, answer_sets):
    assume(check_rule(rule, QUESTIONS) == [] and check_rule(_lists_spelled_out(rule), QUESTIONS) == []
           and not _says_nothing_ODK_would(rule))
    try:
        text = to_xpath(rule, QUESTIONS, current)
    except ExportError:
        assume(False)
    back = read(text, current)
    assert check_rule(back, QUESTIONS) == [], (rule, text)
    for answers in answer_sets:
        before, after = evaluate(rule, answers), evaluate(back, answers)
        assert same(before, after) and truthy(before) == truthy(after), (text, answers, before, after)
