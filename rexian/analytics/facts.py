"""What each order contributes to the metrics, as SQL (the one definition the rollups use).

An order's facts (`OrderFact`) are computed from the orders tables by six
`INSERT … SELECT` statements, one per kind of fact, for any set of orders: all
of them (`rollup_rebuild`), those registered in a range of days, or one order
after an event (`rollup_refresh`). The same statements serve every case, so
the facts after a sequence of events are exactly those a rebuild would write.

The rules below are the decisions of docs/metrics.md; change both together.

* REGISTRATION, one per order, on the day it was registered: volume (not
  voided), voided, merged, answered_on_spot, closed, repeat_calls, and its hour.
* REPLY, one per order with a reply deadline, on the day of that deadline (as
  extended): reply_due, reply_in_time, reply_pending.
* CALLBACK_END, one per order closed as unreachable (on the day it closed) or
  awaiting its callback (on the day of the callback deadline): callback_due,
  callback_pending.
* SIGN, one per assignment with a sign deadline, on that day: sign_due,
  sign_in_time, sign_pending.
* DISPATCH, one per lead assignment, on the day it was dispatched: dispatched,
  returned, handled, reopened.
* CALLBACK, one per reached callback (回访成功), on its day: callback_due,
  callback_reached, the satisfaction counts, responded and solved.

Voided orders (作废) contribute only `voided`. Every fact carries the order's
dimensions; sign and dispatch facts carry the assignment's unit instead of
the order's lead unit.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    DateField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractHour, TruncDate
from django.utils import timezone

from rexian.analytics.models import DIMENSIONS, MEASURES, FactKind, OrderFact, RefreshScope
from rexian.orders.models import Assignment, Callback, CloseReason, Satisfaction, WorkOrder
from rexian.orders.transitions import State

COLUMNS: tuple[str, ...] = ("order_id", "kind", "day", "hour", "pending_at", *DIMENSIONS, *MEASURES)
INT = IntegerField()


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=INT)


def _int(expression) -> Coalesce:
    return Coalesce(expression, Value(0), output_field=INT)


def _dimensions(p: str, *, unit=None) -> dict:
    """The order's dimensions; `p` is the path from the queried model to the order ("" or "order__")."""
    level = f"{p}category__level"
    return {
        "appeal_type_id": F(f"{p}appeal_type_id"),
        "category_id": _int(F(f"{p}category_id")),
        "category_l2_id": Case(
            When(**{level: 2}, then=F(f"{p}category_id")),
            When(**{level: 3}, then=F(f"{p}category__parent_id")),
            default=Value(0),
            output_field=INT,
        ),
        "category_l1_id": Case(
            When(**{level: 1}, then=F(f"{p}category_id")),
            When(**{level: 2}, then=F(f"{p}category__parent_id")),
            When(**{level: 3}, then=F(f"{p}category__parent__parent_id")),
            default=Value(0),
            output_field=INT,
        ),
        "area_id": _int(F(f"{p}area_id")),
        "area_town_id": Case(
            When(**{f"{p}area__kind": "town"}, then=F(f"{p}area_id")),
            When(**{f"{p}area__kind": "community", f"{p}area__parent__kind": "town"}, then=F(f"{p}area__parent_id")),
            default=Value(0),
            output_field=INT,
        ),
        "unit_id": unit if unit is not None else _int(F(f"{p}lead_unit_id")),
        "line_id": _int(F(f"{p}line_id")),
        "channel_id": F(f"{p}channel_id"),
        "operator_id": _int(F(f"{p}registered_by_id")),
    }


@functools.lru_cache(maxsize=4)
def _fixed_offset_seconds(time_zone: str) -> int | None:
    """The zone's UTC offset if it has had only one since 1992 (Asia/Shanghai: +8 h), else None."""
    tz = timezone.get_default_timezone()
    offsets = {
        dt.datetime(year, month, 1, tzinfo=dt.UTC).astimezone(tz).utcoffset()
        for year in range(1992, 2051) for month in (1, 7)
    }
    return int(offsets.pop().total_seconds()) if len(offsets) == 1 else None


def _native_offset() -> int | None:
    """On SQLite with a fixed-offset zone, local dates and hours are computed by SQLite's own date
    functions: Django's TruncDate and ExtractHour call back into Python for every row, which made
    them most of a rebuild's time. Elsewhere (PostgreSQL, zones with daylight saving) Django's."""
    return _fixed_offset_seconds(settings.TIME_ZONE) if connection.vendor == "sqlite" else None


def _local_date(expression):
    offset = _native_offset()
    if offset is None:
        return TruncDate(expression, tzinfo=timezone.get_default_timezone())
    return Func(expression, template=f"date(%(expressions)s, '{offset:+d} seconds')", output_field=DateField())


def _local_hour(expression):
    offset = _native_offset()
    if offset is None:
        return ExtractHour(expression, tzinfo=timezone.get_default_timezone())
    # %%%%H: once for the template, once for the cursor's parameter style.
    return Func(expression, template=f"CAST(strftime('%%%%H', %(expressions)s, '{offset:+d} seconds') AS INTEGER)",
                output_field=INT)


def _days_before(expression, days: int):
    if connection.vendor == "sqlite":
        # datetime() drops the fraction of a second: the window is at most a second wider.
        return Func(expression, template=f"datetime(%(expressions)s, '-{days} days')", output_field=DateTimeField())
    return ExpressionWrapper(expression - Value(dt.timedelta(days=days)), output_field=DateTimeField())


def _select(queryset: QuerySet, *, order_id, kind: int, day, hour=None, pending_at=None, unit=None, counts: dict):
    """The queryset as rows of OrderFact's columns (in `COLUMNS` order), ready for INSERT … SELECT.

    Days and hours are the centre's (REXIAN_TIME_ZONE), whatever time zone a request activated.
    """
    values = {
        "order_id": order_id,
        "kind": Value(kind, output_field=INT),
        "day": _local_date(F(day) if isinstance(day, str) else day),
        "hour": _local_hour(F(hour)) if hour is not None else Value(0, output_field=INT),
        "pending_at": pending_at if pending_at is not None else Value(None, output_field=DateTimeField()),
        **_dimensions("" if queryset.model is WorkOrder else "order__", unit=unit),
        **{name: counts.get(name, Value(0, output_field=INT)) for name in MEASURES},
    }
    # Annotation names must not clash with the model's fields; the SELECT lists them in COLUMNS order.
    aliased = {f"fact_{name}": values[name] for name in COLUMNS}
    return queryset.annotate(**aliased).values_list(*aliased).order_by()


def _registration(orders: QuerySet) -> QuerySet:
    earlier = WorkOrder.objects.filter(
        caller_phone_hash=OuterRef("caller_phone_hash"),
        registered_at__lt=OuterRef("registered_at"),
        registered_at__gte=_days_before(OuterRef("registered_at"), settings.METRICS_REPEAT_CALL_DAYS),
    )
    live = ~Q(state=State.VOIDED)
    return _select(
        orders,
        order_id=F("pk"),
        kind=FactKind.REGISTRATION,
        day="registered_at",
        hour="registered_at",
        counts={
            "volume": _flag(live),
            "voided": _flag(Q(state=State.VOIDED)),
            "merged": _flag(Q(state=State.MERGED)),
            "answered_on_spot": _flag(~Q(answer="") & ~Q(state__in=[State.VOIDED, State.MERGED])),
            "closed": _flag(Q(state=State.CLOSED)),
            "repeat_calls": _flag(live & ~Q(caller_phone_hash="") & Q(Exists(earlier))),
        },
    )


def _reply(orders: QuerySet) -> QuerySet:
    # An order merged or voided before its reply stopped being handled: its deadline is not counted.
    orders = orders.filter(reply_deadline__isnull=False).exclude(state=State.VOIDED)
    orders = orders.exclude(state=State.MERGED, replied_at__isnull=True)
    pending = Q(replied_at__isnull=True)
    return _select(
        orders,
        order_id=F("pk"),
        kind=FactKind.REPLY,
        day="reply_deadline",
        pending_at=Case(When(pending, then=F("reply_deadline")), default=None, output_field=DateTimeField()),
        counts={
            "reply_due": Value(1, output_field=INT),
            "reply_in_time": _flag(Q(replied_at__lte=F("reply_deadline"))),
            "reply_pending": _flag(pending),
        },
    )


def _callback_end(orders: QuerySet) -> QuerySet:
    awaiting = Q(state=State.AWAITING_CALLBACK, callback_deadline__isnull=False)
    orders = orders.filter(awaiting | Q(close_reason=CloseReason.UNREACHABLE))
    return _select(
        orders,
        order_id=F("pk"),
        kind=FactKind.CALLBACK_END,
        day=Case(When(awaiting, then=F("callback_deadline")), default=F("closed_at"), output_field=DateTimeField()),
        pending_at=Case(When(awaiting, then=F("callback_deadline")), default=None, output_field=DateTimeField()),
        counts={"callback_due": Value(1, output_field=INT), "callback_pending": _flag(awaiting)},
    )


def _sign(assignments: QuerySet) -> QuerySet:
    # An assignment closed without a signature left the unit before it signed (returned, merged, voided).
    assignments = assignments.filter(sign_deadline__isnull=False).exclude(order__state=State.VOIDED)
    assignments = assignments.exclude(signed_at__isnull=True, is_open=False)
    pending = Q(signed_at__isnull=True)
    return _select(
        assignments,
        order_id=F("order_id"),
        kind=FactKind.SIGN,
        day="sign_deadline",
        unit=F("unit_id"),
        pending_at=Case(When(pending, then=F("sign_deadline")), default=None, output_field=DateTimeField()),
        counts={
            "sign_due": Value(1, output_field=INT),
            "sign_in_time": _flag(Q(signed_at__lte=F("sign_deadline"))),
            "sign_pending": _flag(pending),
        },
    )


def _dispatch(assignments: QuerySet) -> QuerySet:
    assignments = assignments.filter(role=Assignment.Role.LEAD).exclude(order__state=State.VOIDED)
    returned = Q(status=Assignment.Status.WITHDRAWN)
    return _select(
        assignments,
        order_id=F("order_id"),
        kind=FactKind.DISPATCH,
        day="dispatched_at",
        unit=F("unit_id"),
        counts={
            "dispatched": Value(1, output_field=INT),
            "returned": _flag(returned),
            "handled": _flag(Q(replied_at__isnull=False) & ~returned),
            "reopened": _flag(Q(reopen_count__gt=0)),
        },
    )


def _callback(callbacks: QuerySet) -> QuerySet:
    callbacks = callbacks.filter(reached=True).exclude(order__state=State.VOIDED)
    return _select(
        callbacks,
        order_id=F("order_id"),
        kind=FactKind.CALLBACK,
        day="at",
        counts={
            "callback_due": Value(1, output_field=INT),
            "callback_reached": Value(1, output_field=INT),
            "satisfied": _flag(Q(satisfaction=Satisfaction.SATISFIED)),
            "basically_satisfied": _flag(Q(satisfaction=Satisfaction.BASIC)),
            "dissatisfied": _flag(Q(satisfaction=Satisfaction.DISSATISFIED)),
            "responded_asked": _flag(Q(responded_in_time__isnull=False)),
            "responded": _flag(Q(responded_in_time=True)),
            "solved_asked": _flag(Q(solved__isnull=False)),
            "solved": _flag(Q(solved=True)),
        },
    )


def fact_selects(*, scoped: bool) -> list[QuerySet]:
    """The six SELECTs that compute facts: of the orders listed in `RefreshScope`, or of all orders."""
    orders, related = WorkOrder.objects.all(), {}
    if scoped:
        listed = RefreshScope.objects.values("order_id")
        orders, related = orders.filter(pk__in=listed), {"order_id__in": listed}
    return [
        _registration(orders),
        _reply(orders),
        _callback_end(orders),
        _sign(Assignment.objects.filter(**related)),
        _dispatch(Assignment.objects.filter(**related)),
        _callback(Callback.objects.filter(**related)),
    ]


@functools.lru_cache(maxsize=8)
def _statements(scoped: bool, vendor: str, time_zone: str, repeat_days: int) -> tuple[tuple[str, tuple], ...]:
    # Building these querysets costs far more than running them for one order: compile once per process
    # (per database vendor, time zone and repeat-call window, the only inputs besides the scope).
    table = connection.ops.quote_name(OrderFact._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(OrderFact._meta.get_field(name).column) for name in COLUMNS)
    statements = []
    for queryset in fact_selects(scoped=scoped):
        sql, params = queryset.query.sql_with_params()
        statements.append((f"INSERT INTO {table} ({columns}) {sql}", tuple(params)))
    return tuple(statements)


def fact_statements(*, scoped: bool) -> tuple[tuple[str, tuple], ...]:
    """The INSERT … SELECT statements (sql, params) that write the facts, one per kind of fact."""
    return _statements(scoped, connection.vendor, settings.TIME_ZONE,
                       settings.METRICS_REPEAT_CALL_DAYS)


def facts_insert(*, scoped: bool) -> None:
    """Write the facts of the orders in `RefreshScope` (or of all orders); their old facts must be gone."""
    with connection.cursor() as cursor:
        for sql, params in fact_statements(scoped=scoped):
            cursor.execute(sql, params)
