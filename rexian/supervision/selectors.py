"""Reads of supervision (督办) and leaders' instructions (批示), on orders and on reports.

Centre staff see every item; a unit's handlers see their unit's, a unit admin those of the unit's subtree.
Lists are filtered and paginated in the database and counted with one aggregate query.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from rexian.orders import access
from rexian.orders.models import WorkOrder
from rexian.supervision.models import Supervision
from rexian.units.models import UNIT_ROLES

Status = Supervision.Status
WAITING_ON_UNIT = (Status.ISSUED, Status.ACKNOWLEDGED)
PAGE_SIZE = 50
# The list's tabs (the status filter): a slug each, the statuses it holds.
TABS = {
    "open": (Status.ISSUED, Status.ACKNOWLEDGED, Status.REPORTED),
    "issued": (Status.ISSUED,),
    "acknowledged": (Status.ACKNOWLEDGED,),
    "reported": (Status.REPORTED,),
    "closed": (Status.CLOSED,),
}


def supervisions_visible_to(user) -> QuerySet:
    """The items `user` may see, as a queryset (filter it further, never widen it)."""
    items = Supervision.objects.all()
    if not (user.is_authenticated and user.is_active):
        return items.none()
    if user.role in access.CENTRE_VIEWERS:
        return items
    if user.role in UNIT_ROLES:
        return items.filter(unit_id__in=access.unit_ids(user))
    return items.none()


@dataclass
class SupervisionPage:
    rows: list[Supervision]
    page: int
    has_next: bool
    counts: dict[str, int]  # per tab slug, and "overdue" and "all"


def _overdue(now) -> Q:
    return Q(status__in=WAITING_ON_UNIT, due_at__lt=now)


def supervision_counts(*, user, now=None) -> dict[str, int]:
    """How many visible items are in each tab, how many are overdue (unreported past their deadline), and all."""
    now = now or timezone.now()
    aggregates = {slug: Count("pk", filter=Q(status__in=statuses)) for slug, statuses in TABS.items()}
    aggregates["overdue"] = Count("pk", filter=_overdue(now))
    aggregates["all"] = Count("pk")
    return supervisions_visible_to(user).aggregate(**aggregates)


def supervision_list(
    *,
    user,
    tab: str | None = None,
    kind: str | None = None,
    overdue: bool = False,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    now=None,
) -> SupervisionPage:
    """A page of the visible items, the earliest report deadline first (closed ones: the latest closed first)."""
    now = now or timezone.now()
    items = supervisions_visible_to(user)
    counts = supervision_counts(user=user, now=now)
    if tab in TABS:
        items = items.filter(status__in=TABS[tab])
    if kind in Supervision.Kind.values:
        items = items.filter(kind=kind)
    if overdue:
        items = items.filter(_overdue(now))
    ordering = ("-closed_at", "-id") if tab == "closed" else ("due_at", "id")
    page = max(1, int(page))
    start = (page - 1) * page_size
    rows = list(
        items.select_related("order", "source_report", "unit", "issued_by")
        .order_by(*ordering)[start : start + page_size + 1]
    )
    return SupervisionPage(rows=rows[:page_size], page=page, has_next=len(rows) > page_size, counts=counts)


def order_supervisions(*, user, order: WorkOrder) -> list[Supervision]:
    """The order's items that `user` may see, oldest first, with their steps (who did what, when)."""
    items = supervisions_visible_to(user).filter(order=order)
    return list(
        items.select_related("unit", "issued_by").prefetch_related("steps__actor").order_by("issued_at", "id")
    )


def report_supervisions(*, user, report) -> list[Supervision]:
    """The report's items that `user` may see, oldest first, with their steps."""
    items = supervisions_visible_to(user).filter(source_report=report)
    return list(
        items.select_related("unit", "issued_by").prefetch_related("steps__actor").order_by("issued_at", "id")
    )


def supervision_get(*, user, pk: int) -> Supervision:
    """One visible item (404 otherwise, so as not to tell whether it exists)."""
    items = supervisions_visible_to(user).select_related("order", "source_report", "unit", "issued_by")
    return get_object_or_404(items.prefetch_related("steps__actor"), pk=pk)
