"""Read replicas (rexian/core/replicas.py): which reads go to a replica, when a replica is skipped, and, where the
PostgreSQL run configures one (the Makefile's test-postgres sets REXIAN_REPLICA_DATABASE_URLS to the test server,
opened read-only and mirroring the test database), dashboards and reports really read from it and write nothing
there."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connections, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from rexian.analytics.charts import Period, chart_build
from rexian.core import replicas
from rexian.core.replicas import ReplicaRouter, replica_reads
from rexian.orders.models import WorkOrder
from rexian.reports.services import report_generate
from tests.analytics.test_charts import MON, TUE, two_days_told

ONE = ["replica_1"]


class Always:
    """A health register that says every replica is healthy, or none."""

    def __init__(self, healthy: bool):
        self.answer, self.asked = healthy, []

    def healthy(self, alias: str) -> bool:
        self.asked.append(alias)
        return self.answer


@pytest.fixture
def healthy(monkeypatch):
    register = Always(True)
    monkeypatch.setattr(replicas, "health", register)
    return register


# --- The router's decisions -----------------------------------------------------------------------------------


@override_settings(READ_REPLICAS=ONE)
def test_reads_go_to_a_replica_only_inside_replica_reads(healthy):
    router = ReplicaRouter()
    assert router.db_for_read(WorkOrder) is None
    with replica_reads():
        assert router.db_for_read(WorkOrder) == "replica_1"
        with replica_reads():
            assert router.db_for_read(WorkOrder) == "replica_1"
        assert router.db_for_read(WorkOrder) == "replica_1"
    assert router.db_for_read(WorkOrder) is None


@override_settings(READ_REPLICAS=ONE)
def test_writes_and_migrations_never_go_to_a_replica(healthy):
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_write(WorkOrder) == "default"
    assert router.allow_migrate("default", "orders") is True
    assert router.allow_migrate("replica_1", "orders") is False


@override_settings(READ_REPLICAS=ONE)
def test_replica_reads_ends_with_its_block_even_on_an_error(healthy):
    with pytest.raises(ZeroDivisionError), replica_reads():
        1 / 0
    assert ReplicaRouter().db_for_read(WorkOrder) is None


@override_settings(READ_REPLICAS=ONE)
def test_replica_reads_decorates_a_function(healthy):
    @replica_reads()
    def where():
        return ReplicaRouter().db_for_read(WorkOrder)

    assert where() == "replica_1"
    assert ReplicaRouter().db_for_read(WorkOrder) is None


@override_settings(READ_REPLICAS=ONE)
def test_an_unhealthy_replica_is_skipped_for_the_primary(monkeypatch):
    monkeypatch.setattr(replicas, "health", Always(False))
    with replica_reads():
        assert ReplicaRouter().db_for_read(WorkOrder) is None


@override_settings(READ_REPLICAS=["replica_1", "replica_2"])
def test_reads_spread_over_the_healthy_replicas(monkeypatch):
    class OnlySecond(Always):
        def healthy(self, alias):
            return alias == "replica_2"

    monkeypatch.setattr(replicas, "health", OnlySecond(True))
    with replica_reads():
        assert {ReplicaRouter().db_for_read(WorkOrder) for _ in range(20)} == {"replica_2"}


@override_settings(READ_REPLICAS=[])
def test_without_replicas_everything_reads_the_primary():
    with replica_reads():
        assert ReplicaRouter().db_for_read(WorkOrder) is None


@pytest.mark.django_db
@override_settings(READ_REPLICAS=ONE)
def test_inside_a_transaction_reads_stay_on_the_primary(healthy):
    """A transaction sees its own writes and locks its rows; a replica can do neither."""
    with transaction.atomic(), replica_reads():
        assert ReplicaRouter().db_for_read(WorkOrder) is None
    assert healthy.asked == []


# --- Health: probed, remembered, skipped when down or behind -------------------------------------------------


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_health_is_probed_at_most_every_few_seconds(monkeypatch):
    probes = []
    monkeypatch.setattr(replicas, "probe", lambda alias: probes.append(alias) or True)
    clock = Clock()
    register = replicas._Health(clock=clock)
    assert register.healthy("replica_1") and register.healthy("replica_1")
    assert probes == ["replica_1"]
    clock.now += replicas.REPLICA_PROBE_SECONDS
    assert register.healthy("replica_1")
    assert probes == ["replica_1", "replica_1"]


def test_a_replica_too_far_behind_is_not_healthy(monkeypatch, settings, caplog):
    settings.REPLICA_MAX_LAG_SECONDS = 30
    monkeypatch.setattr(replicas, "replica_lag", lambda alias: 12.5)
    assert replicas.probe("replica_1") is True
    monkeypatch.setattr(replicas, "replica_lag", lambda alias: 45.0)
    assert replicas.probe("replica_1") is False
    assert "replica_1 is 45.0 s behind" in caplog.text


def test_a_replica_that_does_not_answer_is_not_healthy(monkeypatch, caplog):
    def down(alias):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(replicas, "replica_lag", down)
    assert replicas.probe("replica_1") is False
    assert "replica_1 is not reachable" in caplog.text and "connection refused" in caplog.text


# --- On a real replica (the PostgreSQL run) ------------------------------------------------------------------


needs_replica = pytest.mark.skipif(
    "replica_1" not in connections.settings,
    reason="no read replica configured (the PostgreSQL run sets REXIAN_REPLICA_DATABASE_URLS)",
)


def volume(keys, rows) -> int:
    """受理量 on the headline chart: one row per figure, [label, value, unit]."""
    return rows[list(keys).index("volume")][1]


def _tables(queries) -> str:
    return " ".join(q["sql"] for q in queries)


@pytest.fixture
def on_replica(settings):
    settings.READ_REPLICAS = ONE
    replicas.health.forget()
    yield connections["replica_1"]
    replicas.health.forget()


@needs_replica
@pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", "replica_1"])
def test_the_replica_is_read_only_and_not_behind(on_replica):
    assert replicas.replica_lag("replica_1") == 0
    with pytest.raises(DatabaseError, match="read-only"), transaction.atomic(using="replica_1"):
        WorkOrder.objects.using("replica_1").filter(pk=-1).update(title="x")


@needs_replica
@pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", "replica_1"])
def test_the_dashboards_read_their_figures_from_the_replica(on_replica, cast, monkeypatch, client):
    two_days_told(cast, monkeypatch)
    client.force_login(type(cast.leader).objects.get(pk=cast.leader.pk))
    query = {"chart": "headline", "period": "custom", "date_from": f"{MON}", "date_to": f"{TUE}"}
    with CaptureQueriesContext(on_replica) as on_copy, CaptureQueriesContext(connections["default"]) as on_primary:
        response = client.get(reverse("console:dashboard-data"), query)
    assert response.status_code == 200, response.content
    chart = response.json()["chart"]
    assert volume(chart["keys"], chart["rows"]) == 4  # the story's 受理量 (tests/analytics/test_charts.py)
    assert "analytics_dailyrollup" in _tables(on_copy.captured_queries)
    assert "analytics_dailyrollup" not in _tables(on_primary.captured_queries)
    # The session and the signed-in user are the request's own reads: the primary's.
    assert "django_session" in _tables(on_primary.captured_queries)


@needs_replica
@pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", "replica_1"])
def test_a_report_is_built_from_the_replica_and_stored_on_the_primary(on_replica, cast, monkeypatch):
    two_days_told(cast, monkeypatch)
    with CaptureQueriesContext(on_replica) as on_copy:
        report = report_generate("daily", by=cast.supervisor, day=MON)
    assert report.pk and report.status == report.Status.DRAFT
    assert type(report).objects.filter(pk=report.pk).exists()
    copied = _tables(on_copy.captured_queries)
    assert "analytics_dailyrollup" in copied and "orders_workorder" in copied
    assert "INSERT" not in copied and "UPDATE" not in copied
    assert "工作日报" in report.title


@needs_replica
@pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", "replica_1"])
def test_a_replica_that_falls_behind_hands_the_reads_back_to_the_primary(on_replica, cast, monkeypatch, settings):
    two_days_told(cast, monkeypatch)
    settings.REPLICA_MAX_LAG_SECONDS = 30
    monkeypatch.setattr(replicas, "replica_lag", lambda alias: 120.0)
    with CaptureQueriesContext(on_replica) as on_copy:
        chart = chart_build("headline", Period("custom", MON, TUE))
    assert on_copy.captured_queries == []
    assert volume(chart.keys, chart.rows) == 4


@needs_replica
@pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", "replica_1"])
def test_readiness_says_the_replica_is_in_step(on_replica, client):
    answer = client.get(reverse("health-ready")).json()
    assert answer["replicas"] == {"replica_1": {"ok": True, "status": "ok", "lag_seconds": 0.0}}
