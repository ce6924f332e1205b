from __future__ import annotations

import pytest
from django.urls import reverse

from rexian.orders import services
from rexian.orders.models import WorkOrder
from rexian.orders.transitions import State

pytestmark = pytest.mark.django_db


def _cards(response) -> str:
    return response.content.decode()


def test_dispatcher_home_counts_the_pending_queue(signed_in, cast, make_order):
    make_order(State.PENDING_DISPATCH)
    make_order(State.PENDING_DISPATCH, title="路灯不亮")
    response = signed_in(cast.dispatcher).get(reverse("console:home"))
    assert response.status_code == 200
    assert response.context["cards"][0] == {
        "label": "待派单", "count": 2, "url": reverse("console:dispatch"), "tone": ""
    }
    assert "路灯不亮" in _cards(response)


def test_unit_handler_home_counts_orders_to_sign_and_lists_them(signed_in, cast, make_order):
    make_order(State.DISPATCHED)
    response = signed_in(cast.housing_handler).get(reverse("console:home"))
    counts = {card["label"]: card["count"] for card in response.context["cards"]}
    assert counts["待签收"] == 1
    assert counts["在办件"] == 1
    assert "小区电梯长期故障无人维修" in _cards(response)


def test_other_unit_sees_nothing_of_this_order(signed_in, cast, make_order):
    make_order(State.DISPATCHED)
    response = signed_in(cast.urban_handler).get(reverse("console:home"))
    counts = {card["label"]: card["count"] for card in response.context["cards"]}
    assert counts["待签收"] == 0
    assert "小区电梯长期故障无人维修" not in _cards(response)


@pytest.mark.parametrize(
    "role", ["operator", "dispatcher", "supervisor", "inspector", "leader", "admin", "housing_handler", "housing_admin"]
)
def test_every_role_has_a_home_page(signed_in, cast, role):
    response = signed_in(getattr(cast, role)).get(reverse("console:home"))
    assert response.status_code == 200
    assert getattr(cast, role).get_role_display() in response.content.decode()


def _counts(response) -> dict[str, int]:
    return {card["label"]: card["count"] for card in response.context["cards"]}


@pytest.mark.parametrize("role", ["supervisor", "leader"])
def test_todays_intake_on_the_home_page_leaves_out_voided_orders(signed_in, cast, make_order, role):
    make_order()
    make_order(State.PENDING_DISPATCH)
    services.order_void(actor=cast.supervisor, order=make_order(), reason="测试工单。")
    assert _counts(signed_in(getattr(cast, role)).get(reverse("console:home")))["今日受理"] == 2


def test_the_centres_overdue_card_says_it_counts_open_orders_now(signed_in, cast, make_order):
    late = make_order(State.DISPATCHED)
    WorkOrder.objects.filter(pk=late.pk).update(is_overdue=True)
    response = signed_in(cast.supervisor).get(reverse("console:home"))
    cards = {card["label"]: card for card in response.context["cards"]}
    assert "已超期" not in cards
    assert cards["当前超期在办"]["count"] == 1
    assert cards["当前超期在办"]["url"] == reverse("console:search") + "?deadline=overdue"


def test_a_units_in_work_card_counts_the_parts_awaiting_review_as_the_inbox_does(signed_in, cast, make_order):
    make_order(State.DISPATCHED)
    make_order(State.REPLIED)  # the unit has replied; the centre has not reviewed the reply yet
    counts = _counts(signed_in(cast.housing_handler).get(reverse("console:home")))
    inbox = signed_in(cast.housing_handler).get(reverse("console:inbox")).context["chips"]
    assert counts["在办件"] == {chip["label"]: chip["count"] for chip in inbox}["全部"] == 2
