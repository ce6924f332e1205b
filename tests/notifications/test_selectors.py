"""The bell's count and the list (rexian/notifications/selectors.py), and marking read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rexian.notifications import selectors, services
from rexian.notifications.models import Notification
from rexian.orders import services as orders
from rexian.orders.transitions import State

pytestmark = pytest.mark.django_db
K = Notification.Kind
T0 = dt.datetime(2025, 11, 4, 2, 0, tzinfo=dt.timezone.utc)


def note(user, n: int = 0, *, order=None, read: bool = False, kind=K.NEW_ORDER) -> Notification:
    return Notification.objects.create(
        recipient=user,
        kind=kind,
        order=order,
        order_number=order.number if order else "",
        text=f"通知{n}",
        created_at=T0 + dt.timedelta(minutes=n),
        read_at=T0 if read else None,
        key=f"test:{n}",
    )


def test_unread_count_counts_only_the_users_unread(cast):
    note(cast.housing_handler, 1)
    note(cast.housing_handler, 2)
    note(cast.housing_handler, 3, read=True)
    note(cast.housing_admin, 4)
    assert selectors.unread_count(user=cast.housing_handler) == 2


def test_unread_count_stops_at_the_cap(cast):
    Notification.objects.bulk_create(
        Notification(recipient=cast.dispatcher, kind=K.NEW_ORDER, text="x", created_at=T0, key=f"k{n}")
        for n in range(selectors.UNREAD_CAP + 5)
    )
    assert selectors.unread_count(user=cast.dispatcher) == selectors.UNREAD_CAP


def test_the_list_is_newest_first_and_only_the_users(cast):
    note(cast.housing_handler, 1)
    note(cast.housing_handler, 3)
    note(cast.housing_handler, 2)
    note(cast.urban_handler, 9)
    found = selectors.notification_list(user=cast.housing_handler)
    assert [n.text for n in found.items] == ["通知3", "通知2", "通知1"]
    assert not found.has_next


def test_the_list_is_paginated(cast):
    for n in range(5):
        note(cast.housing_handler, n)
    first = selectors.notification_list(user=cast.housing_handler, page=1, page_size=2)
    last = selectors.notification_list(user=cast.housing_handler, page=3, page_size=2)
    assert ([n.text for n in first.items], first.has_next) == (["通知4", "通知3"], True)
    assert ([n.text for n in last.items], last.has_next) == (["通知0"], False)


def test_the_list_can_show_only_the_unread(cast):
    note(cast.housing_handler, 1)
    note(cast.housing_handler, 2, read=True)
    found = selectors.notification_list(user=cast.housing_handler, unread_only=True)
    assert [n.text for n in found.items] == ["通知1"]


def test_an_order_the_user_may_see_can_be_opened(cast, make_order):
    order = make_order(State.DISPATCHED)
    note(cast.housing_handler, 1, order=order)
    assert selectors.notification_list(user=cast.housing_handler).items[0].can_open


def test_an_order_returned_by_the_unit_can_no_longer_be_opened(cast, make_order):
    order = make_order(State.IN_PROGRESS)
    orders.return_request(actor=cast.housing_handler, order=order, reason="不属于本单位职责。")
    orders.return_approve(actor=cast.dispatcher, order=order)
    note(cast.housing_handler, 1, order=order, kind=K.RETURN_DECIDED)
    assert not selectors.notification_list(user=cast.housing_handler).items[0].can_open


def test_mark_read_marks_all_of_the_users_own(cast):
    note(cast.housing_handler, 1)
    note(cast.housing_handler, 2)
    others = note(cast.housing_admin, 3)
    assert services.notification_mark_read(user=cast.housing_handler) == 2
    assert selectors.unread_count(user=cast.housing_handler) == 0
    others.refresh_from_db()
    assert others.read_at is None


def test_mark_read_marks_only_the_ids_given(cast):
    first, second = note(cast.housing_handler, 1), note(cast.housing_handler, 2)
    services.notification_mark_read(user=cast.housing_handler, ids=[first.pk])
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None


def test_a_user_cannot_mark_another_users_notification(cast):
    others = note(cast.housing_admin, 1)
    assert services.notification_mark_read(user=cast.housing_handler, ids=[others.pk]) == 0
    others.refresh_from_db()
    assert others.read_at is None


def test_opening_a_notification_marks_it_read_and_gives_the_order(cast, make_order):
    order = make_order(State.DISPATCHED)
    notification = note(cast.housing_handler, 1, order=order)
    opened = services.notification_open(user=cast.housing_handler, notification_id=notification.pk)
    assert opened.order_number == order.number
    notification.refresh_from_db()
    assert notification.read_at is not None and notification.read_at <= timezone.now()


def test_opening_another_users_notification_gives_nothing(cast, make_order):
    order = make_order(State.DISPATCHED)
    notification = note(cast.housing_admin, 1, order=order)
    assert services.notification_open(user=cast.housing_handler, notification_id=notification.pk) is None
    notification.refresh_from_db()
    assert notification.read_at is None
