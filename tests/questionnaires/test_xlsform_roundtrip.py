"""Ours -> XLSForm -> pyxform -> ours: every questionnaire under questionnaires/ (and one that
uses every key the format has) comes back as the same definition, so the same version, and
pyxform turns the export into an XForm that ODK Collect can use."""
from __future__ import annotations

import io
import re
import shutil
import textwrap
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pyxform.xls2xform import convert

from survey_app.questionnaires import check_file, check_text, definition_hash
from survey_app.questionnaires.check import questionnaire_paths
from survey_app.questionnaires.xlsform import ExportError, read_xlsform, write_xlsform

ROOT = Path(__file__).resolve().parents[2]

#: every key of the format that the shipped files do not use, and names that collide
EVERYTHING = textwrap.dedent("""\
    id: everything
    title: {zh: 样样都有, en: Everything}
    description: {zh: "第一行\\n第二行", en: Two lines}
    wave: none
    respondent_code: optional
    consent: {zh: "您愿意参加吗？\\n可以随时停下来。"}
    greeting: {zh: 您好！, en: Hello!}
    thanks: {zh: 谢谢！}
    scales:
      ends: {min: 0, max: 10, labels: [{zh: 完全没有, en: Not at all}, {zh: 非常, en: Very much}]}
      bare: {min: 1, max: 3}
      faces5: {min: 1, max: 5, faces: true, labels: [{zh: 很不满意}, {zh: 很满意}]}
    sections:
      - id: first
        title: {zh: 第一部分, en: Part one}
        questions:
          - {id: intro, type: note, label: {zh: "=下面开始。", en: Here we go.}, hint: {zh: 读给对方听。, audience: interviewer}, audio: intro.mp3}
          - id: ends
            type: single
            required: false
            label: {zh: 一个和量表同名的问题, en: A question named like a scale}
            short: {zh: 同名, en: Same name}
            hint: {zh: 说“是”或者“不是”。, audience: respondent}
            options: [{value: "v.1", label: {zh: 是}}, {value: "v-2", label: {zh: 不是}}, {value: "3", label: {zh: "它's"}}]
          - {id: pain, type: likert, scale: ends, label: {zh: 疼不疼？}, required: true, required_message: {zh: 请选一个, en: Pick one}}
          - {id: mood, type: likert, scale: {min: -2, max: 2, labels: [{zh: 很差}, {zh: 差}, {zh: 一般}, {zh: 好}, {zh: 很好}]}, label: {zh: 心情}}
          - {id: mood2, type: likert, scale: {min: 1, max: 4, faces: true}, label: {zh: 心情二}}
          - {id: happy, type: likert, scale: faces5, label: {zh: 满意吗？}}
          - {id: simple, type: likert, scale: bare, label: {zh: 简单}}
      - id: numbers
        title: {zh: 数字}
        relevant: {"!!": {"var": "pain"}}
        questions:
          - id: people
            type: number
            integer: true
            min: 1
            max: 30
            unit: {zh: 人, en: people}
            label: {zh: 几口人？}
            constraint: {"<=": [{"var": "people"}, {"+": [{"var": ["kids", 0]}, 20]}]}
            constraint_message: {zh: 太多了}
          - {id: kids, type: number, integer: false, min: 0, label: {zh: 孩子}}
          - {id: weight, type: number, max: 200.5, label: {zh: 体重}, constraint: {"==": [{"%": [{"*": [{"var": "weight"}, 2]}, 1]}, 0]}}
          - {id: ratio, type: number, label: {zh: 比例},
             relevant: {"and": [{">": [{"/": [{"var": "people"}, {"max": [{"var": "kids"}, 1]}]}, 1.5]}, {"<": [0, {"var": "people"}, 10]}]}}
      - id: texts
        title: {zh: 文字和日期}
        relevant: {"if": [{"in": [{"var": "ends"}, ["v.1", "3"]]}, true, {"==": [{"var": "pain"}, 0]}]}
        questions:
          - {id: note_text, type: text, multiline: true, max_length: 300, label: {zh: "说说看\\n（不要写名字）"}}
          - {id: plain_text, type: text, multiline: false, label: {zh: 一句话},
             constraint: {"!": {"in": ["电话", {"var": "plain_text"}]}}}
          - id: day
            type: date
            min: "2024-01-01"
            max: "2030-12-31"
            label: {zh: 哪一天}
            constraint: {"!=": [{"var": "day"}, "2025-01-01"]}
          - {id: day2, type: date, label: {zh: 另一天}, relevant: {">": [{"var": "day"}, "2024-06-01"]}}
    indices:
      - {id: wellbeing, label: {zh: 状态, en: Wellbeing}, items: [pain, mood, happy], reverse: [pain]}
    compare: []
    """)


def definitions() -> list[tuple[str, dict]]:
    out = []
    for path in questionnaire_paths(ROOT / "questionnaires"):
        checked = check_file(path)
        assert checked.problems == [], checked.problems
        out.append((path.name, checked.definition))
    checked = check_text(EVERYTHING, "everything.yaml")
    assert checked.problems == [], checked.problems
    out.append(("everything.yaml", checked.definition))
    return out


DEFINITIONS = definitions()


@pytest.mark.parametrize(("name", "definition"), DEFINITIONS, ids=[n for n, _ in DEFINITIONS])
def test_export_converts_with_pyxform_and_imports_as_the_same_definition(name, definition):
    data = write_xlsform(definition)
    xform = convert(io.BytesIO(data), warnings=[], file_type=".xlsx").xform
    assert f'id="{definition["id"]}"' in xform
    back = read_xlsform(data, f"{definition['id']}.xlsx")
    assert back.problems == (), [str(p) for p in back.problems]
    assert back.definition == definition
    assert definition_hash(back.definition) == definition_hash(definition)  # no new version on loading it back


@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate (bundled with pyxform) needs Java")
@pytest.mark.parametrize(("name", "definition"), DEFINITIONS, ids=[n for n, _ in DEFINITIONS])
def test_odk_validate_takes_the_export(name, definition):
    """ODK Validate, the check ODK Collect's own form engine (JavaRosa) makes, finds no error."""
    convert(io.BytesIO(write_xlsform(definition)), warnings=[], file_type=".xlsx", validate=True)


def test_what_odk_gets_from_the_export():
    """The export is for partners on ODK: the rules, ranges, languages and likert look as there."""
    definition = dict(DEFINITIONS)["awareness.yaml"]
    xform = convert(io.BytesIO(write_xlsform(definition)), warnings=[], file_type=".xlsx").xform
    assert 'lang="Chinese (zh)"' in xform and 'lang="English (en)"' in xform
    binds = {m.group(1): m.group(0) for m in re.finditer(r'<bind nodeset="/data/\w+/(\w+)"[^>]*>', xform)}
    assert 'constraint=". &gt;= 0 and . &lt;= 100 and . &gt;= 1"' in binds["contact_times"]  # the range, for ODK
    assert "relevant=\" /data/help_seeking/contacted_sw  = 'yes'\"" in binds["contact_times"]
    assert "not(selected(., 'none') and (selected(., 'lives_alone')" in binds["household"]
    assert 'appearance="likert"' in xform
    everything = dict(DEFINITIONS)["everything.yaml"]
    xform = convert(io.BytesIO(write_xlsform(everything)), warnings=[], file_type=".xlsx").xform
    assert "constraint=\". &gt;= date('2024-01-01') and . &lt;= date('2030-12-31')" in xform  # compared as dates in ODK


def test_the_sheets_a_person_opens():
    book = load_workbook(io.BytesIO(write_xlsform(dict(DEFINITIONS)["everything.yaml"])))
    assert book.sheetnames == ["survey", "choices", "settings", "sanqu"]
    survey = list(book["survey"].iter_rows(values_only=True))
    assert survey[0][:4] == ("type", "name", "label::Chinese (zh)", "label::English (en)")
    intro = next(r for r in survey if r[1] == "intro")
    assert intro[2] == "=下面开始。" and book["survey"].cell(survey.index(intro) + 1, 3).data_type == "s"  # text, not a formula
    settings = list(book["settings"].iter_rows(values_only=True))
    assert settings[1][:3] == ("everything", "样样都有", "Chinese (zh)")
    kept = {row[0] for row in book["sanqu"].iter_rows(min_row=2, values_only=True)}
    assert kept == {"title", "description", "wave", "respondent_code", "consent", "greeting", "thanks", "scales", "indices", "compare"}


def test_a_form_edited_in_kobo_keeps_what_the_sheet_says():
    """The sheet wins over our own columns where a person may have changed it: here a required
    question made optional and its label changed."""
    definition = dict(DEFINITIONS)["everything.yaml"]
    book = load_workbook(io.BytesIO(write_xlsform(definition)))
    sheet = book["survey"]
    for row in sheet.iter_rows(min_row=2):
        if row[1].value == "pain":
            row[2].value = "还疼吗？"
            row[8].value = "no"
    out = io.BytesIO()
    book.save(out)
    back = read_xlsform(out.getvalue(), "everything.xlsx").definition
    pain = back["sections"][0]["questions"][2]
    assert pain["label"]["zh"] == "还疼吗？" and "required" not in pain


def test_a_scale_reworded_in_kobo_but_not_in_the_sanqu_sheet_is_a_problem():
    book = load_workbook(io.BytesIO(write_xlsform(dict(DEFINITIONS)["awareness.yaml"])))
    for row in book["choices"].iter_rows(min_row=2):
        if row[0].value == "agree5" and row[1].value == "3":
            row[2].value = "一般"
    out = io.BytesIO()
    book.save(out)
    problems = read_xlsform(out.getvalue(), "awareness.xlsx").problems
    assert problems and {p.message for p in problems} == {"选项表 agree5 的文字和 sanqu 表 scales 里的 agree5 不一样：量表的字请两处一起改"}


def test_a_changed_range_in_the_constraint_without_the_sanqu_column_is_a_problem():
    definition = dict(DEFINITIONS)["everything.yaml"]
    book = load_workbook(io.BytesIO(write_xlsform(definition)))
    for row in book["survey"].iter_rows(min_row=2):
        if row[1].value == "people":
            row[12].value = row[12].value.replace(". <= 30", ". <= 40")
            number = row[0].row
    out = io.BytesIO()
    book.save(out)
    (problem,) = read_xlsform(out.getvalue(), "everything.xlsx").problems
    assert (problem.sheet, problem.row) == ("survey", number)
    assert "min/max" in problem.message


def test_a_rule_xlsform_cannot_hold_stops_the_export():
    checked = check_text(textwrap.dedent("""\
        id: gaps
        title: {zh: 缺}
        sections:
          - id: s
            title: {zh: 一}
            questions:
              - {id: a, type: text, label: {zh: 甲}}
              - {id: b, type: text, label: {zh: 乙}, relevant: {"!": {"missing": ["a"]}}}
        """), "gaps.yaml")
    assert checked.problems == []
    with pytest.raises(ExportError) as caught:
        write_xlsform(checked.definition)
    assert str(caught.value) == "b 的 relevant：规则里的“missing”在 XLSForm 里没有对应的写法"
