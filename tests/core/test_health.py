"""Liveness (/health/) and readiness (/health/ready/, rexian/core/health.py) for the monitoring system."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connections
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rexian.core import replicas
from rexian.core.models import PeriodicJob
from rexian.core.scheduler import scheduler_tick
from rexian.core.tasks import prune_task_results

pytestmark = pytest.mark.django_db

READY = "/health/ready/"


def ready() -> tuple[int, dict]:
    response = Client().get(READY)
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, response.json()


@pytest.fixture(autouse=True)
def database_queue(settings):
    """The production queue: tasks wait in the database for a worker (the tests otherwise run them at once). No
    read replica unless a test says so (tests/core/test_replicas.py asks a real one)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.READ_REPLICAS = []


@pytest.fixture
def worker_ticked(settings):
    """A worker that has just ticked the scheduler (every periodic job enqueued now)."""
    settings.WORKER_SCAN_INTERVAL_SECONDS = 60
    scheduler_tick(now=timezone.now())


def test_liveness_answers_without_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert Client().get("/health/").json() == {"status": "ok"}


def test_ready_when_the_database_answers_a_worker_runs_and_the_queue_keeps_up(worker_ticked):
    status, answer = ready()
    assert status == 200
    assert answer["status"] == "ok"
    assert answer["database"] == {"ok": True, "status": "ok"}
    assert answer["worker"]["ok"] and answer["worker"]["seconds_since"] < 60
    assert answer["queue"]["ok"] and answer["queue"]["waiting"] == DBTaskResult.objects.ready().count() > 0
    assert "replicas" not in answer


def test_not_ready_before_any_worker_ran():
    status, answer = ready()
    assert (status, answer["status"], answer["worker"]) == (503, "failing", {"ok": False, "status": "never_ran"})


def test_not_ready_when_the_worker_has_been_silent_for_three_scans(worker_ticked):
    PeriodicJob.objects.filter(name="deadline_scan").update(last_run_at=timezone.now() - dt.timedelta(minutes=2))
    assert ready()[0] == 200  # under three minutes: a slow tick, not a dead worker
    PeriodicJob.objects.filter(name="deadline_scan").update(last_run_at=timezone.now() - dt.timedelta(minutes=10))
    status, answer = ready()
    assert (status, answer["worker"]["status"]) == (503, "silent")
    assert 595 <= answer["worker"]["seconds_since"] <= 660


def test_not_ready_when_a_task_has_waited_too_long_to_start(worker_ticked):
    """A worker whose scheduler ticks but whose loop is stuck (a task that never ends) leaves the queue waiting."""
    DBTaskResult.objects.ready().update(enqueued_at=timezone.now() - dt.timedelta(minutes=8))
    status, answer = ready()
    assert (status, answer["queue"]["status"], answer["worker"]["ok"]) == (503, "behind", True)
    assert answer["queue"]["oldest_wait_seconds"] >= 8 * 60


def test_a_deferred_task_waits_from_when_it_became_due(worker_ticked):
    DBTaskResult.objects.ready().delete()
    result = prune_task_results.using(run_after=timezone.now() + dt.timedelta(hours=1)).enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(enqueued_at=timezone.now() - dt.timedelta(days=1))
    assert ready()[1]["queue"] == {"ok": True, "status": "ok", "waiting": 0, "oldest_wait_seconds": 0}
    DBTaskResult.objects.filter(pk=result.id).update(run_after=timezone.now() - dt.timedelta(minutes=6))
    answer = ready()[1]["queue"]
    assert (answer["status"], answer["waiting"]) == ("behind", 1) and 355 <= answer["oldest_wait_seconds"] <= 420


def test_without_the_database_queue_there_is_no_worker_to_wait_for(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
    status, answer = ready()
    assert status == 200
    assert answer["worker"] == answer["queue"] == {"ok": True, "status": "not_used"}


def test_a_database_that_does_not_answer_is_said_without_its_error(monkeypatch, caplog):
    def refused(*args, **kwargs):
        raise DatabaseError('could not connect to server at "db.internal" (10.0.0.5), port 5432')

    monkeypatch.setattr(connections["default"], "cursor", refused)
    status, answer = ready()
    assert (status, answer) == (503, {"status": "failing", "database": {"ok": False, "status": "unreachable"}})
    assert "db.internal" in caplog.text  # in the log for the operator, never in the answer


def test_replicas_are_said_but_do_not_fail_readiness(worker_ticked, settings, monkeypatch):
    """Their reads go to the primary when they are down or behind (rexian.core.replicas)."""
    settings.READ_REPLICAS = ["replica_1", "replica_2"]
    settings.REPLICA_MAX_LAG_SECONDS = 30

    def lag(alias):
        if alias == "replica_2":
            raise DatabaseError("connection refused")
        return 45.25

    monkeypatch.setattr(replicas, "replica_lag", lag)
    status, answer = ready()
    assert status == 200
    assert answer["replicas"] == {
        "replica_1": {"ok": False, "status": "behind", "lag_seconds": 45.2},
        "replica_2": {"ok": False, "status": "unreachable"},
    }


def test_readiness_is_read_only():
    assert Client().post(READY).status_code == 405
