"""Keeping the call rollups (话务汇总) current: the slots and days that changed are counted again from the calls.

`call_figures` reads four tables (rexian/telephony/models.py) instead of every call and interval:

* `CallSlotRollup`: the calls of each local half hour and line (totals, by line, day, hour, half hour and hour
  of the day, and one line's figures);
* `CallAgentDayRollup`: the calls of each local day, agent number and line (by operator);
* `ReadySlotRollup` and `ReadyAgentDayRollup`: the agents' closed ready time per half hour and per day and
  agent (occupancy's denominator; the open states at `now` are always read live).

The invariant: every row is exactly what `call_sums` (or the sum of ready seconds) gives over the base rows of
its slot or day, counted with the time zone and thresholds its `basis` names. Every writer keeps it, in its own
transaction:

* `events_apply` (the CTI API and each batch of `rexian import-calls`) calls `call_rollup_refresh` with where
  the calls it changed were counted before and are counted now, and which agents' intervals it rebuilt;
* the demo loader, which writes calls in bulk, calls `call_rollup_rebuild()`;
* `call_rollup_rebuild(start, end)` (`rexian call-rollup-rebuild`) rewrites a range of days, or everything;
* the nightly `call_rollup_reconcile` rewrites the last days, or everything when rows of another basis exist
  (REXIAN_TIME_ZONE, CALL_SHORT_ABANDON_SECONDS or CALL_ANSWER_TARGET_SECONDS changed) or the rollups are
  empty while calls exist (a database from before the rollups).

A refresh deletes the rows of the affected slots and days and aggregates them again from the base tables, one
`INSERT … SELECT` per run of consecutive slots or days, like `rexian.analytics.rollups` does for orders: there
are no running totals to drift, and refreshing twice changes nothing. Writers are serialised (PostgreSQL:
a transaction-scoped advisory lock; SQLite has one writer anyway), so the last refresh of a slot runs after
every other writer of it has committed and counts all their calls.

Slots are the local half hours of REXIAN_TIME_ZONE. They start on a fixed grid of instants, every 1800 s
shifted by the zone's UTC offset modulo 30 minutes, in every zone whose offsets since 1992 agree modulo 30
minutes (daylight saving included; all but a few historical zones): a slot's start is computed in SQL from the
epoch, the local date, hour and minute with the database's own functions. In a zone without such a grid
nothing is written and `call_figures` reads the calls.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import NotSupportedError, connection, transaction
from django.db.models import (
    Case,
    Count,
    DateField,
    DateTimeField,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractHour, ExtractMinute, TruncDate
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone

from rexian.telephony import conf
from rexian.telephony.models import (
    AgentInterval,
    AgentState,
    Call,
    CallAgentDayRollup,
    CallSlotRollup,
    Outcome,
    ReadyAgentDayRollup,
    ReadySlotRollup,
)

UTC = dt.UTC
SLOT_SECONDS = 1800
SLOT = dt.timedelta(seconds=SLOT_SECONDS)
CALL_SUMS: tuple[str, ...] = (
    "offered", "answered", "answered_in_target", "abandoned", "unanswered", "short_abandoned",
    "wait_seconds_total", "handled", "talk_seconds_total", "wrap_seconds_total",
)
FLOAT_SUMS = frozenset({"wait_seconds_total", "talk_seconds_total", "wrap_seconds_total"})
ROLLUPS = (CallSlotRollup, CallAgentDayRollup, ReadySlotRollup, ReadyAgentDayRollup)
ADVISORY_LOCK = 0x12345C  # pg_advisory_xact_lock key of the call rollups' writers (the orders' is 0x12345A)
CHUNK_DAYS = 7
RECONCILE_DAYS = 2  # the nightly reconciliation rewrites today and yesterday
INT = IntegerField()


# --- What is counted: the one definition the figures and the rollups share -------------------------------------


def counted_calls(calls: QuerySet) -> QuerySet:
    """The calls whose outcome is known, each marked `is_short` when abandoned within the short-abandon threshold.

    Calls still ringing or queued are not counted yet.
    """
    short = conf.short_abandon_seconds()
    return calls.exclude(outcome=Outcome.IN_PROGRESS).annotate(
        is_short=Case(
            When(outcome=Outcome.ABANDONED, wait_seconds__lte=short, then=Value(1)),
            default=Value(0), output_field=IntegerField(),
        )
    )


def call_sums() -> dict:
    """The aggregates of `CallFigures` over `counted_calls` (the definitions of figures.py's docstring)."""
    target = conf.answer_target_seconds()
    answered = Q(outcome=Outcome.ANSWERED)
    return {
        "offered": Count("pk", filter=Q(is_short=0)),
        "answered": Count("pk", filter=answered),
        "answered_in_target": Count("pk", filter=answered & Q(wait_seconds__lte=target)),
        "abandoned": Count("pk", filter=Q(outcome=Outcome.ABANDONED, is_short=0)),
        "unanswered": Count("pk", filter=Q(outcome=Outcome.UNANSWERED)),
        "short_abandoned": Count("pk", filter=Q(is_short=1)),
        "wait_seconds_total": Sum("wait_seconds", filter=answered),
        "handled": Count("pk", filter=answered & Q(talk_seconds__isnull=False)),
        "talk_seconds_total": Sum("talk_seconds", filter=answered),
        "wrap_seconds_total": Sum("wrap_seconds", filter=answered & Q(talk_seconds__isnull=False)),
    }


# --- Time: the zone, its grid of half hours, its days -----------------------------------------------------------


def centre_zone():
    """The centre's time zone (REXIAN_TIME_ZONE): rollups are written in it, whatever a request activated."""
    return timezone.get_default_timezone()


def _zone_key(tz) -> str:
    return getattr(tz, "key", None) or str(tz)


@functools.lru_cache(maxsize=8)
def _offsets(tz) -> frozenset[int]:
    """The zone's UTC offsets (seconds) since 1992, sampled four times a year."""
    return frozenset(
        int(dt.datetime(year, month, 1, tzinfo=UTC).astimezone(tz).utcoffset().total_seconds())
        for year in range(1992, 2051) for month in (1, 4, 7, 10)
    )


def grid_remainder(tz=None) -> int | None:
    """Local half hours start where (epoch + r) is a multiple of 1800 s: r, or None when the zone has no such grid."""
    remainders = {offset % SLOT_SECONDS for offset in _offsets(tz or centre_zone())}
    return remainders.pop() if len(remainders) == 1 else None


def _fixed_offset(tz) -> int | None:
    offsets = set(_offsets(tz))
    return offsets.pop() if len(offsets) == 1 else None


def basis(tz=None) -> int | None:
    """A number naming how rows are counted: the time zone and both thresholds. None: no rollups in this zone.

    `call_figures` reads only rows of its own basis; the nightly reconciliation rewrites rows of another.
    """
    tz = tz or centre_zone()
    if grid_remainder(tz) is None:
        return None
    text = f"{_zone_key(tz)}|{conf.short_abandon_seconds()!r}|{conf.answer_target_seconds()!r}"
    return zlib.crc32(text.encode()) & 0x7FFFFFFF


def slot_start(at: dt.datetime, remainder: int) -> dt.datetime:
    """The instant the local half hour holding `at` starts (as SQL computes it in `_SlotStart`)."""
    epoch = (math.floor(at.timestamp()) + remainder) // SLOT_SECONDS * SLOT_SECONDS - remainder
    return dt.datetime.fromtimestamp(epoch, tz=UTC)


def local_midnight(day: dt.date, tz) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=tz)


def whole_slots(start: dt.datetime, end: dt.datetime, tz) -> tuple[dt.datetime, dt.datetime] | None:
    """The longest run [a, b) of whole local half hours inside [start, end), or None when there is none."""
    remainder = grid_remainder(tz)
    if remainder is None:
        return None
    a = slot_start(start, remainder)
    if a < start:
        a += SLOT
    b = slot_start(end, remainder)
    return (a, b) if a < b else None


def whole_days(start: dt.datetime, end: dt.datetime, tz) -> tuple[dt.date, dt.date] | None:
    """The local days [first, stop) lying wholly inside [start, end), or None when there is none."""
    first = start.astimezone(tz).date()
    if local_midnight(first, tz) < start:
        first += dt.timedelta(days=1)
    stop = end.astimezone(tz).date()
    return (first, stop) if first < stop else None


# --- SQL: a slot's start and local parts of a time --------------------------------------------------------------


class _SlotStart(Func):
    """The instant the local half hour holding a time starts: ⌊(epoch + r) / 1800⌋ · 1800 − r."""

    output_field = DateTimeField()

    def __init__(self, expression, remainder: int):
        super().__init__(expression)
        self.remainder = int(remainder)

    def as_sql(self, compiler, connection, **extra):
        raise NotSupportedError(f"call rollups support SQLite and PostgreSQL, not {connection.vendor}")

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        r, n = self.remainder, SLOT_SECONDS
        # Django stores times as UTC text; strftime('%s') is its epoch (the fraction of a second dropped, which
        # never crosses a slot boundary). '%%': the cursor turns it into '%'.
        return f"datetime(((CAST(strftime('%%s', {sql}) AS INTEGER) + {r}) / {n}) * {n} - {r}, 'unixepoch')", params

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        r, n = self.remainder, SLOT_SECONDS
        return f"to_timestamp(FLOOR((EXTRACT(EPOCH FROM {sql}) + {r}) / {n}) * {n} - {r})", params


def _local_parts(field: str, tz) -> dict:
    """The local date, hour and minute (0 or 30) of a time column, as annotations r_day, r_hour, r_minute.

    On SQLite with a zone of one offset (Asia/Shanghai), SQLite's own date functions: Django's TruncDate and
    ExtractHour call back into Python for every row. Elsewhere Django's, native on PostgreSQL.
    """
    offset = _fixed_offset(tz) if connection.vendor == "sqlite" else None
    if offset is not None:
        shift = f"'{offset:+d} seconds'"
        day = Func(F(field), template=f"date(%(expressions)s, {shift})", output_field=DateField())
        hour = Func(F(field), template=f"CAST(strftime('%%%%H', %(expressions)s, {shift}) AS INTEGER)",
                    output_field=INT)
        minute = Func(F(field), template=f"CAST(strftime('%%%%M', %(expressions)s, {shift}) AS INTEGER)",
                      output_field=INT)
    else:
        day = TruncDate(field, tzinfo=tz)
        hour = ExtractHour(field, tzinfo=tz)
        minute = ExtractMinute(field, tzinfo=tz)
    half = Case(When(GreaterThanOrEqual(minute, 30), then=Value(30)), default=Value(0), output_field=INT)
    return {"r_day": day, "r_hour": hour, "r_minute": half}


def _local_day(field: str, tz) -> dict:
    return {"r_day": _local_parts(field, tz)["r_day"]}


# --- Writing -------------------------------------------------------------------------------------------------------


def _sums_for_insert() -> dict:
    # A group without answered calls has no wait to sum: 0, not NULL, in a NOT NULL column.
    return {
        name: Coalesce(aggregate, Value(0.0)) if name in FLOAT_SUMS else aggregate
        for name, aggregate in call_sums().items()
    }


def _ready_pieces() -> QuerySet:
    """The closed ready pieces (half-hour pieces of ready states: see AgentInterval); the open ones are live."""
    return AgentInterval.objects.filter(state=AgentState.READY, ended_at__isnull=False)


def _grouped_rows(model, window: Q, tz, remainder: int) -> tuple[QuerySet, dict[str, str]]:
    """The grouped SELECT that gives a rollup's rows from its base rows in `window`, and which of its columns fill
    which of the rollup's."""
    if model in (CallSlotRollup, CallAgentDayRollup):
        calls = Call.objects.filter(window)
        line = Coalesce(F("line_id"), Value(0))
        if model is CallSlotRollup:
            keys = {"r_slot": _SlotStart(F("offered_at"), remainder), **_local_parts("offered_at", tz), "r_line": line}
            columns = {"slot": "r_slot", "day": "r_day", "hour": "r_hour", "minute": "r_minute", "line_id": "r_line"}
        else:
            calls = calls.exclude(agent_number="")
            keys = {**_local_day("offered_at", tz), "r_agent": F("agent_number"), "r_line": line}
            columns = {"day": "r_day", "agent_number": "r_agent", "line_id": "r_line"}
        rows = counted_calls(calls).annotate(**keys).values(*keys).annotate(**_sums_for_insert())
        return rows.order_by(), {**columns, **{name: name for name in CALL_SUMS}}
    pieces = _ready_pieces().filter(window)
    if model is ReadySlotRollup:
        keys = {"r_slot": _SlotStart(F("started_at"), remainder), **_local_parts("started_at", tz)}
        columns = {"slot": "r_slot", "day": "r_day", "hour": "r_hour", "minute": "r_minute"}
    else:
        keys = {**_local_day("started_at", tz), "r_agent": F("agent__agent_number")}
        columns = {"day": "r_day", "agent_number": "r_agent"}
    rows = pieces.annotate(**keys).values(*keys).annotate(ready=Coalesce(Sum("seconds"), Value(0.0)))
    return rows.order_by(), {**columns, "ready_seconds": "ready"}


# Stand-ins for a range's bounds while a statement is compiled; the real bounds replace them at each run.
_FIRST, _STOP = dt.datetime(1901, 1, 1, tzinfo=UTC), dt.datetime(1901, 1, 2, tzinfo=UTC)


@functools.lru_cache(maxsize=64)
def _statement(model, ranged: bool, vendor: str, tz, remainder: int, basis_value: int) -> tuple[str, tuple, tuple]:
    """A rollup's INSERT … SELECT over the base rows of a time range (or all), compiled once per process and
    basis: building the queryset costs more than running it for one half hour. Returns the SQL, its parameters
    and where in them the range's start and stop go."""
    field = "offered_at" if model in (CallSlotRollup, CallAgentDayRollup) else "started_at"
    window = Q(**{f"{field}__gte": _FIRST, f"{field}__lt": _STOP}) if ranged else Q()
    rows, columns = _grouped_rows(model, window, tz, remainder)
    qn = connection.ops.quote_name
    sql, params = rows.query.sql_with_params()
    names = ", ".join(qn(model._meta.get_field(name).column) for name in columns)
    picked = ", ".join(f"q.{qn(alias)}" for alias in columns.values())
    adapt = connection.ops.adapt_datetimefield_value
    marks = {adapt(_FIRST): 0, adapt(_STOP): 1}
    bounds = tuple((i, marks[p]) for i, p in enumerate(params) if isinstance(p, str | dt.datetime) and p in marks)
    if ranged and sorted(which for _, which in bounds) != [0, 1]:
        raise RuntimeError(f"cannot find the time range among the parameters of {model.__name__}'s statement")
    return (
        f"INSERT INTO {qn(model._meta.db_table)} ({names}, basis) SELECT {picked}, {int(basis_value)} FROM ({sql}) q",
        tuple(params),
        bounds,
    )


def _write(model, tz, remainder: int, basis_value: int, window: tuple[dt.datetime, dt.datetime] | None) -> None:
    """Insert a rollup's rows for the base rows whose time lies in `window` [start, stop), or for all of them."""
    sql, params, bounds = _statement(model, window is not None, connection.vendor, tz, remainder, basis_value)
    if window is not None:
        params = list(params)
        for index, which in bounds:
            params[index] = connection.ops.adapt_datetimefield_value(window[which])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _delete(model, field: str, first, stop) -> None:
    """DELETE the rollup rows whose slot or day lies in [first, stop)."""
    qn = connection.ops.quote_name
    column = qn(model._meta.get_field(field).column)
    adapt = connection.ops.adapt_datefield_value if field == "day" else connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {qn(model._meta.db_table)} WHERE {column} >= %s AND {column} < %s",
                       [adapt(first), adapt(stop)])


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])


#: Changed half hours up to this many slots apart (6 hours) are counted again in one statement.
SLOT_BRIDGE = 12


def _runs(points: Iterable, step, *, bridge: int = 1) -> list[tuple]:
    """Consecutive points (slot starts 30 minutes apart, or days) as (first, last) pairs; with `bridge` n, points
    up to n steps apart are one run (the quiet slots between them are counted again too, which changes nothing
    and costs less than a statement per run: an import's batch of a week of calls has a run per night)."""
    runs: list[list] = []
    for point in sorted(set(points)):
        if runs and point - runs[-1][1] <= step * bridge:
            runs[-1][1] = point
        else:
            runs.append([point, point])
    return [(first, last) for first, last in runs]


def _rewrite_slots(first: dt.datetime, stop: dt.datetime, *, calls: bool, ready: bool, tz, remainder: int,
                   basis_value: int) -> None:
    """Rewrite the half-hour rows of the slots starting in [first, stop) from the base tables."""
    for model, wanted in ((CallSlotRollup, calls), (ReadySlotRollup, ready)):
        if wanted:
            _delete(model, "slot", first, stop)
            _write(model, tz, remainder, basis_value, (first, stop))


def _rewrite_days(first: dt.date, last: dt.date, *, calls: bool, ready: bool, tz, remainder: int,
                  basis_value: int) -> None:
    """Rewrite the per-day rows of the local days first … last (inclusive) from the base tables."""
    following = last + dt.timedelta(days=1)
    window = (local_midnight(first, tz), local_midnight(following, tz))
    for model, wanted in ((CallAgentDayRollup, calls), (ReadyAgentDayRollup, ready)):
        if wanted:
            _delete(model, "day", first, following)
            _write(model, tz, remainder, basis_value, window)


def call_rollup_refresh(
    *, calls: Iterable[dt.datetime] = (), ready: Iterable[tuple[dt.datetime, dt.datetime]] = ()
) -> None:
    """Count again the rollup rows of the slots and days holding these times. Call inside the writer's transaction.

    `calls`: the offer times of changed calls, where they were counted before the change and where they are
    counted after it (a late event can move a call's offer time to another slot, its agent or line within it).
    `ready`: (first, last) start times of agents' intervals that were replaced, inclusive. Only the events
    engine (`events_apply`) calls this; bulk writers call `call_rollup_rebuild`.
    """
    tz = centre_zone()
    remainder = grid_remainder(tz)
    if remainder is None:
        return
    call_slots = {slot_start(at, remainder) for at in calls}
    call_days = {slot.astimezone(tz).date() for slot in call_slots}
    ready_slots: set[dt.datetime] = set()
    for first, last in ready:
        slot, final = slot_start(first, remainder), slot_start(last, remainder)
        while slot <= final:
            ready_slots.add(slot)
            slot += SLOT
    ready_days = {slot.astimezone(tz).date() for slot in ready_slots}
    if not call_slots and not ready_slots:
        return
    basis_value = basis(tz)
    with transaction.atomic():
        _lock()
        for first, last in _runs(call_slots, SLOT, bridge=SLOT_BRIDGE):
            _rewrite_slots(first, last + SLOT, calls=True, ready=False, tz=tz, remainder=remainder,
                           basis_value=basis_value)
        for first, last in _runs(ready_slots, SLOT, bridge=SLOT_BRIDGE):
            _rewrite_slots(first, last + SLOT, calls=False, ready=True, tz=tz, remainder=remainder,
                           basis_value=basis_value)
        one_day = dt.timedelta(days=1)
        for first, last in _runs(call_days, one_day):
            _rewrite_days(first, last, calls=True, ready=False, tz=tz, remainder=remainder, basis_value=basis_value)
        for first, last in _runs(ready_days, one_day):
            _rewrite_days(first, last, calls=False, ready=True, tz=tz, remainder=remainder, basis_value=basis_value)


# --- Rebuilding and reconciling ------------------------------------------------------------------------------------


@dataclass
class RebuildResult:
    days: int  # local days rewritten; 0 for a full rebuild
    calls: int  # calls counted in them
    rows: int  # rollup rows in all four tables afterwards
    seconds: float


def _rows() -> int:
    return sum(model.objects.count() for model in ROLLUPS)


def _first_day(tz) -> dt.date:
    firsts = [
        row for row in (
            Call.objects.order_by("offered_at").values_list("offered_at", flat=True).first(),
            _ready_pieces().order_by("started_at").values_list("started_at", flat=True).first(),
        ) if row is not None
    ]
    return min(firsts).astimezone(tz).date() if firsts else timezone.localdate(timezone=tz)


def call_rollup_rebuild(
    start: dt.date | None = None, end: dt.date | None = None, *, progress: Callable[[int, int], None] | None = None
) -> RebuildResult:
    """Count the call rollups again from the calls and intervals: of the local days `start` … `end`, or of all.

    Without dates every row of the four tables is replaced, in one transaction, each table by one statement over
    all the calls or intervals (seconds at a million calls): after a bulk load (the demo), after changing
    REXIAN_TIME_ZONE or a threshold, on a database from before the rollups. With dates (one may be omitted: from
    the first call, to today), a week per transaction, so calls can keep arriving meanwhile (the nightly
    reconciliation). Either way the rows are what the events would have left. `progress(done, total)` is called
    after each step. Raises ValueError when `end` is before `start`.
    """
    started = time.perf_counter()
    tz = centre_zone()
    remainder = grid_remainder(tz)
    if remainder is None:
        return RebuildResult(days=0, calls=0, rows=0, seconds=time.perf_counter() - started)
    basis_value = basis(tz)
    if start is None and end is None:
        steps = len(ROLLUPS)
        with transaction.atomic():
            _lock()
            for model in ROLLUPS:
                model.objects.all().delete()
            for done, model in enumerate(ROLLUPS, start=1):
                _write(model, tz, remainder, basis_value, None)
                if progress is not None:
                    progress(done, steps)
        counted = counted_calls(Call.objects.all()).count()
        return RebuildResult(days=0, calls=counted, rows=_rows(), seconds=time.perf_counter() - started)
    start = start or _first_day(tz)
    end = end or timezone.localdate(timezone=tz)
    if end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start})")
    days = (end - start).days + 1
    chunks = [start + dt.timedelta(days=n) for n in range(0, days, CHUNK_DAYS)]
    for done, first in enumerate(chunks, start=1):
        last = min(first + dt.timedelta(days=CHUNK_DAYS - 1), end)
        with transaction.atomic():
            _lock()
            _rewrite_slots(local_midnight(first, tz), local_midnight(last + dt.timedelta(days=1), tz), calls=True,
                           ready=True, tz=tz, remainder=remainder, basis_value=basis_value)
            _rewrite_days(first, last, calls=True, ready=True, tz=tz, remainder=remainder, basis_value=basis_value)
        if progress is not None:
            progress(done, len(chunks))
    counted = counted_calls(Call.objects.filter(
        offered_at__gte=local_midnight(start, tz), offered_at__lt=local_midnight(end + dt.timedelta(days=1), tz)
    )).count()
    return RebuildResult(days=days, calls=counted, rows=_rows(), seconds=time.perf_counter() - started)


def rollups_stale(basis_value: int) -> bool:
    """Whether the rollups need a full rebuild: rows of another basis, or none while there is something to count."""
    if any(model.objects.exclude(basis=basis_value).exists() for model in ROLLUPS):
        return True
    if not CallSlotRollup.objects.exists() and counted_calls(Call.objects.all()).exists():
        return True
    return not ReadySlotRollup.objects.exists() and _ready_pieces().exists()


def call_rollup_reconcile(*, days: int = RECONCILE_DAYS) -> RebuildResult | None:
    """The nightly repair: rewrite the last `days` local days, or everything when the rollups are stale.

    The events keep the rollups current; this catches what they cannot: calls or intervals written without
    them, and a change of REXIAN_TIME_ZONE or of a threshold (rows of another basis are never read, so until
    this runs `call_figures` reads the calls). None when the time zone has no rollups.
    """
    tz = centre_zone()
    basis_value = basis(tz)
    if basis_value is None:
        return None
    if rollups_stale(basis_value):
        return call_rollup_rebuild()
    if days <= 0:
        return None
    today = timezone.localdate(timezone=tz)
    return call_rollup_rebuild(today - dt.timedelta(days=days - 1), today)


def rollup_sizes() -> dict[str, int]:
    """Rows per rollup table (for the bench and the rebuild command's report)."""
    return {model._meta.model_name: model.objects.count() for model in ROLLUPS}
