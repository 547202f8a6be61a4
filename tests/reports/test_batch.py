"""Every county's report at once: one job, run by the report worker, that makes a report per county
(PDF and Word by default) and hands them over in one ZIP named in UTF-8; its progress is the
counties done, the county at work its step; a county's stored report of unchanged data is taken,
and one made for the ZIP is kept as that county's; only the office may make it or see it."""
from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile

import pytest
from sqlalchemy import select

from survey_app.models import County, Round
from survey_app.reports import batch, jobs
from survey_app.reports.request import ReportRequest
from tests.factories import add_response, csrf_token, logged_in
from tests.reports.test_jobs import Builds, finished, use_reports

ALL = ReportRequest.parse("all-counties")
UTF8_NAMES = 0x800  # the ZIP's general purpose bit 11: the entry's name is UTF-8


@pytest.fixture
def fake(app, programme, tmp_path, worker) -> Builds:
    return use_reports(app, tmp_path)


def counties(db) -> list[tuple[str, str]]:
    return [(c.code, c.name) for c in db.session.scalars(select(County).order_by(County.code))]


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_the_zip_holds_each_countys_pdf_and_word_named_by_name_and_code(app, db, fake, tmp_path):
    job = jobs.start(ALL)
    assert (job.format, job.file_name) == ("both", "各县-评估报告-全部年度-PDF和Word.zip")
    assert job.ascii_name == "sanqu-report-all-counties-all-rounds-both.zip"
    done = finished(db, job.key)
    assert (done.state, done.progress, done.step) == ("done", 1.0, "完成")
    data = jobs.file_of(db.session, job.key)
    listed = counties(db)
    assert len(listed) == 10
    expected = {}
    for code, name in listed:
        expected[f"{name}（{code}）-评估报告-全部年度.pdf"] = b"%PDF-1.7\n% fake county:" + code.encode() + b"\n%%EOF\n"
        expected[f"{name}（{code}）-评估报告-全部年度.docx"] = b"PK\x03\x04 fake docx county:" + code.encode()
    assert entries(data) == expected
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert all(info.flag_bits & UTF8_NAMES for info in archive.infolist())
        # the names as stored, byte for byte: UTF-8, not the code page of whoever made the file
        raw = data.decode("latin-1").encode("latin-1")
        assert "平江县（430626）-评估报告-全部年度.pdf".encode() in raw
    if shutil.which("unzip"):
        path = tmp_path / "all.zip"
        path.write_bytes(data)
        listing = subprocess.run(["unzip", "-l", str(path)], capture_output=True, check=True).stdout.decode("utf-8")  # noqa: S603,S607
        assert "平江县（430626）-评估报告-全部年度.docx" in listing and "凤凰县（433123）-评估报告-全部年度.pdf" in listing
    # each county's report was made once, and is now that county's own stored report
    assert sorted(fake.calls) == sorted([f"county:{code}" for code, _ in listed] * 2)
    for code, _name in listed:
        for fmt in ("pdf", "docx"):
            again = jobs.start(ReportRequest.parse(f"county:{code}", None, fmt))
            assert again.state == "done" and again.format == fmt
    assert len(fake.calls) == 20
    # the same ZIP of unchanged data is the same job, at once
    assert jobs.start(ALL).key == job.key and len(fake.calls) == 20


def test_a_stored_county_report_goes_in_as_it_is_and_changed_data_makes_it_again(app, db, fake):
    first = finished(db, jobs.start(ReportRequest.parse("county:430626")).key)
    pdfs = ReportRequest.parse("all-counties", None, "pdf")
    job = finished(db, jobs.start(pdfs).key)
    assert job.state == "done" and job.file_name == "各县-评估报告-全部年度-PDF.zip"
    names = entries(jobs.file_of(db.session, job.key))
    assert len(names) == 10 and all(n.endswith(".pdf") for n in names)
    assert names["平江县（430626）-评估报告-全部年度.pdf"] == jobs.file_of(db.session, first.key)
    assert fake.calls.count("county:430626") == 1 and len(fake.calls) == 10
    add_response(db, "awareness", "433123", wave="pre")
    db.session.commit()
    again = jobs.start(pdfs)
    assert again.key != job.key
    assert finished(db, again.key).state == "done" and len(fake.calls) == 20


def test_progress_is_the_counties_done_and_the_step_the_county_at_work(app, db, programme):
    seen: list[tuple[float, str]] = []
    made: list[str] = []

    def single(session, request, scope, progress):
        progress(0.5, "绘制图表")  # a report's own steps move the bar within its county's share
        made.append(f"{request.text}:{request.format}")
        return b"%PDF-1.7" if request.format == "pdf" else b"PK\x03\x04"

    from survey_app.auth.scope import Scope

    data = batch.report_zip(db.session, ALL, Scope.office(), lambda f, s: seen.append((round(f, 4), s)), single)
    listed = counties(db)
    assert len(entries(data)) == 20 and made[:2] == [f"county:{listed[0][0]}:pdf", f"county:{listed[0][0]}:docx"]
    steps = [s for _f, s in seen]
    first, last = listed[0][1], listed[-1][1]
    assert steps[:4] == [f"{first}（1/10）"] * 4 and steps[-2] == f"{last}（10/10）" and steps[-1] == "完成"
    fractions = [f for f, _s in seen]
    assert fractions[:4] == [0.0, 0.025, 0.05, 0.075] and fractions[-1] == 1.0
    assert fractions == sorted(fractions)


def test_the_gated_worker_shows_the_first_county_at_work(app, db, programme, tmp_path, worker):
    builds = use_reports(app, tmp_path, REPORT_TEST_GATED=True)
    job = jobs.start(ALL)
    try:
        assert builds.wait_started()
        db.session.rollback()
        running = jobs.read(db.session, job.key)
        assert running.state == "running" and running.step == f"{counties(db)[0][1]}（1/10）"
        assert running.progress == pytest.approx(0.5 / 20)
    finally:
        builds.open_gate()
    assert finished(db, job.key).state == "done"


def test_which_counties_a_zip_covers(app, db, programme):
    gone = db.session.scalar(select(County).where(County.code == "433123"))
    gone.active = False
    db.session.commit()
    with db.engine.connect() as connection:
        assert "433123" not in dict(batch.counties(connection, None))  # no longer in the programme, no data
    first_round = db.session.scalar(select(Round.id).where(Round.year == 2025))
    add_response(db, "awareness", "433123", wave="pre", round_id=first_round, completed_at=dt.datetime(2025, 9, 1, 10, tzinfo=dt.UTC))
    db.session.commit()
    with db.engine.connect() as connection:
        assert "433123" in dict(batch.counties(connection, None))  # its data is in the figures
        assert "433123" in dict(batch.counties(connection, 2025))
        assert "433123" not in dict(batch.counties(connection, 2026))
        assert len(batch.counties(connection, 2026)) == 9


def test_a_county_that_cannot_be_made_fails_the_whole_zip(app, db, programme, tmp_path, worker):
    use_reports(app, tmp_path, REPORT_TEST_FAIL="kaleido crashed", REPORT_RETRIES=0)
    job = finished(db, jobs.start(ALL).key)
    assert (job.state, job.error) == ("failed", jobs.FAILED_MESSAGE)
    assert jobs.file_of(db.session, job.key) is None


def test_a_zip_may_take_a_report_time_for_each_of_its_reports(app, db, programme):
    with db.engine.connect() as connection:
        for request, fmt, limit in (("all-counties", "both", 10 * 2 * 60.0), ("all-counties", "docx", 10 * 60.0),
                                    ("county:430626", "pdf", 60.0)):
            row = type("Row", (), {"request": request, "round_year": None, "format": fmt})
            assert batch.time_limit(connection, row, 60.0) == limit


# -- the page -----------------------------------------------------------------------------------


def start(client, **form):
    return client.post("/reports/", data={**form, "csrf_token": csrf_token(client, "/reports/")})


def key_of(reply) -> str:
    assert reply.status_code == 302, reply.get_data(as_text=True)
    return re.fullmatch(r"/reports/jobs/([0-9a-f]{64})", reply.headers["Location"]).group(1)


def test_the_office_makes_the_zip_on_the_page_and_downloads_it(app, client, db, fake):
    logged_in(client, "admin")
    page = client.get("/reports/").get_data(as_text=True)
    assert 'data-form="all-counties"' in page and 'data-action="all-counties"' in page
    key = key_of(start(client, scope="all-counties", round="2026", format="docx"))
    job = finished(db, key)
    assert job.title == "各县 · 第二期（2026年度）" and job.file_name == "各县-评估报告-2026年度-Word.zip"
    page = client.get(f"/reports/jobs/{key}").get_data(as_text=True)
    assert f'href="/reports/jobs/{key}.zip"' in page and "下载 ZIP" in page
    assert client.get(f"/reports/jobs/{key}.json").get_json()["download"] == f"/reports/jobs/{key}.zip"
    reply = client.get(f"/reports/jobs/{key}.zip")
    assert reply.status_code == 200 and reply.mimetype == "application/zip"
    assert "filename*=UTF-8''" in reply.headers["Content-Disposition"]
    assert len(entries(reply.get_data())) == 10 and all(n.endswith("-2026年度.docx") for n in entries(reply.get_data()))
    assert client.get(f"/reports/jobs/{key}.pdf").status_code == 404  # not what this job made
    assert f'data-job="{key}"' in client.get("/reports/").get_data(as_text=True)


@pytest.mark.parametrize("user", ["county-pj", "team-pj"])
def test_only_the_office_may_make_or_see_the_zip(app, client, db, fake, user):
    job = finished(db, jobs.start(ALL).key)
    logged_in(client, user)
    page = client.get("/reports/").get_data(as_text=True)
    assert 'data-form="all-counties"' not in page and job.key not in page
    assert start(client, scope="all-counties", round="", format="both").status_code == 403
    for path in (f"/reports/jobs/{job.key}", f"/reports/jobs/{job.key}.json", f"/reports/jobs/{job.key}.zip"):
        assert client.get(path).status_code == 403, path


def test_a_word_report_from_the_page(app, client, db, fake):
    logged_in(client, "county-pj")
    page = client.get("/reports/").get_data(as_text=True)
    assert re.search(r'<select[^>]*name="format"', page) and 'value="docx"' in page
    key = key_of(start(client, scope="county:430626", round="2026", format="docx"))
    job = finished(db, key)
    assert (job.format, job.file_name, job.ascii_name) == ("docx", "平江县-评估报告-2026年度.docx", "sanqu-report-county-430626-2026.docx")
    reply = client.get(f"/reports/jobs/{key}.docx")
    assert reply.status_code == 200 and reply.get_data() == b"PK\x03\x04 fake docx county:430626"
    assert reply.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert client.get(f"/reports/jobs/{key}.pdf").status_code == 404
    assert "下载 Word" in client.get(f"/reports/jobs/{key}").get_data(as_text=True)
    # the PDF of the same report is another job; a format a single report does not come in is refused
    assert key_of(start(client, scope="county:430626", round="2026", format="pdf")) != key
    assert start(client, scope="county:430626", round="", format="both").status_code == 422
    assert start(client, scope="county:430626", round="", format="xls").status_code == 400


# -- the command --------------------------------------------------------------------------------


def report(app, *args: str):
    return app.test_cli_runner().invoke(args=["report", *args])


def test_the_command_writes_the_zip(app, db, programme, tmp_path):
    builds = use_reports(app, tmp_path)
    out = tmp_path / "各县.zip"
    result = report(app, "--scope", "all-counties", "--round", "2025", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == str(out)
    names = entries(out.read_bytes())
    assert len(names) == 20 and "平江县（430626）-评估报告-2025年度.docx" in names
    assert len(builds.calls) == 20
    word = tmp_path / "平江县.docx"
    assert report(app, "--scope", "county:430626", "--round", "2025", "--format", "docx", "--out", str(word)).exit_code == 0
    assert word.read_bytes() == names["平江县（430626）-评估报告-2025年度.docx"] and len(builds.calls) == 20


@pytest.mark.parametrize(("args", "message"), [
    (["--scope", "county:430626", "--format", "both", "--out", "x.pdf"],
     "'county:430626': format 'both': a single report is made as pdf or docx"),
    (["--scope", "all-counties", "--format", "xls", "--out", "x.zip"], "'all-counties': format 'xls': all-counties makes both or pdf or docx"),
    (["--scope", "county:430626", "--format", "docx", "--out", "x.pdf"], "--out x.pdf: this report is a .docx file (--format docx)"),
    (["--scope", "all-counties", "--out", "x.pdf"], "--out x.pdf: this report is a .zip file (--format both)"),
    (["--scope", "all-counties", "--round", "1999", "--out", "x.zip"], "round 1999: no such round"),
])
def test_bad_formats_and_files_exit_1_with_the_reason(app, db, programme, tmp_path, monkeypatch, args, message):
    builds = use_reports(app, tmp_path)
    monkeypatch.chdir(tmp_path)
    result = report(app, *args)
    assert result.exit_code == 1 and f"Error: {message}" in result.output, result.output
    assert builds.calls == [] and not list(tmp_path.glob("x.*"))


@pytest.mark.slow
@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_the_real_zip_holds_each_countys_own_report(app, db, programme, tmp_path):
    """The real builder, in the job's own process as a worker runs it; Word files, the quicker
    to make (tests/reports/test_word.py reads one through, and the PDFs are the single reports')."""
    import docx

    from tests.factories import seed_demo

    seed_demo(db, 200, seed=4)
    out = tmp_path / "all.zip"
    result = report(app, "--scope", "all-counties", "--round", "2025", "--format", "docx", "--out", str(out))
    assert result.exit_code == 0, result.output
    files = entries(out.read_bytes())
    listed = counties(db)
    assert sorted(files) == sorted(f"{name}（{code}）-评估报告-2025年度.docx" for code, name in listed)
    for code, name in listed:
        word = docx.Document(io.BytesIO(files[f"{name}（{code}）-评估报告-2025年度.docx"]))
        assert word.core_properties.title == f"{name} · 社会工作服务评估报告"
        cover = {row.cells[0].text: row.cells[1].text for row in word.tables[0].rows}
        assert cover["范围："] == name and cover["时期："].startswith("第一期")
        assert any(p.style.name == "Heading 1" and p.text == "一、摘要" for p in word.paragraphs)
