"""Reading real-world-like XLSForms (tests/questionnaires/xlsforms/forms.py): what each becomes,
rule by rule, and that the YAML written is a file our checker takes as it is."""
from __future__ import annotations

import io
import shutil

import pytest
from pyxform.xls2xform import convert

from survey_app.questionnaires import check_text, validate_answers
from survey_app.questionnaires.logic import evaluate, truthy
from survey_app.questionnaires.model import build
from survey_app.questionnaires.xlsform import read_xlsform
from survey_app.questionnaires.xlsform.workbook import language_of

from .xlsforms.forms import FORMS, KOBO_CHOICES, KOBO_SETTINGS, KOBO_SURVEY, form, workbook


def imported(name: str):
    result = read_xlsform(form(name), f"{name}.xlsx")
    assert result.problems == (), [str(p) for p in result.problems]
    assert result.definition is not None
    return result


def questions(definition) -> dict:
    return {q["id"]: q for s in definition["sections"] for q in s["questions"]}


@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate (bundled with pyxform) needs Java")
@pytest.mark.parametrize("name", list(FORMS))
def test_the_forms_are_real_odk_forms(name):
    """ODK Validate takes each of them as it is: what is read here is what ODK Collect would show."""
    convert(io.BytesIO(form(name)), warnings=[], file_type=".xlsx", validate=True)


def test_the_kobo_form_becomes_sections_notes_and_rules():
    result = imported("kobo_household")
    d = result.definition
    assert d["id"] == "household" and d["title"] == {"zh": "家庭情况调查"}
    assert [(s["id"], s["title"]["zh"]) for s in d["sections"]] == [("basic", "基本情况"), ("services", "服务需求"), ("part_1", "第1部分")]
    q = questions(d)
    # start, end, today and deviceid are not questions: the tablet records them anyway
    assert list(q) == ["welcome", "lives_alone", "household_size", "elders", "needs", "care_freq", "care_who", "trust_sw",
                       "visit_date", "thanks_note"]
    assert q["welcome"] == {"id": "welcome", "type": "note", "audio": "welcome.mp3",
                            "label": {"zh": "下面问几个关于您家的问题。", "en": "A few questions about your household."}}
    assert q["lives_alone"]["required"] is True
    assert q["lives_alone"]["required_message"] == {"zh": "请先回答是不是一个人住"}
    assert q["household_size"]["integer"] is True
    assert q["household_size"]["constraint"] == {"and": [{">=": [{"var": "household_size"}, 2]},
                                                         {"<=": [{"var": "household_size"}, 20]}]}
    assert q["household_size"]["constraint_message"] == {"zh": "不是一个人住，至少2口人，最多20口", "en": "At least 2 and at most 20"}
    assert q["household_size"]["hint"] == {"zh": "包括您自己。", "en": "Including you."}
    # the group's relevant (with the curly quotes Excel put in) is the section's
    assert d["sections"][1]["relevant"] == {"or": [{"==": [{"var": "lives_alone"}, "yes"]}, {">": [{"var": "elders"}, 0]}]}
    # the nested group is flattened into its section, its relevant given to each of its questions
    assert q["care_freq"]["relevant"] == q["care_who"]["relevant"] == {"in": ["care", {"var": "needs"}]}
    assert q["care_freq"]["required"] is True
    # string-length(.) <= 50 on a text is our length limit; multiline is ours too
    assert q["care_who"]["max_length"] == 50 and q["care_who"]["multiline"] is True and "constraint" not in q["care_who"]
    assert q["trust_sw"]["type"] == "likert" and q["trust_sw"]["audio"] == "trust_sw.mp3"
    assert q["trust_sw"]["scale"]["min"] == 1 and q["trust_sw"]["scale"]["max"] == 5
    assert q["trust_sw"]["scale"]["labels"][0] == {"zh": "很不同意", "en": "Strongly disagree"}
    assert q["visit_date"]["constraint"] == {">=": [{"var": "visit_date"}, "2024-01-01"]}
    assert q["thanks_note"]["relevant"] == {">=": [{"var": "trust_sw"}, 4]}
    assert "audience" not in q["needs"]["hint"]


def test_selected_and_count_selected_mean_what_they_mean_in_odk():
    needs = questions(imported("kobo_household").definition)["needs"]["constraint"]
    verdicts = {tuple(v): truthy(evaluate(needs, {"needs": v}))
                for v in (["none"], ["care"], ["care", "money"], ["care", "none"], ["medical", "money", "none"])}
    assert verdicts == {("none",): True, ("care",): True, ("care", "money"): True, ("care", "none"): False,
                        ("medical", "money", "none"): False}


def test_the_yaml_says_what_was_carried_and_loads_as_it_is():
    result = imported("kobo_household")
    header = [line for line in result.yaml_text.splitlines() if line.startswith("#")]
    assert any("start, end, today, deviceid" in line for line in header)
    assert any("$kuid" in line for line in header)
    assert any("vH7mUo2KcQ" in line for line in header)  # the version, not used
    checked = check_text(result.yaml_text, "household.yaml", expected_id="household")
    assert checked.problems == []
    assert checked.definition == result.definition


def test_a_chinese_only_form_with_plain_label_columns():
    d = imported("village_zh").definition
    assert d["id"] == "village_zh"
    (section,) = d["sections"]
    assert section["title"] == {"zh": "第1部分"}  # no English anywhere: none made up
    q = questions(d)
    assert q["role"]["required"] is True  # an Excel TRUE
    assert q["role"]["options"][0] == {"value": "1", "label": {"zh": "村支书或村主任"}}
    assert q["years"]["hint"] == {"zh": "不满一年写0。"}
    # a choice named 3, compared as ODK compares it: the option "3", not the number
    assert q["meet_sw"]["relevant"] == {"!=": [{"var": "role"}, "3"]}
    assert q["why_not"]["relevant"] == {"or": [{"==": [{"var": "meet_sw"}, "3"]}, {"==": [{"var": "role"}, "3"]}]}
    qn = build(d)
    assert "meet_sw" not in validate_answers(qn, {"role": "3", "meet_sw": "1"}).answers
    assert validate_answers(qn, {"role": "1", "meet_sw": "1"}).answers["meet_sw"] == "1"


def test_an_odk_form_with_arithmetic():
    q = questions(imported("odk_arithmetic").definition)
    assert q["elders"]["constraint"] == {"<=": [0, {"var": "elders"}, {"var": "adults"}]}  # 0 <= . and . <= ${adults}
    assert q["total"]["constraint"] == {"==": [{"var": "total"}, {"+": [{"var": "adults"}, {"var": "children"}]}]}
    assert q["low_income"]["relevant"] == {"<": [{"/": [{"var": "income"}, {"var": "total"}]}, 4000]}
    assert q["dibao"]["constraint"] == {"and": [
        {"<=": [{"var": "dibao"}, {"/": [{"*": [{"var": "income"}, 0.5]}, 12]}]}, {"==": [{"%": [{"var": "dibao"}, 10]}, 0]}]}
    assert q["many_dependants"]["relevant"] == {">": [{"/": [{"+": [{"var": "children"}, {"var": ["elders", 0]}]}, {"var": "adults"}]}, 1]}
    assert q["debt"]["relevant"] == {"or": [{"<": [{"-": [{"var": "income"}]}, 0]},
                                            {">=": [{"-": [{"var": "total"}, {"*": [{"var": "adults"}, 2]}]}, 1]}]}
    dibao = q["dibao"]["constraint"]
    assert truthy(evaluate(dibao, {"dibao": 500, "income": 12000}))
    assert not truthy(evaluate(dibao, {"dibao": 505, "income": 12000}))  # not a multiple of 10
    assert not truthy(evaluate(dibao, {"dibao": 510, "income": 12000}))  # more than half the income
    # the same answers on both sides of "div" as ODK: no answer is no number
    assert not truthy(evaluate(q["low_income"]["relevant"], {"income": 10000}))


@pytest.mark.parametrize(("written", "code"), [
    ("Chinese (zh)", "zh"), ("zh", "zh"), ("中文", "zh"), ("Chinese (Simplified)", "zh"), ("简体中文 (zh-CN)", "zh"),
    ("chinese", "zh"), ("English (en)", "en"), ("en", "en"), ("English", "en"), ("英文", "en"), ("en-GB", "en"),
    ("Français (fr)", None), ("Tibetan (bo)", None),
])
def test_languages_are_known_by_code_or_name(written, code):
    assert language_of(written, None) == code


def test_an_unnamed_column_is_in_the_default_language():
    assert language_of(None, None) == "zh"
    assert language_of(None, "default") == "zh"
    assert language_of(None, "English (en)") == "en"


def test_english_as_the_default_language_makes_plain_label_english():
    survey = [["type", "name", "label", "label::中文"], ["text", "a", "Name of the village", "村名"]]
    result = read_xlsform(workbook(survey, settings=[["form_id", "default_language"], ["villages", "English (en)"]]), "v.xlsx")
    assert result.problems == ()
    assert questions(result.definition)["a"]["label"] == {"zh": "村名", "en": "Name of the village"}


def test_the_kobo_rows_are_the_sheet_rows():
    """The problems name the row a person sees in Excel: header is row 1."""
    survey = [row[:] for row in KOBO_SURVEY]
    survey[8][9] = ". >= today()"  # household_size, the 9th line of the sheet
    (problem,) = read_xlsform(workbook(survey, KOBO_CHOICES, KOBO_SETTINGS), "kobo.xlsx").problems
    assert (problem.sheet, problem.row) == ("survey", 9)
    assert "today()" in problem.message
