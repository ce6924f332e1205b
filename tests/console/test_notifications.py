"""The bell, the notification list and marking read (rexian/console/views/notifications.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from rexian.notifications.models import Notification
from rexian.orders.transitions import State

pytestmark = pytest.mark.django_db
K = Notification.Kind
T0 = dt.datetime(2025, 11, 4, 2, 0, tzinfo=dt.timezone.utc)
BELL = reverse("console:bell")
LIST = reverse("console:notifications")
READ = reverse("console:notifications-read")


def note(user, n: int = 0, *, order=None, read: bool = False, text: str = "") -> Notification:
    return Notification.objects.create(
        recipient=user,
        kind=K.NEW_ORDER,
        order=order,
        order_number=order.number if order else "",
        text=text or f"通知{n}",
        created_at=T0 + dt.timedelta(minutes=n),
        read_at=T0 if read else None,
        key=f"test:{n}",
    )


def unread(notification) -> bool:
    notification.refresh_from_db()
    return notification.read_at is None


def test_bell_shows_the_unread_count(signed_in, cast):
    note(cast.housing_handler, 1)
    note(cast.housing_handler, 2)
    note(cast.housing_handler, 3, read=True)
    page = signed_in(cast.housing_handler).get(BELL).content.decode()
    assert '<span class="bell__count" aria-hidden="true">2</span>' in page
    assert "2 条未读通知" in page


def test_bell_is_only_the_icon_without_unread(signed_in, cast):
    note(cast.housing_handler, 1, read=True)
    page = signed_in(cast.housing_handler).get(BELL).content.decode()
    assert "bell__icon" in page
    assert "bell__count" not in page


def test_bell_shows_99_plus_beyond_the_cap(signed_in, cast):
    Notification.objects.bulk_create(
        Notification(recipient=cast.dispatcher, kind=K.NEW_ORDER, text="x", created_at=T0, key=f"k{n}")
        for n in range(120)
    )
    assert ">99+<" in signed_in(cast.dispatcher).get(BELL).content.decode()


def test_bell_after_the_session_ended_is_204(client):
    assert client.get(BELL).status_code == 204


def test_list_highlights_the_unread(signed_in, cast):
    note(cast.housing_handler, 1, text="新工单甲")
    note(cast.housing_handler, 2, read=True, text="新工单乙")
    page = signed_in(cast.housing_handler).get(LIST).content.decode()
    assert page.count("notification--unread") == 1
    assert "新工单甲" in page and "新工单乙" in page


def test_list_shows_only_the_users_own(signed_in, cast):
    note(cast.urban_handler, 1, text="城管局的通知")
    page = signed_in(cast.housing_handler).get(LIST).content.decode()
    assert "城管局的通知" not in page
    assert "暂无通知" in page


def test_list_can_show_only_the_unread(signed_in, cast):
    note(cast.housing_handler, 1, text="新工单甲")
    note(cast.housing_handler, 2, read=True, text="新工单乙")
    page = signed_in(cast.housing_handler).get(LIST, {"unread": "1"}).content.decode()
    assert "新工单甲" in page and "新工单乙" not in page


def test_list_needs_a_sign_in(client):
    assert client.get(LIST).status_code == 302


def test_following_a_notification_marks_it_read_and_opens_the_order(signed_in, cast, make_order):
    order = make_order(State.DISPATCHED)
    notification = note(cast.housing_handler, 1, order=order)
    client = signed_in(cast.housing_handler)
    assert f"?read={notification.pk}" in client.get(LIST).content.decode()
    response = client.get(LIST, {"read": notification.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("console:order", args=[order.number])
    assert not unread(notification)


def test_following_another_users_notification_changes_nothing(signed_in, cast, make_order):
    order = make_order(State.DISPATCHED)
    notification = note(cast.housing_admin, 1, order=order)
    response = signed_in(cast.housing_handler).get(LIST, {"read": notification.pk})
    assert response["Location"] == LIST
    assert unread(notification)


def test_a_malformed_notification_number_is_400(signed_in, cast):
    assert signed_in(cast.housing_handler).get(LIST, {"read": "abc"}).status_code == 400
    assert signed_in(cast.housing_handler).post(READ, {"id": "abc"}).status_code == 400


def test_mark_all_read(signed_in, cast):
    first, second = note(cast.housing_handler, 1), note(cast.housing_handler, 2)
    response = signed_in(cast.housing_handler).post(READ, {"next": f"{LIST}?unread=1"})
    assert response["Location"] == f"{LIST}?unread=1"
    assert not unread(first) and not unread(second)


def test_mark_one_read(signed_in, cast):
    first, second = note(cast.housing_handler, 1), note(cast.housing_handler, 2)
    signed_in(cast.housing_handler).post(READ, {"id": first.pk})
    assert not unread(first) and unread(second)


def test_a_user_cannot_mark_another_users_notification_read(signed_in, cast):
    others = note(cast.housing_admin, 1)
    response = signed_in(cast.housing_handler).post(READ, {"id": others.pk})
    assert response.status_code == 302
    assert unread(others)


def test_mark_read_goes_back_only_to_a_console_page(signed_in, cast):
    response = signed_in(cast.housing_handler).post(READ, {"next": "https://evil.example/"})
    assert response["Location"] == LIST


def test_opening_mark_read_marks_nothing_and_goes_back_to_the_list(signed_in, cast):
    # What the browser does after signing in again (tests/console/test_method_not_allowed.py): nothing is marked.
    notification = note(cast.housing_handler, 1)
    response = signed_in(cast.housing_handler).get(READ)
    assert (response.status_code, response["Location"]) == (302, LIST)
    assert unread(notification)


def test_a_dispatch_reaches_the_units_bell(signed_in, cast, make_order, django_capture_on_commit_callbacks):
    order = make_order(State.PENDING_DISPATCH)
    client = signed_in(cast.dispatcher)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("console:order-action", args=[order.number, "dispatch"]),
            {"version": order.version, "lead_unit": cast.housing.pk},
        )
    page = signed_in(cast.housing_handler).get(BELL).content.decode()
    assert '<span class="bell__count" aria-hidden="true">1</span>' in page


def test_a_report_notification_opens_the_report(signed_in, cast):
    from django.utils import timezone

    note = Notification.objects.create(
        recipient=cast.leader, kind=Notification.Kind.REPORT, text="新报告：工作日报", link="/console/reports/7/",
        created_at=timezone.now(), key="report:7",
    )
    client = signed_in(cast.leader)
    page = client.get(reverse("console:notifications")).content.decode()
    assert f'?read={note.pk}">新报告：工作日报</a>' in page
    response = client.get(reverse("console:notifications"), {"read": note.pk})
    assert response.status_code == 302 and response["Location"] == "/console/reports/7/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_a_bad_notification_number_is_a_readable_400(signed_in, cast):
    client = signed_in(cast.housing_handler)
    for response in (client.get(LIST, {"read": "abc"}), client.post(READ, {"id": "abc"})):
        page = response.content.decode()
        assert response.status_code == 400 and "通知编号不正确。" in page and "<title>" in page
