"""What a webhook says about an order event, and what it must never say.

A webhook leaves the hotline for another organisation's system, so the
payload carries only the event and the order's classification: no caller's
name, phone or ID number, no title, description, address or reply text (any
of them may contain personal data typed by an operator). For an order whose
caller's identity is protected (a whistle-blower's report or a request for
confidentiality) even the classification stays home: only the number and the
states go out, and `restricted` says why the rest is empty.
"""

from __future__ import annotations

import json

from django.utils import timezone

from rexian.orders.models import OrderEvent

PAYLOAD_VERSION = 1


def load_event(event_id: int) -> OrderEvent:
    """The event with the order and the codes its payload needs, in one query."""
    return OrderEvent.objects.select_related(
        "order", "order__appeal_type", "order__category", "order__lead_unit"
    ).get(pk=event_id)


def event_payload(event: OrderEvent) -> dict:
    order = event.order
    restricted = order.protects_identity
    return {
        "version": PAYLOAD_VERSION,
        "id": event.pk,
        "event": event.action,
        "seq": event.seq,
        "occurred_at": timezone.localtime(event.at).isoformat(),
        "from_state": event.from_state or None,
        "to_state": event.to_state,
        "order": {
            "number": order.number,
            "state": event.to_state,
            "restricted": restricted,
            "appeal_type": None if restricted else order.appeal_type.code,
            "category": None if restricted or order.category is None else order.category.code,
            "lead_unit": None if restricted or order.lead_unit is None else order.lead_unit.code,
        },
    }


def payload_body(payload: dict) -> bytes:
    """The exact bytes sent and signed: compact UTF-8 JSON, keys sorted, the same on every retry."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
