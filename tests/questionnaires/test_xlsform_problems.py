"""Forms that use what we cannot carry: each problem on its sheet and row, in Chinese, all of
them in one pass, and never a part of a questionnaire."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_app.questionnaires import check_text
from survey_app.questionnaires.xlsform import SheetProblem, read_xlsform

from .xlsforms.forms import KOBO_CHOICES, KOBO_SETTINGS, KOBO_SURVEY, workbook

H = ["type", "name", "label", "relevant", "constraint", "required", "appearance"]
C = [["list_name", "name", "label"], ["yn", "yes", "是"], ["yn", "no", "否"], ["many", "a", "甲"], ["many", "b", "乙"]]
S = [["form_id", "form_title"], ["t", "测试"]]
Q = ["select_one yn", "ok", "好吗？"]  # row 2 of every form below: a question we can carry

CASES = [
    ("repeat", [H, Q, ["begin repeat", "kids", "孩子"], ["integer", "age", "年龄"], ["end repeat"]],
     [('survey', 3, '本系统没有重复组（repeat）：每份问卷的每道题只答一次。可以把要重复的题按次数写成几道题')]),
    ("calculate", [[*H, "calculation"], Q, ["calculate", "total", None, None, None, None, None, "1 + 1"]],
     [('survey', 3, '题型“calculate”不能转换：本系统没有计算题（calculate）')]),
    ("choice_filter", [[*H, "choice_filter"], Q, ["select_one yn", "b", "乙", None, None, None, None, "name != 'no'"]],
     [('survey', 3, "本系统不支持按条件筛选选项（choice_filter）（choice_filter：name != 'no'）")]),
    ("from_file", [H, Q, ["select_one_from_file villages.csv", "village", "村"]],
     [('survey', 3, '题型“select_one_from_file villages.csv”不能转换：本系统不从外部文件读选项：选项要写在 choices 表里')]),
    ("external", [H, Q, ["select_one_external yn", "v", "村"]],
     [('survey', 3, '题型“select_one_external yn”不能转换：本系统不从外部文件读选项：选项要写在 choices 表里')]),
    ("geopoint", [H, Q, ["geopoint", "where", "位置"]],
     [('survey', 3, '题型“geopoint”不能转换：本系统不记录位置（GPS）')]),
    ("image", [H, Q, ["image", "photo", "照片"]],
     [('survey', 3, '题型“image”不能转换：本系统不收照片')]),
    ("rank", [H, Q, ["rank yn", "order", "排序"]],
     [('survey', 3, '题型“rank yn”不能转换：本系统没有排序题（rank）')]),
    ("range", [H, Q, ["range", "score", "打分"]],
     [('survey', 3, '题型“range”不能转换：本系统没有滑块题（range）：可改成 integer，范围写在 constraint 里')]),
    ("barcode", [H, Q, ["barcode", "code", "扫码"]],
     [('survey', 3, '题型“barcode”不能转换：本系统没有扫码题')]),
    ("acknowledge", [H, Q, ["acknowledge", "agree", "同意"]],
     [('survey', 3, '题型“acknowledge”不能转换：本系统没有确认题（acknowledge）：可改成是/否的 select_one')]),
    ("unknown_type", [H, Q, ["textt", "t2", "文字"]],
     [('survey', 3, '不认识的题型“textt”')]),
    ("bad_name", [H, Q, ["text", "Q1", "文字"]],
     [('survey', 3, 'name“Q1”不能用作题目编号：只能用小写英文字母、数字和下划线（_），以字母开头，最多 63 个字符')]),
    ("duplicate", [H, Q, ["text", "ok", "又一个"]],
     [('survey', 3, 'name“ok”重复了（第 2 行已经用过）：本系统每道题的编号都不能相同')]),
    ("no_list", [H, Q, ["select_one colours", "c", "颜色"]],
     [('survey', 3, 'choices 表里没有叫 colours 的选项表（list_name）')]),
    ("no_chinese", [["type", "name", "label::English (en)"], ["text", "a", "Name"]],
     [('survey', 2, '题目只有英文，缺少中文（…::Chinese (zh) 列）')]),
    ("default", [[*H, "default"], Q, ["integer", "n", "几个", None, None, None, None, "3"]],
     [('survey', 3, '本系统不支持默认答案（default）：请删掉这一格（default：3）')]),
    ("today", [H, Q, ["date", "d", "日期", None, ". <= today()"]],
     [('survey', 3, 'constraint“. <= today()”：today()：本系统的规则里没有“今天”')]),
    ("regex", [H, Q, ["text", "code", "编码", None, "regex(., '^[A-Z]{2}$')"]],
     [('survey', 3, "constraint“regex(., '^[A-Z]{2}$')”：regex()：本系统的规则不支持正则表达式")]),
    ("position", [H, Q, ["text", "x", "X", "position(..) = 1"]],
     [('survey', 3, 'relevant“position(..) = 1”：不支持“..”（上一级）：请用 ${题目名} 引用题目')]),
    ("choice_name", [H, Q, ["text", "x", "X", "jr:choice-name(${ok}, '${ok}') = '是'"]],
     [('survey', 3, "relevant“jr:choice-name(${ok}, '${ok}') = '是'”：jr:choice-name()：规则里不能取选项的文字")]),
    ("pulldata", [H, Q, ["text", "x", "X", "pulldata('hh', 'size', 'id', ${ok}) > 2"]],
     [('survey', 3, "relevant“pulldata('hh', 'size', 'id', ${ok}) > 2”：pulldata()：本系统不能从外部文件取数据")]),
    ("once", [H, Q, ["text", "x", "X", "once(${ok}) = 'yes'"]],
     [('survey', 3, "relevant“once(${ok}) = 'yes'”：once()：本系统没有计算题")]),
    ("french", [["type", "name", "label", "label::Français (fr)"], ["text", "a", "名字", "Nom"]],
     [('survey', 1, '列“label::Français (fr)”的语言（Français (fr)）本系统没有：只有中文和英文。请删掉这一列，或改名为 …::Chinese (zh) / …::English (en)')]),
    ("dynamic_label", [H, Q, ["text", "x", "您刚才说${ok}，为什么？"]],
     [('survey', 3, '题目里引用了别的题目的答案（您刚才说${ok}，为什么？）：本系统的文字是固定的，请改成不带 ${} 的文字')]),
    ("appearance", [H, Q, ["text", "x", "签名", None, None, None, "signature"]],
     [('survey', 3, 'appearance“signature”不只是改变样子，本系统做不到：请删掉它')]),
    ("required_expr", [H, Q, ["text", "x", "X", None, None, "${ok} = 'yes'"]],
     [('survey', 3, "required 只能写 yes 或 no（“${ok} = 'yes'”）：本系统不支持按条件必答")]),
    ("or_other", [H, Q, ["select_one yn or_other", "x", "X"]],
     [('survey', 3, '本系统不支持“其他（请注明）”（or_other）：请在选项里加一个“其他”，再加一道文字题')]),
    ("phone", [H, Q, ["phonenumber", "phone"]],
     [('survey', 3, '题型“phonenumber”不能转换：本系统不记录电话号码（个人信息）')]),
    ("time", [H, Q, ["time", "t", "几点"]],
     [('survey', 3, '题型“time”不能转换：本系统只有日期题（date），没有时间题')]),
    ("unclosed", [H, Q, ["begin group", "g", "组"], ["text", "x", "X"]],
     [('survey', 3, 'begin group “g” 后面缺少对应的 end')]),
    ("stray_end", [H, Q, ["end group"]],
     [('survey', 3, '这一行的 end group 前面没有对应的 begin group')]),
    ("dot_relevant", [H, Q, ["text", "x", "X", ". != ''"]],
     [('survey', 3, "relevant“. != ''”：“.”（本题）只能用在 constraint 里；别处请写 ${题目名}")]),
    ("multi_equals", [H, ["select_multiple many", "m", "多选"], ["text", "x", "X", "${m} = 'a'"]],
     [('survey', 3, "relevant“${m} = 'a'”：多选题 ${m} 不能和一个值比较：请用 selected(${m}, 'a')")]),
    ("note_required", [H, Q, ["note", "n", "说明", None, None, "yes"]],
     [('survey', 3, '说明（note）没有答案，不能有 required')]),
    ("not_option", [H, Q, ["text", "x", "X", "${ok} = 'maybe'"]],
     [('survey', 3, "relevant“${ok} = 'maybe'”：“maybe”不是 ${ok} 的选项（选项有：yes, no）")]),
    ("unknown_ref", [H, Q, ["text", "x", "X", "${nope} = 'yes'"]],
     [('survey', 3, "relevant“${nope} = 'yes'”：${nope} 不是这份问卷里的题目")]),
    ("bad_expression", [H, Q, ["text", "x", "X", "${ok} = = 'yes'"]],
     [('survey', 3, "relevant“${ok} = = 'yes'”：这里不该出现“=”")]),
    ("number_vs_text", [H, ["integer", "n", "几个"], ["text", "x", "X", "${n} > 'many'"]],
     [('survey', 3, "relevant“${n} > 'many'”：${n} 的答案是数字，不能和文字“many”比较")]),
]


@pytest.mark.parametrize(("name", "survey", "expected"), CASES, ids=[c[0] for c in CASES])
def test_what_cannot_be_carried_is_named_on_its_row(name, survey, expected):
    result = read_xlsform(workbook(survey, C, S), f"{name}.xlsx")
    assert result.problems == tuple(SheetProblem(f"{name}.xlsx", sheet, row, message) for sheet, row, message in expected)
    assert result.definition is None and result.yaml_text == ""


@pytest.mark.parametrize(("choices", "expected"), [
    ([["list_name", "name", "label"], ["yn", "yes", "是"], ["yn", "yes", "是的"]],
     ("choices", 3, "选项表 yn 里的 name“yes”重复了（第 2 行已经有）")),
    ([["list_name", "name", "label"], ["yn", "yes please", "是"], ["yn", "no", "否"]],
     ("choices", 2, "选项的 name“yes please”不能用：只能用英文字母、数字和 _ . -，最多 64 个字符")),
    ([["list_name", "name", "label", "media::image"], ["yn", "yes", "是", "yes.png"], ["yn", "no", "否", None]],
     ("choices", 2, "本系统的选项只有文字，不支持图片和视频（media::image）")),
])
def test_choices_problems_are_on_the_choices_sheet(choices, expected):
    (problem,) = read_xlsform(workbook([H, Q], choices, S), "c.xlsx").problems
    assert (problem.sheet, problem.row, problem.message) == expected


def test_a_group_has_nothing_a_section_has_not():
    survey = [[*H, "hint"], Q, ["begin group", "g", "组", None, None, "yes", None, "组的提示"], ["text", "x", "X"], ["end group"]]
    problems = read_xlsform(workbook(survey, C, S), "g.xlsx").problems
    assert [(p.row, p.message) for p in problems] == [(3, "组（group）在本系统是一个部分，不能有 hint"),
                                                      (3, "组（group）在本系统是一个部分，不能有 required")]


def test_every_problem_of_a_form_in_one_pass():
    survey = [H, Q, ["begin repeat", "kids", "孩子"], ["integer", "Age", "年龄"], ["end repeat"],
              ["geopoint", "gps", "位置"], ["text", "ok", "重复"], ["date", "d", "日期", None, ". <= today()"],
              ["select_one nolist", "n", "没有选项"]]
    problems = read_xlsform(workbook(survey, C, S), "many.xlsx").problems
    assert [(p.sheet, p.row) for p in problems] == [("survey", 3), ("survey", 4), ("survey", 6), ("survey", 7), ("survey", 8),
                                                    ("survey", 9)]


def test_whole_file_problems_have_no_row():
    (problem,) = read_xlsform(b"PK\x03\x04 not really a workbook", "broken.xlsx").problems
    assert (problem.file, problem.sheet, problem.row) == ("broken.xlsx", "survey", None)
    assert problem.message.startswith("读不出这个文件")
    assert str(problem).startswith("broken.xlsx:survey: ")
    (empty,) = read_xlsform(workbook([H], C, S), "empty.xlsx").problems
    assert str(empty) == "empty.xlsx:survey: survey 表里没有一道题"


def test_a_bad_form_id_is_on_the_settings_row():
    (problem,) = read_xlsform(workbook([H, Q], C, [["form_id"], ["My Form"]]), "f.xlsx").problems
    assert str(problem) == ("f.xlsx:settings!2: form_id“My Form”不能用作问卷编号：只能用小写英文字母、数字和下划线（_），"
                            "以字母开头，最多 63 个字符")


def test_a_missing_recording_is_found_by_our_checker_and_put_back_on_its_row(tmp_path: Path):
    survey = [[*H, "media::audio"], Q, ["text", "x", "X", None, None, None, None, "x.mp3"]]
    (problem,) = read_xlsform(workbook(survey, C, S), "a.xlsx", audio_dir=tmp_path).problems
    assert (problem.sheet, problem.row) == ("survey", 3)
    assert problem.message == f"录音文件 x.mp3 不在 {tmp_path} 里：请先把它放进去，再导入"
    (tmp_path / "x.mp3").write_bytes(b"ID3")
    assert read_xlsform(workbook(survey, C, S), "a.xlsx", audio_dir=tmp_path).problems == ()


def test_a_recording_name_we_cannot_serve_is_put_back_on_its_row():
    survey = [["type", "name", "label", "media::audio"], ["text", "a", "甲", "my file.mp3"]]
    (problem,) = read_xlsform(workbook(survey, settings=[["form_id"], ["t"]]), "t.xlsx").problems
    assert str(problem) == "t.xlsx:survey!2: 录音文件名“my file.mp3”不能用：只能用英文字母、数字和 _ . - /"


def test_str_is_file_sheet_and_row():
    assert str(SheetProblem("kobo.xlsx", "survey", 7, "不行")) == "kobo.xlsx:survey!7: 不行"
    assert str(SheetProblem("kobo.xlsx", "settings", None, "不行")) == "kobo.xlsx:settings: 不行"


# Cells a person (or a slip of the hand) may type, anywhere in a real form.
ATOMS = ["${", "}", "(", ")", "'", '"', ".", "..", "=", "<", "and", "or", "not(", "selected(", "1", "-", "yes", "needs",
         "lives_alone", " ", "::", "中", "begin group", "end group", "select_one", "integer", "note", "likert", "{", "[", ":",
         "\n", "#", "TRUE", "0", "count-selected(", "today()", "if(", ",", "date('2024-01-01')", "Chinese (zh)", "-1e5", "null"]
CELL = st.lists(st.sampled_from(ATOMS), max_size=5).map(lambda parts: "".join(parts) or None)
EDITS = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 40), st.integers(0, 15), CELL), min_size=1, max_size=4)


@settings(max_examples=60, deadline=None)
@given(EDITS)
def test_any_cell_typed_gives_problems_or_a_file_that_loads_never_an_error(edits):
    sheets = [[list(r) for r in KOBO_SURVEY], [list(r) for r in KOBO_CHOICES], [list(r) for r in KOBO_SETTINGS]]
    for sheet, row, column, value in edits:
        rows = sheets[sheet]
        cells = rows[row % len(rows)]
        cells[column % len(cells)] = value
    result = read_xlsform(workbook(*sheets), "typed.xlsx")
    assert (result.definition is None) == bool(result.problems)
    if result.definition is not None:
        assert check_text(result.yaml_text, "typed.yaml").problems == []
    assert all(p.message and p.sheet for p in result.problems)
