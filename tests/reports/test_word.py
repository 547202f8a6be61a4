"""The Word report, read back as Word and WPS would read it (python-docx): the PDF's sections as
Heading 1-3, a table of contents field, the PDF's tables as real tables with repeating header
rows, the charts as pictures at 300 dpi, 仿宋/黑体 as the East Asian fonts, A4 with GB/T 9704's
margins; and LibreOffice (Debian's) turns it into a PDF whose text holds the headings."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import lxml.html
import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm
from PIL import Image
from sqlalchemy import select

from survey_app.auth.scope import Scope
from survey_app.models import County
from survey_app.reports import build, export, word_styles
from survey_app.reports.request import ReportRequest
from survey_app.reports.word import report_docx
from survey_app.reports.word_document import Meta, docx_of
from tests.factories import seed_demo
from tests.reports.libreoffice import to_pdf

PJ = ReportRequest.parse("county:430626", None, "docx")
EMU_PER_INCH = 914400


@pytest.fixture
def demo(db, programme):
    seed_demo(db, 500, seed=12)
    return db


def spaced(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def html_of(db, request: ReportRequest) -> lxml.html.HtmlElement:
    """The PDF's HTML of the same report (its charts as SVG)."""
    return lxml.html.document_fromstring(build.report_html(db.session, request, Scope.office()))


def html_tables(page) -> list[list[list[str]]]:
    for br in page.iter("br"):  # a line break in a cell reads as a space, in either file
        br.tail = " " + (br.tail or "")
    return [[[spaced(cell.text_content()) for cell in tr if cell.tag in ("td", "th")] for tr in table.iter("tr")]
            for table in page.find(".//main").iter("table")]


def word_tables(doc) -> list[list[list[str]]]:
    """Each table's rows as their cells' texts, a merged cell once (python-docx repeats it)."""
    out = []
    for table in doc.tables:
        rows = []
        for row in table.rows:
            cells, seen = [], set()
            for cell in row.cells:
                if id(cell._tc) not in seen:
                    seen.add(id(cell._tc))
                    cells.append(spaced(cell.text))
            rows.append(cells)
        out.append(rows)
    return out


def styled(doc, style: str) -> list[str]:
    return [spaced(p.text) for p in doc.paragraphs if p.style.name == style]


def fonts_of(element) -> dict[str, str]:
    found = element.find(".//" + qn("w:rFonts"))
    return {name.split("}")[1]: value for name, value in found.attrib.items()}


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_the_word_report_says_what_the_pdf_says_in_words_styles(app, demo):
    assert export.charts_available(), "Debian's chromium draws the charts"
    with app.app_context():
        data = report_docx(demo.session, PJ, Scope.office())
        page = html_of(demo, PJ)
    doc = Document(io.BytesIO(data))
    main = page.find(".//main")

    # the PDF's sections and their parts, in order, as Word's own heading styles
    assert styled(doc, "Heading 1") == [spaced(h.text_content()) for h in main.iter("h2")]
    assert styled(doc, "Heading 2") == [spaced(h.text_content()) for h in main.iter("h3")]
    assert "一、摘要" in styled(doc, "Heading 1") and "附录：方法" in styled(doc, "Heading 1")
    assert styled(doc, "Title") == ["社会工作服务评估报告"]
    # every sentence of the summary, word for word
    summary = [spaced(p.text_content()) for p in main.find(".//section[@id='sec-summary']").iter("p")]
    body = styled(doc, word_styles.BODY)
    assert summary and all(sentence in body for sentence in summary)
    assert any(s.startswith("结论：") for s in summary)

    # a table of contents field over Heading 1-2, filled with the headings until Word updates it
    instructions = [i.text for i in doc.element.body.iter(qn("w:instrText"))]
    assert any(re.fullmatch(r'\s*TOC \\o "1-2" \\h \\z \\u\s*', i) for i in instructions)
    kinds = [f.get(qn("w:fldCharType")) for f in doc.element.body.iter(qn("w:fldChar"))]
    assert kinds[:2] == ["begin", "separate"] and "end" in kinds
    assert styled(doc, "toc 1") == styled(doc, "Heading 1")
    assert any("右键单击目录" in p for p in styled(doc, word_styles.NOTE))
    assert doc.settings.element.find(qn("w:updateFields")).get(qn("w:val")) == "true"

    # the PDF's tables, cell for cell, as Word tables whose header rows repeat
    tables = word_tables(doc)
    expected = html_tables(page)
    assert len(expected) >= 8
    for want in expected:
        assert want in tables, want[:2]
    pj = demo.session.scalar(select(County).where(County.code == "430626"))
    villages = next(t for t in tables if t[0][0] == "村/社区")
    assert len(villages) - 1 == len(main.find(".//table[@data-places='site']").find("tbody"))
    assert all("·" in row[0] for row in villages[1:])  # township · village, as the PDF lists them
    repeating = [t for t in doc.tables if t.rows[0]._tr.trPr is not None and t.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None]
    assert len(repeating) == len(main.findall(".//table/thead")) >= 8
    assert all(table.style.name == "Table Grid" for table in repeating)

    # every chart of the PDF as a picture, printed across the text at 300 dots an inch, captioned
    figures = main.findall(".//figure")
    assert len(doc.inline_shapes) == len(figures) >= 5
    for shape in doc.inline_shapes:
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip
        image = Image.open(io.BytesIO(doc.part.related_parts[blip.embed].blob))
        assert image.format == "PNG"
        assert shape.width == Mm(word_styles.TEXT_WIDTH_MM)
        assert image.width / (shape.width / EMU_PER_INCH) == pytest.approx(300, abs=1)
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.5)
    assert styled(doc, "Caption") == [spaced(f.find("figcaption").text_content()) for f in figures]

    # Chinese throughout; body in 仿宋, headings in 黑体, with Latin fonts beside them
    assert pj.name in doc.core_properties.title and doc.core_properties.author == word_styles.AUTHOR
    styles = doc.styles
    assert fonts_of(styles.element.find(qn("w:docDefaults")))["eastAsia"] == "仿宋"
    for name in ("Normal", word_styles.BODY, word_styles.CELL, word_styles.NOTE):
        assert fonts_of(styles[name].element) == {"ascii": "Times New Roman", "hAnsi": "Times New Roman",
                                                  "eastAsia": "仿宋", "cs": "Times New Roman"}, name
    for name in ("Heading 1", "Heading 2", "Heading 3", "Title", "Caption", word_styles.HEAD_CELL):
        assert fonts_of(styles[name].element)["eastAsia"] == "黑体", name
    assert "asciiTheme" not in styles.element.xml.split("<w:latentStyles")[0]

    # A4, GB/T 9704's margins, page numbers in the footer but not on the cover
    section = doc.sections[0]
    measures = (section.page_width, section.page_height, section.top_margin, section.bottom_margin, section.left_margin,
                section.right_margin)
    assert [m.mm for m in measures] == pytest.approx([210, 297, 37, 35, 28, 26], abs=0.05)  # the file counts in twips
    assert section.different_first_page_header_footer
    assert "PAGE" in "".join(i.text for i in section.footer._element.iter(qn("w:instrText")))


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_without_chromium_the_tables_stand_in_for_the_charts(app, demo, monkeypatch):
    monkeypatch.setattr(export, "charts_available", lambda: False)
    with app.app_context():
        doc = Document(io.BytesIO(report_docx(demo.session, PJ, Scope.office())))
    assert len(doc.inline_shapes) == 0 and not styled(doc, "Caption")
    notes = styled(doc, word_styles.NOTE)
    assert "本报告生成时未能绘制图表（服务器上没有可用的 Chromium），图表处以数字表代替。" in notes
    assert "（图表未能生成，见下表。）" in notes
    assert any(t[0][:3] == ["配对人数", "前测均值", "后测均值"] for t in word_tables(doc))


def test_what_the_writer_makes_of_its_html():
    html = """<html><body><section class="cover"><h1>社会工作服务评估报告</h1></section><main>
      <section><h2>一、摘要</h2><p class="finding">结论：<strong>明显提高</strong>，d<sub>z</sub> = 0.82。</p>
      <p>&lt;w:p&gt; 与 <b>&amp;</b> 照原样印出</p><aside>没有专门样式的元素照样写出</aside>
      <h3>各村</h3><table><thead><tr><th>村</th><th class="num">n</th><th class="num">变化<br><span class="unit">分</span></th></tr></thead>
      <tbody><tr><td>白石岭</td><td class="num">3</td><td class="num">n &lt; 5</td></tr>
      <tr><td>仙江村</td><td class="num" colspan="2">n &lt; 5</td></tr></tbody></table>
      <ol class="items"><li>第一题</li><li>第二题（反向题）</li></ol>
      <figure class="chart"><img class="chart" data-chart="missing"><figcaption>图 1</figcaption></figure>
      <blockquote class="comment"><p>服务很好。</p><footer>平江县</footer></blockquote></section></main></body></html>"""
    import datetime as dt

    meta = Meta("标题", "时期", "SQPG-1", "平江县 · 社会工作服务评估报告", dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    doc = Document(io.BytesIO(docx_of(html, {}, meta)))
    texts = [spaced(p.text) for p in doc.paragraphs]
    assert "结论：明显提高，dz = 0.82。" in texts and "<w:p> 与 & 照原样印出" in texts
    assert "没有专门样式的元素照样写出" in texts
    bold = [r.text for p in doc.paragraphs for r in p.runs if r.bold]
    assert "明显提高" in bold and "&" in bold
    assert any(r.font.subscript for p in doc.paragraphs for r in p.runs if r.text == "z")
    assert word_tables(doc)[0] == [["村", "n", "变化 分"], ["白石岭", "3", "n < 5"], ["仙江村", "n < 5"]]
    assert "1. 第一题" in texts and "2. 第二题（反向题）" in texts
    assert "（图表未能生成，见下表。）" in texts and "图 1" in texts  # a chart without its picture keeps its note
    assert "服务很好。" in texts and "—— 平江县" in texts
    assert doc.core_properties.title == "标题" and doc.core_properties.comments == "报告编号 SQPG-1"


@pytest.mark.slow
@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")), reason="LibreOffice Writer and poppler-utils")
def test_libreoffice_turns_the_word_report_into_a_pdf_with_its_headings(app, demo, tmp_path):
    with app.app_context():
        data = report_docx(demo.session, PJ, Scope.office())
    source = tmp_path / "平江县-评估报告.docx"
    source.write_bytes(data)
    pdf = to_pdf(source, tmp_path)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout  # noqa: S603,S607
    flat = spaced(text)
    for heading in ("社会工作服务评估报告", "一、摘要", "三、社会工作认知：前测与后测", "四、逐题结果", "附录：方法", "平江县"):
        assert heading in flat, heading
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout  # noqa: S603,S607
    assert int(re.search(r"Pages:\s+(\d+)", pages).group(1)) >= 6
    assert Path(pdf).stat().st_size > 100_000  # the charts are in it


def test_a_png_states_its_resolution_once():
    from survey_app.reports.chart_png import with_dpi

    out = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(out, format="PNG", dpi=(72, 72))
    stated = with_dpi(out.getvalue(), 300)
    assert stated.count(b"pHYs") == 1 and Image.open(io.BytesIO(stated)).info["dpi"] == pytest.approx((300, 300), abs=0.5)
    image = Image.open(io.BytesIO(stated))
    image.load()  # every chunk's checksum still right
    assert image.size == (40, 20)


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_a_county_without_responses_gets_its_report_as_the_pdf_does(app, db, programme, monkeypatch):
    monkeypatch.setattr(export, "charts_available", lambda: False)
    empty = ReportRequest.parse("county:433123", None, "docx")
    with app.app_context():
        doc = Document(io.BytesIO(report_docx(db.session, empty, Scope.office())))
        page = html_of(db, empty)
    assert styled(doc, "Heading 1") == [spaced(h.text_content()) for h in page.find(".//main").iter("h2")]
    assert doc.core_properties.title == "凤凰县 · 社会工作服务评估报告"
    assert ["数据截至：", "尚无数据"] in word_tables(doc)[0]


#: the order WordprocessingML's schema gives a paragraph's, a run's and a cell's properties:
#: Word reports a file with them in another order as damaged, where LibreOffice reads it anyway
SEQUENCES = {
    "pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd tabs "
           "suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi adjustRightInd "
           "snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection textAlignment "
           "textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange",
    "rPr": "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof snapToGrid vanish "
           "webHidden color spacing w kern position sz szCs highlight u effect bdr shd fitText vertAlign rtl cs em lang "
           "eastAsianLayout specVanish oMath",
    "tcPr": "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText vAlign hideMark",
    "pBdr": "top left bottom right between bar",
}


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_every_property_is_where_word_looks_for_it(app, demo, monkeypatch):
    import zipfile

    from lxml import etree

    monkeypatch.setattr(export, "charts_available", lambda: False)
    with app.app_context():
        data = report_docx(demo.session, PJ, Scope.office())
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    out_of_order = []
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        parts = [n for n in package.namelist() if n.startswith("word/") and n.endswith(".xml")]
        assert {"word/document.xml", "word/styles.xml", "word/settings.xml"} <= set(parts)
        for name in parts:
            root = etree.fromstring(package.read(name))
            for tag, sequence in SEQUENCES.items():
                order = sequence.split()
                for element in root.iter(w + tag):
                    children = [c.tag.removeprefix(w) for c in element if isinstance(c.tag, str)]
                    places = [order.index(c) if c in order else -1 for c in children]
                    if -1 in places or places != sorted(places):
                        out_of_order.append(f"{name} {tag}: {children}")
    assert out_of_order == []
