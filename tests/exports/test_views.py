"""The export page: scope in the query, codes or labels, neutralised cells, audit, collectors
refused.  On SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.models import AuditEvent, Response
from tests.exports.helpers import read_csv, read_xlsx, satisfaction, sheet_dicts, submit
from tests.factories import csrf_token, login


@pytest.fixture
def stored(client, programme, token_for):
    """Two 平江县 responses (one with a dangerous comment) and one 凤凰县 response."""
    token = token_for("admin")
    submit(client, token, satisfaction("PJ01", comments="很好，谢谢社工"))
    submit(client, token, satisfaction("PJ01", comments='=HYPERLINK("http://x")', recommend="unsure"))
    submit(client, token, satisfaction("FH01", comments="@SUM(1)"))
    return token


def download(client, **fields):
    data = {"questionnaire": "satisfaction", "format": "csv", "values": "codes", "county": "", "team": "",
            "csrf_token": csrf_token(client, "/exports/"), **fields}
    return client.post("/exports/", data=data)


def test_page_lists_questionnaires_and_counts_in_scope(client, stored):
    login(client, "county-pj")
    page = client.get("/exports/").get_data(as_text=True)
    assert "导出数据" in page and 'data-nav="exports"' in page
    row = page.split('data-questionnaire="satisfaction"')[1].split("</tr>")[0]
    assert "<td>2</td>" in row  # 平江县's two, not 凤凰县's


def test_csv_bom_chinese_codes_and_scope(client, stored):
    login(client, "county-pj")
    reply = download(client)
    assert reply.status_code == 200 and reply.mimetype == "text/csv"
    assert reply.is_streamed  # a generator, not a body built in memory
    assert "filename*=UTF-8''" in reply.headers["Content-Disposition"]
    assert "satisfaction-county-430626-" in reply.headers["Content-Disposition"]
    rows = read_csv(reply.get_data())
    assert [r["county"] for r in rows] == ["430626", "430626"]
    assert rows[0]["comments"] == "很好，谢谢社工"
    assert rows[1]["comments"] == """'=HYPERLINK("http://x")"""
    assert (rows[1]["recommend"], rows[1]["sat1"], rows[1]["domains/elderly"], rows[1]["domains/disaster"]) == ("unsure", "4", "1", "0")
    assert rows[0]["index/satisfaction"] == "75.0"
    assert rows[0]["completed_at"] == "2026-05-01T09:12:00+08:00"


def test_csv_labels(client, stored):
    login(client, "admin")
    rows = read_csv(download(client, values="zh").get_data())
    assert len(rows) == 3
    assert (rows[1]["会推荐"], rows[1]["态度"], rows[1]["县"], rows[1]["工作队代码"]) == ("说不准", "满意", "平江县", "PJ01")
    assert rows[1]["意见建议"] == """'=HYPERLINK("http://x")"""
    assert read_csv(download(client, values="en").get_data())[1]["Would recommend"] == "Not sure"


def test_xlsx_has_data_codebook_and_about(client, stored):
    login(client, "admin")
    reply = download(client, format="xlsx", county="433123")
    assert reply.status_code == 200 and reply.mimetype.endswith("spreadsheetml.sheet")
    book = read_xlsx(reply.get_data())
    assert book.sheetnames == ["data", "codebook", "about"]
    (row,) = sheet_dicts(book, "data")
    assert row["county"].value == "433123"
    assert (row["comments"].data_type, row["comments"].value) == ("s", "'@SUM(1)")
    assert (row["sat1"].data_type, row["sat1"].value) == ("n", 4)
    assert (row["index/satisfaction"].data_type, row["index/satisfaction"].value) == ("n", 75)
    assert row["completed_at"].is_date
    assert {"sat1", "comments", "domains/elderly"} <= {r["column"].value for r in sheet_dicts(book, "codebook")}


def test_county_user_cannot_name_another_county(client, stored):
    login(client, "county-pj")
    assert download(client, county="433123").status_code == 403
    assert download(client, team="FH01").status_code == 403
    assert download(client, county="999999").status_code == 422
    assert download(client, questionnaire="nope").status_code == 404


def test_team_user_gets_their_team_only(client, stored):
    login(client, "team-fh")
    rows = read_csv(download(client).get_data())
    assert [(r["county"], r["team"]) for r in rows] == [("433123", "FH01")]
    assert download(client, team="PJ01").status_code == 403
    assert download(client, county="430626").status_code == 403


def test_collector_gets_403_on_page_and_download(client, stored):
    login(client, "sw-pj1")
    assert client.get("/exports/").status_code == 403
    token = csrf_token(client, "/")
    reply = client.post("/exports/", data={"questionnaire": "satisfaction", "format": "csv", "values": "codes", "csrf_token": token})
    assert reply.status_code == 403
    assert client.get("/exports/satisfaction/codebook.csv").status_code == 403
    assert 'data-nav="exports"' not in client.get("/").get_data(as_text=True)


def test_download_needs_login_and_csrf(client, stored):
    assert client.get("/exports/").status_code == 302
    login(client, "admin")
    reply = client.post("/exports/", data={"questionnaire": "satisfaction", "format": "csv", "values": "codes"})
    assert reply.status_code == 400


def test_excluded_responses_are_marked(client, stored, db):
    response = db.session.scalars(select(Response).order_by(Response.id)).first()
    response.excluded, response.excluded_reason = True, "\r=1+1 重复录入"
    db.session.commit()
    login(client, "admin")
    rows = read_csv(download(client).get_data())
    assert [(r["excluded"], r["excluded_reason"]) for r in rows] == [("1", "'\r=1+1 重复录入"), ("0", ""), ("0", "")]


def test_export_is_audited_before_it_is_sent(client, stored, db):
    login(client, "county-pj")
    download(client, format="xlsx", values="zh")
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.data"))
    assert event.target == "satisfaction" and event.actor_id is not None
    assert {k: event.detail[k] for k in ("format", "scope", "values", "rows")} == {
        "format": "xlsx", "scope": "county:430626", "values": "zh", "rows": 2}
    assert event.detail["up_to_id"] == db.session.scalar(select(Response.id).order_by(Response.id.desc()).limit(1))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_codebook_alone(client, stored, fmt):
    login(client, "team-pj")
    reply = client.get(f"/exports/awareness/codebook.{fmt}")
    assert reply.status_code == 200
    columns = ([r["column"] for r in read_csv(reply.get_data())] if fmt == "csv"
               else [r["column"].value for r in sheet_dicts(read_xlsx(reply.get_data()), "codebook")])
    assert "household/left_behind_elderly" in columns and "index/awareness" in columns
    assert client.get("/exports/nope/codebook.csv").status_code == 404
    assert client.get("/exports/awareness/codebook.pdf").status_code == 404
