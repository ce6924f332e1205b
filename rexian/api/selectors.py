"""Reads the API needs beyond `rexian.orders.selectors`: the filtered order list and list helpers.

Every query starts from `access.orders_visible_to(user)` and only narrows it;
callers are masked with `access.masked_caller`, as in `orders.selectors`.
"""

from __future__ import annotations

import datetime as dt

from rexian.catalog.models import Category
from rexian.core.dates import local_midnight
from rexian.orders import access
from rexian.orders.models import WorkOrder
from rexian.orders.selectors import OrderRow
from rexian.units.models import Unit


def order_search(
    *,
    user,
    state: str | None = None,
    appeal_type=None,
    category: Category | None = None,
    unit: Unit | None = None,
    overdue: bool | None = None,
    registered_from: dt.date | None = None,
    registered_to: dt.date | None = None,
    number: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[OrderRow], bool]:
    """A page of the orders `user` may see, newest first, and whether more follow.

    One LIMIT/OFFSET query fetching one row beyond the page: no COUNT, so the
    cost of a page does not grow with the number of orders stored.
    """
    queryset = access.orders_visible_to(user).select_related("appeal_type", "urgency", "category", "lead_unit")
    if state:
        queryset = queryset.filter(state=state)
    if appeal_type is not None:
        queryset = queryset.filter(appeal_type=appeal_type)
    if category is not None:
        # Codes nest (0101 under 01), so a prefix is the category's whole subtree.
        queryset = queryset.filter(category__code__startswith=category.code)
    if unit is not None:
        queryset = queryset.filter(lead_unit=unit)
    if overdue is not None:
        queryset = queryset.filter(is_overdue=overdue)
    if registered_from is not None:
        queryset = queryset.filter(registered_at__gte=local_midnight(registered_from))
    if registered_to is not None:
        queryset = queryset.filter(registered_at__lt=local_midnight(registered_to + dt.timedelta(days=1)))
    if number:
        queryset = queryset.filter(number=number)
    orders = list(queryset.order_by("-registered_at", "-pk")[offset : offset + limit + 1])
    rows = [OrderRow(order, access.masked_caller(user, order)) for order in orders[:limit]]
    return rows, len(orders) > limit


def load_list_references(rows: list[OrderRow]) -> None:
    """Load the categories and lead units of listed orders in one query each, not one per row.

    The orders selectors join different relations per list; this fills in the rest.
    """
    orders = [row.order for row in rows]
    for field, model in (("category", Category), ("lead_unit", Unit)):
        descriptor = getattr(WorkOrder, field)
        missing = {
            getattr(o, f"{field}_id") for o in orders if getattr(o, f"{field}_id") and not descriptor.is_cached(o)
        }
        if not missing:
            continue
        found = model.objects.in_bulk(missing)
        for order in orders:
            related = found.get(getattr(order, f"{field}_id"))
            if related is not None:
                setattr(order, field, related)
