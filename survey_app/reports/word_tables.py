"""The report's HTML tables as Word tables: header rows that repeat on every page the table runs
onto, numbers right-aligned, merged cells where the HTML spans columns (``n < 5``), rows that do
not break across pages, and columns as wide as their contents need within the text width (a
number's column is never squeezed by a long question).  No Flask here."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from docx.document import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Mm

from . import word_styles as styles

_SPACE = re.compile(r"\s+")
#: a half-width character of the tables' 9 pt text, and a cell's padding (Word's 1.9 mm a side)
CHAR_MM, PAD_MM = 9 / 72 * 25.4 / 2, 4.4
#: a column is never narrower than this many half-width characters; a heading may wrap at this many
NARROWEST, HEADING_WRAP = 5, 8
HEAD_FILL = "DCE6F0"

#: writes a cell's inline HTML into its paragraph (word_document's runs), bold when asked
Inline = Callable[[Any, Any, Any], None]


def write(doc: Document, element: Any, known: Mapping[str, Any], inline: Inline, look: Callable[[bool], Any]) -> None:
    """Append the HTML ``<table>`` ``element`` to ``doc``; ``known``: the document's styles by
    name; ``look(bold)``: how a cell's text looks."""
    rows: list[tuple[Any, bool]] = []
    for part in element:
        if part.tag in ("thead", "tbody", "tfoot"):
            rows += [(tr, part.tag == "thead") for tr in part.iterfind("tr")]
        elif part.tag == "tr":
            rows.append((part, False))
    if not rows:
        return
    grid = max(sum(span(cell) for cell in cells_of(tr)) for tr, _head in rows)
    widths = column_widths(rows, grid)
    table = doc.add_table(rows=len(rows), cols=grid)
    table.style = known["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for (tr, head), row in zip(rows, table.rows, strict=True):
        _row(tr, head, row.cells, widths, known, inline, look)
        properties = row._tr.get_or_add_trPr()
        properties.append(parse_xml(f'<w:cantSplit {nsdecls("w")}/>'))
        if head:  # repeated at the top of every page the table runs onto
            properties.append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))


def _row(tr: Any, head: bool, cells: list[Any], widths: list[Any], known: Mapping[str, Any], inline: Inline,
         look: Callable[[bool], Any]) -> None:
    column = 0
    total = "total" in classes_of(tr)
    for source in cells_of(tr):
        wide = min(span(source), len(cells) - column)
        if wide <= 0:
            break  # a row longer than the table's first rows: cannot happen with the template's tables
        cell = cells[column]
        if wide > 1:
            cell = cell.merge(cells[column + wide - 1])
        cell.width = sum(widths[column:column + wide], Mm(0))
        paragraph = cell.paragraphs[0]
        # the style's id set as is: python-docx's setter looks the default style up on each call
        paragraph._p.get_or_add_pPr().style = known[styles.HEAD_CELL if head else styles.CELL].style_id
        if "num" in classes_of(source):
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif head:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        row_heading = not head and source.tag == "th"
        inline(paragraph, source, look(total or row_heading))
        if head:
            cell._tc.get_or_add_tcPr().append(parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{HEAD_FILL}"/>'))
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        column += wide


def cells_of(tr: Any) -> list[Any]:
    return [c for c in tr if c.tag in ("td", "th")]


def classes_of(element: Any) -> set[str]:
    return set((element.get("class") or "").split())


def span(cell: Any) -> int:
    try:
        return max(1, int(cell.get("colspan") or 1))
    except ValueError:
        return 1


def text_width(text: str) -> int:
    """Text's width in half-width characters (a Chinese character is two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def column_widths(rows: list[tuple[Any, bool]], grid: int, width_mm: float = styles.TEXT_WIDTH_MM) -> list[Any]:
    """Each column's width: what its widest line needs (its heading on one line when all fit,
    else wrapped), then, when the columns need less than the text width, the rest shared in
    proportion; when they need more, the narrow columns keep what they need and the wide ones
    share what is left."""
    natural = _natural(rows, grid, wrap_headings=False)
    if sum(natural) > width_mm:
        natural = _natural(rows, grid, wrap_headings=True)
    if sum(natural) <= width_mm:
        return [Mm(n * width_mm / sum(natural)) for n in natural]
    fixed: dict[int, float] = {}
    while True:  # water-filling: a column needing less than an equal share of what is left keeps its need
        left = width_mm - sum(fixed.values())
        open_columns = [i for i in range(grid) if i not in fixed]
        share = left / len(open_columns)
        narrow = [i for i in open_columns if natural[i] <= share]
        if not narrow:
            break
        fixed.update({i: natural[i] for i in narrow})
        if len(fixed) == grid:
            break
    left = width_mm - sum(fixed.values())
    rest = sum(natural[i] for i in range(grid) if i not in fixed)
    return [Mm(fixed[i] if i in fixed else natural[i] * left / rest) for i in range(grid)]


def _natural(rows: list[tuple[Any, bool]], grid: int, wrap_headings: bool) -> list[float]:
    """Each column's width in mm for its widest line (a heading's cut at ``HEADING_WRAP``)."""
    need = [float(NARROWEST)] * grid
    for tr, head in rows:
        column = 0
        for cell in cells_of(tr):
            if span(cell) == 1 and column < grid:
                widest = max((text_width(_SPACE.sub(" ", line).strip()) for line in _lines(cell)), default=0)
                need[column] = max(need[column], min(widest, HEADING_WRAP) if head and wrap_headings else widest)
            column += span(cell)
    return [n * CHAR_MM + PAD_MM for n in need]


def _lines(cell: Any) -> list[str]:
    """A cell's text, split where it breaks (``<br>``)."""
    parts, current = [], [cell.text or ""]
    for child in cell:
        if child.tag == "br":
            parts.append("".join(current))
            current = []
        else:
            current.append(child.text_content())
        current.append(child.tail or "")
    parts.append("".join(current))
    return parts
