"""重复诉求: `selectors.duplicate_candidates` finds the orders a new request may repeat; `order_duplicates` those an
already recorded order may repeat."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rexian.orders.models import WorkOrder
from rexian.orders.selectors import duplicate_candidates, order_duplicates
from rexian.orders.transitions import State

pytestmark = pytest.mark.django_db

LIFT_TITLE = "小区电梯长期故障无人维修"
LIFT_TEXT = "幸福小区3号楼电梯停运两周，物业不予维修，老人出行困难。"
STRANGER = "13900001111"


def numbers(hits) -> list[str]:
    return [hit.order.number for hit in hits]


def test_the_same_callers_open_order_is_found_by_phone_alone(cast, make_order):
    earlier = make_order(caller_phone="13812348000", title="路灯不亮", description="幸福路路灯坏了三天。")
    [hit] = duplicate_candidates(user=cast.operator, phone="138 1234 8000")
    assert hit.order.number == earlier.number
    assert hit.reasons == ["同一来电人"]
    assert hit.mergeable and not hit.likely


def test_the_same_place_and_similar_text_from_another_caller_is_listed(cast, make_order):
    earlier = make_order(caller_phone="13812348000", area=cast.community)
    hits = duplicate_candidates(
        user=cast.operator, phone=STRANGER, area=cast.community, title=LIFT_TITLE,
        description="幸福小区3号楼的电梯停了两周了，物业一直不修，老人下不了楼。",
    )
    assert numbers(hits) == [earlier.number]
    assert hits[0].reasons == ["同一区域", "内容相似"]
    assert hits[0].order.title == LIFT_TITLE


def test_the_same_request_retold_at_the_same_place_is_a_likely_duplicate(cast, make_order):
    earlier = make_order(caller_phone="13812348000", area=cast.community)
    [hit] = duplicate_candidates(
        user=cast.operator, phone=STRANGER, area=cast.community, address="城东街道幸福小区3号楼",
        title="小区电梯长期故障没人维修", description=LIFT_TEXT,
    )
    assert hit.order.number == earlier.number and hit.likely


def test_an_order_of_the_towns_community_is_the_same_place_when_only_the_town_is_chosen(cast, make_order):
    earlier = make_order(area=cast.community)
    hits = duplicate_candidates(user=cast.operator, area=cast.town, title=LIFT_TITLE, description=LIFT_TEXT)
    assert numbers(hits) == [earlier.number]


def test_the_same_address_is_told_apart_from_another_address_of_the_same_town(cast, make_order):
    same = make_order(area=cast.community)  # 城东街道幸福小区3号楼
    other = make_order(area=cast.community, caller_phone="13700002222", address="城东街道和平花园12号楼")
    hits = duplicate_candidates(
        user=cast.operator, phone=STRANGER, area=cast.town, address="幸福小区3号楼", title=LIFT_TITLE,
        description=LIFT_TEXT,
    )
    reasons = {hit.order.number: hit.reasons for hit in hits}
    assert reasons == {same.number: ["同一地址", "内容相似"], other.number: ["同一区域", "内容相似"]}


def test_unrelated_text_at_the_same_place_is_not_listed(cast, make_order):
    make_order(area=cast.community)
    hits = duplicate_candidates(
        user=cast.operator, phone=STRANGER, area=cast.community, title="夜间施工噪声扰民",
        description="工地每晚十一点后仍在施工，噪声很大。",
    )
    assert hits == []


def test_the_same_request_from_another_caller_at_another_place_is_found_by_its_text(cast, make_order):
    earlier = make_order(area=cast.community)
    [hit] = duplicate_candidates(
        user=cast.operator, phone=STRANGER, area=cast.urban, title=LIFT_TITLE,
        description="幸福小区3号楼电梯停运两周，物业不予维修。",
    )
    assert hit.order.number == earlier.number
    assert hit.reasons == ["内容相似"]  # neither the caller nor the place: the text alone
    assert 0.5 < hit.score < 0.7  # text weighs 0.7 of the score: a retelling elsewhere is listed, not yet flagged


def test_text_that_shares_no_run_of_words_is_not_fetched_from_elsewhere(cast, make_order):
    make_order(area=cast.community)
    hits = duplicate_candidates(user=cast.operator, phone=STRANGER, area=cast.urban, title="电梯噪音大",
                                description="夜里电梯运行声音很响。")
    assert hits == []


def test_a_repeat_older_than_a_busy_place_s_newest_orders_is_found_by_its_text(cast, make_order, monkeypatch):
    earlier = make_order(area=cast.community)
    old = timezone.now() - dt.timedelta(days=5)
    WorkOrder.objects.filter(pk=earlier.pk).update(registered_at=old)
    make_order(area=cast.community, title="路灯不亮", description="幸福路路灯坏了三天。", caller_phone=STRANGER)
    # The place's newest order is the street light: the lift order is found only by its text.
    monkeypatch.setattr("rexian.orders.selectors.duplicates.DUPLICATE_PLACE_CAP", 1)
    hits = duplicate_candidates(user=cast.operator, phone="13900002222", area=cast.community, title=LIFT_TITLE,
                                description=LIFT_TEXT)
    assert numbers(hits) == [earlier.number] and hits[0].likely
    # Without the text source the place's newest order alone is read: the repeat is out of reach.
    monkeypatch.setattr("rexian.orders.selectors.duplicates.DUPLICATE_TEXT_CAP", 0)
    hits = duplicate_candidates(user=cast.operator, phone="13900002222", area=cast.community, title=LIFT_TITLE,
                                description=LIFT_TEXT)
    assert earlier.number not in numbers(hits)


def test_nothing_to_look_up_finds_nothing(cast, make_order):
    make_order()
    assert duplicate_candidates(user=cast.operator) == []
    assert duplicate_candidates(user=cast.operator, area=cast.community) == []  # a place but no text yet


def test_orders_older_than_the_window_are_left_out_unless_the_caller_has_them_open(cast, make_order):
    closed = make_order(State.CLOSED)
    still_open = make_order(title="另一个问题", description="楼道灯坏了。")
    old = timezone.now() - dt.timedelta(days=40)
    WorkOrder.objects.filter(pk__in=[closed.pk, still_open.pk]).update(registered_at=old)
    by_place = duplicate_candidates(user=cast.operator, area=cast.community, title=LIFT_TITLE, description=LIFT_TEXT)
    assert by_place == []
    by_caller = duplicate_candidates(user=cast.operator, phone="13812348000", title=LIFT_TITLE, days=30)
    assert numbers(by_caller) == [still_open.number]
    wider = duplicate_candidates(user=cast.operator, phone="13812348000", days=60)
    assert set(numbers(wider)) == {closed.number, still_open.number}


def test_closed_orders_of_the_window_are_listed_but_cannot_be_merged_into(cast, make_order):
    closed = make_order(State.CLOSED)
    [hit] = duplicate_candidates(user=cast.operator, phone="13812348000", title=LIFT_TITLE, description=LIFT_TEXT)
    assert hit.order.number == closed.number and not hit.mergeable


def test_merged_and_voided_orders_are_not_listed(cast, make_order):
    from rexian.orders import services

    master = make_order()
    repeat = make_order()
    services.order_merge(actor=cast.operator, order=repeat, master=master)
    hits = duplicate_candidates(user=cast.operator, phone="13812348000", title=LIFT_TITLE, description=LIFT_TEXT)
    assert numbers(hits) == [master.number]


def test_a_unit_handler_sees_only_the_orders_of_their_own_unit(cast, make_order):
    theirs = make_order(State.DISPATCHED)  # led by the housing bureau
    make_order()  # not dispatched: no unit has it
    lookup = dict(phone="13812348000", area=cast.community, title=LIFT_TITLE, description=LIFT_TEXT)
    assert numbers(duplicate_candidates(user=cast.housing_handler, **lookup)) == [theirs.number]
    assert duplicate_candidates(user=cast.urban_handler, **lookup) == []


def test_a_unit_handler_never_finds_a_confidential_callers_order_by_phone(cast, make_order):
    make_order(State.DISPATCHED, confidential=True, title="举报", description="某餐馆后厨卫生很差。")
    assert duplicate_candidates(user=cast.housing_handler, phone="13812348000") == []


# --- An order already recorded (the order page's 并单 form) ---


def test_a_recorded_order_finds_the_earlier_one_it_repeats_and_not_itself(cast, make_order):
    earlier = make_order(State.DISPATCHED)
    repeat = make_order(caller_phone=STRANGER, title="小区电梯长期故障没人维修")
    [hit] = order_duplicates(user=cast.dispatcher, order=repeat)
    assert hit.order.number == earlier.number
    assert hit.reasons == ["同一地址", "内容相似"] and hit.likely and hit.mergeable


def test_a_recorded_order_finds_the_same_callers_other_orders_by_the_stored_hash(cast, make_order):
    other = make_order(title="路灯不亮", description="幸福路路灯坏了三天。", area=cast.urban)
    order = make_order(area=cast.urban, title="噪声扰民", description="夜间施工。")
    assert numbers(order_duplicates(user=cast.operator, order=order)) == [other.number]


def test_a_recorded_order_with_nothing_alike_has_no_duplicates(cast, make_order):
    make_order(area=cast.urban, title="夜间施工噪声扰民", description="工地每晚十一点后仍在施工。")
    order = make_order(caller_phone=STRANGER)
    assert order_duplicates(user=cast.operator, order=order) == []
