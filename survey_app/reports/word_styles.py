"""The Word report's page and styles: A4 with GB/T 9704's margins, body text in 仿宋 and headings
in 黑体 (Word's own Heading 1-3, so that 引用 > 目录 finds them), page numbers in the footer, a
table of contents field, and the document's properties.  python-docx sets most of it; the East
Asian fonts, fields and a few settings need a little XML of their own.  No Flask here.

Fonts are named, never embedded: 仿宋 and 黑体 come with every Chinese Windows and with WPS.
Each named font also carries a Latin font for digits and Latin letters, and the font table
says what each is (GB2312 character set, fixed pitch), so that Word on a machine without them
substitutes a Chinese font of the same kind rather than a Western one.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from docx.document import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

BODY_FONT, HEADING_FONT = "仿宋", "黑体"
#: the Latin fonts beside them (digits, Latin letters, the units)
BODY_LATIN, HEADING_LATIN = "Times New Roman", "Arial"
#: GB/T 9704-2012: A4; 天头 37 mm, 订口 28 mm, a text block 156 x 225 mm
PAGE = {"width": Mm(210), "height": Mm(297), "top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
TEXT_WIDTH_MM = 156
AUTHOR = "三区社会工作专业人才支持计划"
GREY = RGBColor(0x59, 0x59, 0x59)
BLACK = RGBColor(0, 0, 0)

#: paragraph styles of our own, by what they are for (the built-in ones keep their names)
BODY, NOTE, CAUTION, CELL, HEAD_CELL, LIST, TOC_TITLE = "报告正文", "说明文字", "提示", "表格文字", "表头文字", "题目列表", "目录标题"
#: their ids in the file: ASCII, as Word makes them for styles with Chinese names; and Word's
#: own ids for its table of contents levels
_IDS = {BODY: "ReportBody", NOTE: "ReportNote", CAUTION: "ReportCaution", CELL: "TableText", HEAD_CELL: "TableHead",
        LIST: "ItemList", TOC_TITLE: "TocTitle", "toc 1": "TOC1", "toc 2": "TOC2", "toc 3": "TOC3"}
#: what the table of contents lists: Heading 1 and 2 (the report's sections and their parts)
TOC_LEVELS = 2
TOC_HINT = ("目录由 Word/WPS 根据各级标题生成：打开文件时如询问是否更新域，请选择“是”；"
            "也可右键单击目录，选择“更新域”（WPS：更新目录）以更新页码。")
FONT_NOTE = (f"本文件正文使用{BODY_FONT}、标题使用{HEADING_FONT}（WPS 和中文版 Windows 自带）；"
             "电脑上没有这两种字体时，Word 会以其他中文字体代替显示，内容不变。")

#: the font table's description of each, as Word writes it for SimHei and FangSong
_FONTS = {
    BODY_FONT: ("FangSong", "02010609060101010101", "modern"),
    HEADING_FONT: ("SimHei", "02010609060101010101", "modern"),
}


def set_fonts(element: Any, latin: str, east_asian: str) -> None:
    """Set a style's or a run's fonts: ``w:rFonts`` with ``w:eastAsia`` (which python-docx
    does not set), the theme fonts that would override them removed."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for name in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(name), None)
    for name, value in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asian), ("w:cs", latin)):
        fonts.set(qn(name), value)


def _style(doc: Document, name: str, base: str, size: float, *, heading: bool = False, bold: bool = False,
           color: RGBColor = BLACK, align: Any = None, indent_chars: int = 0, before: float = 0, after: float = 0,
           line: float | None = None) -> Any:
    styles = doc.styles
    try:
        style = styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.style_id = _IDS.get(name, style.style_id)
        style.base_style = styles[base]
        style.quick_style = True
    font = style.font
    font.size, font.bold, font.italic = Pt(size), bold, False
    font.color.rgb = color
    set_fonts(style.element, HEADING_LATIN if heading else BODY_LATIN, HEADING_FONT if heading else BODY_FONT)
    pf = style.paragraph_format
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    if line is not None:
        pf.line_spacing = line
    if align is not None:
        pf.alignment = align
    if indent_chars:
        # Chinese text is indented by two characters: in characters (w:firstLineChars, which
        # Word and WPS use) and in points (which LibreOffice uses)
        pf.first_line_indent = Pt(size * indent_chars)
        style.element.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), str(indent_chars * 100))
    return style


def set_up(doc: Document) -> None:
    """Page, margins and every style the report uses."""
    section = doc.sections[0]
    section.page_width, section.page_height = PAGE["width"], PAGE["height"]
    section.top_margin, section.bottom_margin = PAGE["top"], PAGE["bottom"]
    section.left_margin, section.right_margin = PAGE["left"], PAGE["right"]
    section.header_distance, section.footer_distance = Mm(20), Mm(22)
    section.start_type = WD_SECTION.NEW_PAGE
    _defaults(doc)
    _style(doc, "Normal", "Normal", 12, line=1.25)
    _style(doc, BODY, "Normal", 12, indent_chars=2, after=4, line=1.4, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _style(doc, NOTE, "Normal", 9, color=GREY, after=3, line=1.2)
    caution = _style(doc, CAUTION, "Normal", 11, bold=True, before=3, after=6, line=1.3)
    _border(caution.element.get_or_add_pPr(), "left", "C0504D", 18)
    _style(doc, CELL, "Normal", 9, line=1.0)
    _style(doc, HEAD_CELL, "Normal", 9, heading=True, line=1.0)
    _style(doc, LIST, "Normal", 11, after=2, line=1.25)
    _style(doc, TOC_TITLE, "Normal", 16, heading=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=12)
    for level, size, before, after in ((1, 16, 18, 8), (2, 14, 12, 6), (3, 12, 8, 4)):
        style = _style(doc, f"Heading {level}", "Normal", size, heading=True, before=before, after=after, line=1.25)
        style.paragraph_format.keep_with_next = True
        _char_fonts(doc, f"Heading {level} Char", heading=True)
    title = _style(doc, "Title", "Normal", 26, heading=True, align=WD_ALIGN_PARAGRAPH.CENTER, before=60, after=24)
    ppr = title.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)
    _char_fonts(doc, "Title Char", heading=True)
    _style(doc, "Caption", "Normal", 10.5, heading=True, align=WD_ALIGN_PARAGRAPH.CENTER, before=2, after=10)
    quote = _style(doc, "Quote", "Normal", 11, after=2, line=1.3)
    quote.paragraph_format.left_indent, quote.paragraph_format.right_indent = Mm(8), Mm(8)
    _border(quote.element.get_or_add_pPr(), "left", "A6A6A6", 12)
    _char_fonts(doc, "Quote Char", heading=False)
    for level in range(1, TOC_LEVELS + 1):
        toc = _style(doc, f"toc {level}", "Normal", 12, after=3, line=1.25)
        toc.paragraph_format.left_indent = Mm(7 * (level - 1))
        toc.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)


def _defaults(doc: Document) -> None:
    """The document's default run: 仿宋 with its Latin font, Chinese as the East Asian language."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    for name in list(fonts.attrib):
        del fonts.attrib[name]
    for name, value in (("w:ascii", BODY_LATIN), ("w:hAnsi", BODY_LATIN), ("w:eastAsia", BODY_FONT), ("w:cs", BODY_LATIN)):
        fonts.set(qn(name), value)
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _char_fonts(doc: Document, name: str, heading: bool) -> None:
    try:
        style = doc.styles[name]
    except KeyError:
        return
    set_fonts(style.element, HEADING_LATIN if heading else BODY_LATIN, HEADING_FONT if heading else BODY_FONT)
    style.font.color.rgb = BLACK
    style.font.italic = False


#: what follows w:pBdr in a paragraph's properties (CT_PPr's sequence: Word refuses another order)
_AFTER_BORDERS = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
                  "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
                  "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
                  "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def _border(ppr: Any, side: str, color: str, size: int) -> None:
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.insert_element_before(borders, *_AFTER_BORDERS)
    line = OxmlElement(f"w:{side}")
    for name, value in (("w:val", "single"), ("w:sz", str(size)), ("w:space", "8"), ("w:color", color)):
        line.set(qn(name), value)
    borders.append(line)


# -- fields ---------------------------------------------------------------------------------

def _field_char(run: Any, kind: str, dirty: bool = False) -> None:
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    if dirty:
        element.set(qn("w:dirty"), "true")  # Word and WPS recompute it when they open the file
    run._r.append(element)


def _instruction(run: Any, text: str) -> None:
    element = OxmlElement("w:instrText")
    element.set(qn("xml:space"), "preserve")
    element.text = f" {text} "
    run._r.append(element)


def add_field(paragraph: Paragraph, instruction: str, shown: str) -> None:
    """A field (PAGE, TOC...) in one paragraph, showing ``shown`` until it is updated."""
    _field_char(paragraph.add_run(), "begin")
    _instruction(paragraph.add_run(), instruction)
    _field_char(paragraph.add_run(), "separate")
    paragraph.add_run(shown)
    _field_char(paragraph.add_run(), "end")


def add_toc(doc: Document, entries: list[tuple[int, str]]) -> None:
    """A table of contents field over Heading 1 to ``TOC_LEVELS``, its result already filled
    with the headings (without page numbers, which only a layout knows): the document reads
    right before anyone updates it, and Word or WPS put the page numbers in when they do."""
    doc.add_paragraph("目录", style=TOC_TITLE)
    first = doc.add_paragraph(style="toc 1")
    _field_char(first.add_run(), "begin", dirty=True)
    _instruction(first.add_run(), f'TOC \\o "1-{TOC_LEVELS}" \\h \\z \\u')
    _field_char(first.add_run(), "separate")
    paragraph = first
    for i, (level, text) in enumerate(entries or [(1, "（右键单击此处，选择“更新域”生成目录）")]):
        if i:
            paragraph = doc.add_paragraph(style=f"toc {min(level, TOC_LEVELS)}")
        else:
            paragraph.style = doc.styles[f"toc {min(level, TOC_LEVELS)}"]
        paragraph.add_run(text)
    _field_char(paragraph.add_run(), "end")
    doc.add_paragraph(TOC_HINT, style=NOTE).paragraph_format.space_before = Pt(12)
    doc.add_paragraph(FONT_NOTE, style=NOTE)


def page_furniture(doc: Document, running_title: str) -> None:
    """The running title in the header and "— N —" in the footer (GB/T 9704's page number), on
    every page but the cover."""
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    header.text = running_title
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    header.style = doc.styles["Header"]
    for run in header.runs:
        run.font.size, run.font.color.rgb = Pt(9), GREY
    _border(header._p.get_or_add_pPr(), "bottom", "A6A6A6", 4)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("— ")
    add_field(footer, "PAGE", "1")
    footer.add_run(" —")
    for run in footer.runs:
        run.font.size = Pt(12)
    for style in ("Header", "Footer"):
        set_fonts(doc.styles[style].element, BODY_LATIN, BODY_FONT)


# -- the package --------------------------------------------------------------------------------

def settings(doc: Document) -> None:
    """Fields updated when the file is opened (the table of contents gets its page numbers),
    Chinese as the East Asian theme language."""
    element = doc.settings.element
    later = {qn(f"w:{n}") for n in ("hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids")} | {
        qn("m:mathPr"), qn("w:attachedSchema"), qn("w:themeFontLang"), qn("w:clrSchemeMapping"),
        qn("w:doNotIncludeSubdocsInStats"), qn("w:doNotAutoCompressPictures"), qn("w:forceUpgrade"), qn("w:captions"),
        qn("w:readModeInkLockDown"), qn("w:smartTagType"), qn("w:shapeDefaults"), qn("w:doNotEmbedSmartTags"),
        qn("w:decimalSymbol"), qn("w:listSeparator")}
    update = parse_xml(f'<w:updateFields {nsdecls("w")} w:val="true"/>')
    following = next((child for child in element if child.tag in later), None)
    if following is not None:
        following.addprevious(update)
    else:
        element.append(update)
    lang = element.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")


def font_table(doc: Document) -> None:
    """Describe 仿宋 and 黑体 in the font table (the character set and kind Word substitutes by)."""
    from lxml import etree

    part = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    root = etree.fromstring(part.blob)  # python-docx's own template
    for name, (alt, panose, family) in _FONTS.items():
        root.append(parse_xml(
            f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alt}"/><w:panose1 w:val="{panose}"/>'
            f'<w:charset w:val="86"/><w:family w:val="{family}"/><w:pitch w:val="fixed"/>'
            '<w:sig w:usb0="800002BF" w:usb1="38CF7CFA" w:usb2="00000016" w:usb3="00000000" w:csb0="00040001" w:csb1="00000000"/>'
            '</w:font>'))
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def properties(doc: Document, title: str, subject: str, number: str, made: dt.datetime) -> None:
    """Title, author (the programme), subject (the period) and the report number; python-docx's
    template thumbnail is dropped (Explorer would show a picture of another document)."""
    core = doc.core_properties
    core.title, core.subject, core.author, core.last_modified_by = title, subject, AUTHOR, AUTHOR
    core.keywords, core.category, core.comments = "三区计划；社会工作；评估报告", "评估报告", f"报告编号 {number}"
    core.language, core.created, core.modified, core.revision = "zh-CN", made, made, 1
    package = doc.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[rel_id]
