"""The hotline's metrics (指标), for any period and slice: the one API every page, export and report uses.

Definitions: PRODUCT.md "Metrics", with the decisions written in docs/metrics.md
(numerator, denominator, the timestamp that puts each count in a period, what
is excluded). The names below are the names everywhere: in `Metrics`, in
`Metrics.as_dict()`, in `rexian metrics` and in docs/metrics.md.

Periods are local calendar days (REXIAN_TIME_ZONE), `start` to `end`
inclusive. A slice is any of `unit`, `appeal_type`, `category`, `area`,
`line`, `channel`, `operator`, each given as a model instance, a primary key
or a code (unit/area code, appeal type code, category code, line code or
number, channel code, operator username). A category or area includes what
lies below it (a level-1 category its leaves, a town its communities); a unit
is the unit itself (the lead unit of the order, or the unit of the dispatch).

Reading (all keyword-only; `now` defaults to the current time):

    period_metrics(start=, end=, unit=, appeal_type=, category=, area=, line=, channel=, operator=, now=) -> Metrics
    metrics_by(dimension, start=, end=, <slice>…, level=None, include_none=False, now=) -> list[Metrics]
        dimension: "unit" | "type" | "category" | "area" | "line" | "channel" | "operator" | "day" | "month"
    unit_ranking(start=, end=, <slice>…, now=) -> list[Metrics]      # 部门考评: by weighted score, best first
    volume_by_day(start=, end=, <slice>…) -> list[tuple[date, int]]  # every day of the period, zeros included
    volume_by_hour(start=, end=, <slice>…) -> list[tuple[datetime, int]]  # every local hour of the period
    volume_by_hour_of_day(start=, end=, <slice>…) -> list[int]       # 24 totals, 00:00 to 23:00

`Metrics` holds the counts (numerators and denominators) as fields and the
rates as properties (fractions in [0, 1], None when the denominator is 0);
`as_dict()` gives every metric by name, in the order of `METRICS`.

Where the numbers come from: the rollups (`DailyRollup`, kept current after
every order event, see rollups.py) for no slice, any one slice, or a pair of
`PAIRS` (unit × type; a category or a town × type, unit or each other: what a
topic report reads), by day, month or the pair's other slice; for other
combinations, the per-order facts of the period (slower: see
docs/performance.md). Counts of deadlines still ahead
(a dispatch not signed yet whose sign deadline is tomorrow) are subtracted
at query time, so a deadline counts once it has passed or has been met.
The call-centre rates (接通率, 15秒接通率) come from
`rexian.telephony.figures.call_figures`, for the whole centre or one line
only: calls have no unit, type or category.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from rexian.analytics.models import MEASURES, DailyRollup, FactKind, HourlyRollup, OrderFact
from rexian.catalog.models import AppealType, Category, Channel, Line
from rexian.catalog.selectors import category_subtree_ids
from rexian.core.dates import local_midnight
from rexian.units.models import Unit, User

# --- The metrics and their names ----------------------------------------------------------------


@dataclass(frozen=True)
class MetricInfo:
    name: str
    label: str  # Chinese name
    kind: str  # "count", "rate" (a fraction), "average", "change" (a fraction, may be negative) or "score"


METRICS: tuple[MetricInfo, ...] = tuple(
    MetricInfo(*row)
    for row in (
        ("volume", "受理量", "count"),
        ("daily_average", "日均受理量", "average"),
        ("volume_previous", "上期受理量", "count"),
        ("volume_mom", "环比", "change"),
        ("volume_last_year", "去年同期受理量", "count"),
        ("volume_yoy", "同比", "change"),
        ("voided", "作废量", "count"),
        ("merged", "并单量", "count"),
        ("orders", "有效工单量", "count"),
        ("answered_on_spot", "直接办结量", "count"),
        ("direct_answer_rate", "直接办结率", "rate"),
        ("closed", "办结量", "count"),
        ("completion_rate", "办结率", "rate"),
        ("sign_due", "应签收数", "count"),
        ("sign_in_time", "及时签收数", "count"),
        ("timely_sign_rate", "及时签收率", "rate"),
        ("reply_due", "应办结数", "count"),
        ("reply_in_time", "按时办结数", "count"),
        ("timely_reply_rate", "及时处办率", "rate"),
        ("reply_overdue", "超期件数", "count"),
        ("overdue_rate", "超期率", "rate"),
        ("callback_due", "应回访数", "count"),
        ("callback_reached", "回访成功数", "count"),
        ("callback_rate", "回访率", "rate"),
        ("satisfied", "满意数", "count"),
        ("basically_satisfied", "基本满意数", "count"),
        ("dissatisfied", "不满意数", "count"),
        ("satisfaction_rate", "回访满意率（满意率）", "rate"),
        ("responded_asked", "响应调查数", "count"),
        ("responded", "响应数", "count"),
        ("response_rate", "响应率", "rate"),
        ("solved_asked", "解决调查数", "count"),
        ("solved", "解决数", "count"),
        ("solution_rate", "解决率", "rate"),
        ("weighted_score", "三率综合得分", "score"),
        ("dispatched", "派单数", "count"),
        ("returned", "退单数", "count"),
        ("return_rate", "退单率", "rate"),
        ("handled", "办理回复数", "count"),
        ("reopened", "重办数", "count"),
        ("reopen_rate", "重办率", "rate"),
        ("repeat_calls", "重复来电数", "count"),
        ("repeat_call_rate", "重复来电率", "rate"),
        ("calls_offered", "呼入量", "count"),
        ("calls_answered", "接通量", "count"),
        ("calls_answered_in_target", "15秒内接通量", "count"),
        ("connection_rate", "接通率", "rate"),
        ("answered_in_15s_rate", "15秒接通率", "rate"),
    )
)
METRIC_NAMES: tuple[str, ...] = tuple(m.name for m in METRICS)

SLICES: tuple[str, ...] = ("unit", "appeal_type", "category", "area", "line", "channel", "operator")
DIMENSIONS: tuple[str, ...] = ("unit", "type", "category", "area", "line", "channel", "operator", "day", "month")


def _share(part: float | None, whole: float | None) -> float | None:
    return part / whole if part is not None and whole else None


def _change(now: int, before: int | None) -> float | None:
    return (now - before) / before if before else None


@dataclass(frozen=True)
class Metrics:
    """The metrics of one period and slice (or one group of `metrics_by`). Rates are fractions."""

    start: dt.date
    end: dt.date
    key: Any = None  # the group of a metrics_by row: an id, a date, "YYYY-MM"; None for a whole period
    label: str = ""
    days: int = 0  # days of the period up to today, for the daily average
    volume: int = 0
    voided: int = 0
    merged: int = 0
    answered_on_spot: int = 0
    closed: int = 0
    repeat_calls: int = 0
    sign_due: int = 0  # deadlines passed or met; a pending one still ahead is not counted yet
    sign_in_time: int = 0
    reply_due: int = 0
    reply_in_time: int = 0
    callback_due: int = 0
    callback_reached: int = 0
    satisfied: int = 0
    basically_satisfied: int = 0
    dissatisfied: int = 0
    responded_asked: int = 0
    responded: int = 0
    solved_asked: int = 0
    solved: int = 0
    dispatched: int = 0
    returned: int = 0
    handled: int = 0
    reopened: int = 0
    # 环比 base: the previous period of the same length; 同比 base: the same dates one year earlier. A period that
    # ends today compares like with like: each base's last day counts only up to the current clock hour.
    volume_previous: int | None = None
    volume_last_year: int | None = None
    calls_offered: int | None = None  # None where calls do not apply (a unit, type … slice)
    calls_answered: int | None = None
    calls_answered_in_target: int | None = None
    slice: dict = field(default_factory=dict, compare=False)  # the filters, as given ids

    # Derived counts.
    @property
    def orders(self) -> int:
        """有效工单量: registered in the period, neither voided nor merged (the base of 直接办结率 and 办结率)."""
        return self.volume - self.merged

    @property
    def reply_overdue(self) -> int:
        return self.reply_due - self.reply_in_time

    # Rates.
    @property
    def daily_average(self) -> float | None:
        return _share(self.volume, self.days)

    @property
    def volume_mom(self) -> float | None:
        return _change(self.volume, self.volume_previous)

    @property
    def volume_yoy(self) -> float | None:
        return _change(self.volume, self.volume_last_year)

    @property
    def direct_answer_rate(self) -> float | None:
        return _share(self.answered_on_spot, self.orders)

    @property
    def completion_rate(self) -> float | None:
        return _share(self.closed, self.orders)

    @property
    def timely_sign_rate(self) -> float | None:
        return _share(self.sign_in_time, self.sign_due)

    @property
    def timely_reply_rate(self) -> float | None:
        return _share(self.reply_in_time, self.reply_due)

    @property
    def overdue_rate(self) -> float | None:
        return _share(self.reply_overdue, self.reply_due)

    @property
    def callback_rate(self) -> float | None:
        return _share(self.callback_reached, self.callback_due)

    @property
    def satisfaction_rate(self) -> float | None:
        basic = self.basically_satisfied if settings.METRICS_BASIC_COUNTS_AS_SATISFIED else 0
        return _share(self.satisfied + basic, self.callback_reached)

    @property
    def response_rate(self) -> float | None:
        return _share(self.responded, self.responded_asked)

    @property
    def solution_rate(self) -> float | None:
        return _share(self.solved, self.solved_asked)

    @property
    def weighted_score(self) -> float | None:
        """The Beijing-style score: the three rates weighted by REXIAN_METRICS_WEIGHT_* (as a fraction)."""
        parts = [
            (settings.METRICS_WEIGHT_RESPONSE, self.response_rate),
            (settings.METRICS_WEIGHT_SOLUTION, self.solution_rate),
            (settings.METRICS_WEIGHT_SATISFACTION, self.satisfaction_rate),
        ]
        total = sum(weight for weight, _ in parts)
        if not total or any(rate is None for weight, rate in parts if weight):
            return None
        return sum(weight * (rate or 0.0) for weight, rate in parts) / total

    @property
    def return_rate(self) -> float | None:
        return _share(self.returned, self.dispatched)

    @property
    def reopen_rate(self) -> float | None:
        return _share(self.reopened, self.handled)

    @property
    def repeat_call_rate(self) -> float | None:
        return _share(self.repeat_calls, self.volume)

    @property
    def connection_rate(self) -> float | None:
        return _share(self.calls_answered, self.calls_offered)

    @property
    def answered_in_15s_rate(self) -> float | None:
        return _share(self.calls_answered_in_target, self.calls_offered)

    def as_dict(self) -> dict[str, int | float | None]:
        """Every metric by name, in the order of METRICS."""
        return {name: getattr(self, name) for name in METRIC_NAMES}


# --- Slices ---------------------------------------------------------------------------------------


class UnknownSlice(ValueError):
    """A slice names a unit, type, category… that does not exist."""


def _lookup(model, value, *fields_) -> int:
    if isinstance(value, model):
        return value.pk
    if isinstance(value, int):
        return value
    query = Q()
    for name in fields_:
        query |= Q(**{name: str(value)})
    pk = model.objects.filter(query).order_by("pk").values_list("pk", flat=True).first()
    if pk is None:
        raise UnknownSlice(f"{model._meta.verbose_name} {value!r} 不存在 (not found).")
    return pk


def resolve_slice(**given) -> dict[str, int]:
    """The filters as ids: {"unit": 12, "appeal_type": 3}; None values are left out."""
    lookups = {
        "unit": (Unit, "code"),
        "appeal_type": (AppealType, "code"),
        "category": (Category, "code"),
        "area": (Unit, "code"),
        "line": (Line, "code", "number"),
        "channel": (Channel, "code"),
        "operator": (User, "username"),
    }
    unknown = set(given) - set(lookups)
    if unknown:
        raise TypeError(f"unknown slice {', '.join(sorted(unknown))}")
    return {name: _lookup(*lookups[name][:1], value, *lookups[name][1:])
            for name, value in given.items() if value is not None}


# Each slice as a condition on facts, and the rollup dim that holds it.
_FACT_FILTERS = {
    "unit": lambda v: Q(unit_id=v),
    "appeal_type": lambda v: Q(appeal_type_id=v),
    "category": lambda v: Q(category_id=v) | Q(category_l2_id=v) | Q(category_l1_id=v),
    "area": lambda v: Q(area_id=v) | Q(area_town_id=v),
    "line": lambda v: Q(line_id=v),
    "channel": lambda v: Q(channel_id=v),
    "operator": lambda v: Q(operator_id=v),
}
_ROLLUP_DIM = {
    "unit": "unit", "appeal_type": "type", "category": "category", "area": "area", "line": "line",
    "channel": "channel", "operator": "operator",
}
# Grouping facts by a dimension: the columns naming a fact's groups, as the rollup counts them (ancestors once each).
_FACT_GROUPS: dict[str, tuple[str, ...]] = {
    "type": ("appeal_type_id",),
    "category": ("category_id", "category_l2_id", "category_l1_id"),  # the order's own, then its ancestors
    "area": ("area_id", "area_town_id"),
    "unit": ("unit_id",),
    "line": ("line_id",),
    "channel": ("channel_id",),
    "operator": ("operator_id",),
}


def _facts(ids: dict[str, int]) -> QuerySet:
    query = Q()
    for name, value in ids.items():
        query &= _FACT_FILTERS[name](value)
    return OrderFact.objects.filter(query)


# The pairs of slices the daily rollup holds (rollups.DAILY_SLICES): dim → (slice in `key`, slice in `key2`).
# In the town pairs the area is a town (an order counts for its town, whatever its community).
PAIRS: dict[str, tuple[str, str]] = {
    "unit_type": ("unit", "appeal_type"),
    "cat_type": ("category", "appeal_type"),
    "cat_unit": ("category", "unit"),
    "cat_town": ("category", "area"),
    "town_type": ("area", "appeal_type"),
    "town_unit": ("area", "unit"),
}
_PAIR_OF = {frozenset(names): dim for dim, names in PAIRS.items()}
_SLICE_OF_DIMENSION = {"type": "appeal_type", "unit": "unit", "category": "category", "area": "area"}


def _towns() -> set[int]:
    return set(Unit.objects.filter(kind=Unit.Kind.TOWN).values_list("pk", flat=True))


def _pair(names, area: int | set | None) -> str | None:
    """The pair rollup holding these two slices, if any; a town pair only when the area (or every area key)
    is a town."""
    dim = _PAIR_OF.get(frozenset(names))
    if dim is None or "area" not in PAIRS[dim]:
        return dim
    areas = area if isinstance(area, set) else {area}
    return dim if area is not None and areas <= _towns() else None


def _rollup_key(ids: dict[str, int]) -> tuple[str, int, int] | None:
    """The rollup rows that hold exactly this slice, or None when only the facts can answer."""
    if not ids:
        return ("all", 0, 0)
    if len(ids) == 1:
        (name, value), = ids.items()
        return (_ROLLUP_DIM[name], value, 0)
    dim = _pair(ids, ids.get("area")) if len(ids) == 2 else None
    if dim is None:
        return None
    first, second = PAIRS[dim]
    return (dim, ids[first], ids[second])


# --- Periods --------------------------------------------------------------------------------------


def _check_period(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")


def previous_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """环比: the period of the same length just before."""
    length = (end - start).days + 1
    return start - dt.timedelta(days=length), start - dt.timedelta(days=1)


def same_period_last_year(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """同比: the same dates a year earlier (29 February becomes 28 February)."""

    def back(day: dt.date) -> dt.date:
        try:
            return day.replace(year=day.year - 1)
        except ValueError:
            return day.replace(year=day.year - 1, day=28)

    return back(start), back(end)


def cut_hour(end: dt.date, now: dt.datetime) -> int | None:
    """The local clock hour a period ending on `end` has reached, if it ends today; None for a past period.

    A period that ends today holds only part of today, so its 环比 and 同比 bases stop at the same hour of their
    last day (hours 0 to this one, whole): at 10:20 today is compared with yesterday until 11:00, not all of it.
    """
    local = timezone.localtime(now, timezone.get_default_timezone())
    return local.hour if end == local.date() else None


def _elapsed_days(start: dt.date, end: dt.date, now: dt.datetime) -> int:
    today = timezone.localtime(now, timezone.get_default_timezone()).date()
    return max(0, (min(end, today) - start).days + 1)


# --- Summing ----------------------------------------------------------------------------------------

_SUMS = {name: Sum(name) for name in MEASURES}
_PENDING = {"sign": Sum("sign_pending"), "reply": Sum("reply_pending"), "callback": Sum("callback_pending")}


def _source(ids: dict[str, int], start: dt.date, end: dt.date) -> QuerySet:
    """Rows whose measures sum to the slice's counts over the period: rollup rows, or else facts."""
    key = _rollup_key(ids)
    if key is None:
        return _facts(ids).filter(day__range=(start, end))
    dim, k, k2 = key
    return DailyRollup.objects.filter(dim=dim, key=k, key2=k2, day__range=(start, end))


def _not_yet_due(ids: dict[str, int], start: dt.date, end: dt.date, now: dt.datetime) -> QuerySet:
    """Facts of the period whose deadline is still ahead: read from the few open orders' facts.

    A pending fact's day is the local date of its deadline, so the period is a range of `pending_at`:
    one range on the partial index of pending facts (a `day` condition would lead SQLite to scan the period).
    """
    since = max(now, local_midnight(start))
    return _facts(ids).filter(pending_at__gte=since, pending_at__lt=local_midnight(end + dt.timedelta(days=1)))


def _counts(sums: dict, pending: dict | None) -> dict[str, int]:
    counts = {name: sums.get(name) or 0 for name in MEASURES}
    pending = pending or {}
    for kind in ("sign", "reply", "callback"):
        counts[f"{kind}_due"] -= pending.get(kind) or 0
        del counts[f"{kind}_pending"]
    return counts


_VOLUME = {"volume": Sum("volume")}


def _registrations_until(ids: dict[str, int], day: dt.date, hour: int) -> QuerySet:
    """The registration facts of `day` from midnight to the end of the local `hour`: a base's cut last day."""
    return _facts(ids).filter(kind=FactKind.REGISTRATION, day=day, hour__lte=hour)


def _volume(ids: dict[str, int], period: tuple[dt.date, dt.date], hour: int | None = None) -> int:
    """受理量 of the period; with `hour`, its last day counts only up to the end of that hour (see cut_hour)."""
    start, end = period
    if hour is None:
        return _source(ids, start, end).aggregate(**_VOLUME)["volume"] or 0
    whole = _source(ids, start, end - dt.timedelta(days=1)).aggregate(**_VOLUME)["volume"] or 0
    return whole + (_registrations_until(ids, end, hour).aggregate(**_VOLUME)["volume"] or 0)


def _calls(ids: dict[str, int], start: dt.date, end: dt.date, now: dt.datetime):
    """The call figures (接通率, 15秒接通率) where they apply: no slice, or a line only."""
    if set(ids) - {"line"}:
        return None
    from rexian.telephony.figures import call_figures

    line = Line.objects.get(pk=ids["line"]) if "line" in ids else None
    return call_figures(local_midnight(start), local_midnight(end + dt.timedelta(days=1)), line=line, now=now)


def _call_fields(figures) -> dict:
    if figures is None:
        return {}
    return {
        "calls_offered": figures.offered,
        "calls_answered": figures.answered,
        "calls_answered_in_target": figures.answered_in_target,
    }


def period_metrics(
    *,
    start: dt.date,
    end: dt.date,
    unit=None,
    appeal_type=None,
    category=None,
    area=None,
    line=None,
    channel=None,
    operator=None,
    now: dt.datetime | None = None,
) -> Metrics:
    """Every metric of the period from `start` to `end` (local dates, inclusive) for one slice.

    Raises ValueError when the period ends before it starts and UnknownSlice
    (a ValueError) for a slice that does not exist.
    """
    _check_period(start, end)
    now = now or timezone.now()
    ids = resolve_slice(unit=unit, appeal_type=appeal_type, category=category, area=area, line=line,
                        channel=channel, operator=operator)
    sums = _source(ids, start, end).aggregate(**_SUMS)
    pending = _not_yet_due(ids, start, end, now).aggregate(**_PENDING)
    hour = cut_hour(end, now)
    return Metrics(
        start=start,
        end=end,
        days=_elapsed_days(start, end, now),
        volume_previous=_volume(ids, previous_period(start, end), hour),
        volume_last_year=_volume(ids, same_period_last_year(start, end), hour),
        slice=ids,
        **_counts(sums, pending),
        **_call_fields(_calls(ids, start, end, now)),
    )


# --- Grouped ----------------------------------------------------------------------------------------


def _grouped_rollup(dimension: str, ids: dict[str, int], start: dt.date, end: dt.date, keys: set | None):
    """(queryset, group expression) for grouping rollup rows by `dimension`, or None.

    `keys` (the groups wanted, when a level narrows them) is pushed into the SQL.
    """
    days = {"day__range": (start, end)}
    if dimension in ("day", "month"):
        key = _rollup_key(ids)
        if key is None:
            return None
        dim, k, k2 = key
        rows = DailyRollup.objects.filter(dim=dim, key=k, key2=k2, **days)
        return rows, (F("day") if dimension == "day" else TruncMonth("day"))
    if dimension == "category" and set(ids) == {"category"} and keys is not None:
        # A category broken down by a level below it (a 专报's make-up): those categories hold only its orders,
        # so their own rows are the groups the facts would give. (Its own level or one above would group its
        # orders under itself or its ancestors: left to the facts.)
        category = ids["category"]
        above = {category, *Category.objects.filter(pk=category).values_list("parent_id", "parent__parent_id")[0]}
        if not set(keys) & above:
            wanted = set(category_subtree_ids(category)) & set(keys)
            return DailyRollup.objects.filter(dim="category", key__in=wanted, **days), F("key")
    grouped = _SLICE_OF_DIMENSION.get(dimension)
    dim = None
    if len(ids) == 1 and grouped is not None and grouped not in ids:
        # Grouped by area, the keys must be towns (level=town); with an area slice, the area must be one.
        dim = _pair({grouped, *ids}, keys if grouped == "area" else ids.get("area"))
    if not ids:
        rows, group = DailyRollup.objects.filter(dim=dimension, **days), "key"
    elif dim is not None:
        # A pair: the slice fixes one of its keys, the groups are the other.
        (slice_name, value), = ids.items()
        fixed, group = ("key", "key2") if PAIRS[dim][0] == slice_name else ("key2", "key")
        rows = DailyRollup.objects.filter(dim=dim, **{fixed: value}, **days)
    else:
        return None
    if keys is not None:
        rows = rows.filter(**{f"{group}__in": keys})
    return rows, F(group)


def _group_sums(dimension: str, ids: dict[str, int], start: dt.date, end: dt.date, aggregates: dict,
                pending_now: dt.datetime | None = None, keys: set | None = None,
                facts: QuerySet | None = None) -> dict:
    """{group: {name: sum}} of the measures in `aggregates`, from the rollups when they hold the grouping.

    `facts`, when given, are summed instead of the period's (a base's cut last day).
    """
    result: dict = {}
    grouped = facts is None and pending_now is None
    source = _grouped_rollup(dimension, ids, start, end, keys) if grouped else None
    if source is not None:
        rows, group = source
        for row in rows.annotate(group=group).values("group").annotate(**aggregates).order_by():
            result[row.pop("group")] = row
        return result
    if facts is None:
        facts = (_not_yet_due(ids, start, end, pending_now) if pending_now is not None
                 else _facts(ids).filter(day__range=(start, end)))
    if dimension in ("day", "month"):
        rows = facts.annotate(group=F("day") if dimension == "day" else TruncMonth("day")).values("group")
        columns = ("group",)
    else:
        columns = _FACT_GROUPS[dimension]
        rows = facts.values(*columns)
    # One pass over the facts: a fact counts for its own group (a leaf category, a community) and for each
    # ancestor column that names another group (its level-2 and level-1 category, its town).
    for row in rows.annotate(**aggregates).order_by():
        counted = set()
        for n, column in enumerate(columns):
            key = row[column]
            if n and (not key or key in counted):
                continue
            counted.add(key)
            into = result.setdefault(key, {name: 0 for name in aggregates})
            for name in aggregates:
                into[name] += row[name] or 0
    return result


def _group_volumes(dimension: str, ids: dict[str, int], period: tuple[dt.date, dt.date], hour: int | None,
                   keys: set | None) -> dict:
    """{group: {"volume": n}} over a base period; with `hour`, its last day only up to that hour (cut_hour)."""
    start, end = period
    if hour is None:
        return _group_sums(dimension, ids, start, end, _VOLUME, keys=keys)
    result = _group_sums(dimension, ids, start, end - dt.timedelta(days=1), _VOLUME, keys=keys)
    last_day = _group_sums(dimension, ids, end, end, _VOLUME, facts=_registrations_until(ids, end, hour))
    for group, row in last_day.items():
        into = result.setdefault(group, {"volume": 0})
        into["volume"] = (into["volume"] or 0) + (row["volume"] or 0)
    return result


def _month_key(value) -> str:
    return f"{value:%Y-%m}"


def _labels(dimension: str, keys) -> dict:
    """Each group's name; a type's or channel's in the active language (the reports are built in Chinese)."""
    keys = [k for k in keys if k]
    if dimension == "type":
        return {t.pk: t.label for t in AppealType.objects.filter(pk__in=keys).only("name", "name_en")}
    if dimension == "category":
        return {c.pk: str(c) for c in Category.objects.filter(pk__in=keys).select_related("parent__parent")}
    if dimension in ("unit", "area"):
        return dict(Unit.objects.filter(pk__in=keys).values_list("pk", "name"))
    if dimension == "line":
        return {line.pk: str(line) for line in Line.objects.filter(pk__in=keys)}
    if dimension == "channel":
        return {c.pk: c.label for c in Channel.objects.filter(pk__in=keys).only("name", "name_en")}
    if dimension == "operator":
        return {u.pk: str(u) for u in User.objects.filter(pk__in=keys)}
    return {}


def _level_keys(dimension: str, level) -> set:
    """The groups of one level: categories of that level (1, 2, 3), or areas of that unit kind ("town")."""
    if dimension == "category":
        return set(Category.objects.filter(level=level).values_list("pk", flat=True))
    if dimension == "area":
        return set(Unit.objects.filter(kind=level).values_list("pk", flat=True))
    raise ValueError("level applies to category (1, 2, 3) and area (a unit kind such as 'town')")


def metrics_by(
    dimension: str,
    *,
    start: dt.date,
    end: dt.date,
    unit=None,
    appeal_type=None,
    category=None,
    area=None,
    line=None,
    channel=None,
    operator=None,
    level: int | str | None = None,
    include_none: bool = False,
    now: dt.datetime | None = None,
) -> list[Metrics]:
    """The metrics of the period for each unit, type, category, area, line, channel, operator, day or month.

    Rows come sorted by key (days and months in order). Groups with nothing in
    the period are left out, except days and months, which are all listed.
    `level` keeps categories of one level (1, 2, 3) or areas of one kind
    ("town", "community"). Orders without the dimension (no unit, no category…)
    form a group with key 0 only when `include_none` is set. Entity groups get
    their 同比/环比 volumes; day and month groups do not. Lines and days get the
    call figures when no other slice is given.
    """
    if dimension not in DIMENSIONS:
        raise ValueError(f"dimension must be one of {', '.join(DIMENSIONS)}")
    _check_period(start, end)
    now = now or timezone.now()
    ids = resolve_slice(unit=unit, appeal_type=appeal_type, category=category, area=area, line=line,
                        channel=channel, operator=operator)
    wanted = _level_keys(dimension, level) if level is not None else None
    sums = _group_sums(dimension, ids, start, end, _SUMS, keys=wanted)
    pending = _group_sums(dimension, ids, start, end, _PENDING, pending_now=now)
    if dimension in ("day", "month"):
        previous = last_year = None
    else:
        hour = cut_hour(end, now)
        previous = _group_volumes(dimension, ids, previous_period(start, end), hour, wanted)
        last_year = _group_volumes(dimension, ids, same_period_last_year(start, end), hour, wanted)

    if dimension == "day":
        keys = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
        periods = {day: (day, day) for day in keys}
    elif dimension == "month":
        months = sorted({dt.date(d.year, d.month, 1) for d in
                         (start + dt.timedelta(days=n) for n in range((end - start).days + 1))})
        keys = months
        periods = {m: (max(m, start), min(_month_end(m), end)) for m in months}
        # TruncMonth gives a date (PostgreSQL: a date; SQLite: a date too through Django's converters).
        sums = {_as_date(k): v for k, v in sums.items()}
        pending = {_as_date(k): v for k, v in pending.items()}
    else:
        keys = sorted(k for k in sums if (include_none or k) and (wanted is None or k in wanted))
        periods = {k: (start, end) for k in keys}
    labels = _labels(dimension, keys)
    calls = _grouped_calls(dimension, ids, start, end, now)
    rows = []
    for key in keys:
        row_start, row_end = periods[key]
        rows.append(Metrics(
            start=row_start,
            end=row_end,
            key=_month_key(key) if dimension == "month" else key,
            label=(str(key) if dimension == "day" else _month_key(key) if dimension == "month"
                   else labels.get(key, "（无）" if not key else str(key))),
            days=_elapsed_days(row_start, row_end, now),
            volume_previous=None if previous is None else (previous.get(key) or {}).get("volume", 0) or 0,
            volume_last_year=None if last_year is None else (last_year.get(key) or {}).get("volume", 0) or 0,
            slice={**ids, **({} if dimension in ("day", "month") else {dimension: key})},
            **_counts(sums.get(key) or {}, pending.get(key)),
            **_call_fields(calls.get(key) if calls is not None else None),
        ))
    return rows


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _month_end(first: dt.date) -> dt.date:
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _grouped_calls(dimension: str, ids: dict[str, int], start: dt.date, end: dt.date, now: dt.datetime):
    """Call figures per line or per day, where calls apply (no slice but a line for days)."""
    if dimension not in ("line", "day") or set(ids) - ({"line"} if dimension == "day" else set()):
        return None
    from rexian.telephony.figures import call_figures

    line = Line.objects.get(pk=ids["line"]) if "line" in ids else None
    figures = call_figures(local_midnight(start), local_midnight(end + dt.timedelta(days=1)), line=line,
                           by=dimension, now=now)
    return {f.key: f for f in figures}


def unit_ranking(
    *,
    start: dt.date,
    end: dt.date,
    appeal_type=None,
    category=None,
    area=None,
    line=None,
    channel=None,
    now: dt.datetime | None = None,
) -> list[Metrics]:
    """部门考评: every unit with dispatches or callbacks in the period, best weighted score first.

    Units without a score (no callback reached) come last, by volume.
    """
    rows = metrics_by("unit", start=start, end=end, appeal_type=appeal_type, category=category, area=area,
                      line=line, channel=channel, now=now)
    return sorted(rows, key=lambda m: (m.weighted_score is None, -(m.weighted_score or 0), -m.volume, m.key))


# --- Volume by day and hour -------------------------------------------------------------------------


def volume_by_day(*, start: dt.date, end: dt.date, **given) -> list[tuple[dt.date, int]]:
    """受理量 per day of the period (every day, zeros included)."""
    _check_period(start, end)
    ids = resolve_slice(**given)
    counts = dict(_source(ids, start, end).values("day").annotate(n=Sum("volume")).values_list("day", "n").order_by())
    return [(day, counts.get(day) or 0) for day in
            (start + dt.timedelta(days=n) for n in range((end - start).days + 1))]


_HOURLY_DIM = {"appeal_type": "type", "channel": "channel", "line": "line"}


def _hourly(ids: dict[str, int], start: dt.date, end: dt.date) -> dict[tuple[dt.date, int], int]:
    if not ids or (len(ids) == 1 and next(iter(ids)) in _HOURLY_DIM):
        dim, key = ("all", 0) if not ids else (_HOURLY_DIM[next(iter(ids))], next(iter(ids.values())))
        rows = HourlyRollup.objects.filter(dim=dim, key=key, day__range=(start, end))
    else:
        rows = _facts(ids).filter(kind=FactKind.REGISTRATION, day__range=(start, end))
    return {(day, hour): n for day, hour, n in
            rows.values("day", "hour").annotate(n=Sum("volume")).values_list("day", "hour", "n").order_by()}


def volume_by_hour(*, start: dt.date, end: dt.date, **given) -> list[tuple[dt.datetime, int]]:
    """受理量 per local clock hour of the period: (the hour's start, an aware datetime; count), zeros included."""
    _check_period(start, end)
    counts = _hourly(resolve_slice(**given), start, end)
    tz = timezone.get_default_timezone()
    result = []
    for n in range((end - start).days + 1):
        day = start + dt.timedelta(days=n)
        for hour in range(24):
            at = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)), tz)
            result.append((at, counts.get((day, hour)) or 0))
    return result


def volume_by_hour_of_day(*, start: dt.date, end: dt.date, **given) -> list[int]:
    """受理量 per hour of the day (0-23) summed over the period: the daily profile."""
    _check_period(start, end)
    totals = [0] * 24
    for (_, hour), n in _hourly(resolve_slice(**given), start, end).items():
        totals[hour] += n or 0
    return totals


__all__ = [
    "METRICS",
    "METRIC_NAMES",
    "MetricInfo",
    "Metrics",
    "UnknownSlice",
    "cut_hour",
    "metrics_by",
    "period_metrics",
    "previous_period",
    "same_period_last_year",
    "unit_ranking",
    "volume_by_day",
    "volume_by_hour",
    "volume_by_hour_of_day",
]
