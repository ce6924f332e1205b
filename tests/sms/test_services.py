"""Text messages to callers (rexian/sms/services.py): who is texted, what the text says, sending and retrying."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from django.utils import timezone

from rexian.orders.models import OrderEvent
from rexian.orders.transitions import Action, State
from rexian.sms import services
from rexian.sms.models import SmsMessage
from rexian.webhooks.signing import verify
from tests import factories as f
from tests.webhooks.conftest import receiver  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

Kind, Status = SmsMessage.Kind, SmsMessage.Status


@pytest.fixture
def texting(settings):
    """The log gateway: texts are made and 'sent' to the log."""
    settings.SMS_BACKEND, settings.SMS_SIGN, settings.SMS_PORTAL_URL = "log", "泰兴12345", ""
    return settings


@pytest.fixture
def gateway(settings, receiver):  # noqa: F811 (the fixture imported above)
    settings.SMS_BACKEND, settings.SMS_URL, settings.SMS_SECRET = "http", receiver.url, "s3cret"
    settings.SMS_SIGN = "泰兴12345"
    return receiver


def made(make_order, django_capture_on_commit_callbacks, state=State.REGISTERED, **overrides):
    with django_capture_on_commit_callbacks(execute=True):
        return make_order(state, **overrides)


def test_nothing_is_texted_while_the_gateway_is_off(make_order, django_capture_on_commit_callbacks):
    made(make_order, django_capture_on_commit_callbacks, State.AWAITING_CALLBACK)
    assert not SmsMessage.objects.exists()


def test_a_registered_request_gets_its_receipt_with_the_number(texting, make_order, django_capture_on_commit_callbacks,
                                                              caplog):
    caplog.set_level(logging.INFO, logger="rexian.sms")
    order = made(make_order, django_capture_on_commit_callbacks)
    message = SmsMessage.objects.get()
    assert (message.order, message.kind, message.phone) == (order, Kind.RECEIPT, "13812348000")
    assert message.text == f"【泰兴12345】您的诉求已受理，工单号{order.number}。可拨打12345凭工单号查询。"
    assert (message.status, message.attempts, message.reference) == (Status.SENT, 1, f"log-{message.pk}")
    assert "138****8000" in caplog.text and "13812348000" not in caplog.text


def test_the_texts_name_the_portal_where_there_is_one(texting):
    texting.SMS_PORTAL_URL = "https://12345.taixing.gov.cn/portal/track/"
    text = services.sms_text(Kind.RESULT, number="20261128-000001")
    assert text == ("【泰兴12345】您反映的问题（工单号20261128-000001）已办理完毕，可凭工单号和手机号在"
                    "https://12345.taixing.gov.cn/portal/track/查询办理结果。我们将回访听取您的评价。")


def test_an_accepted_reply_tells_the_caller_a_callback_follows(texting, make_order, django_capture_on_commit_callbacks):
    order = made(make_order, django_capture_on_commit_callbacks, State.AWAITING_CALLBACK)
    kinds = dict(SmsMessage.objects.values_list("kind", "status"))
    assert kinds == {Kind.RECEIPT: Status.SENT, Kind.RESULT: Status.SENT}
    assert f"工单号{order.number}）已办理完毕" in SmsMessage.objects.get(kind=Kind.RESULT).text


@pytest.mark.parametrize("overrides", [
    {"caller_phone": "0523-87654321"},  # a landline: no text reaches it
    {"caller_phone": ""},
    {"confidential": True},  # a text on a shared phone could give the caller away
    {"appeal_type": "report"},  # a whistle-blower, likewise
])
def test_who_is_never_texted(texting, make_order, django_capture_on_commit_callbacks, overrides):
    if "appeal_type" in overrides:
        overrides["appeal_type"] = f.appeal_type(overrides["appeal_type"])
    made(make_order, django_capture_on_commit_callbacks, State.AWAITING_CALLBACK, **overrides)
    assert not SmsMessage.objects.exists()


def test_a_mobile_number_is_recognised_however_it_was_written():
    assert services.mobile_number("+86 138-1234-8000") == "13812348000"
    assert services.mobile_number("8613812348000") == "13812348000"
    assert services.mobile_number("12812348000") is None and services.mobile_number("1381234800") is None


def test_only_the_kinds_the_centre_chose(texting, make_order, django_capture_on_commit_callbacks):
    texting.SMS_KINDS = ["result"]
    made(make_order, django_capture_on_commit_callbacks, State.AWAITING_CALLBACK)
    assert list(SmsMessage.objects.values_list("kind", flat=True)) == [Kind.RESULT]


def test_an_event_announced_twice_or_long_ago_texts_once_or_not_at_all(texting, make_order):
    order = make_order()  # its event not announced: nothing made yet
    event = OrderEvent.objects.get(order=order, action=Action.REGISTER)
    assert services.sms_for_event(event_id=event.pk, now=event.at + dt.timedelta(hours=2)) is None  # an import
    assert services.sms_for_event(event_id=event.pk, now=event.at) is not None
    assert services.sms_for_event(event_id=event.pk, now=event.at) is None
    assert SmsMessage.objects.count() == 1


def test_a_failure_to_make_a_text_never_fails_the_operator_s_step(
    texting, make_order, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "sms_for_event", broken)
    order = made(make_order, django_capture_on_commit_callbacks)
    assert order.pk and "could not make the text message" in caplog.text


# --- Through the HTTP gateway -----------------------------------------------------------------------------------


def _pending(make_order) -> SmsMessage:
    order = make_order()
    event = OrderEvent.objects.get(order=order, action=Action.REGISTER)
    return services.sms_for_event(event_id=event.pk, now=event.at)


def test_the_gateway_gets_a_signed_json_post(gateway, make_order):
    message = _pending(make_order)
    assert services.sms_send(message_id=message.pk) == Status.SENT
    [request] = gateway.requests
    body = json.loads(request.body)
    assert body == {"id": message.pk, "to": "13812348000", "text": message.text}
    assert verify("s3cret", timestamp=request.headers["X-Rexian-Timestamp"], body=request.body,
                  signature_header=request.headers["X-Rexian-Signature"])
    message.refresh_from_db()
    assert message.status == Status.SENT and message.sent_at and message.last_error == ""


def test_a_refusal_is_retried_later_then_given_up(gateway, make_order):
    gateway.status = 503
    message = _pending(make_order)
    now = timezone.now()
    assert services.sms_send(message_id=message.pk, now=now) == Status.FAILED
    message.refresh_from_db()
    assert message.attempts == 1 and message.next_attempt_at == now + services.RETRY_DELAYS[0]
    assert message.last_error.startswith("HTTP 503")
    assert services.sms_send(message_id=message.pk, now=now) is None  # not due yet: not sent again
    assert services.sms_send_due(now=now) == 0 and len(gateway.requests) == 1
    for delay in services.RETRY_DELAYS:
        now += delay
        services.sms_send(message_id=message.pk, now=now)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.next_attempt_at) == (Status.GAVE_UP, services.OUTBOX.max_attempts, None)
    assert len(gateway.requests) == services.OUTBOX.max_attempts
    gateway.status = 200
    assert services.sms_retry(message_ids=[message.pk]) == 1
    assert services.sms_send_due() == 1
    message.refresh_from_db()
    assert message.status == Status.SENT


def test_a_gateway_that_does_not_answer_is_a_failure_with_the_reason(settings, make_order):
    settings.SMS_BACKEND, settings.SMS_URL, settings.SMS_SECRET = "http", "http://127.0.0.1:9/sms", "s"
    message = _pending(make_order)
    assert services.sms_send(message_id=message.pk) == Status.FAILED
    message.refresh_from_db()
    assert "URLError" in message.last_error or "refused" in message.last_error.lower()


def test_a_message_held_by_one_worker_is_not_sent_by_another(gateway, make_order):
    message = _pending(make_order)
    now = timezone.now()
    SmsMessage.objects.filter(pk=message.pk).update(claimed_until=now + dt.timedelta(seconds=30))
    assert services.sms_send(message_id=message.pk, now=now) is None
    assert services.sms_send_due(now=now) == 0 and gateway.requests == []
    assert services.sms_send_due(now=now + dt.timedelta(seconds=31)) == 1  # the claim expired with its worker


def test_a_bug_in_sending_is_a_failure_retried_later(texting, make_order, monkeypatch, caplog):
    def broken(**kwargs):
        raise ValueError("unexpected")

    monkeypatch.setattr(services.gateway, "send", broken)
    message = _pending(make_order)
    assert services.sms_send(message_id=message.pk) == Status.FAILED
    message.refresh_from_db()
    assert message.claimed_until is None and "server log" in message.last_error
    assert "could not be sent" in caplog.text
