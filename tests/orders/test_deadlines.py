"""Deadline colours and the overdue scan (超期催办).

Time is controlled without freezegun: the services' clock (`services._now`) is
replaced by a settable `Clock`, and `deadline_scan` is given `now=`.
The clock starts on Tuesday 4 November 2025, 10:00 in Shanghai, so for a
complaint: sign by Wed 5 Nov 10:00, reply by Tue 18 Nov 10:00 (10 workdays).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from rexian.orders import services
from rexian.orders.deadlines import GREEN, RED, YELLOW, ScanResult, deadline_scan, deadline_status, order_deadline_status
from rexian.orders.models import Escalation, OrderEvent, WorkOrder
from rexian.orders.signals import order_event
from rexian.orders.transitions import Action, State
from tests.conftest import advance, register

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2025, 11, 4, 10, 0, tzinfo=SHANGHAI)
MINUTE = dt.timedelta(minutes=1)


class Clock:
    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, now: dt.datetime) -> None:
        self.now = now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock(START)
    monkeypatch.setattr(services, "_now", clock)
    return clock


def escalations(order) -> list[tuple[str, str | None]]:
    return [
        (e.kind, e.unit.name if e.unit else None)
        for e in Escalation.objects.filter(order=order).select_related("unit").order_by("created_at", "id")
    ]


def escalate_events(order) -> int:
    return OrderEvent.objects.filter(order=order, action=Action.ESCALATE).count()


# --- deadline_status ---------------------------------------------------------------------------------

T = dt.datetime(2025, 11, 4, 0, 0, tzinfo=dt.timezone.utc)
TEN_HOURS = T + dt.timedelta(hours=10)


def status_at(hours_in: float) -> str | None:
    return deadline_status(start=T, deadline=TEN_HOURS, now=T + dt.timedelta(hours=hours_in))


def test_status_is_green_at_the_start():
    assert status_at(0) == GREEN


def test_status_is_green_with_exactly_a_fifth_of_the_time_left():
    assert status_at(8) == GREEN


def test_status_turns_yellow_just_under_a_fifth_of_the_time_left():
    assert deadline_status(start=T, deadline=TEN_HOURS, now=T + dt.timedelta(hours=8, seconds=1)) == YELLOW


def test_status_is_yellow_at_the_deadline_itself():
    assert status_at(10) == YELLOW


def test_status_turns_red_just_after_the_deadline():
    assert deadline_status(start=T, deadline=TEN_HOURS, now=TEN_HOURS + dt.timedelta(microseconds=1)) == RED


def test_status_without_a_deadline_is_none():
    assert deadline_status(start=T, deadline=None, now=T) is None


def test_status_without_a_start_is_green_until_overdue():
    assert deadline_status(start=None, deadline=TEN_HOURS, now=TEN_HOURS) == GREEN
    assert deadline_status(start=None, deadline=TEN_HOURS, now=TEN_HOURS + MINUTE) == RED


def test_status_with_a_deadline_before_its_start_is_green_until_overdue():
    assert deadline_status(start=TEN_HOURS, deadline=T, now=T) == GREEN


def test_yellow_fraction_comes_from_settings(settings):
    settings.DEADLINE_YELLOW_FRACTION = 0.5
    assert status_at(4) == GREEN
    assert status_at(5.5) == YELLOW


def test_order_status_runs_against_the_live_clock(cast, clock):
    order = advance(cast, register(cast), State.DISPATCHED)  # sign by Wed 10:00, 24 hours
    assert order_deadline_status(order, now=START + dt.timedelta(hours=1)) == GREEN
    assert order_deadline_status(order, now=START + dt.timedelta(hours=20)) == YELLOW
    assert order_deadline_status(order, now=order.due_at + MINUTE) == RED


# --- deadline_scan -------------------------------------------------------------------------------------


@pytest.fixture
def dispatched(cast, clock):
    return advance(cast, register(cast), State.DISPATCHED)


def test_dispatched_order_runs_against_its_sign_deadline(dispatched):
    assert dispatched.due_kind == "sign"
    assert dispatched.due_at == dt.datetime(2025, 11, 5, 10, 0, tzinfo=SHANGHAI)


def test_scan_before_the_deadline_does_nothing(dispatched):
    assert deadline_scan(now=dispatched.due_at - MINUTE) == ScanResult(marked_overdue=0, escalations=0)
    assert not Escalation.objects.exists()


def test_scan_at_the_deadline_itself_does_nothing(dispatched):
    assert deadline_scan(now=dispatched.due_at) == ScanResult(marked_overdue=0, escalations=0)


def test_scan_marks_a_missed_order_overdue(dispatched):
    result = deadline_scan(now=dispatched.due_at + MINUTE)
    assert result == ScanResult(marked_overdue=1, escalations=1)
    dispatched.refresh_from_db()
    assert dispatched.is_overdue


def test_scan_records_one_escalation_for_the_missed_deadline(cast, dispatched):
    now = dispatched.due_at + MINUTE
    deadline_scan(now=now)
    escalation = Escalation.objects.get(order=dispatched)
    assert (escalation.kind, escalation.unit, escalation.deadline, escalation.created_at) == (
        "sign", cast.housing, dispatched.sign_deadline, now,
    )


def test_scan_records_an_escalate_event_in_the_history(cast, dispatched):
    now = dispatched.due_at + MINUTE
    deadline_scan(now=now)
    event = OrderEvent.objects.get(order=dispatched, action=Action.ESCALATE)
    assert (event.from_state, event.to_state, event.actor, event.unit, event.at) == (
        State.DISPATCHED, State.DISPATCHED, None, cast.housing, now,
    )
    assert event.data == {"kind": "sign", "deadline": dispatched.sign_deadline.isoformat()}


def test_escalate_event_takes_the_next_sequence_number(dispatched):
    deadline_scan(now=dispatched.due_at + MINUTE)
    order = WorkOrder.objects.get(pk=dispatched.pk)
    seqs = list(order.events.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, order.event_count + 1))
    assert order.version == dispatched.version + 1


def test_escalation_does_not_change_the_state(dispatched):
    deadline_scan(now=dispatched.due_at + MINUTE)
    dispatched.refresh_from_db()
    assert dispatched.state == State.DISPATCHED


def test_scan_run_twice_escalates_once(dispatched):
    now = dispatched.due_at + MINUTE
    deadline_scan(now=now)
    assert deadline_scan(now=now) == ScanResult(marked_overdue=0, escalations=0)
    assert Escalation.objects.filter(order=dispatched).count() == 1
    assert escalate_events(dispatched) == 1


def test_later_scans_do_not_escalate_the_same_deadline_again(dispatched):
    deadline_scan(now=dispatched.due_at + MINUTE)
    deadline_scan(now=dispatched.due_at + dt.timedelta(hours=5))
    deadline_scan(now=dispatched.due_at + dt.timedelta(days=3))
    assert Escalation.objects.filter(order=dispatched).count() == 1
    assert escalate_events(dispatched) == 1


def test_sign_then_reply_deadlines_escalate_separately(cast, clock, dispatched):
    deadline_scan(now=dispatched.sign_deadline + MINUTE)
    clock.set(dispatched.sign_deadline + dt.timedelta(hours=1))  # signed late
    services.order_sign(actor=cast.housing_handler, order=dispatched)
    dispatched.refresh_from_db()
    assert (dispatched.due_kind, dispatched.is_overdue) == ("reply", False)

    assert deadline_scan(now=dispatched.reply_deadline + MINUTE) == ScanResult(marked_overdue=1, escalations=1)
    assert escalations(dispatched) == [("sign", "住建局"), ("reply", "住建局")]
    assert escalate_events(dispatched) == 2


def test_signing_in_time_leaves_nothing_to_escalate_at_the_sign_deadline(cast, dispatched):
    services.order_sign(actor=cast.housing_handler, order=dispatched)
    assert deadline_scan(now=dispatched.sign_deadline + MINUTE) == ScanResult(marked_overdue=0, escalations=0)


def test_extended_reply_deadline_is_escalated_again_when_missed(cast, clock, dispatched):
    services.order_sign(actor=cast.housing_handler, order=dispatched)
    dispatched.refresh_from_db()
    first = dispatched.reply_deadline
    deadline_scan(now=first + MINUTE)
    clock.set(first + dt.timedelta(hours=1))
    services.extension_request(
        actor=cast.housing_handler, order=dispatched, new_deadline=first + dt.timedelta(days=7), reason="需协调维修基金。"
    )
    services.extension_approve(actor=cast.dispatcher, order=dispatched)
    deadline_scan(now=first + dt.timedelta(days=7) + MINUTE)
    assert [e.deadline for e in Escalation.objects.filter(order=dispatched).order_by("id")] == [
        first, first + dt.timedelta(days=7),
    ]


def test_unsigned_assisting_unit_escalates_with_its_unit(cast, clock):
    order = advance(cast, register(cast), State.IN_PROGRESS, assisting=[cast.urban])  # the lead signed in time
    assert deadline_scan(now=order.sign_deadline + MINUTE) == ScanResult(marked_overdue=0, escalations=1)
    assert escalations(order) == [("sign", "城管局")]
    assert OrderEvent.objects.get(order=order, action=Action.ESCALATE).unit == cast.urban


def test_unsigned_lead_and_assisting_units_escalate_separately(cast, clock):
    order = advance(cast, register(cast), State.DISPATCHED, assisting=[cast.urban])
    assert deadline_scan(now=order.sign_deadline + MINUTE).escalations == 2
    assert sorted(escalations(order)) == [("sign", "住建局"), ("sign", "城管局")]


def test_assisting_unit_escalation_is_not_repeated(cast, clock):
    order = advance(cast, register(cast), State.IN_PROGRESS, assisting=[cast.urban])
    deadline_scan(now=order.sign_deadline + MINUTE)
    deadline_scan(now=order.sign_deadline + dt.timedelta(hours=2))
    assert escalations(order) == [("sign", "城管局")]


def test_assisting_unit_that_signed_does_not_escalate(cast, clock):
    order = advance(cast, register(cast), State.IN_PROGRESS, assisting=[cast.urban])
    services.order_sign(actor=cast.urban_handler, order=order)
    assert deadline_scan(now=order.sign_deadline + MINUTE).escalations == 0


def test_missed_callback_escalates_without_a_unit(cast, clock):
    order = advance(cast, register(cast), State.AWAITING_CALLBACK)
    assert order.due_kind == "callback"
    deadline_scan(now=order.callback_deadline + MINUTE)
    assert escalations(order) == [("callback", None)]


def test_closed_order_never_escalates(cast, clock):
    order = advance(cast, register(cast), State.CLOSED)
    past = START - dt.timedelta(days=1)
    WorkOrder.objects.filter(pk=order.pk).update(due_kind="reply", due_at=past)  # even with a stale clock
    assert deadline_scan(now=START + dt.timedelta(days=60)) == ScanResult(marked_overdue=0, escalations=0)
    assert not Escalation.objects.exists()


def test_voided_order_never_escalates_its_units(cast, clock):
    order = advance(cast, register(cast), State.DISPATCHED, assisting=[cast.urban])
    services.order_void(actor=cast.supervisor, order=order, reason="测试工单。")
    assert deadline_scan(now=order.sign_deadline + dt.timedelta(days=30)) == ScanResult(marked_overdue=0, escalations=0)


def test_merged_order_never_escalates(cast, clock):
    master = advance(cast, register(cast), State.DISPATCHED)
    repeat = advance(cast, register(cast), State.DISPATCHED, assisting=[cast.urban])
    services.order_merge(actor=cast.operator, order=repeat, master=master)
    deadline_scan(now=repeat.sign_deadline + MINUTE)
    assert escalations(repeat) == []
    assert escalations(master) == [("sign", "住建局")]


def test_order_waiting_for_review_does_not_escalate(cast, clock):
    order = advance(cast, register(cast), State.REPLIED)
    assert order.due_kind == ""
    assert deadline_scan(now=START + dt.timedelta(days=60)).escalations == 0


def test_scan_only_touches_missed_orders(cast, clock):
    missed = advance(cast, register(cast), State.DISPATCHED)
    clock.set(START + dt.timedelta(days=1))
    fresh = advance(cast, register(cast), State.DISPATCHED)
    deadline_scan(now=missed.due_at + MINUTE)
    assert escalations(missed) == [("sign", "住建局")]
    assert escalations(fresh) == []


def test_scan_without_now_uses_the_current_time(cast):
    order = advance(cast, register(cast), State.DISPATCHED)  # real clock: due tomorrow or later
    assert deadline_scan() == ScanResult(marked_overdue=0, escalations=0)
    WorkOrder.objects.filter(pk=order.pk).update(due_at=order.registered_at - MINUTE)
    assert deadline_scan().escalations == 1


def test_escalation_is_announced_after_commit(dispatched, django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, order_id, event_id, **kwargs):
        received.append((order_id, event_id))

    order_event.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            deadline_scan(now=dispatched.due_at + MINUTE)
    finally:
        order_event.disconnect(receiver)
    event = OrderEvent.objects.get(order=dispatched, action=Action.ESCALATE)
    assert received == [(dispatched.pk, event.pk)]
