"""Reads of the telephony app: the operator's current call, the screen pop, the missed-call list (漏接回拨), the
staffing plan (排班) and the published rosters.

The figures (connection rate and the rest) are in `rexian.telephony.figures`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from rexian.catalog.calendar import is_workday
from rexian.core.paging import page_rows
from rexian.orders import access
from rexian.orders.selectors import OrderRow, caller_history
from rexian.privacy import crypto
from rexian.privacy.services import personal_data_access_log
from rexian.telephony import conf, staffing
from rexian.telephony.figures import call_figures
from rexian.telephony.models import (
    Call,
    CallbackOutcome,
    MissedCallCallback,
    Outcome,
    Roster,
    RosterShift,
    ShiftRequest,
)
from rexian.units.models import Role, User

STAFFING_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})  # who plans, publishes and changes rosters
SLOT = dt.timedelta(minutes=staffing.SLOT_MINUTES)
ROSTER_MAX_DAYS = 14  # the longest plan the page makes; the rosters that may cover a day start this close to it
# A call still "live" after this long lost its end event: it is nobody's current call any more.
LIVE_CALL_MAX = dt.timedelta(hours=12)
MISSED = (Outcome.ABANDONED, Outcome.UNANSWERED)


def current_call_for(user, *, now: dt.datetime | None = None) -> Call | None:
    """The call `user` is talking on now: answered by their agent number (工号) and not ended."""
    if not getattr(user, "agent_number", ""):
        return None
    now = now or timezone.now()
    return (
        Call.objects.filter(
            agent_number=user.agent_number, answered_at__isnull=False, ended_at__isnull=True,
            offered_at__gte=now - LIVE_CALL_MAX,
        )
        .order_by("-answered_at")
        .first()
    )


def ringing_call_for(user, *, now: dt.datetime | None = None) -> Call | None:
    """The call ringing at `user`'s seat now (presented to their agent number, not answered, not over)."""
    if not getattr(user, "agent_number", ""):
        return None
    now = now or timezone.now()
    return (
        Call.objects.filter(
            presented_to=user.agent_number, outcome=Outcome.IN_PROGRESS, ended_at__isnull=True,
            offered_at__gte=now - LIVE_CALL_MAX,
        )
        .order_by("-offered_at")
        .first()
    )


@dataclass(frozen=True)
class ScreenPop:  # 来电弹屏
    """What the operator's intake page shows as a call rings or is answered: who calls, and their history."""

    call: Call
    ringing: bool
    caller_masked: str
    line_name: str
    calls_last_30_days: int
    missed_last_30_days: int
    history: list[OrderRow]


def screen_pop_for(user, *, now: dt.datetime | None = None, history_limit: int = 10) -> ScreenPop | None:
    """The screen pop for `user`'s ringing or current call, or None when their phone is quiet.

    The caller's number is decrypted only here, to look up their earlier
    orders through `caller_history` (which applies the user's access rights);
    the result carries it masked. Only centre staff with an agent number have
    a screen pop: anyone else gets PermissionDenied.
    """
    if user.role not in access.FULL_CONTACT_ROLES:
        raise PermissionDenied(_("只有中心话务人员有来电弹屏。"))
    now = now or timezone.now()
    call = ringing_call_for(user, now=now)
    ringing = call is not None
    if call is None:
        call = current_call_for(user, now=now)
    if call is None:
        return None
    history: list[OrderRow] = []
    calls = missed = 0
    if call.caller_hash:
        history = caller_history(user=user, phone=call.caller, limit=history_limit)
        recent = Call.objects.filter(caller_hash=call.caller_hash, offered_at__gte=now - dt.timedelta(days=30))
        counts = recent.aggregate(calls=Count("pk"), missed=Count("pk", filter=Q(outcome__in=MISSED)))
        calls, missed = counts["calls"], counts["missed"]
    return ScreenPop(
        call=call, ringing=ringing, caller_masked=crypto.mask_phone(call.caller),
        line_name=str(call.line) if call.line_id else call.dialled, calls_last_30_days=calls,
        missed_last_30_days=missed, history=history,
    )


# --- Missed calls (漏接回拨) --------------------------------------------------------------------------------------


def _missed_base(start: dt.datetime, end: dt.datetime) -> QuerySet[Call]:
    """Calls in [start, end) that did not get through and whose caller did not get through (or try again) later.

    A missed call (abandoned, or let go by the queue) from a known number,
    not a short abandon, with no later call from the same number within the
    window (MISSED_CALL_WINDOW_HOURS) other than a short abandon: a later
    answered call means the caller got through by themselves, a later missed
    call replaces this one on the list (one entry per caller and episode).
    """
    window = dt.timedelta(hours=conf.missed_call_window_hours())
    short = conf.short_abandon_seconds()
    later = Call.objects.filter(
        caller_hash=OuterRef("caller_hash"), offered_at__gt=OuterRef("offered_at"),
        offered_at__lte=OuterRef("offered_at") + Value(window),
    ).exclude(outcome=Outcome.IN_PROGRESS).exclude(outcome=Outcome.ABANDONED, wait_seconds__lte=short)
    return (
        Call.objects.filter(offered_at__gte=start, offered_at__lt=end, outcome__in=MISSED)
        .exclude(caller_hash="")
        .exclude(outcome=Outcome.ABANDONED, wait_seconds__lte=short)
        .filter(~Exists(later))
    )


def _with_callbacks(calls: QuerySet[Call]) -> QuerySet[Call]:
    attempts = MissedCallCallback.objects.filter(call=OuterRef("pk"))
    first = attempts.order_by("at").values("at")[:1]
    done = attempts.filter(outcome__in=(CallbackOutcome.REACHED, CallbackOutcome.INVALID))
    return calls.annotate(
        missed_at=Coalesce("abandoned_at", "offered_at"),
        first_callback_at=Subquery(first),
        last_outcome=Subquery(attempts.order_by("-at", "-pk").values("outcome")[:1]),
        callback_attempts=Coalesce(
            Subquery(attempts.order_by().values("call").annotate(n=Count("pk")).values("n")[:1]), 0
        ),
        callback_done=Exists(done),
    )


def missed_calls(
    *, start: dt.datetime, end: dt.datetime, open_only: bool = True, page: int = 1, page_size: int = 50
) -> list[Call]:
    """The missed-call callback list (漏接回拨) for calls offered in [start, end), oldest first.

    Each call carries `missed_at`, `first_callback_at`, `callback_attempts`,
    `last_outcome` (of the latest attempt, None before any) and `callback_done`
    (reached, or the number is invalid). With `open_only` the list leaves out
    callers already reached, wrong numbers and callers tried
    CALLBACK_MAX_ATTEMPTS times. Caller numbers stay encrypted: show them
    masked (`crypto.mask_phone`) and fetch the full number for a callback with
    `missed_call_phone`.
    """
    return missed_call_page(start=start, end=end, open_only=open_only, page=page, page_size=page_size)[0]


def missed_call_page(
    *, start: dt.datetime, end: dt.datetime, open_only: bool = True, page: int = 1, page_size: int = 50
) -> tuple[list[Call], bool]:
    """One page of `missed_calls` and whether another follows (one row more is read, not counted)."""
    calls = _with_callbacks(_missed_base(start, end)).select_related("line")
    if open_only:
        calls = calls.filter(callback_done=False, callback_attempts__lt=settings.CALLBACK_MAX_ATTEMPTS)
    page = max(page, 1)
    page_size = max(1, min(page_size, 200))
    rows = list(calls.order_by("offered_at", "pk")[(page - 1) * page_size : page * page_size + 1])
    return rows[:page_size], len(rows) > page_size


def missed_call_by_id(pk: int) -> Call | None:
    """The call `pk` if it did not get through and came from a known number (a callback can be recorded)."""
    return Call.objects.filter(pk=pk, outcome__in=MISSED).exclude(caller_hash="").first()


@dataclass(frozen=True)
class MissedCallFigures:
    missed: int  # callers who did not get through (one per caller and episode)
    called_back: int  # of them, with at least one callback attempt
    called_back_in_time: int  # first attempt within MISSED_CALL_CALLBACK_MINUTES of the missed call
    reached: int  # a callback reached the caller

    @property
    def called_back_in_time_rate(self) -> float | None:
        return self.called_back_in_time / self.missed if self.missed else None


def missed_call_figures(*, start: dt.datetime, end: dt.datetime) -> MissedCallFigures:
    """How the centre called back its missed callers in [start, end): counted in SQL."""
    limit = dt.timedelta(minutes=conf.missed_call_callback_minutes())
    in_time = MissedCallCallback.objects.filter(
        call=OuterRef("pk"), at__lte=Coalesce(OuterRef("abandoned_at"), OuterRef("offered_at")) + Value(limit)
    )
    reached = MissedCallCallback.objects.filter(call=OuterRef("pk"), outcome=CallbackOutcome.REACHED)
    any_attempt = MissedCallCallback.objects.filter(call=OuterRef("pk"))
    row = (
        _missed_base(start, end)
        .annotate(was_tried=Exists(any_attempt), was_in_time=Exists(in_time), was_reached=Exists(reached))
        .aggregate(
            missed=Count("pk"),
            called_back=Count("pk", filter=Q(was_tried=True)),
            in_time=Count("pk", filter=Q(was_in_time=True)),
            reached=Count("pk", filter=Q(was_reached=True)),
        )
    )
    return MissedCallFigures(row["missed"], row["called_back"], row["in_time"], row["reached"])


def missed_call_phone(*, user, call: Call) -> str:
    """The full number of a missed caller, for the operator calling back; the read is logged.

    Only centre staff who contact citizens may read it (PermissionDenied for
    anyone else, unit staff included).
    """
    if user.role not in access.FULL_CONTACT_ROLES:
        raise PermissionDenied(_("您无权查看来电号码。"))
    if call.caller:
        personal_data_access_log(
            user=user, subject_type="call", subject_id=str(call.pk), fields=["phone"], purpose="漏接回拨"
        )
    return call.caller


def offered_per_half_hour(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, int]]:
    """(half-hour start, calls offered) for calls offered in [start, end): the staffing forecast's history.

    "Offered" is the connection rate's denominator (calls abandoned within the short-abandon
    threshold left out), counted in SQL by `figures.call_figures`. Empty half hours are left out.
    """
    from rexian.telephony.figures import call_figures

    return [(row.key, row.offered) for row in call_figures(start, end, by="half_hour") if row.offered]


@dataclass(frozen=True)
class StaffingDay:
    day: dt.date
    workday: bool
    calls: float  # expected
    peak_start: dt.datetime  # the busiest half hour, local
    peak_calls: float
    peak_agents: int
    agent_hours: float  # on the phone
    staff_hours: float  # scheduled, after shrinkage


@dataclass(frozen=True)
class StaffingPlan:  # 排班
    """The forecast, the requirement per half hour and the shift plan for `days` days from `first_day`."""

    first_day: dt.date
    days: int
    forecast: staffing.Forecast
    requirements: list[staffing.SlotRequirement]  # one per half hour
    plan: staffing.ShiftPlan

    def day_rows(self) -> list[list[staffing.SlotRequirement]]:
        """The requirements cut into days (48 half hours each)."""
        per_day = len(self.requirements) // self.days
        return [self.requirements[n * per_day : (n + 1) * per_day] for n in range(self.days)]

    def day_summaries(self) -> list[StaffingDay]:
        """Each day's calls, busiest half hour (the first of equals), agent-hours and staff-hours."""
        result = []
        for n, rows in enumerate(self.day_rows()):
            day = self.first_day + dt.timedelta(days=n)
            peak = max(rows, key=lambda r: (r.calls, -r.start.timestamp()))
            result.append(StaffingDay(
                day=day, workday=is_workday(day), calls=sum(r.calls for r in rows),
                peak_start=timezone.localtime(peak.start), peak_calls=peak.calls, peak_agents=peak.agents,
                agent_hours=sum(r.agents for r in rows) / 2, staff_hours=sum(r.staff for r in rows) / 2,
            ))
        return result

    def hourly(self, field: str) -> list[list[int]]:
        """Per day, the 24 hours' `field` ("agents" or "staff"): the larger of each hour's two half hours."""
        days = [[getattr(r, field) for r in rows] for rows in self.day_rows()]
        return [[max(day[2 * hour], day[2 * hour + 1]) for hour in range(24)] for day in days]

    def shifts_by_day(self) -> dict[dt.date, list[tuple[dt.datetime, dt.datetime, int]]]:
        """{day: [(local start, local end, operators working it)]}, the shifts of each day in time order."""
        result: dict[dt.date, list] = {}
        for shift, count in self.plan.shift_counts():
            start, end = timezone.localtime(shift.start), timezone.localtime(shift.end)
            result.setdefault(start.date(), []).append((start, end, count))
        return result

    def roster_by_day(self) -> dict[object, dict[dt.date, tuple[dt.datetime, dt.datetime]]]:
        """{operator: {day: (local start, local end)}}: each operator's shifts by the day they start."""
        result: dict = {}
        for key, shifts in self.plan.roster.items():
            days = result[key] = {}
            for shift in shifts:
                start, end = timezone.localtime(shift.start), timezone.localtime(shift.end)
                days[start.date()] = (start, end)
        return result


def active_operator_names() -> list[str]:
    """The usernames of the active operators, the people a shift plan is made for."""
    return list(User.objects.filter(role=Role.OPERATOR, is_active=True).order_by("username")
                .values_list("username", flat=True))


def operator_display_names(usernames: Sequence[str]) -> dict[str, str]:
    """{username: the person's name as the console shows it} for a roster."""
    return {user.username: str(user) for user in User.objects.filter(username__in=list(usernames))}


def staffing_plan(
    *, first_day: dt.date, days: int, target: staffing.ServiceTarget, aht: float, shrinkage: float,
    operators: Sequence[str], history_weeks: int = 8, min_agents: int = 1, rules: staffing.ShiftRules | None = None,
) -> StaffingPlan:
    """排班: forecast the calls per half hour from the `history_weeks` weeks before `first_day`, work out the agents
    the `target` needs (Erlang C, or A with the callers' patience) and plan shifts for `operators`.

    Raises `staffing.NoHistory` when those weeks hold no calls. The rules live in `rexian.telephony.staffing`.
    """
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first_day, dt.time(0), tzinfo=tz)
    history = offered_per_half_hour(start - dt.timedelta(weeks=history_weeks), start)
    forecast = staffing.forecast_calls(history, first_day=first_day, days=days, weeks=history_weeks, tz=tz)
    requirements = staffing.staffing_requirements(
        forecast.slots, aht=aht, target=target, shrinkage=shrinkage, min_agents=min_agents
    )
    plan = staffing.shift_plan([r.staff for r in requirements], list(operators), start=start,
                               rules=rules or staffing.rules_from_settings())
    return StaffingPlan(first_day, days, forecast, requirements, plan)


class NoOperators(Exception):
    """The centre has no active operator to plan shifts for."""


def centre_staffing_plan(
    *, first_day: dt.date, days: int, target: staffing.ServiceTarget, aht: float, shrinkage: float
) -> StaffingPlan:
    """The 排班 page's plan: `staffing_plan` for the centre's active operators. Raises NoOperators, or
    `staffing.NoHistory` when the weeks before `first_day` hold no calls."""
    operators = active_operator_names()
    if not operators:
        raise NoOperators
    return staffing_plan(first_day=first_day, days=days, target=target, aht=aht, shrinkage=shrinkage,
                         operators=operators)


# --- Rosters (排班表): the published plans, the shifts in force, the plan against what happened --------------------


def may_plan_staffing(user) -> bool:
    """Supervisors and admins make the plan, publish it and hand shifts over (调班)."""
    return user.is_authenticated and user.is_active and user.role in STAFFING_ROLES


def require_planner(user) -> None:
    """PermissionDenied, with the reason, for anyone but the supervisors and admins who plan staffing."""
    if not may_plan_staffing(user):
        raise PermissionDenied(_("只有值班长和系统管理员可以查看排班。"))


def roster_get(pk: int) -> Roster:
    """One published roster (Roster.DoesNotExist otherwise); for supervisors and admins, whom the caller checked."""
    return Roster.objects.select_related("published_by").get(pk=pk)


def roster_shift_get(pk: int, *, roster: Roster | None = None) -> RosterShift:
    """One shift, of `roster` when given (RosterShift.DoesNotExist otherwise)."""
    shifts = RosterShift.objects.select_related("roster", "operator")
    return shifts.get(pk=pk, **({"roster": roster} if roster is not None else {}))


def roster_page(*, page: int = 1, page_size: int = 20) -> tuple[list[Roster], int, bool]:
    """The published rosters, the latest first: (rows, page, whether another page follows)."""
    return page_rows(Roster.objects.select_related("published_by"), page, page_size)


def rosters_in_force(first_day: dt.date, last_day: dt.date) -> dict[dt.date, Roster]:
    """{day: the roster in force} for the days from `first_day` to `last_day` a published roster covers: of the
    rosters covering a day, the one published last."""
    candidates = Roster.objects.filter(
        first_day__lte=last_day, first_day__gt=first_day - dt.timedelta(days=ROSTER_MAX_DAYS)
    ).order_by("published_at", "id")
    result: dict[dt.date, Roster] = {}
    for roster in candidates:  # a later one takes over the days it covers
        for n in range(roster.days):
            day = roster.first_day + dt.timedelta(days=n)
            if first_day <= day <= last_day:
                result[day] = roster
    return result


def roster_days_in_force(roster: Roster) -> list[dt.date]:
    """The days of `roster` no later roster has taken over."""
    return rosters_days_in_force([roster])[roster.pk]


def rosters_days_in_force(rosters: Sequence[Roster]) -> dict[int, list[dt.date]]:
    """{roster id: its days no later roster has taken over} for a page of rosters, in one query."""
    result: dict[int, list[dt.date]] = {roster.pk: [] for roster in rosters}
    if rosters:
        span = rosters_in_force(min(r.first_day for r in rosters), max(r.last_day for r in rosters))
        for day, found in sorted(span.items()):
            if found.pk in result:
                result[found.pk].append(day)
    return result


def shifts_in_force(first_day: dt.date, last_day: dt.date, *, operator=None) -> QuerySet[RosterShift]:
    """The shifts starting on those days in the roster in force on each, by start and operator."""
    days_by_roster: dict[int, list[dt.date]] = {}
    for day, roster in rosters_in_force(first_day, last_day).items():
        days_by_roster.setdefault(roster.pk, []).append(day)
    if not days_by_roster:
        return RosterShift.objects.none()
    condition = Q()
    for pk, days in days_by_roster.items():
        condition |= Q(roster_id=pk, day__in=days)
    shifts = RosterShift.objects.filter(condition)
    if operator is not None:
        shifts = shifts.filter(operator=operator)
    return shifts.select_related("operator").order_by("starts_at", "operator__username", "id")


def operators_free_for(shift: RosterShift) -> QuerySet[User]:
    """The active operators who could take `shift`: not on it, and with no shift in force overlapping it (the
    choices a 换班 or 调班 offers; the service checks again when it is made)."""
    around = shifts_in_force(shift.day - dt.timedelta(days=1), shift.day + dt.timedelta(days=1))
    busy = {s.operator_id for s in around if s.starts_at < shift.ends_at and shift.starts_at < s.ends_at}
    return (User.objects.filter(role=Role.OPERATOR, is_active=True).exclude(pk__in=busy | {shift.operator_id})
            .order_by("username"))


# --- 换班/请假申请 ---------------------------------------------------------------------------------------------

SHIFT_REQUEST_DAYS = 30  # how far back 我的排班 lists an operator's requests


def _shift_requests() -> QuerySet[ShiftRequest]:
    return ShiftRequest.objects.select_related("shift__operator", "requested_by", "colleague", "decided_by")


def shift_request_get(pk: int) -> ShiftRequest:
    """One request (ShiftRequest.DoesNotExist otherwise); the service checks who may act on it."""
    return _shift_requests().get(pk=pk)


def _waiting(now: dt.datetime | None) -> Q:
    """A request waiting for a supervisor's decision whose shift has not begun."""
    return Q(status=ShiftRequest.Status.PENDING, shift__starts_at__gt=now or timezone.now())


def shift_requests_waiting(*, now: dt.datetime | None = None) -> list[ShiftRequest]:
    """The requests waiting for a decision, the soonest shift first."""
    return list(_shift_requests().filter(_waiting(now)).order_by("shift__starts_at", "id"))


def shift_requests_waiting_count(*, now: dt.datetime | None = None) -> int:
    return ShiftRequest.objects.filter(_waiting(now)).count()


def may_request_for(user, shift: RosterShift) -> bool:
    """Whether `user` may ask for a swap or leave on `shift`: only for their own shifts."""
    return shift.operator_id == user.pk


@dataclass(frozen=True)
class OperatorRequests:
    """我的排班's requests: those the user made lately, and those asking the user to take a shift."""

    mine: list[ShiftRequest]
    asked: list[ShiftRequest]  # waiting for the user's answer, their shift not begun

    def open_by_shift(self) -> dict[int, ShiftRequest]:
        return {r.shift_id: r for r in self.mine if r.is_open}


def operator_shift_requests(user, *, now: dt.datetime | None = None) -> OperatorRequests:
    now = now or timezone.now()
    mine = _shift_requests().filter(requested_by=user, created_at__gte=now - dt.timedelta(days=SHIFT_REQUEST_DAYS))
    asked = _shift_requests().filter(colleague=user, status=ShiftRequest.Status.ASKING_COLLEAGUE,
                                     shift__starts_at__gt=now).order_by("shift__starts_at", "id")
    return OperatorRequests(mine=list(mine), asked=list(asked))


def roster_table(roster: Roster) -> list[dict]:
    """The roster as the page shows it: one row per operator with a shift (by name), one cell per day holding that
    day's shifts, and the hours: [{"operator", "cells": [[RosterShift, …], …], "hours"}]."""
    columns = {roster.first_day + dt.timedelta(days=n): n for n in range(roster.days)}
    rows: dict[int, dict] = {}
    for shift in roster.shifts.select_related("operator", "planned_operator").order_by("starts_at", "id"):
        row = rows.setdefault(shift.operator_id, {"operator": shift.operator, "cells": [[] for _ in columns],
                                                  "hours": 0.0})
        row["cells"][columns[shift.day]].append(shift)
        row["hours"] += shift.hours
    return sorted(rows.values(), key=lambda row: str(row["operator"]))


@dataclass(frozen=True)
class RosterDay:  # 排班执行（日）
    day: dt.date
    agent_hours: float  # needed on the phone
    rostered_hours: float  # operator-hours on shift
    actual_hours: float | None  # agents ready (on the phone or waiting for a call)
    offered: int
    service_level: float | None
    understaffed: int  # half hours with fewer agents ready than needed


@dataclass(frozen=True)
class RosterExecution:  # 排班执行
    """The half hours gone by of the days `roster` is in force: agents needed, operators on shift, agents ready and
    the service level achieved (`comparison`, `staffing.plan_vs_actual`), and the same per day."""

    comparison: staffing.PlanComparison
    rostered: dict[dt.datetime, int]  # operators whose shift covers the half hour
    days: list[RosterDay]

    def slots_of(self, day: dt.date) -> list[tuple[staffing.SlotComparison, int]]:
        return [(slot, self.rostered.get(slot.start, 0)) for slot in self.comparison.slots
                if timezone.localtime(slot.start).date() == day]


def roster_execution(roster: Roster, *, now: dt.datetime | None = None) -> RosterExecution:
    """排班执行: for each half hour that has ended on a day the roster is in force, the agents its plan needed on the
    phone, the operators on shift, the agents actually ready (their ready time ÷ 30 minutes, from the switch's
    agent states) and the calls answered within the centre's answer target (`call_figures`)."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(roster.first_day, dt.time(0), tzinfo=tz)
    in_force = set(roster_days_in_force(roster))
    slots = [
        (start + SLOT * index, agents) for index, agents in enumerate(roster.agents)
        if start + SLOT * (index + 1) <= now
        and timezone.localtime(start + SLOT * index).date() in in_force
    ]
    if not slots:
        empty = staffing.plan_vs_actual([], actual_agents={}, service_level={}, target_service_level=roster.service_level)
        return RosterExecution(empty, {}, [])
    figures = {f.key: f for f in call_figures(slots[0][0], slots[-1][0] + SLOT, by="half_hour", now=now)}
    actual = {key: f.ready_seconds_total / SLOT.total_seconds() for key, f in figures.items()
              if f.ready_seconds_total is not None}
    levels = {key: f.answered_in_target_rate for key, f in figures.items() if f.answered_in_target_rate is not None}
    offered = {key: figures[key].offered if key in figures else 0 for key, _ in slots}
    # On shift: the shifts in force (a night shift of the day before this roster's first day included), as they
    # stand after 调班, counted in the half hours shown.
    shown = {key for key, _ in slots}
    rostered: dict[dt.datetime, int] = {}
    in_force_shifts = shifts_in_force(min(in_force) - dt.timedelta(days=1), max(in_force))
    for shift in in_force_shifts.select_related(None).only("starts_at", "ends_at"):
        at = shift.starts_at
        while at < shift.ends_at:
            if at in shown:
                rostered[at] = rostered.get(at, 0) + 1
            at += SLOT
    comparison = staffing.plan_vs_actual(
        slots, actual_agents={key: actual.get(key, 0.0) for key, _ in slots}, service_level=levels,
        target_service_level=roster.service_level, offered=offered,
    )
    return RosterExecution(comparison, rostered, _execution_days(comparison, rostered))


def _execution_days(comparison: staffing.PlanComparison, rostered: dict[dt.datetime, int]) -> list[RosterDay]:
    by_day: dict[dt.date, list[staffing.SlotComparison]] = {}
    for slot in comparison.slots:
        by_day.setdefault(timezone.localtime(slot.start).date(), []).append(slot)
    result = []
    for day, slots in by_day.items():
        calls = sum(s.offered or 0 for s in slots)
        answered = sum((s.service_level or 0) * (s.offered or 0) for s in slots)
        result.append(RosterDay(
            day=day, agent_hours=sum(s.planned for s in slots) / 2,
            rostered_hours=sum(rostered.get(s.start, 0) for s in slots) / 2,
            actual_hours=sum(s.actual or 0 for s in slots) / 2, offered=calls,
            service_level=answered / calls if calls else None,
            understaffed=sum(1 for s in slots if s.actual is not None and s.actual < s.planned),
        ))
    return result


# --- Intake (受理): the ringing caller's number for the intake form -------------------------------------------------


def screen_pop_phone(*, user, now: dt.datetime | None = None) -> str:
    """The full number of the call ringing at `user`'s seat (else the call they are on), for the intake form.

    The operator asks for it with the screen pop's 「带入来电号码」 button, so the
    number never travels with the pop itself; the read is logged. Only centre
    staff who contact citizens may (PermissionDenied otherwise). "" when the
    phone is quiet or the caller withheld the number.
    """
    if user.role not in access.FULL_CONTACT_ROLES:
        raise PermissionDenied(_("您无权查看来电号码。"))
    call = ringing_call_for(user, now=now) or current_call_for(user, now=now)
    if call is None or not call.caller:
        return ""
    personal_data_access_log(user=user, subject_type="call", subject_id=str(call.pk), fields=["phone"], purpose="来电弹屏")
    return call.caller
