"""A whole assessment report, request to PDF, checked as a reader would: its text (pdftotext)
carries the scope and the numbers the stats API gives; the Chinese font is embedded (pdffonts);
a hostile answer is printed as text and fetches nothing; a reader outside the scope gets none."""
from __future__ import annotations

import shutil
import subprocess
import uuid as uuidlib

import pytest
from sqlalchemy import delete, select

from survey_app.auth.places import OutsidePlace
from survey_app.auth.scope import Scope
from survey_app.models import Answer, County, Response, User
from survey_app.reports.request import ReportRequest
from tests.factories import seed_demo

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext, pdffonts) not installed")

HOSTILE = '<img src="file:///etc/passwd"><link rel="stylesheet" href="http://evil.example/x.css">'


@pytest.fixture
def demo(db, programme, loaded):
    seed_demo(db, 900, seed=12)
    # one comment left in 平江县, a hostile one, so that the report must quote it
    pj = db.session.scalar(select(County).where(County.code == "430626"))
    db.session.execute(delete(Answer).where(Answer.question_id == "comments"))
    target = db.session.scalar(select(Response).where(Response.questionnaire_id == "satisfaction", Response.county_id == pj.id))
    db.session.add(Answer(response_id=target.id, question_id="comments", position=0, value_text=HOSTILE))
    db.session.commit()
    return db


def scope_of(db, username: str) -> Scope:
    return Scope.of(db.session.scalar(select(User).where(User.username == username)))


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / f"{uuidlib.uuid4()}.pdf"
    path.write_bytes(pdf)
    command = ["pdftotext", "-layout", str(path), "-"]  # poppler-utils, a test dependency
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603


def pdf_fonts(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    command = ["pdffonts", str(path)]
    lines = subprocess.run(command, capture_output=True, text=True, check=True).stdout.splitlines()[2:]  # noqa: S603
    return lines


def test_a_county_report_says_what_the_api_says(app, client, demo, token_for, tmp_path, monkeypatch):
    from survey_app.reports import build, export

    monkeypatch.setattr(export, "charts_available", lambda: False)  # tables only: the charts have their own test
    api = client.get("/api/v1/stats/prepost?questionnaire=awareness&index=awareness&county=430626",
                     headers={"Authorization": f"Bearer {token_for('admin')}"}).get_json()
    fetched: list[str] = []
    real = build.render.SafeFetcher

    class Watching(real):  # type: ignore[misc,valid-type]
        def __call__(self, url, *args, **kwargs):
            fetched.append(url)
            return super().__call__(url, *args, **kwargs)

    monkeypatch.setattr(build.render, "SafeFetcher", Watching)
    with app.app_context():
        pdf = build.report_pdf(demo.session, ReportRequest.parse("county:430626"), scope_of(demo, "county-pj"))
    text = pdf_text(pdf, tmp_path)
    assert "平江县" in text and "社会工作服务评估报告" in text
    assert api["n_pairs"] >= 5
    flat = " ".join(text.split())
    assert f"{api['mean_diff']:+.1f}" in flat and f"{api['ci95'][0]:.1f} – {api['ci95'][1]:.1f}" in flat
    assert str(api["n_pairs"]) in flat and f"{api['pre_mean']:.1f}" in flat and f"{api['post_mean']:.1f}" in flat
    # the hostile comment is quoted as text and nothing outside the app's static files was asked for
    assert 'file:///etc/passwd' in flat and "evil.example" in flat and "root:" not in text
    assert all(url.startswith(("https://sanqu.invalid/static/", "data:")) for url in fetched), fetched
    assert "图表未能生成" in text or "未能绘制图表" in text  # said, not silently missing
    # every font is the embedded report font
    fonts = pdf_fonts(pdf, tmp_path)
    assert fonts and all(" yes " in line for line in fonts), fonts
    assert len({line.split()[0].split("+")[-1].split("-")[0] for line in fonts}) == 1, fonts


def test_the_county_report_leads_with_the_verdict_and_shows_attrition_and_villages(app, client, demo, token_for, tmp_path,
                                                                                      monkeypatch):
    import re

    from survey_app.analysis.verdict import WORDS
    from survey_app.reports import build, export

    monkeypatch.setattr(export, "charts_available", lambda: False)
    api = client.get("/api/v1/stats/prepost?questionnaire=awareness&index=awareness&county=430626",
                     headers={"Authorization": f"Bearer {token_for('admin')}"}).get_json()
    app.config["REPORT_ISSUER"] = "湖南省民政厅 社会工作处"
    with app.app_context():
        html = build.report_html(demo.session, ReportRequest.parse("county:430626"), scope_of(demo, "county-pj"))
        pdf = build.report_pdf(demo.session, ReportRequest.parse("county:430626"), scope_of(demo, "county-pj"))
    flat = " ".join(pdf_text(pdf, tmp_path).split())
    # the cover: who issues it, its number, the period with its dates
    assert "湖南省民政厅 社会工作处" in flat and re.search(r"SQPG-430626-QB-[0-9A-F]{6}", flat)
    assert "全部年度（2025 年 3 月 1 日至 2027 年 6 月 30 日）" in flat
    # the summary opens with the API's verdict, in words
    summary = html.split('id="sec-summary"')[1].split("</section>")[0]
    first = re.search(r'<p class="finding">(.*?)</p>', summary, re.S).group(1)
    assert first.startswith("结论：社会工作认知指数" + WORDS["zh"][api["verdict"]])
    assert f'data-verdict="{api["verdict"]}"' in html
    # attrition, as the API counts it
    att = api["attrition"]
    table = html.split("data-attrition>")[1].split("</table>")[0]
    assert f"<td>{att['n_pre']}</td>" in table and f'<td class="num">{att["n_followed"]}</td>' in table
    # a county with one team compares its villages, each with its verdict or n < 5
    villages = html.split('data-places="site"')[1].split("</table>")[0]
    assert "加义镇 · 丽江村" in villages and ("明显提高" in villages or "n &lt; 5" in villages)
    assert 'data-places="team"' not in html


def test_an_all_rounds_report_assesses_targets_round_by_round(app, demo, monkeypatch):
    from survey_app.reports import build, export

    monkeypatch.setattr(export, "charts_available", lambda: False)
    with app.app_context():
        html = build.report_html(demo.session, ReportRequest.parse("county:430626"), scope_of(demo, "county-pj"))
        one = build.report_html(demo.session, ReportRequest.parse("county:430626", 2025), scope_of(demo, "county-pj"))
    targets = html.split('id="sec-targets"')[1].split("</section>")[0]
    assert "按期设定、按期考核" in targets and 'data-targets="2025"' in targets
    assert "第一期（2025年度）（2025 年 3 月 1 日至 2026 年 6 月 30 日）" in targets
    # the 2025 table of the all-rounds report is the 2025 report's table
    table = targets.split('data-targets="2025"')[1].split("</table>")[0]
    assert table in one
    summary = html.split('id="sec-summary"')[1].split("</section>")[0]
    assert "第一期（2025年度）：" in summary  # the targets sentence names its round


def test_a_county_user_gets_no_other_county(app, demo):
    from survey_app.reports import build

    with app.app_context():
        for text in ("county:433123", "programme"):
            with pytest.raises(OutsidePlace):
                build.report_html(demo.session, ReportRequest.parse(text), scope_of(demo, "county-pj"))


def test_the_programme_report_has_a_contents_page_and_every_county(app, demo, tmp_path, monkeypatch):
    from survey_app.reports import build, export

    monkeypatch.setattr(export, "charts_available", lambda: False)
    with app.app_context():
        html = build.report_html(demo.session, ReportRequest.parse("programme"), scope_of(demo, "admin"))
    assert '<nav class="toc">' in html and "凤凰县" in html and "平江县" in html
    assert HOSTILE not in html and "&lt;img src=" in html  # escaped by the template


@pytest.mark.browser
def test_charts_are_vector_and_use_the_report_font(app, demo, tmp_path):
    from survey_app.reports import build, export

    if not export.charts_available():
        pytest.skip("no Chromium for kaleido")
    with app.app_context():
        pdf = build.report_pdf(demo.session, ReportRequest.parse("county:430626"), scope_of(demo, "county-pj"))
    text = pdf_text(pdf, tmp_path)
    assert "前后测" in text or "配对受访者" in text  # chart titles are text in the PDF, not pictures
    assert "图表未能生成" not in text
    fonts = pdf_fonts(pdf, tmp_path)
    assert len({line.split()[0].split("+")[-1].split("-")[0] for line in fonts}) == 1, fonts


@pytest.mark.browser
def test_a_chart_that_fails_leaves_a_note_and_the_rest(app, demo, tmp_path, monkeypatch):
    """WeasyPrint lays the report out while Chromium draws (``report_pdf``): a chart that comes
    back empty prints the note in its place, the other charts are there, the PDF is made."""
    from survey_app.reports import build, export

    if not export.charts_available():
        pytest.skip("no Chromium for kaleido")
    real = export.svg_of

    def failing_items(fig, width, height):
        return None if "各题回答的分布" in (fig.layout.title.text or "") else real(fig, width, height)

    monkeypatch.setattr(export, "svg_of", failing_items)
    with app.app_context():
        pdf = build.report_pdf(demo.session, ReportRequest.parse("county:430626"), scope_of(demo, "county-pj"))
    flat = " ".join(pdf_text(pdf, tmp_path).split())
    assert flat.count(export.NOT_DRAWN) == 1, flat
    assert "配对受访者的分数分布" in flat and "满意度：按服务领域" in flat  # titles drawn inside other charts


def test_no_change_in_the_data_gets_cautious_words(app, db, programme, loaded, monkeypatch):
    """Twenty pairs whose follow-up scores go up and down by the same amounts: the summary must
    not claim an improvement."""
    import datetime as dt

    from survey_app.models import IndexScore, QuestionnaireVersion
    from survey_app.reports import build, export

    monkeypatch.setattr(export, "charts_available", lambda: False)
    version = db.session.scalar(select(QuestionnaireVersion).where(QuestionnaireVersion.questionnaire_id == "awareness"))
    county = db.session.scalar(select(County).where(County.code == "430626"))
    at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    for i in range(20):
        for wave, score, days in (("pre", 50.0 + i, 0), ("post", 50.0 + i + (3 if i % 2 else -3), 300)):
            r = Response(uuid=str(uuidlib.uuid4()), questionnaire_id="awareness", version_id=version.id, county_id=county.id,
                         wave=wave, respondent_code=f"NC-{i:03d}", completed_at=at + dt.timedelta(days=days),
                         received_at=at + dt.timedelta(days=days), content_hash="x", answers_json={}, source="seed")
            db.session.add(r)
            db.session.flush()
            db.session.add(IndexScore(response_id=r.id, index_id="awareness", score=score))
    db.session.commit()
    with app.app_context():
        html = build.report_html(db.session, ReportRequest.parse("county:430626"), scope_of(db, "admin"))
    summary = html.split('id="sec-summary"', 1)[1].split("</section>", 1)[0]
    assert "没有发现明显变化" in summary and "提高" not in summary.split("没有发现明显变化")[0]
    assert 'data-n-pairs="20"' in html


def test_the_demo_county_with_selective_attrition_is_cautioned_in_its_report(app, demo, monkeypatch):
    from survey_app.demo.seed import SELECTIVE_ATTRITION_COUNTY
    from survey_app.reports import build, export

    monkeypatch.setattr(export, "charts_available", lambda: False)
    with app.app_context():
        html = build.report_html(demo.session, ReportRequest.parse(f"county:{SELECTIVE_ATTRITION_COUNTY}"), scope_of(demo, "admin"))
    assert "data-attrition-caution" in html and "提高幅度可能被高估" in html.split('id="sec-summary"')[1].split("</section>")[0]
