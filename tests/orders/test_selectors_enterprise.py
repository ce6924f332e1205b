"""一企来 on the orders' side: the enterprise desk's queue, an enterprise's orders, the enterprises orders name."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from rexian.orders import selectors
from rexian.orders.models import WorkOrder
from rexian.orders.transitions import State
from tests.conftest import advance, register

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone.utc)
CODE_A, CODE_B = "91350100M000100Y43", "91110000802100433B"


def numbers(page) -> list[str]:
    return [row.order.number for row in page.rows]


@pytest.fixture
def orders(cast):
    """Three enterprise orders (one closed, one overdue) and one citizen's."""
    first = register(cast, enterprise_name="甲公司", enterprise_credit_code=CODE_A)
    closed = advance(cast, register(cast, enterprise_name="甲公司", enterprise_credit_code=CODE_A), State.CLOSED)
    late = register(cast, enterprise_name="乙公司", enterprise_credit_code=CODE_B)
    WorkOrder.objects.filter(pk=late.pk).update(is_overdue=True)
    citizen = register(cast)
    return first, closed, late, citizen


def test_queue_lists_open_enterprise_orders_nearest_deadline_first(cast, orders):
    first, closed, late, citizen = orders
    WorkOrder.objects.filter(pk=first.pk).update(due_at=T0 + dt.timedelta(days=3))
    WorkOrder.objects.filter(pk=late.pk).update(due_at=T0)
    page = selectors.enterprise_queue(user=cast.operator)
    assert numbers(page) == [late.number, first.number]
    assert page.counts == {"open": 2, "overdue": 1}


def test_queue_tabs(cast, orders):
    first, closed, late, citizen = orders
    assert numbers(selectors.enterprise_queue(user=cast.dispatcher, tab="overdue")) == [late.number]
    assert numbers(selectors.enterprise_queue(user=cast.dispatcher, tab="all")) == [
        late.number, closed.number, first.number
    ]


def test_an_enterprise_s_orders_newest_first_with_counts(cast, orders):
    first, closed, late, citizen = orders
    page = selectors.enterprise_orders(user=cast.leader, credit_code=CODE_A)
    assert numbers(page) == [closed.number, first.number]
    assert page.counts == {"all": 2, "open": 1}


def test_order_counts_per_code_in_one_query(cast, orders, django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = selectors.enterprise_order_counts([CODE_A, CODE_B, "91321283MA1ABCDE2B"])
    assert {code: (c.all, c.open) for code, c in counts.items()} == {CODE_A: (2, 1), CODE_B: (1, 1)}


def test_enterprises_on_orders_take_the_latest_spelling(cast, orders):
    register(cast, enterprise_name="甲公司（更名）", enterprise_credit_code=CODE_A, area=cast.town)
    seen = {s.credit_code: (s.name, s.area_id) for s in selectors.enterprises_on_orders()}
    assert seen == {CODE_A: ("甲公司（更名）", cast.town.pk), CODE_B: ("乙公司", cast.community.pk)}
    assert [s.credit_code for s in selectors.enterprises_on_orders(exclude_codes={CODE_A})] == [CODE_B]


@pytest.mark.parametrize("member", ["housing_handler", "housing_admin"])
def test_unit_staff_have_no_enterprise_queue(cast, member):
    with pytest.raises(PermissionDenied):
        selectors.enterprise_queue(user=getattr(cast, member))
    with pytest.raises(PermissionDenied):
        selectors.enterprise_orders(user=getattr(cast, member), credit_code=CODE_A)
