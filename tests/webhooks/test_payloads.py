"""What a webhook says: the event and the order's classification, never a caller's personal data."""

from __future__ import annotations

import datetime as dt
import json

from rexian.orders.transitions import Action, State
from rexian.webhooks import payloads
from tests import factories as f
from tests.conftest import register

CALLER = {"caller_name": "张三", "caller_phone": "13812348000", "caller_id_number": "32128319800101123X"}


def payload_of_last_event(order) -> dict:
    return payloads.event_payload(payloads.load_event(order.events.order_by("seq").last().pk))


def test_the_payload_describes_the_event_and_the_orders_classification(cast, make_order):
    order = make_order(State.DISPATCHED)
    payload = payload_of_last_event(order)
    assert payload["event"] == Action.DISPATCH
    assert (payload["from_state"], payload["to_state"]) == (State.PENDING_DISPATCH, State.DISPATCHED)
    assert dt.datetime.fromisoformat(payload["occurred_at"]).tzinfo is not None
    assert payload["order"] == {
        "number": order.number,
        "state": State.DISPATCHED,
        "restricted": False,
        "appeal_type": "complaint",
        "category": "010101",
        "lead_unit": "C-ZJJ",
    }


def test_the_registration_has_no_previous_state(cast):
    payload = payload_of_last_event(register(cast))
    assert payload["from_state"] is None and payload["seq"] == 1


def test_the_payload_carries_no_personal_data_or_free_text(cast, make_order):
    order = make_order(State.CLOSED, **CALLER)
    for event in order.events.all():
        text = payloads.payload_body(payloads.event_payload(payloads.load_event(event.pk))).decode()
        for secret in [*CALLER.values(), order.title, order.description, order.address, "已督促物业"]:
            assert secret not in text, (event.action, secret)


def test_a_whistleblowers_order_reveals_only_its_number_and_states(cast, make_order):
    order = make_order(State.DISPATCHED, appeal_type=f.appeal_type("report"), **CALLER)
    payload = payload_of_last_event(order)
    assert payload["order"] == {
        "number": order.number, "state": State.DISPATCHED, "restricted": True,
        "appeal_type": None, "category": None, "lead_unit": None,
    }


def test_a_confidential_order_reveals_only_its_number_and_states(cast):
    order = register(cast, confidential=True)
    assert payload_of_last_event(order)["order"]["restricted"] is True
    assert "010101" not in payloads.payload_body(payload_of_last_event(order)).decode()


def test_the_body_is_the_same_bytes_every_time(cast):
    payload = payload_of_last_event(register(cast))
    assert payloads.payload_body(payload) == payloads.payload_body(json.loads(json.dumps(payload)))
