"""The intake page's 疑似重复 panel and merging the new order into the one it repeats (并单)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rexian.orders.models import OrderEvent, WorkOrder
from rexian.orders.transitions import Action, State
from tests.console.test_intake import form_data

pytestmark = pytest.mark.django_db

INTAKE = reverse("console:intake")
PANEL = reverse("console:intake-duplicates")
LIFT_TITLE = "小区电梯长期故障无人维修"
LIFT_TEXT = "幸福小区3号楼电梯停运两周，物业不予维修，老人出行困难。"


def lift_request(cast, **overrides):
    return form_data(cast, title=LIFT_TITLE, description=LIFT_TEXT, category=cast.property_service.pk, **overrides)


def test_the_page_has_the_panel_refreshed_as_the_operator_types(signed_in, cast):
    page = signed_in(cast.operator).get(INTAKE).content.decode()
    assert 'id="duplicates-panel"' in page and PANEL in page
    assert "from:#id_description" in page


def test_the_panel_lists_the_same_place_order_with_score_reasons_and_merge_choice(signed_in, cast, make_order):
    earlier = make_order(area=cast.community)
    response = signed_in(cast.operator).get(
        PANEL, {"caller_phone": "13900001111", "town": cast.town.pk, "community": cast.community.pk,
                "title": LIFT_TITLE, "description": LIFT_TEXT},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert earlier.number in page and reverse("console:order", args=[earlier.number]) in page
    assert "同一区域" in page and "内容相似" in page and "%" in page
    assert f'name="merge_into" value="{earlier.pk}" form="intake-form"' in page
    assert "并入此单" in page


def test_the_panel_with_nothing_to_go_on_says_so(signed_in, cast, make_order):
    make_order()
    page = signed_in(cast.operator).get(PANEL, {"caller_phone": "1381"}).content.decode()
    assert "没有发现疑似重复的工单" in page


def test_a_closed_order_is_shown_without_a_merge_choice(signed_in, cast, make_order):
    closed = make_order(State.CLOSED)
    page = signed_in(cast.operator).get(PANEL, {"caller_phone": "13812348000"}).content.decode()
    assert closed.number in page and f'value="{closed.pk}"' not in page


def test_the_panel_is_for_call_takers_only(signed_in, cast):
    assert signed_in(cast.housing_handler).get(PANEL, {"caller_phone": "13812348000"}).status_code == 403


def test_saving_with_merge_into_registers_the_order_and_merges_it_into_the_master(signed_in, cast, make_order):
    master = make_order(State.PENDING_DISPATCH)
    client = signed_in(cast.operator)
    response = client.post(INTAKE, lift_request(cast, merge_into=master.pk))
    assert response.status_code == 302
    new = WorkOrder.objects.exclude(pk=master.pk).get()
    assert new.state == State.MERGED and new.master_id == master.pk
    assert new.events.filter(action=Action.MERGE).exists()
    assert not new.events.filter(action=Action.SEND_TO_DISPATCH).exists()
    followed = client.get(INTAKE).content.decode()
    assert "已并入工单" in followed and master.number in followed


def test_a_merge_saved_twice_registers_one_order(signed_in, cast, make_order):
    master = make_order(State.PENDING_DISPATCH)
    client = signed_in(cast.operator)
    data = lift_request(cast, merge_into=master.pk)
    client.post(INTAKE, data)
    new = WorkOrder.objects.exclude(pk=master.pk).get()
    assert client.post(INTAKE, data)["Location"] == reverse("console:order", args=[new.number])
    assert WorkOrder.objects.count() == 2 and new.events.filter(action=Action.MERGE).count() == 1


def test_a_failing_merge_leaves_nothing_behind(signed_in, cast, make_order):
    master = make_order(State.CLOSED)  # closed since the panel was shown: cannot be merged into
    events = OrderEvent.objects.count()
    response = signed_in(cast.operator).post(INTAKE, lift_request(cast, merge_into=master.pk))
    assert response.status_code == 400
    assert "已结束，不能并入" in response.content.decode()
    assert WorkOrder.objects.count() == 1 and OrderEvent.objects.count() == events


def test_an_order_answered_on_the_spot_cannot_be_merged(signed_in, cast, make_order):
    master = make_order()
    response = signed_in(cast.operator).post(
        INTAKE, lift_request(cast, merge_into=master.pk, action="answer", answer="已告知物业报修电话。")
    )
    assert response.status_code == 400
    assert WorkOrder.objects.count() == 1


def test_merging_into_an_order_that_does_not_exist_is_refused(signed_in, cast):
    response = signed_in(cast.operator).post(INTAKE, lift_request(cast, merge_into=999999))
    assert response.status_code == 400
    assert not WorkOrder.objects.exists()


def test_without_merge_into_the_order_goes_to_dispatch_as_before(signed_in, cast, make_order):
    master = make_order()
    signed_in(cast.operator).post(INTAKE, lift_request(cast, merge_into=""))
    new = WorkOrder.objects.exclude(pk=master.pk).get()
    assert new.state == State.PENDING_DISPATCH and new.master_id is None
