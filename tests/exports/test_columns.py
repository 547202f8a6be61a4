"""The columns and the codebook of a questionnaire, from the shipped files (no database)."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from survey_app.exports import codebook
from survey_app.exports.columns import META_COLUMNS, PLACE_NAMES, Layout
from survey_app.exports.labelled import LabelledSheet
from survey_app.questionnaires import build, check_file
from survey_app.questionnaires.model import Option, Text
from tests.exports.helpers import record

ROOT = Path(__file__).resolve().parents[2]


def parsed(qid: str):
    return build(check_file(ROOT / "questionnaires" / f"{qid}.yaml").definition)


def test_header_meta_then_questions_then_indices():
    header = Layout.of([parsed("satisfaction")]).header
    assert tuple(header[: len(META_COLUMNS)]) == META_COLUMNS
    assert header[len(META_COLUMNS):len(META_COLUMNS) + 6] == [f"domains/{d}" for d in
                                                               ("disaster", "community", "rural", "elderly", "veterans", "outreach")]
    assert header[-1] == "index/satisfaction" and "comments" in header


def test_codes():
    answers = {"domains": ["elderly"], "sat1": 4, "recommend": "unsure", "comments": "好"}
    qn = parsed("satisfaction")
    codes = dict(zip(Layout.of([qn]).header[len(META_COLUMNS):], Layout.of([qn]).answer_cells(answers), strict=False))
    assert (codes["recommend"], codes["sat1"], codes["domains/elderly"], codes["domains/rural"]) == ("unsure", 4, 1, 0)
    assert codes["comments"] == "好"
    assert codes["sat2"] is None


def test_multi_blank_when_not_answered_zero_when_not_chosen():
    layout = Layout.of([parsed("awareness")])
    cells = dict(zip(layout.header[len(META_COLUMNS):], layout.answer_cells({"household": ["none"]}), strict=False))
    assert (cells["household/none"], cells["household/lives_alone"]) == (1, 0)
    assert cells["contact_domains/elderly"] is None  # not asked (skip logic): blank, not 0


def test_dates_are_dates():
    layout = Layout.of([parsed("activity")])
    date_q = next(q for q in layout.questions if q.type == "date")
    cells = dict(zip(layout.header[len(META_COLUMNS):], layout.answer_cells({date_q.id: "2026-05-01"}), strict=False))
    assert cells[date_q.id] == dt.date(2026, 5, 1)


def test_unknown_values_mode_is_refused():
    with pytest.raises(ValueError, match="values"):
        Layout.of([parsed("awareness")], "fr")


def test_older_versions_keep_their_questions_and_options():
    new = parsed("satisfaction")
    recommend = new.questions["recommend"]
    old_recommend = replace(recommend, options=(*recommend.options, Option("maybe", Text("也许", "Maybe"))))
    gone = replace(recommend, id="old_only", label=Text("旧题"), short=None)
    old = replace(new, questions={**new.questions, "recommend": old_recommend, "old_only": gone})
    layout = Layout.of([new, old])
    assert [o.value for o in next(q for q in layout.questions if q.id == "recommend").options] == ["yes", "no", "unsure", "maybe"]
    assert layout.header[-2:] == ["old_only", "index/satisfaction"]
    sheet = LabelledSheet(Layout.of([new, old], "zh"), "zh")
    cells = dict(zip(sheet.header, sheet.cells(record(scores=(None,), answers_json={"recommend": "maybe"})), strict=True))
    assert cells["会推荐"] == "也许"


@pytest.mark.parametrize("qid", ["awareness", "satisfaction", "staff", "activity"])
def test_codebook_has_every_column_question_and_option(qid):
    qn = parsed(qid)
    layout = Layout.of([qn])
    book = [dict(zip(codebook.HEADER, row, strict=True)) for row in codebook.rows(layout)]
    assert {r["column"] for r in book} - {""} == set(layout.header) | {name for name, _zh, _en in PLACE_NAMES}
    assert {r["question"] for r in book if r["type"] not in ("meta", "index", "")} == set(qn.questions)
    for question in qn.questions.values():
        values = [r["value"] for r in book if r["question"] == question.id and r["value"] != ""]
        if question.options:
            assert values == list(question.option_values)
        elif question.scale:
            assert values == list(question.scale.points)
    for index in qn.indices:
        row = next(r for r in book if r["type"] == "index" and r["question"] == index.id)
        assert f"items: {' '.join(index.items)}" in row["details"] and "max + min" in row["details"]
        if index.reverse:
            assert "reverse: " in row["details"]


def test_codebook_rows_carry_labels_and_rules():
    book = [dict(zip(codebook.HEADER, row, strict=True)) for row in codebook.rows(Layout.of([parsed("awareness")]))]
    age = next(r for r in book if r["question"] == "age_band" and r["value"] == "")
    assert (age["type"], age["label_zh"], age["required"]) == ("single", "您今年多大年纪？", 1)
    assert next(r for r in book if r["column"] == "household/none")["value_label_zh"] == "都没有"
    assert any(r["relevant"].startswith("{") for r in book if r["question"].startswith("contact_domains"))
    aw1 = [r for r in book if r["question"] == "aw1" and r["value"] != ""]
    assert (aw1[0]["value"], aw1[0]["value_label_zh"]) == (1, "很不同意")
