"""A report's data as an Excel workbook (openpyxl): its figures and each table on a sheet of its own.

Numbers stay numbers (rates as fractions shown as percentages), so the data can be worked
on; the charts' series are written too, as they are the data behind the pictures. A report
has a few hundred cells at most, so openpyxl's comfort costs nothing here (the console's
large exports use rexian/console/xlsx.py instead).
"""

from __future__ import annotations

import io
import re

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
NUMBER_FORMATS = {"count": "#,##0", "percent": "0.00%", "change": "+0.00%;-0.00%;0.00%", "average": "#,##0.00",
                  "score": "0.00", "decimal": "0.000"}
BOLD = Font(bold=True)


def _sheet_name(name: str, taken: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub("", name)[:28] or "Sheet"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base[:25]}({n})", n + 1
    taken.add(candidate)
    return candidate


def _write(sheet, row: int, values: list, formats: list[str]) -> None:
    for column, (value, fmt) in enumerate(zip(values, formats), start=1):
        if fmt == "score" and isinstance(value, int | float):
            value = round(value * 100, 2)  # points out of 100, as the documents show it
        cell = sheet.cell(row=row, column=column, value=value)
        if fmt in NUMBER_FORMATS and isinstance(value, int | float):
            cell.number_format = NUMBER_FORMATS[fmt]


def _header(sheet, names: list[str]) -> None:
    for column, name in enumerate(names, start=1):
        sheet.cell(row=1, column=column, value=name).font = BOLD
        sheet.column_dimensions[sheet.cell(row=1, column=column).column_letter].width = max(10, 2 * len(name) + 2)
    sheet.freeze_panes = "A2"


def render_xlsx(report, *, masthead: str, issue: str, dated: str) -> bytes:
    """The report's data as .xlsx bytes: a summary sheet, then one sheet per table and chart."""
    content = report.content
    workbook = Workbook()
    summary = workbook.active
    taken: set[str] = set()
    summary.title = _sheet_name(_("概况"), taken)
    _header(summary, [_("项目"), _("数值")])
    lines = [(_("报告"), masthead), (_("期号"), issue), (_("标题"), content.get("title", "")),
             (_("统计期"), content.get("subtitle", "")), (_("编发单位"), content.get("issuer", "")), (_("日期"), dated)]
    row = 2
    for label, value in lines:
        _write(summary, row, [label, value], ["text", "text"])
        row += 1
    summary.column_dimensions["B"].width = 40
    for block in content.get("blocks", []):
        if block["type"] == "figures":
            for label, value, fmt in block["rows"]:
                _write(summary, row, [label, value], ["text", fmt])
                row += 1
        elif block["type"] == "table":
            sheet = workbook.create_sheet(_sheet_name(block.get("sheet") or block["title"], taken))
            _header(sheet, block["columns"])
            for n, values in enumerate(block["rows"], start=2):
                _write(sheet, n, values, block["formats"])
        elif block["type"] == "chart":
            sheet = workbook.create_sheet(_sheet_name(block["title"], taken))
            _header(sheet, [_("项目"), block.get("unit") or _("数值")])
            fmt = block.get("format", "count")
            for n, (label, value) in enumerate(zip(block["labels"], block["values"]), start=2):
                _write(sheet, n, [label, value], ["text", fmt])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
