"""The rendering layer of the PDF reports, checked on the PDF as a reader gets it: the text
(pdftotext), the fonts (pdffonts), the pages as pictures (pdftoppm); what the URL fetcher was
asked for and what it refused; charts from kaleido, with Chromium and without."""
from __future__ import annotations

import base64
import logging
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import plotly.graph_objects as go
import pytest
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup
from PIL import Image

from survey_app.reports import export
from survey_app.reports.render import BASE_URL, SafeFetcher, chart_url, render_pdf

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext, pdffonts, pdftoppm) not installed")

SAMPLE = """{% extends "reports/base.html" %}
{% block title %}平江县 · 评估报告{% endblock %}
{% block cover %}<section class="cover"><p class="programme">湖南省三区计划社会工作专业人才支持计划</p>
<h1>社会工作服务评估报告</h1><p class="report-scope">平江县（430626）</p>
<dl><dt>时期</dt><dd>2026 年第一轮</dd><dt>数据截至</dt><dd>2026 年 11 月 25 日</dd></dl></section>{% endblock %}
{% block toc %}<nav class="toc"><h2>目录</h2><ol><li><a href="#sec-summary">一、摘要</a></li>
<li><a href="#sec-sites">二、逐村结果</a></li><li><a href="#sec-end">三、说明</a></li></ol></nav>{% endblock %}
{% block body %}
<section id="sec-summary"><h2>一、摘要</h2>
<div class="kpis"><div class="kpi"><span class="value">1,234</span><span class="label">受访者</span></div>
<div class="kpi"><span class="value">+12.3</span><span class="label">认知平均变化</span></div></div>
<p class="finding">社会工作认知从前测到后测平均提高 12.3 分，变化显著。</p>
<p class="comment">{{ comment }}</p>
{% if chart %}<figure class="chart">{{ chart }}<figcaption>图 1 各县平均变化</figcaption></figure>{% endif %}
</section>
<section id="sec-sites"><h2>二、逐村结果</h2>
<table class="figures"><thead><tr><th>村/社区</th><th class="num">前测均值</th><th class="num">后测均值</th><th>结论</th></tr></thead><tbody>
{% for i in range(rows) %}<tr><td>第 {{ i }} 村 白石岭社区</td><td class="num">{{ 40 + i % 7 }}.0</td><td class="num">{{ 52 + i % 5 }}.5</td>
<td class="{{ ['met', 'not-met', 'unknown'][i % 3] }}">{{ ['达到', '未达到', '无法判断'][i % 3] }}</td></tr>{% endfor %}
</tbody></table></section>
<section id="sec-end"><h2>三、说明</h2><p class="note">注：不足五人的格子不显示。</p></section>
{% endblock %}"""
HOSTILE = '<img src="file:///etc/passwd"> <link rel="stylesheet" href="http://example.com/x.css">'


def sample_html(comment: str = "居民说：服务很好。", rows: int = 60, chart: Markup | None = None) -> str:
    env = Environment(loader=FileSystemLoader(ROOT / "templates"), autoescape=True)
    return env.from_string(SAMPLE).render(comment=comment, rows=rows, chart=chart)


def write(pdf: bytes, tmp_path: Path, name: str = "report.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def poppler(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([shutil.which(tool) or tool, *args], capture_output=True, text=True, check=True)  # noqa: S603 - our own files


def pages_text(path: Path) -> list[str]:
    return poppler("pdftotext", "-layout", str(path), "-").stdout.split("\f")[:-1]


def fonts(path: Path) -> list[dict[str, str]]:
    lines = poppler("pdffonts", str(path)).stdout.splitlines()[2:]
    rows = []
    for line in lines:
        name, rest = line.split(None, 1)
        emb, sub, uni = rest.split()[-5:-2]
        rows.append({"name": name.split("+", 1)[-1], "emb": emb, "sub": sub, "uni": uni})
    return rows


def family_of(font_name: str) -> str:
    return re.sub(r"-(Bold|Regular)$", "", font_name)


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, SafeFetcher]:
    fetcher = SafeFetcher()
    pdf = render_pdf(sample_html(), fetcher)
    return write(pdf, tmp_path_factory.mktemp("sample")), fetcher


def test_the_report_prints_chinese_a_cover_contents_and_a_table_that_splits_with_its_header(sample):
    path, _ = sample
    pages = pages_text(path)
    assert len(pages) >= 4
    cover, toc = pages[0], pages[1]
    assert "社会工作服务评估报告" in cover and "平江县（430626）" in cover
    # the cover has no running header or footer; the other pages have both
    assert "三区计划社会工作服务评估" not in cover.replace("社会工作服务评估报告", "") and "页" not in cover
    for number, page in enumerate(pages[1:], start=2):
        assert "三区计划社会工作服务评估" in page and "平江县（430626）" in page
        assert re.search(rf"第\s*{number}\s*页\s*/\s*共\s*{len(pages)}\s*页", page)
    # contents: each entry carries the page its section starts on
    starts = {title: next(i for i, p in enumerate(pages[2:], start=3) if re.search(rf"^\s*{title}\s*$", p, re.M))
              for title in ("一、摘要", "二、逐村结果", "三、说明")}
    for title, number in starts.items():
        assert re.search(rf"{title}\s*\.{{5,}}\s*{number}\b", toc), (title, number, toc)
    # the table runs over pages and repeats its header on each
    table_pages = [p for p in pages if "白石岭社区" in p]
    assert len(table_pages) >= 2
    assert all(re.search(r"村/社区\s+前测均值\s+后测均值\s+结论", p) for p in table_pages)
    assert re.search(r"第\s*0\s*村", table_pages[0]) and re.search(r"第\s*59\s*村", table_pages[-1])
    assert sum(p.count("白石岭社区") for p in table_pages) == 60  # no row lost or cut in two


def test_only_the_report_font_is_embedded_subset(sample):
    path, _ = sample
    found = fonts(path)
    assert {f["name"] for f in found} == {"Sanqu-Report-SC", "Sanqu-Report-SC-Bold"}
    assert all(f["emb"] == "yes" and f["sub"] == "yes" and f["uni"] == "yes" for f in found)


def test_the_pages_are_drawn(sample, tmp_path):
    path, _ = sample
    poppler("pdftoppm", "-r", "50", "-png", str(path), str(tmp_path / "page"))
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == len(pages_text(path))
    for image in images:
        grey = Image.open(image).convert("L")
        assert grey.size[1] == 585 and 1.40 < grey.size[1] / grey.size[0] < 1.43  # A4 portrait at 50 dpi
        dark = sum(grey.histogram()[:128])
        assert dark > 100, image.name  # a contents page with three lines has about 260


def test_the_renderer_reads_only_its_stylesheet_and_fonts(sample):
    _, fetcher = sample
    assert fetcher.refused == []
    assert "https://sanqu.invalid/static/css/report.css" in fetcher.fetched
    # the fonts are read by the first render of the process only (one font configuration per process)
    assert set(fetcher.fetched) <= {
        "https://sanqu.invalid/static/css/report.css",
        "https://sanqu.invalid/static/fonts/NotoSansSC-Regular.woff2",
        "https://sanqu.invalid/static/fonts/NotoSansSC-Bold.woff2",
    }


def test_hostile_text_escaped_is_printed_and_fetches_nothing(tmp_path):
    fetcher = SafeFetcher()
    path = write(render_pdf(sample_html(comment=HOSTILE, rows=3), fetcher), tmp_path)
    text = "".join(pages_text(path))
    assert '<img src="file:///etc/passwd">' in text
    assert '<link rel="stylesheet" href="http://example.com/x.css">' in text
    assert fetcher.refused == []
    assert all(url.startswith(f"{BASE_URL}static/") for url in fetcher.fetched)


def test_hostile_markup_unescaped_is_refused_and_never_read(tmp_path):
    fetcher = SafeFetcher()
    raw = (HOSTILE + '<img src="../../../../etc/passwd"><img src="static/../../../../etc/passwd">'
           '<img src="https://sanqu.invalid/static/%2e%2e/%2e%2e/reports/render.py">')
    hostile = Markup(raw)  # noqa: S704 - a template that forgot to escape
    path = write(render_pdf(sample_html(comment=hostile, rows=3), fetcher), tmp_path)
    assert "file:///etc/passwd" in fetcher.refused
    assert "http://example.com/x.css" in fetcher.refused
    assert "https://sanqu.invalid/etc/passwd" in fetcher.refused  # relative paths resolve against the base URL
    assert not [url for url in fetcher.fetched if "passwd" in url or "render.py" in url]
    text = "".join(pages_text(path))
    assert "root:" not in text and "<img" not in text


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://example.com/x.css",
    "https://example.com/static/css/report.css",
    "https://sanqu.invalid/etc/passwd",
    "https://sanqu.invalid/static/../reports/render.py",
    "https://sanqu.invalid/static/%2e%2e/reports/render.py",
    "https://sanqu.invalid/static/css/%2e%2e/%2e%2e/reports/render.py",
    "https://sanqu.invalid/static//etc/passwd",
    "https://sanqu.invalid/static/css/report.css?x=1",
    "https://sanqu.invalid/static/css/",
    "https://sanqu.invalid/static/css/missing.css",
    "https://user@sanqu.invalid/static/css/report.css",
    "ftp://sanqu.invalid/static/css/report.css",
])
def test_the_fetcher_refuses_everything_but_static_files(url):
    fetcher = SafeFetcher()
    with pytest.raises(ValueError, match="not the report's own static file"):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_the_fetcher_refuses_a_symlink_out_of_the_static_folder(tmp_path):
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "ok.css").write_text("p { color: red }")
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0")
    (static / "css" / "link.css").symlink_to(secret)
    fetcher = SafeFetcher(static)
    response = fetcher.fetch("https://sanqu.invalid/static/css/ok.css")
    assert response.read() == b"p { color: red }" and response.content_type == "text/css"
    with pytest.raises(ValueError):
        fetcher.fetch("https://sanqu.invalid/static/css/link.css")
    assert fetcher.refused == ["https://sanqu.invalid/static/css/link.css"]


def test_the_fetcher_serves_data_urls():
    fetcher = SafeFetcher()
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"/>'
    response = fetcher.fetch("data:image/svg+xml;base64," + base64.b64encode(svg).decode())
    assert response.read() == svg and response.content_type == "image/svg+xml"
    assert fetcher.fetch("data:,a%20b").read() == b"a b"
    assert fetcher.refused == []


def test_the_fetcher_waits_for_the_charts_it_was_given_and_only_those():
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><text>图</text></svg>'
    with ThreadPoolExecutor(1) as pool:
        drawn = pool.submit(lambda: svg)
        failed = pool.submit(lambda: None)
        fetcher = SafeFetcher(charts={"items": drawn, "forest": failed})
        response = fetcher.fetch(chart_url("items"))
        assert response.read() == svg.encode() and response.content_type == "image/svg+xml"
        for key in ("forest", "prepost", "../static/css/report"):
            with pytest.raises(ValueError, match="no chart drawn"):
                fetcher.fetch(chart_url(key))
    assert fetcher.refused == [chart_url(k) for k in ("forest", "prepost", "../static/css/report")]
    assert SafeFetcher().refused == [] and not SafeFetcher().charts


def test_svg_block_is_an_img_whatever_the_svg_holds():
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><text>"></img><script>alert(1)</script></text></svg>'
    block = export.svg_block(svg)
    assert isinstance(block, Markup)
    match = re.fullmatch(r'<img class="chart" alt="" src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)">', str(block))
    assert match and base64.b64decode(match.group(1)).decode() == svg


def test_chart_text_is_cleaned_for_weasyprint():
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
           '<text style="font-family: Arial, sans-serif; font-size: 12px"><tspan class="line">平江县<tspan style="font-weight:bold">x</tspan>&amp;尾巴</tspan></text>'
           '<a xlink:href="file:///etc/passwd"><text>链接</text></a><image href="http://example.com/a.png"/>'
           '<use xlink:href="#keep"/><script>alert(1)</script></svg>')
    cleaned = export._cleaned(svg)
    assert "Arial" not in cleaned and cleaned.count("font-family: 'Sanqu Report SC'") == 4
    assert "font-weight:bold\">x</tspan><tspan>&amp;尾巴</tspan></tspan>" in cleaned
    assert "passwd" not in cleaned and "example.com" not in cleaned and "<script" not in cleaned
    assert 'xlink:href="#keep"' in cleaned
    with pytest.raises(ValueError):
        export._cleaned('<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>')


def test_without_chromium_there_are_no_charts_and_one_warning(monkeypatch, caplog, tmp_path):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-chromium"))
    monkeypatch.setattr(export, "_chromium", export._Chromium())
    assert export.charts_available() is False
    with caplog.at_level(logging.WARNING, logger=export.__name__):
        assert export.svg_of(go.Figure(go.Bar(x=["a"], y=[1])), 600, 300) is None
        assert export.svg_of(go.Figure(go.Bar(x=["b"], y=[2])), 600, 300) is None
    warnings = [r.getMessage() for r in caplog.records if r.name == export.__name__]
    assert len(warnings) == 1 and "no Chromium found" in warnings[0] and "no-chromium" in warnings[0]


@pytest.mark.slow
def test_a_chromium_that_dies_at_start_gives_no_charts_and_no_hang(tmp_path):
    """A Chromium that exits at once: no chart, no wait (kaleido's own sync server would wait for
    ever), no second try.  In a process of its own: there is one Chromium per process."""
    script = (
        "import plotly.graph_objects as go\n"
        "from survey_app.reports import export\n"
        "print(export.charts_available())\n"
        "print(export.svg_of(go.Figure(go.Bar(x=['a'], y=[1])), 600, 300))\n"
        "print(export.svg_of(go.Figure(go.Bar(x=['a'], y=[1])), 600, 300))\n"
        "print(export.charts_available())\n"
    )
    env = {**os.environ, "BROWSER_PATH": shutil.which("true") or "/bin/true", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)  # noqa: S603
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "None", "None", "False"]
    assert "Chromium did not start" in done.stderr


@pytest.mark.browser
def test_a_chart_from_chromium_prints_its_chinese_labels_in_the_report_font(tmp_path):
    from survey_app.analysis.charts import ForestRow, forest

    fig = forest([ForestRow("平江县<b>x</b>&<script>尾巴", 30, 12.3, (10.1, 14.5)), ForestRow("凤凰县", 4, None, None),
                  ForestRow("桑植县", 40, -2.0, (-5.5, 1.5))], "各县社会工作认知变化", "后测减前测（分）")
    svg = export.svg_of(fig, 700, 320)
    assert svg is not None and svg.startswith("<svg") and export.charts_available()
    # labels are escaped before Plotly reads them (analysis/charts/inert.py): shown as typed,
    # no element comes from a label, not even Plotly's own <b>
    assert "&lt;script&gt;" in svg and "<script" not in svg and "&lt;b&gt;x&lt;/b&gt;" in svg
    assert "font-family: 'Sanqu Report SC'" in svg and "Noto Sans CJK" not in svg
    fetcher = SafeFetcher()
    path = write(render_pdf(sample_html(rows=3, chart=export.svg_block(svg)), fetcher), tmp_path)
    assert fetcher.refused == [] and any(url.startswith("data:image/svg+xml") for url in fetcher.fetched)
    text = "".join(pages_text(path))
    ticks = re.findall(r'class="xtick"><text[^>]*>([^<]+)<', svg)
    assert any(t.startswith("−") for t in ticks)  # Plotly's minus sign, U+2212
    for label in ("各县社会工作认知变化", "平江县<b>x</b>&<script>尾巴", "凤凰县", "桑植县", "n = 30", "后测减前测（分）", "-2.0", *ticks):
        assert label in text
    assert {family_of(f["name"]) for f in fonts(path)} == {"Sanqu-Report-SC"}
    # the chart is drawn: the page with it has far more ink than the text alone would give
    poppler("pdftoppm", "-r", "50", "-png", "-f", "3", "-l", "3", str(path), str(tmp_path / "chart"))
    grey = Image.open(next(tmp_path.glob("chart-*.png"))).convert("L")
    assert sum(grey.histogram()[:200]) > 3000


@pytest.mark.parametrize("style", ["Regular", "Bold"])
def test_the_report_font_has_the_signs_the_reports_print(style):
    """Plotly writes negative ticks with U+2212 and the wording prints "≥": a sign missing from
    the font would be drawn from another one (a second family in the PDF)."""
    from fontTools.ttLib import TTFont

    cmap = TTFont(ROOT / f"survey_app/static/fonts/NotoSansSC-{style}.woff2").getBestCmap()
    assert [c for c in "−≥≤±×α–—…“”（）％" if ord(c) not in cmap] == []


def test_the_embedded_font_is_one_every_pdf_reader_knows(sample):
    path, _ = sample
    done = poppler("pdftotext", str(path), "-")
    assert "Embedded font file may be invalid" not in done.stderr



@pytest.mark.browser
def test_charts_drawn_from_worker_threads_at_once_each_get_their_own():
    names = ["平江县", "凤凰县", "桑植县", "古丈县"]

    def draw(name: str) -> str | None:
        return export.svg_of(go.Figure(go.Bar(x=[name], y=[1])), 400, 200)

    with ThreadPoolExecutor(4) as pool:
        svgs = list(pool.map(draw, names))
    for name, svg in zip(names, svgs, strict=True):
        assert svg is not None and name in svg
        assert not [other for other in names if other != name and other in svg]


@pytest.mark.browser
def test_the_page_is_reloaded_between_reports_and_charts_go_on(monkeypatch):
    """kaleido's page is reloaded when a report is done (``Drawing.close``), once enough charts
    were drawn since the last reload; the next report's charts are drawn as before."""
    import time

    if not export.charts_available():
        pytest.skip("no Chromium for kaleido")
    monkeypatch.setattr(export, "RELOAD_EVERY", 2)
    with export.Drawing() as drawing:
        first = [drawing.submit(lambda n=n: go.Figure(go.Bar(x=[f"县{n}"], y=[n])), 300, 200) for n in range(3)]
        assert all(f.result() for f in first)
        kaleido = export._chromium.kaleido
        assert kaleido.renders >= 2
    deadline = time.monotonic() + 20
    while kaleido.renders and time.monotonic() < deadline:
        time.sleep(0.05)
    assert kaleido.renders == 0  # reloaded, off the report's path
    with export.Drawing() as drawing:
        assert "凤凰县" in (drawing.submit(lambda: go.Figure(go.Bar(x=["凤凰县"], y=[1])), 300, 200).result() or "")


@pytest.mark.browser
def test_a_process_that_drew_a_chart_exits_and_takes_chromium_with_it(tmp_path):
    script = (
        "import plotly.graph_objects as go\n"
        "from survey_app.reports import export\n"
        "assert export.svg_of(go.Figure(go.Bar(x=['a'], y=[1])), 300, 200)\n"
        "print(export._chromium.kaleido.subprocess.pid)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)  # noqa: S603
    assert done.returncode == 0, done.stderr
    status = Path(f"/proc/{int(done.stdout.split()[-1])}/status")
    # gone, or a zombie left for init to reap (this container's init does not always)
    assert not status.exists() or "State:\tZ" in status.read_text()
