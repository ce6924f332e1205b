"""Periodic jobs run by `rexian worker` (deadline scan every minute, and later nightly jobs).

Each job is a django-tasks task enqueued on the database queue when due; the
claim is an atomic conditional UPDATE on `PeriodicJob`, so any number of
workers can tick the scheduler without enqueueing a run twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.utils import timezone

from rexian.core.models import PeriodicJob


@dataclass(frozen=True)
class Job:
    name: str
    task_path: str  # "module:attribute" of a django-tasks Task
    every: dt.timedelta
    # A local time of day (REXIAN_TIME_ZONE): the job runs daily at that time instead of `every` after its last run.
    at: dt.time | None = None

    def next_run(self, now: dt.datetime) -> dt.datetime:
        """When the job is due again after a run at `now`: `every` later, or the next occurrence of `at`."""
        if self.at is None:
            return now + self.every
        tz = timezone.get_default_timezone()
        day = timezone.localtime(now, tz).date()
        while True:
            moment = timezone.make_aware(dt.datetime.combine(day, self.at), tz)
            if moment > now:
                return moment
            day += dt.timedelta(days=1)


def jobs() -> list[Job]:
    from rexian.reports.schedule import report_jobs  # at a time of day: REXIAN_DAILY_REPORT_TIME

    return [
        Job(
            name="deadline_scan",
            task_path="rexian.orders.tasks:deadline_scan_task",
            every=dt.timedelta(seconds=settings.WORKER_SCAN_INTERVAL_SECONDS),
        ),
        Job(name="prune_task_results", task_path="rexian.core.tasks:prune_task_results", every=dt.timedelta(days=1)),
        Job(
            name="webhook_redeliver",
            task_path="rexian.webhooks.tasks:webhook_redeliver_due_task",
            every=dt.timedelta(minutes=1),
        ),
        Job(name="sms_send_due", task_path="rexian.sms.tasks:sms_send_due_task", every=dt.timedelta(minutes=1)),
        Job(
            name="webhook_prune", task_path="rexian.webhooks.tasks:webhook_prune_deliveries", every=dt.timedelta(days=1)
        ),
        Job(
            name="prune_idempotency_keys",
            task_path="rexian.api.tasks:idempotency_keys_prune_task",
            every=dt.timedelta(hours=1),
        ),
        Job(
            name="rollup_reconcile",
            task_path="rexian.analytics.tasks:rollup_reconcile_task",
            every=dt.timedelta(days=1),
        ),
        Job(
            name="call_rollup_reconcile",
            task_path="rexian.telephony.tasks:call_rollup_reconcile_task",
            every=dt.timedelta(days=1),
            at=dt.time(2, 30),  # nightly: the call rollups' last days (or all, when stale)
        ),
        Job(
            name="deadline_soon_notify",
            task_path="rexian.notifications.tasks:deadline_soon_scan_task",
            every=dt.timedelta(minutes=5),
        ),
        Job(
            name="knowledge_review_scan",
            task_path="rexian.knowledge.tasks:knowledge_review_scan_task",
            every=dt.timedelta(days=1),
        ),
        Job(
            name="train_models",
            task_path="rexian.intelligence.tasks:train_models_task",
            every=dt.timedelta(days=1),
            at=dt.time(2, 0),  # nightly, when the centre is quiet
        ),
        Job(name="hotspot_scan", task_path="rexian.hotspots.tasks:hotspot_scan_task", every=dt.timedelta(hours=1)),
        Job(
            name="quality_sample",
            task_path="rexian.quality.tasks:quality_sample_task",
            every=dt.timedelta(days=1),
            at=dt.time(1, 0),  # early each morning: yesterday's 质检 sample
        ),
        Job(
            name="supervision_overdue",
            task_path="rexian.supervision.tasks:supervision_overdue_scan_task",
            every=dt.timedelta(minutes=15),
        ),
        Job(
            name="enterprises_sync",
            task_path="rexian.enterprise.tasks:enterprises_sync_task",
            every=dt.timedelta(days=1),
            at=dt.time(3, 30),
        ),
        *report_jobs(),
    ]


def _task(path: str):
    module, attribute = path.split(":")
    return getattr(import_module(module), attribute)


def scheduler_tick(*, now: dt.datetime | None = None) -> list[str]:
    """Enqueue every job that is due and return their names."""
    now = now or timezone.now()
    enqueued = []
    for job in jobs():
        # A new job runs at once, except one kept to a time of day: it waits for that time.
        first = now if job.at is None else job.next_run(now)
        PeriodicJob.objects.get_or_create(name=job.name, defaults={"next_run_at": first})
        claimed = PeriodicJob.objects.filter(name=job.name, next_run_at__lte=now).update(
            next_run_at=job.next_run(now), last_run_at=now
        )
        if claimed:
            _task(job.task_path).enqueue()
            enqueued.append(job.name)
    return enqueued


def record_run(name: str, *, now: dt.datetime | None = None) -> None:
    """Count the job `name` as run at `now`: its work was just done another way (the demo's load rebuilds the
    rollups and scans the hot spots), so the first tick does not do it again while the pages are first read."""
    now = now or timezone.now()
    job = next(job for job in jobs() if job.name == name)
    PeriodicJob.objects.update_or_create(name=name, defaults={"last_run_at": now, "next_run_at": job.next_run(now)})
