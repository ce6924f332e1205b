"""Reads of the notifications app: the bell's count and the user's list."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from rexian.notifications.models import Notification
from rexian.orders import access
from rexian.orders.models import WorkOrder

# The bell shows "99+" beyond this: counting stops there, so a forgotten inbox costs no more than a tidy one.
UNREAD_CAP = 100


def unread_count(*, user) -> int:
    """The user's unread notifications, counted up to UNREAD_CAP (one range of the (recipient, read_at) index)."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)[:UNREAD_CAP].count()


@dataclass(frozen=True)
class NotificationPage:
    items: list[Notification]  # each with `can_open`: whether the user may still see its order
    page: int
    has_next: bool


def notification_list(*, user, page: int = 1, page_size: int = 50, unread_only: bool = False) -> NotificationPage:
    """The user's own notifications, newest first, paginated in the database.

    Each carries `can_open`, asked of the authorization module: a unit whose return was
    approved (退单) keeps the notice but may no longer open the order.
    """
    page = max(page, 1)
    page_size = min(max(page_size, 1), 200)
    queryset = Notification.objects.filter(recipient_id=user.pk)
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    visible = access.orders_visible_to(user, WorkOrder.objects.filter(pk=OuterRef("order_id")))
    queryset = queryset.annotate(can_open=Exists(visible)).order_by("-created_at", "-id")
    start = (page - 1) * page_size
    rows = list(queryset[start : start + page_size + 1])
    return NotificationPage(items=rows[:page_size], page=page, has_next=len(rows) > page_size)
