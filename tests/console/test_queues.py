"""The operators' queues: registrations awaiting review (待审核登记) and callbacks (回访)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rexian.orders.models import Callback, CloseReason, WorkOrder
from rexian.orders.transitions import State
from tests import factories as f

pytestmark = pytest.mark.django_db

REVIEW = reverse("console:review")
CALLBACKS = reverse("console:callbacks")


def _action(order, slug):
    return reverse("console:order-action", args=[order.number, slug])


# --- registrations awaiting review ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["dispatcher", "housing_handler", "leader", "inspector"])
def test_other_roles_get_403_on_the_operator_queues(signed_in, cast, role):
    client = signed_in(getattr(cast, role))
    assert client.get(REVIEW).status_code == 403
    assert client.get(CALLBACKS).status_code == 403


def test_portal_requests_wait_for_review_with_a_link_to_each(signed_in, cast, make_order):
    order = make_order(channel=f.channel("portal"), title="门户提交的诉求")
    make_order(State.PENDING_DISPATCH, title="已转派遣的工单")
    page = signed_in(cast.operator).get(REVIEW).content.decode()
    assert reverse("console:order", args=[order.number]) in page
    assert "门户提交的诉求" in page
    assert "已转派遣的工单" not in page


def test_review_filters_by_channel_with_counts(signed_in, cast, make_order):
    make_order(channel=f.channel("portal"), title="门户提交的诉求")
    make_order(channel=f.channel("open311"), title="Open311提交的诉求")
    response = signed_in(cast.supervisor).get(REVIEW, {"channel": "open311"})
    assert [row.order.title for row in response.context["rows"]] == ["Open311提交的诉求"]
    chips = {chip["label"]: chip["count"] for chip in response.context["chips"]}
    assert chips == {"全部": 2, "Open311接口": 1, "市民门户": 1}


def test_review_masks_the_callers_phone(signed_in, cast, make_order):
    make_order(channel=f.channel("portal"))
    page = signed_in(cast.operator).get(REVIEW).content.decode()
    assert "138****8000" in page
    assert "13812348000" not in page


def test_an_unknown_channel_is_a_400_beside_the_field(signed_in, cast):
    response = signed_in(cast.operator).get(REVIEW, {"channel": "carrier-pigeon"})
    assert response.status_code == 400
    assert 'id="id_channel_error"' in response.content.decode()


def test_sending_to_dispatch_inline_comes_back_and_moves_the_order(signed_in, cast, make_order):
    order = make_order(channel=f.channel("portal"))
    back = f"{REVIEW}?channel=portal"
    client = signed_in(cast.operator)
    response = client.post(_action(order, "send-to-dispatch"), {"version": order.version, "next": back})
    assert (response.status_code, response["Location"]) == (302, back)
    order.refresh_from_db()
    assert order.state == State.PENDING_DISPATCH


def test_review_is_paginated(signed_in, cast, make_order, monkeypatch):
    monkeypatch.setattr("rexian.orders.selectors.queues.QUEUE_PAGE_SIZE", 2)
    for _ in range(3):
        make_order()
    client = signed_in(cast.operator)
    assert client.get(REVIEW).context["has_next"]
    assert len(client.get(REVIEW, {"page": 2}).context["rows"]) == 1


def test_review_costs_a_fixed_number_of_queries(signed_in, cast, make_order, django_assert_max_num_queries):
    for i in range(50):
        make_order(channel=f.channel(("portal", "open311")[i % 2]))
    client = signed_in(cast.operator)
    with django_assert_max_num_queries(10):
        response = client.get(REVIEW)
    assert len(response.context["rows"]) == 50


# --- callbacks ------------------------------------------------------------------------------------------------------


def test_the_callback_queue_shows_the_masked_phone_and_the_units_reply(signed_in, cast, make_order):
    make_order(State.AWAITING_CALLBACK)
    page = signed_in(cast.operator).get(CALLBACKS).content.decode()
    assert "138****8000" in page
    assert "13812348000" not in page
    assert "已督促物业修复电梯。" in page


def test_the_callback_queue_says_whose_caller_was_asked_to_rate_by_text(signed_in, cast, make_order, settings,
                                                                       django_capture_on_commit_callbacks):
    settings.SMS_BACKEND, settings.SMS_REPLIES, settings.SMS_SECRET = "log", True, "s3cret"
    with django_capture_on_commit_callbacks(execute=True):
        invited = make_order(State.AWAITING_CALLBACK)  # its result notice asked for a rating
    settings.SMS_REPLIES = False
    with django_capture_on_commit_callbacks(execute=True):
        make_order(State.AWAITING_CALLBACK)  # told of the result only
    response = signed_in(cast.operator).get(CALLBACKS)
    assert set(response.context["invited"]) == {invited.pk}
    assert response.content.decode().count("已短信邀请评价") == 1


def test_the_full_phone_is_on_the_detail_page(signed_in, cast, make_order):
    order = make_order(State.AWAITING_CALLBACK)
    page = signed_in(cast.operator).get(reverse("console:order", args=[order.number])).content.decode()
    assert "13812348000" in page


def test_the_overdue_filter_and_its_count(signed_in, cast, make_order):
    make_order(State.AWAITING_CALLBACK)
    late = make_order(State.AWAITING_CALLBACK)
    WorkOrder.objects.filter(pk=late.pk).update(is_overdue=True)
    response = signed_in(cast.operator).get(CALLBACKS, {"deadline": "overdue"})
    assert [row.order for row in response.context["rows"]] == [late]
    assert [(chip["label"], chip["count"]) for chip in response.context["chips"]] == [("全部", 2), ("回访超期", 1)]


def test_a_bad_deadline_filter_is_a_400(signed_in, cast):
    assert signed_in(cast.operator).get(CALLBACKS, {"deadline": "soon"}).status_code == 400


def test_a_satisfied_callback_inline_closes_the_order_and_comes_back(signed_in, cast, make_order):
    order = make_order(State.AWAITING_CALLBACK)
    data = {"version": order.version, "satisfaction": "satisfied", "solved": "yes", "responded_in_time": "yes",
            "note": "市民表示满意", "next": CALLBACKS}
    response = signed_in(cast.operator).post(_action(order, "callback"), data)
    assert (response.status_code, response["Location"]) == (302, CALLBACKS)
    order.refresh_from_db()
    assert order.state == State.CLOSED
    callback = Callback.objects.get(order=order)
    assert (callback.solved, callback.responded_in_time, callback.note) == (True, True, "市民表示满意")


def test_a_callback_without_satisfaction_is_a_400_beside_the_field(signed_in, cast, make_order):
    order = make_order(State.AWAITING_CALLBACK)
    response = signed_in(cast.operator).post(_action(order, "callback"), {"version": order.version, "next": CALLBACKS})
    assert response.status_code == 400
    assert 'id="id_callback_satisfaction_error"' in response.content.decode()
    assert "请选择满意度。" in response.content.decode()


def test_unreachable_inline_counts_an_attempt_and_keeps_the_order_waiting(signed_in, cast, make_order):
    order = make_order(State.AWAITING_CALLBACK)
    client = signed_in(cast.operator)
    response = client.post(_action(order, "callback-failed"), {"version": order.version, "next": CALLBACKS})
    assert (response.status_code, response["Location"]) == (302, CALLBACKS)
    order.refresh_from_db()
    assert (order.state, order.callback_attempts) == (State.AWAITING_CALLBACK, 1)
    assert "未联系上 1 次" in client.get(CALLBACKS).content.decode()


def _unreachable(client, order):
    order.refresh_from_db()
    return client.post(_action(order, "callback-failed"), {"version": order.version, "next": CALLBACKS}, follow=True)


def test_the_row_says_before_pressing_that_this_attempt_is_the_last(signed_in, cast, make_order, settings):
    settings.CALLBACK_MAX_ATTEMPTS = 2
    order = make_order(State.AWAITING_CALLBACK)
    client = signed_in(cast.operator)
    assert "最后一次：再联系不上将办结" not in client.get(CALLBACKS).content.decode()
    page = _unreachable(client, order).content.decode()
    assert "已记录回访未成功。" in page
    assert "最后一次：再联系不上将办结" in page
    assert f'aria-describedby="cb-last-{order.pk}"' in page


def test_unreachable_on_the_last_attempt_says_the_order_was_closed(signed_in, cast, make_order, settings):
    settings.CALLBACK_MAX_ATTEMPTS = 2
    order = make_order(State.AWAITING_CALLBACK)
    client = signed_in(cast.operator)
    _unreachable(client, order)
    page = _unreachable(client, order).content.decode()
    assert "已达回访次数上限（2 次），工单已按联系不上办结。" in page
    assert "已记录回访未成功。" not in page
    order.refresh_from_db()
    assert (order.state, order.close_reason) == (State.CLOSED, CloseReason.UNREACHABLE)
    assert order.number not in page  # gone from the queue


def test_an_english_operator_is_told_in_english_before_and_after_the_last_attempt(
    signed_in, cast, make_order, settings
):
    settings.CALLBACK_MAX_ATTEMPTS = 1
    order = make_order(State.AWAITING_CALLBACK)
    type(cast.operator).objects.filter(pk=cast.operator.pk).update(language="en")
    client = signed_in(cast.operator)
    assert "Last attempt: if not reached again, the order closes" in client.get(CALLBACKS).content.decode()
    page = _unreachable(client, order).content.decode()
    assert "Callback limit reached (1 attempt): the order is closed as unreachable." in page


def test_a_dissatisfied_callback_reaches_the_dispatchers_reopened_tab(signed_in, cast, make_order):
    order = make_order(State.AWAITING_CALLBACK)
    data = {"version": order.version, "satisfaction": "dissatisfied", "solved": "no", "note": "电梯仍然停运"}
    signed_in(cast.operator).post(_action(order, "callback"), {**data, "next": CALLBACKS})
    order.refresh_from_db()
    assert order.state == State.REOPENED

    dispatcher = signed_in(cast.dispatcher)
    response = dispatcher.get(reverse("console:requests"), {"kind": "reopened"})
    assert [row.order for row in response.context["rows"]] == [order]
    page = response.content.decode()
    assert "不满意" in page
    assert "电梯仍然停运" in page
    assert f'action="{_action(order, "rehandle")}"' in page

    back = f"{reverse('console:requests')}?kind=reopened"
    refused = dispatcher.post(_action(order, "rehandle"), {"version": order.version, "next": back})
    assert refused.status_code == 400  # 重办 says what the unit must redo
    response = dispatcher.post(_action(order, "rehandle"), {"version": order.version, "note": "请上门复查", "next": back})
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.state, order.reopen_count) == (State.IN_PROGRESS, 1)


def test_callbacks_cost_a_fixed_number_of_queries(signed_in, cast, make_order, django_assert_max_num_queries):
    for _ in range(50):
        make_order(State.AWAITING_CALLBACK)
    client = signed_in(cast.operator)
    with django_assert_max_num_queries(10):
        response = client.get(CALLBACKS)
    assert len(response.context["rows"]) == 50


def test_a_request_without_a_category_is_completed_before_it_can_be_sent(signed_in, cast, make_order):
    without = make_order(channel=f.channel("portal"), category=None, title="门户提交的未分类诉求")
    with_category = make_order(channel=f.channel("portal"))
    page = signed_in(cast.operator).get(REVIEW).content.decode()
    assert "未分类" in page
    assert f'href="{reverse("console:order", args=[without.number])}#action-amend"' in page
    assert _action(without, "send-to-dispatch") not in page
    assert _action(with_category, "send-to-dispatch") in page


def test_sending_a_request_without_a_category_is_a_400_with_the_reason(signed_in, cast, make_order):
    order = make_order(channel=f.channel("portal"), category=None)
    response = signed_in(cast.operator).post(
        _action(order, "send-to-dispatch"), {"version": order.version, "next": REVIEW}
    )
    assert response.status_code == 400
    assert "该工单尚未选择诉求分类，请先补充登记诉求分类，再转派遣。" in response.content.decode()
    order.refresh_from_db()
    assert order.state == State.REGISTERED
