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
    assert "请填写理由。" in response.content.decode()
    assert "该字段是必填项" not in response.content.decode()
    order.refresh_from_db()
    assert order.state == State.IN_PROGRESS


def test_a_missing_reason_is_named_in_english_for_an_english_user(signed_in, cast, make_order):
    order = make_order(State.IN_PROGRESS)
    type(cast.housing_handler).objects.filter(pk=cast.housing_handler.pk).update(language="en")
    response = signed_in(cast.housing_handler).post(_url(order, "return-request"), {"version": order.version})
    assert response.status_code == 400
    assert "Reason is required." in response.content.decode()


def test_a_too_long_reason_says_how_long_it_may_be(signed_in, cast, make_order):
    order = make_order(State.IN_PROGRESS)
    response = signed_in(cast.housing_handler).post(
        _url(order, "return-request"), {"version": order.version, "reason": "无" * 2001}
    )
    assert response.status_code == 400
    assert "理由最多 2000 个字，现有 2001 个字。" in response.content.decode()


def test_an_extension_without_a_date_asks_for_the_date_to_extend_to(signed_in, cast, make_order):
    order = make_order(State.IN_PROGRESS)
    response = signed_in(cast.housing_handler).post(
        _url(order, "extension-request"), {"version": order.version, "reason": "需协调多个部门"}
    )
    assert response.status_code == 400
    assert "请填写要延至的日期和时间。" in response.content.decode()


def test_the_order_page_warns_before_the_last_callback_attempt(signed_in, cast, make_order, settings):
    order = make_order(State.AWAITING_CALLBACK)
    client = signed_in(cast.operator)
    settings.CALLBACK_MAX_ATTEMPTS = 2
    assert "最后一次：再联系不上将办结" not in client.get(_url(order)).content.decode()
    settings.CALLBACK_MAX_ATTEMPTS = 1
    page = client.get(_url(order)).content.decode()
    assert 'id="action-callback-failed-warning">最后一次：再联系不上将办结' in page


def test_a_stale_page_is_told_to_refresh_and_changes_nothing(signed_in, cast, make_order):
    # A centre step: a unit's steps on its own part are checked against the part, not the version (PART_STEPS).
    order = make_order(State.AWAITING_CALLBACK)
    client = signed_in(cast.operator)
    data = {"version": order.version - 1, "satisfaction": "satisfied"}
    response = client.post(_url(order, "callback"), data, follow=True)
    assert f"工单 {order.number} 已被他人处理" in response.content.decode()
    order.refresh_from_db()
    assert order.state == State.AWAITING_CALLBACK


def test_amending_with_an_unknown_category_says_so(signed_in, cast, make_order):
    order = make_order(category=None)
    response = signed_in(cast.operator).post(_url(order, "amend"), {
        "version": order.version, "title": order.title, "appeal_type": order.appeal_type.pk,
        "urgency": order.urgency.pk, "category": 999999,
    })
    assert response.status_code == 400
    assert "所选诉求分类不存在或已停用，请重新选择。" in response.content.decode()


def test_a_part_closed_before_its_unit_signed_says_so(signed_in, cast, make_order):
    from rexian.orders.models import Assignment

    order = make_order(State.DISPATCHED, assisting=[cast.town])
    # The lead's reply closed the handling while the assisting unit had not signed yet.
    Assignment.objects.filter(order=order, unit=cast.town).update(is_open=False)
    page = signed_in(cast.dispatcher).get(_url(order)).content.decode()
    assert "未签收（已结束）" in page
    assert page.count("待签收") == 1  # the lead's part, still open


def test_a_double_submit_is_told_it_was_already_done_by_the_same_user(signed_in, cast, make_order):
    order = make_order(State.DISPATCHED)
    client = signed_in(cast.housing_handler)
    seen = order.version
    assert client.post(_url(order, "sign"), {"version": seen}).status_code == 302
    again = client.post(_url(order, "sign"), {"version": seen}, follow=True)
    assert f"工单 {order.number} 已按您刚才的提交更新，无需重复提交。" in again.content.decode()
    assert order.events.filter(action="sign").count() == 1


def test_signing_a_part_a_colleague_already_signed_says_look_again_on_the_order_page(signed_in, cast, make_order):
    order = make_order(State.DISPATCHED)
    seen = order.version
    assert signed_in(cast.housing_handler).post(_url(order, "sign"), {"version": seen}).status_code == 302
    client = signed_in(cast.housing_admin)
    response = client.post(_url(order, "sign"), {"version": seen}, follow=True)
    assert response.redirect_chain == [(_url(order), 302)]
    assert f"工单 {order.number} 已被他人处理，请查看最新情况后再操作。" in response.content.decode()
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


# --- 补充登记 (amend the record) ------------------------------------------------------------------------------------


def _forms(response) -> dict:
    return {item["spec"].slug: item for item in response.context["action_forms"]}


def test_an_order_without_a_category_opens_the_amend_form_with_the_picker(signed_in, cast, make_order):
    from tests import factories as f

    order = make_order(channel=f.channel("portal"), category=None)
    response = signed_in(cast.operator).get(_url(order))
    forms = _forms(response)
    assert [slug for slug, item in forms.items() if item["open"]] == ["amend"]
    assert "send-to-dispatch" not in forms  # it would be refused: the category comes first
    assert forms["amend"]["form"].initial["title"] == order.title
    page = response.content.decode()
    assert 'id="action-amend"' in page
    assert 'hx-target="#amend-category-results"' in page and "pick=radio" in page
    assert 'form="amend-category-search"' in page  # Enter in the search box searches, it does not save
    assert "尚未选择分类" in page


def test_an_order_with_a_category_opens_the_usual_next_step_and_shows_its_category_chosen(
    signed_in, cast, make_order
):
    order = make_order()
    response = signed_in(cast.operator).get(_url(order))
    forms = _forms(response)
    assert [slug for slug, item in forms.items() if item["open"]] == ["send-to-dispatch"]  # checked, on it goes
    assert "amend" in forms and "answer-on-spot" in forms
    page = response.content.decode()
    assert f'<input type="radio" name="category" value="{cast.property_service.pk}" checked>' in page


def test_operator_amends_the_record_from_the_order_page(signed_in, cast, make_order):
    from tests import factories as f

    order = make_order(channel=f.channel("portal"), category=None, area=None, address="")
    client = signed_in(cast.operator)
    response = client.post(_url(order, "amend"), {
        "version": order.version, "title": "工地夜间施工噪声扰民", "appeal_type": order.appeal_type.pk,
        "urgency": order.urgency.pk, "category": cast.noise.pk, "town": cast.town.pk, "community": cast.community.pk,
        "address": "幸福路8号",
    })
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.state, order.title, order.category, order.area, order.address) == (
        State.REGISTERED, "工地夜间施工噪声扰民", cast.noise, cast.community, "幸福路8号",
    )
    page = client.get(_url(order)).content.decode()
    assert "补充登记" in page and "诉求分类：（无） → 生态环境/噪声污染/施工噪声" in page
    assert client.post(_url(order, "send-to-dispatch"), {"version": order.version}).status_code == 302


def test_amending_without_a_category_is_a_400_beside_the_picker(signed_in, cast, make_order):
    order = make_order(category=None)
    response = signed_in(cast.operator).post(_url(order, "amend"), {
        "version": order.version, "title": order.title, "appeal_type": order.appeal_type.pk,
        "urgency": order.urgency.pk,
    })
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_amend_category_error"' in page and "请选择诉求分类。" in page
    assert _forms(response)["amend"]["open"]
    order.refresh_from_db()
    assert order.category is None


def test_a_parent_category_is_refused_beside_the_picker(signed_in, cast, make_order):
    order = make_order(State.PENDING_DISPATCH)
    response = signed_in(cast.dispatcher).post(_url(order, "amend"), {
        "version": order.version, "title": order.title, "appeal_type": order.appeal_type.pk,
        "urgency": order.urgency.pk, "category": cast.noise.parent.pk,
    })
    assert response.status_code == 400
    assert "请选择最末一级的诉求分类。" in response.content.decode()


def test_the_amend_form_is_offered_to_the_staff_of_the_queue_the_order_waits_in(signed_in, cast, make_order):
    registered, pending = make_order(), make_order(State.PENDING_DISPATCH)
    assert "amend" not in _forms(signed_in(cast.dispatcher).get(_url(registered)))
    assert "amend" in _forms(signed_in(cast.dispatcher).get(_url(pending)))
    assert "amend" not in _forms(signed_in(cast.operator).get(_url(pending)))
    response = signed_in(cast.operator).post(_url(pending, "amend"), {
        "version": pending.version, "title": "改", "appeal_type": pending.appeal_type.pk,
        "urgency": pending.urgency.pk, "category": cast.noise.pk,
    })
    assert response.status_code == 403
    assert "您的角色无权对该工单执行「补充登记」" in response.content.decode()


# --- The form opened by default, the history ----------------------------------------------------------------------


def test_a_signed_part_opens_the_reply_form_not_the_return_request(signed_in, cast, make_order):
    order = make_order(State.IN_PROGRESS)
    response = signed_in(cast.housing_handler).get(_url(order))
    assert [slug for slug, item in _forms(response).items() if item["open"]] == ["reply"]
    assert '<details id="action-return-request">' in response.content.decode()


def test_an_unsigned_part_opens_the_sign_form(signed_in, cast, make_order):
    order = make_order(State.DISPATCHED)
    response = signed_in(cast.housing_handler).get(_url(order))
    assert [slug for slug, item in _forms(response).items() if item["open"]] == ["sign"]


def test_the_history_names_each_actors_own_unit_and_the_unit_concerned_apart(signed_in, cast, make_order):
    order = make_order(State.IN_PROGRESS)
    page = signed_in(cast.operator).get(_url(order)).content.decode()
    history = page.split("流转记录", 1)[1]
    # The centre's operator and dispatcher act for the centre; the dispatch concerns the housing bureau.
    assert f"<br>{cast.operator} · 12345热线中心</li>" in history
    assert f'<br>{cast.dispatcher} · 12345热线中心 <span class="muted">（承办单位：住建局）</span></li>' in history
    assert f"{cast.dispatcher} · 住建局" not in history
    # The bureau's handler signed for the bureau: its unit once, nothing beside it.
    assert f"<br>{cast.housing_handler} · 住建局</li>" in history


# --- A dissatisfied callback: 重办 or 维持办结 ------------------------------------------------------------------------


def test_a_reopened_order_offers_rehandling_with_what_to_redo_and_upholding_with_a_reason(
    signed_in, cast, make_order
):
    order = make_order(State.REOPENED)
    response = signed_in(cast.dispatcher).get(_url(order))
    forms = _forms(response)
    assert [slug for slug, item in forms.items() if item["open"]] == ["rehandle"]
    assert forms["rehandle"]["form"].fields["note"].label == "重办要求"
    assert forms["uphold"]["form"].fields["reason"].required


def test_dispatcher_upholds_the_handling_from_the_order_page(signed_in, cast, make_order):
    order = make_order(State.REOPENED)
    client = signed_in(cast.dispatcher)
    refused = client.post(_url(order, "uphold"), {"version": order.version, "reason": ""})
    assert refused.status_code == 400
    assert 'id="id_uphold_reason_error"' in refused.content.decode()
    response = client.post(_url(order, "uphold"), {"version": order.version, "reason": "诉求无政策依据，已解释。"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.state, order.close_reason) == (State.CLOSED, "upheld")
    assert "维持办结" in client.get(_url(order)).content.decode()


@pytest.mark.parametrize("role", ["housing_handler", "housing_admin"])
def test_a_confidential_callers_other_orders_are_not_listed_to_the_unit(signed_in, cast, make_order, role):
    # The caller's ordinary order, open to the unit with their name, would say who asked for confidentiality.
    ordinary = make_order(State.DISPATCHED)
    secret = make_order(State.DISPATCHED, confidential=True)
    response = signed_in(getattr(cast, role)).get(_url(secret))
    assert response.status_code == 200
    assert response.context["related"].same_caller == []
    assert ordinary.number not in response.content.decode()
    # The centre still sees the caller's history, and the unit still sees it on the ordinary order.
    centre = signed_in(cast.dispatcher).get(_url(secret))
    assert [row.order.number for row in centre.context["related"].same_caller] == [ordinary.number]
    other = signed_in(getattr(cast, role)).get(_url(ordinary))
    assert secret.number not in other.content.decode()
