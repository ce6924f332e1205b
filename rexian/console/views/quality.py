"""质检: the inspectors' queue, one sampled order with its scoring form, the weekly review and the monthly assessment.

Inspectors (质检员) and supervisors (值班长) work here. The views parse the request, call one service of
`rexian.quality.services` or one selector of `rexian.quality.selectors`, and render; a refused score comes
back as the same page with what was typed and every problem marked beside its field (400), a bad week or
month as the page with a message (400), anyone else as 403. The weekly review and the monthly assessment also export their table as an
.xlsx (导出Excel, the console's `workbook_bytes`), for the same `?week=` or `?month=`.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from rexian.console.responses import bad_request
from rexian.console.xlsx import workbook_bytes, xlsx_response
from rexian.core.dates import FIRST_DAY, LAST_DAY
from rexian.orders import access
from rexian.quality import selectors, services

YEARS = range(FIRST_DAY.year, LAST_DAY.year + 1)  # outside: a typing mistake (rexian.core.dates)


def _require_scorer(user) -> None:
    if not services.may_score(user):
        raise PermissionDenied(gettext("只有质检员或值班长可以进行质检。"))


def _page(value) -> int:
    try:
        return max(1, int(value or 1))
    except (TypeError, ValueError):
        return 1


@login_required
@require_GET
def quality_queue(request):
    """待质检: the sampled orders waiting for a score, the oldest day first."""
    _require_scorer(request.user)
    found = selectors.quality_queue(user=request.user, page=_page(request.GET.get("page")))
    context = {"items": found.rows, "pending": found.pending, "page": found.page, "has_next": found.has_next}
    return render(request, "console/quality_queue.html", context)


def _detail(request, item, *, status: int = 200, errors: dict[str, str] | None = None, typed: dict | None = None):
    """The inspection page; `errors` maps each refused form field (`score_<code>`, `comment`) to its message."""
    # The order as the user may see it; the caller masked (a score needs no phone number, so nothing is unmasked).
    order = get_object_or_404(
        access.orders_visible_to(request.user).select_related("appeal_type", "category", "channel", "area"),
        pk=item.order_id,
    )
    scored = {score.criterion_id: score.points for score in item.scores.all()}
    typed = typed or {}
    errors = errors or {}
    criteria = [
        {
            "criterion": c,
            "field": f"score_{c.code}",
            "value": typed.get(f"score_{c.code}", scored.get(c.pk, "")),
            "error": errors.get(f"score_{c.code}", ""),
        }
        for c in selectors.active_criteria()
    ]
    # The summary above the form links each message to its field (one with no field on the page stays plain).
    on_page = {row["field"] for row in criteria} | {"comment"}
    summary = [{"field": field if field in on_page else "", "message": text} for field, text in errors.items()]
    context = {
        "item": item,
        "order": order,
        "caller": access.masked_caller(request.user, order),
        "criteria": criteria,
        "comment": typed.get("comment", item.comment),
        "comment_error": errors.get("comment", ""),
        "errors": summary,
        "pass_mark": services.PASS_MARK,
    }
    return render(request, "console/quality_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def quality_detail(request, pk: int):
    """One sampled order: its record as registered, and the scoring form (评分, or a correction of the score)."""
    _require_scorer(request.user)
    item = selectors.inspection_get(user=request.user, pk=pk)
    if request.method == "GET":
        return _detail(request, item)
    scores = {key.removeprefix("score_"): value for key, value in request.POST.items() if key.startswith("score_")}
    try:
        services.quality_score(
            actor=request.user, inspection=item, scores=scores, comment=request.POST.get("comment", "")
        )
    except services.QualityError as refused:
        errors = refused.errors or {"": refused.message}
        return _detail(request, item, status=400, errors=errors, typed=request.POST.dict())
    messages.success(request, gettext("已完成质检评分。"))
    return HttpResponseRedirect(reverse("console:quality"))


def _this_monday() -> dt.date:
    today = timezone.localdate()
    return today - dt.timedelta(days=today.weekday())


def _week(request) -> tuple[dt.date, str]:
    """The Monday of `?week=` (any day of the week; this week by default) and, for a bad one, the message."""
    raw = request.GET.get("week", "").strip()
    try:
        day = dt.date.fromisoformat(raw) if raw else _this_monday()
        if day.year not in YEARS:
            raise ValueError(raw)
    except ValueError:
        return _this_monday(), gettext("周次「%(week)s」无法识别，请按 YYYY-MM-DD 填写该周的任一日期。") % {"week": raw}
    return selectors.week_bounds(day)[0], ""


def _month(request) -> tuple[dt.date, str]:
    """The first day of `?month=YYYY-MM` (this month by default) and, for a bad one, the message."""
    raw = request.GET.get("month", "").strip()
    this_month = timezone.localdate().replace(day=1)
    if not raw:
        return this_month, ""
    year, dash, month = raw.partition("-")
    try:
        if len(year) != 4 or len(month) != 2 or int(year) not in YEARS:
            raise ValueError(raw)
        return dt.date(int(year), int(month), 1), ""
    except ValueError:
        return this_month, gettext("月份「%(month)s」无法识别，请按 YYYY-MM 填写。") % {"month": raw}


@login_required
@require_GET
def quality_weekly(request):
    """每周一点评: `?week=YYYY-MM-DD` (any day of the week; this week by default)."""
    _require_scorer(request.user)
    monday, error = _week(request)
    context = {
        "rows": [] if error else selectors.weekly_review(week_start=monday),
        "monday": monday,
        "sunday": monday + dt.timedelta(days=6),
        "previous": monday - dt.timedelta(days=7),
        "next": monday + dt.timedelta(days=7),
        "error": error,
        "pass_mark": services.PASS_MARK,
    }
    return render(request, "console/quality_weekly.html", context, status=400 if error else 200)


WEEKLY_COLUMNS = (_("话务员"), _("已质检"), _("平均分"), _("不合格"), _("失分较多的质检项"), _("点评"))
WEEKLY_WIDTHS = (14, 8, 8, 8, 30, 60)


@login_required
@require_GET
def quality_weekly_export(request):
    """每周一点评 as an .xlsx: the page's table for the same `?week=`, one row per operator."""
    _require_scorer(request.user)
    monday, error = _week(request)
    if error:
        return bad_request(request, error)
    rows = (
        (
            str(row.operator), row.scored, row.average, row.failed,
            "\n".join(f"{weak.name} {weak.average}/{weak.max_points}" for weak in row.weakest),
            "\n".join(f"{item.order.number} {item.total} {item.comment}" for item in row.comments),
        )
        for row in selectors.weekly_review(week_start=monday)
    )
    title = gettext("每周点评")
    body = workbook_bytes(sheet_name=title, header=[str(c) for c in WEEKLY_COLUMNS], rows=rows, widths=WEEKLY_WIDTHS)
    return xlsx_response(body, f"{title}_{monday:%Y%m%d}-{monday + dt.timedelta(days=6):%Y%m%d}.xlsx")


@login_required
@require_GET
def quality_monthly(request):
    """每月一考核: `?month=YYYY-MM` (this month by default)."""
    _require_scorer(request.user)
    first, error = _month(request)
    following = selectors.month_bounds(first.year, first.month)[1]
    context = {
        "rows": [] if error else selectors.monthly_assessment(year=first.year, month=first.month),
        "month": first,
        "previous": (first - dt.timedelta(days=1)).replace(day=1),
        "next": following,
        "error": error,
        "weights": {
            "quality": round(selectors.W_QUALITY * 100),
            "volume": round(selectors.W_VOLUME * 100),
            "satisfaction": round(selectors.W_SATISFACTION * 100),
        },
    }
    return render(request, "console/quality_monthly.html", context, status=400 if error else 200)


# The rate as a number of per cent, as the dashboards' exports give rates.
MONTHLY_COLUMNS = (
    _("排名"), _("话务员"), _("质检件数"), _("质检均分"), _("受理量"), _("受理量得分"), _("回访成功数"),
    format_lazy("{}（%）", _("回访满意率")), _("综合得分"),
)
MONTHLY_WIDTHS = (6, 14, 10, 10, 8, 10, 10, 12, 10)


@login_required
@require_GET
def quality_monthly_export(request):
    """每月一考核 as an .xlsx: the page's table for the same `?month=`, ranked operators first."""
    _require_scorer(request.user)
    first, error = _month(request)
    if error:
        return bad_request(request, error)
    rows = (
        (
            row.rank, str(row.operator), row.inspections, row.quality, row.volume, row.volume_score, row.callbacks,
            None if row.satisfaction is None else round(row.satisfaction * 100, 1), row.score,
        )
        for row in selectors.monthly_assessment(year=first.year, month=first.month)
    )
    title = gettext("每月考核")
    body = workbook_bytes(sheet_name=title, header=[str(c) for c in MONTHLY_COLUMNS], rows=rows, widths=MONTHLY_WIDTHS)
    return xlsx_response(body, f"{title}_{first:%Y%m}.xlsx")
