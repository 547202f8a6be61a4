"""Rules in words on a draft's page (survey_app/drafts/rule_words.py): the common shapes said
plainly, anything else left to the rule itself (None)."""
from __future__ import annotations

import pytest

from survey_app.drafts.rule_words import in_words
from survey_app.questionnaires import build

QN = build({
    "id": "words", "title": {"zh": "规则", "en": "Rules"},
    "scales": {"agree5": {"min": 1, "max": 5, "labels": [{"zh": "很不同意", "en": "Strongly disagree"}, {"zh": "很同意", "en": "Strongly agree"}]}},
    "sections": [{"id": "s", "title": {"zh": "一", "en": "One"}, "questions": [
        {"id": "helped", "type": "single", "label": {"zh": "找过吗", "en": "Helped?"},
         "options": [{"value": "yes", "label": {"zh": "找过", "en": "Yes"}}, {"value": "no", "label": {"zh": "没找过", "en": "No"}}]},
        {"id": "domains", "type": "multi", "label": {"zh": "什么事", "en": "What"},
         "options": [{"value": "elderly", "label": {"zh": "老人的事", "en": "Older people"}},
                     {"value": "none", "label": {"zh": "都没有", "en": "None"}}]},
        {"id": "times", "type": "number", "label": {"zh": "几次", "en": "How often"}},
        {"id": "cap", "type": "number", "label": {"zh": "上限", "en": "Cap"}},
        {"id": "v1", "type": "likert", "scale": "agree5", "label": {"zh": "同意吗", "en": "Agree?"}},
        {"id": "note", "type": "text", "label": {"zh": "备注", "en": "Note"}},
    ]}],
})


@pytest.mark.parametrize(("rule", "words"), [
    ({"==": [{"var": "helped"}, "yes"]}, "[helped] 是 “找过”"),
    ({"==": ["yes", {"var": "helped"}]}, "[helped] 是 “找过”"),
    ({"!=": [{"var": "helped"}, "no"]}, "[helped] 不是 “没找过”"),
    ({">=": [{"var": "times"}, 1]}, "[times] 至少是 1"),
    ({"<": [2, {"var": "times"}]}, "[times] 大于 2"),
    ({"<=": [{"var": "times"}, {"var": "cap"}]}, "[times] 不超过 [cap]"),
    ({"<=": [1, {"var": "times"}, 5]}, "[times] 至少是 1 并且 [times] 不超过 5"),
    ({"in": ["elderly", {"var": "domains"}]}, "[domains] 选了 “老人的事”"),
    ({"!": {"in": ["none", {"var": "domains"}]}}, "[domains] 没有选 “都没有”"),
    ({"in": [{"var": "helped"}, ["yes", "no"]]}, "[helped] 是 “找过”、“没找过” 之一"),
    ({">": [{"var": "v1"}, 4]}, "[v1] 大于 4"),
    ({"==": [{"var": "v1"}, 5]}, "[v1] 是 5（很同意）"),
    ({"and": [{"==": [{"var": "helped"}, "yes"]}, {"or": [{">": [{"var": "times"}, 2]}, {"var": "note"}]}]},
     "[helped] 是 “找过” 并且 （[times] 大于 2 或者 [note] 已回答）"),
    ({"!": {"var": "note"}}, "[note] 没有回答"),
    # unanswered passes the "not" of a comparison: it is not turned into the opposite comparison
    ({"!": {">": [{"var": "times"}, 3]}}, "不满足：[times] 大于 3"),
    ({"!": {"and": [{"==": [{"var": "helped"}, "yes"]}, {"var": "note"}]}}, "不满足：（[helped] 是 “找过” 并且 [note] 已回答）"),
])
def test_common_rules_are_said_in_words(rule, words):
    assert in_words(rule, QN) == words


def test_option_labels_follow_the_language():
    assert in_words({"in": ["elderly", {"var": "domains"}]}, QN, "en").endswith("“Older people”")


@pytest.mark.parametrize("rule", [
    {"==": [{"+": [{"var": "times"}, 1]}, 3]},         # arithmetic
    {"var": "times"},                                  # a number: 0 counts as false, "answered" would be wrong
    {"==": [{"var": ["times", 0]}, 0]},                # a default
    {"missing": ["helped"]},
    {"if": [{"var": "note"}, True, False]},
    {"==": [{"var": "nowhere"}, "x"]},                 # not a question of this questionnaire
    {"==": [1, 1]},                                    # no answer at all
    {"==": [{"var": "helped"}, None]},
])
def test_other_rules_are_left_as_they_are_written(rule):
    assert in_words(rule, QN) is None
