"""One assessment report from request to file: the content (``content.assemble``), the findings
in plain Chinese (``wording``), targets against what was achieved (``targets``), the charts as
SVG (``export``), the HTML (the app's Jinja environment) and the PDF (``render``).  The Word
file (``word``) is made from the same HTML, with the charts as PNG."""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale
from markupsafe import Markup

from ..analysis import flags, snapshots, verdict
from ..auth.scope import Scope
from ..database import DBSession
from ..findings.quality import flag_names
from ..snapshot_policies import policy as snapshot_policy
from . import export, render, targets, wording
from .content import ACTIVITY_MEASURES, COMMENTS_PER_PLACE, PROGRAMME, ReportContent, assemble
from .request import ReportRequest

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]

SECTIONS = [("sec-summary", "一、摘要"), ("sec-targets", "二、绩效指标完成情况"), ("sec-prepost", "三、社会工作认知：前测与后测"),
            ("sec-items", "四、逐题结果"), ("sec-satisfaction", "五、服务满意度"), ("sec-activity", "六、工作队工作量"),
            ("sec-comments", "七、居民意见（摘录）"), ("sec-quality", "八、数据质量"), ("sec-method", "附录：方法")]
CHINA = dt.timezone(dt.timedelta(hours=8))


def china_day(value: dt.datetime | None) -> str:
    return value.astimezone(CHINA).strftime("%Y 年 %m 月 %d 日") if value else ""


def plain(value: float | None) -> str:
    """A target or achieved figure: whole numbers without decimals, others to one."""
    if value is None:
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def targets_path() -> Path:
    return Path(current_app.config.get("QUESTIONNAIRE_DIR", "questionnaires")) / targets.TARGETS_FILE


def report_html(session: DBSession, request: ReportRequest, scope: Scope, progress: Progress | None = None) -> str:
    """The report's HTML, every chart embedded as SVG (PlaceError when ``scope`` may not read it)."""
    step = progress or (lambda fraction, text: None)
    with export.Drawing() as drawing:
        prepared = prepare(session, request, scope, drawing, step)
        step(0.45, "绘制图表")
        sections = list(prepared.content.charts.values())
        for i, section in enumerate(sections):
            section.svg = section.drawing.result() if section.drawing is not None else None
            step(0.45 + 0.35 * (i + 1) / max(len(sections), 1), f"绘制图表 {i + 1}/{len(sections)}")
    step(0.8, "排版")
    drawn = prepared.charts_drawn and (any(s.svg for s in sections) or not sections)
    return prepared.render(lambda s: export.svg_block(s.svg) if s.svg else None, drawn)


def report_file(session: DBSession, request: ReportRequest, scope: Scope, progress: Progress | None = None) -> bytes:
    """The report in its request's format: the PDF or the Word document (the report worker's
    builder, ``REPORT_BUILDER``)."""
    if request.format == "docx":
        from .word import report_docx

        return report_docx(session, request, scope, progress)
    return report_pdf(session, request, scope, progress)


def report_pdf(session: DBSession, request: ReportRequest, scope: Scope, progress: Progress | None = None) -> bytes:
    """The report as a PDF (PlaceError when ``scope`` may not read it).

    WeasyPrint starts on the HTML while Chromium is still drawing: each chart is an ``<img>``
    that :class:`render.SafeFetcher` answers when its SVG is done, and WeasyPrint asks for images
    only once it has parsed the document and matched every style (0.15 s of a county report here).
    A chart that could not be drawn shows its ``alt`` text; its table is printed anyway."""
    step = progress or (lambda fraction, text: None)
    with export.Drawing() as drawing:
        prepared = prepare(session, request, scope, drawing, step)
        step(0.5, "排版")
        drawn = prepared.charts_drawn
        charts = {s.key: s.drawing for s in prepared.content.charts.values() if drawn and s.drawing is not None}
        html = prepared.render(lambda s: export.chart_img(render.chart_url(s.key)) if s.key in charts else None, drawn)
        pdf = render.render_pdf(html, render.SafeFetcher(charts=charts))
    step(1.0, "完成")
    return pdf


class Prepared:
    """Everything but the charts' images: the content, the targets and the findings; ``render``
    makes the report's HTML, each chart as ``chart`` puts it (or its note when None)."""

    def __init__(self, request: ReportRequest, content: ReportContent, target_tables: list[targets.TargetTable],
                 targets_note: str | None, charts_drawn: bool) -> None:
        self.request, self.content, self.charts_drawn = request, content, charts_drawn
        self.target_tables, self.targets_note = target_tables, targets_note

    def render(self, chart: Callable[[Any], Markup | None], charts_drawn: bool) -> str:
        content = self.content
        sections = [(key, title) for key, title in SECTIONS if _has_section(content, key)]
        template = current_app.jinja_env.get_template("reports/report.html")
        with force_locale("zh"):  # a report is in Chinese whoever asks for it
            return self._render(template, chart, charts_drawn, sections)

    def _render(self, template: Any, chart: Callable[[Any], Markup | None], charts_drawn: bool,
                sections: list[tuple[str, str]]) -> str:
        content = self.content
        return template.render(
            c=content, findings=_findings(content, self.target_tables), target_tables=self.target_tables,
            targets_note=self.targets_note, programme=PROGRAMME, charts_drawn=charts_drawn, chart=chart,
            issuer=current_app.config["REPORT_ISSUER"], number=report_number(self.request, content),
            verdict_words=verdict.WORDS["zh"], caution_words=verdict.CAUTION_WORDS["zh"],
            toc=self.request.kind == "programme", sections=sections, china_day=china_day, plain=plain,
            flag_names=flag_names(), flag_keys=flags.FLAGS, min_cell=content.method.get("min_cell", 5),
            comments_per_place=COMMENTS_PER_PLACE,
            measures=[m for m in ACTIVITY_MEASURES if content.activity and m in content.activity.labels],
        )


def prepare(session: DBSession, request: ReportRequest, scope: Scope, drawing: export.Drawing, step: Progress) -> Prepared:
    """The content, targets and findings of a report, its charts handed to ``drawing`` as soon
    as their numbers are known (PlaceError when ``scope`` may not read it)."""
    place = request.place(session, scope)
    step(0.05, "读取数据")
    connection = session.connection()  # the session's own: one snapshot of the data
    # each chart is handed to Chromium as soon as its numbers are known, and drawn while the
    # rest of the report is gathered
    # a report is a document of record: figures of the data as it stands, from a snapshot only
    # when the data has not changed since (analysis/snapshots.py)
    with snapshots.using(snapshot_policy(current_app.config)):
        content = assemble(session, connection, request, place, drawing.submit)
        step(0.35, "核对绩效指标")
        target_tables, targets_note = _targets(session, connection, request, place)
    return Prepared(request, content, target_tables, targets_note, charts_drawn=drawing.pool is not None)


def _has_section(content: ReportContent, key: str) -> bool:
    return {"sec-items": bool(content.items and content.items.tables), "sec-satisfaction": content.satisfaction is not None,
            "sec-activity": bool(content.activity and content.activity.overall.n),
            "sec-comments": bool(content.comments)}.get(key, True)


def _targets(session: DBSession, connection: Any, request: ReportRequest, place: Any) -> tuple[list[targets.TargetTable], str | None]:
    path = targets_path()
    if not path.exists():
        return [], "没有绩效指标文件。"
    try:
        loaded = targets.load_targets(path)
    except targets.TargetsError as exc:
        log.warning("targets file not usable: %s", exc)
        return [], "绩效指标文件有错误，未能比较（见日志）。"
    return targets.report_tables(session, connection, loaded, request, place)


def report_number(request: ReportRequest, content: ReportContent) -> str:
    """The report's number: scope, round and a digest of what it covers and when its data
    ends, so that the same report of the same data carries the same number."""
    digest = hashlib.sha256(f"{request.text}|{request.round_year}|{content.data_as_of}".encode()).hexdigest()[:6].upper()
    return f"SQPG-{request.code or 'QS'}-{request.round_year or 'QB'}-{digest}"


def _findings(content: ReportContent, target_tables: list[targets.TargetTable]) -> list[str]:
    out = []
    if content.prepost:
        out.append(wording.prepost_sentence(content.prepost, content.index_label or "社会工作认知指数"))
    for row in content.mcnemar:
        out.append(wording.mcnemar_sentence(row.label, row.result))
    if content.satisfaction is not None:
        total = content.satisfaction.total
        out.append(wording.satisfaction_sentence(total.n, total.mean, total.share_satisfied))
    if content.forest:
        sentence = wording.comparison_sentence(content.forest, content.group_word)
        if sentence:
            out.append(sentence)
    for table in target_tables:
        if table.rows:
            prefix = f"{table.round_name}：" if len(target_tables) > 1 or content.request.round_year is None else ""
            out.append(prefix + wording.targets_sentence(table.rows))
    return [s for s in out if s]
