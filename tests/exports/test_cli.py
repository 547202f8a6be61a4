"""`flask --app wsgi export --questionnaire ID --format csv|xlsx|sav|dta --out FILE [--labels] [--lang zh|en]`
(shared/DESIGN.md)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.models import AuditEvent
from tests.exports.helpers import read_csv, read_xlsx, satisfaction, sheet_dicts, submit


@pytest.fixture
def stored(app, client, token_for):
    token = token_for("admin")
    submit(client, token, satisfaction("PJ01", comments="-2+3"))
    submit(client, token, satisfaction("FH01"))


def test_csv_and_xlsx(app, db, stored, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "s.csv"
    result = runner.invoke(args=["export", "--questionnaire", "satisfaction", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = read_csv(out.read_bytes())
    assert [r["county"] for r in rows] == ["430626", "433123"]
    assert rows[0]["comments"] == "'-2+3" and rows[0]["recommend"] == "yes"

    out = tmp_path / "s.xlsx"
    result = runner.invoke(args=["export", "--questionnaire", "satisfaction", "--format", "xlsx", "--out", str(out),
                                 "--labels", "--county", "433123"])
    assert result.exit_code == 0, result.output
    book = read_xlsx(out)
    (row,) = sheet_dicts(book, "数据")  # --labels: the clerk's sheet, headed in Chinese
    assert (row["县代码"].value, row["县"].value, row["会推荐"].value, row["态度"].value) == ("433123", "凤凰县", "会", "满意")
    assert not list(tmp_path.glob(".*part"))  # written beside and renamed

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.data").order_by(AuditEvent.id)).all()
    assert [(e.detail["format"], e.detail["scope"], e.detail["rows"], e.detail["via"]) for e in events] == [
        ("csv", "programme", 2, "cli"), ("xlsx", "county:433123", 1, "cli")]


def test_team_option_and_errors(app, stored, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "t.csv"
    ok = runner.invoke(args=["export", "--questionnaire", "satisfaction", "--format", "csv", "--out", str(out), "--team", "PJ01"])
    assert ok.exit_code == 0 and [r["team"] for r in read_csv(out.read_bytes())] == ["PJ01"]
    bad = runner.invoke(args=["export", "--questionnaire", "nope", "--format", "csv", "--out", str(out)])
    assert bad.exit_code != 0 and "no questionnaire 'nope'" in bad.output
    bad = runner.invoke(args=["export", "--questionnaire", "satisfaction", "--format", "csv", "--out", str(out), "--county", "999999"])
    assert bad.exit_code != 0 and "county" in bad.output
