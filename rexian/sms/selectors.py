"""Reads of the sms app."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q

from rexian.knowledge import selectors as knowledge_selectors
from rexian.knowledge.models import Article
from rexian.orders.models import Callback, Satisfaction
from rexian.privacy.crypto import mask_phone
from rexian.privacy.services import personal_data_access_log
from rexian.sms.models import IncomingSms, SmsMessage, SmsOptOut
from rexian.sms.services import GONE_OUT, INVITED, SMS_ACCOUNT, may_handle_texts, require_text_handler
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


def answer_articles(*, user, order) -> list[Article]:
    """知识答复 on the order page: the knowledge-base articles the order was answered with whose 短信口径 may still
    be texted to its caller (in force, with a 短信口径, not texted on this order yet), first marked first. None while
    the gateway is off, and none for anyone but operators and supervisors (who send them: `sms_answer`)."""
    if settings.SMS_BACKEND == "off" or not may_handle_texts(user):
        return []
    sent = set(SmsMessage.objects.filter(order=order, kind=SmsMessage.Kind.ANSWER).values_list("article_id", flat=True))
    textable = knowledge_selectors.articles_answered_with(order_number=order.number, textable=True)
    return [article for article in textable if article.pk not in sent]


def rating_invitations(order_ids) -> dict[int, object]:
    """For the callback queue: when each order's caller was sent the invitation to rate it by text (a result notice
    asking for 1/2/3, sent or delivered), keyed by order id; orders without one are left out. One query."""
    return dict(
        SmsMessage.objects.filter(order_id__in=list(order_ids), survey=True,
                                  status__in=INVITED)
        .values_list("order_id", "sent_at")
    )


def incoming_open_count(*, user) -> int:
    """How many texts wait in the 短信来信 list (0 for those who do not read it)."""
    if not may_handle_texts(user):
        return 0
    return IncomingSms.objects.filter(status=IncomingSms.Status.OPEN).count()


def incoming_page(*, user, open_only: bool = True, page: int = 1, page_size: int = 50):
    """短信来信: texts to the hotline, oldest waiting first (or, with `open_only` false, every text, newest first),
    each with its number masked (`masked_phone`); and whether there is a next page."""
    require_text_handler(user)
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
    require_text_handler(user)
    incoming = IncomingSms.objects.select_related("order", "handled_by").get(pk=incoming_id)
    incoming.masked_phone = mask_phone(incoming.phone)
    return incoming


def incoming_for_intake(*, user, incoming_id: int) -> IncomingSms | None:
    """A waiting text for the intake page to register (its number in full: the read is logged); None when it is
    not waiting any more."""
    require_text_handler(user)
    incoming = IncomingSms.objects.filter(pk=incoming_id, status=IncomingSms.Status.OPEN).first()
    if incoming is not None:
        personal_data_access_log(user=user, subject_type="incoming_sms", subject_id=str(incoming.pk),
                                 fields=["phone"], purpose="短信来信登记")
    return incoming


# --- 短信统计: the dashboards' figures ------------------------------------------------------------------------------

Kind, Status, In = SmsMessage.Kind, SmsMessage.Status, IncomingSms.Status


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class SmsFigures:  # 短信统计
    """A period's texts, counted as the data stands now. See `sms_figures` for what each figure counts."""

    receipts: int = 0  # 受理回执 made
    results: int = 0  # 办结通知 made
    answers: int = 0  # 知识答复 made
    pending: int = 0  # 待发送: made, not sent yet
    sent: int = 0  # 已发送: taken by the gateway (delivered and undelivered included)
    delivered: int = 0  # 已送达
    undelivered: int = 0  # 未送达
    failed: int = 0  # 发送失败: failing (to be retried) or given up
    invitations: int = 0  # 评价邀请: result notices asking for a rating, sent
    invitations_answered: int = 0  # … whose caller texted a rating back (whenever)
    rated: int = 0  # 短信评价: ratings texted back (recorded as the callback, or after one: 评价未记入)
    rated_callbacks: int = 0  # the callbacks recorded from a rating by text
    rated_satisfied: int = 0  # … of which 满意 (+ 基本满意 per REXIAN_METRICS_BASIC_COUNTS_AS_SATISFIED)
    incoming: int = 0  # 短信来信: every text received
    incoming_open: int = 0  # … still waiting in the 短信来信 list
    incoming_registered: int = 0  # … registered as an order
    opt_outs: int = 0  # 退订

    @property
    def made(self) -> int:  # 发送短信
        return self.receipts + self.results + self.answers

    @property
    def delivery_rate(self) -> float | None:  # 送达率: of the texts the gateway reported on
        return _share(self.delivered, self.delivered + self.undelivered)

    @property
    def rating_rate(self) -> float | None:  # 参评率: of the invitations sent in the period
        return _share(self.invitations_answered, self.invitations)

    @property
    def satisfaction_rate(self) -> float | None:  # 短信满意率
        return _share(self.rated_satisfied, self.rated_callbacks)


def sms_figures(*, start: dt.datetime, end: dt.datetime) -> SmsFigures:
    """短信统计 for the dashboards, from `start` (included) to `end` (excluded), each figure in the period by one
    timestamp and counted as the data stands now: the texts made (`created_at`) by kind, and what became of them
    (sent, delivered, undelivered, failing or given up, still to send); the rating invitations sent (`sent_at`;
    those reported undelivered left out, as in the callback queue); the texts callers sent (`received_at`), the
    ratings among them, those still waiting and those registered as orders; the numbers that opted out
    (`created_at`); and the callbacks recorded from a rating by text (`at`), for 短信满意率.

    A rate with nothing to divide by is None: 送达率 without a delivery report, 参评率 without an invitation,
    短信满意率 without a rating recorded. 参评率 is the share of the invitations sent in the period whose caller
    texted a rating back (by now), so it counts by one timestamp like every rate and never passes 100%.

    Five aggregate queries, whatever the period; nobody's number is read. For anyone who may see the dashboards:
    the caller checks.
    """
    messages = SmsMessage.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        receipts=Count("pk", filter=Q(kind=Kind.RECEIPT)),
        results=Count("pk", filter=Q(kind=Kind.RESULT)),
        answers=Count("pk", filter=Q(kind=Kind.ANSWER)),
        pending=Count("pk", filter=Q(status=Status.PENDING)),
        sent=Count("pk", filter=Q(status__in=GONE_OUT)),
        delivered=Count("pk", filter=Q(status=Status.DELIVERED)),
        undelivered=Count("pk", filter=Q(status=Status.UNDELIVERED)),
        failed=Count("pk", filter=Q(status__in=[Status.FAILED, Status.GAVE_UP])),
    )
    answered = IncomingSms.objects.filter(order_id=OuterRef("order_id"), status__in=[In.RATED, In.RATED_LATE])
    invited = SmsMessage.objects.filter(survey=True, sent_at__gte=start, sent_at__lt=end,
                                        status__in=INVITED).aggregate(
        invitations=Count("pk"),
        invitations_answered=Count("pk", filter=Q(Exists(answered))),
    )
    incoming = IncomingSms.objects.filter(received_at__gte=start, received_at__lt=end).aggregate(
        incoming=Count("pk"),
        incoming_open=Count("pk", filter=Q(status=In.OPEN)),
        incoming_registered=Count("pk", filter=Q(status=In.REGISTERED)),
        rated=Count("pk", filter=Q(status__in=[In.RATED, In.RATED_LATE])),
    )
    opt_outs = SmsOptOut.objects.filter(created_at__gte=start, created_at__lt=end).count()
    happy = [Satisfaction.SATISFIED] + ([Satisfaction.BASIC] if settings.METRICS_BASIC_COUNTS_AS_SATISFIED else [])
    callbacks = Callback.objects.filter(operator__username=SMS_ACCOUNT, reached=True, at__gte=start,
                                        at__lt=end).aggregate(
        rated_callbacks=Count("pk"),
        rated_satisfied=Count("pk", filter=Q(satisfaction__in=happy)),
    )
    return SmsFigures(**messages, **invited, **incoming, opt_outs=opt_outs, **callbacks)


def sms_in_use() -> bool:
    """Whether the dashboards show 短信统计: the gateway is on, or texts were sent or received (a centre that turned
    it off still sees what went before). At most three EXISTS queries."""
    return (settings.SMS_BACKEND != "off" or SmsMessage.objects.exists() or IncomingSms.objects.exists()
            or SmsOptOut.objects.exists())
