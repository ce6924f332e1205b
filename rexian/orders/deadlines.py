"""Deadline colours and the periodic overdue scan (超期催办)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from rexian.catalog.models import DeadlineKind
from rexian.orders.models import Assignment, Escalation, OrderEvent, WorkOrder
from rexian.orders.signals import order_event
from rexian.orders.transitions import OPEN_STATES, Action, State

GREEN, YELLOW, RED = "green", "yellow", "red"


def deadline_status(*, start: dt.datetime | None, deadline: dt.datetime | None, now: dt.datetime) -> str | None:
    """green, yellow (less than REXIAN_DEADLINE_YELLOW_FRACTION of the time left) or red (overdue)."""
    if deadline is None:
        return None
    if now > deadline:
        return RED
    if start is None or deadline <= start:
        return GREEN
    left = (deadline - now) / (deadline - start)
    return YELLOW if left < settings.DEADLINE_YELLOW_FRACTION else GREEN


def warning_time(*, start: dt.datetime | None, deadline: dt.datetime) -> dt.datetime:
    """When a deadline turns yellow: the moment less than the yellow fraction of its time is left.

    Stored on the order (`due_warn_at`) so lists and boards count "near the
    deadline" with one indexed comparison instead of arithmetic per row.
    """
    if start is None or deadline <= start:
        return deadline
    return deadline - (deadline - start) * settings.DEADLINE_YELLOW_FRACTION


def order_deadline_status(order: WorkOrder, now: dt.datetime | None = None) -> str | None:
    """The order's colour: red once any of its running deadlines has passed, else by its live deadline."""
    if order.is_overdue:
        return RED
    return deadline_status(start=order.due_from, deadline=order.due_at, now=now or timezone.now())


def running_deadlines(order: WorkOrder) -> list[tuple[dt.datetime, str, dt.datetime | None]]:
    """The deadlines the order's state runs against, earliest first: (deadline, kind, clock start)."""
    found = []
    if order.state in (State.DISPATCHED, State.IN_PROGRESS):
        start = order.dispatched_at
        if order.first_response_deadline and not order.first_responded_at:
            found.append((order.first_response_deadline, DeadlineKind.FIRST_RESPONSE, start))
        if order.state == State.DISPATCHED and order.sign_deadline:
            found.append((order.sign_deadline, DeadlineKind.SIGN, start))
        if order.reply_deadline:
            found.append((order.reply_deadline, DeadlineKind.REPLY, start))
    elif order.state == State.AWAITING_CALLBACK and order.callback_deadline:
        found.append((order.callback_deadline, DeadlineKind.CALLBACK, order.accepted_at or order.closed_at))
    return sorted(found, key=lambda item: item[0])


def refresh_due(order: WorkOrder, now: dt.datetime) -> None:
    """Point the order's live clock (due_kind / due_from / due_at) at the next deadline it runs against.

    The live deadline is the earliest one still ahead, or, when all have passed,
    the last one. `is_overdue` says whether any running deadline has passed.
    The overdue scan escalates the live deadline and then calls this again, so
    an order whose unit never signs is escalated for the sign deadline and
    later for the reply deadline.
    """
    deadlines = running_deadlines(order)
    ahead = [item for item in deadlines if item[0] >= now]
    current = ahead[0] if ahead else (deadlines[-1] if deadlines else None)
    old = (order.due_kind, order.due_at)
    if current is None:
        order.due_kind, order.due_from, order.due_at, order.due_warn_at = "", None, None, None
    else:
        order.due_at, order.due_kind, order.due_from = current
        order.due_warn_at = warning_time(start=order.due_from, deadline=order.due_at)
    if (order.due_kind, order.due_at) != old:
        order.due_escalated = False
    order.is_overdue = len(ahead) < len(deadlines)


@dataclass
class ScanResult:
    marked_overdue: int
    escalations: int


def _record_escalation(
    order: WorkOrder, kind: str, unit_id: int | None, deadline: dt.datetime, now: dt.datetime
) -> bool:
    """Record one escalation (催办) and its event on a locked order, unless this deadline was escalated before."""
    key = f"{kind}:{unit_id or 0}:{deadline.isoformat()}"
    if order.state not in OPEN_STATES or Escalation.objects.filter(order=order, key=key).exists():
        return False
    Escalation.objects.create(order=order, kind=kind, unit_id=unit_id, deadline=deadline, created_at=now, key=key)
    order.event_count += 1
    order.version += 1
    event = OrderEvent.objects.create(
        order=order,
        seq=order.event_count,
        action=Action.ESCALATE,
        from_state=order.state,
        to_state=order.state,
        actor=None,
        unit_id=unit_id,
        at=now,
        data={"kind": kind, "deadline": deadline.isoformat()},
    )
    transaction.on_commit(lambda: order_event.send(sender=WorkOrder, order_id=order.pk, event_id=event.pk))
    return True


@transaction.atomic
def _escalate_live_deadline(order_id: int, now: dt.datetime) -> tuple[bool, bool]:
    """Escalate the order's live deadline if it has passed, then move its clock on. Returns (escalated, newly overdue)."""
    order = WorkOrder.objects.select_for_update().get(pk=order_id)
    if order.state not in OPEN_STATES or order.due_escalated or not order.due_at or order.due_at >= now:
        return False, False
    was_overdue = order.is_overdue
    unit_id = order.lead_unit_id if order.due_kind != DeadlineKind.CALLBACK else None
    escalated = _record_escalation(order, order.due_kind, unit_id, order.due_at, now)
    old = (order.due_kind, order.due_at)
    refresh_due(order, now)
    if (order.due_kind, order.due_at) == old:
        order.due_escalated = True  # no later deadline to run against: stop looking at this one
    order.save(
        update_fields=[
            "event_count",
            "version",
            "due_kind",
            "due_from",
            "due_at",
            "due_warn_at",
            "due_escalated",
            "is_overdue",
        ]
    )
    return escalated, order.is_overdue and not was_overdue


@transaction.atomic
def _escalate_assisting_sign(order_id: int, unit_id: int, deadline: dt.datetime, now: dt.datetime) -> bool:
    order = WorkOrder.objects.select_for_update().get(pk=order_id)
    escalated = _record_escalation(order, DeadlineKind.SIGN, unit_id, deadline, now)
    if escalated:
        order.save(update_fields=["event_count", "version"])
    return escalated


def deadline_scan(*, now: dt.datetime | None = None) -> ScanResult:
    """Mark overdue orders and raise one escalation (催办) per missed deadline.

    Runs every minute in the worker. The candidates come from the indexes on
    (state, due_at) and on open assignments' sign deadlines, so the scan costs
    what is overdue, not what is stored. Safe to run concurrently: the
    escalation key is unique per order.
    """
    now = now or timezone.now()
    marked = 0
    escalated = 0
    overdue = WorkOrder.objects.filter(state__in=OPEN_STATES, due_at__lt=now, due_escalated=False).values_list(
        "pk", flat=True
    )
    for pk in list(overdue[:100_000]):
        did_escalate, newly_overdue = _escalate_live_deadline(pk, now)
        escalated += did_escalate
        marked += newly_overdue
    # Assisting units' sign deadlines are not the order's live clock; scan them on their own.
    escalated_before = Escalation.objects.filter(
        order=OuterRef("order_id"), kind=DeadlineKind.SIGN, unit=OuterRef("unit_id"), deadline=OuterRef("sign_deadline")
    )
    unsigned = (
        Assignment.objects.filter(
            is_open=True, status=Assignment.Status.DISPATCHED, role=Assignment.Role.ASSIST, sign_deadline__lt=now
        )
        .exclude(Exists(escalated_before))
        .values_list("order_id", "unit_id", "sign_deadline")
    )
    for order_id, unit_id, deadline in list(unsigned[:100_000]):
        escalated += _escalate_assisting_sign(order_id, unit_id, deadline, now)
    return ScanResult(marked_overdue=marked, escalations=escalated)
