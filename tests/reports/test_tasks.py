"""The worker's reports: the scheduler's time of day, and the daily and monthly jobs made once each."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured

from rexian.core.models import PeriodicJob
from rexian.core.scheduler import Job, jobs, scheduler_tick
from rexian.reports import tasks
from rexian.reports.apps import check_settings
from rexian.reports.conf import daily_report_time
from rexian.reports.models import Report, ReportDelivery
from tests.analytics.conftest import at

Kind = Report.Kind


def test_a_job_with_a_time_of_day_is_next_due_at_its_next_local_occurrence():
    job = Job(name="j", task_path="x:y", every=dt.timedelta(days=1), at=dt.time(7, 0))

    assert job.next_run(at(2025, 11, 4, 6, 59)) == at(2025, 11, 4, 7, 0)
    assert job.next_run(at(2025, 11, 4, 7, 0)) == at(2025, 11, 5, 7, 0)  # run at 07:00: tomorrow's next
    assert job.next_run(at(2025, 11, 4, 23, 30)) == at(2025, 11, 5, 7, 0)
    # 23:30 UTC on the 3rd is 07:30 on the 4th in Shanghai: the next 07:00 is the 5th's.
    assert job.next_run(dt.datetime(2025, 11, 3, 23, 30, tzinfo=dt.timezone.utc)) == at(2025, 11, 5, 7, 0)


def test_a_job_without_a_time_of_day_keeps_its_interval():
    job = Job(name="j", task_path="x:y", every=dt.timedelta(minutes=5))
    assert job.next_run(at(2025, 11, 4, 6, 59)) == at(2025, 11, 4, 7, 4)


def test_the_report_jobs_run_at_the_configured_time(monkeypatch):
    monkeypatch.setenv("REXIAN_DAILY_REPORT_TIME", "06:30")
    scheduled = {job.name: job for job in jobs()}
    assert scheduled["daily_report"].at == scheduled["monthly_report"].at == dt.time(6, 30)
    assert scheduled["daily_report"].task_path == "rexian.reports.tasks:daily_report_task"


def test_a_bad_report_time_fails_the_check_and_leaves_out_only_the_report_jobs(monkeypatch):
    monkeypatch.setenv("REXIAN_DAILY_REPORT_TIME", "7 am")

    with pytest.raises(ImproperlyConfigured, match="REXIAN_DAILY_REPORT_TIME"):
        daily_report_time()
    names = [job.name for job in jobs()]
    assert "deadline_scan" in names and "daily_report" not in names and "monthly_report" not in names
    assert [error.id for error in check_settings()] == ["reports.E001"]


def test_the_scheduler_claims_the_daily_report_once_a_day_at_its_time(db, monkeypatch):
    monkeypatch.setenv("REXIAN_DAILY_REPORT_TIME", "07:00")
    ran = []
    # The jobs' tasks are only recorded here: the claim is what is tested, the reports themselves below.
    monkeypatch.setattr("rexian.core.scheduler._task",
                        lambda path: type("T", (), {"enqueue": lambda: ran.append(path)}))
    PeriodicJob.objects.create(name="daily_report", next_run_at=at(2025, 11, 4, 7, 0))

    assert "daily_report" not in scheduler_tick(now=at(2025, 11, 4, 6, 59))
    assert "daily_report" in scheduler_tick(now=at(2025, 11, 4, 7, 0))
    assert PeriodicJob.objects.get(name="daily_report").next_run_at == at(2025, 11, 5, 7, 0)
    assert "daily_report" not in scheduler_tick(now=at(2025, 11, 4, 18, 0))
    assert "daily_report" in scheduler_tick(now=at(2025, 11, 5, 7, 1))
    assert ran.count("rexian.reports.tasks:daily_report_task") == 2


def test_the_daily_job_publishes_yesterday_s_report_once(day_story):
    report = tasks.daily_report(now=at(2025, 11, 5, 7, 0))

    assert (report.kind, report.period_start, report.status, report.number) == (
        Kind.DAILY, dt.date(2025, 11, 4), Report.Status.PUBLISHED, 1)
    assert report.created_by is None and report.published_by is None
    assert ReportDelivery.objects.filter(report=report, read_at=None).count() == 2  # the leader, the supervisor
    assert tasks.daily_report(now=at(2025, 11, 5, 9, 0)) is None  # a second run that day makes nothing
    assert tasks.daily_report(now=at(2025, 11, 6, 7, 0)).number == 2


def test_the_monthly_job_publishes_last_month_s_briefing_once(day_story):
    report = tasks.monthly_report(now=at(2025, 12, 1, 7, 0))

    assert (report.kind, report.period_start, report.period_end, report.number) == (
        Kind.MONTHLY, dt.date(2025, 11, 1), dt.date(2025, 11, 30), 1)
    assert report.title == "12345热线工作简报"
    assert tasks.monthly_report(now=at(2025, 12, 2, 7, 0)) is None
