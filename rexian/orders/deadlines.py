"""Deadline colours and the periodic overdue scan (超期催办)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rexian.orders.models import Assignment, Escalation, OrderEvent, WorkOrder
from rexian.orders.signals import order_event
from rexian.orders.transitions import OPEN_STATES, Action

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


def order_deadline_status(order: WorkOrder, now: dt.datetime | None = None) -> str | None:
    return deadline_status(start=order.due_from, deadline=order.due_at, now=now or timezone.now())


@dataclass
class ScanResult:
    marked_overdue: int
    escalations: int


def _escalate(order_id: int, kind: str, unit_id: int | None, deadline: dt.datetime, now: dt.datetime) -> bool:
    """Record one escalation (催办) and its event, unless this deadline was escalated before."""
    key = f"{kind}:{unit_id or 0}:{deadline.isoformat()}"
    with transaction.atomic():
        order = WorkOrder.objects.select_for_update().get(pk=order_id)
        if order.state not in OPEN_STATES or Escalation.objects.filter(order=order, key=key).exists():
            return False
        Escalation.objects.create(order=order, kind=kind, unit_id=unit_id, deadline=deadline, created_at=now, key=key)
        order.event_count += 1
        order.version += 1
        event = OrderEvent.objects.create(
            order=order, seq=order.event_count, action=Action.ESCALATE, from_state=order.state, to_state=order.state,
            actor=None, unit_id=unit_id, at=now, data={"kind": kind, "deadline": deadline.isoformat()},
        )
        fields = ["event_count", "version"]
        if order.due_at and order.due_at < now:
            order.is_overdue = True
            fields.append("is_overdue")
        order.save(update_fields=fields)
        transaction.on_commit(lambda: order_event.send(sender=WorkOrder, order_id=order.pk, event_id=event.pk))
    return True


def deadline_scan(*, now: dt.datetime | None = None, batch: int = 500) -> ScanResult:
    """Mark overdue orders and raise one escalation (催办) per missed deadline.

    Runs every minute in the worker. The candidates come from the indexes on
    (state, due_at) and on open assignments' sign deadlines, so the scan costs
    what is overdue, not what is stored. Safe to run concurrently: the
    escalation key is unique per order.
    """
    now = now or timezone.now()
    marked = 0
    escalated = 0
    overdue = (
        WorkOrder.objects.filter(state__in=OPEN_STATES, due_at__lt=now)
        .exclude(due_kind="")
        .values_list("pk", "due_kind", "lead_unit_id", "due_at", "is_overdue")
    )
    for pk, kind, unit_id, due_at, was_overdue in overdue.iterator(chunk_size=batch):
        if _escalate(pk, kind, unit_id if kind != "callback" else None, due_at, now):
            escalated += 1
            marked += not was_overdue
    # Assisting units' sign deadlines are not the order's live clock; scan them on their own.
    unsigned = Assignment.objects.filter(
        is_open=True, status=Assignment.Status.DISPATCHED, role=Assignment.Role.ASSIST, sign_deadline__lt=now
    ).values_list("order_id", "unit_id", "sign_deadline")
    for order_id, unit_id, deadline in unsigned.iterator(chunk_size=batch):
        escalated += _escalate(order_id, "sign", unit_id, deadline, now)
    return ScanResult(marked_overdue=marked, escalations=escalated)
