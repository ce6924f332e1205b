from __future__ import annotations

import pytest
from django.urls import reverse

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
