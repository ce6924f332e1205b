from __future__ import annotations

import pytest
from django.urls import reverse

from rexian.orders.transitions import State

pytestmark = pytest.mark.django_db


def _url(order, slug=None):
    if slug:
        return reverse("console:order-action", args=[order.number, slug])
    return reverse("console:order", args=[order.number])


def test_detail_shows_the_caller_in_full_to_the_operator(signed_in, cast, make_order):
    order = make_order()
    page = signed_in(cast.operator).get(_url(order)).content.decode()
    assert "13812348000" in page
    assert "幸福小区3号楼电梯停运两周" in page


def test_detail_masks_the_phone_for_a_leader(signed_in, cast, make_order):
    order = make_order()
    page = signed_in(cast.leader).get(_url(order)).content.decode()
    assert "13812348000" not in page
    assert "138****8000" in page


def test_unit_never_sees_a_whistleblower(signed_in, cast, make_order):
    from tests import factories as f

    order = make_order(State.DISPATCHED, appeal_type=f.appeal_type("report"))
    page = signed_in(cast.housing_handler).get(_url(order)).content.decode()
    assert "张三" not in page
    assert "8000" not in page
    assert "（保密）" in page


def test_other_unit_gets_403_on_the_detail(signed_in, cast, make_order):
    order = make_order(State.DISPATCHED)
    assert signed_in(cast.urban_handler).get(_url(order)).status_code == 403


def test_unknown_number_is_404(signed_in, cast):
    assert signed_in(cast.operator).get(reverse("console:order", args=["20990101-000001"])).status_code == 404


def test_dispatch_form_preselects_the_catalogue_unit(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    response = signed_in(cast.dispatcher).get(_url(order))
    forms = {item["spec"].slug: item["form"] for item in response.context["action_forms"]}
    assert forms["dispatch"].initial["lead_unit"] == cast.housing
    assert "void" not in forms  # only supervisors void


def test_dispatcher_dispatches_from_the_detail_page(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    response = signed_in(cast.dispatcher).post(
        _url(order, "dispatch"), {"version": order.version, "lead_unit": cast.housing.pk, "note": "请尽快处理"}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == State.DISPATCHED
    assert order.lead_unit == cast.housing


def test_a_missing_reason_is_shown_beside_the_field(signed_in, cast, make_order):
    order = make_order(State.IN_PROGRESS)
    response = signed_in(cast.housing_handler).post(_url(order, "return-request"), {"version": order.version})
    assert response.status_code == 400
    assert "id_return-request_reason_error" in response.content.decode()
    order.refresh_from_db()
    assert order.state == State.IN_PROGRESS


def test_a_stale_page_is_told_to_refresh_and_changes_nothing(signed_in, cast, make_order):
    order = make_order(State.IN_PROGRESS)
    client = signed_in(cast.housing_handler)
    response = client.post(_url(order, "reply"), {"version": order.version - 1, "result": "已处理"}, follow=True)
    assert "该工单刚被他人更新" in response.content.decode()
    order.refresh_from_db()
    assert order.state == State.IN_PROGRESS


def test_service_rule_errors_appear_beside_the_field(signed_in, cast, make_order):
    order = make_order(State.IN_PROGRESS)
    past = order.reply_deadline.strftime("%Y-%m-%dT%H:%M")
    response = signed_in(cast.housing_handler).post(
        _url(order, "extension-request"), {"version": order.version, "new_deadline": past, "reason": "需要协调"}
    )
    assert response.status_code == 400
    assert "申请的时限须晚于当前办结时限" in response.content.decode()


def test_an_action_the_role_may_not_take_is_403(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    response = signed_in(cast.operator).post(_url(order, "void"), {"version": order.version, "reason": "测试"})
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.state == State.PENDING_DISPATCH


def test_unit_replies_with_an_attachment(signed_in, cast, make_order, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    order = make_order(State.IN_PROGRESS)
    photo = SimpleUploadedFile("现场.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, content_type="image/png")
    response = signed_in(cast.housing_handler).post(
        _url(order, "reply"), {"version": order.version, "result": "电梯已修复", "attachment": photo}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    order.refresh_from_db()
    assert order.state == State.REPLIED
    attachment = order.attachments.get()
    download = signed_in(cast.dispatcher).get(reverse("console:order-attachment", args=[order.number, attachment.pk]))
    assert download.status_code == 200


def test_a_signed_order_no_longer_offers_sign_but_offers_reply(signed_in, cast, make_order):
    order = make_order(State.IN_PROGRESS)
    response = signed_in(cast.housing_handler).get(_url(order))
    slugs = {item["spec"].slug for item in response.context["action_forms"]}
    assert "sign" not in slugs
    assert {"reply", "extension-request", "return-request"} <= slugs


def test_extension_decisions_are_offered_only_when_one_is_pending(signed_in, cast, make_order):
    order = make_order(State.IN_PROGRESS)
    response = signed_in(cast.dispatcher).get(_url(order))
    slugs = {item["spec"].slug for item in response.context["action_forms"]}
    assert "extension-approve" not in slugs


def test_the_merge_form_lists_suspected_duplicates_with_a_merge_choice(signed_in, cast, make_order):
    earlier = make_order(State.PENDING_DISPATCH)
    repeat = make_order(State.PENDING_DISPATCH, caller_phone="13900001111", title="小区电梯长期故障没人维修")
    response = signed_in(cast.dispatcher).get(_url(repeat))
    assert [hit.order.number for hit in response.context["duplicates"]] == [earlier.number]
    page = response.content.decode()
    assert f'data-fill-master="{earlier.number}"' in page
    assert "疑似重复" in page


def test_merging_into_the_listed_original_from_the_order_page(signed_in, cast, make_order):
    earlier = make_order(State.PENDING_DISPATCH)
    repeat = make_order(State.PENDING_DISPATCH, caller_phone="13900001111", title="小区电梯长期故障没人维修")
    response = signed_in(cast.dispatcher).post(
        _url(repeat, "merge"), {"version": repeat.version, "master": earlier.number, "note": "重复来电"}
    )
    assert response.status_code == 302
    repeat.refresh_from_db()
    assert repeat.state == State.MERGED and repeat.master == earlier


def test_no_duplicates_are_looked_up_for_a_viewer_who_may_not_merge(signed_in, cast, make_order):
    make_order(State.DISPATCHED)
    repeat = make_order(State.DISPATCHED, caller_phone="13900001111")
    response = signed_in(cast.housing_handler).get(_url(repeat))
    assert response.status_code == 200
    assert "duplicates" not in response.context
