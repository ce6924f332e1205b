"""The worker's report jobs, for rexian/core/scheduler.py: each morning at REXIAN_DAILY_REPORT_TIME (local)."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ImproperlyConfigured

from rexian.reports.conf import daily_report_time

logger = logging.getLogger("rexian.worker")


def report_jobs() -> list:
    """Yesterday's 工作日报 and last month's 简报 (made on the 1st), both checked daily at the report time.

    A bad REXIAN_DAILY_REPORT_TIME leaves these two out, logged at every tick (and `rexian check`
    fails, see apps.py), rather than stopping the deadline scan and the other jobs with it.
    """
    from rexian.core.scheduler import Job

    try:
        at = daily_report_time()
    except ImproperlyConfigured:
        logger.exception("report jobs not scheduled")
        return []
    day = dt.timedelta(days=1)
    return [
        Job(name="daily_report", task_path="rexian.reports.tasks:daily_report_task", every=day, at=at),
        Job(name="monthly_report", task_path="rexian.reports.tasks:monthly_report_task", every=day, at=at),
    ]
