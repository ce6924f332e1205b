"""Reads for dashboards and reports from PostgreSQL streaming replicas (PRODUCT.md, "Architecture").

`REXIAN_REPLICA_DATABASE_URLS` names one or more read-only copies of the primary (streaming replicas); settings
turns them into the database aliases `replica_1`, `replica_2` … (`settings.READ_REPLICAS`). Nothing reads
from them unless asked: the heavy pure reads, the dashboards' charts and the reports' builders, run inside
`replica_reads()`, and only there does `ReplicaRouter` send reads to a replica. Every write, every other read
(an order page, a queue, a transition's locked row) stays on the primary, so nobody reads their own change from a
copy that has not received it yet, and inside a transaction on the primary the reads stay on the primary too.

A replica is used only while it is healthy: reachable, and no further behind the primary than
`REXIAN_REPLICA_MAX_LAG_SECONDS`. Its health is probed at most every `REPLICA_PROBE_SECONDS` per process; a
replica that is down or behind is skipped (with a warning in the log) and the reads go to the primary, so a
dashboard never fails or shows old figures because a copy is late.
"""

from __future__ import annotations

import contextvars
import logging
import random
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA_PROBE_SECONDS = 10.0

# The replica's delay behind the primary, in seconds: none when it has replayed all it received, else the age of
# the last transaction it replayed (on an idle primary that age grows while nothing is missing, hence the first
# case). On a server that is not a replica both functions are NULL: no delay.
LAG_SQL = (
    "SELECT CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)

_reading_from_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("rexian_replica_reads", default=False)


@contextmanager
def replica_reads():
    """Within the block (or the decorated function), reads may go to a healthy replica; writes never do.

    For pure reads that tolerate a few seconds' delay: charts, reports, the metrics command. Nesting is harmless.
    """
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


class _Health:
    """Each replica's last probe in this process: (healthy, when probed, on the monotonic clock)."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[bool, float]] = {}

    def healthy(self, alias: str) -> bool:
        now = self._clock()
        with self._lock:
            seen = self._seen.get(alias)
            if seen is not None and now - seen[1] < REPLICA_PROBE_SECONDS:
                return seen[0]
        healthy = probe(alias)
        with self._lock:
            self._seen[alias] = (healthy, now)
        return healthy

    def forget(self) -> None:
        with self._lock:
            self._seen.clear()


health = _Health()


def replica_lag(alias: str) -> float:
    """How far (seconds) the replica `alias` is behind the primary; raises DatabaseError when it cannot be asked."""
    with connections[alias].cursor() as cursor:
        cursor.execute(LAG_SQL)
        return float(cursor.fetchone()[0] or 0)


@dataclass(frozen=True)
class ReplicaState:
    status: str  # ok, behind, unreachable
    lag: float | None = None  # seconds behind the primary, when it answered

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def replica_state(alias: str) -> ReplicaState:
    """Whether the replica `alias` may serve reads now: it answers and lags no more than the setting allows (a
    warning in the log when not). The router's probe and the readiness check both ask this."""
    try:
        lag = replica_lag(alias)
    except DatabaseError as error:
        logger.warning("read replica %s is not reachable, reading from the primary: %s", alias, error)
        return ReplicaState("unreachable")
    if lag > settings.REPLICA_MAX_LAG_SECONDS:
        logger.warning("read replica %s is %.1f s behind the primary, reading from the primary", alias, lag)
        return ReplicaState("behind", lag)
    return ReplicaState("ok", lag)


def probe(alias: str) -> bool:
    return replica_state(alias).ok


def replica_for_read() -> str | None:
    """The alias reads go to now: a healthy replica, chosen at random among them, inside `replica_reads()`, else
    None (the primary). Inside a transaction on the primary the reads stay there: a transaction sees its own
    writes and locks its rows (`select_for_update` is a read to the router), which a replica cannot do."""
    if not _reading_from_replica.get() or connections["default"].in_atomic_block:
        return None
    candidates = [alias for alias in settings.READ_REPLICAS if health.healthy(alias)]
    return random.choice(candidates) if candidates else None


class ReplicaRouter:
    """Django's database router for the replicas (settings.DATABASE_ROUTERS when any is configured)."""

    def db_for_read(self, model, **hints):
        return replica_for_read()

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # The replicas hold the primary's rows: an object read from one may point to an object read from another.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Replicas copy the primary's schema; `migrate` runs on the primary only.
        return db == "default"
