"""Rosters (排班表): publishing a plan, the roster in force, 调班 and the plan against what happened
(rexian/telephony/services.py, selectors.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from rexian.telephony import selectors, services, staffing
from rexian.telephony.models import Roster, RosterShift
from rexian.units.models import Role
from tests import factories as f
from tests.telephony.conftest import apply, ev, lines, morning_calls  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

TARGET = staffing.ServiceTarget(service_level=0.8, seconds=15)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def history(cast, lines):  # noqa: F811 (the fixture imported above)
    """Four weeks of calls: six each morning from 10:00, answered by agent 1001; a second operator."""
    morning_calls(28)
    cast.operator2 = f.UserFactory(username="operator2", role=Role.OPERATOR, unit=cast.centre)
    return cast


def _plan(first_day: dt.date, days: int = 2) -> selectors.StaffingPlan:
    return selectors.staffing_plan(first_day=first_day, days=days, target=TARGET, aht=300, shrinkage=0.3,
                                   operators=selectors.active_operator_names())


def _publish(cast, first_day: dt.date, days: int = 2, *, actor=None, **kwargs) -> Roster:
    return services.roster_publish(actor=actor or cast.supervisor, first_day=first_day, days=days, target=TARGET,
                                   aht=300, shrinkage=0.3, **kwargs)


def test_publishing_keeps_the_inputs_what_each_half_hour_needs_and_every_shift(history):
    first = timezone.localdate() + dt.timedelta(days=3)
    plan = _plan(first)
    roster = _publish(history, first, note="  周末  ")
    assert (roster.first_day, roster.days, roster.last_day) == (first, 2, first + dt.timedelta(days=1))
    assert (roster.service_level, roster.target_seconds, roster.aht, roster.shrinkage) == (0.8, 15, 300, 0.3)
    assert roster.note == "周末" and roster.published_by == history.supervisor
    assert roster.agents == [r.agents for r in plan.requirements] and len(roster.staff) == 96
    assert sum(roster.calls) == pytest.approx(plan.forecast.total, abs=0.1)
    expected = sorted((str(key), s.start, s.end) for key, shifts in plan.plan.roster.items() for s in shifts)
    kept = sorted((s.operator.username, s.starts_at, s.ends_at) for s in roster.shifts.select_related("operator"))
    assert kept == expected and kept
    for shift in roster.shifts.all():
        assert shift.day == timezone.localtime(shift.starts_at).date()


@pytest.mark.parametrize("role", ["operator", "dispatcher", "leader"])
def test_only_supervisors_and_admins_publish(history, role):
    with pytest.raises(PermissionDenied):
        _publish(history, timezone.localdate(), actor=getattr(history, role))
    assert not Roster.objects.exists()


def test_an_admin_publishes_too(history):
    assert _publish(history, timezone.localdate(), actor=history.admin).shifts.exists()


def test_a_roster_needs_operators_call_history_and_at_most_two_weeks(history):
    with pytest.raises(services.RosterError, match="1 至 14 天") as refused:
        _publish(history, timezone.localdate(), days=15)
    assert refused.value.field == "days"
    with pytest.raises(services.RosterError, match="没有来电记录"):
        long_ago = timezone.localdate() - dt.timedelta(days=60)
        _publish(history, long_ago, now=_midnight(long_ago))
    with pytest.raises(services.RosterError, match="今天及以后") as refused:
        _publish(history, timezone.localdate() - dt.timedelta(days=1))
    assert refused.value.field == "first_day"
    history.operator.is_active = history.operator2.is_active = False
    history.operator.save()
    history.operator2.save()
    with pytest.raises(services.RosterError, match="没有在职的话务员"):
        _publish(history, timezone.localdate())
    assert not Roster.objects.exists() and not RosterShift.objects.exists()


def test_the_latest_roster_covering_a_day_is_in_force_and_the_earlier_stays_on_record(history):
    today = timezone.localdate()
    week = _publish(history, today, days=7)
    later = _publish(history, today + dt.timedelta(days=3), days=5)
    in_force = selectors.rosters_in_force(today, today + dt.timedelta(days=10))
    assert [in_force[today + dt.timedelta(days=n)] for n in range(3)] == [week] * 3
    assert [in_force[today + dt.timedelta(days=n)] for n in range(3, 8)] == [later] * 5
    assert today + dt.timedelta(days=8) not in in_force
    assert selectors.roster_days_in_force(week) == [today + dt.timedelta(days=n) for n in range(3)]
    day3 = today + dt.timedelta(days=3)
    shifts = list(selectors.shifts_in_force(day3, day3))
    assert shifts and {s.roster_id for s in shifts} == {later.pk}
    assert week.shifts.filter(day=day3).exists()  # kept, not in force
    mine = list(selectors.shifts_in_force(today, today + dt.timedelta(days=8), operator=history.operator))
    assert mine and {s.operator_id for s in mine} == {history.operator.pk}
    assert all((s.roster_id == week.pk) == (s.day < day3) for s in mine)


def test_no_roster_no_shifts(history):
    assert list(selectors.shifts_in_force(timezone.localdate(), timezone.localdate())) == []


def _future_shift(roster: Roster, operator) -> RosterShift:
    return roster.shifts.filter(operator=operator, starts_at__gt=timezone.now()).order_by("starts_at").first()


@pytest.fixture
def rostered(history):
    """A roster from the day after tomorrow, operator2 taken off it so that they are free to take a shift."""
    roster = _publish(history, timezone.localdate() + dt.timedelta(days=2))
    roster.shifts.filter(operator=history.operator2).delete()
    return roster


def test_a_shift_is_handed_over_and_the_change_is_recorded(rostered, history):
    shift = _future_shift(rostered, history.operator)
    changed = services.roster_shift_reassign(actor=history.supervisor, shift=shift, operator=history.operator2,
                                             reason=" 病假 ")
    assert changed.operator == history.operator2 and changed.planned_operator == history.operator
    assert (changed.changed_by, changed.change_reason) == (history.supervisor, "病假")
    # Handed back: the first planned operator is kept.
    back = services.roster_shift_reassign(actor=history.supervisor, shift=changed, operator=history.operator,
                                          reason="病愈")
    assert back.planned_operator == history.operator and back.operator == history.operator
    mine = selectors.shifts_in_force(shift.day, shift.day, operator=history.operator)
    assert shift.pk in {s.pk for s in mine}


def test_refusals_leave_the_shift_as_it_was(rostered, history):
    shift = _future_shift(rostered, history.operator)

    def refused(match, **kwargs):
        arguments = {"actor": history.supervisor, "shift": shift, "operator": history.operator2, "reason": "病假"}
        with pytest.raises(services.RosterError, match=match):
            services.roster_shift_reassign(**{**arguments, **kwargs})

    refused("原因", reason="  ")
    refused("在职话务员", operator=history.dispatcher)
    refused("已由此人", operator=history.operator)
    refused("已开始", now=shift.starts_at + dt.timedelta(minutes=1))
    # operator2 takes another shift of the operator's that overlaps this one: then they cannot take this one.
    overlapping = RosterShift.objects.create(roster=rostered, day=shift.day, starts_at=shift.starts_at,
                                             ends_at=shift.starts_at + dt.timedelta(hours=1), operator=history.operator2)
    refused("已有班次")
    overlapping.delete()
    _publish(history, shift.day, days=1)  # a later roster takes the day over
    refused("取代")
    with pytest.raises(PermissionDenied):
        services.roster_shift_reassign(actor=history.operator, shift=shift, operator=history.operator2, reason="x")
    shift.refresh_from_db()
    assert shift.operator == history.operator and shift.changed_at is None


def test_the_plan_against_what_happened(history):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    roster = _publish(history, yesterday, days=2, now=_midnight(yesterday) - dt.timedelta(hours=1))
    ten = _midnight(yesterday) + dt.timedelta(hours=10)
    # Agent 1001 is ready from 09:00 to 11:00 yesterday; the history's six calls came at 10:00–10:25.
    apply([ev("agent_login", ten - dt.timedelta(hours=1), agent="1001"),
           ev("ready", ten - dt.timedelta(hours=1), agent="1001"),
           ev("agent_logout", ten + dt.timedelta(hours=1), agent="1001")])
    now = _midnight(yesterday) + dt.timedelta(hours=12, minutes=10)
    execution = selectors.roster_execution(roster, now=now)
    slots = {s.start: s for s in execution.comparison.slots}
    assert len(slots) == 24  # the half hours that ended by 12:10
    assert slots[ten].planned == roster.agents[20] and slots[ten].offered == 6
    assert slots[ten].actual == pytest.approx(1.0) and slots[ten].service_level == 1.0
    assert slots[ten - dt.timedelta(hours=2)].actual == 0.0
    assert slots[ten + dt.timedelta(hours=1, minutes=30)].offered == 0
    rostered = sum(1 for s in roster.shifts.all() if s.starts_at <= ten < s.ends_at)
    assert execution.rostered.get(ten, 0) == rostered
    [day] = execution.days
    assert day.day == yesterday and day.offered == 6 and day.service_level == 1.0
    assert day.actual_hours == pytest.approx(2.0)
    assert day.agent_hours == sum(roster.agents[:24]) / 2
    # Agent 1001 alone was ready, for 09:00–11:00: every other half hour that needed an agent was short.
    needed = [(s.start, s.planned) for s in execution.comparison.slots]
    ready = {ten + dt.timedelta(minutes=30 * n) for n in range(-2, 2)}
    assert day.understaffed == sum(1 for start, agents in needed if agents > (1 if start in ready else 0))
    assert [s.start for s, _ in execution.slots_of(yesterday)] == sorted(slots)


def test_no_execution_before_the_roster_starts_nor_on_days_taken_over(history):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert selectors.roster_execution(_publish(history, tomorrow)).days == []
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    before = _midnight(yesterday) - dt.timedelta(hours=1)
    old = _publish(history, yesterday, days=1, now=before)
    _publish(history, yesterday, days=1, now=before + dt.timedelta(minutes=5))
    assert selectors.roster_execution(old).days == []


def test_a_night_shift_from_the_day_before_counts_as_on_shift_in_the_next_rosters_morning(history):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    before = _midnight(yesterday) - dt.timedelta(days=1, hours=1)
    earlier = _publish(history, yesterday - dt.timedelta(days=1), days=1, now=before)
    roster = _publish(history, yesterday, days=1, now=before + dt.timedelta(minutes=5))
    night = _midnight(yesterday) - dt.timedelta(hours=2)  # 22:00 the day before, to 06:00
    RosterShift.objects.create(roster=earlier, day=yesterday - dt.timedelta(days=1), starts_at=night,
                               ends_at=night + dt.timedelta(hours=8), operator=history.operator2)
    execution = selectors.roster_execution(roster, now=_midnight(yesterday) + dt.timedelta(hours=8))
    own = {start: sum(1 for s in roster.shifts.all() if s.starts_at <= start < s.ends_at)
           for start in (_midnight(yesterday) + dt.timedelta(minutes=30 * n) for n in range(16))}
    for start, count in own.items():
        expected = count + (1 if start < _midnight(yesterday) + dt.timedelta(hours=6) else 0)
        assert execution.rostered.get(start, 0) == expected, start


def test_the_operators_are_told_of_a_published_roster_and_of_a_shift_handed_over(
    history, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from rexian.notifications.models import Notification

    history.operator2.language = "en"
    history.operator2.save()
    with django_capture_on_commit_callbacks(execute=True):
        roster = _publish(history, timezone.localdate() + dt.timedelta(days=2), days=3)
    told = {n.recipient_id: n for n in Notification.objects.filter(kind=Notification.Kind.ROSTER)}
    mine = roster.shifts.filter(operator=history.operator).count()
    assert told[history.operator.pk].text.startswith("新排班已发布") and f"您有 {mine} 个班次" in told[
        history.operator.pk].text
    assert told[history.operator.pk].link == reverse("console:my-shifts")
    if roster.shifts.filter(operator=history.operator2).exists():
        assert told[history.operator2.pk].text.startswith("New roster published")
    assert set(told) == set(roster.shifts.values_list("operator", flat=True))
    roster.shifts.filter(operator=history.operator2).delete()
    shift = _future_shift(roster, history.operator)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.roster_shift_reassign(actor=history.supervisor, shift=shift, operator=history.operator2,
                                       reason="病假")
    taken = Notification.objects.get(recipient=history.operator2)
    given = Notification.objects.get(recipient=history.operator)
    assert taken.text.startswith("Shift handed over") and "sick" not in taken.text and "病假" in taken.text
    assert given.text.startswith("调班：您") and str(history.operator2) in given.text
    assert not Notification.objects.filter(recipient=history.supervisor).exists()
