"""一企来 on the orders' side: the enterprise desk's queue (企业诉求), one enterprise's orders, and the enterprises
the orders name (by 统一社会信用代码), for `rexian.enterprise`, which keeps the profiles.

An enterprise's request is an ordinary order with `caller_is_enterprise` set (a credit code given at intake sets
it); lists go through `access.orders_visible_to` and are paginated in the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Max, Min, Q
from django.utils.translation import gettext as _

from rexian.orders import access
from rexian.orders.models import WorkOrder
from rexian.orders.selectors.queues import QueuePage, _queue_page, _rows
from rexian.orders.transitions import OPEN_STATES

# The desk's tabs: open (nearest deadline first), overdue, and every enterprise order (newest first).
ENTERPRISE_QUEUE_TABS = ("open", "overdue", "all")
_LIST_RELATED = ("appeal_type", "urgency", "lead_unit", "category")


def _require_centre(user) -> None:
    if user.role not in access.CENTRE_VIEWERS:
        raise PermissionDenied(_("只有热线中心人员可以查看企业诉求。"))


def enterprise_queue(*, user, tab: str = "open", page: int = 1, page_size: int | None = None) -> QueuePage:
    """企业诉求: enterprises' orders for the centre's staff. `counts`: open and overdue (the whole history, "all",
    is not counted: it only grows)."""
    _require_centre(user)
    enterprise_orders = access.orders_visible_to(user).filter(caller_is_enterprise=True)
    open_orders = enterprise_orders.filter(state__in=OPEN_STATES)
    counts = open_orders.aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(is_overdue=True)))
    if tab == "all":
        queryset = enterprise_orders.order_by("-registered_at", "-pk")
    else:
        queryset = open_orders.filter(is_overdue=True) if tab == "overdue" else open_orders
        queryset = queryset.order_by(F("due_at").asc(nulls_last=True), "registered_at", "pk")
    orders, page, has_next = _queue_page(queryset.select_related(*_LIST_RELATED), page, page_size)
    return QueuePage(_rows(user, orders), page, has_next, counts)


def enterprise_orders(*, user, credit_code: str, page: int = 1, page_size: int | None = None) -> QueuePage:
    """One enterprise's orders (its history on the profile), newest first; `counts`: all and open."""
    _require_centre(user)
    orders_of = access.orders_visible_to(user).filter(enterprise_credit_code=credit_code)
    counts = orders_of.aggregate(all=Count("pk"), open=Count("pk", filter=Q(state__in=OPEN_STATES)))
    queryset = orders_of.select_related(*_LIST_RELATED).order_by("-registered_at", "-pk")
    orders, page, has_next = _queue_page(queryset, page, page_size)
    return QueuePage(_rows(user, orders), page, has_next, counts)


@dataclass(frozen=True)
class EnterpriseOrderCounts:
    all: int = 0
    open: int = 0
    last_at: object = None  # when the latest was registered


def enterprise_order_counts(credit_codes) -> dict[str, EnterpriseOrderCounts]:
    """For a page of profiles: each code's number of orders, of open ones, and its latest, in one grouped query."""
    rows = (
        WorkOrder.objects.filter(enterprise_credit_code__in=list(credit_codes))
        .order_by()
        .values("enterprise_credit_code")
        .annotate(all=Count("pk"), open=Count("pk", filter=Q(state__in=OPEN_STATES)), last_at=Max("registered_at"))
    )
    return {
        row["enterprise_credit_code"]: EnterpriseOrderCounts(row["all"], row["open"], row["last_at"]) for row in rows
    }


@dataclass(frozen=True)
class EnterpriseSeen:
    credit_code: str
    name: str  # as the latest order spells it
    area_id: int | None  # the latest order's area
    first_at: object


def enterprises_on_orders(*, exclude_codes=frozenset()) -> list[EnterpriseSeen]:
    """The enterprises the orders name (each credit code once, as its latest order has it), except `exclude_codes`:
    what a profile is made from. One grouped query, then the latest orders by primary key in batches."""
    groups = (
        WorkOrder.objects.exclude(enterprise_credit_code="")
        .order_by()
        .values("enterprise_credit_code")
        .annotate(first_at=Min("registered_at"), last_pk=Max("pk"))
    )
    wanted = [g for g in groups if g["enterprise_credit_code"] not in exclude_codes]
    seen: list[EnterpriseSeen] = []
    for start in range(0, len(wanted), 500):
        batch = wanted[start : start + 500]
        latest = {
            pk: (name, area_id)
            for pk, name, area_id in WorkOrder.objects.filter(pk__in=[g["last_pk"] for g in batch]).values_list(
                "pk", "enterprise_name", "area_id"
            )
        }
        for g in batch:
            name, area_id = latest[g["last_pk"]]
            seen.append(EnterpriseSeen(g["enterprise_credit_code"], name, area_id, g["first_at"]))
    return seen


def enterprise_of_order(order_id: int) -> EnterpriseSeen | None:
    """The enterprise an order names, or None (no credit code)."""
    row = (
        WorkOrder.objects.filter(pk=order_id)
        .exclude(enterprise_credit_code="")
        .values_list("enterprise_credit_code", "enterprise_name", "area_id", "registered_at")
        .first()
    )
    return EnterpriseSeen(*row) if row else None
