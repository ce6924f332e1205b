"""The call figures (话务指标), with the definitions of PRODUCT.md, computed in SQL.

For the calls offered in a period (inbound calls whose outcome is known;
calls still ringing are not counted yet):

* offered (呼入量): calls offered, less the short abandons: calls abandoned
  within CALL_SHORT_ABANDON_SECONDS (default 5 s) of joining the queue, which
  count neither as offered nor as answered;
* connection rate (接通率) = answered ÷ offered;
* 15-second connection rate (15秒接通率) = answered within
  CALL_ANSWER_TARGET_SECONDS (default 15 s, inclusive) ÷ offered;
* abandonment rate (放弃率) = abandoned (not short) ÷ offered; the rest of the
  offered calls were let go by the switch (queue timeout, busy: "unanswered");
* average wait (平均等待时长) = mean wait of the answered calls (the average
  speed of answer), from joining the queue (or the offer, without a queue);
* average handling time (平均处理时长) = (talk + wrap-up, where the CTI reports
  it) ÷ answered calls whose end is known;
* occupancy (坐席利用率) = talk time ÷ the agents' ready time (logged in and
  not paused: talking happens in the ready state).

`call_figures(start, end)` gives the period's totals; `by="line" | "agent" |
"day" | "hour" | "half_hour" | "hour_of_day"` gives one row per line,
operator (agent number), local day, local clock hour, half hour (staffing's
slots: `ready_seconds_total / 1800` is the number of operators ready) or
hour of the day (0-23, the daily profile). Everything is GROUP BY in the database; only the agents' current
open states (one per seat at most) are added in Python.

The sums come from the call rollups (`rexian.telephony.rollups`: per local half hour and line, per local day
and operator) for the whole half hours (days, by operator) of the period, and from the calls only for the
minutes at its edges, so a year costs the same tens of thousands of rollup rows whatever the number of calls.
Where the rollups cannot serve (rows counted in another time zone or with other thresholds, until the nightly
reconciliation rewrites them), everything is read from the calls (`_call_figures_direct`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Case, F, IntegerField, Max, Min, Q, Sum, Value, When
from django.db.models.functions import ExtractHour, TruncDate, TruncHour
from django.utils import timezone

from rexian.catalog.models import Line
from rexian.telephony import rollups
from rexian.telephony.events import agent_open_pieces, half_hour_pieces
from rexian.telephony.models import (
    AgentInterval,
    AgentState,
    Call,
    CallAgentDayRollup,
    CallSlotRollup,
    ReadyAgentDayRollup,
    ReadySlotRollup,
)
from rexian.units.models import User

GROUPINGS = ("line", "agent", "day", "hour", "half_hour", "hour_of_day")
HALF_HOUR = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class CallFigures:
    # The group: a line id, an agent number, a date, the start of an hour or half hour (aware datetime), an hour
    # of the day (0-23); None for the totals.
    key: object = None
    label: str = ""
    offered: int = 0
    answered: int = 0
    answered_in_target: int = 0
    abandoned: int = 0
    unanswered: int = 0
    short_abandoned: int = 0
    wait_seconds_total: float = 0.0
    handled: int = 0  # answered calls whose end (talk time) is known
    talk_seconds_total: float = 0.0
    wrap_seconds_total: float = 0.0
    ready_seconds_total: float | None = None  # None where occupancy has no meaning (per line)

    @staticmethod
    def _share(part: float, whole: float) -> float | None:
        return part / whole if whole else None

    @property
    def connection_rate(self) -> float | None:
        return self._share(self.answered, self.offered)

    @property
    def answered_in_target_rate(self) -> float | None:
        return self._share(self.answered_in_target, self.offered)

    @property
    def abandonment_rate(self) -> float | None:
        return self._share(self.abandoned, self.offered)

    @property
    def average_wait_seconds(self) -> float | None:
        return self._share(self.wait_seconds_total, self.answered)

    @property
    def average_handling_seconds(self) -> float | None:
        return self._share(self.talk_seconds_total + self.wrap_seconds_total, self.handled)

    @property
    def occupancy(self) -> float | None:
        if self.ready_seconds_total is None:
            return None
        return self._share(self.talk_seconds_total, self.ready_seconds_total)


def _resolve_line(line) -> Line | None:
    if line is None or isinstance(line, Line):
        return line
    found = Line.objects.filter(Q(code=str(line)) | Q(number=str(line))).order_by("pk").first()
    if found is None:
        raise Line.DoesNotExist(f"No line {line!r}.")
    return found


def _group_key(by: str | None, field: str, tz) -> dict:
    """The annotations that name a row's group (a half hour is its hour plus which half)."""
    if by is None:
        return {}
    if by == "half_hour":
        half = Case(When(**{f"{field}__minute__gte": 30}, then=Value(1)), default=Value(0),
                    output_field=IntegerField())
        return {"group": TruncHour(field, tzinfo=tz), "half": half}
    return {"group": {
        "line": F("line"),
        "agent": F("agent_number" if field == "offered_at" else "agent__agent_number"),
        "day": TruncDate(field, tzinfo=tz),
        "hour": TruncHour(field, tzinfo=tz),
        "hour_of_day": ExtractHour(field, tzinfo=tz),
    }[by]}


def _grouped(queryset, keys: dict, aggregates: dict):
    """(group, row) pairs of a GROUP BY; a half hour's group is the aware datetime it starts at."""
    rows = queryset.annotate(**keys).values(*keys).annotate(**aggregates).order_by()
    for row in rows:
        group = row.pop("group")
        if "half" in keys:
            group += HALF_HOUR * row.pop("half")
        yield group, row


def _python_key(by: str | None, agent: str, at: dt.datetime, tz):
    local = at.astimezone(tz)
    return {
        None: None,
        "agent": agent,
        "day": local.date(),
        "hour": local.replace(minute=0, second=0, microsecond=0),
        "half_hour": local.replace(minute=local.minute // 30 * 30, second=0, microsecond=0),
        "hour_of_day": local.hour,
    }[by]


def call_figures(
    start: dt.datetime, end: dt.datetime, *, line=None, by: str | None = None, now: dt.datetime | None = None
) -> CallFigures | list[CallFigures]:
    """The call figures for calls offered in [start, end): totals, or one row per group (`by`), sorted by key.

    `line` (a Line, its code or its number) restricts the calls to one line
    (occupancy is then not given: operators answer every line). Raises
    ValueError for an unknown grouping and Line.DoesNotExist for an unknown line.

    The whole half hours of the period (whole days, by operator) are read from the rollups, the rest (the
    minutes before the first and after the last) from the calls, and the agents' open states at `now` live:
    the same figures as `_call_figures_direct`, from tens of thousands of rollup rows for a year.
    """
    return _figures(start, end, line=line, by=by, now=now, use_rollups=True)


def _call_figures_direct(
    start: dt.datetime, end: dt.datetime, *, line=None, by: str | None = None, now: dt.datetime | None = None
) -> CallFigures | list[CallFigures]:
    """`call_figures` computed from the calls and intervals alone: the definition the rollups must equal (tests),
    and what is read when the rollups cannot serve (another time zone or thresholds than they were counted with)."""
    return _figures(start, end, line=line, by=by, now=now, use_rollups=False)


def _figures(start, end, *, line, by, now, use_rollups: bool):
    if by not in (None, *GROUPINGS):
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}")
    tz = timezone.get_current_timezone()
    line = _resolve_line(line)
    with_ready = line is None and by != "line"
    found = _rollup_rows(start, end, line, by, tz, with_ready) if use_rollups else None
    if found is None:
        rows = _call_rows([(start, end)], line, by, tz)
        ready = _ready_rows([(start, end)], by, tz) if with_ready else None
    else:
        rows, ready = found
    if ready is not None:
        _add_open_states(ready, start, end, by, tz, now)
    groups = set(rows) | (set(ready) if ready else set())
    if by is None:
        groups = {None}
    labels = _labels(by, groups)
    result = []
    for group in sorted(groups, key=lambda k: (k is None, k if k is not None else 0)):
        row = rows.get(group) or {}
        result.append(CallFigures(
            key=group, label=labels.get(group, "" if group is None else str(group)),
            offered=row.get("offered") or 0, answered=row.get("answered") or 0,
            answered_in_target=row.get("answered_in_target") or 0, abandoned=row.get("abandoned") or 0,
            unanswered=row.get("unanswered") or 0, short_abandoned=row.get("short_abandoned") or 0,
            wait_seconds_total=row.get("wait_seconds_total") or 0.0, handled=row.get("handled") or 0,
            talk_seconds_total=row.get("talk_seconds_total") or 0.0,
            wrap_seconds_total=row.get("wrap_seconds_total") or 0.0,
            ready_seconds_total=None if ready is None else ready.get(group, 0.0),
        ))
    return result[0] if by is None else result


# --- From the calls and intervals ------------------------------------------------------------------------------


def _within(field: str, ranges: list[tuple[dt.datetime, dt.datetime]]) -> Q:
    window = Q()
    for start, end in ranges:
        window |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return window


def _call_rows(ranges, line, by, tz) -> dict:
    """The calls offered in these time ranges, summed per group by one GROUP BY."""
    calls = Call.objects.filter(_within("offered_at", ranges))
    if line is not None:
        calls = calls.filter(line=line)
    if by == "agent":
        calls = calls.exclude(agent_number="")
    calls = rollups.counted_calls(calls)
    keys = _group_key(by, "offered_at", tz)
    if not keys:
        return {None: calls.aggregate(**rollups.call_sums())}
    return dict(_grouped(calls, keys, rollups.call_sums()))


def _ready_rows(ranges, by, tz) -> dict:
    """Agents' ready seconds per group from the closed half-hour pieces starting in these ranges (in SQL)."""
    pieces = AgentInterval.objects.filter(_within("started_at", ranges), state=AgentState.READY,
                                          ended_at__isnull=False)
    keys = _group_key(by, "started_at", tz)
    totals: dict = defaultdict(float)
    if not keys:
        totals[None] = pieces.aggregate(total=Sum("seconds"))["total"] or 0.0
    else:
        for group, row in _grouped(pieces, keys, {"total": Sum("seconds")}):
            totals[group] += row["total"] or 0.0
    return totals


def _add_open_states(totals: dict, start, end, by, tz, now) -> None:
    """The agents' current ready states (one per seat at most), clipped to `now`, added in Python."""
    for number, state, begin, stop in agent_open_pieces(start=start, end=end, now=now):
        if state != AgentState.READY:
            continue
        for _, a, b in half_hour_pieces(state, begin, stop):
            totals[_python_key(by, number, a, tz)] += (b - a).total_seconds()


# --- From the rollups --------------------------------------------------------------------------------------------

# The rollup columns that name each grouping's rows.
_ROLLUP_KEYS = {
    None: (), "line": ("line_id",), "agent": ("agent_number",), "day": ("day",), "hour": ("day", "hour"),
    "half_hour": ("day", "hour", "minute"), "hour_of_day": ("hour",),
}


def _rollup_key(by: str | None, row: dict, tz):
    """A rollup row's group, the same value the GROUP BY of `_call_rows` gives (TruncHour is the local hour
    made aware in `tz`; a half hour adds 30 minutes to it)."""
    if by is None:
        return None
    if by == "line":
        return row.pop("line_id") or None
    if by == "agent":
        return row.pop("agent_number")
    if by == "hour_of_day":
        return row.pop("hour")
    day = row.pop("day")
    if by == "day":
        return day
    hour = dt.datetime.combine(day, dt.time(row.pop("hour")), tzinfo=tz)
    return hour if by == "hour" else hour + HALF_HOUR * (row.pop("minute") // 30)


def _read_rollup(rows, by, tz, sums: dict, basis: int) -> dict | None:
    """Sum the rollup rows per group, or None when a group holds rows counted another way than now."""
    sums = {**sums, "basis_low": Min("basis"), "basis_high": Max("basis")}
    keys = _ROLLUP_KEYS[by]
    grouped = [rows.aggregate(**sums)] if not keys else rows.values(*keys).annotate(**sums).order_by()
    result = {}
    for row in grouped:
        low, high = row.pop("basis_low"), row.pop("basis_high")
        if low is not None and not low == high == basis:
            return None
        result[_rollup_key(by, row, tz)] = row
    return result


def _merge(into: dict, more: dict) -> None:
    for group, row in more.items():
        if isinstance(row, dict):
            mine = into.setdefault(group, {})
            for name, value in row.items():
                mine[name] = (mine.get(name) or 0) + (value or 0)
        else:
            into[group] = into.get(group, 0.0) + (row or 0.0)


def _rollup_rows(start, end, line, by, tz, with_ready: bool) -> tuple[dict, dict | None] | None:
    """The call rows (and ready time) from the rollups plus the calls of the period's partial edges; None when
    the rollups cannot answer (no whole slot or day in the period, or rows of another basis)."""
    basis = rollups.basis(tz)
    if basis is None:
        return None
    call_sums = {name: Sum(name) for name in rollups.CALL_SUMS}
    ready_sums = {"ready_seconds": Sum("ready_seconds")}
    if by == "agent":
        days = rollups.whole_days(start, end, tz)
        if days is None:
            return None
        inner = (rollups.local_midnight(days[0], tz), rollups.local_midnight(days[1], tz))
        calls = CallAgentDayRollup.objects.filter(day__gte=days[0], day__lt=days[1])
        ready_rows = ReadyAgentDayRollup.objects.filter(day__gte=days[0], day__lt=days[1])
    else:
        inner = rollups.whole_slots(start, end, tz)
        if inner is None:
            return None
        calls = CallSlotRollup.objects.filter(slot__gte=inner[0], slot__lt=inner[1])
        ready_rows = ReadySlotRollup.objects.filter(slot__gte=inner[0], slot__lt=inner[1])
    if line is not None:
        calls = calls.filter(line_id=line.pk)
    rows = _read_rollup(calls, by, tz, call_sums, basis)
    if rows is None:
        return None
    ready = None
    if with_ready:
        read = _read_rollup(ready_rows, by, tz, ready_sums, basis)
        if read is None:
            return None
        ready = defaultdict(float, {group: row["ready_seconds"] or 0.0 for group, row in read.items()})
    edges = [(a, b) for a, b in ((start, inner[0]), (inner[1], end)) if a < b]
    if edges:
        _merge(rows, _call_rows(edges, line, by, tz))
        if ready is not None:
            _merge(ready, _ready_rows(edges, by, tz))
    return rows, ready


def _labels(by: str | None, keys) -> dict:
    if by == "line":
        return {pk: str(line) for pk, line in Line.objects.in_bulk([k for k in keys if k is not None]).items()} | {
            None: "（未识别热线）"
        }
    if by == "agent":
        names = {}
        for number, display, username in User.objects.filter(agent_number__in=[k for k in keys if k]).values_list(
            "agent_number", "display_name", "username"
        ):
            names[number] = f"{number} {display or username}"
        return names
    if by == "hour_of_day":
        return {k: f"{k:02d}:00" for k in keys if k is not None}
    if by in ("hour", "half_hour"):
        return {k: f"{k:%Y-%m-%d %H:%M}" for k in keys if k is not None}
    return {}
