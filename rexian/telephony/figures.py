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
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import ExtractHour, TruncDate, TruncHour
from django.utils import timezone

from rexian.catalog.models import Line
from rexian.telephony import conf
from rexian.telephony.events import agent_open_pieces, half_hour_pieces
from rexian.telephony.models import AgentInterval, AgentState, Call, Outcome
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
    """
    if by not in (None, *GROUPINGS):
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}")
    tz = timezone.get_current_timezone()
    line = _resolve_line(line)
    short, target = conf.short_abandon_seconds(), conf.answer_target_seconds()
    calls = Call.objects.filter(offered_at__gte=start, offered_at__lt=end).exclude(outcome=Outcome.IN_PROGRESS)
    if line is not None:
        calls = calls.filter(line=line)
    if by == "agent":
        calls = calls.exclude(agent_number="")
    calls = calls.annotate(
        is_short=Case(
            When(outcome=Outcome.ABANDONED, wait_seconds__lte=short, then=Value(1)),
            default=Value(0), output_field=IntegerField(),
        )
    )
    answered = Q(outcome=Outcome.ANSWERED)
    aggregates = {
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
    keys = _group_key(by, "offered_at", tz)
    if not keys:
        rows = {None: calls.aggregate(**aggregates)}
    else:
        rows = dict(_grouped(calls, keys, aggregates))
    ready = None if (line is not None or by == "line") else _ready_seconds(start, end, by, tz, now)
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


def _ready_seconds(start, end, by, tz, now) -> dict:
    """Agents' ready seconds per group: closed half-hour pieces in SQL, plus the open states (one per agent)."""
    pieces = AgentInterval.objects.filter(
        state=AgentState.READY, started_at__gte=start, started_at__lt=end, ended_at__isnull=False
    )
    keys = _group_key(by, "started_at", tz)
    totals: dict = defaultdict(float)
    if not keys:
        totals[None] = pieces.aggregate(total=Sum("seconds"))["total"] or 0.0
    else:
        for group, row in _grouped(pieces, keys, {"total": Sum("seconds")}):
            totals[group] += row["total"] or 0.0
    for number, state, begin, stop in agent_open_pieces(start=start, end=end, now=now):
        if state != AgentState.READY:
            continue
        for _, a, b in half_hour_pieces(state, begin, stop):
            totals[_python_key(by, number, a, tz)] += (b - a).total_seconds()
    return totals


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
