"""The labelled export (issue 19), without a database: headers a county clerk reads (short
labels, Chinese or English, unique, safe from formula injection), answers as labels, places by
name, 前测/后测, 是/否, China time, indices to one decimal."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from survey_app.exports import rows
from survey_app.exports.cells import FORMULA_STARTS
from survey_app.exports.columns import META_COLUMNS, PLACE_NAMES, Layout
from survey_app.exports.headers import META_HEADERS, Heading, unique
from survey_app.exports.labelled import BACK, FRONT, LabelledSheet
from survey_app.questionnaires import build, check_file
from survey_app.questionnaires.model import Option, Question, Scale, Text
from tests.exports.helpers import RECORD_FIELDS, record

ROOT = Path(__file__).resolve().parents[2]


def parsed(qid: str):
    return build(check_file(ROOT / "questionnaires" / f"{qid}.yaml").definition)


def with_questions(qn, *questions: Question):
    """``qn`` with ``questions`` added to its last section."""
    last = qn.sections[-1]
    sections = (*qn.sections[:-1], replace(last, questions=last.questions + questions))
    found = replace(qn, sections=sections, questions={**qn.questions, **{q.id: q for q in questions}})
    found.relevance_rules.update({q.id: () for q in questions})
    return found


def cells_by_header(sheet: LabelledSheet, row) -> dict[str, object]:
    return dict(zip(sheet.header, sheet.cells(row), strict=True))


def test_every_field_has_a_header_in_both_languages_and_each_is_in_the_sheet_once():
    fields = {*META_COLUMNS, *(name for name, _zh, _en in PLACE_NAMES)}
    assert set(META_HEADERS) == fields
    assert sorted((*FRONT, *BACK)) == sorted(fields)
    for lang in ("zh", "en"):
        words = [META_HEADERS[name].get(lang) for name in fields]
        assert len(set(words)) == len(words), lang


def test_the_row_fields_are_those_the_page_statement_reads():
    layout = Layout.of([parsed("satisfaction")])
    statement = rows._page_statement(layout, rows.Selection("satisfaction", None, None, 10), 100)
    assert [c.name for c in statement.selected_columns] == [*RECORD_FIELDS, "score_0"]


def test_headers_are_short_labels_in_chinese_and_english():
    layout = Layout.of([parsed("awareness")], "zh")
    zh = LabelledSheet(layout, "zh").header
    assert zh[:9] == ["县", "村（社区）", "工作队", "测次", "年度", "受访者编码", "完成时间", "已排除", "排除原因"]
    assert zh[-9:] == ["开始时间", "收到时间", "提交账号", "来源", "问卷版本", "问卷编号", "县代码", "村（社区）代码", "工作队代码"]
    assert {"年龄段", "家庭情况", "家庭情况：我一个人住", "社会工作认知指数", "知道社工做什么"} <= set(zh)
    assert not any(h.isascii() for h in zh)  # no code left as a header
    en = LabelledSheet(layout, "en").header
    assert en[:4] == ["County", "Village", "Team", "Wave"]
    assert {"Age band", "Household", "Social-work awareness index"} <= set(en)
    household = next(h for h in en if h.startswith("Household: "))
    assert household == "Household: " + layout.current.questions["household"].options[0].label.en


def test_a_question_without_a_short_label_is_headed_by_its_text():
    staff = Layout.of([parsed("staff")], "zh")
    question = next(q for q in staff.questions if q.short is None and q.type != "multi")
    assert " ".join(question.label.zh.split()) in LabelledSheet(staff, "zh").header


def test_answers_places_wave_times_and_indices_in_words():
    layout = Layout.of([parsed("satisfaction")], "zh")
    sheet = LabelledSheet(layout, "zh")
    answers = {"domains": ["rural", "elderly", "gone"], "sat1": 5, "sat2": 3, "recommend": "unsure", "comments": "=1+1"}
    cells = cells_by_header(sheet, record(scores=(22.916666666666668,), wave="post", excluded=True,
                                          excluded_reason="重复", source="import", answers_json=answers))
    assert (cells["县"], cells["村（社区）"], cells["工作队"]) == ("平江县", "三市镇 · 石坪村", "平江县三区社工服务队")
    assert (cells["县代码"], cells["村（社区）代码"], cells["工作队代码"]) == ("430626", "430626-01", "PJ01")
    assert (cells["测次"], cells["已排除"], cells["排除原因"], cells["来源"]) == ("后测", "是", "重复", "文件导入")
    assert cells["完成时间"] == dt.datetime(2026, 5, 1, 9, 12)  # China time, no zone: Excel has none
    assert (cells["态度"], cells["及时"], cells["会推荐"]) == ("很满意", "一般", "说不准")
    # the choices in words (an unknown value kept, never dropped), then 1/0 per option
    assert cells["帮过的事"] == "家庭和生计（比如留守孩子、找活干、种养）、老人的事（比如照顾、看病、陪伴）、gone"
    assert [cells[h] for h in sheet.header if h.startswith("帮过的事：")] == [0, 0, 1, 1, 0, 0]
    assert cells["服务满意度指数"] == 22.9
    assert cells["意见建议"] == "=1+1"  # neutralised by the writers, as every cell
    assert cells["解决问题"] is None
    en = cells_by_header(LabelledSheet(layout, "en"), record(scores=(None,), answers_json={"recommend": "yes"}))
    assert (en["Wave"], en["Excluded"], en["Would recommend"], en["Service satisfaction index"]) == ("Baseline", "No", "Yes", None)
    assert en["Help received"] is None and en["Help received: A disaster (for example after a flood or landslide)"] is None


def test_an_empty_choice_and_a_missing_wave_stay_apart_from_not_answered():
    layout = Layout.of([parsed("satisfaction")], "zh")
    cells = cells_by_header(LabelledSheet(layout, "zh"), record(scores=(None,), wave=None, answers_json={"domains": []}))
    assert cells["测次"] is None and cells["帮过的事"] == ""
    assert {cells[h] for h in cells if h.startswith("帮过的事：")} == {0}


def test_an_unnamed_likert_point_stays_a_number_and_dates_are_dates():
    ends = Scale(1, 5, (Text("很少", "Rarely"), Text("很多", "Often")))
    often = Question("often", "likert", Text("多常来？"), "s", short=Text("来的次数"), scale=ends)
    day = Question("day", "date", Text("哪天？"), "s")
    layout = Layout.of([with_questions(parsed("satisfaction"), often, day)], "zh")
    sheet = LabelledSheet(layout, "zh")
    cells = cells_by_header(sheet, record(scores=(None,), answers_json={"often": 3, "day": "2026-05-02"}))
    assert (cells["来的次数"], cells["哪天？"]) == (3, dt.date(2026, 5, 2))
    assert cells_by_header(sheet, record(scores=(None,), answers_json={"often": 5}))["来的次数"] == "很多"


def test_a_note_has_no_column():
    note = Question("intro", "note", Text("下面问几个问题。"), "s")
    layout = Layout.of([with_questions(parsed("satisfaction"), note)], "zh")
    assert "intro" not in layout.header and "下面问几个问题。" not in LabelledSheet(layout, "zh").header


def test_shared_headers_get_their_code_and_fields_keep_theirs():
    shared = [Question(f"q{n}", "single", Text("满意吗？"), "s", short=Text("满意度", "Satisfaction"),
                      options=(Option("y", Text("是")),)) for n in (1, 2)]
    county = Question("where", "text", Text("县"), "s")  # meets the field 县
    upper = Question("upper", "text", Text("x", "SATISFACTION"), "s")  # meets 'Satisfaction' but for case
    layout = Layout.of([with_questions(parsed("satisfaction"), *shared, county, upper)], "zh")
    zh = LabelledSheet(layout, "zh").header
    assert {"满意度（q1）", "满意度（q2）", "县（where）"} <= set(zh) and zh[0] == "县"
    en = LabelledSheet(layout, "en").header
    assert {"Satisfaction (q1)", "Satisfaction (q2)", "SATISFACTION (upper)"} <= set(en)
    for header in (zh, en):
        assert len({h.casefold() for h in header}) == len(header)


def test_headers_are_safe_from_formula_injection():
    evil = Question("evil", "text", Text("=HYPERLINK(\"http://x\")"), "s")
    twin = Question("twin", "text", Text("'=HYPERLINK(\"http://x\")"), "s")  # what the first becomes
    minus = Question("minus", "number", Text("x"), "s", short=Text("-5分以下"))
    header = LabelledSheet(Layout.of([with_questions(parsed("satisfaction"), evil, twin, minus)], "zh"), "zh").header
    assert "'-5分以下" in header
    assert {"'=HYPERLINK(\"http://x\")（evil）", "'=HYPERLINK(\"http://x\")（twin）"} <= set(header)
    assert not any(h.startswith(FORMULA_STARTS) for h in header)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["满意度", "=1", "'=1", "+x", "a", "A", "县", "", " 满意度 "]),
                          st.booleans()), min_size=1, max_size=12))
def test_unique_whatever_the_labels(entries):
    fixed = {"县", "问卷编号"}
    headings = [Heading("县", "county_name", fixed=True), Heading("问卷编号", "uuid", fixed=True)]
    headings += [Heading(" ".join(text.split()), f"q{n}") for n, (text, _flag) in enumerate(entries)]
    out = unique(headings, "zh")
    assert out[:2] == ["县", "问卷编号"]  # fields never give way
    assert len({h.casefold() for h in out}) == len(out)
    assert not any(h.startswith(FORMULA_STARTS) for h in out)
    assert all(out) and not fixed & set(out[2:])
