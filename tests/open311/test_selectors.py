"""What the public sees of orders through Open311: which orders, which fields, never personal data."""

from __future__ import annotations

import pytest

from rexian.open311 import selectors
from rexian.orders import services as order_services
from rexian.orders.transitions import State
from tests import factories as f
from tests.open311.conftest import BASE, open311_order

CALLER_DATA = ["张三", "张*", "13812348000", "138****8000", "32128319800101123X", "zhangsan@example.com"]


def public_numbers() -> list[str]:
    return [order.number for order in selectors.public_orders()]


def every_public_response(client, number: str) -> list[bytes]:
    urls = [f"{BASE}/requests.{fmt}?extensions=true" for fmt in ("xml", "json")]
    urls += [f"{BASE}/requests/{number}.{fmt}?extensions=true" for fmt in ("xml", "json")]
    return [client.get(url).content for url in urls]


# --- Which orders ------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["open311", "portal"])
def test_orders_from_the_public_channels_are_public(make_order, channel):
    order = make_order(State.REGISTERED, channel=f.channel(channel))
    assert public_numbers() == [order.number]


@pytest.mark.parametrize("channel", ["phone", "web", "wechat"])
def test_orders_from_other_channels_are_never_public(client, make_order, channel):
    order = make_order(State.REGISTERED, channel=f.channel(channel))
    assert public_numbers() == []
    assert client.get(f"{BASE}/requests/{order.number}.xml").status_code == 404


def test_a_confidential_callers_order_is_never_public(client, make_order):
    order = open311_order(make_order, State.REGISTERED, confidential=True)
    assert public_numbers() == []
    assert client.get(f"{BASE}/requests/{order.number}.json").status_code == 404


def test_a_whistleblowers_order_is_never_public(client, make_order):
    order = open311_order(make_order, State.REGISTERED, appeal_type=f.appeal_type("report"))
    assert public_numbers() == []
    assert client.get(f"{BASE}/requests/{order.number}.xml").status_code == 404
    for fmt in ("xml", "json"):
        assert order.number.encode() not in client.get(f"{BASE}/requests.{fmt}").content


def test_a_voided_order_is_not_public(cast, make_order):
    order = open311_order(make_order, State.REGISTERED)
    order_services.order_void(actor=cast.supervisor, order=order, reason="测试件")
    assert public_numbers() == []


def test_a_merged_order_is_closed_with_a_neutral_note(cast, make_order):
    master = open311_order(make_order, State.REGISTERED)
    order = open311_order(make_order, State.REGISTERED)
    order_services.order_merge(actor=cast.operator, order=order, master=master, note="与内部工单重复")
    item = selectors.public_request(order.number)
    assert item.status == "closed"
    assert item.status_notes == "该诉求已与相同诉求合并办理。"


# --- Which fields ------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [State.REGISTERED, State.IN_PROGRESS, State.CLOSED])
def test_no_response_carries_the_callers_personal_data(client, make_order, state):
    order = open311_order(make_order, state)
    for content in every_public_response(client, order.number):
        text = content.decode("utf-8")
        assert order.number in text
        for value in CALLER_DATA:
            assert value not in text


def test_phone_numbers_written_into_free_text_are_masked(client, make_order):
    order = open311_order(
        make_order, State.REGISTERED, description="请联系我13912345678，身份证320123199001011234，邮箱a.b@example.com"
    )
    item = selectors.public_request(order.number)
    assert item.description == "请联系我139****5678，身份证3201**********1234，邮箱***@***"


def test_redact_masks_landlines_and_keeps_order_numbers():
    assert selectors.redact("工单20261126-000123 电话0523-87654321") == "工单20261126-000123 电话052****4321"


def test_internal_notes_never_appear(cast, client, make_order):
    order = open311_order(make_order, State.REPLIED)
    order_services.reply_reject(actor=cast.dispatcher, order=order, reason="内部意见：回复不完整")
    order.refresh_from_db()
    order_services.order_reply(
        actor=cast.housing_handler, order=order, result="已修复电梯。", measures="内部措施：约谈物业经理"
    )
    order.refresh_from_db()
    order_services.reply_accept(actor=cast.dispatcher, order=order, note="内部审核意见")
    for content in every_public_response(client, order.number):
        text = content.decode("utf-8")
        assert "已修复电梯。" in text
        assert "内部" not in text


def test_status_notes_show_the_state_until_the_reply_is_accepted(make_order):
    order = open311_order(make_order, State.REPLIED)
    assert selectors.public_request(order.number).status_notes == "已回复待审"


def test_status_notes_show_the_lead_units_reply_once_accepted(make_order):
    order = open311_order(make_order, State.AWAITING_CALLBACK)
    item = selectors.public_request(order.number)
    assert item.status == "open"
    assert item.status_notes == "已督促物业修复电梯。"


def test_status_notes_show_an_answer_given_on_the_call(cast, make_order):
    order = open311_order(make_order, State.REGISTERED)
    order_services.order_answer_on_spot(
        actor=cast.operator, order=order, answer="物业维修基金申请流程见住建局网站。", sample_for_callback=False
    )
    item = selectors.public_request(order.number)
    assert (item.status, item.status_notes) == ("closed", "物业维修基金申请流程见住建局网站。")


def test_a_closed_request_was_updated_when_it_closed(make_order):
    order = open311_order(make_order, State.CLOSED)
    assert selectors.public_request(order.number).updated_datetime == order.closed_at


def test_an_open_request_was_updated_at_its_last_event(make_order):
    order = open311_order(make_order, State.DISPATCHED)
    assert selectors.public_request(order.number).updated_datetime == order.events.last().at


def test_expected_datetime_is_the_reply_deadline(make_order):
    order = open311_order(make_order, State.IN_PROGRESS)
    item = selectors.public_request(order.number)
    assert item.expected_datetime == order.reply_deadline
    assert item.agency_responsible == "住建局"


def test_a_request_not_yet_dispatched_has_no_agency_or_deadline(make_order):
    item = selectors.public_request(open311_order(make_order, State.PENDING_DISPATCH).number)
    assert (item.agency_responsible, item.expected_datetime) == (None, None)
    assert item.detailed_status == "pending_dispatch"


# --- Services ---------------------------------------------------------------------------------


def test_a_category_with_children_is_not_a_service(cast):
    assert selectors.service_category("0101") is None
    assert selectors.service_category("010101") == cast.property_service


def test_a_level_one_leaf_has_no_group(cast):
    f.CategoryFactory(code="99", name="其他")
    service = next(s for s in selectors.services_list() if s.service_code == "99")
    assert (service.group, service.keywords, service.description) == ("", "", "其他")


def test_service_attributes_offer_only_active_appeal_types(cast):
    f.appeal_type("praise").__class__.objects.filter(code="praise").update(is_active=False)
    values = [v.key for v in selectors.service_attributes()[0].values]
    assert "praise" not in values


def test_attribute_codes_match_the_service_definition(cast):
    assert {a.code for a in selectors.service_attributes()} == selectors.ATTRIBUTE_CODES
