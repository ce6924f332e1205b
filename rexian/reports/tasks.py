"""The worker's reports (registered in rexian/core/scheduler.py at REXIAN_DAILY_REPORT_TIME, 07:00 local), and the
reports supervisors ask for in the console, built here rather than in the request (`report_build_task`).

Both jobs are idempotent, so a restarted worker, two workers, or a job that runs late never
makes a report twice: the 工作日报 of yesterday is made when no daily report of that day exists
yet; the 简报 of last month when none of that month exists yet (on the 1st, or on the first
run after it if the worker was down).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from rexian.reports import selectors, services
from rexian.reports.models import Report


def _today(now: dt.datetime) -> dt.date:
    return timezone.localtime(now, timezone.get_default_timezone()).date()


def daily_report(*, now: dt.datetime | None = None) -> Report | None:
    """Generate and publish yesterday's 工作日报 unless it exists; returns the new report or None."""
    now = now or timezone.now()
    yesterday = _today(now) - dt.timedelta(days=1)
    if selectors.latest_of_kind(Report.Kind.DAILY, period_start=yesterday) is not None:
        return None
    return services.report_generate_and_publish(Report.Kind.DAILY, day=yesterday, now=now)


def monthly_report(*, now: dt.datetime | None = None) -> Report | None:
    """Generate and publish last month's 简报 unless it exists; returns the new report or None."""
    now = now or timezone.now()
    first = (_today(now).replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    if selectors.latest_of_kind(Report.Kind.MONTHLY, period_start=first) is not None:
        return None
    return services.report_generate_and_publish(Report.Kind.MONTHLY, month=first, now=now)


@task()
def daily_report_task() -> dict:
    report = daily_report()
    return {"report": report.pk if report else None}


@task()
def monthly_report_task() -> dict:
    report = monthly_report()
    return {"report": report.pk if report else None}


@task()
def report_build_task(report_id: int) -> dict:
    """Build a report a supervisor asked for in the console (`services.report_request`)."""
    report = services.report_build(report_id)
    return {"report": report_id, "status": report.status if report else None}
