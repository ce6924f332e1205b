import datetime as dt

from django.core.management import call_command
from django.utils import timezone

from rexian.core.models import PeriodicJob
from rexian.core.scheduler import jobs, scheduler_tick
from rexian.orders.models import Escalation

EVERY_JOB = [job.name for job in jobs()]  # a fresh database: every job is due at once


def test_a_due_job_is_enqueued_once_per_interval(db, settings):
    settings.WORKER_SCAN_INTERVAL_SECONDS = 60
    now = timezone.now()
    assert scheduler_tick(now=now) == EVERY_JOB
    assert scheduler_tick(now=now + dt.timedelta(seconds=30)) == []
    assert scheduler_tick(now=now + dt.timedelta(seconds=61)) == ["deadline_scan", "webhook_redeliver"]
    job = PeriodicJob.objects.get(name="deadline_scan")
    assert job.next_run_at == now + dt.timedelta(seconds=121)


def test_two_workers_ticking_at_the_same_moment_enqueue_one_run(db):
    now = timezone.now()
    first = scheduler_tick(now=now)
    second = scheduler_tick(now=now)
    assert (first, second) == (EVERY_JOB, [])


def test_worker_once_runs_the_deadline_scan(cast, make_order, settings):
    order = make_order("dispatched")
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    order.__class__.objects.filter(pk=order.pk).update(sign_deadline=an_hour_ago, due_at=an_hour_ago)
    call_command("worker", "--once")
    assert Escalation.objects.filter(order=order).count() == 1
    order.refresh_from_db()
    assert order.is_overdue
