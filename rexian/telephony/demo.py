"""The demo city's calls: one answered call behind every phone order, and the calls that made no order.

`demo_calls_load` runs after the demo's orders are written (`rexian demo`,
inside its transaction) and reads them back: every order taken on the phone
gets the call it was taken on (answered by the operator who registered it,
a few minutes before the registration, linked to the order), and around them
come the calls that produced no order, short and long abandons (more on surge
days, when the queue is long), a few calls the queue let go, callbacks of the
missed callers and the operators' ready / not-ready time. The connection rate
comes out near the seed's 98%.

Calls are written directly (bulk), not rebuilt from events: the demo has no
switch. Their source is "demo". Everything is drawn from `random.Random`
seeded from `seed` and the day: the same orders, seed and `now` give the same
calls. A CTI source "demo" with the token `DEMO_CTI_TOKEN` lets a visitor post
events to the API (docs/telephony.md).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from rexian.catalog.models import Line
from rexian.orders.models import WorkOrder
from rexian.privacy import crypto
from rexian.telephony import staffing
from rexian.telephony.events import caller_number, half_hour_pieces
from rexian.telephony.models import (
    Agent,
    AgentInterval,
    AgentState,
    Call,
    CallbackOutcome,
    CallOrder,
    CtiSource,
    MissedCallCallback,
    Outcome,
    Roster,
)
from rexian.telephony.rollups import call_rollup_rebuild
from rexian.telephony.services import RosterError, roster_publish, roster_shift_reassign, shift_request_create
from rexian.units.models import Role, User

SOURCE = "demo"
DEMO_CTI_TOKEN = "cti_demo-token-not-for-production"
DEMO_ROSTER_AHT = 240  # seconds, the handling time the demo supervisor planned with
REST = dt.timedelta(hours=12)  # the demo's 调班 goes to someone with no shift within 12 hours of it
P_NO_ORDER = 0.07  # answered calls that make no order (hung up, wrong number, asked again)
P_ABANDON = 0.013  # abandoned after 5 s in an ordinary hour; more when the hour is busier than usual
P_ABANDON_MAX = 0.2
P_SHORT_ABANDON = 0.012  # abandoned within 5 s: not counted
P_TIMEOUT = 0.002
P_ABANDONER_GETS_THROUGH = 0.5  # the abandoning caller tries again and gets through the same day


@dataclass
class DemoCallsSummary:
    calls: int = 0
    answered: int = 0
    abandoned: int = 0
    linked_orders: int = 0
    callbacks: int = 0
    agents: int = 0
    intervals: int = 0


def _phone(rng: random.Random) -> str:
    return rng.choice(("13", "15", "18", "17", "19")) + str(rng.randint(0, 9)) + f"{rng.randint(0, 99999999):08d}"


class _Day:
    """One day's calls: the random draws, the call ids and the rows, for `demo_calls_load`."""

    def __init__(self, load: _Load, day: dt.date, rng: random.Random, load_by_hour: dict[int, float]):
        self.load, self.day, self.rng = load, day, rng
        self.load_by_hour = load_by_hour  # this day's calls in each hour ÷ the usual number for that hour
        self.serial = 0

    def busy(self, hour: int) -> float:
        """How much busier than usual the queue is in `hour` (0: as usual; a surge is 1 or more)."""
        return max(0.0, self.load_by_hour.get(hour, 1.0) - 1.2)

    def call_id(self) -> str:
        self.serial += 1
        return f"demo-{self.day:%Y%m%d}-{self.serial:06d}"

    def at(self, hour: int | None = None) -> dt.datetime:
        hour = self.rng.choices(range(24), weights=_HOURS)[0] if hour is None else hour
        return dt.datetime.combine(self.day, dt.time(hour, self.rng.randrange(60), self.rng.randrange(60)),
                                   tzinfo=self.load.tz)

    def answered(self, at: dt.datetime, phone: str, agent: str, line: Line | None, *, talk: tuple) -> Call | None:
        """A call answered by `agent` at `at` (it may still be ringing or talking at `now`)."""
        rng, load, now = self.rng, self.load, self.load.now
        line = line or load.main_line
        busy = self.busy(timezone.localtime(at, load.tz).hour)
        wait = rng.uniform(2, 12) * (1 + busy) if rng.random() < 0.86 else rng.uniform(12, 40) * (1 + 2 * busy)
        answered_at = at
        queued_at = answered_at - dt.timedelta(seconds=wait)
        offered_at = queued_at - dt.timedelta(seconds=rng.uniform(4, 15))
        ended_at = answered_at + dt.timedelta(seconds=rng.uniform(*talk))
        if offered_at > now:
            return None
        answered_at = answered_at if answered_at <= now else None
        ended_at = ended_at if ended_at <= now else None
        call = Call(
            source=SOURCE, call_id=self.call_id(), line=line, dialled=line.number if line else "",
            **load.caller(phone), queue="hotline", offered_at=offered_at, queued_at=queued_at,
            answered_at=answered_at, ended_at=ended_at, presented_to=agent,
            agent_number=agent if answered_at else "", agent_id=load.users.get(agent) if answered_at else None,
            wait_seconds=round(wait, 1) if answered_at else None,
            talk_seconds=round((ended_at - answered_at).total_seconds(), 1) if ended_at and answered_at else None,
            wrap_seconds=round(rng.uniform(10, 60), 1) if ended_at else None,
            outcome=Outcome.ANSWERED if answered_at else Outcome.IN_PROGRESS, event_count=0, updated_at=now,
        )
        load.calls.append(call)
        return call

    def missed(self, kind: str, hour: int, orders: list[tuple]) -> None:
        """An abandoned call in `hour` ("abandon", or "short": within 5 s) or one the queue let go ("timeout")."""
        rng, load = self.rng, self.load
        offered_at = self.at(hour)
        # An order registered later that day, whose call came after this one: the caller tried again.
        later = [o for o in orders if o[1] > offered_at + dt.timedelta(minutes=6)] if kind == "abandon" else []
        gets_through = bool(later) and rng.random() < P_ABANDONER_GETS_THROUGH
        if gets_through:
            phone = later[min(len(later) - 1, int(rng.expovariate(0.5)))][3]
        else:
            phone = _phone(rng)
        busy = self.busy(hour)
        wait = {"abandon": rng.uniform(6, 90) * (1 + busy), "short": rng.uniform(0.5, 4.5), "timeout": 300.0}[kind]
        queued_at = offered_at + dt.timedelta(seconds=rng.uniform(4, 15))
        gone_at = queued_at + dt.timedelta(seconds=wait)
        if gone_at > load.now or offered_at < load.start:
            return
        line = load.main_line
        call = Call(
            source=SOURCE, call_id=self.call_id(), line=line, dialled=line.number if line else "",
            **load.caller(phone), queue="hotline", offered_at=offered_at, queued_at=queued_at,
            abandoned_at=gone_at, ended_at=gone_at, wait_seconds=round(wait, 1),
            outcome=Outcome.UNANSWERED if kind == "timeout" else Outcome.ABANDONED, event_count=0,
            updated_at=load.now,
        )
        load.calls.append(call)
        if not gets_through and kind != "short":
            # 漏接回拨: most are called back within the half hour, some later, a few not yet.
            draw = rng.random()
            delay = rng.uniform(3, 28) if draw < 0.85 else rng.uniform(35, 180) if draw < 0.95 else None
            if delay is not None and gone_at + dt.timedelta(minutes=delay) <= load.now:
                outcome = rng.choices(
                    (CallbackOutcome.REACHED, CallbackOutcome.NO_ANSWER, CallbackOutcome.INVALID),
                    weights=(0.8, 0.15, 0.05),
                )[0]
                load.callbacks.append((call.call_id, MissedCallCallback(
                    operator_id=rng.choice(load.callback_staff), at=gone_at + dt.timedelta(minutes=delay),
                    outcome=outcome,
                )))


class _Load:
    """What all days share: the time frame, lines, operators, caller hashes and the rows to write."""

    def __init__(self, *, now: dt.datetime, days: int, operators: dict[int, str]):
        self.tz = timezone.get_current_timezone()
        self.now = now
        self.today = timezone.localtime(now, self.tz).date()
        self.first_day = self.today - dt.timedelta(days=days - 1)
        self.start = dt.datetime.combine(self.first_day, dt.time(), tzinfo=self.tz)
        self.operators = operators
        self.users = {number: pk for pk, number in operators.items()}
        self.agent_numbers = sorted(self.users)
        self.callback_staff = list(operators)
        self.lines = {line.pk: line for line in Line.objects.all()}
        self.main_line = next((line for line in self.lines.values() if line.number == "12345"), None)
        self.hashes: dict[str, tuple[str, str]] = {}
        self.calls: list[Call] = []
        self.links: list[tuple[str, int]] = []
        self.callbacks: list[tuple[str, MissedCallCallback]] = []

    def caller(self, phone: str) -> dict:
        if phone not in self.hashes:
            number = caller_number(phone)
            self.hashes[phone] = (number, crypto.phone_hash(number) if number else "")
        number, digest = self.hashes[phone]
        return {"caller": number, "caller_hash": digest}


def demo_calls_load(
    *, now: dt.datetime, days: int, seed: int, progress: Callable[[int, int], None] | None = None
) -> DemoCallsSummary:
    """Write the demo's calls for the `days` days ending at `now`, matching the phone orders already loaded.

    Only the demo loader calls this, after its orders are written and in its
    transaction. `progress(done, total)` is called after each day.
    """
    summary = DemoCallsSummary()
    operators = dict(User.objects.filter(role=Role.OPERATOR).exclude(agent_number="")
                     .values_list("pk", "agent_number"))
    if not operators:
        return summary
    load = _Load(now=now, days=days, operators=operators)
    orders_by_day: dict[dt.date, list[tuple]] = defaultdict(list)
    for row in (
        WorkOrder.objects.filter(channel__code="phone", registered_at__gte=load.start, registered_at__lte=now)
        .order_by("registered_at", "pk")
        .values_list("pk", "registered_at", "registered_by_id", "caller_phone", "line_id")
    ):
        orders_by_day[timezone.localtime(row[1], load.tz).date()].append(row)
    # Each hour's load against the usual for that hour of the day: a surge makes the queue long.
    hourly = {day: _per_hour(rows, load.tz) for day, rows in orders_by_day.items()}
    usual = {hour: statistics.median([hourly.get(load.first_day + dt.timedelta(days=i), {}).get(hour, 0)
                                      for i in range(days)]) for hour in range(24)}
    for index in range(days):
        day = load.first_day + dt.timedelta(days=index)
        orders = orders_by_day.get(day, [])
        counts = hourly.get(day, {})
        today = _Day(load, day, random.Random(seed * 7_919 + (load.today - day).days),
                     {hour: (counts.get(hour, 0) + 3) / (usual[hour] + 3) for hour in range(24)})
        # Every phone order was taken on a call, answered a minute or three before it was registered.
        for pk, registered_at, registered_by, phone, line_id in orders:
            agent = operators.get(registered_by) or today.rng.choice(load.agent_numbers)
            at = registered_at - dt.timedelta(seconds=today.rng.uniform(45, 200))
            call = today.answered(at, phone, agent, load.lines.get(line_id), talk=(60, 420))
            if call is not None:
                load.links.append((call.call_id, pk))
        for _ in range(round(len(orders) * P_NO_ORDER)):
            today.answered(today.at(), _phone(today.rng), today.rng.choice(load.agent_numbers), None, talk=(15, 120))
        for hour in range(24):
            offered = (counts.get(hour, 0) or usual[hour]) * (1 + P_NO_ORDER)
            abandon = min(P_ABANDON_MAX, P_ABANDON * (1 + 3 * today.busy(hour)))
            for kind, share in (("abandon", abandon), ("short", P_SHORT_ABANDON), ("timeout", P_TIMEOUT)):
                expected = offered * share
                for _ in range(int(expected) + (today.rng.random() < expected % 1)):
                    today.missed(kind, hour, orders)
        if progress is not None:
            progress(index + 1, days)
    Call.objects.bulk_create(load.calls, batch_size=2000)
    ids = dict(Call.objects.filter(source=SOURCE).values_list("call_id", "pk"))
    CallOrder.objects.bulk_create(
        [CallOrder(call_id=ids[call], order_id=order, linked_at=now) for call, order in load.links], batch_size=5000
    )
    for call, callback in load.callbacks:
        callback.call_id = ids[call]
    MissedCallCallback.objects.bulk_create([callback for _, callback in load.callbacks], batch_size=5000)
    summary.intervals, summary.agents = _agent_time(load.calls, operators, now, random.Random(seed + 17))
    call_rollup_rebuild()  # the calls and intervals were written in bulk, without the events that refresh them
    summary.calls = len(load.calls)
    summary.answered = sum(1 for c in load.calls if c.outcome == Outcome.ANSWERED)
    summary.abandoned = sum(1 for c in load.calls if c.outcome == Outcome.ABANDONED)
    summary.linked_orders = len(load.links)
    summary.callbacks = len(load.callbacks)
    if not CtiSource.objects.filter(code=SOURCE).exists():
        source = CtiSource(code=SOURCE, name="演示交换机 demo switch")
        source.set_token(DEMO_CTI_TOKEN)
        source.save()
    return summary


def _per_hour(rows: list[tuple], tz) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for row in rows:
        counts[timezone.localtime(row[1], tz).hour] += 1
    return counts


# The demo's orders arrive by hour like this (rexian/demo/data.py HOUR_WEIGHTS): calls without an order too.
_HOURS = (0.6, 0.4, 0.3, 0.25, 0.25, 0.4, 0.9, 2.2, 4.8, 7.2, 7.6, 6.2, 3.9, 4.2, 6.6, 7.0, 6.6, 4.9, 3.3, 3.0,
          2.8, 2.2, 1.5, 1.0)


# Staffing the demo's seats: a centre staffs each hour for its traffic A (erlangs) with about
# A + BETA·√A operators ready (square-root staffing, the shape Erlang C gives for a good service level),
# at least MIN_READY: occupancy A ÷ (A + BETA·√A) is about 0.65-0.7 in the demo's busy hours (A ≈ 3) and
# low at night, when one operator waits for the odd call.
STAFFING_BETA = 0.8
MIN_READY = 1.0
SESSION_GAP = dt.timedelta(minutes=45)  # a longer break between calls is logged out, a shorter one not ready


def _occupancy_by_hour(calls: list[Call], now: dt.datetime, tz) -> dict[tuple[dt.date, int], float]:
    """The occupancy a centre staffed for each local hour's traffic would run at, from the demo's answered calls."""
    busy: dict[tuple[dt.date, int], float] = defaultdict(float)
    for call in calls:
        if call.answered_at is not None:
            local = timezone.localtime(call.answered_at, tz)
            busy[(local.date(), local.hour)] += ((call.ended_at or now) - call.answered_at).total_seconds() + (
                call.wrap_seconds or 0)
    occupancy = {}
    for slot, seconds in busy.items():
        erlangs = seconds / 3600
        occupancy[slot] = min(0.9, erlangs / max(MIN_READY, erlangs + STAFFING_BETA * erlangs ** 0.5))
    return occupancy


def _agent_time(calls: list[Call], operators: dict[int, str], now: dt.datetime, rng: random.Random) -> tuple[int, int]:
    """Each operator's ready, not-ready and logged-out time around the calls they answered.

    Before each call the operator waits ready for it: an idle time drawn so that talk ÷ ready (occupancy,
    see figures.py) comes out as a centre staffed for that hour's traffic would run (`_occupancy_by_hour`).
    After the call comes the wrap-up (after-call work, not ready), then other work (callbacks, records: not
    ready) until they wait for their next call, or, after a break longer than SESSION_GAP, nothing (logged
    out). A state that runs at `now` is the seat's current, open state.
    """
    tz = timezone.get_current_timezone()
    occupancy = _occupancy_by_hour(calls, now, tz)
    by_agent: dict[str, list[tuple[dt.datetime, dt.datetime, float]]] = defaultdict(list)
    for call in calls:
        if call.answered_at is not None:
            by_agent[call.agent_number].append((call.answered_at, call.ended_at or now, call.wrap_seconds or 0.0))
    users = {number: pk for pk, number in operators.items()}
    agents = {a.agent_number: a for a in Agent.objects.filter(agent_number__in=list(users))}
    for number, pk in users.items():
        if number not in agents:
            agents[number] = Agent(agent_number=number, user_id=pk)
    Agent.objects.bulk_create([a for a in agents.values() if a.pk is None])
    agents = {a.agent_number: a for a in Agent.objects.filter(agent_number__in=list(users))}
    pieces: list[AgentInterval] = []
    for number, spans in by_agent.items():
        agent = agents[number]
        spans.sort()
        states: list[tuple[str, dt.datetime, dt.datetime]] = []
        free_at: dt.datetime | None = None  # when the previous call's wrap-up ended
        for answered, ended, wrap in spans:
            if free_at is not None and ended <= free_at:
                continue  # answered while still on the previous call (the demo draws calls per order): no new time
            local = timezone.localtime(answered, tz)
            rho = occupancy.get((local.date(), local.hour), 0.5)
            talk = (ended - answered).total_seconds()
            idle = min(SESSION_GAP.total_seconds(), rng.expovariate(rho / (talk * (1 - rho))) if talk > 0 else 0.0)
            ready_from = answered - dt.timedelta(seconds=idle)
            if free_at is not None:
                if ready_from <= free_at:
                    ready_from = free_at
                elif ready_from - free_at < SESSION_GAP:
                    states.append((AgentState.NOT_READY, free_at, ready_from))
            states.append((AgentState.READY, ready_from, ended))
            free_at = min(now, ended + dt.timedelta(seconds=wrap))
            if free_at > ended:
                states.append((AgentState.NOT_READY, ended, free_at))
        for state, a, b in states:
            if b >= now:
                pieces.append(AgentInterval(agent=agent, state=state, started_at=a))
                agent.state, agent.state_since = state, a
                break
            pieces.extend(
                AgentInterval(agent=agent, state=s, started_at=x, ended_at=y, seconds=(y - x).total_seconds())
                for s, x, y in half_hour_pieces(state, a, b)
            )
    AgentInterval.objects.bulk_create(pieces, batch_size=5000)
    Agent.objects.bulk_update(list(agents.values()), ["state", "state_since"])
    return len(pieces), len(agents)


def demo_roster_load(*, now: dt.datetime, days: int) -> Roster | None:
    """The 排班 the demo supervisor published for the past week (fewer days in a demo of under eight) and the next
    week: every operator's shifts, 我的排班 for the operators, the plan against what happened for the days gone
    by, and one 调班.

    Only the demo loader calls this, after the `days` days of calls. None when there is no supervisor or no day of
    calls before the roster's first day to plan from.
    """
    supervisor = User.objects.filter(username="supervisor").first()
    if supervisor is None:
        return None
    today = timezone.localtime(now).date()
    first_day = today - dt.timedelta(days=max(0, min(7, days - 2)))  # a day of calls before it at least
    try:
        roster = roster_publish(
            actor=supervisor, first_day=first_day, days=(today - first_day).days + 7,
            target=staffing.ServiceTarget(service_level=0.8, seconds=15), aht=DEMO_ROSTER_AHT, shrinkage=0.3,
            note="排班（演示）", now=now - dt.timedelta(days=(today - first_day).days + 1),
        )
    except RosterError:
        return None
    # One of tomorrow's shifts (the demo operator's, if they have one) is handed to a colleague who is off then.
    tomorrow = sorted(roster.shifts.filter(day=today + dt.timedelta(days=1)).select_related("operator"),
                      key=lambda shift: (shift.operator.username != "operator", shift.starts_at, shift.pk))
    operators = User.objects.filter(role=Role.OPERATOR, is_active=True).order_by("username")
    for shift in tomorrow:
        busy = roster.shifts.filter(starts_at__lt=shift.ends_at + REST, ends_at__gt=shift.starts_at - REST)
        free = operators.exclude(pk__in=busy.values("operator")).first()
        if free is not None:
            roster_shift_reassign(actor=supervisor, shift=shift, operator=free, reason="家中有事，与同事调班", now=now)
            break
    _demo_shift_requests(roster, operators, today=today, now=now)
    return roster


def _demo_shift_requests(roster: Roster, operators, *, today: dt.date, now: dt.datetime) -> None:
    """Two requests waiting: a colleague's 请假 for the supervisor to decide (换班申请), and a colleague asking the
    demo operator to take a shift (我的排班, 请我接班)."""
    demo_operator = operators.filter(username="operator").first()
    others = roster.shifts.exclude(operator__username="operator").select_related("operator").order_by("starts_at")
    leave = others.filter(day=today + dt.timedelta(days=3)).first()
    if leave is not None:
        with contextlib.suppress(RosterError):
            shift_request_create(actor=leave.operator, shift=leave, reason="孩子发烧，请假一天", now=now)
    if demo_operator is None:
        return
    for shift in others.filter(day=today + dt.timedelta(days=4)):
        busy = roster.shifts.filter(operator=demo_operator, starts_at__lt=shift.ends_at + REST,
                                    ends_at__gt=shift.starts_at - REST)
        if not busy.exists():
            with contextlib.suppress(RosterError):
                shift_request_create(actor=shift.operator, shift=shift, colleague=demo_operator,
                                     reason="参加业务培训，请帮忙顶班", now=now)
                return
