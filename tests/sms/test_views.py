"""The endpoints the SMS gateway posts to (rexian/sms/views.py): callers' texts and delivery reports."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from rexian.orders.transitions import State
from rexian.sms.models import IncomingSms, SmsMessage
from rexian.webhooks.signing import signature

pytestmark = pytest.mark.django_db

SECRET = "s3cret"


@pytest.fixture
def replies(settings):
    settings.SMS_BACKEND, settings.SMS_REPLIES, settings.SMS_SECRET = "log", True, SECRET
    return settings


def post(path: str, payload, *, secret: str = SECRET, timestamp: int | None = None, content_type="application/json"):
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return Client().post(path, data=body, content_type=content_type, HTTP_X_REXIAN_TIMESTAMP=stamp,
                         HTTP_X_REXIAN_SIGNATURE=signature(secret, stamp, body))


def test_a_callers_text_is_taken_once(replies):
    text = {"id": "gw-1", "from": "13812348000", "text": "幸福路路灯不亮", "received_at": "2026-11-28T09:30:00+08:00"}
    answer = post("/sms/incoming/", text)
    assert answer.status_code == 200 and answer.json() == {"accepted": 1, "duplicates": 0}
    assert post("/sms/incoming/", [text]).json() == {"accepted": 0, "duplicates": 1}
    incoming = IncomingSms.objects.get()
    assert (incoming.text, incoming.status, incoming.received_at.isoformat()) == (
        "幸福路路灯不亮", IncomingSms.Status.OPEN, "2026-11-28T01:30:00+00:00")


def test_a_rating_by_text_through_the_endpoint(replies, make_order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(State.AWAITING_CALLBACK)
    assert post("/sms/incoming/", {"id": "gw-2", "from": "13812348000", "text": "1"}).status_code == 200
    order.refresh_from_db()
    assert order.state == State.CLOSED


@pytest.mark.parametrize(("kwargs", "status", "code"), [
    ({"secret": "wrong"}, 401, "bad_signature"),
    ({"timestamp": int(time.time()) - 600}, 401, "bad_signature"),
    ({"content_type": "text/plain"}, 415, "unsupported_media_type"),
])
def test_a_request_not_from_the_gateway_is_refused(replies, kwargs, status, code):
    answer = post("/sms/incoming/", {"id": "gw-3", "from": "13812348000", "text": "你好"}, **kwargs)
    assert (answer.status_code, answer.json()["code"]) == (status, code)
    assert not IncomingSms.objects.exists()


@pytest.mark.parametrize(("payload", "code"), [
    (b"{not json", "malformed_json"),
    ([], "bad_items"),
    (["text"], "bad_items"),
    ([{"id": str(n), "from": "13812348000", "text": "x"} for n in range(101)], "bad_items"),
    ([{"id": "a", "from": "13812348000", "text": "好"}, {"id": "b", "from": "13812348000", "text": ""}],
     "invalid_items"),
    ({"id": "c", "from": "13812348000", "text": "好", "received_at": "yesterday"}, "invalid_items"),
    ({"id": "c", "from": "13812348000", "text": "好", "received_at": "2026-11-28T09:30:00"}, "invalid_items"),
])
def test_bad_input_is_a_400_that_stores_nothing(replies, payload, code):
    answer = post("/sms/incoming/", payload)
    assert (answer.status_code, answer.json()["code"]) == (400, code)
    assert answer.json()["message"]
    assert not IncomingSms.objects.exists()


def test_the_errors_say_which_item_and_field(replies):
    answer = post("/sms/incoming/", [{"id": "a", "from": "13812348000", "text": "好"},
                                     {"id": "b", "from": "1", "text": "好"}])
    assert answer.json()["errors"] == [{"index": 1, "field": "from", "message": "发信号码无效。"}]


def test_replies_off_means_no_endpoint(replies):
    replies.SMS_REPLIES = False
    answer = post("/sms/incoming/", {"id": "gw-4", "from": "13812348000", "text": "你好"})
    assert (answer.status_code, answer.json()["code"]) == (404, "replies_off")


def test_only_post(replies):
    answer = Client().get("/sms/incoming/")
    assert (answer.status_code, answer["Allow"]) == (405, "POST")


def test_delivery_reports(replies, make_order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_order(State.REGISTERED)
    message = SmsMessage.objects.get()
    answer = post("/sms/delivery/", [{"id": message.pk, "delivered": False, "error": "MK:0001",
                                      "at": "2026-11-28T09:31:00+08:00"}, {"id": message.pk + 99, "delivered": True}])
    assert answer.status_code == 200 and answer.json() == {"matched": 1, "unknown": 1}
    message.refresh_from_db()
    assert (message.status, message.last_error) == (SmsMessage.Status.UNDELIVERED, "MK:0001")
    assert message.delivered_at.isoformat() == "2026-11-28T01:31:00+00:00"


@pytest.mark.parametrize(("item", "field"), [
    ({"id": "7", "delivered": True}, "id"),
    ({"id": True, "delivered": True}, "id"),
    ({"id": 7, "delivered": "yes"}, "delivered"),
    ({"id": 7, "delivered": True, "at": "soon"}, "at"),
])
def test_a_bad_report_is_a_400(replies, item, field):
    answer = post("/sms/delivery/", item)
    assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == field


def test_reports_need_the_signature_too(replies):
    answer = post("/sms/delivery/", {"id": 1, "delivered": True}, secret="wrong")
    assert answer.status_code == 401
