"""The report's HTML (templates/reports/report.html, the PDF's own) written as a Word document:
the same sections, sentences, tables and charts in the same order, so that the wording lives in
one place.  Headings become Word's Heading 1-3, tables real Word tables (their header rows
repeat on every page), charts pictures with their captions.  The HTML is the report template's,
a small known set of elements; anything else is written as plain paragraphs, never dropped.
No Flask here."""
from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import lxml.html
from docx import Document as new_document
from docx.document import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph

from . import word_styles as styles
from . import word_tables
from .export import NOT_DRAWN

_SPACE = re.compile(r"\s+")
#: a paragraph's class -> its style (the PDF's classes of the same names)
_PARAGRAPHS = {"note": styles.NOTE, "caution": styles.CAUTION}


@dataclass(frozen=True)
class Look:
    """How a run of text looks (inline HTML: strong, sub, the notes inside a paragraph)."""

    bold: bool = False
    subscript: bool = False
    superscript: bool = False
    small: bool = False


@dataclass(frozen=True)
class Meta:
    title: str
    subject: str
    number: str
    running_title: str
    made: Any  # datetime


def docx_of(html: str, images: Mapping[str, bytes], meta: Meta) -> bytes:
    """The Word file of a report's HTML; ``images``: each chart's PNG by key (the HTML marks a
    chart's place as ``<img data-chart="KEY">``)."""
    doc = new_document()
    styles.set_up(doc)
    writer = _Writer(doc, images)
    body = lxml.html.document_fromstring(html).body
    cover = body.find(".//section[@class='cover']")
    if cover is not None:
        writer.blocks(cover)
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    main = body.find(".//main")
    styles.add_toc(doc, list(_headings(main)) if main is not None else [])
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    for element in body if main is None else [main]:
        if element is not cover:
            writer.block(element)
    styles.page_furniture(doc, meta.running_title)
    styles.settings(doc)
    styles.font_table(doc)
    styles.properties(doc, meta.title, meta.subject, meta.number, meta.made)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


_HEADINGS = {"h2": 1, "h3": 2, "h4": 3}


def set_style(paragraph: Paragraph, style: Any) -> None:
    """``paragraph.style = style`` without python-docx's look-up of the default style, which
    reads every style's attributes on each call (a second of a county report's tables)."""
    paragraph._p.get_or_add_pPr().style = style.style_id


def _headings(main: Any) -> Iterator[tuple[int, str]]:
    for element in main.iter("h2", "h3", "h4"):
        level = _HEADINGS[element.tag]
        if level <= styles.TOC_LEVELS:
            yield level, _flat(element)


def _flat(element: Any) -> str:
    return _SPACE.sub(" ", element.text_content()).strip()


def _classes(element: Any) -> set[str]:
    return set((element.get("class") or "").split())


class _Writer:
    def __init__(self, doc: Document, images: Mapping[str, bytes]) -> None:
        self.doc, self.images = doc, images
        self._styles = {s.name: s for s in doc.styles}

    def paragraph(self, style: str, container: Any = None) -> Paragraph:
        paragraph = (container or self.doc).add_paragraph()
        set_style(paragraph, self._styles[style])
        return paragraph

    # -- blocks ------------------------------------------------------------------------------

    def blocks(self, parent: Any) -> None:
        for child in parent:
            self.block(child)

    def block(self, element: Any) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        classes = _classes(element)
        if tag in ("section", "main", "div", "article", "body", "header", "footer") and "toc" not in classes:
            if any(isinstance(c.tag, str) for c in element):
                self.blocks(element)
            elif _flat(element):
                self.inline_paragraph(element, styles.BODY)
        elif tag in ("nav", "script", "style", "title", "head", "link", "meta") or not tag:
            return  # the template's own table of contents gives way to Word's field
        elif tag == "h1":
            self.inline_paragraph(element, "Title")
        elif tag in _HEADINGS:
            self.inline_paragraph(element, f"Heading {_HEADINGS[tag]}")
        elif tag == "table":
            self.table(element)
        elif tag == "figure":
            self.figure(element)
        elif tag == "blockquote":
            self.quote(element)
        elif tag in ("ol", "ul"):
            self.items(element, numbered=tag == "ol")
        elif tag == "dl":
            self.pairs(element)
        elif tag == "p":
            self.p(element, classes)
        elif _flat(element):
            self.inline_paragraph(element, styles.BODY)

    def p(self, element: Any, classes: set[str]) -> None:
        if "programme" in classes or "report-scope" in classes:  # the cover's lines around its title
            paragraph = self.inline_paragraph(element, "Normal", Look(bold="report-scope" in classes))
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            size = Pt(18) if "report-scope" in classes else Pt(14)
            for run in paragraph.runs:
                run.font.size = size
            paragraph.paragraph_format.space_after = Pt(18)
            return
        style = next((_PARAGRAPHS[c] for c in classes if c in _PARAGRAPHS), styles.BODY)
        self.inline_paragraph(element, style)

    def inline_paragraph(self, element: Any, style: str, look: Look = Look(), container: Any = None) -> Paragraph:
        paragraph = self.paragraph(style, container)
        _Runs(paragraph).write(element, look)
        return paragraph

    def figure(self, element: Any) -> None:
        image = element.find(".//img[@data-chart]")
        caption = element.find(".//figcaption")
        png = self.images.get(image.get("data-chart")) if image is not None else None
        if png is None:  # the template writes its note when a chart is missing; this is a mark without a picture
            self.paragraph(styles.NOTE).add_run(NOT_DRAWN)
        else:
            paragraph = self.paragraph("Normal")
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.paragraph_format.keep_with_next = True
            run = paragraph.add_run()
            run.add_picture(io.BytesIO(png), width=Mm(styles.TEXT_WIDTH_MM))
            if caption is not None:  # the caption as the picture's alternative text, for screen readers
                for properties in run._r.iter(qn("wp:docPr")):
                    properties.set("descr", _flat(caption))
        if caption is not None:
            self.inline_paragraph(caption, "Caption")

    def quote(self, element: Any) -> None:
        for child in element:
            if child.tag == "footer":
                paragraph = self.paragraph("Quote")
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                paragraph.add_run("—— " + _flat(child))
            elif isinstance(child.tag, str):
                self.inline_paragraph(child, "Quote")
        if not len(element) and _flat(element):
            self.inline_paragraph(element, "Quote")

    def items(self, element: Any, numbered: bool) -> None:
        # numbers written out: Word's list numbering would carry on from one list to the next
        for number, item in enumerate(element.iterfind("li"), start=1):
            paragraph = self.paragraph(styles.LIST)
            paragraph.paragraph_format.left_indent = Mm(8)
            paragraph.paragraph_format.first_line_indent = Mm(-6)
            paragraph.add_run(f"{number}. " if numbered else "• ")
            _Runs(paragraph, started=True).write(item, Look())

    def pairs(self, element: Any) -> None:
        """A definition list (the cover's issuer, number, period...) as a two-column table
        without borders."""
        terms = [child for child in element if child.tag in ("dt", "dd")]
        rows: list[list[Any]] = []
        for child in terms:
            if child.tag == "dt" or not rows:
                rows.append([child, None])
            else:
                rows[-1][1] = child
        table = self.doc.add_table(rows=len(rows), cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        table.columns[0].width, table.columns[1].width = Mm(30), Mm(90)
        for (term, value), row in zip(rows, table.rows, strict=True):
            cells = row.cells
            cells[0].width, cells[1].width = Mm(30), Mm(90)
            head = cells[0].paragraphs[0]
            set_style(head, self._styles[styles.HEAD_CELL])
            _Runs(head).write(term, Look())
            head.add_run("：")
            if value is not None:
                body = cells[1].paragraphs[0]
                set_style(body, self._styles["Normal"])
                _Runs(body).write(value, Look())
            for cell in cells:
                for run in cell.paragraphs[0].runs:
                    run.font.size = Pt(12)
                cell.paragraphs[0].paragraph_format.space_after = Pt(6)
        self.paragraph("Normal")

    def table(self, element: Any) -> None:
        word_tables.write(self.doc, element, self._styles, lambda paragraph, source, look: _Runs(paragraph).write(source, look),
                          lambda bold: Look(bold=bold))
        self.paragraph(styles.NOTE).paragraph_format.space_after = Pt(2)


class _Runs:
    """A paragraph's runs from inline HTML, white space collapsed as a browser does (and as
    WeasyPrint did for the PDF)."""

    def __init__(self, paragraph: Paragraph, started: bool = False) -> None:
        self.paragraph = paragraph
        self.space_before = not started  # at the start of a line, white space is dropped
        self.pending: list[tuple[str, Look]] = []

    def write(self, element: Any, look: Look) -> None:
        self._walk(element, look)
        self._flush(end=True)

    def _walk(self, element: Any, look: Look) -> None:
        self._text(element.text, look)
        for child in element:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag == "br":
                self._flush(end=True)
                self.paragraph.add_run().add_break()
                self.space_before = True
            elif tag == "img" and child.get("data-chart"):
                pass  # a chart is a block of its own (figure)
            elif tag:
                self._walk(child, _look(child, look))
            self._text(child.tail, look)

    def _text(self, text: str | None, look: Look) -> None:
        if not text:
            return
        text = _SPACE.sub(" ", text)
        if self.space_before:
            text = text.lstrip(" ")
        if text:
            self.pending.append((text, look))
            self.space_before = text.endswith(" ")

    def _flush(self, end: bool) -> None:
        if end and self.pending:
            last, look = self.pending[-1]
            self.pending[-1] = (last.rstrip(" "), look)
        merged: list[tuple[str, Look]] = []
        for text, look in self.pending:
            if merged and merged[-1][1] == look:
                merged[-1] = (merged[-1][0] + text, look)
            elif text:
                merged.append((text, look))
        for text, look in merged:
            if not text:
                continue
            run = self.paragraph.add_run(text)
            if look.bold:
                run.bold = True
            if look.subscript:
                run.font.subscript = True
            if look.superscript:
                run.font.superscript = True
            if look.small:
                run.font.size = Pt(9)
                run.font.color.rgb = styles.GREY
        self.pending = []


def _look(element: Any, look: Look) -> Look:
    tag, classes = element.tag, _classes(element)
    if tag in ("strong", "b", "th"):
        look = replace(look, bold=True)
    if tag == "sub":
        look = replace(look, subscript=True)
    if tag == "sup":
        look = replace(look, superscript=True)
    if "note" in classes or "unit" in classes:
        look = replace(look, small=True, bold=False)
    return look
