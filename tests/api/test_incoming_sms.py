"""短信来信 in the API: operators and supervisors list callers' texts, set one aside, or register it as an order."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rexian.orders.models import WorkOrder
from rexian.portal.services import integration_account
from rexian.privacy.models import PersonalDataAccess
from rexian.sms import services
from rexian.sms.models import IncomingSms
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

In = IncomingSms.Status
LIST = "/api/v1/sms/incoming/"
PHONE = "13812348000"
MASKED = "138****8000"
FROM_TEXT = {
    "channel": "sms",
    "appeal_type": "complaint",
    "title": "幸福路路灯不亮",
    "description": "市民短信反映：幸福路路灯一周不亮。",
}

_references = iter(range(1, 10**6))


def receive(text: str, *, phone: str = PHONE, minutes_ago: int = 0) -> IncomingSms:
    return services.sms_receive(reference=f"gw-{next(_references)}", phone=phone, text=text,
                                received_at=timezone.now() - dt.timedelta(minutes=minutes_ago))


def url(incoming: IncomingSms) -> str:
    return f"{LIST}{incoming.pk}/"


@pytest.fixture
def texts(cast):
    """Three texts: two waiting (the older first), one set aside by the supervisor."""
    older, newer = receive("幸福路路灯不亮", minutes_ago=30), receive("小区门口垃圾没人清", minutes_ago=10)
    handled = receive("谢谢你们", minutes_ago=20)
    services.incoming_dismiss(actor=cast.supervisor, incoming_id=handled.pk, note="致谢，无需登记")
    return older, newer, handled


def test_operators_see_the_waiting_texts_oldest_first_with_the_number_masked(cast, texts):
    older, newer, _handled = texts
    response = client_for(cast.operator).get(LIST)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [row["id"] for row in body["results"]] == [older.pk, newer.pk]
    assert (body["next"], body["previous"]) == (None, None)
    first = body["results"][0]
    assert first == {
        "id": older.pk, "received_at": first["received_at"], "phone": MASKED, "text": "幸福路路灯不亮",
        "status": "open", "status_label": "待处理", "order": None, "handled_by": None, "handled_at": None,
        "note": "", "url": f"/api/v1/sms/incoming/{older.pk}/",
    }
    assert PHONE not in response.content.decode()


def test_every_text_newest_first_with_who_handled_it(cast, texts):
    older, newer, handled = texts
    body = client_for(cast.supervisor).get(LIST, {"tab": "all"}).json()
    assert [row["id"] for row in body["results"]] == [newer.pk, handled.pk, older.pk]
    row = body["results"][1]
    assert (row["status"], row["status_label"], row["handled_by"], row["note"]) == (
        "dismissed", "无需登记", str(cast.supervisor), "致谢，无需登记")
    assert row["handled_at"] is not None


def test_the_list_is_paged(cast, texts):
    older, newer, _handled = texts
    client = client_for(cast.operator)
    first = client.get(LIST, {"page_size": 1}).json()
    assert [row["id"] for row in first["results"]] == [older.pk] and first["previous"] is None
    second = client.get(first["next"]).json()
    assert [row["id"] for row in second["results"]] == [newer.pk] and second["next"] is None
    assert second["previous"].endswith(f"{LIST}?page_size=1")
    assert client.get(LIST, {"tab": "mine"}).status_code == 400


@pytest.mark.parametrize("member", ["dispatcher", "housing_handler"])
def test_only_operators_and_supervisors_read_or_handle_texts(cast, texts, member):
    older = texts[0]
    client = client_for(getattr(cast, member))
    for response in (client.get(LIST), client.get(url(older)),
                     client.post(f"{url(older)}dismiss/", {"note": "无需登记"}, format="json")):
        assert response.status_code == 403, response.json()
        assert response.json()["code"] == "permission_denied" and "幸福路" not in response.content.decode()
    older.refresh_from_db()
    assert older.status == In.OPEN


def test_one_text_with_its_number_masked(cast, texts):
    client = client_for(cast.operator)
    response = client.get(url(texts[2]))
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["phone"], response.json()["status"]) == (
        texts[2].pk, MASKED, "dismissed")
    assert PHONE not in response.content.decode()
    assert not PersonalDataAccess.objects.exists()  # nothing unmasked was read
    for missing in (f"{LIST}999999/", f"{LIST}abc/"):
        answer = client.get(missing)
        assert answer.status_code == 404 and answer.json()["message"] == "短信来信不存在。"


def test_an_operator_sets_a_text_aside_once(cast, texts):
    older = texts[0]
    client = client_for(cast.operator)
    response = client.post(f"{url(older)}dismiss/", {"note": "  重复来信，  已有工单 "}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["note"], body["handled_by"]) == (
        "dismissed", "重复来信， 已有工单", str(cast.operator))
    again = client_for(cast.supervisor).post(f"{url(older)}dismiss/", {"note": "无需登记"}, format="json")
    assert again.status_code == 409
    assert again.json() == {"code": "invalid_step", "message": "这条短信已由他人处理。", "fields": {}}
    older.refresh_from_db()
    assert (older.handled_by, older.note) == (cast.operator, "重复来信， 已有工单")


@pytest.mark.parametrize("body", [{}, {"note": "   "}])
def test_setting_a_text_aside_needs_a_reason(cast, texts, body):
    older = texts[0]
    response = client_for(cast.operator).post(f"{url(older)}dismiss/", body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"note": ["请填写无需登记的原因。"]}
    older.refresh_from_db()
    assert older.status == In.OPEN


def test_an_order_registered_from_a_text_takes_its_number_and_marks_it_registered(cast, texts):
    older = texts[0]
    client = client_for(cast.operator)
    response = client.post("/api/v1/orders/", {**FROM_TEXT, "incoming_sms": older.pk}, format="json")
    assert response.status_code == 201, response.json()
    order = WorkOrder.objects.get()
    assert response.json()["number"] == order.number
    assert (order.caller_phone, order.channel.code) == (PHONE, "sms")
    older.refresh_from_db()
    assert (older.status, older.order, older.handled_by) == (In.REGISTERED, order, cast.operator)
    row = client.get(url(older)).json()
    assert (row["status"], row["order"], row["handled_by"]) == ("registered", order.number, str(cast.operator))
    assert [r["id"] for r in client.get(LIST).json()["results"]] == [texts[1].pk]


def test_a_number_the_operator_gives_is_kept(cast, texts):
    response = client_for(cast.supervisor).post(
        "/api/v1/orders/", {**FROM_TEXT, "incoming_sms": texts[0].pk, "caller_phone": "0523-87654321"},
        format="json")
    assert response.status_code == 201, response.json()
    assert WorkOrder.objects.get().caller_phone == "0523-87654321"


def test_a_text_handled_already_makes_no_order(cast, texts):
    response = client_for(cast.operator).post("/api/v1/orders/", {**FROM_TEXT, "incoming_sms": texts[2].pk},
                                              format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_step"
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize(("value", "message"), [(999999, "短信来信不存在。"), ("12", None), (0, None)])
def test_a_bad_text_id_makes_no_order(cast, texts, value, message):
    response = client_for(cast.operator).post("/api/v1/orders/", {**FROM_TEXT, "incoming_sms": value},
                                              format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["incoming_sms"]
    if message:
        assert response.json()["fields"]["incoming_sms"] == [message]
    assert not WorkOrder.objects.exists()


def test_an_account_that_registers_but_does_not_handle_texts_makes_no_order(cast, texts):
    portal = client_for(integration_account())
    response = portal.post("/api/v1/orders/", {**FROM_TEXT, "incoming_sms": texts[0].pk}, format="json")
    assert response.status_code == 403
    assert not WorkOrder.objects.exists()
    assert IncomingSms.objects.get(pk=texts[0].pk).status == In.OPEN


def test_an_order_refused_leaves_the_text_waiting(cast, texts):
    response = client_for(cast.operator).post(
        "/api/v1/orders/", {**FROM_TEXT, "incoming_sms": texts[0].pk, "category": "0101"}, format="json")
    assert response.status_code == 400 and list(response.json()["fields"]) == ["category"]
    assert IncomingSms.objects.get(pk=texts[0].pk).status == In.OPEN


def test_a_retry_with_the_same_idempotency_key_registers_the_text_once(cast, texts):
    client = client_for(cast.operator)
    body = {**FROM_TEXT, "incoming_sms": texts[0].pk}
    first = client.post("/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="text-1")
    again = client.post("/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="text-1")
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert again.json() == first.json() and WorkOrder.objects.count() == 1
