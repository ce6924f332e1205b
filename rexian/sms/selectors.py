"""Reads of the sms app."""

from __future__ import annotations

from rexian.sms.models import SmsMessage
from rexian.units.models import Role

# The centre's staff, whom a caller asks whether the text came; a unit's staff have no use for it.
VIEWERS = frozenset({Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})


def order_messages(*, user, order) -> list[SmsMessage]:
    """The text messages made for the order's caller, oldest first, for the centre's staff (none for anyone else).
    The number is not read: the message says what was sent and when."""
    if user.role not in VIEWERS:
        return []
    return list(SmsMessage.objects.filter(order=order).defer("phone").order_by("created_at", "id"))
