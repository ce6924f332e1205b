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
UPDATE before sending it, so two workers never send it twice (`rexian.core.outbox`, shared with the webhooks).
The gateway may report later whether it reached the phone (`sms_delivery_report`: `delivered` / `undelivered`).

With `REXIAN_SMS_REPLIES` on, the gateway also posts what callers text back (`sms_receive`). A digit 1/2/3 (or
满意/基本满意/不满意) answering a result notice that asked for a rating, sent in the last `SURVEY_DAYS`, is recorded
as that order's callback (短信回访评价; a dissatisfied one reopens the order for a dispatcher, as on the phone); TD
or 退订 stops all texts to the number (`SmsOptOut`); anything else, a rating nobody asked for included, waits in the
operators' 短信来信 list, where an operator registers it as an order or sets it aside (`incoming_register` or
`incoming_registered`, `incoming_dismiss`).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rexian.core.errors import InputError
from rexian.core.outbox import Outbox
from rexian.orders import services as order_services
from rexian.orders.models import OrderEvent, Satisfaction, WorkOrder
from rexian.orders.transitions import Action, InvalidTransition, State
from rexian.portal.services import integration_account
from rexian.privacy import crypto
from rexian.sms import gateway
from rexian.sms.models import IncomingSms, SmsMessage, SmsOptOut
from rexian.units.models import Role

logger = logging.getLogger(__name__)

Kind, Status = SmsMessage.Kind, SmsMessage.Status

RETRY_DELAYS = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2))
# Claims, back-off and giving up (rexian/core/outbox.py); a claim is held 60 s, well above the gateway's timeout.
OUTBOX = Outbox(model=SmsMessage, open_statuses=(Status.PENDING, Status.FAILED), failed=Status.FAILED,
                gave_up=Status.GAVE_UP, retry_delays=RETRY_DELAYS)
FRESH = dt.timedelta(hours=1)
SEND_BATCH = 200
MOBILE = re.compile(r"1[3-9]\d{9}")
SURVEY_DAYS = 7  # how long a result notice's rating invitation stands
MAX_INCOMING_TEXT = 1000  # a long text arrives as one (the gateway joins its parts), seldom over a few hundred
INCOMING_HANDLERS = frozenset({Role.OPERATOR, Role.SUPERVISOR})  # who reads the 短信来信 list
SMS_ACCOUNT = "sms"  # the integration account ratings by text are recorded as (回访人: 短信回访)

# Which event makes which message. An order answered on the call (直接办结) gets no receipt (the caller has the
# answer); one of those sampled for callback gets the rating invitation instead, while replies are taken.
KIND_OF_ACTION = {Action.REGISTER: Kind.RECEIPT, Action.ACCEPT_REPLY: Kind.RESULT, Action.ANSWER_ON_SPOT: Kind.RESULT}

# The texts, in Chinese: they go to citizens. 【sign】 is the centre's registered SMS signature.
RECEIPT_TEXT = "【{sign}】您的诉求已受理，工单号{number}。{track}"
RESULT_TEXT = "【{sign}】您反映的问题（工单号{number}）已办理完毕，{track}我们将回访听取您的评价。"
ANSWERED_TEXT = "【{sign}】您来电反映的问题（工单号{number}）已当场答复。"
TRACK_ON_PORTAL = "可凭工单号和手机号在{url}查询办理结果。"
TRACK_BY_PHONE = "可拨打12345凭工单号查询。"
SURVEY = "请回复数字评价办理结果：1满意，2基本满意，3不满意。"
OPT_OUT_HINT = "回复TD退订"

# What callers text back. Full-width digits and letters are folded first (１ → 1, ｔｄ → td).
OPT_OUT_WORDS = frozenset({"td", "t", "退订", "tdtd"})
RATING_WORDS = {"满意": Satisfaction.SATISFIED, "基本满意": Satisfaction.BASIC,
                "不满意": Satisfaction.DISSATISFIED}
RATING_LABELS = {value: word for word, value in RATING_WORDS.items()}  # the note is Chinese, as the caller wrote
RATING_DIGITS = {"1": Satisfaction.SATISFIED, "2": Satisfaction.BASIC, "3": Satisfaction.DISSATISFIED}
RATING = re.compile(r"([123])(?:$|[\s,，.。:：、;；!！]+(.*))", re.S)  # "3" or "3，路灯还是不亮"


# Statuses of a message the gateway took (a 2xx), whatever it reported after; and of an invitation to rate that the
# caller can answer (not reported undelivered).
GONE_OUT = (Status.SENT, Status.DELIVERED, Status.UNDELIVERED)
INVITED = (Status.SENT, Status.DELIVERED)


def may_handle_texts(user) -> bool:
    """Operators and supervisors read callers' texts (短信来信) and text callers knowledge answers."""
    return user.role in INCOMING_HANDLERS


def require_text_handler(user) -> None:
    """PermissionDenied for anyone who may not handle callers' texts."""
    if not may_handle_texts(user):
        raise PermissionDenied(_("您无权处理短信来信。"))


def mobile_number(phone: str) -> str | None:
    """The caller's number if it is a mainland mobile (a text can reach it), else None."""
    digits = crypto.normalize_phone(phone)
    return digits if MOBILE.fullmatch(digits) else None


def sms_text(kind: str, *, number: str, survey: bool = False, answered_on_call: bool = False) -> str:
    """The message of `kind` for the order `number`, with the centre's signature and where to track it; a result
    notice with `survey` asks for a rating by reply instead of announcing the callback (for an order answered on
    the call, it only asks for the rating). While replies are taken, each text says how to opt out."""
    url = settings.SMS_PORTAL_URL
    track = TRACK_ON_PORTAL.format(url=url) if url else TRACK_BY_PHONE
    if kind == Kind.RECEIPT:
        text = RECEIPT_TEXT.format(sign=settings.SMS_SIGN, number=number, track=track)
    elif answered_on_call:
        text = ANSWERED_TEXT.format(sign=settings.SMS_SIGN, number=number) + SURVEY
    else:
        text = RESULT_TEXT.format(sign=settings.SMS_SIGN, number=number, track=track)
        if survey:
            text = text.removesuffix("我们将回访听取您的评价。") + SURVEY
    return _with_opt_out_hint(text)


def _with_opt_out_hint(text: str) -> str:
    """While replies are taken, every text ends saying how to opt out (回复TD退订)."""
    return text + OPT_OUT_HINT if settings.SMS_REPLIES else text


def opted_out(phone: str) -> bool:
    """Whether the number asked for no more texts (退订)."""
    return SmsOptOut.objects.filter(phone_hash=crypto.phone_hash(phone)).exists()


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
    answered_on_call = event.action == Action.ANSWER_ON_SPOT
    if answered_on_call and (event.to_state != State.AWAITING_CALLBACK or not settings.SMS_REPLIES):
        return None  # closed on the call, or no way to rate by text: nothing to say
    if kind == Kind.RECEIPT and order.answer:
        return None  # answered on the call as it was registered
    phone = mobile_number(order.caller_phone)
    if phone is None or order.protects_identity or order.state in (State.VOIDED, State.MERGED) or opted_out(phone):
        return None
    survey = kind == Kind.RESULT and settings.SMS_REPLIES
    text = sms_text(kind, number=order.number, survey=survey, answered_on_call=answered_on_call)
    try:
        with transaction.atomic():
            message = SmsMessage.objects.create(
                order=order, kind=kind, phone=phone, phone_hash=crypto.phone_hash(phone), survey=survey,
                next_attempt_at=now, text=text, created_at=now)
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


def sms_send(*, message_id: int, now: dt.datetime | None = None) -> str | None:
    """Send one due message once and record the outcome; the new status, or None if it was not ours to send."""
    now = now or timezone.now()
    if not OUTBOX.claim(message_id, now):
        return None
    message = SmsMessage.objects.get(pk=message_id)
    try:
        reference = gateway.send(message_id=message.pk, phone=message.phone, text=message.text)
        error = ""
    except gateway.SmsError as failure:
        reference, error = "", failure.message
    except Exception:  # a bug must end in the log and the back-off, not in a message held until its claim expires
        logger.exception("text message %s could not be sent", message.pk)
        reference, error = "", "internal error: see the server log"
    changes = OUTBOX.outcome(attempts=message.attempts, error=error, now=now,
                             done=dict(status=Status.SENT, sent_at=timezone.now(), reference=reference[:100]))
    if error:
        logger.warning("text message %s attempt %s failed: %s", message.pk, message.attempts, error)
    OUTBOX.record(message.pk, message.attempts, last_error=error[:500], **changes)
    return changes["status"]


def sms_send_due(*, now: dt.datetime | None = None) -> int:
    """Send the messages that are due (new ones, and failed ones whose retry time has come); how many were sent.

    The worker runs it at once after a message is made and every minute, which also picks up what a crashed
    worker left."""
    if settings.SMS_BACKEND == "off":
        return 0
    now = now or timezone.now()
    due = OUTBOX.due(now).values_list("pk", flat=True)[:SEND_BATCH]
    return sum(sms_send(message_id=pk, now=now) == Status.SENT for pk in list(due))


def sms_retry(*, message_ids) -> int:
    """Send failed or abandoned messages again at the next run (an administrator's 重新发送); how many."""
    retried = SmsMessage.objects.filter(pk__in=list(message_ids), status__in=[Status.FAILED, Status.GAVE_UP]).update(
        status=Status.PENDING, next_attempt_at=timezone.now(), attempts=0)
    if retried:
        transaction.on_commit(_send_soon)
    return retried


class SmsRefused(InputError):
    """A text an operator asked for cannot be sent (no mobile number, a protected caller, an opt-out …)."""


def answer_text(article) -> str:
    """A knowledge answer: the article's 短信口径 under the centre's signature (and the opt-out hint)."""
    return _with_opt_out_hint(f"【{settings.SMS_SIGN}】{article.sms_text.strip()}")


def sms_answer(*, actor, order: WorkOrder, article) -> SmsMessage:
    """知识答复: text the order's caller the 短信口径 of the knowledge-base article the operator answered with, sent
    by the worker like the other texts. Each article at most once per order. Operators and supervisors; raises
    PermissionDenied, or SmsRefused saying why it cannot go (the gateway is off, the article has no 短信口径 or is
    not in force, the caller is protected, has no mobile number or opted out, it was sent already)."""
    if not may_handle_texts(actor):
        raise PermissionDenied(_("您无权给来电人发送短信。"))
    if settings.SMS_BACKEND == "off":
        raise SmsRefused(_("本中心未开通短信发送。"))
    if not article.sms_text.strip() or not article.is_current():
        raise SmsRefused(_("该知识条目没有可发送的短信口径，或已不在有效期内。"), field="article")
    if order.protects_identity:
        raise SmsRefused(_("来电人要求保密或为举报人，不向其发送短信。"))
    phone = mobile_number(order.caller_phone)
    if phone is None:
        raise SmsRefused(_("来电号码不是手机号，无法发送短信。"))
    if opted_out(phone):
        raise SmsRefused(_("该号码已退订短信。"))
    now = timezone.now()
    try:
        with transaction.atomic():
            message = SmsMessage.objects.create(
                order=order, kind=Kind.ANSWER, article=article, requested_by=actor, phone=phone,
                phone_hash=crypto.phone_hash(phone), text=answer_text(article), next_attempt_at=now,
                created_at=now)
    except IntegrityError:
        raise SmsRefused(_("该条目的短信口径已发给本工单的来电人。"), field="article") from None
    transaction.on_commit(_send_soon)
    return message


def sms_delivery_report(*, message_id: int, delivered: bool, error: str = "", at: dt.datetime | None = None) -> bool:
    """The gateway's delivery report (状态报告) on a sent message: reached the phone or not (switched off for days,
    no longer in service …; the gateway has retried already, so Rexian does not). False for a message it never
    sent (an unknown id, or one not sent yet)."""
    status = Status.DELIVERED if delivered else Status.UNDELIVERED
    return bool(SmsMessage.objects.filter(
        pk=message_id, status__in=GONE_OUT
    ).update(status=status, delivered_at=at or timezone.now(), last_error="" if delivered else error[:500]))


def sms_delivery_reports(reports: list[dict]) -> int:
    """`sms_delivery_report` for each of a batch; how many matched a sent message."""
    with transaction.atomic():
        return sum(sms_delivery_report(**report) for report in reports)


# --- What callers text back -------------------------------------------------------------------------------------


class IncomingInputError(InputError):
    """A text posted by the gateway cannot be taken (no number, no text …); `index` is its place in a batch."""

    index = 0


def _folded(text: str) -> str:
    """The text with full-width forms folded (１ → 1, ｔｄ → td), trimmed, in lower case."""
    return unicodedata.normalize("NFKC", text).strip().lower()


def parse_rating(text: str) -> tuple[str, str] | None:
    """A rating a caller texted back, as (satisfaction, their comment), or None when the text is not one."""
    folded = _folded(text)
    if folded in RATING_WORDS:
        return RATING_WORDS[folded], ""
    match = RATING.fullmatch(folded)
    if match is None:
        return None
    return RATING_DIGITS[match[1]], " ".join(text.strip()[len(match[1]):].split()).lstrip(",，.。:：、;；!！ ")


def is_opt_out(text: str) -> bool:
    return _folded(text) in OPT_OUT_WORDS


def _survey_answered(phone_hash: str, at: dt.datetime) -> SmsMessage | None:
    """The rating invitation a reply at `at` answers: the latest sent to the number in the last SURVEY_DAYS whose
    order still awaits its callback, else the latest of them (a rating that comes after the callback)."""
    surveys = list(
        SmsMessage.objects.filter(phone_hash=phone_hash, survey=True, sent_at__gte=at - dt.timedelta(days=SURVEY_DAYS),
                                  sent_at__lte=at, status__in=INVITED)
        .select_related("order").defer("phone").order_by("-sent_at", "-id")[:20]
    )
    waiting = [survey for survey in surveys if survey.order.state == State.AWAITING_CALLBACK]
    return (waiting or surveys or [None])[0]


def _record_rating(incoming: IncomingSms, survey: SmsMessage, satisfaction: str, comment: str) -> None:
    """Record the caller's rating as the order's callback, or say why it was not."""
    incoming.order = survey.order
    label = RATING_LABELS[satisfaction]
    note = f"短信评价：{label}。{comment}" if comment else f"短信评价：{label}"
    try:
        with transaction.atomic():
            order_services.callback_record(actor=integration_account(SMS_ACCOUNT, "短信回访"), order=survey.order,
                                           satisfaction=satisfaction, solved=None, responded_in_time=None,
                                           note=note[:1000])
    except InvalidTransition:  # called back already (or closed otherwise): the rating is kept, not counted
        incoming.status = IncomingSms.Status.RATED_LATE
    except PermissionDenied:  # the account was deactivated: an operator reads it and records it by hand
        incoming.status = IncomingSms.Status.OPEN
    else:
        incoming.status = IncomingSms.Status.RATED


def sms_receive(*, reference: str, phone: str, text: str, received_at: dt.datetime | None = None) -> IncomingSms | None:
    """Take one text a caller sent (the gateway's `reference` makes a repeated post harmless: None the second
    time). See the module docstring for what it is taken as. Raises IncomingInputError for a text that cannot be
    stored."""
    reference = (reference or "").strip()
    digits = crypto.normalize_phone(phone or "")
    text = (text or "").strip()
    if not reference or len(reference) > 100:
        raise IncomingInputError(_("缺少网关流水号，或超过 100 个字符。"), field="id")
    if not 5 <= len(digits) <= 20:
        raise IncomingInputError(_("发信号码无效。"), field="from")
    if not text:
        raise IncomingInputError(_("短信内容为空。"), field="text")
    if len(text) > MAX_INCOMING_TEXT:
        raise IncomingInputError(_("短信内容超过 %(count)d 个字符。") % {"count": MAX_INCOMING_TEXT}, field="text")
    now = timezone.now()
    received_at = min(received_at or now, now)
    phone_hash = crypto.phone_hash(digits)
    incoming = IncomingSms(reference=reference, phone=digits, phone_hash=phone_hash, text=text,
                           received_at=received_at, status=IncomingSms.Status.OPEN)
    try:
        with transaction.atomic():
            if IncomingSms.objects.filter(reference=reference).exists():
                return None
            if is_opt_out(text) and mobile_number(digits):
                sms_opt_out(phone=digits, source="短信回复退订", at=received_at)
                incoming.status = IncomingSms.Status.OPTED_OUT
            elif (rating := parse_rating(text)) and (survey := _survey_answered(phone_hash, received_at)):
                _record_rating(incoming, survey, *rating)
            incoming.save()
    except IntegrityError:  # the same text posted twice at once
        return None
    return incoming


def validate_mobile(phone: str) -> str:
    """The mainland mobile number `phone` is, digits only; IncomingInputError when it is not one."""
    digits = mobile_number(phone)
    if digits is None:
        raise IncomingInputError(_("请填写 11 位手机号。"), field="phone")
    return digits


def sms_opt_out(*, phone: str, source: str, at: dt.datetime | None = None) -> SmsOptOut:
    """退订: text the number nothing more (a caller's TD, or a caller who asked on the phone and an administrator
    entered it). Raises IncomingInputError for a number that is not one."""
    digits = validate_mobile(phone)
    opt_out, _created = SmsOptOut.objects.get_or_create(phone_hash=crypto.phone_hash(digits), defaults={
        "masked_phone": crypto.mask_phone(digits), "source": source[:60], "created_at": at or timezone.now()})
    return opt_out


def sms_receive_many(texts: list[dict]) -> list[IncomingSms | None]:
    """`sms_receive` for each of a batch the gateway posted, all or none: an IncomingInputError (its `index` set)
    stores nothing."""
    with transaction.atomic():
        taken = []
        for index, text in enumerate(texts):
            try:
                taken.append(sms_receive(**text))
            except IncomingInputError as error:
                error.index = index
                raise
        return taken


class IncomingHandled(IncomingInputError):
    """The text is not waiting any more: another operator registered or dismissed it first (the API's 409)."""


def _handle(*, actor, incoming_id: int, status: str, order: WorkOrder | None = None, note: str = "") -> None:
    require_text_handler(actor)
    handled = IncomingSms.objects.filter(pk=incoming_id, status=IncomingSms.Status.OPEN).update(
        status=status, order=order, handled_by=actor, handled_at=timezone.now(), note=note)
    if not handled:
        raise IncomingHandled(_("这条短信已由他人处理。"))


def incoming_registered(*, actor, incoming_id: int, order: WorkOrder) -> None:
    """The operator registered the text as `order` (channel 短信)."""
    _handle(actor=actor, incoming_id=incoming_id, status=IncomingSms.Status.REGISTERED, order=order)


def incoming_dismiss(*, actor, incoming_id: int, note: str) -> None:
    """无需登记: the text needs no order (a thank-you, an empty reply, a rating nobody asked for …); the operator
    says why."""
    note = " ".join((note or "").split())
    if not note:
        raise IncomingInputError(_("请填写无需登记的原因。"), field="note")
    if len(note) > 200:
        raise IncomingInputError(_("原因不能超过 200 个字符。"), field="note")
    _handle(actor=actor, incoming_id=incoming_id, status=IncomingSms.Status.DISMISSED, note=note)


def incoming_register(*, actor, incoming_id: int, **fields) -> WorkOrder:
    """登记: register the waiting text as a new order and mark the text registered, both or neither (a refused
    text leaves no order behind). `fields` are `order_register`'s; with no `caller_phone` the order takes the
    text's number. Operators and supervisors. Raises PermissionDenied, IncomingInputError (no such text),
    IncomingHandled (no longer waiting) and what `order_register` raises."""
    require_text_handler(actor)
    with transaction.atomic():
        # Locked first: of two operators registering the same text, the second waits and then is refused
        # before making an order.
        incoming = IncomingSms.objects.select_for_update().filter(pk=incoming_id).first()
        if incoming is None:
            raise IncomingInputError(_("短信来信不存在。"), field="incoming_sms")
        if incoming.status != IncomingSms.Status.OPEN:
            raise IncomingHandled(_("这条短信已由他人处理。"))
        if not (fields.get("caller_phone") or "").strip():
            fields["caller_phone"] = incoming.phone
        order = order_services.order_register(actor=actor, **fields)
        incoming_registered(actor=actor, incoming_id=incoming.pk, order=order)
    return order
