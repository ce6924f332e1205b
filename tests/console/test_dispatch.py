"""The dispatchers' pages: the pending queue (待派单) with inline dispatch, and the requests awaiting review (审核)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from rexian.orders import services
from rexian.orders.models import Assignment, WorkOrder
from rexian.orders.transitions import State
from rexian.units.models import Role
from tests import factories as f

pytestmark = pytest.mark.django_db

QUEUE = reverse("console:dispatch")
REQUESTS = reverse("console:requests")


def _action(order, slug):
    return reverse("console:order-action", args=[order.number, slug])


def _selected_lead(page: str, order) -> str | None:
    select = re.search(rf'<select id="lead-{order.pk}".*?</select>', page, re.S).group(0)
    found = re.search(r'<option value="(\d+)" selected>', select)
    return found and found.group(1)


# --- the pending queue --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["operator", "housing_handler", "leader", "inspector"])
def test_other_roles_get_403_on_the_dispatch_pages(signed_in, cast, role):
    client = signed_in(getattr(cast, role))
    assert client.get(QUEUE).status_code == 403
    assert client.get(REQUESTS).status_code == 403


def test_the_queue_asks_to_sign_in_first(client):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert reverse("console:login") in response["Location"]


def test_the_queue_lists_pending_orders_with_a_link_to_each(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    make_order(State.DISPATCHED, title="已派出的工单")
    page = signed_in(cast.dispatcher).get(QUEUE).content.decode()
    assert reverse("console:order", args=[order.number]) in page
    assert "已派出的工单" not in page


def test_the_catalogue_lead_unit_is_preselected(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    noise = make_order(State.PENDING_DISPATCH, category=cast.noise)
    page = signed_in(cast.supervisor).get(QUEUE).content.decode()
    assert _selected_lead(page, order) == str(cast.housing.pk)
    assert _selected_lead(page, noise) == str(cast.urban.pk)
    assert "目录建议：住建局" in page


def test_an_uncatalogued_order_has_no_unit_preselected(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    WorkOrder.objects.filter(pk=order.pk).update(category=None)  # queued before 转派遣 required a category
    page = signed_in(cast.dispatcher).get(QUEUE).content.decode()
    assert _selected_lead(page, order) is None
    assert "派单目录无对应单位" in page


def test_a_returned_order_is_not_preselected_for_the_unit_that_returned_it(signed_in, cast, make_order):
    order = make_order(State.DISPATCHED)
    services.return_request(actor=cast.housing_handler, order=order, reason="该小区不归本局管理。")
    order.refresh_from_db()
    services.return_approve(actor=cast.dispatcher, order=order)
    order.refresh_from_db()
    client = signed_in(cast.dispatcher)
    page = client.get(QUEUE).content.decode()
    assert _selected_lead(page, order) is None
    assert "目录建议：住建局（已退单）" in page
    assert "住建局 退单：该小区不归本局管理。" in page  # the reason often names the right unit
    detail = client.get(reverse("console:order", args=[order.number]))
    [dispatch] = [item for item in detail.context["action_forms"] if item["spec"].slug == "dispatch"]
    assert "lead_unit" not in dispatch["form"].initial


def test_the_queue_filters_by_channel_and_keyword(signed_in, cast, make_order):
    make_order(State.PENDING_DISPATCH, channel=f.channel("portal"), title="门户来的电梯问题")
    make_order(State.PENDING_DISPATCH, channel=f.channel("portal"), title="门户来的路灯问题")
    make_order(State.PENDING_DISPATCH, title="电话来的电梯问题")
    response = signed_in(cast.dispatcher).get(QUEUE, {"channel": "portal", "keyword": "电梯"})
    assert [row.order.title for row in response.context["rows"]] == ["门户来的电梯问题"]


def test_the_queue_filters_by_category_and_area(signed_in, cast, make_order):
    make_order(State.PENDING_DISPATCH, area=cast.community, title="社区物业")
    make_order(State.PENDING_DISPATCH, area=None, title="无区域物业")
    make_order(State.PENDING_DISPATCH, category=cast.noise, area=cast.community, title="社区噪声")
    top = cast.property_service.parent.parent
    response = signed_in(cast.dispatcher).get(QUEUE, {"category": top.code, "area": cast.town.code})
    assert [row.order.title for row in response.context["rows"]] == ["社区物业"]


def test_the_category_filter_offers_level_one_and_leaves(signed_in, cast):
    page = signed_in(cast.dispatcher).get(QUEUE).content.decode()
    assert '<option value="01">城乡建设（全部）</option>' in page
    assert '<option value="010101">物业管理 › 物业服务</option>' in page


def test_an_unknown_filter_value_is_a_400_with_the_message_beside_the_field(signed_in, cast, make_order):
    make_order(State.PENDING_DISPATCH)
    response = signed_in(cast.dispatcher).get(QUEUE, {"channel": "pigeon"})
    assert response.status_code == 400
    assert 'id="id_channel_error"' in response.content.decode()
    assert response.context["rows"] == []


def test_dates_in_the_wrong_order_are_a_400(signed_in, cast):
    response = signed_in(cast.dispatcher).get(QUEUE, {"registered_from": "2025-11-05", "registered_to": "2025-11-01"})
    assert response.status_code == 400
    assert "结束日期不能早于开始日期" in response.content.decode()


@pytest.mark.parametrize("page", ["abc", "0", "99999999999999999999999"])
def test_a_bad_page_number_is_a_400(signed_in, cast, page):
    assert signed_in(cast.dispatcher).get(QUEUE, {"page": page}).status_code == 400


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_date_out_of_range_is_a_400_beside_the_field(signed_in, cast, day):
    response = signed_in(cast.dispatcher).get(QUEUE, {"registered_to": day})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_registered_to_error"' in page and "1900-01-01 至 2999-12-31" in page  # rexian.core.dates' bounds


def test_the_queue_is_paginated_and_the_pager_keeps_the_filters(signed_in, cast, make_order, monkeypatch):
    monkeypatch.setattr("rexian.orders.selectors.queues.QUEUE_PAGE_SIZE", 2)
    for _ in range(3):
        make_order(State.PENDING_DISPATCH)
    client = signed_in(cast.dispatcher)
    first = client.get(QUEUE, {"channel": "phone"})
    assert len(first.context["rows"]) == 2
    assert "?channel=phone&amp;page=2" in first.content.decode()
    second = client.get(QUEUE, {"channel": "phone", "page": 2})
    assert len(second.context["rows"]) == 1
    assert not second.context["has_next"]


def test_inline_dispatch_comes_back_to_the_queue_and_dispatches(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    back = f"{QUEUE}?channel=phone"
    response = signed_in(cast.dispatcher).post(
        _action(order, "dispatch"),
        {"version": order.version, "lead_unit": cast.housing.pk, "assisting_units": [cast.town.pk], "next": back},
    )
    assert response.status_code == 302
    assert response["Location"] == back
    order.refresh_from_db()
    assert order.state == State.DISPATCHED
    assert set(order.assignments.values_list("unit", "role")) == {
        (cast.housing.pk, Assignment.Role.LEAD), (cast.town.pk, Assignment.Role.ASSIST),
    }


def test_inline_dispatch_without_a_unit_is_a_400_beside_the_field(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    response = signed_in(cast.dispatcher).post(_action(order, "dispatch"), {"version": order.version, "next": QUEUE})
    assert response.status_code == 400
    assert 'id="id_dispatch_lead_unit_error"' in response.content.decode()
    assert "请选择主办单位。" in response.content.decode()
    order.refresh_from_db()
    assert order.state == State.PENDING_DISPATCH


def test_dispatching_to_an_unknown_unit_says_the_unit_is_not_there(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    data = {"version": order.version, "lead_unit": 999999, "assisting_units": [999998], "next": QUEUE}
    page = signed_in(cast.dispatcher).post(_action(order, "dispatch"), data).content.decode()
    assert "所选主办单位不存在或已停用。" in page
    assert "所选协办单位不存在或已停用。" in page
    assert "有效的选项" not in page


def test_an_english_dispatcher_is_told_about_an_unknown_unit_in_english(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    type(cast.dispatcher).objects.filter(pk=cast.dispatcher.pk).update(language="en")
    data = {"version": order.version, "lead_unit": 999999, "next": QUEUE}
    page = signed_in(cast.dispatcher).post(_action(order, "dispatch"), data).content.decode()
    assert "Lead unit: the one chosen does not exist or is no longer in use." in page


def _second_dispatcher(cast):
    return f.UserFactory(username="dispatcher2", role=Role.DISPATCHER, unit=cast.centre)


def test_a_second_dispatcher_of_the_same_order_is_sent_back_to_the_queue_to_look_again(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    seen = order.version  # both dispatchers opened the queue at this version
    back = f"{QUEUE}?channel=phone"
    signed_in(cast.dispatcher).post(_action(order, "dispatch"), {"version": seen, "lead_unit": cast.housing.pk, "next": back})
    client = signed_in(_second_dispatcher(cast))
    response = client.post(_action(order, "dispatch"), {"version": seen, "lead_unit": cast.urban.pk, "next": back})
    assert (response.status_code, response["Location"]) == (302, back)
    page = client.get(back).content.decode()
    assert f"工单 {order.number} 已被他人处理，请查看最新情况后再操作。" in page
    order.refresh_from_db()
    assert (order.state, order.lead_unit) == (State.DISPATCHED, cast.housing)
    assert list(order.assignments.values_list("unit", flat=True)) == [cast.housing.pk]


def test_a_second_dispatch_from_the_order_page_stays_on_the_order_page(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    seen = order.version
    signed_in(cast.dispatcher).post(_action(order, "dispatch"), {"version": seen, "lead_unit": cast.housing.pk})
    client = signed_in(_second_dispatcher(cast))
    response = client.post(_action(order, "dispatch"), {"version": seen, "lead_unit": cast.urban.pk}, follow=True)
    assert response.redirect_chain == [(reverse("console:order", args=[order.number]), 302)]
    assert "已被他人处理，请查看最新情况后再操作" in response.content.decode()
    order.refresh_from_db()
    assert order.lead_unit == cast.housing


def test_a_stale_dispatch_of_an_order_still_pending_comes_back_to_the_queue(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    seen = order.version
    WorkOrder.objects.filter(pk=order.pk).update(version=seen + 1)  # a colleague changed it meanwhile
    client = signed_in(cast.dispatcher)
    response = client.post(_action(order, "dispatch"), {"version": seen, "lead_unit": cast.urban.pk, "next": QUEUE})
    assert (response.status_code, response["Location"]) == (302, QUEUE)
    assert f"工单 {order.number} 已被他人处理" in client.get(QUEUE).content.decode()
    order.refresh_from_db()
    assert order.state == State.PENDING_DISPATCH


def test_a_role_that_may_not_dispatch_still_gets_403_on_a_dispatched_order(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    seen = order.version
    signed_in(cast.dispatcher).post(_action(order, "dispatch"), {"version": seen, "lead_unit": cast.housing.pk})
    response = signed_in(cast.operator).post(
        _action(order, "dispatch"), {"version": seen, "lead_unit": cast.urban.pk, "next": QUEUE}
    )
    assert response.status_code == 403
    assert "您的角色无权对该工单执行「派单」" in response.content.decode()


def test_the_queue_page_costs_a_fixed_number_of_queries(signed_in, cast, make_order, django_assert_max_num_queries):
    for i in range(50):
        make_order(State.PENDING_DISPATCH, category=(cast.property_service, cast.noise)[i % 2])
    client = signed_in(cast.dispatcher)
    with django_assert_max_num_queries(17):
        response = client.get(QUEUE)
    assert len(response.context["rows"]) == 50


# --- requests awaiting review ---------------------------------------------------------------------------------------


def _return_requested(cast, make_order):
    order = make_order(State.DISPATCHED)
    services.return_request(actor=cast.housing_handler, order=order, reason="该小区不归本局管理。")
    order.refresh_from_db()
    return order


def _extension_requested(cast, make_order):
    order = make_order(State.IN_PROGRESS)
    services.extension_request(
        actor=cast.housing_handler, order=order, new_deadline=order.reply_deadline + dt.timedelta(days=5),
        reason="需等待配件到货。",
    )
    order.refresh_from_db()
    return order


def test_the_review_page_counts_each_tab_and_opens_the_first_non_empty(signed_in, cast, make_order):
    _extension_requested(cast, make_order)
    make_order(State.REPLIED)
    make_order(State.REPLIED)
    response = signed_in(cast.dispatcher).get(REQUESTS)
    assert response.context["kind"] == "extension"
    assert [(chip["label"], chip["count"]) for chip in response.context["chips"]] == [
        ("退单申请", 0), ("延期申请", 1), ("办结回复", 2), ("不满意待重办", 0),
    ]
    assert "需等待配件到货。" in response.content.decode()


def test_a_return_request_shows_the_unit_and_reason(signed_in, cast, make_order):
    _return_requested(cast, make_order)
    page = signed_in(cast.dispatcher).get(REQUESTS, {"kind": "return"}).content.decode()
    assert "住建局" in page
    assert "该小区不归本局管理。" in page


def test_a_reply_shows_the_result(signed_in, cast, make_order):
    make_order(State.REPLIED)
    page = signed_in(cast.dispatcher).get(REQUESTS, {"kind": "reply"}).content.decode()
    assert "已督促物业修复电梯。" in page


def test_an_unknown_tab_is_a_400(signed_in, cast):
    assert signed_in(cast.dispatcher).get(REQUESTS, {"kind": "everything"}).status_code == 400


def test_approving_a_return_inline_comes_back_and_returns_the_order(signed_in, cast, make_order):
    order = _return_requested(cast, make_order)
    back = f"{REQUESTS}?kind=return"
    client = signed_in(cast.dispatcher)
    response = client.post(_action(order, "return-approve"), {"version": order.version, "next": back})
    assert (response.status_code, response["Location"]) == (302, back)
    order.refresh_from_db()
    assert order.state == State.PENDING_DISPATCH


def test_rejecting_a_return_without_a_reason_is_a_400_beside_the_field(signed_in, cast, make_order):
    order = _return_requested(cast, make_order)
    response = signed_in(cast.dispatcher).post(
        _action(order, "return-reject"), {"version": order.version, "reason": "", "next": REQUESTS}
    )
    assert response.status_code == 400
    assert 'id="id_return-reject_reason_error"' in response.content.decode()
    assert "请填写理由。" in response.content.decode()
    order.refresh_from_db()
    assert order.state == State.RETURN_REQUESTED


def test_rejecting_a_return_with_a_reason_sends_it_back_to_the_unit(signed_in, cast, make_order):
    order = _return_requested(cast, make_order)
    response = signed_in(cast.dispatcher).post(
        _action(order, "return-reject"), {"version": order.version, "reason": "属本局职责。", "next": REQUESTS}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == State.DISPATCHED


def test_approving_an_extension_inline_moves_the_deadline(signed_in, cast, make_order):
    order = _extension_requested(cast, make_order)
    old = order.reply_deadline
    response = signed_in(cast.dispatcher).post(
        _action(order, "extension-approve"), {"version": order.version, "next": f"{REQUESTS}?kind=extension"}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.pending_extension, order.reply_deadline) == (False, old + dt.timedelta(days=5))


def test_rejecting_a_reply_without_a_reason_is_a_400(signed_in, cast, make_order):
    order = make_order(State.REPLIED)
    response = signed_in(cast.dispatcher).post(_action(order, "reply-reject"), {"version": order.version})
    assert response.status_code == 400
    assert 'id="id_reply-reject_reason_error"' in response.content.decode()


def test_accepting_a_reply_inline_sends_the_order_to_callback(signed_in, cast, make_order):
    order = make_order(State.REPLIED)
    signed_in(cast.dispatcher).post(_action(order, "reply-accept"), {"version": order.version, "next": REQUESTS})
    order.refresh_from_db()
    assert order.state == State.AWAITING_CALLBACK


def test_the_inline_forms_carry_the_version_and_the_way_back(signed_in, cast, make_order):
    order = _return_requested(cast, make_order)
    page = signed_in(cast.dispatcher).get(REQUESTS, {"kind": "return"}).content.decode()
    assert f'action="{_action(order, "return-approve")}"' in page
    assert f'action="{_action(order, "return-reject")}"' in page
    assert f'name="version" value="{order.version}"' in page
    assert 'name="next" value="/console/dispatch/requests/?kind=return"' in page
    assert f'<label for="return-reject-reason-{order.pk}">' in page


def test_the_review_page_costs_a_fixed_number_of_queries(signed_in, cast, make_order, django_assert_max_num_queries):
    for _ in range(50):
        make_order(State.REPLIED)
    client = signed_in(cast.dispatcher)
    with django_assert_max_num_queries(14):
        response = client.get(REQUESTS, {"kind": "reply"})
    assert len(response.context["rows"]) == 50


def test_a_reopened_order_is_rehandled_with_what_to_redo_or_upheld_with_a_reason(signed_in, cast, make_order):
    order = make_order(State.REOPENED)
    back = f"{REQUESTS}?kind=reopened"
    client = signed_in(cast.dispatcher)
    page = client.get(back).content.decode()
    assert 'name="note"' in page and "重办要求" in page
    # 重办 says what to redo: the browser asks for it before sending (the service refuses it empty as well).
    assert f'<textarea id="rehandle-note-{order.pk}" name="note" rows="2" maxlength="2000" required>' in page
    assert _action(order, "uphold") in page and "维持办结理由" in page
    response = client.post(_action(order, "rehandle"), {"version": order.version, "note": "请上门复查", "next": back})
    assert (response.status_code, response["Location"]) == (302, back)
    order.refresh_from_db()
    assert order.state == State.IN_PROGRESS
    assert order.events.order_by("-seq").first().note == "请上门复查"


def test_upholding_inline_closes_the_order_and_comes_back(signed_in, cast, make_order):
    order = make_order(State.REOPENED)
    back = f"{REQUESTS}?kind=reopened"
    response = signed_in(cast.dispatcher).post(
        _action(order, "uphold"), {"version": order.version, "reason": "诉求无政策依据，已解释。", "next": back}
    )
    assert (response.status_code, response["Location"]) == (302, back)
    order.refresh_from_db()
    assert (order.state, order.close_reason) == (State.CLOSED, "upheld")


def test_dispatching_an_order_without_a_category_asks_for_the_category_first(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    WorkOrder.objects.filter(pk=order.pk).update(category=None)  # queued before 转派遣 required a category
    response = signed_in(cast.dispatcher).post(
        _action(order, "dispatch"), {"version": order.version, "lead_unit": cast.housing.pk, "next": QUEUE}
    )
    assert response.status_code == 400
    assert "该工单尚未选择诉求分类，请先补充登记诉求分类，再派单。" in response.content.decode()
    order.refresh_from_db()
    assert (order.state, order.lead_unit) == (State.PENDING_DISPATCH, None)
