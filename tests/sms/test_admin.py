"""The text messages in the admin: read-only, the number masked, sent again on request."""

from __future__ import annotations

import pytest

from rexian.orders.models import OrderEvent
from rexian.orders.transitions import Action
from rexian.sms import services
from rexian.sms.models import SmsMessage

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
