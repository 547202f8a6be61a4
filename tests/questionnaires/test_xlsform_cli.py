"""`flask questionnaires import-xlsform` and `export-xlsform` (contract in shared/DESIGN.md)."""
from __future__ import annotations

import io
from pathlib import Path

from pyxform.xls2xform import convert

from survey_app.questionnaires import check_file
from survey_app.questionnaires.xlsform import read_xlsform
from tests.conftest import ROOT, make_app

from .xlsforms.forms import form, workbook


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["questionnaires", *args])


def folder_with_audio(tmp_path: Path) -> Path:
    folder = tmp_path / "questionnaires"
    (folder / "audio").mkdir(parents=True)
    for name in ("welcome.mp3", "trust_sw.mp3"):
        (folder / "audio" / name).write_bytes(b"ID3")
    return folder


def test_import_writes_a_file_that_checks(app, tmp_path):
    source = tmp_path / "kobo_household.xlsx"
    source.write_bytes(form("kobo_household"))
    out = folder_with_audio(tmp_path) / "household.yaml"
    result = run(app, "import-xlsform", str(source), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote {out}: household, 3 section(s), 10 question(s)" in result.output
    checked = check_file(out, audio_dir=out.parent / "audio")
    assert checked.problems == []
    assert checked.definition == read_xlsform(source.read_bytes(), source.name).definition


def test_problems_are_listed_with_exit_1_and_nothing_is_written(app, tmp_path):
    survey = [["type", "name", "label"], ["text", "ok", "好"], ["begin repeat", "kids", "孩子"], ["integer", "age", "年龄"],
              ["end repeat"], ["calculate", "total", None]]
    work = tmp_path / "work"  # tmp_path holds the test's database too
    work.mkdir()
    source = work / "bad.xlsx"
    source.write_bytes(workbook(survey, settings=[["form_id"], ["bad"]]))
    out = work / "bad.yaml"
    result = run(app, "import-xlsform", str(source), "--out", str(out))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "bad.xlsx:survey!3: 本系统没有重复组（repeat）：每份问卷的每道题只答一次。可以把要重复的题按次数写成几道题" in lines
    assert "bad.xlsx:survey!6: 题型“calculate”不能转换：本系统没有计算题（calculate）" in lines
    assert "2 problem(s) in bad.xlsx; nothing written" in lines
    assert list(work.iterdir()) == [source]  # not even a temporary file


def test_the_file_must_be_named_by_the_form_id(app, tmp_path):
    source = tmp_path / "village.xlsx"
    source.write_bytes(form("village_zh"))
    result = run(app, "import-xlsform", str(source), "--out", str(tmp_path / "village.yaml"))
    assert result.exit_code == 1
    assert f"village.xlsx:settings: 问卷编号（form_id）是 village_zh，文件名要和它一样：--out {tmp_path / 'village_zh.yaml'}" in result.output
    assert not (tmp_path / "village.yaml").exists()


def test_an_existing_file_is_replaced_only_with_force(app, tmp_path):
    source = tmp_path / "village_zh.xlsx"
    source.write_bytes(form("village_zh"))
    out = tmp_path / "village_zh.yaml"
    assert run(app, "import-xlsform", str(source), "--out", str(out)).exit_code == 0
    commented = "# 我们自己加的注释\n" + out.read_text(encoding="utf-8")
    out.write_text(commented, encoding="utf-8")
    same = run(app, "import-xlsform", str(source), "--out", str(out))
    assert same.exit_code == 0 and "unchanged" in same.output
    assert out.read_text(encoding="utf-8") == commented  # the same questionnaire: the file is left as it is
    other = "id: village_zh\ntitle: {zh: 别的}\nsections: [{id: s, title: {zh: 一}, questions: [{id: a, type: text, label: {zh: 甲}}]}]\n"
    out.write_text(other, encoding="utf-8")
    refused = run(app, "import-xlsform", str(source), "--out", str(out))
    assert refused.exit_code == 1 and "--force" in refused.output
    assert out.read_text(encoding="utf-8") == other
    forced = run(app, "import-xlsform", str(source), "--out", str(out), "--force")
    assert forced.exit_code == 0
    assert check_file(out).definition == read_xlsform(source.read_bytes(), source.name).definition


def test_export_from_the_file_when_the_database_does_not_have_it(app, tmp_path):
    out = tmp_path / "staff.xlsx"
    result = run(app, "export-xlsform", "staff", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("staff.yaml (not in the database)")
    convert(io.BytesIO(out.read_bytes()), warnings=[], file_type=".xlsx")
    assert read_xlsform(out.read_bytes(), "staff.xlsx").definition == check_file(ROOT / "questionnaires/staff.yaml").definition


def test_export_takes_the_current_version_in_the_database(app, loaded, tmp_path):
    app.config["QUESTIONNAIRE_DIR"] = str(tmp_path)  # no files here: only the database can answer
    out = tmp_path / "awareness.xlsx"
    result = run(app, "export-xlsform", "awareness", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote {out} from the database (awareness version 1)" in result.output
    back = read_xlsform(out.read_bytes(), "awareness.xlsx").definition
    assert back == check_file(ROOT / "questionnaires/awareness.yaml").definition


def test_export_refuses_what_it_cannot_do(app, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    unknown = run(app, "export-xlsform", "nope", "--out", str(work / "nope.xlsx"))
    assert unknown.exit_code == 1 and "no questionnaire 'nope'" in unknown.output
    wrong = run(app, "export-xlsform", "staff", "--out", str(work / "staff.xls"))
    assert wrong.exit_code == 1 and "--out must be an .xlsx file" in wrong.output
    assert list(work.iterdir()) == []


def test_export_without_a_database_reads_the_file(tmp_path):
    """Before `db upgrade` (no tables at all) the command still exports the file."""
    app = make_app(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path)
    out = tmp_path / "activity.xlsx"
    result = run(app, "export-xlsform", "activity", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert read_xlsform(out.read_bytes(), "activity.xlsx").definition == check_file(ROOT / "questionnaires/activity.yaml").definition
