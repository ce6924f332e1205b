"""Housekeeping tasks of the worker."""

import datetime as dt

from django.utils import timezone
from django_tasks import task


@task()
def prune_task_results(days: int = 7) -> int:
    """Delete finished task results older than `days` (the deadline scan alone adds 1,440 a day)."""
    from django_tasks_db.models import DBTaskResult

    deleted, _ = (
        DBTaskResult.objects.finished().filter(finished_at__lte=timezone.now() - dt.timedelta(days=days)).delete()
    )
    return deleted
