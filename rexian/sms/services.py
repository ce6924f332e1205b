"""Writes of the sms app (短信): which callers are texted, what the text says, and sending it through the gateway.

Two messages, each at most once per order: the **receipt** (受理回执) with the order number when a request is
registered, so that a caller can track it on the portal or by phone, and the **result** (办结通知) when the unit's
reply has been accepted (审核通过), telling them a callback will follow. Only to a mainland mobile number, never
for a whistle-blower or a caller who asked for confidentiality (a text on a shared or work phone could give them
away), never for an event older than `FRESH` (an import of past orders texts nobody), and nothing at all while
`REXIAN_SMS_BACKEND` is off (the default).

A message's life: made `pending` when the order event commits (`on_order_event`) → the worker sends what is due
(`sms_send_due`: at once after a message is made, and every minute) → `sent` on the gateway's 2xx, otherwise
`failed` with the next attempt after `RETRY_DELAYS` → `gave_up`. A worker claims a message with a conditional
UPDATE before sending it, so two workers never send it twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from rexian.orders.models import OrderEvent
from rexian.orders.transitions import Action, State
from rexian.privacy import crypto
from rexian.sms import gateway
from rexian.sms.models import SmsMessage

logger = logging.getLogger(__name__)

Kind, Status = SmsMessage.Kind, SmsMessage.Status

RETRY_DELAYS = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
CLAIM_DURATION = dt.timedelta(seconds=60)  # well above the gateway timeout: a claim only expires with its worker
FRESH = dt.timedelta(hours=1)
SEND_BATCH = 200
MOBILE = re.compile(r"1[3-9]\d{9}")

# Which event makes which message.
KIND_OF_ACTION = {Action.REGISTER: Kind.RECEIPT, Action.ACCEPT_REPLY: Kind.RESULT}

# The texts, in Chinese: they go to citizens. 【sign】 is the centre's registered SMS signature.
RECEIPT_TEXT = "【{sign}】您的诉求已受理，工单号{number}。{track}"
RESULT_TEXT = "【{sign}】您反映的问题（工单号{number}）已办理完毕，{track}我们将回访听取您的评价。"
TRACK_ON_PORTAL = "可凭工单号和手机号在{url}查询办理结果。"
TRACK_BY_PHONE = "可拨打12345凭工单号查询。"


def mobile_number(phone: str) -> str | None:
    """The caller's number if it is a mainland mobile (a text can reach it), else None."""
    digits = crypto.normalize_phone(phone)
    return digits if MOBILE.fullmatch(digits) else None


def sms_text(kind: str, *, number: str) -> str:
    """The message of `kind` for the order `number`, with the centre's signature and where to track it."""
    url = settings.SMS_PORTAL_URL
    track = TRACK_ON_PORTAL.format(url=url) if url else TRACK_BY_PHONE
    template = RECEIPT_TEXT if kind == Kind.RECEIPT else RESULT_TEXT
    return template.format(sign=settings.SMS_SIGN, number=number, track=track)


def sms_for_event(*, event_id: int, now: dt.datetime | None = None) -> SmsMessage | None:
    """Make the message an order event calls for, if any (see the module docstring for who is texted); None when
    the event calls for none or it was made already."""
    if settings.SMS_BACKEND == "off":
        return None
    now = now or timezone.now()
    event = OrderEvent.objects.select_related("order__appeal_type").filter(pk=event_id).first()
    kind = KIND_OF_ACTION.get(event.action) if event else None
    if kind is None or kind not in settings.SMS_KINDS or event.at < now - FRESH:
        return None
    order = event.order
    phone = mobile_number(order.caller_phone)
    if phone is None or order.protects_identity or order.state in (State.VOIDED, State.MERGED):
        return None
    try:
        with transaction.atomic():
            message = SmsMessage.objects.create(order=order, kind=kind, phone=phone, next_attempt_at=now,
                                                text=sms_text(kind, number=order.number), created_at=now)
    except IntegrityError:  # the order was texted this already (an event announced twice)
        return None
    transaction.on_commit(_send_soon)
    return message


def on_order_event(sender, *, order_id: int, event_id: int, **kwargs) -> None:
    """The `order_event` receiver. The order's step has committed: a failure here is logged, never raised, so a
    text that cannot be made never turns the operator's successful step into an error page."""
    try:
        sms_for_event(event_id=event_id)
    except Exception:
        logger.exception("could not make the text message for order %s event %s", order_id, event_id)


def _send_soon() -> None:
    from rexian.sms.tasks import sms_send_due_task  # the tasks module imports this one

    sms_send_due_task.enqueue()


def _claim(message_id: int, now: dt.datetime) -> SmsMessage | None:
    """Take a due message for this worker unless another holds it; the attempt is counted now."""
    claimed = (
        SmsMessage.objects.filter(pk=message_id, status__in=[Status.PENDING, Status.FAILED], next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + CLAIM_DURATION, attempts=F("attempts") + 1)
    )
    return SmsMessage.objects.get(pk=message_id) if claimed else None


def sms_send(*, message_id: int, now: dt.datetime | None = None) -> str | None:
    """Send one due message once and record the outcome; the new status, or None if it was not ours to send."""
    now = now or timezone.now()
    message = _claim(message_id, now)
    if message is None:
        return None
    try:
        reference = gateway.send(message_id=message.pk, phone=message.phone, text=message.text)
        error = ""
    except gateway.SmsError as failure:
        reference, error = "", failure.message
    except Exception:  # a bug must end in the log and the back-off, not in a message held until its claim expires
        logger.exception("text message %s could not be sent", message.pk)
        reference, error = "", "internal error: see the server log"
    if not error:
        changes = dict(status=Status.SENT, next_attempt_at=None, sent_at=timezone.now(), reference=reference[:100])
    elif message.attempts >= MAX_ATTEMPTS:
        changes = dict(status=Status.GAVE_UP, next_attempt_at=None)
    else:
        changes = dict(status=Status.FAILED, next_attempt_at=now + RETRY_DELAYS[message.attempts - 1])
    if error:
        logger.warning("text message %s attempt %s failed: %s", message.pk, message.attempts, error)
    # Recorded only while the claim is still ours (a worker that took over after it expired counted another try).
    SmsMessage.objects.filter(pk=message.pk, attempts=message.attempts).update(
        claimed_until=None, last_error=error[:500], **changes)
    return changes["status"]


def sms_send_due(*, now: dt.datetime | None = None) -> int:
    """Send the messages that are due (new ones, and failed ones whose retry time has come); how many were sent.

    The worker runs it at once after a message is made and every minute, which also picks up what a crashed
    worker left."""
    if settings.SMS_BACKEND == "off":
        return 0
    now = now or timezone.now()
    due = (SmsMessage.objects.filter(status__in=[Status.PENDING, Status.FAILED], next_attempt_at__lte=now)
           .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
           .order_by("next_attempt_at").values_list("pk", flat=True)[:SEND_BATCH])
    return sum(sms_send(message_id=pk, now=now) == Status.SENT for pk in list(due))


def sms_retry(*, message_ids) -> int:
    """Send failed or abandoned messages again at the next run (an administrator's 重新发送); how many."""
    retried = SmsMessage.objects.filter(pk__in=list(message_ids), status__in=[Status.FAILED, Status.GAVE_UP]).update(
        status=Status.PENDING, next_attempt_at=timezone.now(), attempts=0)
    if retried:
        transaction.on_commit(_send_soon)
    return retried
