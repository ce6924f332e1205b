"""Staffing (排班): forecast the calls, size the operators, plan the shifts.

A library of pure functions on plain inputs (lists of numbers, datetimes, operator ids), so it can
be tested and reused without the call records: `rexian staffing` feeds it the history of offered
calls and prints the result. The steps, each usable alone:

1. `forecast_calls`: calls offered per half hour for coming days, from the same half hour on days
   of the same kind (working day or rest day, from the working-day calendar) in recent weeks.
2. `agents_required` / `staffing_requirements`: operators needed on the phone per half hour for a
   service-level target (服务水平), with Erlang C, or Erlang A when callers' patience is known
   (it models callers who hang up, which the connection rate 接通率 needs); then the staff to
   schedule once breaks and training (shrinkage) are allowed for.
3. `shift_plan`: a 7x24 plan of shifts (班次) that covers the requirement in every half hour,
   each shift given to an operator under the rest rules, or the half hours it cannot cover.
4. `plan_vs_actual`: planned staff against the agents actually logged in and the service level
   they achieved, per half hour.

The formulas and the method are written up in docs/telephony.md ("Staffing").
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import median
from typing import NamedTuple

SLOT_MINUTES = 30
SLOT_SECONDS = SLOT_MINUTES * 60

# Comparisons against a target allow for rounding in the last bits of a float, so that a
# service level of exactly 0.8 meets a target of 0.8.
_TOLERANCE = 1e-12


class SlotValue(NamedTuple):
    """A number for the half hour starting at `start` (calls, agents, staff)."""

    start: dt.datetime
    value: float


# --- Forecast (话务预测) ---------------------------------------------------------------------


class NoHistory(ValueError):
    """There are no calls in the history to forecast from."""


@dataclass(frozen=True)
class Forecast:  # 话务预测
    slots: list[SlotValue]  # calls expected per half hour, in time order
    level: float  # the recent level factor applied to the day profiles
    history_first: dt.date
    history_last: dt.date

    @property
    def total(self) -> float:
        return sum(slot.value for slot in self.slots)


def forecast_calls(
    history: Iterable[tuple[dt.datetime, float]],
    *,
    first_day: dt.date,
    days: int,
    weeks: int = 8,
    half_life_days: float = 14.0,
    level_days: int = 7,
    workday: Callable[[dt.date], bool] | None = None,
    tz: dt.tzinfo | None = None,
) -> Forecast:
    """Calls offered per half hour for `days` days from `first_day`, from the calls of past days.

    `history` holds (half-hour start, calls offered) pairs; half hours without calls may be left
    out, they count as zero between the first and the last day that has any. Only the `weeks`
    weeks before `first_day` are used.

    The method (documented in docs/telephony.md):
    * every day is a working day or a rest day by the working-day calendar (工作日历), so a
      make-up workday (调休上班) counts as a working day and a public holiday as a rest day;
    * a day's profile is the average, half hour by half hour, of the past days of the same kind
      and the same weekday; where there are fewer than two of those (a make-up Saturday, a
      holiday on a Wednesday), of all past days of the same kind;
    * the average weighs a day by 0.5 ** (age in days / `half_life_days`) and, with five days or
      more, leaves out the day with the highest and the one with the lowest total, so that one
      surge day (a water outage, a snowstorm) does not lift every later forecast;
    * the profile is multiplied by a level factor: the median, over the last `level_days` days
      of history, of the day's actual calls divided by its profile's, clamped to [0.5, 2], so a
      steady rise or fall in the last week carries forward (1 with less than two such periods of
      history).

    Raises NoHistory when the history has no day in the window.
    """
    from django.utils import timezone

    if days < 1:
        raise ValueError("days must be at least 1")
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    tz = tz or timezone.get_current_timezone()
    if workday is None:
        from rexian.catalog.calendar import is_workday as workday
    per_day = 24 * 60 // SLOT_MINUTES
    earliest = first_day - dt.timedelta(days=7 * weeks)

    counts: dict[dt.date, list[float]] = {}
    for start, calls in history:
        if calls < 0:
            raise ValueError(f"negative call count {calls} at {start}")
        local = start.astimezone(tz) if start.tzinfo is not None else start
        day = local.date()
        if not earliest <= day < first_day:
            continue
        slot = (local.hour * 60 + local.minute) // SLOT_MINUTES
        counts.setdefault(day, [0.0] * per_day)[slot] += calls
    if not counts:
        raise NoHistory(f"no calls offered between {earliest} and {first_day - dt.timedelta(days=1)}")

    first, last = min(counts), max(counts)
    past = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    series = {day: counts.get(day) or [0.0] * per_day for day in past}
    kinds = {day: workday(day) for day in past}
    profiles: dict[tuple, list[float]] = {}

    def profile_for(day: dt.date, is_workday: bool) -> list[float]:
        same_weekday = [d for d in past if kinds[d] == is_workday and d.weekday() == day.weekday()]
        if len(same_weekday) >= 2:
            key, members = (is_workday, day.weekday()), same_weekday
        else:
            members = [d for d in past if kinds[d] == is_workday]
            key = (is_workday, None)
            if not members:  # e.g. a history of working days only
                key, members = (None, None), past
        if key not in profiles:
            profiles[key] = _weighted_profile(members, series, last, half_life_days, per_day)
        return profiles[key]

    level = 1.0
    if len(past) >= 2 * level_days:
        ratios = []
        for day in past[-level_days:]:
            expected = sum(profile_for(day, kinds[day]))
            if expected > 0:
                ratios.append(sum(series[day]) / expected)
        if ratios:
            level = min(2.0, max(0.5, median(ratios)))

    slots = []
    for offset in range(days):
        day = first_day + dt.timedelta(days=offset)
        profile = profile_for(day, workday(day))
        midnight = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
        for index, calls in enumerate(profile):
            slots.append(SlotValue(midnight + dt.timedelta(minutes=SLOT_MINUTES * index), calls * level))
    return Forecast(slots=slots, level=level, history_first=first, history_last=last)


def _weighted_profile(
    members: list[dt.date], series: dict[dt.date, list[float]], last: dt.date, half_life: float, per_day: int
) -> list[float]:
    if len(members) >= 5:
        # Sorting by (total, date) makes the choice among equal totals deterministic.
        by_total = sorted(members, key=lambda d: (sum(series[d]), d))
        members = by_total[1:-1]
    weights = [0.5 ** ((last - day).days / half_life) for day in members]
    total = sum(weights)
    return [sum(w * series[day][i] for w, day in zip(weights, members)) / total for i in range(per_day)]


# --- Erlang C and Erlang A (话务量与坐席需求) ---------------------------------------------------


def erlang_b(agents: int, erlangs: float) -> float:
    """Erlang B blocking probability, by the recursion B(n) = A·B(n-1) / (n + A·B(n-1)).

    The recursion stays within (0, 1] at every step, so it is exact to rounding for thousands
    of agents, where the textbook A**N / N! overflows.
    """
    if agents < 0 or erlangs < 0:
        raise ValueError("agents and erlangs must not be negative")
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = erlangs * blocking / (n + erlangs * blocking)
    return blocking


def erlang_c(agents: int, erlangs: float) -> float:
    """Erlang C: the probability that a call has to wait, C = N·B / (N − A·(1 − B)); 1 when N ≤ A."""
    if erlangs == 0:
        return 0.0
    if agents <= erlangs:
        return 1.0
    return _erlang_c_from_b(agents, erlangs, erlang_b(agents, erlangs))


def _erlang_c_from_b(agents: int, erlangs: float, blocking: float) -> float:
    return agents * blocking / (agents - erlangs * (1 - blocking))


@dataclass(frozen=True)
class QueueFigures:  # 话务指标
    """What a queue with `agents` operators on the phone achieves in one interval.

    `service_level` is the share of offered calls answered within the target seconds (15秒接通率
    when the target is 15 s); `answer_rate` the share answered at all (接通率; 1 under Erlang C,
    where nobody hangs up); `asa` the average speed of answer of answered calls in seconds
    (infinite when the queue grows without bound).
    """

    agents: int
    erlangs: float
    wait_probability: float
    service_level: float
    asa: float
    occupancy: float
    abandon_rate: float = 0.0
    model: str = "erlang-c"

    @property
    def answer_rate(self) -> float:
        return 1.0 - self.abandon_rate


def erlang_c_figures(
    agents: int, *, calls: float, aht: float, seconds: float, interval: float = SLOT_SECONDS
) -> QueueFigures:
    """Erlang C (M/M/N) figures for `calls` offered in `interval` seconds with handling time `aht`.

    Service level P(wait ≤ t) = 1 − C·exp(−(N − A)·t / AHT), ASA = C·AHT / (N − A),
    occupancy A / N, with A = calls · AHT / interval erlangs.
    """
    erlangs = _erlangs(calls, aht, interval)
    return _c_figures(agents, erlangs, aht, seconds, erlang_b(agents, erlangs))


def _erlangs(calls: float, aht: float, interval: float) -> float:
    if calls < 0 or aht <= 0 or interval <= 0:
        raise ValueError("calls must not be negative, handling time and interval must be positive")
    return calls * aht / interval


def _c_figures(agents: int, erlangs: float, aht: float, seconds: float, blocking: float) -> QueueFigures:
    if erlangs == 0:
        return QueueFigures(agents, 0.0, 0.0, 1.0, 0.0, 0.0)
    if agents <= erlangs:
        return QueueFigures(agents, erlangs, 1.0, 0.0, math.inf, 1.0)
    wait = _erlang_c_from_b(agents, erlangs, blocking)
    surplus = agents - erlangs
    service_level = 1.0 - wait * math.exp(-surplus * seconds / aht)
    return QueueFigures(agents, erlangs, wait, service_level, wait * aht / surplus, erlangs / agents)


def erlang_a_figures(
    agents: int, *, calls: float, aht: float, patience: float, seconds: float, interval: float = SLOT_SECONDS
) -> QueueFigures:
    """Erlang A (M/M/N+M) figures: like Erlang C, but a waiting caller hangs up after an
    exponentially distributed patience of mean `patience` seconds.

    Exact for the model, from its stationary distribution (a birth-death chain, summed in
    logarithms so that it neither overflows nor underflows at thousands of agents) and, for the
    service level, from the fact that a caller who finds k callers queued ahead is answered
    within t seconds with probability a/(a+(k+1)γ) · I_x(k+1, (a+γ)/γ), a = N/AHT, γ = 1/patience,
    x = 1 − exp(−γt), I the regularised incomplete beta function (the time to reach an agent is
    a sum of exponential stages whose rates step by γ; docs/telephony.md has the derivation).
    """
    if patience <= 0:
        raise ValueError("patience must be positive")
    erlangs = _erlangs(calls, aht, interval)
    return _a_figures(agents, erlangs, aht, patience, seconds, erlang_b(agents, erlangs))


def _a_figures(
    agents: int, erlangs: float, aht: float, patience: float, seconds: float, blocking: float
) -> QueueFigures:
    if erlangs == 0:
        return QueueFigures(agents, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, "erlang-a")
    if agents == 0:
        return QueueFigures(0, erlangs, 1.0, 0.0, math.inf, 0.0, 1.0, "erlang-a")
    if blocking == 0.0:  # so many agents that nobody ever waits (p_N underflowed)
        return QueueFigures(agents, erlangs, 0.0, 1.0, 0.0, erlangs / agents, 0.0, "erlang-a")
    arrival = erlangs / aht  # λ, calls per second
    service = agents / aht  # a = N·μ
    abandon = 1.0 / patience  # γ
    # Unnormalised log-probabilities relative to state N (all agents busy, nobody waiting).
    log_lower = -math.log(blocking)  # log Σ_{n ≤ N} p_n / p_N = log 1/B(N, A)
    log_queue = [0.0]  # log p_{N+k} / p_N for k = 0, 1, ...
    peak = max(log_lower, 0.0)
    k = 0
    while True:
        k += 1
        rate_out = service + k * abandon
        log_queue.append(log_queue[-1] + math.log(arrival / rate_out))
        peak = max(peak, log_queue[-1])
        if rate_out > arrival and log_queue[-1] < peak - 45:  # past the mode, terms below e^-45 of the largest
            break
    log_total = peak + math.log(math.exp(log_lower - peak) + sum(math.exp(v - peak) for v in log_queue[1:]))

    x = -math.expm1(-abandon * seconds)
    beta = (service + abandon) / abandon
    log_x = math.log(x) if x > 0 else -math.inf
    log_pmf = -(service + abandon) * seconds  # log P(Y = 0), Y ~ NegBin(beta, x)
    below = 0.0  # P(Y ≤ k); I_x(k+1, beta) = 1 − P(Y ≤ k)
    wait = answered_in_time = abandoned = answered_wait = stage_time = 0.0
    for k, log_relative in enumerate(log_queue):
        p = math.exp(log_relative - log_total)  # probability that an arriving caller finds k queued
        below += math.exp(log_pmf)
        log_pmf += math.log((k + beta) / (k + 1)) + log_x
        reach = service / (service + (k + 1) * abandon)  # P(answered at all | k ahead)
        stage_time += 1.0 / (service + (k + 1) * abandon)  # mean time to the head, given answered
        wait += p
        abandoned += p * (1.0 - reach)
        answered_in_time += p * reach * max(0.0, 1.0 - below)
        answered_wait += p * reach * stage_time
    answer_rate = 1.0 - abandoned
    service_level = (1.0 - wait) + answered_in_time
    asa = answered_wait / answer_rate if answer_rate > 0 else math.inf
    occupancy = min(1.0, erlangs * answer_rate / agents)
    return QueueFigures(
        agents, erlangs, min(1.0, wait), min(1.0, service_level), asa, occupancy, max(0.0, abandoned), "erlang-a"
    )


@dataclass(frozen=True)
class ServiceTarget:  # 服务水平目标
    """What a half hour must achieve. Every given criterion must hold.

    `service_level` of calls answered within `seconds` (GB/T 33358: answer within 15 s);
    optionally an average speed of answer of at most `max_asa` seconds, an occupancy of at most
    `max_occupancy`, and a connection rate (接通率, answered ÷ offered) of at least
    `connection_rate`, which needs the callers' mean `patience` in seconds. Giving `patience`
    switches every figure from Erlang C to Erlang A.
    """

    service_level: float = 0.8
    seconds: float = 15.0
    max_asa: float | None = None
    max_occupancy: float | None = None
    connection_rate: float | None = None
    patience: float | None = None

    def __post_init__(self):
        if not 0 <= self.service_level < 1:
            raise ValueError("the service-level target must be in [0, 1)")
        if self.seconds < 0:
            raise ValueError("the target seconds must not be negative")
        if self.max_asa is not None and self.max_asa <= 0:
            raise ValueError("the maximum ASA must be positive")
        if self.max_occupancy is not None and not 0 < self.max_occupancy <= 1:
            raise ValueError("the maximum occupancy must be in (0, 1]")
        if self.connection_rate is not None:
            if not 0 < self.connection_rate < 1:
                raise ValueError("the connection-rate target must be in (0, 1)")
            if self.patience is None:
                raise ValueError(
                    "a connection-rate target needs the callers' mean patience: "
                    "under Erlang C nobody hangs up, so every call is answered"
                )
        if self.patience is not None and self.patience <= 0:
            raise ValueError("patience must be positive")

    def met_by(self, figures: QueueFigures) -> bool:
        if figures.service_level < self.service_level - _TOLERANCE:
            return False
        if self.max_asa is not None and figures.asa > self.max_asa + _TOLERANCE:
            return False
        if self.max_occupancy is not None and figures.occupancy > self.max_occupancy + _TOLERANCE:
            return False
        return self.connection_rate is None or figures.answer_rate >= self.connection_rate - _TOLERANCE


def queue_figures(agents: int, *, calls: float, aht: float, target: ServiceTarget, interval: float = SLOT_SECONDS):
    """The figures for `agents` under the target's model (Erlang A when it gives a patience)."""
    if target.patience is not None:
        return erlang_a_figures(
            agents, calls=calls, aht=aht, patience=target.patience, seconds=target.seconds, interval=interval
        )
    return erlang_c_figures(agents, calls=calls, aht=aht, seconds=target.seconds, interval=interval)


def agents_required(*, calls: float, aht: float, target: ServiceTarget, interval: float = SLOT_SECONDS) -> QueueFigures:
    """The fewest agents on the phone that meet `target` for `calls` offered in `interval` seconds.

    Returns the figures at that number (0 agents when no call is expected). Erlang C walks up
    from one agent with the Erlang B recursion, one step per agent; Erlang A searches by
    doubling then bisection, as each of its evaluations sums the queue's distribution.
    """
    erlangs = _erlangs(calls, aht, interval)
    if erlangs == 0:
        return queue_figures(0, calls=0, aht=aht, target=target, interval=interval)
    if target.patience is None:
        blocking = 1.0
        agents = 0
        while True:
            agents += 1
            blocking = erlangs * blocking / (agents + erlangs * blocking)
            if agents > erlangs:
                figures = _c_figures(agents, erlangs, aht, target.seconds, blocking)
                if target.met_by(figures):
                    return figures
    return _agents_required_erlang_a(erlangs, aht, target)


def _agents_required_erlang_a(erlangs: float, aht: float, target: ServiceTarget) -> QueueFigures:
    blockings = [1.0]

    def figures(agents: int) -> QueueFigures:
        while len(blockings) <= agents:
            n = len(blockings)
            blockings.append(erlangs * blockings[-1] / (n + erlangs * blockings[-1]))
        return _a_figures(agents, erlangs, aht, target.patience, target.seconds, blockings[agents])

    high = max(1, math.ceil(erlangs))
    while not target.met_by(figures(high)):
        high *= 2
    low = 0  # 0 agents answer nobody, which no target with a positive criterion accepts
    if target.met_by(figures(0)):
        return figures(0)
    while high - low > 1:
        middle = (low + high) // 2
        if target.met_by(figures(middle)):
            high = middle
        else:
            low = middle
    return figures(high)


def scheduled_staff(agents: int, shrinkage: float) -> int:
    """Staff to schedule so that `agents` are on the phone when a share `shrinkage` of paid time
    goes to breaks, training, meetings and absence (缩减率): ceil(agents / (1 − shrinkage))."""
    if not 0 <= shrinkage < 1:
        raise ValueError("shrinkage must be in [0, 1)")
    # The tolerance keeps 14 / 0.7 = 20.000000000000004 at 20.
    return math.ceil(agents / (1 - shrinkage) - 1e-9)


@dataclass(frozen=True)
class SlotRequirement:  # 时段坐席需求
    start: dt.datetime
    calls: float
    agents: int  # on the phone
    staff: int  # scheduled, after shrinkage
    figures: QueueFigures


def staffing_requirements(
    forecast: Iterable[tuple[dt.datetime, float]],
    *,
    aht: float,
    target: ServiceTarget,
    shrinkage: float = 0.0,
    min_agents: int = 1,
    interval: float = SLOT_SECONDS,
) -> list[SlotRequirement]:
    """Agents and scheduled staff per half hour for the forecast calls.

    `min_agents` keeps someone on the phone in half hours with almost no calls: a 7x24 hotline
    never closes.
    """
    if min_agents < 0:
        raise ValueError("min_agents must not be negative")
    result = []
    for start, calls in forecast:
        figures = agents_required(calls=calls, aht=aht, target=target, interval=interval)
        if figures.agents < min_agents:
            figures = queue_figures(min_agents, calls=calls, aht=aht, target=target, interval=interval)
        result.append(
            SlotRequirement(start, calls, figures.agents, scheduled_staff(figures.agents, shrinkage), figures)
        )
    return result


def lowest_daily_connection_rate(requirements: Sequence[SlotRequirement], *, window: int = 48) -> float | None:
    """The lowest connection rate (answered ÷ offered) over any `window` consecutive half hours
    (GB/T 33358 asks ≥ 95% over any 24 hours), expected from the planned agents; None when fewer
    half hours than a window or no calls in any window."""
    if len(requirements) < window:
        return None
    offered = [r.calls for r in requirements]
    answered = [r.calls * r.figures.answer_rate for r in requirements]
    lowest = None
    total_offered, total_answered = sum(offered[:window]), sum(answered[:window])
    for end in range(window, len(requirements) + 1):
        if end > window:
            total_offered += offered[end - 1] - offered[end - 1 - window]
            total_answered += answered[end - 1] - answered[end - 1 - window]
        if total_offered > 0:
            rate = total_answered / total_offered
            lowest = rate if lowest is None else min(lowest, rate)
    return lowest


# --- Shift plan (排班计划) ----------------------------------------------------------------------


@dataclass(frozen=True)
class ShiftRules:  # 排班规则
    """Shift templates and rest rules.

    `shift_hours`: the lengths a shift may have. Shifts start every `start_every_minutes` from
    midnight, or only at `start_times` when given (e.g. 08:00 and 20:00 for two 12-hour shifts).
    An operator works at most one shift starting on a calendar day, rests `min_rest_hours`
    between two shifts, works at most `max_consecutive_days` days in a row, and in any 7
    consecutive days has at least `days_off_per_week` days without a shift and works at most
    `max_hours_per_week` hours. A shift belongs to the day it starts on.
    """

    shift_hours: tuple[float, ...] = (8.0,)
    start_every_minutes: int = 60
    start_times: tuple[dt.time, ...] = ()
    min_rest_hours: float = 12.0
    max_consecutive_days: int = 5
    days_off_per_week: int = 2
    max_hours_per_week: float | None = 40.0

    def __post_init__(self):
        if not self.shift_hours:
            raise ValueError("at least one shift length is needed")
        for hours in self.shift_hours:
            if not 0 < hours <= 24 or (hours * 60) % SLOT_MINUTES:
                raise ValueError(f"a shift of {hours} h is not a whole number of half hours up to 24 h")
        if not self.start_times and (
            self.start_every_minutes <= 0
            or self.start_every_minutes % SLOT_MINUTES
            or (24 * 60) % self.start_every_minutes
        ):
            raise ValueError("shifts must start every 30, 60, 90, 120, … minutes, dividing the day")
        for time in self.start_times:
            if (time.hour * 60 + time.minute) % SLOT_MINUTES or time.second or time.microsecond:
                raise ValueError(f"a shift cannot start at {time}: starts are on the half hour")
        if self.min_rest_hours < 0 or (self.min_rest_hours * 60) % SLOT_MINUTES:
            raise ValueError("the minimum rest must be a non-negative whole number of half hours")
        if not 1 <= self.max_consecutive_days <= 7:
            raise ValueError("max consecutive days must be between 1 and 7")
        if not 0 <= self.days_off_per_week <= 6:
            raise ValueError("days off per week must be between 0 and 6")
        if self.max_hours_per_week is not None and self.max_hours_per_week < min(self.shift_hours):
            raise ValueError("the weekly hours cap is shorter than the shortest shift")

    @property
    def lengths(self) -> list[int]:
        """Shift lengths in half hours, longest first."""
        return sorted({round(hours * 60) // SLOT_MINUTES for hours in self.shift_hours}, reverse=True)

    @property
    def start_slots(self) -> frozenset[int]:
        """The half hours of the day (0–47) at which a shift may start."""
        if self.start_times:
            return frozenset((t.hour * 60 + t.minute) // SLOT_MINUTES for t in self.start_times)
        return frozenset(range(0, 24 * 60 // SLOT_MINUTES, self.start_every_minutes // SLOT_MINUTES))


@dataclass(frozen=True)
class Shift:  # 班次
    start: dt.datetime
    end: dt.datetime

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


@dataclass(frozen=True)
class UncoveredSlot:  # 未覆盖时段
    start: dt.datetime
    required: int
    planned: int

    @property
    def missing(self) -> int:
        return self.required - self.planned


@dataclass
class ShiftPlan:  # 排班计划
    """A plan for the half hours from `start`: the staff each needs (`required`), the staff the
    shifts put there (`planned`), the shifts of every operator (`roster`, operators without a
    shift included, in the order given) and the half hours left short (`uncovered`)."""

    start: dt.datetime
    required: list[int]
    planned: list[int]
    roster: dict[Hashable, list[Shift]]
    uncovered: list[UncoveredSlot] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return not self.uncovered

    def slot_start(self, index: int) -> dt.datetime:
        return self.start + dt.timedelta(minutes=SLOT_MINUTES * index)

    def planned_slots(self) -> list[SlotValue]:
        return [SlotValue(self.slot_start(i), count) for i, count in enumerate(self.planned)]

    def shift_counts(self) -> list[tuple[Shift, int]]:
        """How many operators work each shift (same start and end), in time order."""
        counts: dict[Shift, int] = {}
        for shifts in self.roster.values():
            for shift in shifts:
                counts[shift] = counts.get(shift, 0) + 1
        return sorted(counts.items(), key=lambda item: (item[0].start, item[0].end))

    @property
    def staff_hours(self) -> float:
        return sum(shift.hours for shifts in self.roster.values() for shift in shifts)


class _Operator:
    __slots__ = ("hours", "index", "key", "shifts")

    def __init__(self, key: Hashable, index: int):
        self.key = key
        self.index = index
        self.shifts: list[tuple[int, int]] = []  # (first half hour, length in half hours)
        self.hours = 0.0


class _Planner:
    """The greedy covering heuristic with operator assignment, then a pass that drops and
    shortens shifts the requirement does not need. Slots are half hours counted from the plan's
    start; a shift may start on the day before, so that the first night can be covered."""

    def __init__(self, required: Sequence[int], operators: Sequence[Hashable], rules: ShiftRules):
        self.required = list(required)
        self.horizon = len(self.required)
        self.rules = rules
        self.per_day = 24 * 60 // SLOT_MINUTES
        self.lengths = rules.lengths
        self.start_slots = rules.start_slots
        self.rest = round(rules.min_rest_hours * 60) // SLOT_MINUTES
        self.earliest = -self.per_day
        self.operators = [_Operator(key, i) for i, key in enumerate(operators)]
        self.by_hours = [(0.0, i) for i in range(len(self.operators))]  # a heap: fewest hours first
        self.planned = [0] * self.horizon
        self.assigned: list[tuple[_Operator, int, int]] = []  # in the order the shifts were placed

    # The rules for one operator ------------------------------------------------------------

    def allows(self, shifts: list[tuple[int, int]], start: int, length: int) -> bool:
        rules = self.rules
        day = start // self.per_day
        days = {day}
        hours_by_day = {day: length * SLOT_MINUTES / 60}
        for other_start, other_length in shifts:
            other_day = other_start // self.per_day
            if other_day == day:
                return False
            if other_start < start:
                gap = start - (other_start + other_length)
            else:
                gap = other_start - (start + length)
            if gap < self.rest:
                return False
            days.add(other_day)
            hours_by_day[other_day] = other_length * SLOT_MINUTES / 60
        run = 1
        while day - run in days:
            run += 1
        after = 1
        while day + after in days:
            after += 1
        if run + after - 1 > rules.max_consecutive_days:
            return False
        for first in range(day - 6, day + 1):
            window = [d for d in days if first <= d < first + 7]
            if len(window) > 7 - rules.days_off_per_week:
                return False
            cap = rules.max_hours_per_week
            if cap is not None and sum(hours_by_day[d] for d in window) > cap + _TOLERANCE:
                return False
        return True

    # Greedy cover ---------------------------------------------------------------------------

    def candidates(self, slot: int) -> list[tuple[int, int]]:
        """Shifts covering `slot`, best first: most half hours still short per half hour worked,
        then longer, then later starting."""
        scored = []
        for length in self.lengths:
            for start in range(max(self.earliest, slot - length + 1), slot + 1):
                if start % self.per_day not in self.start_slots:
                    continue
                first, last = max(start, 0), min(start + length, self.horizon)
                useful = sum(1 for u in range(first, last) if self.planned[u] < self.required[u])
                scored.append((-useful / length, -length, -start, start, length))
        scored.sort()
        return [(start, length) for *_, start, length in scored]

    def take_operator(self, start: int, length: int) -> _Operator | None:
        """The operator with the fewest hours so far (then the earliest listed) who may work it."""
        skipped = []
        chosen = None
        while self.by_hours:
            hours, index = heapq.heappop(self.by_hours)
            operator = self.operators[index]
            if self.allows(operator.shifts, start, length):
                chosen = operator
                break
            skipped.append((hours, index))
        for entry in skipped:
            heapq.heappush(self.by_hours, entry)
        if chosen is not None:
            chosen.shifts.append((start, length))
            chosen.hours += length * SLOT_MINUTES / 60
            heapq.heappush(self.by_hours, (chosen.hours, chosen.index))
        return chosen

    def cover(self) -> None:
        for slot in range(self.horizon):
            while self.planned[slot] < self.required[slot]:
                for start, length in self.candidates(slot):
                    operator = self.take_operator(start, length)
                    if operator is not None:
                        self.assigned.append((operator, start, length))
                        self._add(start, length, 1)
                        break
                else:
                    break  # nobody may work any shift covering this half hour: it stays short

    def _add(self, start: int, length: int, amount: int) -> None:
        for u in range(max(start, 0), min(start + length, self.horizon)):
            self.planned[u] += amount

    def _spare(self, first: int, last: int) -> bool:
        """Whether every half hour in [first, last) keeps its requirement with one staff fewer."""
        return all(self.planned[u] - 1 >= self.required[u] for u in range(max(first, 0), min(last, self.horizon)))

    # Local improvement ----------------------------------------------------------------------

    def improve(self) -> None:
        """Drop shifts every half hour of which is over-covered, latest placed first; then
        replace a shift by the shortest allowed shift inside it that keeps the cover. Both only
        take hours away, so the rest rules that held still hold (the day rules are rechecked,
        as a shortened night shift can move to the next day)."""
        kept = []
        for operator, start, length in reversed(self.assigned):
            if self._spare(start, start + length):
                self._add(start, length, -1)
                operator.shifts.remove((start, length))
                operator.hours -= length * SLOT_MINUTES / 60
            else:
                kept.append((operator, start, length))
        kept.reverse()
        self.assigned = []
        for operator, start, length in kept:
            shorter = sorted(
                (other, new_start)
                for other in self.lengths
                if other < length
                for new_start in range(start, start + length - other + 1)
                if new_start % self.per_day in self.start_slots
            )
            for other, new_start in shorter:
                if not (self._spare(start, new_start) and self._spare(new_start + other, start + length)):
                    continue
                rest = [s for s in operator.shifts if s != (start, length)]
                if not self.allows(rest, new_start, other):
                    continue
                self._add(start, length, -1)
                self._add(new_start, other, 1)
                operator.shifts = [*rest, (new_start, other)]
                operator.hours -= (length - other) * SLOT_MINUTES / 60
                start, length = new_start, other
                break
            self.assigned.append((operator, start, length))


def shift_plan(
    required: Sequence[int],
    operators: Sequence[Hashable],
    *,
    start: dt.datetime,
    rules: ShiftRules | None = None,
) -> ShiftPlan:
    """A shift plan covering `required` staff per half hour from `start` with `operators`.

    Greedy: going through the half hours in time order, while one is short, place the shift
    covering it that covers the most half hours still short per hour worked (ties: the longer,
    then the later starting), and give it to the operator with the fewest hours so far whom the
    rest rules allow; if nobody may work any shift covering that half hour, it is reported in
    `uncovered`. Then shifts that only add surplus are dropped or shortened. Deterministic: the
    same inputs give the same plan. Rest rules are checked within the plan only: shifts of the
    week before are not known to it.
    """
    rules = rules or ShiftRules()
    if any(r < 0 for r in required):
        raise ValueError("a requirement cannot be negative")
    if len(set(operators)) != len(operators):
        raise ValueError("operators must be listed once each")
    planner = _Planner(required, operators, rules)
    planner.cover()
    planner.improve()

    def at(slot: int) -> dt.datetime:
        return start + dt.timedelta(minutes=SLOT_MINUTES * slot)

    roster = {
        operator.key: [Shift(at(s), at(s + length)) for s, length in sorted(operator.shifts)]
        for operator in planner.operators
    }
    uncovered = [
        UncoveredSlot(at(i), need, have)
        for i, (need, have) in enumerate(zip(planner.required, planner.planned))
        if have < need
    ]
    return ShiftPlan(start=start, required=list(required), planned=planner.planned, roster=roster, uncovered=uncovered)


def rules_from_settings() -> ShiftRules:
    """The centre's shift rules from the STAFFING_* settings (docs/telephony.md lists them)."""
    from django.conf import settings

    defaults = ShiftRules()
    start_times = tuple(
        dt.time.fromisoformat(value) if isinstance(value, str) else value
        for value in getattr(settings, "STAFFING_SHIFT_START_TIMES", ())
    )
    cap = getattr(settings, "STAFFING_MAX_HOURS_PER_WEEK", defaults.max_hours_per_week)
    return ShiftRules(
        shift_hours=tuple(float(h) for h in getattr(settings, "STAFFING_SHIFT_HOURS", defaults.shift_hours)),
        start_every_minutes=int(getattr(settings, "STAFFING_SHIFT_START_EVERY_MINUTES", defaults.start_every_minutes)),
        start_times=start_times,
        min_rest_hours=float(getattr(settings, "STAFFING_MIN_REST_HOURS", defaults.min_rest_hours)),
        max_consecutive_days=int(getattr(settings, "STAFFING_MAX_CONSECUTIVE_DAYS", defaults.max_consecutive_days)),
        days_off_per_week=int(getattr(settings, "STAFFING_DAYS_OFF_PER_WEEK", defaults.days_off_per_week)),
        max_hours_per_week=float(cap) if cap else None,  # 0 or None: no weekly cap
    )


# --- Planned against actual (计划与实际) ---------------------------------------------------------


@dataclass(frozen=True)
class SlotComparison:  # 计划与实际对比（时段）
    start: dt.datetime
    planned: int
    actual: float | None  # agents logged in, averaged over the half hour; None when not known
    service_level: float | None  # achieved, e.g. answered within 15 s ÷ offered
    offered: int | None

    @property
    def gap(self) -> float | None:
        return None if self.actual is None else self.actual - self.planned


@dataclass(frozen=True)
class PlanComparison:  # 计划与实际对比
    slots: list[SlotComparison]
    target_service_level: float
    understaffed: int  # half hours with fewer agents logged in than planned
    overstaffed: int
    below_target: int  # half hours whose service level missed the target
    staffing_ratio: float | None  # Σ actual ÷ Σ planned over half hours with both known
    service_level: float | None  # over the period, weighted by offered calls when given
    service_level_understaffed: float | None  # the same, over understaffed half hours only
    service_level_staffed: float | None  # over the others


def plan_vs_actual(
    planned: Iterable[tuple[dt.datetime, int]],
    *,
    actual_agents: Mapping[dt.datetime, float],
    service_level: Mapping[dt.datetime, float],
    target_service_level: float,
    offered: Mapping[dt.datetime, int] | None = None,
) -> PlanComparison:
    """Compare the planned staff of each half hour with the agents actually logged in and the
    service level achieved, keyed by the half hour's start (aware datetimes compare by instant).

    Half hours missing from `actual_agents` or `service_level` are kept with None and left out
    of the sums. With `offered`, service levels over several half hours are weighted by calls.
    """
    offered = offered or {}
    slots = [
        SlotComparison(start, count, actual_agents.get(start), service_level.get(start), offered.get(start))
        for start, count in planned
    ]
    understaffed = sum(1 for s in slots if s.actual is not None and s.actual < s.planned)
    overstaffed = sum(1 for s in slots if s.actual is not None and s.actual > s.planned)
    below = sum(1 for s in slots if s.service_level is not None and s.service_level < target_service_level - _TOLERANCE)
    both = [s for s in slots if s.actual is not None]
    planned_total = sum(s.planned for s in both)
    ratio = sum(s.actual for s in both) / planned_total if planned_total else None

    def weighted(group: list[SlotComparison]) -> float | None:
        known = [s for s in group if s.service_level is not None]
        if not known:
            return None
        if offered:
            calls = sum(s.offered or 0 for s in known)
            if calls:
                return sum(s.service_level * (s.offered or 0) for s in known) / calls
        return sum(s.service_level for s in known) / len(known)

    short = [s for s in slots if s.actual is not None and s.actual < s.planned]
    enough = [s for s in slots if s.actual is not None and s.actual >= s.planned]
    return PlanComparison(
        slots=slots,
        target_service_level=target_service_level,
        understaffed=understaffed,
        overstaffed=overstaffed,
        below_target=below,
        staffing_ratio=ratio,
        service_level=weighted(slots),
        service_level_understaffed=weighted(short),
        service_level_staffed=weighted(enough),
    )
