"""The assessment report as a Word document (.docx) that an office can edit before sending it up:
made from the same content, findings and template as the PDF (``build.prepare``, the report's
HTML), its charts drawn as PNG at print resolution (``chart_png``) while the rest is
gathered, then written by ``word_document``."""
from __future__ import annotations

from markupsafe import Markup

from ..auth.scope import Scope
from ..database import DBSession
from . import build, chart_png, export
from .request import ReportRequest
from .word_document import Meta, docx_of

TITLE = "社会工作服务评估报告"


def chart_mark(key: str) -> Markup:
    """Where a chart goes in the HTML the Word file is written from."""
    return Markup('<img class="chart" data-chart="{}" alt="">').format(key)


def report_docx(session: DBSession, request: ReportRequest, scope: Scope, progress: build.Progress | None = None) -> bytes:
    """The report as a .docx (PlaceError when ``scope`` may not read it).  A chart that could
    not be drawn leaves its note, as in the PDF; its table is there anyway."""
    step = progress or (lambda fraction, text: None)
    with export.Drawing(chart_png.print_png) as drawing:
        prepared = build.prepare(session, request, scope, drawing, step)
        step(0.5, "绘制图表")
        images: dict[str, bytes] = {}
        for section in prepared.content.charts.values():
            png = section.drawing.result() if section.drawing is not None else None
            if isinstance(png, bytes):
                images[section.key] = png
    step(0.8, "排版")
    html = prepared.render(lambda s: chart_mark(s.key) if s.key in images else None, prepared.charts_drawn)
    content = prepared.content
    period = content.period + (f"（{content.period_dates}）" if content.period_dates else "")
    meta = Meta(title=f"{content.scope_name} · {TITLE}", subject=period,
                number=build.report_number(request, content), running_title=f"{content.scope_name} · {TITLE}",
                made=content.generated)
    data = docx_of(html, images, meta)
    step(1.0, "完成")
    return data
