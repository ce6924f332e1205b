"""Reads of work orders: the unit inbox (承办件), the dispatch queue (待派单), caller history, pagination."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from rexian.orders import selectors, services
from rexian.orders.models import WorkOrder
from rexian.orders.transitions import State
from rexian.privacy import crypto
from tests import factories as f
from tests.conftest import register

PHONE = "13812348000"


def dispatched_to(cast, lead, assisting=(), **overrides) -> WorkOrder:
    order = register(cast, **overrides)
    services.order_send_to_dispatch(actor=cast.operator, order=order)
    services.order_dispatch(actor=cast.dispatcher, order=order, lead_unit=lead, assisting_units=assisting)
    order.refresh_from_db()
    return order


def numbers(rows) -> list[str]:
    return [row.order.number for row in rows]


def set_registered(order, at):
    WorkOrder.objects.filter(pk=order.pk).update(registered_at=at)


T0 = dt.datetime(2025, 11, 3, 9, 0, tzinfo=dt.timezone.utc)


# --- unit_inbox ------------------------------------------------------------------------------------


def test_unit_inbox_lists_orders_dispatched_to_the_unit(cast):
    order = dispatched_to(cast, cast.housing)
    assert numbers(selectors.unit_inbox(user=cast.housing_handler)) == [order.number]


def test_unit_inbox_lists_orders_the_unit_assists(cast):
    order = dispatched_to(cast, cast.housing, assisting=[cast.urban])
    assert numbers(selectors.unit_inbox(user=cast.urban_handler)) == [order.number]


def test_unit_inbox_puts_the_nearest_deadline_first(cast):
    later = dispatched_to(cast, cast.housing, title="晚到期")
    sooner = dispatched_to(cast, cast.housing, title="早到期")
    middle = dispatched_to(cast, cast.housing, title="中间")
    for order, hours in ((later, 30), (sooner, 2), (middle, 10)):
        WorkOrder.objects.filter(pk=order.pk).update(due_at=T0 + dt.timedelta(hours=hours))
    assert numbers(selectors.unit_inbox(user=cast.housing_handler)) == [sooner.number, middle.number, later.number]


def test_unit_inbox_keeps_an_order_while_its_reply_is_reviewed(cast, make_order):
    order = make_order(State.REPLIED)
    assert numbers(selectors.unit_inbox(user=cast.housing_handler)) == [order.number]


def test_unit_inbox_drops_an_order_once_the_reply_is_accepted(cast, make_order):
    make_order(State.AWAITING_CALLBACK)
    assert selectors.unit_inbox(user=cast.housing_handler) == []


def test_unit_inbox_drops_an_order_returned_to_the_centre(cast):
    order = dispatched_to(cast, cast.housing)
    services.return_request(actor=cast.housing_handler, order=order, reason="不属于本单位职责。")
    services.return_approve(actor=cast.dispatcher, order=order)
    assert selectors.unit_inbox(user=cast.housing_handler) == []


def test_unit_inbox_excludes_orders_of_units_below(cast):
    dispatched_to(cast, cast.community)
    town_admin = f.UserFactory(username="town_admin", role="unit_admin", unit=cast.town)
    assert selectors.unit_inbox(user=town_admin) == []


@pytest.mark.parametrize("role", ["operator", "dispatcher", "supervisor", "leader"])
def test_unit_inbox_is_refused_to_centre_staff(cast, role):
    with pytest.raises(PermissionDenied):
        selectors.unit_inbox(user=getattr(cast, role))


def test_unit_inbox_is_paginated(cast):
    orders = [dispatched_to(cast, cast.housing, title=f"工单{i}") for i in range(3)]
    for hours, order in enumerate(orders):
        WorkOrder.objects.filter(pk=order.pk).update(due_at=T0 + dt.timedelta(hours=hours))
    assert numbers(selectors.unit_inbox(user=cast.housing_handler, page=2, page_size=2)) == [orders[2].number]


# --- dispatch_queue -------------------------------------------------------------------------------------


def test_dispatch_queue_holds_orders_waiting_for_dispatch_oldest_first(cast, make_order):
    newer = make_order(State.PENDING_DISPATCH)
    older = make_order(State.PENDING_DISPATCH)
    set_registered(newer, T0 + dt.timedelta(minutes=5))
    set_registered(older, T0)
    assert numbers(selectors.dispatch_queue(user=cast.dispatcher)) == [older.number, newer.number]


def test_dispatch_queue_leaves_out_other_states(cast, make_order):
    waiting = make_order(State.PENDING_DISPATCH)
    make_order(State.REGISTERED)
    make_order(State.DISPATCHED)
    assert numbers(selectors.dispatch_queue(user=cast.supervisor)) == [waiting.number]


@pytest.mark.parametrize("role", ["operator", "inspector", "leader", "admin", "housing_handler"])
def test_dispatch_queue_is_refused_to_other_roles(cast, role):
    with pytest.raises(PermissionDenied):
        selectors.dispatch_queue(user=getattr(cast, role))


def test_dispatch_queue_masks_the_caller(cast, make_order):
    make_order(State.PENDING_DISPATCH)
    [row] = selectors.dispatch_queue(user=cast.dispatcher)
    assert row.caller.phone == "138****8000"


# --- caller_history -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["13812348000", "+86 138-1234-8000", "0086 13812348000", "8613812348000", " 138 1234 8000 "]
)
def test_caller_history_finds_the_phone_in_any_format(cast, typed):
    order = register(cast, caller_phone="13812348000")
    assert numbers(selectors.caller_history(user=cast.operator, phone=typed)) == [order.number]


def test_caller_history_finds_an_order_registered_in_another_format(cast):
    order = register(cast, caller_phone="+86 138-1234-8000")
    assert numbers(selectors.caller_history(user=cast.operator, phone="13812348000")) == [order.number]


def test_caller_history_is_newest_first(cast):
    first = register(cast)
    second = register(cast)
    third = register(cast)
    set_registered(first, T0)
    set_registered(second, T0 + dt.timedelta(days=2))
    set_registered(third, T0 + dt.timedelta(days=1))
    assert numbers(selectors.caller_history(user=cast.operator, phone=PHONE)) == [
        second.number, third.number, first.number,
    ]


def test_caller_history_leaves_out_other_callers(cast):
    mine = register(cast)
    register(cast, caller_phone="13900001111")
    assert numbers(selectors.caller_history(user=cast.operator, phone=PHONE)) == [mine.number]


def test_caller_history_is_limited(cast):
    for _ in range(4):
        register(cast)
    assert len(selectors.caller_history(user=cast.operator, phone=PHONE, limit=3)) == 3


def test_caller_history_limit_is_capped_at_100(cast):
    orders = [
        WorkOrder(
            number=f"20251103-{i:06d}", channel=f.channel(), appeal_type=f.appeal_type("consult"),
            urgency=f.urgency("normal"), title="咨询", description="咨询", caller_phone_hash=crypto.phone_hash(PHONE),
            registered_at=T0 + dt.timedelta(minutes=i),
        )
        for i in range(101)
    ]
    WorkOrder.objects.bulk_create(orders)
    assert len(selectors.caller_history(user=cast.operator, phone=PHONE, limit=1000)) == 100


@pytest.mark.parametrize("phone", ["", "   ", "--"])
def test_caller_history_of_no_phone_is_empty(cast, phone):
    register(cast, caller_phone="")
    assert selectors.caller_history(user=cast.operator, phone=phone) == []


def test_orders_without_a_phone_are_not_one_callers_history(cast):
    register(cast, caller_phone="")
    register(cast, caller_phone="")
    assert WorkOrder.objects.filter(caller_phone_hash="").count() == 2
    assert selectors.caller_history(user=cast.operator, phone="") == []


# --- order_list and pagination bounds --------------------------------------------------------------------


@pytest.fixture
def many_orders(cast):
    """205 plain orders, registered a minute apart (bulk-created: only the list is under test)."""
    WorkOrder.objects.bulk_create(
        WorkOrder(
            number=f"20251103-{i:06d}", channel=f.channel(), appeal_type=f.appeal_type("consult"),
            urgency=f.urgency("normal"), title=f"咨询{i}", description="咨询", registered_at=T0 + dt.timedelta(minutes=i),
        )
        for i in range(205)
    )
    return list(WorkOrder.objects.order_by("-registered_at").values_list("number", flat=True))


def test_order_list_is_newest_first(cast, many_orders):
    assert numbers(selectors.order_list(user=cast.operator, page_size=3)) == many_orders[:3]


def test_order_list_second_page_follows_the_first(cast, many_orders):
    assert numbers(selectors.order_list(user=cast.operator, page=2, page_size=3)) == many_orders[3:6]


@pytest.mark.parametrize("page", [0, -5])
def test_page_below_one_is_the_first_page(cast, many_orders, page):
    assert numbers(selectors.order_list(user=cast.operator, page=page, page_size=3)) == many_orders[:3]


@pytest.mark.parametrize("page_size", [0, -1])
def test_page_size_below_one_is_one(cast, many_orders, page_size):
    assert numbers(selectors.order_list(user=cast.operator, page_size=page_size)) == many_orders[:1]


def test_page_size_is_capped_at_200(cast, many_orders):
    assert len(selectors.order_list(user=cast.operator, page_size=10_000)) == 200


def test_page_past_the_end_is_empty(cast, many_orders):
    assert selectors.order_list(user=cast.operator, page=100, page_size=50) == []


def test_last_partial_page_holds_the_rest(cast, many_orders):
    assert numbers(selectors.order_list(user=cast.operator, page=3, page_size=100)) == many_orders[200:]


def test_order_list_filters_by_state(cast, make_order):
    waiting = make_order(State.PENDING_DISPATCH)
    make_order(State.REGISTERED)
    assert numbers(selectors.order_list(user=cast.operator, state=State.PENDING_DISPATCH)) == [waiting.number]


def test_order_list_page_runs_a_bounded_number_of_queries(cast, many_orders, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        selectors.order_list(user=cast.operator, page_size=200)


def test_order_detail_lists_events_in_order(cast, make_order):
    order = make_order(State.IN_PROGRESS)
    detail = selectors.order_detail(user=cast.operator, number=order.number)
    assert [event.action for event in detail.events] == ["register", "send_to_dispatch", "dispatch", "sign"]
    assert [a.unit for a in detail.assignments] == [cast.housing]

