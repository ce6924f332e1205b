"""The text messages in the admin: read-only, the number masked, sent again on request."""

from __future__ import annotations

import pytest

from rexian.orders.models import OrderEvent
from rexian.orders.transitions import Action
from rexian.sms import services
from rexian.sms.models import SmsMessage, SmsOptOut

pytestmark = pytest.mark.django_db


@pytest.fixture
def message(settings, make_order):
    settings.SMS_BACKEND = "log"
    event = OrderEvent.objects.get(order=make_order(), action=Action.REGISTER)
    made = services.sms_for_event(event_id=event.pk, now=event.at)
    SmsMessage.objects.filter(pk=made.pk).update(status=SmsMessage.Status.GAVE_UP, attempts=5)
    return made


def test_the_list_and_the_message_show_the_number_masked(admin_client, message):
    listed = admin_client.get("/admin/sms/smsmessage/", {"q": message.order.number})
    assert listed.status_code == 200 and listed.context["cl"].result_count == 1
    page = admin_client.get(f"/admin/sms/smsmessage/{message.pk}/change/").content.decode()
    assert "138****8000" in page and "13812348000" not in page and message.text in page
    assert 'name="text"' not in page  # nothing to edit


def test_a_message_that_gave_up_is_sent_again(admin_client, message):
    response = admin_client.post("/admin/sms/smsmessage/", {"action": "send_again", "_selected_action": [message.pk]},
                                 follow=True)
    assert response.status_code == 200
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsMessage.Status.PENDING, 0)


def test_callers_texts_are_listed_with_the_number_masked(admin_client, settings):
    incoming = services.sms_receive(reference="gw-1", phone="13812348000", text="幸福路路灯不亮")
    listed = admin_client.get("/admin/sms/incomingsms/").content.decode()
    assert "138****8000" in listed and "13812348000" not in listed and "幸福路路灯不亮" in listed
    page = admin_client.get(f"/admin/sms/incomingsms/{incoming.pk}/change/").content.decode()
    assert "13812348000" not in page and 'name="text"' not in page


def test_an_administrator_enters_an_opt_out_a_caller_asked_for_on_the_phone(admin_client, admin_user):
    refused = admin_client.post("/admin/sms/smsoptout/add/", {"phone": "0523-87654321"})
    assert refused.status_code == 200 and "请填写 11 位手机号。" in refused.content.decode()
    assert not SmsOptOut.objects.exists()
    added = admin_client.post("/admin/sms/smsoptout/add/", {"phone": "+86 138 1234 8000"})
    assert added.status_code == 302
    opt_out = SmsOptOut.objects.get()
    assert (opt_out.masked_phone, opt_out.source) == ("138****8000", f"管理员 {admin_user.username}")
    assert services.opted_out("13812348000")
    listed = admin_client.get("/admin/sms/smsoptout/").content.decode()
    assert "138****8000" in listed and "13812348000" not in listed


def test_deleting_an_opt_out_texts_the_number_again(admin_client):
    opt_out = services.sms_opt_out(phone="13812348000", source="短信回复退订")
    response = admin_client.post(f"/admin/sms/smsoptout/{opt_out.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not services.opted_out("13812348000")
