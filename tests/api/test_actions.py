"""Every staff action of the lifecycle through the API: one POST each, the version in the body, errors as JSON."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rexian.orders import services
from rexian.orders.attachments import attachment_add
from rexian.orders.models import Attachment, Callback, OrderEvent
from rexian.orders.transitions import State
from rexian.units.models import Role
from tests import factories as f
from tests.api.conftest import act, action_url, client_for

S = State
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def assert_moved(response, order, state: str):
    assert response.status_code == 200, response.json()
    order.refresh_from_db()
    assert order.state == state
    assert response.json() == {
        "number": order.number,
        "state": state,
        "version": order.version,
        "url": f"/api/v1/orders/{order.number}/",
    }


def returned(cast, make_order):
    order = make_order(S.DISPATCHED)
    services.return_request(actor=cast.housing_handler, order=order, reason="不属于本单位职责。")
    return order


def extension_asked(cast, make_order):
    order = make_order(S.IN_PROGRESS)
    order.refresh_from_db()
    services.extension_request(
        actor=cast.housing_handler,
        order=order,
        new_deadline=order.reply_deadline + dt.timedelta(days=5),
        reason="需协调多个部门。",
    )
    return order


def reopened(cast, make_order):
    order = make_order(S.AWAITING_CALLBACK)
    services.callback_record(
        actor=cast.operator, order=order, satisfaction="dissatisfied", solved=False, responded_in_time=True,
        note="市民表示问题仍未解决。",
    )
    return order


# --- Each action's ordinary path ---------------------------------------------------------------------


def test_operator_answers_on_the_spot(cast, make_order, settings):
    settings.DIRECT_ANSWER_CALLBACK_SAMPLE = 0
    order = make_order()
    assert_moved(
        act(client_for(cast.operator), order, "answer-on-spot", answer="已告知办理地点和材料。"), order, S.CLOSED
    )


def test_operator_sends_an_order_to_dispatch(cast, make_order):
    order = make_order()
    assert_moved(act(client_for(cast.operator), order, "send-to-dispatch", note="需派单"), order, S.PENDING_DISPATCH)


def test_dispatcher_dispatches_to_a_lead_and_assisting_units_by_code(cast, make_order):
    order = make_order(S.PENDING_DISPATCH)
    response = act(client_for(cast.dispatcher), order, "dispatch", lead_unit="C-ZJJ", assisting_units=["C-CD"])
    assert_moved(response, order, S.DISPATCHED)
    assert {(a.unit.code, a.role) for a in order.assignments.all()} == {("C-ZJJ", "lead"), ("C-CD", "assist")}


def test_unit_handler_signs(cast, make_order):
    order = make_order(S.DISPATCHED)
    assert_moved(act(client_for(cast.housing_handler), order, "sign"), order, S.IN_PROGRESS)


def test_lead_unit_records_its_first_response(cast, make_order):
    order = make_order(S.DISPATCHED)
    assert_moved(act(client_for(cast.housing_handler), order, "respond", note="已电话联系市民。"), order, S.DISPATCHED)
    assert order.first_responded_at is not None


def test_lead_unit_asks_to_return_an_order(cast, make_order):
    order = make_order(S.DISPATCHED)
    response = act(client_for(cast.housing_handler), order, "return-request", reason="不属于本单位职责。")
    assert_moved(response, order, S.RETURN_REQUESTED)


def test_dispatcher_approves_a_return(cast, make_order):
    order = returned(cast, make_order)
    assert_moved(act(client_for(cast.dispatcher), order, "return-approve"), order, S.PENDING_DISPATCH)


def test_dispatcher_rejects_a_return(cast, make_order):
    order = returned(cast, make_order)
    response = act(client_for(cast.dispatcher), order, "return-reject", reason="属于物业监管职责。")
    assert_moved(response, order, S.DISPATCHED)


def test_lead_unit_asks_for_an_extension(cast, make_order):
    order = make_order(S.IN_PROGRESS)
    new_deadline = (order.reply_deadline + dt.timedelta(days=3)).isoformat()
    response = act(
        client_for(cast.housing_handler), order, "extension-request", new_deadline=new_deadline, reason="需协调。"
    )
    assert_moved(response, order, S.IN_PROGRESS)
    assert order.pending_extension


def test_dispatcher_approves_an_extension(cast, make_order):
    order = extension_asked(cast, make_order)
    assert_moved(act(client_for(cast.dispatcher), order, "extension-approve"), order, S.IN_PROGRESS)
    assert not order.pending_extension


def test_dispatcher_rejects_an_extension(cast, make_order):
    order = extension_asked(cast, make_order)
    assert_moved(act(client_for(cast.dispatcher), order, "extension-reject", reason="时限充足。"), order, S.IN_PROGRESS)


def test_unit_replies_with_its_result(cast, make_order):
    order = make_order(S.IN_PROGRESS)
    response = act(client_for(cast.housing_handler), order, "reply", result="已督促物业修复电梯。", measures="现场督办")
    assert_moved(response, order, S.REPLIED)


def test_dispatcher_accepts_a_reply(cast, make_order):
    order = make_order(S.REPLIED)
    assert_moved(act(client_for(cast.dispatcher), order, "reply-accept"), order, S.AWAITING_CALLBACK)


def test_dispatcher_sends_a_reply_back(cast, make_order):
    order = make_order(S.REPLIED)
    assert_moved(act(client_for(cast.dispatcher), order, "reply-reject", reason="答复不完整。"), order, S.IN_PROGRESS)


def test_operator_records_a_callback(cast, make_order):
    order = make_order(S.AWAITING_CALLBACK)
    response = act(
        client_for(cast.operator),
        order,
        "callback",
        satisfaction="satisfied",
        solved=True,
        responded_in_time=None,
    )
    assert_moved(response, order, S.CLOSED)
    assert Callback.objects.get(order=order).responded_in_time is None


def test_operator_records_a_failed_callback(cast, make_order):
    order = make_order(S.AWAITING_CALLBACK)
    assert_moved(act(client_for(cast.operator), order, "callback-failed", note="无人接听"), order, S.AWAITING_CALLBACK)
    assert order.callback_attempts == 1


def test_dispatcher_sends_a_reopened_order_back_for_handling(cast, make_order):
    order = reopened(cast, make_order)
    refused = act(client_for(cast.dispatcher), order, "rehandle")
    assert refused.status_code == 400 and refused.json()["fields"] == {"note": ["请填写重办要求。"]}
    assert_moved(act(client_for(cast.dispatcher), order, "rehandle", note="请上门复查。"), order, S.IN_PROGRESS)


def test_dispatcher_upholds_a_reopened_orders_handling(cast, make_order):
    order = reopened(cast, make_order)
    response = act(client_for(cast.dispatcher), order, "uphold", reason="诉求无政策依据，已向市民解释。")
    assert_moved(response, order, S.CLOSED)
    assert order.close_reason == "upheld"


def test_operator_completes_a_registered_orders_category_and_nothing_else(cast, make_order):
    order = make_order(category=None)
    title, urgency = order.title, order.urgency
    response = act(client_for(cast.operator), order, "amend", category="020101")
    assert_moved(response, order, S.REGISTERED)
    assert (order.category, order.title, order.urgency) == (cast.noise, title, urgency)
    assert_moved(act(client_for(cast.operator), order, "send-to-dispatch"), order, S.PENDING_DISPATCH)


def test_dispatcher_corrects_an_order_in_the_dispatch_queue(cast, make_order):
    order = make_order(S.PENDING_DISPATCH)
    response = act(
        client_for(cast.dispatcher), order, "amend", title="工地夜间施工噪声", appeal_type="consult",
        urgency="urgent", category="020101", area=None, address="",
    )
    assert_moved(response, order, S.PENDING_DISPATCH)
    assert (order.title, order.appeal_type.code, order.urgency.code, order.category, order.area, order.address) == (
        "工地夜间施工噪声", "consult", "urgent", cast.noise, None, "",
    )
    event = OrderEvent.objects.filter(order=order).order_by("-seq").first()
    assert (event.action, event.data["changed"]) == (
        "amend", ["title", "appeal_type", "urgency", "category", "area", "address"],
    )


@pytest.mark.parametrize(
    ("body", "code", "fields"),
    [
        ({}, "invalid_input", {}),  # nothing to correct
        ({"category": "0101"}, "invalid_input", {"category": ["请选择最末一级的诉求分类。"]}),
        ({"category": "NOPE"}, "invalid", ["category"]),
        ({"title": ""}, "invalid", ["title"]),
        ({"urgency": None}, "invalid", ["urgency"]),
    ],
)
def test_an_amendment_the_rules_refuse_gets_400(cast, make_order, body, code, fields):
    order = make_order()
    response = act(client_for(cast.operator), order, "amend", **body)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert (response.json()["fields"] if isinstance(fields, dict) else list(response.json()["fields"])) == fields
    order.refresh_from_db()
    assert (order.version, order.category) == (1, cast.property_service)


def test_an_operator_may_not_amend_an_order_waiting_for_dispatch(cast, make_order):
    order = make_order(S.PENDING_DISPATCH)
    response = act(client_for(cast.operator), order, "amend", category="020101")
    assert response.status_code == 403
    assert response.json()["message"] == "您的角色无权对该工单执行「补充登记」。"


def test_sending_an_order_without_a_category_to_dispatch_gets_400_naming_it(cast, make_order):
    order = make_order(category=None)
    response = act(client_for(cast.operator), order, "send-to-dispatch")
    assert response.status_code == 400
    message = "该工单尚未选择诉求分类，请先补充登记诉求分类，再转派遣。"
    assert response.json() == {"code": "invalid_input", "message": message, "fields": {"category": [message]}}


def test_operator_merges_a_repeated_request_into_its_master(cast, make_order):
    master, order = make_order(S.PENDING_DISPATCH), make_order()
    assert_moved(act(client_for(cast.operator), order, "merge", master=master.number), order, S.MERGED)
    assert order.master == master


def test_supervisor_voids_an_order(cast, make_order):
    order = make_order()
    assert_moved(act(client_for(cast.supervisor), order, "void", reason="测试来电"), order, S.VOIDED)


def test_operator_attaches_a_photo(cast, make_order, media):
    order = make_order()
    response = client_for(cast.operator).post(
        action_url(order, "attachments"),
        {"version": order.version, "file": SimpleUploadedFile("现场.png", PNG, content_type="image/png")},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    attachment = Attachment.objects.get(order=order)
    order.refresh_from_db()
    assert response.json()["attachment"]["id"] == attachment.pk
    assert response.json()["attachment"]["kind"] == "photo"
    assert response.json()["order"]["version"] == order.version


def test_an_integration_account_records_a_citizens_rating_on_an_order_it_cannot_read(cast, make_order):
    order = make_order(S.AWAITING_CALLBACK)
    portal = f.UserFactory(username="partner-app", role=Role.INTEGRATION)
    client = client_for(portal)
    assert client.get(f"/api/v1/orders/{order.number}/").status_code == 403
    assert_moved(act(client, order, "callback", satisfaction="basic"), order, S.CLOSED)


# --- Each class of error -------------------------------------------------------------------------------


def test_a_stale_version_gets_409_and_changes_nothing(cast, make_order, media):
    order = make_order(S.PENDING_DISPATCH)
    seen = order.version
    # Meanwhile the operator adds a photo: the order moves on to the next version.
    attachment_add(actor=cast.operator, order=order, upload=SimpleUploadedFile("现场.png", PNG))
    events = OrderEvent.objects.filter(order=order).count()
    response = client_for(cast.dispatcher).post(
        action_url(order, "dispatch"), {"version": seen, "lead_unit": "C-ZJJ"}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "stale_version"
    assert "请刷新后重试" in body["message"]
    assert body["fields"] == {"version": [body["message"]]}
    order.refresh_from_db()
    assert (order.state, order.version, order.lead_unit) == (S.PENDING_DISPATCH, seen + 1, None)
    assert OrderEvent.objects.filter(order=order).count() == events
    assert not order.assignments.exists()


def test_an_action_the_state_does_not_allow_gets_409(cast, make_order):
    order = make_order()
    response = act(client_for(cast.dispatcher), order, "reply-accept")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert "不能执行「审核通过」" in response.json()["message"]


def test_input_the_service_refuses_gets_400_naming_the_field(cast, make_order):
    order = make_order(S.PENDING_DISPATCH)
    response = act(client_for(cast.dispatcher), order, "dispatch", lead_unit="C-12345")  # the centre takes no orders
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert response.json()["fields"] == {"lead_unit": ["12345热线中心 不承办工单。"]}


def test_an_unknown_unit_code_gets_400_naming_the_field(cast, make_order):
    order = make_order(S.PENDING_DISPATCH)
    response = act(client_for(cast.dispatcher), order, "dispatch", lead_unit="C-ZJJ", assisting_units=["C-CD", "NOPE"])
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == ["assisting_units.1"]


def test_a_missing_version_gets_400(cast, make_order):
    order = make_order()
    response = client_for(cast.operator).post(action_url(order, "send-to-dispatch"), {}, format="json")
    assert response.status_code == 400
    assert "version" in response.json()["fields"]


@pytest.mark.parametrize("version", ["2", 2.0, True, None, 10**30, -1, [2]])
def test_a_version_that_is_not_a_plain_integer_gets_400(cast, make_order, version):
    order = make_order()
    response = client_for(cast.operator).post(
        action_url(order, "send-to-dispatch"), {"version": version}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["version"]


def test_a_role_without_the_right_gets_403(cast, make_order):
    order = make_order(S.PENDING_DISPATCH)
    response = act(client_for(cast.operator), order, "dispatch", lead_unit="C-ZJJ")
    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": "您的角色无权对该工单执行「派单」。",
        "fields": {},
    }


def test_an_unknown_order_gets_404(cast):
    response = client_for(cast.dispatcher).post("/api/v1/orders/20990101-000001/sign/", {"version": 1}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_attachment_of_a_refused_type_gets_400_naming_the_file(cast, make_order, media):
    order = make_order()
    response = client_for(cast.operator).post(
        action_url(order, "attachments"),
        {"version": order.version, "file": SimpleUploadedFile("virus.exe", b"MZ" + b"\x00" * 20)},
        format="multipart",
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["file"]
    assert not Attachment.objects.exists()


def test_an_extension_beyond_ninety_days_gets_400_naming_the_deadline(cast, make_order):
    order = make_order(S.IN_PROGRESS)
    too_late = (order.reply_deadline + dt.timedelta(days=91)).isoformat()
    response = act(
        client_for(cast.housing_handler), order, "extension-request", new_deadline=too_late, reason="需协调。"
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["new_deadline"]


def test_an_integration_account_attaches_photos_to_the_orders_it_registered_only(cast, make_order, media):
    partner = f.UserFactory(username="partner-app", role=Role.INTEGRATION)
    own = make_order(actor=partner)
    other = make_order()
    client = client_for(partner)

    def upload(order):
        return client.post(
            action_url(order, "attachments"),
            {"version": order.version, "file": SimpleUploadedFile("现场.png", PNG)},
            format="multipart",
        )

    assert upload(own).status_code == 201
    assert upload(other).status_code == 403
