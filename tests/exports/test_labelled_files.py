"""Labelled CSV and XLSX files (issue 19), from the page and the CLI: Chinese (or English) headers,
unique and safe from formula injection in the file itself; names of places, 前测/后测, times and
dates as Excel reads them, indices to one decimal; the codes export beside it unchanged.  On
SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest
from openpyxl.utils.escape import unescape

from survey_app.instruments import load_folder
from tests.exports.helpers import BOM, read_csv, read_xlsx, satisfaction, sheet_dicts, submit
from tests.factories import add_response, county_by_code, csrf_token, login

CLASHING = """
id: clashing
title: {zh: 表头撞车的问卷, en: Clashing headers}
wave: required
respondent_code: required
sections:
  - id: s1
    title: {zh: 第一部分, en: Part one}
    questions:
      - id: q1
        type: likert
        short: {zh: 满意度, en: Satisfaction}
        label: {zh: 您对服务满意吗？, en: "Are you satisfied with the service?"}
        scale: {min: 1, max: 3, labels: [{zh: 不满意, en: No}, {zh: 一般, en: So so}, {zh: 满意, en: Yes}]}
      - id: q2
        type: likert
        short: {zh: 满意度, en: satisfaction}
        label: {zh: 您对社工满意吗？, en: "Are you satisfied with the social workers?"}
        scale: {min: 1, max: 3, labels: [{zh: 不满意, en: No}, {zh: 一般, en: So so}, {zh: 满意, en: Yes}]}
      - id: evil
        type: number
        short: {zh: "=SUM(A1:A9)", en: "-1 or less"}
        label: {zh: 危险的表头, en: A dangerous header}
      - id: county_q
        type: text
        short: {zh: 县, en: County}
        label: {zh: 和字段同名, en: Named like a field}
indices:
  - id: clash
    label: {zh: 满意指数, en: Satisfaction index}
    items: [q1, q2]
"""


@pytest.fixture
def clashing(db, programme, tmp_path):
    folder = tmp_path / "clashing"
    folder.mkdir()
    (folder / "clashing.yaml").write_text(CLASHING, encoding="utf-8")
    assert not load_folder(db.session, folder).problems
    county = county_by_code(db, "430626")
    # the index: (100 + 0) / 2, (50 + 0) / 2, (0 + 50) / 2
    add_response(db, "clashing", team=county.teams[0], wave="pre", code="PJ-1", answers={"q1": 3, "q2": 1, "evil": -2,
                                                                                     "county_q": "@me"})
    add_response(db, "clashing", county, wave="post", code="PJ-1", answers={"q1": 2, "q2": 1})
    add_response(db, "clashing", county, wave="post", code="PJ-2", answers={"q1": 1, "q2": 2}, excluded=True)
    db.session.commit()
    return db


def cli(app, tmp_path, fmt, *options):
    out = tmp_path / f"clashing.{fmt}"
    result = app.test_cli_runner().invoke(args=["export", "--questionnaire", "clashing", "--format", fmt, "--out", str(out),
                                                *options])
    assert result.exit_code == 0, result.output
    return out


def test_labelled_csv_headers_are_unique_and_safe(app, clashing, tmp_path):
    data = cli(app, tmp_path, "csv", "--labels").read_bytes()
    header = data[len(BOM):].decode("utf-8").splitlines()[0].split(",")
    assert header[:4] == ["县", "村（社区）", "工作队", "测次"]
    assert header[9:14] == ["满意度（q1）", "满意度（q2）", "'=SUM(A1:A9)", "县（county_q）", "满意指数"]
    rows = read_csv(data)
    assert [r["测次"] for r in rows] == ["前测", "后测", "后测"] and [r["已排除"] for r in rows] == ["否", "否", "是"]
    assert [r["满意指数"] for r in rows] == ["50.0", "25.0", "25.0"]
    assert (rows[0]["满意度（q1）"], rows[0]["满意度（q2）"], rows[0]["'=SUM(A1:A9)"], rows[0]["县（county_q）"]) == ("满意", "不满意", "-2", "'@me")
    assert rows[0]["完成时间"] == "2026-04-01 10:00:00"  # China time, as Excel reads a time
    assert rows[0]["县"] == "平江县" and rows[0]["县代码"] == "430626"
    en = read_csv(cli(app, tmp_path, "csv", "--labels", "--lang", "en").read_bytes())
    assert {"Satisfaction (q1)", "satisfaction (q2)", "'-1 or less", "County (county_q)", "Satisfaction index"} <= set(en[0])
    assert en[0]["Wave"] == "Baseline" and en[2]["Excluded"] == "Yes"


def test_labelled_xlsx_sheets_types_and_rounding(app, clashing, tmp_path):
    book = read_xlsx(cli(app, tmp_path, "xlsx", "--labels"))
    assert book.sheetnames == ["数据", "编码表", "说明"]
    header = [c.value for c in next(book["数据"].iter_rows(max_row=1))]
    assert "'=SUM(A1:A9)" in header and header.count("县") == 1  # a string, never a formula
    first, *_ = sheet_dicts(book, "数据")
    assert (first["'=SUM(A1:A9)"].data_type, first["'=SUM(A1:A9)"].value) == ("n", -2)  # a number stays a number
    assert (first["满意指数"].data_type, first["满意指数"].value) == ("n", 50)
    assert first["完成时间"].is_date and first["完成时间"].value == dt.datetime(2026, 4, 1, 10, 0)
    assert (first["测次"].value, first["工作队代码"].value) == ("前测", "PJ01")
    codebook = {r["column"].value: r for r in sheet_dicts(book, "编码表") if r["value"].value in ("", None)}
    assert (codebook["q1"]["header_zh"].value, codebook["q1"]["header_en"].value) == ("满意度（q1）", "Satisfaction (q1)")
    assert unescape(codebook["evil"]["header_zh"].value) == "'=SUM(A1:A9)"
    about = {r[0].value: r[1].value for r in book["说明"].iter_rows(min_row=2)}
    assert about["取值 Values"] == "中文标签 Chinese labels" and "代码在最后几列" in about["地点 Places"]


def test_indices_are_rounded_in_labels_only(client, programme, token_for):
    token = token_for("admin")
    submit(client, token, satisfaction("PJ01", sat1=5, sat2=3))  # (100 + 50 + 7 × 75) / 9 = 75.0; sat1 alone moves it
    submit(client, token, satisfaction("PJ01", sat1=5))  # (100 + 8 × 75) / 9 = 77.777…
    login(client, "county-pj")

    def download(values):
        return client.post("/exports/", data={"questionnaire": "satisfaction", "format": "csv", "values": values, "county": "",
                                              "team": "", "csrf_token": csrf_token(client, "/exports/")})

    labelled, codes = read_csv(download("zh").get_data()), read_csv(download("codes").get_data())
    assert [r["服务满意度指数"] for r in labelled] == ["75.0", "77.8"]
    assert codes[0]["index/satisfaction"] == "75.0" and codes[1]["index/satisfaction"].startswith("77.77777777")
    assert list(codes[0])[:3] == ["uuid", "version", "county"]  # codes mode: the codes as headers, as before
