"""SPSS (.sav) and Stata (.dta) files (issue 19): read back with pyreadstat, with their Chinese
variable and value labels; names valid and unique in each format, even for awkward ids; values
equal to the codes export's, row by row; the page, the job and the CLI.  On SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pyreadstat
import pytest
from sqlalchemy import select

from survey_app.auth.scope import Scope
from survey_app.exports import background, codebook, service, spss_stata
from survey_app.exports.columns import META_COLUMNS, PLACE_NAMES, Layout
from survey_app.exports.variables import DTA, SAV, Variable, fit, option_codes, unique_names, valid_name, variables
from survey_app.instruments import load_folder
from survey_app.models import AuditEvent, Site
from survey_app.questionnaires import build
from survey_app.questionnaires.yamlload import load_yaml
from tests.exports.helpers import satisfaction, submit
from tests.factories import add_response, county_by_code, csrf_token, logged_in, login, seed_demo

LONG = "这道题的名字和指数的列撞车。" + "很长" * 150
AWKWARD = f"""
id: awkward
title: {{zh: 难缠的问卷, en: Awkward questionnaire}}
wave: required
respondent_code: required
sections:
  - id: s1
    title: {{zh: 第一部分, en: Part one}}
    questions:
      - id: to
        type: single
        label: {{zh: 保留字题目, en: A reserved word}}
        options:
          - {{value: "1", label: {{zh: 一, en: One}}}}
          - {{value: "2", label: {{zh: 二, en: Two}}}}
          - {{value: "99", label: {{zh: 不知道, en: "Don't know"}}}}
      - id: if
        type: single
        label: {{zh: 前面带零的代码, en: Codes with a leading zero}}
        options:
          - {{value: "01", label: {{zh: 甲, en: A}}}}
          - {{value: "02", label: {{zh: 乙, en: B}}}}
      - id: str5
        type: multi
        short: {{zh: 选项, en: Options}}
        label: {{zh: 选项的值会撞车, en: Option values that collide}}
        options:
          - {{value: "a.b", label: {{zh: 点, en: Dot}}}}
          - {{value: "a-b", label: {{zh: 横, en: Dash}}}}
          - {{value: "A_B", label: {{zh: 大写, en: Upper}}}}
      - id: wave
        type: text
        label: {{zh: 和字段同名的题, en: Named like a field}}
      - id: {"a" * 62}1
        type: number
        integer: true
        label: {{zh: 很长的题号一, en: Long id one}}
      - id: {"a" * 62}2
        type: number
        label: {{zh: 很长的题号二, en: Long id two}}
      - id: index_awkward
        type: likert
        label: {{zh: {LONG}, en: A very long label}}
        scale:
          min: 1
          max: 5
          labels:
            - {{zh: {"很不同意这种说法" * 6}, en: Strongly disagree}}
            - {{zh: 很同意, en: Strongly agree}}
      - id: day
        type: date
        label: {{zh: 哪一天, en: Which day}}
      - id: comment
        type: text
        max_length: 5000
        label: {{zh: 长文字, en: Long text}}
indices:
  - id: awkward
    label: {{zh: 难缠指数, en: Awkward index}}
    items: [index_awkward]
"""
FULL = {"to": "99", "if": "02", "str5": ["a-b", "A_B"], "wave": "=1+1 不是公式", "a" * 62 + "1": 12,
        "a" * 62 + "2": 0.1 + 0.2, "index_awkward": 4, "day": "2026-05-02", "comment": "长" * 3000}
NAME = {"sav": re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$"), "dta": re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")}
READ = {"sav": pyreadstat.read_sav, "dta": pyreadstat.read_dta}
OFFICE = Scope.office()


def awkward_definition():
    return build(load_yaml(AWKWARD))


@pytest.fixture
def awkward(db, programme, tmp_path):
    """The awkward questionnaire loaded, and three responses: every question answered, one
    excluded follow-up with a choice of nothing, one with no answer at all."""
    folder = tmp_path / "awkward"
    folder.mkdir()
    (folder / "awkward.yaml").write_text(AWKWARD, encoding="utf-8")
    report = load_folder(db.session, folder)
    assert not report.problems, report.problems
    county = county_by_code(db, "430626")
    site = db.session.scalar(select(Site).where(Site.county_id == county.id).order_by(Site.code))
    add_response(db, "awkward", team=county.teams[0], site=site, wave="pre", code="PJ-1", answers=FULL, minutes=12)
    add_response(db, "awkward", county, wave="post", code="PJ-1", answers={"to": "1", "str5": []}, excluded=True)
    add_response(db, "awkward", county, wave="pre", code="PJ-2", answers={})
    db.session.commit()
    return db


def export(app, tmp_path: Path, questionnaire: str, fmt: str, *options: str) -> Path:
    out = tmp_path / f"{questionnaire}.{fmt}"
    result = app.test_cli_runner().invoke(args=["export", "--questionnaire", questionnaire, "--format", fmt,
                                                "--out", str(out), *options])
    assert result.exit_code == 0, result.output
    return out


# --- names and labels, without a database -----------------------------------------------------


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_names_are_valid_and_unique_even_for_awkward_ids(fmt):
    layout = Layout.of([awkward_definition()], "zh")
    names = [v.name for v in variables(layout, "zh", fmt)]
    assert all(NAME[fmt].match(n) for n in names), names
    assert len({n.lower() for n in names}) == len(names)
    by_column = {v.column: v.name for v in variables(layout, "zh", fmt)}
    assert by_column["str5/a.b"] == "str5_a_b" and by_column["str5/a-b"] == "str5_a_b_2" and by_column["str5/A_B"] == "str5_A_B_3"
    assert "str5" not in by_column  # a multiple-choice question is its options' variables
    assert "wave_2" in names  # the question named like the field, after the field
    assert by_column["index_awkward"] == "index_awkward" and by_column["index/awkward"] == "index_awkward_2"
    if fmt == "sav":
        assert by_column["to"] == "v_to" and by_column["if"] == "if"
        assert by_column["a" * 62 + "1"] == "a" * 62 + "1"
    else:
        assert by_column["if"] == "v_if" and by_column["to"] == "to"
        assert by_column["a" * 62 + "1"] == "a" * 32 and by_column["a" * 62 + "2"] == "a" * 30 + "_2"


def test_name_rules():
    assert valid_name("household/lives_alone", SAV) == "household_lives_alone"
    assert valid_name("1st", DTA) == "v1st" and valid_name("_x", SAV) == "v_x"
    assert valid_name("AND", SAV) == "v_AND" and valid_name("str244", DTA) == "v_str244" and valid_name("strl", DTA) == "v_strl"
    assert unique_names(["Ab", "aB", "ab"], SAV) == ["Ab", "aB_2", "ab_3"]  # SPSS ignores case
    assert unique_names(["x" * 40, "x" * 41], DTA) == ["x" * 32, "x" * 30 + "_2"]


def test_labels_are_cut_on_a_character_boundary():
    assert fit("满意", 255) == ("满意", False)
    text, cut = fit("a" + "中" * 100, 255)  # 301 bytes: the cut would fall inside a character
    assert cut and text.endswith("…") and len(text.encode()) <= 255 and text == "a" + "中" * 83 + "…"
    text, cut = fit("中" * 81, 80, "characters")
    assert cut and text == "中" * 79 + "…"


def test_whole_number_options_keep_their_values_others_are_numbered():
    qn = awkward_definition()
    assert option_codes(qn.questions["to"]) == ({"1": 1, "2": 2, "99": 99}, True)
    assert option_codes(qn.questions["if"]) == ({"01": 1, "02": 2}, False)


def test_the_codebook_gives_names_numbers_and_what_was_cut():
    book = [dict(zip(codebook.HEADER, row, strict=True)) for row in codebook.rows(Layout.of([awkward_definition()], "zh"))]
    own = next(r for r in book if r["column"] == "if" and r["value"] == "")
    assert (own["sav_name"], own["dta_name"]) == ("if", "v_if") and "1..n" in own["details"]
    assert [(r["value"], r["sav_dta_value"]) for r in book if r["column"] == "if" and r["value"] != ""] == [("01", 1), ("02", 2)]
    assert [r["sav_dta_value"] for r in book if r["column"] == "to" and r["value"] != ""] == [1, 2, 99]
    long = next(r for r in book if r["column"] == "index_awkward" and r["value"] == "")
    assert "SPSS 变量标签截短为 255 字节" in long["details"] and "Stata 变量标签截短为 80 字" in long["details"]
    assert "值标签截短为 120 字节" in long["details"]
    county = next(r for r in book if r["column"] == "county_name")
    assert (county["header_zh"], county["sav_name"], county["dta_name"]) == ("县", "county_name", "county_name")


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_odd_stored_values_are_kept_not_dropped(tmp_path, fmt):
    """A value no option lists gets the next number, labelled with itself; text in a number
    column (an older version asked the question as text) turns the variable into text."""
    plan = [Variable("q", "q", "单选", "coded", codes={"a": 1, "b": 2}, value_labels={1: "甲", 2: "乙"}, position=0),
            Variable("n", "n", "数字", "number", decimals=0, measure="scale", position=1)]
    path = tmp_path / f"odd.{fmt}"
    assert spss_stata.write(path, fmt, plan, [["a", 1], ["zz", 2.5], [None, None], ["b", "很好"]], "odd") == 4
    frame, meta = READ[fmt](str(path))
    assert list(frame["q"].fillna(-1)) == [1, 3, -1, 2]
    assert meta.variable_value_labels["q"] == {1: "甲", 2: "乙", 3: "zz"}
    assert list(frame["n"]) == ["1", "2.5", "", "很好"] and "n" not in meta.variable_value_labels


# --- the files, read back -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_read_back_with_chinese_labels(app, awkward, tmp_path, fmt):
    frame, meta = READ[fmt](str(export(app, tmp_path, "awkward", fmt)))
    assert len(frame) == 3 and meta.file_label == "难缠的问卷"
    labels = meta.column_names_to_labels
    assert labels["county_name"] == "县" and labels["wave"] == "测次"
    by_label = {v: k for k, v in labels.items()}
    str5 = [by_label[f"选项：{word}"] for word in ("点", "横", "大写")]
    to = by_label["保留字题目"]
    assert to == ("v_to" if fmt == "sav" else "to")
    values = meta.variable_value_labels
    assert values[by_label["保留字题目"]] == {1: "一", 2: "二", 99: "不知道"}
    assert values[by_label["前面带零的代码"]] == {1: "甲", 2: "乙"}
    assert values["wave"] == {1: "前测", 2: "后测"} and values["excluded"] == {0: "否", 1: "是"}
    assert all(values[name] == {0: "未选", 1: "选中"} for name in str5)
    # labels cut where the format ends them: SPSS 255 bytes (value labels 120), Stata 80 characters
    long = labels["index_awkward"]
    assert long.startswith("这道题的名字") and long.endswith("…")
    assert (len(long.encode()) <= 255 and len(long.encode()) > 250) if fmt == "sav" else len(long) == 80
    strongly = values["index_awkward"][1]
    assert strongly.startswith("很不同意") and (len(strongly.encode()) <= 120 if fmt == "sav" else strongly == "很不同意这种说法" * 6)
    first, excluded, empty = (frame.iloc[n] for n in range(3))
    assert (first["county_name"], first["wave"], first["excluded"], excluded["excluded"]) == ("平江县", 1, 0, 1)
    assert first["site_name"] == awkward.session.scalar(select(Site.label).where(Site.code == first["site"]))
    assert first["day"] == dt.date(2026, 5, 2) and first["comment"] == "长" * 3000
    assert first["wave_2"] == "=1+1 不是公式"  # text as typed: neither format runs formulas
    assert [first[n] for n in str5] == [0, 1, 1] and [excluded[n] for n in str5] == [0, 0, 0]
    assert all(math.isnan(empty[n]) for n in str5) and math.isnan(empty[to]) and empty["comment"] == ""
    assert pd.isna(empty["day"]) and first["completed_at"] == pd.Timestamp(dt.datetime(2026, 4, 1, 10, 0))


def test_english_labels_and_a_format_stata_14_reads(app, awkward, tmp_path):
    path = export(app, tmp_path, "awkward", "dta", "--lang", "en")
    assert path.read_bytes().startswith(b"<stata_dta><header><release>118</release>")  # 119 needs Stata 15
    _frame, meta = pyreadstat.read_dta(str(path))
    assert meta.column_names_to_labels["wave"] == "Wave" and meta.variable_value_labels["wave"] == {1: "Baseline", 2: "Follow-up"}
    assert "Options: Dot" in meta.column_names_to_labels.values()
    assert meta.variable_value_labels["v_if"] == {1: "A", 2: "B"}


def same(value: Any, code: Any, labels: dict[Any, str] | None, words: dict[Any, str] | None) -> bool:
    """Whether a file's value is the codes export's ``code``: a number for a number, a value
    label for a coded answer (read through the file's own labels and the questionnaire's words,
    not through the code that wrote them), a date for a date, an empty cell for nothing."""
    if code is None:
        return value is None or value == "" or pd.isna(value)
    if isinstance(code, dt.datetime):
        return abs(pd.Timestamp(value).to_pydatetime() - code.astimezone(service.CST).replace(tzinfo=None)) < dt.timedelta(milliseconds=1)
    if words is not None:  # single choice, or the wave: the label of the file's number is the code's word
        return labels is not None and labels.get(value) == words[code]
    if isinstance(code, bool | int | float):
        return float(value) == float(code)
    return value == code


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_values_equal_the_codes_export_row_by_row(app, awkward, tmp_path, fmt):
    seed_demo(awkward, 80, seed=5)
    for qid in ("awkward", "awareness", "satisfaction"):
        frame, meta = READ[fmt](str(export(app, tmp_path, qid, fmt)))
        found = service.prepare(awkward.session, OFFICE, qid)
        awkward.session.commit()
        codes = list(service.data_rows(awkward.engine, found))
        assert len(frame) == len(codes) == found.rows > 0
        # the file's variables are the codes export's columns in order, each place's name after its code
        names = [n for n in frame.columns if n not in {name for name, _zh, _en in PLACE_NAMES}]
        assert len(names) == len(found.layout.header)
        words = {q.id: {o.value: o.label.zh for o in q.options} for q in found.layout.questions if q.type == "single"}
        for position, (column, name) in enumerate(zip(found.layout.header, names, strict=True)):
            if position < len(META_COLUMNS):  # a field (awkward also has a question called wave, a text)
                coded = {"pre": "前测", "post": "后测"} if column == "wave" else None
            else:
                coded = words.get(column)
            labels = meta.variable_value_labels.get(name)
            for row, cells in zip(frame[name], codes, strict=True):
                assert same(row, cells[position], labels, coded), (qid, column, row, cells[position])


# --- the page and the job -----------------------------------------------------------------------


@pytest.fixture
def stored(client, programme, token_for):
    token = token_for("admin")
    submit(client, token, satisfaction("PJ01", comments="很好"))
    submit(client, token, satisfaction("PJ01", recommend="unsure"))
    submit(client, token, satisfaction("FH01"))


def post(client, **fields):
    data = {"questionnaire": "satisfaction", "format": "sav", "county": "", "team": "",
            "csrf_token": csrf_token(client, "/exports/"), **fields}
    return client.post("/exports/", data=data)


def test_page_offers_the_formats_and_the_clerk_gets_labels_by_default(app, client, stored):
    login(client, "county-pj")
    page = client.get("/exports/").get_data(as_text=True)
    for fmt in ("xlsx", "csv", "sav", "dta"):
        assert f'value="{fmt}"' in page
    assert re.search(r'<input[^>]*checked[^>]*value="zh"|<input[^>]*value="zh"[^>]*checked', page)
    assert "供 SPSS 分析" in page and "供 Stata 14 及以上版本分析" in page
    page = logged_in(app.test_client(), "admin").get("/exports/").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*value="codes"|<input[^>]*value="codes"[^>]*checked', page)  # the office: as before


def job_file(app, client, reply, tmp_path, fmt: str) -> tuple[Path, Any]:
    """The job a page's reply started, built by the worker's code; its file as downloaded, and
    the download's reply."""
    assert reply.status_code == 303, reply.get_data(as_text=True)[:300]
    key = reply.headers["Location"].rsplit("/", 1)[1]
    assert background.build(app, key) == "done"
    download = client.get(f"/exports/jobs/{key}/file")
    assert download.status_code == 200
    path = tmp_path / f"{key}.{fmt}"
    path.write_bytes(download.get_data())
    return path, download


@pytest.mark.parametrize(("fmt", "mimetype", "read"), [("sav", "application/x-spss-sav", pyreadstat.read_sav),
                                                        ("dta", "application/x-stata-dta", pyreadstat.read_dta)])
def test_always_a_job_with_its_type_name_content_and_audit(app, client, stored, db, tmp_path, fmt, mimetype, read):
    login(client, "county-pj")
    # two rows, far under EXPORT_BACKGROUND_ROWS: still the worker's (pandas stays out of the web
    # processes); "codes" for a sav/dta is codes with Chinese labels
    path, download = job_file(app, client, post(client, format=fmt, values="codes"), tmp_path, fmt)
    assert download.mimetype == mimetype
    disposition = download.headers["Content-Disposition"]
    stamp = dt.datetime.now(service.CST).strftime("%Y%m%d")
    assert f'filename="satisfaction-county-430626-{stamp}.{fmt}"' in disposition and "filename*=UTF-8''" in disposition
    frame, meta = read(str(path))
    assert list(frame["county"]) == ["430626", "430626"] and meta.column_names_to_labels["sat1"] == "态度：社工对您的态度，您满意吗？"
    db.session.rollback()
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.data"))
    assert {k: event.detail[k] for k in ("format", "scope", "values", "rows")} == {
        "format": fmt, "scope": "county:430626", "values": "zh", "rows": 2}
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.download")).one().detail["format"] == fmt
    assert post(client, format=fmt, county="433123").status_code == 403  # the place check, as for every format


def test_the_workers_file_equals_the_command_lines(app, client, stored, tmp_path):
    login(client, "admin")
    path, _download = job_file(app, client, post(client, format="dta", values="en"), tmp_path, "dta")
    job, job_meta = pyreadstat.read_dta(str(path))
    direct, direct_meta = pyreadstat.read_dta(str(export(app, tmp_path, "satisfaction", "dta", "--lang", "en")))
    pd.testing.assert_frame_equal(job, direct)
    assert job_meta.variable_value_labels == direct_meta.variable_value_labels
    assert len(job) == 3 and job_meta.variable_value_labels["recommend"][1] == "Yes"
