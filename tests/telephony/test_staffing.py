"""Staffing (排班): forecast, Erlang C / Erlang A, shift plan, planned against actual, the command.

Erlang C is checked three ways: against figures published in two well-known worked examples,
against an independent exact computation with rational numbers (the textbook formula with
factorials, which the module avoids), and against a log-space evaluation for loads of thousands
of erlangs. Erlang A is checked against its own limit (Erlang C when nobody hangs up) and against
an independent numerical solution of the same queue.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from fractions import Fraction
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from rexian.catalog.calendar import is_workday
from rexian.telephony import selectors as telephony_selectors
from rexian.telephony.management.commands.staffing import Command
from rexian.telephony.staffing import (
    NoHistory,
    ServiceTarget,
    ShiftRules,
    SlotRequirement,
    agents_required,
    erlang_a_figures,
    erlang_b,
    erlang_c,
    erlang_c_figures,
    forecast_calls,
    lowest_daily_connection_rate,
    plan_vs_actual,
    queue_figures,
    rules_from_settings,
    scheduled_staff,
    shift_plan,
    staffing_requirements,
)
from tests import factories as f

SHANGHAI = ZoneInfo("Asia/Shanghai")


# --- An independent Erlang C: the textbook formula in exact rational arithmetic ------------------


def exact_erlang_c(agents: int, erlangs: Fraction) -> Fraction:
    """C(N, A) = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A))."""
    top = erlangs**agents / math.factorial(agents) * Fraction(agents) / (agents - erlangs)
    return top / (sum(erlangs**k / math.factorial(k) for k in range(agents)) + top)


def exact_service_level(agents: int, erlangs: Fraction, aht: int, seconds: int) -> float:
    return 1 - float(exact_erlang_c(agents, erlangs)) * math.exp(-float(agents - erlangs) * seconds / aht)


def log_space_erlang_b(agents: int, erlangs: float) -> float:
    """B(N, A) = (A^N/N!) / Σ_{k≤N} A^k/k!, each term as exp(k·ln A − ln k!) scaled by the largest."""
    logs = [k * math.log(erlangs) - math.lgamma(k + 1) for k in range(agents + 1)]
    top = max(logs)
    return math.exp(logs[-1] - top) / sum(math.exp(v - top) for v in logs)


# --- Erlang C against published values --------------------------------------------------------


def test_erlang_c_two_erlangs_three_agents_is_four_ninths():
    # The textbook M/M/3 example (e.g. Wolfram's ErlangC[3, 2] documentation): P(wait) = 4/9 = 0.4444.
    assert exact_erlang_c(3, Fraction(2)) == Fraction(4, 9)
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9, abs=1e-15)


def test_call_centre_helper_worked_example():
    # Call Centre Helper, "Erlang C Formula – Made Simple With an Easy Worked Example": 100 calls in
    # 30 minutes, AHT 180 s (10 erlangs), target 80% answered in 20 s. Published: P(wait) with 11
    # agents 68.21%, service level 39%; 14 agents are needed (13 give 79.6%), 20 with 30% shrinkage.
    # Each figure is also reproduced by the exact rational computation.
    assert float(exact_erlang_c(11, Fraction(10))) == pytest.approx(0.6821, abs=5e-5)
    assert erlang_c(11, 10.0) == pytest.approx(float(exact_erlang_c(11, Fraction(10))), rel=1e-12)
    eleven = erlang_c_figures(11, calls=100, aht=180, seconds=20)
    assert eleven.service_level == pytest.approx(0.3896, abs=5e-5)
    assert eleven.service_level == pytest.approx(exact_service_level(11, Fraction(10), 180, 20), rel=1e-12)
    assert erlang_c_figures(13, calls=100, aht=180, seconds=20).service_level == pytest.approx(0.7956, abs=5e-5)

    needed = agents_required(calls=100, aht=180, target=ServiceTarget(service_level=0.8, seconds=20))
    assert needed.agents == 14
    assert needed.service_level == pytest.approx(0.8884, abs=5e-5)
    assert needed.asa == pytest.approx(float(exact_erlang_c(14, Fraction(10))) * 180 / 4, rel=1e-12)
    assert needed.occupancy == pytest.approx(10 / 14)
    assert scheduled_staff(needed.agents, 0.3) == 20


def test_westbay_worked_example_360_calls_in_half_an_hour():
    # Westbay Engineers' step-by-step Erlang C example: 360 calls per half hour, 4-minute calls,
    # 55 agents, 15-second target. Traffic 48 erlangs, occupancy 87.3%; P(wait), ASA and service
    # level below were verified by the exact rational computation (A = 48 exactly).
    figures = erlang_c_figures(55, calls=360, aht=240, seconds=15)
    assert figures.erlangs == 48
    assert figures.occupancy == pytest.approx(0.8727, abs=5e-5)
    assert figures.wait_probability == pytest.approx(float(exact_erlang_c(55, Fraction(48))), rel=1e-12)
    assert figures.wait_probability == pytest.approx(0.2387, abs=5e-5)
    assert figures.asa == pytest.approx(8.184, abs=5e-4)
    assert figures.service_level == pytest.approx(exact_service_level(55, Fraction(48), 240, 15), rel=1e-12)
    assert figures.service_level == pytest.approx(0.8459, abs=5e-5)
    # 54 agents fall short of 80% in 15 s, so 55 is the requirement.
    assert agents_required(calls=360, aht=240, target=ServiceTarget(0.8, 15)).agents == 55


@pytest.mark.parametrize("erlangs", [Fraction(1, 2), Fraction(3), Fraction(17, 4), Fraction(12), Fraction(47, 2)])
def test_erlang_c_agrees_with_the_exact_formula(erlangs):
    for agents in range(math.floor(erlangs) + 1, math.floor(erlangs) + 15):
        assert erlang_c(agents, float(erlangs)) == pytest.approx(float(exact_erlang_c(agents, erlangs)), rel=1e-11)


def test_erlang_c_is_one_when_agents_cannot_keep_up():
    assert erlang_c(10, 10.0) == 1.0
    figures = erlang_c_figures(5, calls=100, aht=180, seconds=20)
    assert (figures.wait_probability, figures.service_level, figures.asa) == (1.0, 0.0, math.inf)


def test_no_calls_need_no_agents():
    figures = agents_required(calls=0, aht=240, target=ServiceTarget())
    assert figures.agents == 0
    assert figures.service_level == 1.0


# --- Erlang C properties --------------------------------------------------------------------------

loads = st.floats(min_value=0.5, max_value=400, allow_nan=False)
handling = st.floats(min_value=30, max_value=900, allow_nan=False)
targets = st.builds(
    ServiceTarget,
    service_level=st.floats(min_value=0.5, max_value=0.98),
    seconds=st.sampled_from([0, 10, 15, 20, 30, 60]),
    max_asa=st.one_of(st.none(), st.floats(min_value=1, max_value=60)),
)


@settings(max_examples=60, deadline=None)
@given(calls=loads, aht=handling, target=targets)
def test_required_agents_are_the_fewest_that_meet_the_target(calls, aht, target):
    needed = agents_required(calls=calls, aht=aht, target=target)
    assert target.met_by(needed)
    assert needed.agents > needed.erlangs
    fewer = erlang_c_figures(needed.agents - 1, calls=calls, aht=aht, seconds=target.seconds)
    assert not target.met_by(fewer)


@settings(max_examples=40, deadline=None)
@given(calls=loads, aht=handling, seconds=st.sampled_from([0, 15, 20, 60]))
def test_more_agents_answer_faster(calls, aht, seconds):
    first = math.floor(calls * aht / 1800) + 1
    figures = [erlang_c_figures(n, calls=calls, aht=aht, seconds=seconds) for n in range(first, first + 25)]
    for fewer, more in itertools.pairwise(figures):
        assert more.wait_probability <= fewer.wait_probability
        assert more.service_level >= fewer.service_level
        assert more.asa <= fewer.asa
        assert more.occupancy < fewer.occupancy


@settings(max_examples=40, deadline=None)
@given(calls=loads, extra=st.floats(min_value=0, max_value=200), aht=handling, target=targets)
def test_more_calls_need_at_least_as_many_agents(calls, extra, aht, target):
    assert (
        agents_required(calls=calls + extra, aht=aht, target=target).agents
        >= agents_required(calls=calls, aht=aht, target=target).agents
    )


def test_erlang_b_is_stable_for_thousands_of_erlangs():
    for agents, erlangs in [(700, 660.0), (3400, 3333.3), (5000, 4000.0), (12000, 12500.0)]:
        assert erlang_b(agents, erlangs) == pytest.approx(log_space_erlang_b(agents, erlangs), rel=1e-9)


def test_beijing_scale_peak_half_hour():
    # 70,000 calls a day with about 6% in the busiest half hour: 4,200 calls, AHT 240 s, 560 erlangs.
    needed = agents_required(calls=4200, aht=240, target=ServiceTarget(0.8, 15))
    assert needed.erlangs == pytest.approx(560)
    # Square-root staffing: N ≈ A + β·√A with β of order 1 for such a target.
    assert 560 < needed.agents < 560 + 3 * math.sqrt(560)
    assert 0.8 <= needed.service_level < 1
    assert not ServiceTarget(0.8, 15).met_by(erlang_c_figures(needed.agents - 1, calls=4200, aht=240, seconds=15))
    # A whole city's worth in one half hour still works: 20,000 calls of 300 s.
    huge = agents_required(calls=20000, aht=300, target=ServiceTarget(0.8, 15))
    assert math.isfinite(huge.asa) and 3333 < huge.agents < 3333 + 3 * math.sqrt(3333)


def test_shrinkage_turns_agents_into_scheduled_staff():
    assert scheduled_staff(14, 0.3) == 20
    assert scheduled_staff(14, 0.0) == 14
    assert scheduled_staff(15, 0.3) == 22
    with pytest.raises(ValueError):
        scheduled_staff(10, 1.0)


# --- Erlang A -----------------------------------------------------------------------------------


def independent_erlang_a(agents: int, calls: float, aht: float, patience: float, seconds: float) -> dict:
    """M/M/N+M from the birth-death chain directly, and the answered-within-t share by
    uniformisation of a waiting caller's own chain (positions ahead, answered, hung up)."""
    lam, mu, gamma = calls / 1800, 1 / aht, 1 / patience
    weights = [1.0]
    for n in range(1, agents + 400):
        weights.append(weights[-1] * lam / (min(n, agents) * mu + max(0, n - agents) * gamma))
    total = sum(weights)
    p = [w / total for w in weights]
    queue = sum((n - agents) * p[n] for n in range(agents, len(p)))
    served_in_time = sum(p[:agents])
    for ahead in range(len(p) - agents):
        if p[agents + ahead] < 1e-14:
            continue
        # States: 0..ahead callers in front; each step of the uniformised chain at rate `top`.
        top = agents * mu + (ahead + 1) * gamma
        state = [0.0] * (ahead + 1)
        state[ahead] = 1.0
        answered = 0.0
        steps = int(top * seconds + 10 * math.sqrt(top * seconds + 1) + 20)
        poisson = math.exp(-top * seconds)
        within = 0.0
        for step in range(steps + 1):
            within += poisson * answered
            poisson *= top * seconds / (step + 1)
            moved = [0.0] * (ahead + 1)
            for j, mass in enumerate(state):
                forward = (agents * mu + j * gamma) / top
                if j == 0:
                    answered += mass * agents * mu / top
                else:
                    moved[j - 1] += mass * forward
                moved[j] += mass * (1 - forward - gamma / top)
            state = moved
        served_in_time += p[agents + ahead] * within
    return {"wait": sum(p[agents:]), "abandon": gamma * queue / lam, "service_level": served_in_time}


@pytest.mark.parametrize(
    ("agents", "calls", "aht", "patience", "seconds"),
    [(3, 15, 240, 100, 20), (5, 40, 180, 60, 15), (12, 100, 200, 120, 15), (8, 100, 200, 90, 30)],
)
def test_erlang_a_agrees_with_an_independent_solution(agents, calls, aht, patience, seconds):
    figures = erlang_a_figures(agents, calls=calls, aht=aht, patience=patience, seconds=seconds)
    expected = independent_erlang_a(agents, calls, aht, patience, seconds)
    assert figures.wait_probability == pytest.approx(expected["wait"], abs=1e-9)
    assert figures.abandon_rate == pytest.approx(expected["abandon"], abs=1e-9)
    assert figures.service_level == pytest.approx(expected["service_level"], abs=1e-6)


def test_erlang_a_without_hang_ups_is_erlang_c():
    patient = erlang_a_figures(55, calls=360, aht=240, patience=1e9, seconds=15)
    plain = erlang_c_figures(55, calls=360, aht=240, seconds=15)
    assert patient.wait_probability == pytest.approx(plain.wait_probability, rel=1e-6)
    assert patient.service_level == pytest.approx(plain.service_level, rel=1e-6)
    assert patient.asa == pytest.approx(plain.asa, rel=1e-5)
    assert patient.abandon_rate < 1e-7


def test_erlang_a_keeps_an_overloaded_queue_finite():
    # 40 agents for 48 erlangs: Erlang C's queue grows without bound, Erlang A's callers hang up.
    figures = erlang_a_figures(40, calls=360, aht=240, patience=60, seconds=15)
    assert 0 < figures.abandon_rate < 1
    assert math.isfinite(figures.asa)
    # The answered calls are at most what 40 agents can handle: 40/48 of those offered.
    assert figures.answer_rate <= 40 / 48 + 1e-12


def test_connection_rate_target_uses_erlang_a():
    target = ServiceTarget(service_level=0.0, seconds=15, connection_rate=0.95, patience=60)
    needed = agents_required(calls=360, aht=240, target=target)
    assert needed.model == "erlang-a"
    assert needed.answer_rate >= 0.95
    fewer = queue_figures(needed.agents - 1, calls=360, aht=240, target=target)
    assert fewer.answer_rate < 0.95


def test_a_connection_rate_target_needs_patience():
    with pytest.raises(ValueError, match="patience"):
        ServiceTarget(connection_rate=0.95)


@settings(max_examples=30, deadline=None)
@given(
    calls=st.floats(min_value=1, max_value=3000),
    aht=handling,
    patience=st.floats(min_value=10, max_value=600),
    level=st.floats(min_value=0.5, max_value=0.95),
    rate=st.floats(min_value=0.8, max_value=0.99),
)
def test_erlang_a_required_agents_are_minimal(calls, aht, patience, level, rate):
    target = ServiceTarget(service_level=level, seconds=15, connection_rate=rate, patience=patience)
    needed = agents_required(calls=calls, aht=aht, target=target)
    assert target.met_by(needed)
    assert not target.met_by(queue_figures(needed.agents - 1, calls=calls, aht=aht, target=target))


def test_lowest_daily_connection_rate_weighs_half_hours_by_calls():
    start = dt.datetime(2026, 3, 2, tzinfo=SHANGHAI)
    target = ServiceTarget(service_level=0.0, patience=60)
    rows = []
    for i in range(50):
        calls = 100 if i % 2 else 20
        figures = queue_figures(10, calls=calls, aht=240, target=target)
        rows.append(SlotRequirement(start + dt.timedelta(minutes=30 * i), calls, 10, 10, figures))
    windows = [rows[i : i + 48] for i in range(3)]
    expected = min(sum(r.calls * r.figures.answer_rate for r in w) / sum(r.calls for r in w) for w in windows)
    assert lowest_daily_connection_rate(rows) == pytest.approx(expected)
    assert lowest_daily_connection_rate(rows[:47]) is None


def test_staffing_requirements_keep_someone_on_the_phone_at_night():
    start = dt.datetime(2026, 3, 2, tzinfo=SHANGHAI)
    rows = staffing_requirements(
        [(start, 0.0), (start + dt.timedelta(minutes=30), 360.0)],
        aht=240,
        target=ServiceTarget(0.8, 15),
        shrinkage=0.3,
        min_agents=2,
    )
    assert [(r.agents, r.staff) for r in rows] == [(2, 3), (55, 79)]


# --- Forecast -------------------------------------------------------------------------------------

WORKDAY = [2 + 10 * math.exp(-((((s / 2) - 10) / 2.0) ** 2)) for s in range(48)]
RESTDAY = [1 + 4 * math.exp(-((((s / 2) - 14) / 3.0) ** 2)) for s in range(48)]


def synthetic_history(first: dt.date, last: dt.date, day_pattern) -> list[tuple[dt.datetime, float]]:
    history = []
    day = first
    while day <= last:
        midnight = dt.datetime.combine(day, dt.time(0), tzinfo=SHANGHAI)
        for slot, calls in enumerate(day_pattern(day)):
            if calls:  # half hours without calls are left out, as a GROUP BY would
                history.append((midnight + dt.timedelta(minutes=30 * slot), calls))
        day += dt.timedelta(days=1)
    return history


def by_calendar(day: dt.date) -> list[float]:
    return WORKDAY if is_workday(day) else RESTDAY


def forecast_days(forecast, first_day: dt.date) -> dict[dt.date, list[float]]:
    days: dict[dt.date, list[float]] = {}
    for start, calls in forecast.slots:
        days.setdefault(start.astimezone(SHANGHAI).date(), []).append(calls)
    assert min(days) == first_day
    return days


@pytest.mark.django_db
def test_forecast_follows_working_days_holidays_and_make_up_days():
    # Spring Festival 2026: Sat Feb 14 is a make-up workday, Feb 15–23 are off. The eight weeks of
    # history hold New Year 2026 (Jan 1–2 off, Sun Jan 4 a make-up workday).
    first_day = dt.date(2026, 2, 14)
    history = synthetic_history(first_day - dt.timedelta(weeks=8), first_day - dt.timedelta(days=1), by_calendar)
    forecast = forecast_calls(history, first_day=first_day, days=7, tz=SHANGHAI)
    days = forecast_days(forecast, first_day)
    assert forecast.level == pytest.approx(1.0)
    assert days[dt.date(2026, 2, 14)] == pytest.approx(WORKDAY)  # a Saturday, but a working day
    for holiday in range(15, 21):
        assert days[dt.date(2026, 2, holiday)] == pytest.approx(RESTDAY)
    assert len(forecast.slots) == 7 * 48
    assert forecast.slots[0].start == dt.datetime(2026, 2, 14, tzinfo=SHANGHAI)
    assert forecast.slots[1].start == dt.datetime(2026, 2, 14, 0, 30, tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_forecast_keeps_the_weekday_shape_of_working_days():
    def busy_mondays(day):
        if not is_workday(day):
            return RESTDAY
        return [1.5 * c for c in WORKDAY] if day.weekday() == 0 else WORKDAY

    first_day = dt.date(2026, 3, 2)  # a Monday; Saturday Feb 28 before it was a make-up workday
    history = synthetic_history(first_day - dt.timedelta(weeks=8), first_day - dt.timedelta(days=1), busy_mondays)
    days = forecast_days(forecast_calls(history, first_day=first_day, days=7, tz=SHANGHAI), first_day)
    assert days[dt.date(2026, 3, 2)] == pytest.approx([1.5 * c for c in WORKDAY])
    assert days[dt.date(2026, 3, 3)] == pytest.approx(WORKDAY)
    assert days[dt.date(2026, 3, 7)] == pytest.approx(RESTDAY)

    # A make-up Saturday has no Saturdays of its kind to learn from: it gets the working days' mix.
    first_day = dt.date(2026, 2, 14)
    history = synthetic_history(first_day - dt.timedelta(weeks=8), first_day - dt.timedelta(days=1), busy_mondays)
    saturday = forecast_days(forecast_calls(history, first_day=first_day, days=1, tz=SHANGHAI), first_day)[first_day]
    assert sum(WORKDAY) < sum(saturday) < 1.5 * sum(WORKDAY)


@pytest.mark.django_db
def test_forecast_ignores_one_surge_day():
    first_day = dt.date(2025, 11, 3)
    surge = dt.date(2025, 10, 29)  # a Wednesday: a water main burst, five times the calls

    def pattern(day):
        return [5 * c for c in by_calendar(day)] if day == surge else by_calendar(day)

    history = synthetic_history(first_day - dt.timedelta(weeks=8), first_day - dt.timedelta(days=1), pattern)
    forecast = forecast_calls(history, first_day=first_day, days=7, tz=SHANGHAI)
    days = forecast_days(forecast, first_day)
    assert forecast.level == pytest.approx(1.0)
    assert days[dt.date(2025, 11, 5)] == pytest.approx(WORKDAY)


@pytest.mark.django_db
def test_forecast_carries_a_recent_rise_forward():
    first_day = dt.date(2025, 11, 3)
    rise = first_day - dt.timedelta(days=7)

    def pattern(day):
        return [2 * c for c in by_calendar(day)] if day >= rise else by_calendar(day)

    history = synthetic_history(first_day - dt.timedelta(weeks=8), first_day - dt.timedelta(days=1), pattern)
    forecast = forecast_calls(history, first_day=first_day, days=7, tz=SHANGHAI)
    assert forecast.level == pytest.approx(2.0)
    assert forecast_days(forecast, first_day)[first_day] == pytest.approx([2 * c for c in WORKDAY])


@pytest.mark.django_db
def test_forecast_without_calls_raises():
    with pytest.raises(NoHistory):
        forecast_calls([], first_day=dt.date(2025, 11, 3), days=7, tz=SHANGHAI)
    old = [(dt.datetime(2024, 1, 1, 10, tzinfo=SHANGHAI), 5)]
    with pytest.raises(NoHistory):
        forecast_calls(old, first_day=dt.date(2025, 11, 3), days=7, tz=SHANGHAI)


def test_forecast_uses_the_calendar_it_is_given():
    # Every day a working day: rest-day history is absent, and the forecast still works.
    first_day = dt.date(2025, 11, 3)
    history = synthetic_history(first_day - dt.timedelta(weeks=2), first_day - dt.timedelta(days=1), lambda d: WORKDAY)
    forecast = forecast_calls(history, first_day=first_day, days=2, workday=lambda d: True, tz=SHANGHAI)
    assert [c for _, c in forecast.slots[:48]] == pytest.approx(WORKDAY)


# --- Shift plan -------------------------------------------------------------------------------------

WEEK_START = dt.datetime(2026, 3, 2, tzinfo=SHANGHAI)


def rule_violations(plan, rules: ShiftRules) -> list[str]:
    """Check a plan's roster against the rules, independently of the planner's bookkeeping."""
    problems = []
    allowed_starts = (
        {t.hour * 60 + t.minute for t in rules.start_times}
        if rules.start_times
        else set(range(0, 1440, rules.start_every_minutes))
    )
    for operator, shifts in plan.roster.items():
        days = []
        for shift in shifts:
            local = shift.start.astimezone(SHANGHAI)
            if shift.hours not in rules.shift_hours:
                problems.append(f"{operator}: a {shift.hours} h shift")
            if local.hour * 60 + local.minute not in allowed_starts:
                problems.append(f"{operator}: starts at {local:%H:%M}")
            days.append((local.date() - WEEK_START.date()).days)
        if len(set(days)) != len(days):
            problems.append(f"{operator}: two shifts on one day")
        ordered = sorted(shifts, key=lambda s: s.start)
        for before, after in itertools.pairwise(ordered):
            if (after.start - before.end).total_seconds() < rules.min_rest_hours * 3600:
                problems.append(f"{operator}: rest before {after.start} too short")
        worked = set(days)
        for day in worked:
            run = 1
            while day + run in worked:
                run += 1
            if run > rules.max_consecutive_days:
                problems.append(f"{operator}: {run} days in a row")
        for first in range(min(days, default=0) - 6, max(days, default=0) + 1):
            window = [s for s, d in zip(shifts, days) if first <= d < first + 7]
            if len(window) > 7 - rules.days_off_per_week:
                problems.append(f"{operator}: {len(window)} days worked in the week from day {first}")
            if rules.max_hours_per_week is not None and sum(s.hours for s in window) > rules.max_hours_per_week:
                problems.append(f"{operator}: too many hours in the week from day {first}")
    return problems


def coverage_of(plan) -> list[int]:
    counts = [0] * len(plan.required)
    for shifts in plan.roster.values():
        for shift in shifts:
            for i in range(len(counts)):
                slot = WEEK_START + dt.timedelta(minutes=30 * i)
                if shift.start <= slot < shift.end:
                    counts[i] += 1
    return counts


rule_sets = st.sampled_from(
    [
        ShiftRules(),
        ShiftRules(
            shift_hours=(8.0, 12.0),
            start_every_minutes=30,
            min_rest_hours=11,
            max_consecutive_days=6,
            days_off_per_week=1,
            max_hours_per_week=48,
        ),
        ShiftRules(
            shift_hours=(12.0,),
            start_times=(dt.time(8), dt.time(20)),
            min_rest_hours=12,
            max_consecutive_days=4,
            days_off_per_week=3,
            max_hours_per_week=48,
        ),
        ShiftRules(
            shift_hours=(4.0, 6.0, 8.0),
            start_every_minutes=60,
            min_rest_hours=10,
            max_consecutive_days=5,
            days_off_per_week=2,
            max_hours_per_week=None,
        ),
    ]
)


@settings(max_examples=25, deadline=None)
@given(
    required=st.integers(min_value=1, max_value=7).flatmap(
        lambda n: st.lists(st.integers(min_value=0, max_value=4), min_size=48 * n, max_size=48 * n)
    ),
    operators=st.integers(min_value=1, max_value=25),
    rules=rule_sets,
)
def test_shift_plan_covers_or_reports_and_keeps_the_rules(required, operators, rules):
    names = [f"op{i}" for i in range(operators)]
    plan = shift_plan(required, names, start=WEEK_START, rules=rules)
    assert list(plan.roster) == names
    assert plan.planned == coverage_of(plan)
    assert [(u.start, u.required, u.planned) for u in plan.uncovered] == [
        (WEEK_START + dt.timedelta(minutes=30 * i), need, have)
        for i, (need, have) in enumerate(zip(required, plan.planned))
        if have < need
    ]
    assert rule_violations(plan, rules) == []
    again = shift_plan(required, names, start=WEEK_START, rules=rules)
    assert again.roster == plan.roster  # deterministic


@settings(max_examples=20, deadline=None)
@given(
    required=st.lists(st.integers(min_value=0, max_value=3), min_size=48 * 7, max_size=48 * 7),
    rules=rule_sets,
)
def test_shift_plan_with_enough_operators_covers_everything_without_waste(required, rules):
    # Each placed shift removes at least one staff-half-hour of shortfall, so sum(required)
    # operators can never run out.
    names = list(range(max(1, sum(required))))
    plan = shift_plan(required, names, start=WEEK_START, rules=rules)
    assert plan.covered
    assert all(have >= need for have, need in zip(plan.planned, required))
    assert rule_violations(plan, rules) == []
    # No shift can be dropped: each one is the only cover of some half hour's last needed person.
    for shifts in plan.roster.values():
        for shift in shifts:
            span = [
                i for i in range(len(required)) if shift.start <= WEEK_START + dt.timedelta(minutes=30 * i) < shift.end
            ]
            assert any(plan.planned[i] - 1 < required[i] for i in span)


def test_shift_plan_of_a_flat_week_uses_three_eight_hour_shifts_a_day():
    plan = shift_plan([1] * 48 * 7, [f"op{i}" for i in range(5)], start=WEEK_START)
    assert plan.covered
    assert plan.planned == [1] * 48 * 7
    assert plan.staff_hours == 7 * 24
    counts = plan.shift_counts()
    assert len(counts) == 21 and all(count == 1 for _, count in counts)
    assert {s.start.astimezone(SHANGHAI).hour for s, _ in counts} == {0, 8, 16}


def test_shift_plan_reports_the_half_hours_it_cannot_staff():
    required = [0] * 48 * 7
    required[20] = 2  # Monday 10:00: two people, but there is only one operator
    plan = shift_plan(required, ["alice"], start=WEEK_START)
    assert not plan.covered
    [short] = plan.uncovered
    assert (short.start, short.required, short.planned, short.missing) == (
        WEEK_START + dt.timedelta(hours=10),
        2,
        1,
        1,
    )
    assert len(plan.roster["alice"]) == 1


def test_shift_plan_rest_rules_limit_one_operator():
    # One operator, somebody needed every half hour: at most five 8-hour shifts on five days.
    plan = shift_plan([1] * 48 * 7, ["alice"], start=WEEK_START)
    shifts = plan.roster["alice"]
    assert len(shifts) == 5
    assert sum(s.hours for s in shifts) == 40
    assert sum(u.missing for u in plan.uncovered) == 48 * 7 - 5 * 16


def test_twelve_hour_night_shift_from_the_day_before_covers_the_first_night():
    rules = ShiftRules(
        shift_hours=(12.0,), start_times=(dt.time(8), dt.time(20)), max_hours_per_week=48, days_off_per_week=3
    )
    plan = shift_plan([1] * 48 * 2, [f"op{i}" for i in range(6)], start=WEEK_START, rules=rules)
    assert plan.covered
    first = plan.shift_counts()[0][0]
    assert (first.start, first.end) == (WEEK_START - dt.timedelta(hours=4), WEEK_START + dt.timedelta(hours=8))


def test_shift_rules_reject_impossible_settings():
    with pytest.raises(ValueError):
        ShiftRules(shift_hours=(7.75,))
    with pytest.raises(ValueError):
        ShiftRules(start_every_minutes=45)
    with pytest.raises(ValueError):
        ShiftRules(shift_hours=(12.0,), max_hours_per_week=10)


# --- Planned against actual -------------------------------------------------------------------------


def test_plan_vs_actual_compares_staff_and_service_level():
    slots = [WEEK_START + dt.timedelta(minutes=30 * i) for i in range(4)]
    comparison = plan_vs_actual(
        [(slots[0], 10), (slots[1], 10), (slots[2], 8), (slots[3], 8)],
        actual_agents={slots[0]: 10, slots[1]: 7.5, slots[2]: 9},
        service_level={slots[0]: 0.85, slots[1]: 0.60, slots[2]: 0.90, slots[3]: 0.82},
        offered={slots[0]: 100, slots[1]: 100, slots[2]: 50, slots[3]: 50},
        target_service_level=0.8,
    )
    assert [s.gap for s in comparison.slots] == [0, -2.5, 1, None]
    assert (comparison.understaffed, comparison.overstaffed, comparison.below_target) == (1, 1, 1)
    assert comparison.staffing_ratio == pytest.approx(26.5 / 28)
    assert comparison.service_level == pytest.approx((85 + 60 + 45 + 41) / 300)
    assert comparison.service_level_understaffed == pytest.approx(0.60)
    assert comparison.service_level_staffed == pytest.approx((85 + 45) / 150)


def test_plan_vs_actual_matches_half_hours_across_time_zones():
    utc_start = WEEK_START.astimezone(dt.UTC)
    comparison = plan_vs_actual(
        [(WEEK_START, 3)], actual_agents={utc_start: 2}, service_level={utc_start: 0.7}, target_service_level=0.8
    )
    assert comparison.slots[0].actual == 2
    assert comparison.service_level == pytest.approx(0.7)


# --- The command --------------------------------------------------------------------------------


@pytest.fixture
def call_history(monkeypatch):
    """The call history the plan reads (`selectors.offered_per_half_hour`): the synthetic calendar pattern × 10."""
    asked = []

    def offered_per_half_hour(start, end):
        asked.append((start, end))
        last = (end - dt.timedelta(days=1)).astimezone(SHANGHAI).date()
        return synthetic_history(
            start.astimezone(SHANGHAI).date(), last, lambda d: [round(10 * c) for c in by_calendar(d)]
        )

    monkeypatch.setattr(telephony_selectors, "offered_per_half_hour", offered_per_half_hour)
    return asked


@pytest.mark.django_db
def test_staffing_command_prints_forecast_requirement_and_plan(call_history):
    out = StringIO()
    arguments = "--from 2026-03-02 --days 7 --target-sl 0.8 --target-seconds 15 --aht 240 --operators 100"
    call_command(Command(), *arguments.split(), stdout=out)
    text = out.getvalue()
    assert call_history == [(dt.datetime(2026, 1, 5, tzinfo=SHANGHAI), dt.datetime(2026, 3, 2, tzinfo=SHANGHAI))]
    expected_calls = 5 * sum(round(10 * c) for c in WORKDAY) + 2 * sum(round(10 * c) for c in RESTDAY)
    assert "2026-03-02  一   工作日" in text
    assert "班次" in text and "排班表" in text and "话务员001" in text
    last = text.strip().splitlines()[-1]
    assert last.startswith(f"forecast_calls={expected_calls} peak_agents=")
    assert last.endswith("uncovered_slots=0")


@pytest.mark.django_db
def test_staffing_command_plans_the_centres_operators(call_history):
    for name in ["wang", "li", "zhang"]:
        f.UserFactory(username=name)
    out = StringIO()
    call_command(Command(), "--from", "2026-03-02", "--days", "2", stdout=out)
    text = out.getvalue()
    assert "wang" in text and "zhang" in text
    assert "人员不足" in text  # three people cannot staff a hotline round the clock


@pytest.mark.django_db
def test_staffing_command_without_call_history_exits_with_a_message(capsys):
    with pytest.raises(SystemExit) as exit:
        Command().run_from_argv(["rexian", "staffing", "--from", "2026-03-02", "--operators", "5", "--skip-checks"])
    assert exit.value.code == 1
    error = capsys.readouterr().err
    assert "2026-01-05 至 2026-03-01 没有来电记录，无法预测话务量。" in error
    assert "Traceback" not in error


def test_staffing_command_rejects_a_bad_target():
    with pytest.raises(CommandError, match="patience"):
        call_command(Command(), "--from", "2026-03-02", "--connection-rate", "0.95", "--operators", "5")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command(Command(), "--from", "2 March", "--operators", "5")


def test_shift_rules_come_from_the_settings(settings):
    settings.STAFFING_SHIFT_HOURS = [8, 12]
    settings.STAFFING_SHIFT_START_TIMES = ["08:00", "20:00"]
    settings.STAFFING_MIN_REST_HOURS = 11
    settings.STAFFING_MAX_HOURS_PER_WEEK = 0
    rules = rules_from_settings()
    assert rules.shift_hours == (8.0, 12.0)
    assert rules.start_slots == {16, 40}
    assert rules.min_rest_hours == 11
    assert rules.max_hours_per_week is None
    assert rules.days_off_per_week == ShiftRules().days_off_per_week
