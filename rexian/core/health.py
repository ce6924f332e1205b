"""Readiness (`/health/ready/`): whether this installation can do its work, for the monitoring system.

`/health/` only says that nginx, gunicorn and Django answer. Readiness asks what the centre depends on:
- the database answers (else nothing works);
- a worker is running: it ticks the scheduler, which enqueues the deadline scan every
  `REXIAN_DEADLINE_SCAN_SECONDS`; a scan not enqueued for three intervals (at least three minutes) means no worker
  runs, so deadlines, escalations, reports and webhooks stand still;
- the task queue keeps up: no task has waited more than `QUEUE_WAIT_LIMIT` to start;
- the read replicas, if any (rexian.core.replicas): said, but not failing, since their reads go to the primary
  when they are down or behind.

Each check says what it found in words a monitoring rule can match; nothing in the answer names a host, a user or
an error's text (the log has those).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import Min
from django.utils import timezone

from rexian.core import replicas
from rexian.core.models import PeriodicJob

logger = logging.getLogger(__name__)

WORKER_SILENCE_MIN = dt.timedelta(minutes=3)
QUEUE_WAIT_LIMIT = dt.timedelta(minutes=5)
DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"


@dataclass
class Check:
    ok: bool
    status: str  # ok, unreachable, never_ran, silent, behind, not_used …
    detail: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"ok": self.ok, "status": self.status, **self.detail}


def _seconds(delta: dt.timedelta) -> int:
    return max(0, int(delta.total_seconds()))


def database_check() -> Check:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        logger.error("readiness: the database does not answer: %s", error)
        return Check(False, "unreachable")
    return Check(True, "ok")


def _queue_in_database() -> bool:
    return settings.TASKS["default"]["BACKEND"] == DATABASE_BACKEND


def worker_check(now: dt.datetime) -> Check:
    if not _queue_in_database():
        return Check(True, "not_used")  # tasks run where they are enqueued: no worker to wait for
    last = PeriodicJob.objects.filter(name="deadline_scan").values_list("last_run_at", flat=True).first()
    if last is None:
        return Check(False, "never_ran")
    allowed = max(3 * dt.timedelta(seconds=settings.WORKER_SCAN_INTERVAL_SECONDS), WORKER_SILENCE_MIN)
    silent = now - last
    return Check(silent <= allowed, "ok" if silent <= allowed else "silent",
                 {"last_scan": last.isoformat(timespec="seconds"), "seconds_since": _seconds(silent)})


def queue_check(now: dt.datetime) -> Check:
    if not _queue_in_database():
        return Check(True, "not_used")
    from django_tasks_db.models import DBTaskResult, get_date_max

    ready = DBTaskResult.objects.ready()
    # A task waits from when it was enqueued, or, if it was deferred, from when it became due.
    oldest = min(filter(None, [
        ready.filter(run_after=get_date_max()).aggregate(at=Min("enqueued_at"))["at"],
        ready.exclude(run_after=get_date_max()).aggregate(at=Min("run_after"))["at"],
    ]), default=None)
    waited = now - oldest if oldest else dt.timedelta(0)
    ok = waited <= QUEUE_WAIT_LIMIT
    return Check(ok, "ok" if ok else "behind", {"waiting": ready.count(), "oldest_wait_seconds": _seconds(waited)})


def replica_checks() -> dict[str, Check]:
    found = {}
    for alias in settings.READ_REPLICAS:
        state = replicas.replica_state(alias)
        found[alias] = Check(state.ok, state.status,
                             {"lag_seconds": round(state.lag, 1)} if state.lag is not None else {})
    return found


def readiness(now: dt.datetime | None = None) -> tuple[bool, dict]:
    """(ready, the answer): ready when the database answers, a worker runs and the queue keeps up."""
    now = now or timezone.now()
    database = database_check()
    checks = {"database": database}
    if database.ok:
        checks |= {"worker": worker_check(now), "queue": queue_check(now)}
    ready = all(check.ok for check in checks.values())
    answer = {"status": "ok" if ready else "failing", **{name: check.as_dict() for name, check in checks.items()}}
    if settings.READ_REPLICAS:
        answer["replicas"] = {alias: check.as_dict() for alias, check in replica_checks().items()}
    return ready, answer
