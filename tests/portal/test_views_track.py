"""Tracking (进度查询) and rating (评价): a citizen sees their own order's progress and nothing else."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rexian.orders import services
from rexian.orders.models import Callback, WorkOrder
from rexian.orders.transitions import State
from rexian.portal import tokens
from rexian.portal.views import wait_words
from tests import factories as f
from tests.conftest import advance, register
from tests.portal.conftest import without_csrf

pytestmark = pytest.mark.django_db

S = State
TRACK = reverse("portal:track")
RATE = reverse("portal:rate")
PHONE = "13812348000"  # the phone tests/conftest.py's orders are filed with


def track(client, number, phone=PHONE, **extra):
    return client.post(TRACK, {"number": number, "phone": phone}, **extra)


def private_strings(cast, order) -> list[str]:
    """What must never appear on a portal page: the caller's data and the staff who handled the order."""
    staff = [cast.operator, cast.dispatcher, cast.housing_handler, cast.housing_admin, cast.supervisor]
    return [
        PHONE, "138****8000", "8000</", "张三", "张*", "32128319800101123X",
        *[u.display_name for u in staff], *[u.username for u in staff],
    ]


def assert_nothing_private(html, cast, order, *extra):
    for text in [*private_strings(cast, order), *extra]:
        assert text not in html, text


def rating_token_from(html: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def rate(client, order, *, satisfaction="satisfied", solved="yes", responded_in_time="yes", comment="", token=None):
    token = token or tokens.rating_token(number=order.number, version=order.version)
    data = {"token": token, "satisfaction": satisfaction, "solved": solved, "responded_in_time": responded_in_time,
            "comment": comment}
    return client.post(RATE, data)


# --- Tracking ------------------------------------------------------------------------------------------------


def test_the_tracking_form_labels_its_controls(client, cast):
    html = client.get(TRACK).content.decode()
    assert '<label for="id_number"' in html and '<label for="id_phone"' in html


def test_the_right_number_and_phone_show_the_progress(client, make_order):
    order = make_order(S.IN_PROGRESS)
    response = track(client, order.number)
    html = response.content.decode()
    assert response.status_code == 200
    assert order.number in html and "小区电梯长期故障无人维修" in html
    assert '<span class="status__label">办理中</span>' in html
    for milestone in ["已受理", "已派单", "已派单至住建局办理。", "住建局已签收，正在办理。"]:
        assert milestone in html, milestone
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.parametrize("phone", ["138 1234 8000", "138-1234-8000", "+86 138 1234 8000", "８６１３８１２３４８０００"[2:]])
def test_the_phone_may_be_typed_in_any_format(client, make_order, phone):
    order = make_order()
    assert track(client, order.number, phone).status_code == 200


def test_a_number_typed_with_full_width_characters_is_found(client, make_order):
    order = make_order()
    full_width = order.number.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    assert track(client, f" {full_width} ").status_code == 200


def test_a_replied_order_shows_the_lead_units_reply(client, make_order, cast):
    order = make_order(S.AWAITING_CALLBACK)
    html = track(client, order.number).content.decode()
    assert "已答复" in html and "答复单位：住建局" in html
    assert "已督促物业修复电梯。" in html
    assert "评价办理结果" in html


def test_a_reply_awaiting_the_centres_review_is_not_shown(client, make_order):
    order = make_order(S.REPLIED)
    html = track(client, order.number).content.decode()
    assert "已督促物业修复电梯。" not in html
    assert '<span class="status__label">办理中</span>' in html


def test_a_closed_order_shows_it_is_closed_and_offers_no_rating(client, make_order):
    order = make_order(S.CLOSED)
    html = track(client, order.number).content.decode()
    assert '<span class="status__label">已办结</span>' in html
    assert "评价结果：满意" in html
    assert 'name="token"' not in html


def test_a_wrong_number_and_a_wrong_phone_give_the_same_page(client, make_order):
    order = make_order(S.IN_PROGRESS)
    other_number = order.number[:-1] + ("9" if order.number[-1] != "9" else "8")
    wrong_number = track(client, other_number)
    wrong_phone = track(client, order.number, "13900000000")
    assert wrong_number.status_code == wrong_phone.status_code == 404
    assert "未找到匹配的工单" in wrong_number.content.decode()
    # The typed number is shown back, so compare with each number taken out.
    a = without_csrf(wrong_number.content.decode()).replace(other_number, "N")
    b = without_csrf(wrong_phone.content.decode()).replace(order.number, "N")
    assert a == b


def test_a_wrong_number_and_a_wrong_phone_cost_the_same_queries(client, make_order):
    order = make_order(S.IN_PROGRESS)
    with CaptureQueriesContext(connection) as wrong_number:
        track(client, "20000101-000001")
    with CaptureQueriesContext(connection) as wrong_phone:
        track(client, order.number, "13900000000")
    assert len(wrong_number.captured_queries) == len(wrong_phone.captured_queries)


def test_the_phone_is_not_written_back_into_the_form_after_a_miss(client, make_order):
    order = make_order()
    html = track(client, order.number, "13900000000").content.decode()
    assert "13900000000" not in html


def test_an_order_filed_without_a_phone_cannot_be_tracked(client, cast):
    order = register(cast, caller_phone="")
    assert track(client, order.number, "13900000000").status_code == 404


def test_a_malformed_number_is_a_form_error(client, cast):
    response = track(client, "abc")
    assert response.status_code == 400
    assert "工单编号格式应为" in response.content.decode()


def test_no_portal_page_shows_the_callers_data_internal_notes_or_staff(client, cast):
    order = register(cast)
    services.order_send_to_dispatch(actor=cast.operator, order=order, note="内部备注：来电人情绪激动")
    services.order_dispatch(actor=cast.dispatcher, order=order, lead_unit=cast.housing, note="派单说明：内部")
    services.order_sign(actor=cast.housing_handler, order=order)
    services.order_reply(actor=cast.housing_handler, order=order, result="初次答复：已联系物业")
    services.reply_reject(actor=cast.dispatcher, order=order, reason="审核退回：答复过于简单")
    services.order_reply(actor=cast.housing_handler, order=order, result="电梯已于本周修复，恢复运行。")
    services.reply_accept(actor=cast.dispatcher, order=order, note="审核意见：内部")
    order.refresh_from_db()
    response = track(client, order.number)
    html = response.content.decode()
    assert "电梯已于本周修复，恢复运行。" in html
    assert_nothing_private(
        html, cast, order, "内部备注", "派单说明", "初次答复", "审核退回", "审核意见", "幸福小区3号楼电梯停运两周",
    )
    rated = rate(client, order, comment="谢谢")
    assert_nothing_private(rated.content.decode(), cast, order, "内部备注", "审核退回")


def test_another_citizens_order_never_appears(client, cast):
    mine = register(cast)
    register(cast, caller_phone="13700000000", caller_name="王五", title="另一位市民的诉求标题")
    html = track(client, mine.number).content.decode()
    assert "另一位市民的诉求标题" not in html and "王五" not in html


@pytest.mark.parametrize("kind", ["whistle-blower", "confidential"])
def test_a_protected_caller_tracks_their_own_order_and_nothing_leaks(client, cast, kind):
    overrides = {"appeal_type": f.appeal_type("report")} if kind == "whistle-blower" else {"confidential": True}
    order = advance(cast, register(cast, **overrides), S.AWAITING_CALLBACK)
    response = track(client, order.number)
    html = response.content.decode()
    assert response.status_code == 200
    assert "已督促物业修复电梯。" in html
    assert_nothing_private(html, cast, order, "（保密）")


# --- Rate limits ---------------------------------------------------------------------------------------------


def test_tracking_is_limited_per_address(client, make_order, settings):
    settings.PORTAL_TRACKS_PER_IP_PER_HOUR = 3
    order = make_order()
    for i in range(3):
        assert track(client, order.number, f"1390000000{i}").status_code == 404
    response = track(client, order.number)
    assert response.status_code == 429
    assert "操作过于频繁" in response.content.decode()
    retry = int(response["Retry-After"])
    assert retry > 0 and f"请{wait_words(retry)}再试" in response.content.decode()  # the wait the header says
    assert track(client, order.number, REMOTE_ADDR="10.0.0.9").status_code == 200  # another address is not held up


def test_tracking_is_limited_per_phone(client, make_order, settings):
    settings.PORTAL_TRACKS_PER_PHONE_PER_HOUR = 2
    order = make_order()
    for i in range(2):
        track(client, f"20000101-00000{i}", REMOTE_ADDR=f"10.0.1.{i}")
    assert track(client, order.number, REMOTE_ADDR="10.0.1.99").status_code == 429
    assert track(client, order.number, "13900000000", REMOTE_ADDR="10.0.1.98").status_code == 404


def test_the_proxys_real_ip_header_separates_clients_behind_it(client, make_order, settings):
    settings.PORTAL_TRACKS_PER_IP_PER_HOUR = 1
    order = make_order()
    assert track(client, order.number, HTTP_X_REAL_IP="203.0.113.1").status_code == 200
    assert track(client, order.number, HTTP_X_REAL_IP="203.0.113.2").status_code == 200
    assert track(client, order.number, HTTP_X_REAL_IP="203.0.113.1").status_code == 429


def test_a_client_cannot_dodge_the_limit_by_sending_its_own_real_ip_header(client, make_order, settings):
    settings.PORTAL_TRACKS_PER_IP_PER_HOUR = 1
    order = make_order()
    outside = {"REMOTE_ADDR": "198.51.100.7"}
    assert track(client, order.number, HTTP_X_REAL_IP="203.0.113.1", **outside).status_code == 200
    assert track(client, order.number, HTTP_X_REAL_IP="203.0.113.2", **outside).status_code == 429


def test_submissions_are_limited_per_address(client, cast, request_form, settings):
    settings.PORTAL_SUBMITS_PER_IP_PER_HOUR = 2
    for i in range(2):
        assert client.post(reverse("portal:submit"), request_form(caller_phone=f"1390000000{i}")).status_code == 302
    response = client.post(reverse("portal:submit"), request_form(caller_phone="13900000009"))
    html = response.content.decode()
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "提交诉求的次数过多" in html and f"请{wait_words(int(response['Retry-After']))}再试" in html
    assert "幸福小区3号楼电梯停运两周" in html  # what the citizen typed stays on screen
    assert WorkOrder.objects.count() == 2


def test_submissions_are_limited_per_phone(client, cast, request_form, settings):
    settings.PORTAL_SUBMITS_PER_PHONE_PER_HOUR = 2
    for i in range(2):
        client.post(reverse("portal:submit"), request_form(), REMOTE_ADDR=f"10.0.2.{i}")
    response = client.post(reverse("portal:submit"), request_form(), REMOTE_ADDR="10.0.2.99")
    assert response.status_code == 429
    assert WorkOrder.objects.count() == 2


def test_invalid_submissions_do_not_use_up_the_allowance(client, cast, request_form, settings):
    settings.PORTAL_SUBMITS_PER_IP_PER_HOUR = 1
    for _ in range(3):
        assert client.post(reverse("portal:submit"), request_form(address="")).status_code == 400
    assert client.post(reverse("portal:submit"), request_form()).status_code == 302


# --- Rating --------------------------------------------------------------------------------------------------


def test_the_progress_page_carries_a_rating_form_that_closes_the_order(client, make_order):
    order = make_order(S.AWAITING_CALLBACK)
    token = rating_token_from(track(client, order.number).content.decode())
    response = rate(client, order, satisfaction="basic", solved="yes", responded_in_time="no", comment="处理较慢", token=token)
    assert response.status_code == 200
    assert "感谢您的评价" in response.content.decode()
    order.refresh_from_db()
    assert order.state == S.CLOSED and order.close_reason == "callback"
    callback = Callback.objects.get(order=order)
    assert (callback.satisfaction, callback.solved, callback.responded_in_time) == ("basic", True, False)
    assert callback.reached is True and callback.operator.username == "portal"
    assert "处理较慢" in callback.note


def test_a_dissatisfied_rating_reopens_the_order(client, make_order):
    order = make_order(S.AWAITING_CALLBACK)
    response = rate(client, order, satisfaction="dissatisfied", solved="no")
    assert response.status_code == 200
    assert "重新办理" in response.content.decode()
    order.refresh_from_db()
    assert order.state == S.REOPENED


def test_rating_is_refused_when_the_order_does_not_await_a_callback(client, make_order):
    order = make_order(S.IN_PROGRESS)
    response = rate(client, order)
    assert response.status_code == 409
    assert "进度已更新" in response.content.decode()
    order.refresh_from_db()
    assert order.state == S.IN_PROGRESS and not Callback.objects.exists()


def test_rating_is_refused_when_the_order_changed_since_it_was_read(client, make_order, cast):
    order = make_order(S.AWAITING_CALLBACK)
    token = tokens.rating_token(number=order.number, version=order.version)
    services.callback_record(actor=cast.operator, order=order, satisfaction="satisfied", solved=True, responded_in_time=True)
    response = rate(client, order, token=token, satisfaction="dissatisfied")
    assert response.status_code == 409
    order.refresh_from_db()
    assert order.state == S.CLOSED and Callback.objects.count() == 1


def test_a_forged_rating_token_is_refused(client, make_order):
    order = make_order(S.AWAITING_CALLBACK)
    response = rate(client, order, token=f"{order.number}:{order.version}:forged")
    assert response.status_code == 400
    assert "页面已过期" in response.content.decode()
    order.refresh_from_db()
    assert order.state == S.AWAITING_CALLBACK


def test_an_incomplete_rating_is_shown_again_with_its_messages(client, make_order):
    order = make_order(S.AWAITING_CALLBACK)
    response = rate(client, order, satisfaction="", solved="")
    html = response.content.decode()
    assert response.status_code == 400
    assert "请选择满意程度。" in html and "请选择问题是否已解决。" in html
    order.refresh_from_db()
    assert order.state == S.AWAITING_CALLBACK


def test_rating_needs_the_csrf_token(make_order):
    order = make_order(S.AWAITING_CALLBACK)
    response = Client(enforce_csrf_checks=True).post(
        RATE, {"token": tokens.rating_token(number=order.number, version=order.version), "satisfaction": "satisfied"}
    )
    assert response.status_code == 403


def test_the_home_page_links_both_services(client, cast):
    html = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:submit") in html and reverse("portal:track") in html
    assert 'lang="zh-Hans"' in html and 'name="viewport"' in html


def test_the_wait_is_said_in_minutes_up_to_an_hour():
    assert [wait_words(s) for s in (1, 60, 61, 625, 3540, 3541, 3600, 7200)] == [
        "约 1 分钟后", "约 1 分钟后", "约 2 分钟后", "约 11 分钟后", "约 59 分钟后", "约一小时后", "约一小时后", "约一小时后",
    ]
