"""Reads of the sms app."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from rexian.knowledge import selectors as knowledge_selectors
from rexian.knowledge.models import Article
from rexian.privacy.crypto import mask_phone
from rexian.privacy.services import personal_data_access_log
from rexian.sms.models import IncomingSms, SmsMessage
from rexian.sms.services import INCOMING_HANDLERS
from rexian.units.models import Role

# The centre's staff, whom a caller asks whether the text came; a unit's staff have no use for it.
VIEWERS = frozenset({Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})


def order_messages(*, user, order) -> list[SmsMessage]:
    """The text messages made for the order's caller, oldest first, for the centre's staff (none for anyone else).
    The number is not read: the message says what was sent and when."""
    if user.role not in VIEWERS:
        return []
    return list(SmsMessage.objects.filter(order=order).defer("phone").order_by("created_at", "id"))


def order_incoming(*, user, order) -> list[IncomingSms]:
    """The caller's texts about the order (the rating they texted back; the text it was registered from), oldest
    first, for the centre's staff."""
    if user.role not in VIEWERS:
        return []
    return list(IncomingSms.objects.filter(order=order).defer("phone").order_by("received_at", "id"))


def _require_handler(user) -> None:
    if user.role not in INCOMING_HANDLERS:
        raise PermissionDenied(_("您无权处理短信来信。"))


def answer_articles(*, user, order) -> list[Article]:
    """知识答复 on the order page: the knowledge-base articles the order was answered with whose 短信口径 may still
    be texted to its caller (in force, with a 短信口径, not texted on this order yet), first marked first. None while
    the gateway is off, and none for anyone but operators and supervisors (who send them: `sms_answer`)."""
    if settings.SMS_BACKEND == "off" or user.role not in INCOMING_HANDLERS:
        return []
    sent = set(SmsMessage.objects.filter(order=order, kind=SmsMessage.Kind.ANSWER).values_list("article_id", flat=True))
    textable = knowledge_selectors.articles_answered_with(order_number=order.number, textable=True)
    return [article for article in textable if article.pk not in sent]


def rating_invitations(order_ids) -> dict[int, object]:
    """For the callback queue: when each order's caller was sent the invitation to rate it by text (a result notice
    asking for 1/2/3, sent or delivered), keyed by order id; orders without one are left out. One query."""
    return dict(
        SmsMessage.objects.filter(order_id__in=list(order_ids), survey=True,
                                  status__in=[SmsMessage.Status.SENT, SmsMessage.Status.DELIVERED])
        .values_list("order_id", "sent_at")
    )


def incoming_open_count(*, user) -> int:
    """How many texts wait in the 短信来信 list (0 for those who do not read it)."""
    if user.role not in INCOMING_HANDLERS:
        return 0
    return IncomingSms.objects.filter(status=IncomingSms.Status.OPEN).count()


def incoming_page(*, user, open_only: bool = True, page: int = 1, page_size: int = 50):
    """短信来信: texts to the hotline, oldest waiting first (or, with `open_only` false, every text, newest first),
    each with its number masked (`masked_phone`); and whether there is a next page."""
    _require_handler(user)
    rows = IncomingSms.objects.select_related("order", "handled_by")
    rows = (rows.filter(status=IncomingSms.Status.OPEN).order_by("received_at", "id") if open_only
            else rows.order_by("-received_at", "-id"))
    start = (page - 1) * page_size
    texts = list(rows[start:start + page_size + 1])
    for text in texts:
        text.masked_phone = mask_phone(text.phone)
    return texts[:page_size], len(texts) > page_size


def incoming_get(*, user, incoming_id: int) -> IncomingSms:
    """One text of the 短信来信 list, waiting or handled, its number masked (`masked_phone`). Raises
    PermissionDenied for those who do not handle texts, IncomingSms.DoesNotExist when there is no such text."""
    _require_handler(user)
    incoming = IncomingSms.objects.select_related("order", "handled_by").get(pk=incoming_id)
    incoming.masked_phone = mask_phone(incoming.phone)
    return incoming


def incoming_for_intake(*, user, incoming_id: int) -> IncomingSms | None:
    """A waiting text for the intake page to register (its number in full: the read is logged); None when it is
    not waiting any more."""
    _require_handler(user)
    incoming = IncomingSms.objects.filter(pk=incoming_id, status=IncomingSms.Status.OPEN).first()
    if incoming is not None:
        personal_data_access_log(user=user, subject_type="incoming_sms", subject_id=str(incoming.pk),
                                 fields=["phone"], purpose="短信来信登记")
    return incoming
