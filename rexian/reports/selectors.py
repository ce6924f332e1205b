"""Reads of the reports app: the report centre's list, one report, and a reader's reading list.

Every list is paginated in the database. Access is by role (`permissions.py`): these raise
PermissionDenied (403) for a user who may not see reports, Http404 for a report that does not
exist or that the user may not open (a leader asking for a draft).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import F, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from rexian.reports.builders import ReportError
from rexian.reports.models import Report, ReportDelivery
from rexian.reports.permissions import may_manage, may_read, may_view_reports

PAGE_SIZE = 30
UNREAD_CAP = 100


def _require_viewer(user) -> None:
    if not may_view_reports(user):
        raise PermissionDenied(_("只有值班长、领导和系统管理员可以查看报告。"))


@dataclass(frozen=True)
class Page:
    items: list
    page: int
    has_next: bool


def _page(queryset: QuerySet, page: int, page_size: int) -> Page:
    page = max(page, 1)
    page_size = min(max(page_size, 1), 200)
    start = (page - 1) * page_size
    rows = list(queryset[start : start + page_size + 1])
    return Page(items=rows[:page_size], page=page, has_next=len(rows) > page_size)


def report_list(*, user, kind: str = "", status: str = "", page: int = 1, page_size: int = PAGE_SIZE) -> Page:
    """报告中心: the reports, newest first; leaders see only published ones."""
    _require_viewer(user)
    queryset = Report.objects.all()
    if not may_manage(user):
        queryset = queryset.filter(status=Report.Status.PUBLISHED)
    elif status in Report.Status.values:
        queryset = queryset.filter(status=status)
    if kind in Report.Kind.values:
        queryset = queryset.filter(kind=kind)
    queryset = queryset.defer("content").order_by("-created_at", "-id")
    return _page(queryset, page, page_size)


def report_get(*, user, pk: int) -> Report:
    """One report the user may open (Http404 otherwise, so a draft's existence is not told to a leader)."""
    _require_viewer(user)
    report = Report.objects.filter(pk=pk).first()
    if report is None or not may_read(user, report):
        raise Http404(_("报告不存在或尚未发布。"))
    return report


def reading_list(*, user, page: int = 1, page_size: int = PAGE_SIZE) -> Page:
    """The user's reading list (阅读列表): reports delivered to them, unread first, then newest first."""
    _require_viewer(user)
    queryset = (
        ReportDelivery.objects.filter(user_id=user.pk)
        .select_related("report")
        .defer("report__content")
        .order_by(F("read_at").asc(nulls_first=True), "-delivered_at", "-id")
    )
    return _page(queryset, page, page_size)


def unread_count(*, user) -> int:
    """Unread reports on the user's reading list, counted up to UNREAD_CAP."""
    if not may_view_reports(user):
        return 0
    return ReportDelivery.objects.filter(user_id=user.pk, read_at__isnull=True)[:UNREAD_CAP].count()


def published_like(report: Report) -> Report | None:
    """The newest other published report of the same kind, period and topic (its `params`) as `report`.

    A second one of these is a re-issue: `services.report_publish` lets it out only as a correction (更正).
    """
    candidates = (
        Report.objects.filter(
            kind=report.kind, period_start=report.period_start, period_end=report.period_end,
            status=Report.Status.PUBLISHED,
        )
        .exclude(pk=report.pk)
        .defer("content")
        .order_by("-published_at", "-id")
    )
    # A kind's reports of one period are a handful; their topics are compared here, not as JSON in SQL.
    return next((found for found in candidates if found.params == report.params), None)


def latest_of_kind(kind: str, *, period_start) -> Report | None:
    """The newest report of a kind for a period start (the worker's check before generating it again)."""
    return Report.objects.filter(kind=kind, period_start=period_start).order_by("-created_at").first()


# --- What a 快报 is drafted from (rexian.hotspots) --------------------------------------------------------


def hot_issue(pk):
    """The hot issue (HotIssue) of a 快报, with its run; raises ReportError when there is none."""
    from rexian.hotspots.models import HotIssue

    found = HotIssue.objects.select_related("run").filter(pk=pk).first() if str(pk).isdigit() else None
    if found is None:
        raise ReportError(_("热点问题 %(pk)s 不存在。") % {"pk": pk})
    return found


def surge(pk):
    """The surge (Surge) of a 快报, with its run and issue; raises ReportError when there is none."""
    from rexian.hotspots.models import Surge

    found = Surge.objects.select_related("run", "issue__run").filter(pk=pk).first() if str(pk).isdigit() else None
    if found is None:
        raise ReportError(_("预警 %(pk)s 不存在。") % {"pk": pk})
    return found
