"""Rendering a report's content as a file: Word (docx.py), PDF (pdf.py) or Excel (xlsx.py).

Files are made from the stored content when they are asked for (the download, `rexian
report --out`), never stored: see models.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from rexian.reports.content import cn_date
from rexian.reports.models import Report

FORMATS = ("docx", "pdf", "xlsx")
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The masthead (报头) of each kind.
MASTHEADS = {
    Report.Kind.DAILY: _l("12345热线工作日报"),
    Report.Kind.MONTHLY: _l("12345热线工作简报"),
    Report.Kind.SPECIAL: _l("12345热线专报"),
    Report.Kind.QUICK: _l("12345热线快报"),
}


@dataclass(frozen=True)
class RenderedFile:
    data: bytes
    filename: str
    content_type: str


def filename(report: Report, fmt: str) -> str:
    """「工作日报_2026年第12期_2026-03-05.docx」: kind, issue and period, safe in any file system."""
    issue = report.issue_label
    period = report.period_start.isoformat()
    if report.period_end != report.period_start:
        period += f"_{report.period_end.isoformat()}"
    return f"{report.get_kind_display()}_{issue}_{period}.{fmt}"


def render(report: Report, fmt: str) -> RenderedFile:
    """The report as a `fmt` file ("docx", "pdf" or "xlsx"). PDF raises FontMissing without a CJK font."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    from rexian.reports.render.docx import render_docx
    from rexian.reports.render.pdf import render_pdf
    from rexian.reports.render.xlsx import render_xlsx

    renderers = {"docx": render_docx, "pdf": render_pdf, "xlsx": render_xlsx}
    with translation.override(settings.LANGUAGE_CODE):
        moment = report.published_at or report.created_at
        dated = cn_date(timezone.localtime(moment, timezone.get_default_timezone()).date())
        issue = _("%(year)s年第%(number)s期") % {"year": report.year, "number": report.number} if report.number \
            else _("（草稿）")
        data = renderers[fmt](report, masthead=str(MASTHEADS[report.kind]), issue=issue, dated=dated)
        name = filename(report, fmt)
    return RenderedFile(data=data, filename=name, content_type=CONTENT_TYPES[fmt])
