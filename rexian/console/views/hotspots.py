"""Hot spots and surges (热点与舆情预警): the latest run's ranked issues and surges, and 重新计算.

Supervisors, leaders, inspectors and admins read the page; a supervisor may have the worker
recompute it at once (it recomputes it every hour anyway). Each issue and surge links to a quick
report (快报) drafted from it, on the report centre's page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rexian.console.responses import bad_request
from rexian.hotspots import selectors
from rexian.hotspots.tasks import hotspot_scan_task
from rexian.reports.permissions import may_manage
from rexian.units.models import Role

READERS = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN, Role.INSPECTOR})
RECOMPUTERS = frozenset({Role.SUPERVISOR})
TABS = ((72, "72h"), (selectors.WINDOWS[1], "30d"))
ISSUES_SHOWN = 20
ORDERS_PER_ISSUE = 8


def _require_reader(user) -> None:
    if user.role not in READERS:
        raise PermissionDenied(_("只有值班长、领导、质检员和系统管理员可以查看热点。"))


def _quick_report_url(user, kind: str, pk: int) -> str:
    """The report centre's 快报 draft for an issue or surge; "" for a user who may not draft reports (leaders read
    them) or while the report centre is not installed."""
    if not may_manage(user):
        return ""
    try:
        return f"{reverse('console:report-new')}?kind=quick&{kind}={pk}"
    except NoReverseMatch:
        return ""


@login_required
@require_GET
def hotspots(request):
    """The hot issues of the chosen window (72 hours or 30 days) and the latest surges."""
    _require_reader(request.user)
    names = {name: hours for hours, name in TABS}
    tab = request.GET.get("window", "72h")
    if tab not in names:
        return bad_request(request, _("时段参数不正确：请选择 72 小时或 30 天。"))
    hours = names[tab]
    run = selectors.latest_run(hours)
    issues = selectors.latest_issues(hours, ISSUES_SHOWN)
    orders = selectors.issue_orders(request.user, issues, per_issue=ORDERS_PER_ISSUE)
    surges = selectors.latest_surges()
    context = {
        "tabs": [{"name": name, "hours": h, "current": name == tab} for h, name in TABS],
        "run": run,
        "issues": [
            {"issue": issue, "orders": orders.get(issue.pk, []), "more": max(issue.count - ORDERS_PER_ISSUE, 0),
             "report_url": _quick_report_url(request.user, "issue", issue.pk)}
            for issue in issues
        ],
        "surges": [{"surge": surge, "report_url": _quick_report_url(request.user, "surge", surge.pk)} for surge in surges],
        "surge_run": selectors.latest_run(72),
        "can_recompute": request.user.role in RECOMPUTERS,
    }
    return render(request, "console/hotspots.html", context)


@login_required
@require_POST
def hotspots_recompute(request):
    """重新计算: a supervisor has the worker run the scan now instead of at the next hour. Not in the request:
    at a big city's volume the 30-day window takes tens of seconds (docs/hotspots.md)."""
    if request.user.role not in RECOMPUTERS:
        raise PermissionDenied(_("只有值班长可以重新计算热点。"))
    hotspot_scan_task.enqueue()
    messages.success(request, _("已提交重新计算，由后台任务执行；稍后刷新本页，以页首的计算时间为准。"))
    return redirect("console:hotspots")
