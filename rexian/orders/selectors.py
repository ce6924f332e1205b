"""Reads of work orders. Every list goes through `access.orders_visible_to` and is
paginated in the database; the caller's data is masked as the viewer's role demands.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from rexian.orders import access
from rexian.orders.models import Assignment, WorkOrder
from rexian.orders.transitions import State
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
