"""质检: the inspectors' queue, one sampled order with its scoring form, the weekly review and the monthly assessment.

Inspectors (质检员) and supervisors (值班长) work here. The views parse the request, call one service of
`rexian.quality.services` or one selector of `rexian.quality.selectors`, and render; a refused score comes
back as the same page with the message and what was typed (400), a bad week or month as the page with a
message (400), anyone else as 403.
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
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from rexian.orders import access
from rexian.quality import selectors, services


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


def _detail(request, item, *, status: int = 200, error: str = "", error_field: str = "", typed: dict | None = None):
    # The order as the user may see it; the caller masked (a score needs no phone number, so nothing is unmasked).
    order = get_object_or_404(
        access.orders_visible_to(request.user).select_related("appeal_type", "category", "channel", "area"),
        pk=item.order_id,
    )
    scored = {score.criterion_id: score.points for score in item.scores.all()}
    typed = typed or {}
    criteria = [
        {
            "criterion": c,
            "field": f"score_{c.code}",
            "value": typed.get(f"score_{c.code}", scored.get(c.pk, "")),
            "invalid": error_field == f"score_{c.code}",
        }
        for c in selectors.active_criteria()
    ]
    context = {
        "item": item,
        "order": order,
        "caller": access.masked_caller(request.user, order),
        "criteria": criteria,
        "comment": typed.get("comment", item.comment),
        "error": error,
        "error_field": error_field,
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
        return _detail(request, item, status=400, error=refused.message, error_field=refused.field or "",
                       typed=request.POST.dict())
    messages.success(request, gettext("已完成质检评分。"))
    return HttpResponseRedirect(reverse("console:quality"))


def _this_monday() -> dt.date:
    today = timezone.localdate()
    return today - dt.timedelta(days=today.weekday())


@login_required
@require_GET
def quality_weekly(request):
    """每周一点评: `?week=YYYY-MM-DD` (any day of the week; this week by default)."""
    _require_scorer(request.user)
    raw = request.GET.get("week", "").strip()
    error = ""
    try:
        day = dt.date.fromisoformat(raw) if raw else _this_monday()
    except ValueError:
        day = _this_monday()
        error = gettext("周次「%(week)s」无法识别，请按 YYYY-MM-DD 填写该周的任一日期。") % {"week": raw}
    monday, next_monday = selectors.week_bounds(day)
    context = {
        "rows": [] if error else selectors.weekly_review(week_start=monday),
        "monday": monday,
        "sunday": next_monday - dt.timedelta(days=1),
        "previous": monday - dt.timedelta(days=7),
        "next": next_monday,
        "error": error,
        "pass_mark": services.PASS_MARK,
    }
    return render(request, "console/quality_weekly.html", context, status=400 if error else 200)


def _parse_month(raw: str) -> tuple[int, int]:
    year, _, month = raw.partition("-")
    if len(year) != 4 or len(month) != 2:
        raise ValueError(raw)
    value = (int(year), int(month))
    dt.date(*value, 1)  # a real month
    return value


@login_required
@require_GET
def quality_monthly(request):
    """每月一考核: `?month=YYYY-MM` (this month by default)."""
    _require_scorer(request.user)
    raw = request.GET.get("month", "").strip()
    today = timezone.localdate()
    error = ""
    try:
        year, month = _parse_month(raw) if raw else (today.year, today.month)
    except ValueError:
        year, month = today.year, today.month
        error = gettext("月份「%(month)s」无法识别，请按 YYYY-MM 填写。") % {"month": raw}
    first, following = selectors.month_bounds(year, month)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    context = {
        "rows": [] if error else selectors.monthly_assessment(year=year, month=month),
        "month": first,
        "previous": previous,
        "next": following,
        "error": error,
        "weights": {
            "quality": round(selectors.W_QUALITY * 100),
            "volume": round(selectors.W_VOLUME * 100),
            "satisfaction": round(selectors.W_SATISFACTION * 100),
        },
    }
    return render(request, "console/quality_monthly.html", context, status=400 if error else 200)
