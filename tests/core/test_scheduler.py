import datetime as dt

from django.core.management import call_command
from django.utils import timezone

from rexian.core.models import PeriodicJob
from rexian.core.scheduler import jobs, record_run, scheduler_tick
from rexian.orders.models import Escalation

# A fresh database: every job is due at once, except those kept to a time of day (nightly training, reports).
EVERY_JOB = [job.name for job in jobs() if job.at is None]
NOON = timezone.make_aware(dt.datetime(2026, 3, 4, 12, 0))  # hours away from every job's time of day


def test_a_due_job_is_enqueued_once_per_interval(db, settings):
    settings.WORKER_SCAN_INTERVAL_SECONDS = 60
    now = NOON
    assert scheduler_tick(now=now) == EVERY_JOB
    assert scheduler_tick(now=now + dt.timedelta(seconds=30)) == []
    assert scheduler_tick(now=now + dt.timedelta(seconds=61)) == ["deadline_scan", "webhook_redeliver", "sms_send_due"]
    job = PeriodicJob.objects.get(name="deadline_scan")
    assert job.next_run_at == now + dt.timedelta(seconds=121)


def test_a_job_kept_to_a_time_of_day_waits_for_it_then_runs_daily(db):
    assert "train_models" not in scheduler_tick(now=NOON)
    two_am = timezone.make_aware(dt.datetime(2026, 3, 5, 2, 0))
    assert PeriodicJob.objects.get(name="train_models").next_run_at == two_am
    assert "train_models" in scheduler_tick(now=two_am)
    assert PeriodicJob.objects.get(name="train_models").next_run_at == two_am + dt.timedelta(days=1)


def test_a_job_recorded_as_run_waits_a_whole_interval(db):
    record_run("rollup_reconcile", now=NOON)
    first = scheduler_tick(now=NOON + dt.timedelta(minutes=1))
    assert "rollup_reconcile" not in first and "hotspot_scan" in first
    job = PeriodicJob.objects.get(name="rollup_reconcile")
    assert (job.last_run_at, job.next_run_at) == (NOON, NOON + dt.timedelta(days=1))
    assert "rollup_reconcile" in scheduler_tick(now=NOON + dt.timedelta(days=1))


def test_two_workers_ticking_at_the_same_moment_enqueue_one_run(db):
    now = NOON
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
