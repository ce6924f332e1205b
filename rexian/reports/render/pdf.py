"""A report as PDF (reportlab), laid out like the Word file, with a CJK font embedded.

The font comes from fonts.pdf_font_path() (WenQuanYi Zen Hei or REXIAN_REPORT_FONT);
reportlab embeds the subset of glyphs used. Without one, `FontMissing` is raised rather
than a PDF of empty boxes. Chinese lines break between any two characters (wordWrap CJK).
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import HRFlowable, Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from xml.sax.saxutils import escape

from rexian.reports.content import display
from rexian.reports.render.charts import chart_png
from rexian.reports.render.fonts import pdf_font_path

FONT = "RexianCJK"
RED = colors.HexColor("#C00000")
CELL_SIZE = 8.5  # points: the font size of table cells
CELL_PADDING = 8  # points: a cell's left and right padding, and a little air
SHORT_TABLE = 16  # rows, header included, that a table keeps together
_registered: str | None = None


def _register_font() -> str:
    """Register the CJK font with reportlab once per process (per font file)."""
    global _registered
    path = pdf_font_path()
    if _registered != path:
        pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=0))
        _registered = path
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=19, wordWrap="CJK", firstLineIndent=22)
    return {
        "masthead": ParagraphStyle("masthead", parent=base, fontSize=26, leading=34, alignment=TA_CENTER,
                                   textColor=RED, firstLineIndent=0),
        "centre": ParagraphStyle("centre", parent=base, alignment=TA_CENTER, firstLineIndent=0),
        "title": ParagraphStyle("title", parent=base, fontSize=16, leading=24, alignment=TA_CENTER, firstLineIndent=0,
                                spaceBefore=6),
        "heading": ParagraphStyle("heading", parent=base, fontSize=13, leading=22, spaceBefore=10, spaceAfter=4,
                                  firstLineIndent=0, keepWithNext=1),  # never the last line of a page
        "caption": ParagraphStyle("caption", parent=base, fontSize=10, leading=15, alignment=TA_CENTER,
                                  firstLineIndent=0, spaceBefore=4, spaceAfter=2, keepWithNext=1),
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=CELL_SIZE, leading=11, firstLineIndent=0),
        "number": ParagraphStyle("number", parent=base, fontSize=8.5, leading=11, firstLineIndent=0,
                                 alignment=TA_RIGHT),
        "head": ParagraphStyle("head", parent=base, fontSize=8.5, leading=11, firstLineIndent=0, alignment=TA_CENTER),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


_GRID = TableStyle([
    ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("LEFTPADDING", (0, 0), (-1, -1), 3),
    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
])


def _text_width(text: str) -> float:
    """Width in half-em units: a Chinese character is two, a Latin letter or digit (in WenQuanYi) about 1.25."""
    return sum(2 if ord(ch) > 0x2E7F else 1.25 for ch in text)


def _widths(columns: list[str], formats: list[str], rows: list[list], total: float) -> list[float]:
    """Figure columns get up to 2 cm; text columns their natural width (the longest text, header included) when
    that fits, else the short ones (numbers, times, names) keep theirs and the long ones share what is left."""
    wide = [fmt == "text" for fmt in formats]
    texts, figures_ = sum(wide), len(columns) - sum(wide)
    narrow = min(2.0 * cm, (total - 3.2 * cm * texts) / figures_) if figures_ else 0
    rest = total - narrow * figures_
    natural = [
        min(30.0, max([_text_width(columns[i])] + [_text_width(display(r[i], "text")) for r in rows[:50]]))
        * CELL_SIZE / 2 + CELL_PADDING
        for i in range(len(columns)) if wide[i]
    ]
    if sum(natural) <= rest:
        text_widths = [w * rest / sum(natural) for w in natural] if natural else []
    else:
        short = [w <= 3.2 * cm for w in natural]
        left = rest - sum(w for w, is_short in zip(natural, short) if is_short)
        long_total = sum(w for w, is_short in zip(natural, short) if not is_short) or 1
        text_widths = [w if is_short else max(1.6 * cm, left * w / long_total) for w, is_short in zip(natural, short)]
    widths = iter(text_widths)
    return [next(widths) if is_text else narrow for is_text in wide]


def render_pdf(report, *, masthead: str, issue: str, dated: str) -> bytes:
    """The report as PDF bytes. Raises FontMissing without an embeddable CJK font."""
    _register_font()
    styles = _styles()
    content = report.content
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=2.5 * cm, rightMargin=2.5 * cm, topMargin=2.2 * cm, bottomMargin=2.2 * cm,
        title=content.get("title", ""), author=content.get("issuer", ""),
    )
    width = document.width
    story: list = [
        _p(masthead, styles["masthead"]),
        _p(issue, styles["centre"]),
        Spacer(1, 4),
        _p(f"{content.get('issuer', '')}　　　　{dated}", styles["centre"]),
        HRFlowable(width="100%", thickness=2, color=RED, spaceBefore=4, spaceAfter=8),
    ]
    if content.get("title") and content["title"] != masthead:
        story.append(_p(content["title"], styles["title"]))
    story.append(_p(content.get("subtitle", ""), styles["centre"]))
    story.append(Spacer(1, 6))

    for block in content.get("blocks", []):
        kind = block["type"]
        if kind == "heading":
            story.append(_p(block["text"], styles["heading"]))
        elif kind == "paragraph":
            story.append(_p(block["text"], styles["body"]))
        elif kind == "figures":
            rows = block["rows"]
            data = []
            for i in range(0, len(rows), 2):
                line = []
                for label, value, fmt in rows[i : i + 2]:
                    line += [_p(label, styles["cell"]),
                             _p(display(value, fmt), styles["cell" if fmt == "text" else "number"])]
                data.append(line + [""] * (4 - len(line)))
            table = Table(data, colWidths=[width * 0.3, width * 0.2] * 2)
            table.setStyle(_GRID)
            story.append(KeepTogether([_p(block["title"], styles["caption"]), table]))
        elif kind == "table":
            caption = _p(block["title"], styles["caption"])
            if not block["rows"]:
                story.append(KeepTogether([caption, _p(block.get("empty") or _("无。"), styles["body"])]))
                continue
            formats = block["formats"]
            data = [[_p(name, styles["head"]) for name in block["columns"]]]
            for row in block["rows"]:
                data.append([_p(display(value, fmt), styles["cell" if fmt == "text" else "number"])
                             for value, fmt in zip(row, formats)])
            table = Table(data, colWidths=_widths(block["columns"], formats, block["rows"], width), repeatRows=1)
            table.setStyle(_GRID)
            table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F2F2F2"))]))
            # A short table moves whole to the next page; a long one starts here and goes on (its header repeated).
            # Either way its caption (keepWithNext) is never the last line of a page.
            story += [KeepTogether([caption, table])] if len(data) <= SHORT_TABLE else [caption, table]
        elif kind == "chart":
            png = chart_png(block)
            image = Image(io.BytesIO(png))
            scale = width / image.imageWidth
            image.drawWidth, image.drawHeight = width, image.imageHeight * scale
            story.append(KeepTogether([Spacer(1, 4), image]))

    def page_number(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 9)
        canvas.drawCentredString(A4[0] / 2, 1.2 * cm, _("— %(page)s —") % {"page": doc.page})
        canvas.restoreState()

    document.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buffer.getvalue()
