"""Reads of work orders. Every list goes through `access.orders_visible_to` and is
paginated in the database; the caller's data is masked as the viewer's role demands.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rexian.orders import access
from rexian.orders.models import (
    Assignment,
    Attachment,
    Callback,
    ExtensionRequest,
    ReturnRequest,
    Satisfaction,
    WorkOrder,
)
from rexian.orders.transitions import OPEN_STATES, Action, State, allowed_actions
from rexian.privacy import crypto
from rexian.units.models import Role

LIST_FIELDS = (
    "pk",
    "number",
    "state",
    "title",
    "registered_at",
    "due_at",
    "due_from",
    "due_kind",
    "is_overdue",
    "appeal_type__name",
    "urgency__name",
    "lead_unit__name",
)


@dataclass(frozen=True)
class OrderRow:
    order: WorkOrder
    caller: access.CallerView


def _rows(user, orders) -> list[OrderRow]:
    return [OrderRow(order, access.masked_caller(user, order)) for order in orders]


def _page(queryset: QuerySet, page: int, page_size: int) -> list:
    page = max(page, 1)
    page_size = min(max(page_size, 1), 200)
    start = (page - 1) * page_size
    return list(queryset[start : start + page_size])


def unit_inbox(*, user, page: int = 1, page_size: int = 50) -> list[OrderRow]:
    """The orders the user's unit still has work on (承办件), nearest deadline first."""
    if user.role not in (Role.UNIT_HANDLER, Role.UNIT_ADMIN) or user.unit_id is None:
        raise PermissionDenied(_("只有承办单位人员有单位待办件。"))
    open_assignments = Assignment.objects.filter(unit_id=user.unit_id, is_open=True).values("order_id")
    queryset = (
        access.orders_visible_to(user)
        .filter(pk__in=open_assignments)
        .select_related("appeal_type", "urgency", "lead_unit")
        .order_by("due_at", "registered_at")
    )
    return _rows(user, _page(queryset, page, page_size))


def dispatch_queue(*, user, page: int = 1, page_size: int = 50) -> list[OrderRow]:
    """Orders waiting for a dispatcher (待派单), oldest first."""
    if user.role not in (Role.DISPATCHER, Role.SUPERVISOR):
        raise PermissionDenied(_("只有派遣员和值班长可以查看待派单队列。"))
    queryset = (
        access.orders_visible_to(user)
        .filter(state=State.PENDING_DISPATCH)
        .select_related("appeal_type", "urgency", "category")
        .order_by("registered_at")
    )
    return _rows(user, _page(queryset, page, page_size))


def caller_history(*, user, phone: str, limit: int = 20) -> list[OrderRow]:
    """The caller's earlier orders (by the phone's keyed hash), newest first, as far as the user may see."""
    digest = crypto.phone_hash(phone)
    if not digest:
        return []
    queryset = access.orders_visible_to(user).filter(caller_phone_hash=digest)
    if user.role in (Role.UNIT_HANDLER, Role.UNIT_ADMIN):
        # Finding a whistle-blower's or confidential caller's order by their phone would reveal who filed it.
        queryset = queryset.exclude(confidential=True).exclude(appeal_type__protects_identity=True)
    queryset = queryset.select_related("appeal_type", "urgency", "lead_unit").order_by("-registered_at")
    return _rows(user, queryset[: min(limit, 100)])


def order_list(*, user, state: str | None = None, page: int = 1, page_size: int = 50) -> list[OrderRow]:
    """All orders the user may see, newest first, optionally in one state."""
    queryset = access.orders_visible_to(user).select_related("appeal_type", "urgency", "lead_unit")
    if state:
        queryset = queryset.filter(state=state)
    return _rows(user, _page(queryset.order_by("-registered_at"), page, page_size))


@dataclass(frozen=True)
class OrderDetail:
    order: WorkOrder
    caller: access.CallerView
    events: list
    assignments: list
    allowed_actions: list[str]


def order_detail(*, user, number: str) -> OrderDetail:
    """One order as `user` may see it: fields, caller (logged when unmasked), history and units.

    Raises WorkOrder.DoesNotExist for an unknown number and PermissionDenied
    for an order the user may not see (the same message either way would leak
    nothing more: staff are told plainly).
    """
    order = WorkOrder.objects.select_related(
        "appeal_type", "urgency", "category", "lead_unit", "channel", "line", "area"
    ).get(number=number)
    if not access.can_view(user, order):
        raise PermissionDenied(_("您无权查看该工单。"))
    caller = access.caller_view(user, order)
    events = list(order.events.select_related("actor", "unit").order_by("seq"))
    assignments = list(order.assignments.select_related("unit").order_by("dispatched_at", "role"))
    from rexian.orders.transitions import allowed_actions

    actions = [a for a in allowed_actions(order.state) if access.may(user, a, order)]
    return OrderDetail(order, caller, events, assignments, actions)


def workload_counts(*, user, now=None) -> dict[str, int]:
    """The counts a role's home page shows (工作量): what is waiting for this user or their unit.

    Every count is one indexed COUNT over the orders the user may see, so the
    home page costs the same at any number of orders stored.
    """
    now = now or timezone.now()
    visible = access.orders_visible_to(user)
    counts: dict[str, int] = {}
    role = user.role
    if role in (Role.OPERATOR, Role.SUPERVISOR):
        counts["to_review"] = visible.filter(state=State.REGISTERED).count()
        counts["awaiting_callback"] = visible.filter(state=State.AWAITING_CALLBACK).count()
        counts["callback_overdue"] = visible.filter(state=State.AWAITING_CALLBACK, is_overdue=True).count()
        start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        counts["registered_today_by_me"] = WorkOrder.objects.filter(
            registered_by=user, registered_at__gte=start_of_day
        ).count()
    if role in (Role.DISPATCHER, Role.SUPERVISOR):
        counts["pending_dispatch"] = visible.filter(state=State.PENDING_DISPATCH).count()
        counts["return_requested"] = visible.filter(state=State.RETURN_REQUESTED).count()
        counts["pending_extension"] = visible.filter(state=State.IN_PROGRESS, pending_extension=True).count()
        counts["replied"] = visible.filter(state=State.REPLIED).count()
        counts["reopened"] = visible.filter(state=State.REOPENED).count()
    if role in (Role.SUPERVISOR, Role.LEADER):
        start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        counts["registered_today"] = visible.filter(registered_at__gte=start_of_day).count()
        counts["overdue"] = visible.filter(state__in=OPEN_STATES, is_overdue=True).count()
        counts["near_deadline"] = visible.filter(
            state__in=OPEN_STATES, is_overdue=False, due_warn_at__lte=now, due_at__gte=now
        ).count()
    if role in (Role.UNIT_HANDLER, Role.UNIT_ADMIN) and user.unit_id is not None:
        open_parts = Assignment.objects.filter(unit_id=user.unit_id, is_open=True)
        counts["to_sign"] = open_parts.filter(status=Assignment.Status.DISPATCHED).count()
        in_work = visible.filter(pk__in=open_parts.values("order_id"))
        counts["in_work"] = in_work.count()
        counts["overdue"] = in_work.filter(is_overdue=True).count()
        counts["near_deadline"] = in_work.filter(is_overdue=False, due_warn_at__lte=now, due_at__gte=now).count()
    return counts


@dataclass(frozen=True)
class OrderRecords:
    """What hangs off an order besides its events: linked orders and the records of its handling."""

    same_caller: list[OrderRow]  # the caller's other orders (关联工单)
    merged: list[WorkOrder]  # orders merged into this one (并单)
    master: WorkOrder | None  # the order this one was merged into
    callbacks: list
    return_requests: list
    extension_requests: list
    attachments: list


def order_related(*, user, order: WorkOrder, limit: int = 10) -> OrderRecords:
    """The linked orders and handling records of an order the user may see (checked by `order_detail` first)."""
    if not access.can_view(user, order):
        raise PermissionDenied(_("您无权查看该工单。"))
    same_caller = []
    if order.caller_phone_hash:
        same_caller = [
            row for row in caller_history(user=user, phone=order.caller_phone, limit=limit + 1) if row.order.pk != order.pk
        ][:limit]
    visible = access.orders_visible_to(user)
    merged = list(visible.filter(master=order).order_by("registered_at")[:50])
    master = visible.filter(pk=order.master_id).first() if order.master_id else None
    attachments = order.attachments.order_by("uploaded_at")
    if user.role in (Role.UNIT_HANDLER, Role.UNIT_ADMIN) and order.protects_identity:
        attachments = attachments.exclude(kind=Attachment.Kind.RECORDING)  # the caller's voice identifies them
    return OrderRecords(
        same_caller=same_caller,
        merged=merged,
        master=master,
        callbacks=list(order.callbacks.select_related("operator").order_by("at")),
        return_requests=list(order.return_requests.select_related("unit", "requested_by").order_by("requested_at")),
        extension_requests=list(
            order.extension_requests.select_related("unit", "requested_by").order_by("requested_at")
        ),
        attachments=list(attachments),
    )
