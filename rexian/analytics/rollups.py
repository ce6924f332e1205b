"""Keeping the rollups current: after every order event, and by rebuilding from the orders tables.

The invariant: `DailyRollup` and `HourlyRollup` are exactly the sums of the
`OrderFact` rows per day and slice. Every change keeps it, inside one
transaction:

1. subtract the changed orders' current facts from the rollups,
2. delete those facts and compute them again from the orders tables
   (`rexian.analytics.facts`, the same SQL for one order or for all),
3. add the new facts to the rollups.

`rollup_refresh(order_ids)` does this for a few orders and runs after every
committed `order_event` (so within milliseconds of a transition);
`rollup_rebuild(start, end)` does it for the orders registered in a range of
days, or for all orders, for bulk loads that bypass the services (the demo,
imports) and as the nightly reconciliation (`rollup_reconcile_task`). The
facts depend only on the stored orders, never on the clock, so refreshing an
order twice changes nothing.

Writers are serialised: SQLite has one writer at a time anyway, and on
PostgreSQL a transaction-scoped advisory lock keeps two refreshes from
updating the same rollup rows in opposite orders (a deadlock).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min, QuerySet
from django.utils import timezone

from rexian.analytics.facts import fact_statements, facts_insert
from rexian.analytics.models import (
    KIND_MEASURES,
    MEASURES,
    DailyRollup,
    FactKind,
    HourlyRollup,
    OrderFact,
    RefreshScope,
)
from rexian.core.dates import local_midnight
from rexian.orders.models import WorkOrder

logger = logging.getLogger(__name__)

# The slices of the daily rollup: (dim, key column, key2 column, extra condition). An order's category
# and area count for their ancestors too (a level-1 category's row includes its leaves), each once.
DAILY_SLICES: tuple[tuple[str, str, str, str], ...] = (
    ("all", "0", "0", ""),
    ("type", "appeal_type_id", "0", ""),
    ("category", "category_id", "0", ""),
    ("category", "category_l2_id", "0", "category_l2_id <> 0 AND category_l2_id <> category_id"),
    ("category", "category_l1_id", "0",
     "category_l1_id <> 0 AND category_l1_id <> category_id AND category_l1_id <> category_l2_id"),
    ("area", "area_id", "0", ""),
    ("area", "area_town_id", "0", "area_town_id <> 0 AND area_town_id <> area_id"),
    ("unit", "unit_id", "0", ""),
    ("line", "line_id", "0", ""),
    ("channel", "channel_id", "0", ""),
    ("operator", "operator_id", "0", ""),
    ("unit_type", "unit_id", "appeal_type_id", ""),
    # The pairs a topic report (专报) reads: a category at each of its levels, or a town, broken down by type,
    # unit, or the other (metrics.PAIRS). Areas pair at the town level only: a community pair would multiply the
    # rows for a slice no report asks for.
    *(
        (dim, column, other, " AND ".join(c for c in (condition, other_condition) if c))
        for column, condition in (
            ("category_id", ""),
            ("category_l2_id", "category_l2_id <> 0 AND category_l2_id <> category_id"),
            ("category_l1_id",
             "category_l1_id <> 0 AND category_l1_id <> category_id AND category_l1_id <> category_l2_id"),
        )
        for dim, other, other_condition in (
            ("cat_type", "appeal_type_id", ""),
            ("cat_unit", "unit_id", ""),
            ("cat_town", "area_town_id", "area_town_id <> 0"),
        )
    ),
    ("town_type", "area_town_id", "appeal_type_id", "area_town_id <> 0"),
    ("town_unit", "area_town_id", "unit_id", "area_town_id <> 0"),
)
# Registrations by hour, for the slices dashboards show by hour; others are summed from the facts.
HOURLY_SLICES: tuple[tuple[str, str], ...] = (
    ("all", "0"), ("type", "appeal_type_id"), ("channel", "channel_id"), ("line", "line_id"),
)
ADVISORY_LOCK = 0x12345A  # pg_advisory_xact_lock key of the rollup writers
CHUNK_DAYS = 7


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


@functools.lru_cache(maxsize=16)
def _fold_statements(scope_sql: str, sign: int, vendor: str, by_kind: bool) -> tuple[tuple[str, tuple], ...]:
    """The statements that add (sign=1) or subtract (sign=-1) the facts matching `scope_sql` to the rollups.

    `by_kind` sums each kind of fact on its own, over only the counts that kind sets: a full rebuild
    then adds up about a fifth of the values (the rest are zeros), which on SQLite is most of its time.
    """
    facts = _q(OrderFact._meta.db_table)
    daily = _q(DailyRollup._meta.db_table)
    hourly = _q(HourlyRollup._meta.db_table)
    key = _q("key")
    measure_columns = ", ".join(_q(m) for m in MEASURES)
    parts = [(f" AND kind = {kind}", measures) for kind, measures in KIND_MEASURES.items()] if by_kind else [
        ("", MEASURES)
    ]
    statements = []
    for dim, key_column, key2_column, condition in DAILY_SLICES:
        # A constant in GROUP BY would be read as a column position.
        group = ", ".join(["day", *(column for column in (key_column, key2_column) if column != "0")])
        for kind_condition, measures in parts:
            sums = ", ".join(f"{sign} * SUM({_q(m)})" if m in measures else "0" for m in MEASURES)
            updates = ", ".join(f"{_q(m)} = {daily}.{_q(m)} + excluded.{_q(m)}" for m in measures)
            where = f"({scope_sql}){kind_condition}" + (f" AND {condition}" if condition else "")
            # WHERE is never empty: SQLite needs one before ON CONFLICT in an INSERT … SELECT.
            statements.append((
                f"INSERT INTO {daily} (day, dim, {key}, key2, {measure_columns}) "
                f"SELECT day, %s, {key_column}, {key2_column}, {sums} FROM {facts} WHERE {where} GROUP BY {group} "
                f"ON CONFLICT (dim, {key}, key2, day) DO UPDATE SET {updates}",
                (dim,),
            ))
    for dim, key_column in HOURLY_SLICES:
        group = "day, hour" + (f", {key_column}" if key_column != "0" else "")
        # "+kind": an index on kind (a quarter of the facts) must not win over the scope's order ids.
        statements.append((
            f"INSERT INTO {hourly} (day, hour, dim, {key}, volume) "
            f"SELECT day, hour, %s, {key_column}, {sign} * SUM(volume) FROM {facts} "
            f"WHERE ({scope_sql}) AND +kind = %s GROUP BY {group} "
            f"ON CONFLICT (dim, {key}, day, hour) DO UPDATE SET volume = {hourly}.volume + excluded.volume",
            (dim, int(FactKind.REGISTRATION)),
        ))
    return tuple(statements)


def _fold(scope_sql: str, sign: int, *, by_kind: bool = False) -> None:
    with connection.cursor() as cursor:
        for sql, params in _fold_statements(scope_sql, sign, connection.vendor, by_kind):
            cursor.execute(sql, params)


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])


def _replace(orders: QuerySet) -> None:
    """Recompute the facts of these orders and move the rollups by the difference (inside a transaction)."""
    RefreshScope.objects.all().delete()
    ids, params = orders.values("pk").query.sql_with_params()
    scope_table = _q(RefreshScope._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {scope_table} (order_id) {ids}", params)
    listed = f"order_id IN (SELECT order_id FROM {scope_table})"
    _fold(listed, -1)
    OrderFact.objects.filter(order_id__in=RefreshScope.objects.values("order_id")).delete()
    facts_insert(scoped=True)
    _fold(listed, 1)
    RefreshScope.objects.all().delete()


def rollup_refresh(order_ids: Iterable[int]) -> None:
    """Bring the facts and rollups of these orders up to date with the orders tables.

    Called after every committed order event (`on_order_event`); safe to call
    any number of times for any order.
    """
    ids = sorted(set(order_ids))
    if not ids:
        return
    with transaction.atomic():
        _lock()
        _replace(WorkOrder.objects.filter(pk__in=ids))


def on_order_event(sender, *, order_id: int, **kwargs) -> None:
    """`order_event` receiver. Never raises: the user's transition is already committed, and a failed
    refresh is repaired by the nightly reconciliation (or `rexian rollup-rebuild`)."""
    try:
        rollup_refresh([order_id])
    except Exception:  # noqa: BLE001 - logged; the transition must not fail because of the statistics
        logger.exception("rollup refresh failed for order %s", order_id)


@dataclass
class RebuildResult:
    orders: int
    facts: int
    days: int
    seconds: float


def rollup_rebuild(
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> RebuildResult:
    """Recompute the facts and rollups of the orders registered from `start` to `end` (local dates, inclusive).

    Without dates, everything is rebuilt from scratch in one transaction: all
    facts and rollup rows are replaced by what the orders tables say, each
    statement over the whole table (minutes at a million orders). Run it when
    nothing else writes: after a bulk load (the demo, an import), after
    changing REXIAN_METRICS_REPEAT_CALL_DAYS or the time zone.

    With dates, only those orders' facts are replaced and the rollups moved by
    the difference, a week of registrations per transaction, so the hotline
    can work meanwhile (this is the nightly reconciliation).

    Either way the result is what the order events would have left.
    `progress(done, total)` is called after each step.
    """
    started = time.perf_counter()
    if start is None and end is None:
        with transaction.atomic():
            _lock()
            for model in (OrderFact, DailyRollup, HourlyRollup):
                model.objects.all().delete()
            steps = fact_statements(scoped=False)
            with connection.cursor() as cursor:
                for done, (sql, params) in enumerate(steps, start=1):
                    cursor.execute(sql, params)
                    if progress is not None:
                        progress(done, len(steps) + 1)
            _fold("1 = 1", 1, by_kind=True)
            if progress is not None:
                progress(len(steps) + 1, len(steps) + 1)
        orders = WorkOrder.objects.count()
        days = 0
    else:
        tz = timezone.get_default_timezone()
        first = WorkOrder.objects.aggregate(first=Min("registered_at"))["first"] or timezone.now()
        start = start or first.astimezone(tz).date()
        end = end or timezone.localdate(timezone=tz)
        if end < start:
            raise ValueError(f"the range ends ({end}) before it starts ({start})")
        days = (end - start).days + 1
        chunks = [start + dt.timedelta(days=n) for n in range(0, days, CHUNK_DAYS)]
        for done, chunk_start in enumerate(chunks, start=1):
            chunk_end = min(chunk_start + dt.timedelta(days=CHUNK_DAYS), end + dt.timedelta(days=1))
            orders = WorkOrder.objects.filter(
                registered_at__gte=local_midnight(chunk_start), registered_at__lt=local_midnight(chunk_end)
            )
            with transaction.atomic():
                _lock()
                _replace(orders)
            if progress is not None:
                progress(done, len(chunks))
        orders = WorkOrder.objects.filter(
            registered_at__gte=local_midnight(start), registered_at__lt=local_midnight(end + dt.timedelta(days=1))
        ).count()
    return RebuildResult(
        orders=orders, facts=OrderFact.objects.count(), days=days, seconds=time.perf_counter() - started
    )


def rollup_reconcile(*, days: int | None = None) -> RebuildResult | None:
    """The nightly repair: rebuild the orders registered in the last REXIAN_METRICS_RECONCILE_DAYS days.

    Events keep the rollups current; this catches what they cannot see (a
    refresh that failed, rows written in bulk without events).
    """
    days = settings.METRICS_RECONCILE_DAYS if days is None else days
    if days <= 0:
        return None
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    return rollup_rebuild(today - dt.timedelta(days=days - 1), today)
