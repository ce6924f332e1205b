"""Background work of supervision (督办/批示), run by `rexian worker` (registered in rexian/core/scheduler.py)."""

from __future__ import annotations

from django_tasks import task

from rexian.supervision.services import supervision_overdue_scan


@task()
def supervision_overdue_scan_task() -> dict:
    """Every 15 minutes: escalate (催办) the items still unreported past their deadline, once each."""
    return {"escalated": supervision_overdue_scan()}
