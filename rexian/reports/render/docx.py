"""A report as a Word document (.docx, python-docx): the format government offices exchange.

Laid out like a red-headed bulletin (红头简报): the masthead in red, the issue (第N期), the
issuer and date above a red rule, then the sections. Chinese text needs the East Asian font
set on every run and style (w:eastAsia): Word otherwise shows Chinese in the Latin font's
fallback. Body text is 宋体 (SimSun), headings and the masthead 黑体 (SimHei); the reader's
Word supplies the fonts, so no font file is needed here. Charts are PNGs (charts.py); where
no CJK font file is installed for drawing them, the document says so in their place.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from django.utils.translation import gettext as _

from rexian.reports.content import display
from rexian.reports.render.charts import chart_png
from rexian.reports.render.fonts import FontMissing

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
RED = RGBColor(0xC0, 0x00, 0x00)


def _east_asian(element, font: str) -> None:
    """Set the East Asian font (w:eastAsia) of a run's or style's properties."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), font)


def _run(paragraph, text: str, *, font: str = BODY_FONT, size: float = 12, bold: bool = False, colour=None):
    run = paragraph.add_run(text)
    run.font.name = LATIN_FONT
    run.font.size = Pt(size)
    run.bold = bold
    if colour is not None:
        run.font.color.rgb = colour
    _east_asian(run._element, font)
    return run


def _rule(paragraph, colour: str = "C00000") -> None:
    """A red line under the paragraph (the masthead's rule)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "4"), ("w:color", colour)):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ppr.append(borders)


def _styles(document) -> None:
    normal = document.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(12)
    _east_asian(normal.element, BODY_FONT)
    for name in ("Heading 1", "Heading 2", "Title"):
        style = document.styles[name]
        style.font.name = LATIN_FONT
        style.font.color.rgb = RGBColor(0, 0, 0)
        _east_asian(style.element, HEADING_FONT)


def _cell(cell, text: str, *, bold: bool = False, align=None) -> None:
    paragraph = cell.paragraphs[0]
    if align is not None:
        paragraph.alignment = align
    _run(paragraph, text, font=HEADING_FONT if bold else BODY_FONT, size=10.5, bold=bold)


def _table(document, columns: list[str], formats: list[str], rows: list[list]) -> None:
    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, name in zip(table.rows[0].cells, columns):
        _cell(cell, name, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for row in rows:
        cells = table.add_row().cells
        for cell, value, fmt in zip(cells, row, formats):
            _cell(cell, display(value, fmt), align=None if fmt == "text" else WD_ALIGN_PARAGRAPH.RIGHT)


def _caption(document, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(paragraph, text, font=HEADING_FONT, size=10.5)


def render_docx(report, *, masthead: str, issue: str, dated: str) -> bytes:
    """The report as .docx bytes."""
    content = report.content
    document = Document()
    _styles(document)
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)

    head = document.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(head, masthead, font=HEADING_FONT, size=26, bold=True, colour=RED)
    number = document.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(number, issue, size=14)
    issuer = document.add_paragraph()
    issuer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(issuer, f"{content.get('issuer', '')}　　　　{dated}", size=12)
    _rule(issuer)

    if content.get("title") and content["title"] != masthead:
        title = document.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(title, content["title"], font=HEADING_FONT, size=16, bold=True)
    subtitle = document.add_paragraph()
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(subtitle, content.get("subtitle", ""), size=12)

    for block in content.get("blocks", []):
        kind = block["type"]
        if kind == "heading":
            heading = document.add_heading(level=1)
            _run(heading, block["text"], font=HEADING_FONT, size=14, bold=True)
        elif kind == "paragraph":
            for line in block["text"].splitlines() or [""]:
                paragraph = document.add_paragraph()
                paragraph.paragraph_format.first_line_indent = Pt(24)
                paragraph.paragraph_format.line_spacing = 1.5
                _run(paragraph, line)
        elif kind == "figures":
            _caption(document, block["title"])
            rows = block["rows"]
            pairs = [rows[i : i + 2] for i in range(0, len(rows), 2)]
            table = document.add_table(rows=0, cols=4)
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            for pair in pairs:
                cells = table.add_row().cells
                for n, (label, value, fmt) in enumerate(pair):
                    _cell(cells[2 * n], label, bold=True)
                    _cell(cells[2 * n + 1], display(value, fmt),
                          align=None if fmt == "text" else WD_ALIGN_PARAGRAPH.RIGHT)
        elif kind == "table":
            _caption(document, block["title"])
            if block["rows"]:
                _table(document, block["columns"], block["formats"], block["rows"])
            else:
                _run(document.add_paragraph(), block.get("empty") or _("无。"))
        elif kind == "chart":
            try:
                image = chart_png(block)
            except FontMissing as missing:
                _run(document.add_paragraph(), _("（图表「%(title)s」未生成：%(why)s）") % {
                    "title": block["title"], "why": missing})
                continue
            paragraph = document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.add_run().add_picture(io.BytesIO(image), width=Cm(15.5))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
