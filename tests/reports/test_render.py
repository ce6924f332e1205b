"""The files: Word with East Asian fonts and embedded charts, PDF with Chinese text, Excel with numbers.

Page 1 of each kind's PDF is kept as test-artifacts/reports/<kind>.png, to look at.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import pypdfium2
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from rexian.reports import services
from rexian.reports.models import Report
from rexian.reports.render import filename, render
from rexian.reports.render.fonts import OPENTYPE_CANDIDATES, FontMissing, pdf_font_path
from tests.reports.conftest import DAY, MORNING_AFTER

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"
Kind = Report.Kind


def _published(kind: str, **params) -> Report:
    return services.report_generate_and_publish(kind, now=MORNING_AFTER, **params)


@pytest.fixture
def daily(day_story) -> Report:
    return _published(Kind.DAILY, day=DAY)


def _charts(report: Report) -> int:
    return sum(1 for b in report.content["blocks"] if b["type"] == "chart")


def test_word_file_has_masthead_issue_headings_tables_and_charts(daily):
    document = Document(io.BytesIO(render(daily, "docx").data))

    texts = [p.text for p in document.paragraphs]
    assert texts[:3] == ["12345热线工作日报", "2025年第1期", "泰兴市12345热线中心　　　　2025年11月5日"]
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[:3] == ["一、主要指标", "二、受理趋势", "三、诉求类型"]
    assert "八、热点问题" in headings
    assert len(document.inline_shapes) == _charts(daily) >= 3
    by_type = next(t for t in document.tables if t.rows[0].cells[0].text == "诉求类型")
    assert [[c.text for c in row.cells][:2] for row in by_type.rows] == [["诉求类型", "受理量"], ["投诉", "2"], ["咨询", "1"]]


def test_word_file_sets_east_asian_fonts_on_every_run_and_the_body_style(daily):
    document = Document(io.BytesIO(render(daily, "docx").data))

    normal = document.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert normal.get(qn("w:eastAsia")) == "宋体"
    runs = [r for p in document.paragraphs for r in p.runs if r.text]
    cells = [c for t in document.tables for row in t.rows for c in row.cells]
    runs += [r for c in cells for p in c.paragraphs for r in p.runs if r.text]
    fonts = {r._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) for r in runs}
    assert fonts == {"宋体", "黑体"}
    masthead = document.paragraphs[0].runs[0]
    assert masthead._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "黑体"
    assert str(masthead.font.color.rgb) == "C00000"


def _pdf_page_one(report: Report, kind: str) -> str:
    data = render(report, "pdf").data
    pdf = pypdfium2.PdfDocument(data)
    assert len(pdf) >= 1
    page = pdf[0]
    text = page.get_textpage().get_text_range()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.render(scale=1.4).to_pil().save(ARTIFACTS / f"{kind}.png")
    return text


def test_daily_pdf_has_chinese_text_and_a_picture_of_page_one(daily):
    text = _pdf_page_one(daily, "daily")
    assert "12345热线工作日报" in text and "2025年第1期" in text
    assert "共受理群众诉求3件" in text
    assert (ARTIFACTS / "daily.png").stat().st_size > 20_000  # a page with text and a chart, not a blank


def test_monthly_pdf(day_story):
    report = _published(Kind.MONTHLY, month="2025-10")
    text = _pdf_page_one(report, "monthly")
    assert "12345热线工作简报" in text and "2025年10月" in text


def test_special_pdf(day_story):
    report = _published(Kind.SPECIAL, start="2025-11-01", end="2025-11-04", category="01")
    text = _pdf_page_one(report, "special")
    assert "关于城乡建设诉求情况的专报" in text and "12345热线专报" in text


def test_quick_pdf(elevator_issue):
    report = _published(Kind.QUICK, issue=elevator_issue.issue.pk)
    text = _pdf_page_one(report, "quick")
    assert "12345热线快报" in text and "一、监测情况" in text and "二、诉求分布" in text


def test_excel_file_holds_the_figures_and_tables_as_numbers(daily):
    workbook = load_workbook(io.BytesIO(render(daily, "xlsx").data))

    assert workbook.sheetnames[:3] == ["概况", "近30日受理量", "诉求类型"]
    summary = {row[0]: row[1] for row in workbook["概况"].iter_rows(min_row=2, values_only=True)}
    assert summary["期号"] == "2025年第1期"
    assert summary["受理量"] == 3
    assert summary["直接办结率"] == pytest.approx(1 / 3)
    assert workbook["概况"].cell(row=[r[0].value for r in workbook["概况"].iter_rows()].index("直接办结率") + 1,
                                 column=2).number_format == "0.00%"
    by_type = list(workbook["诉求类型"].iter_rows(values_only=True))
    assert by_type[0][:2] == ("诉求类型", "受理量") and by_type[1][:2] == ("投诉", 2)


def test_file_names_carry_kind_issue_and_period(daily):
    assert filename(daily, "pdf") == "工作日报_2025年第1期_2025-11-04.pdf"
    rendered = render(daily, "xlsx")
    assert rendered.content_type.endswith("spreadsheetml.sheet")


def test_without_a_cjk_font_pdf_fails_clearly_and_word_leaves_charts_out(daily, monkeypatch):
    monkeypatch.setenv("REXIAN_REPORT_FONT", "/nonexistent/font.ttc")

    with pytest.raises(FontMissing, match="REXIAN_REPORT_FONT"):
        render(daily, "pdf")
    document = Document(io.BytesIO(render(daily, "docx").data))
    assert len(document.inline_shapes) == 0
    assert any(p.text.startswith("（图表「近30日受理量」未生成") for p in document.paragraphs)


def test_a_postscript_outline_font_is_refused_for_pdf(monkeypatch):
    noto = next((path for path in OPENTYPE_CANDIDATES if Path(path).is_file()), None)
    if noto is None:
        pytest.skip("fonts-noto-cjk is not installed")
    monkeypatch.setenv("REXIAN_REPORT_FONT", noto)
    with pytest.raises(FontMissing, match="TrueType"):
        pdf_font_path()
