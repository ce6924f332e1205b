"""Reads for Open311: services from the category tree, and the public view of work orders.

What the public may see of an order is decided here, in one place (`public_orders`):
only orders that came in through the public interfaces (the Open311 and portal channels),
never a confidential caller's or a whistle-blower's, never a voided one; and of those only
the fields `PublicRequest` carries, none of them personal data.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from rexian.catalog.models import SELF_SERVICE_CHANNELS, AppealType, Category
from rexian.open311.models import Submission
from rexian.orders.models import Assignment, OrderEvent, WorkOrder
from rexian.orders.transitions import OPEN_STATES, State
from rexian.privacy import crypto

# Orders from these channels are public in GET requests; see docs/open311.md, "Privacy".
PUBLIC_CHANNELS = SELF_SERVICE_CHANNELS
DEFAULT_APPEAL_TYPE = "complaint"
DEFAULT_URGENCY = "normal"
MAX_REQUESTS = 1000  # the spec's default query limit
DEFAULT_WINDOW = dt.timedelta(days=90)  # the spec's default (and longest) date span


# --- Services (诉求分类 → service) -------------------------------------------------------


def open_leaf_categories() -> QuerySet:
    """Active categories without children, under active parents: the services citizens can choose."""
    return (
        Category.objects.filter(is_active=True, children__isnull=True)
        .filter(Q(parent__isnull=True) | Q(parent__is_active=True))
        .filter(Q(parent__parent__isnull=True) | Q(parent__parent__is_active=True))
        .select_related("parent__parent")
        .order_by("code")
    )


@dataclass(frozen=True)
class Service:
    service_code: str
    service_name: str
    description: str
    keywords: str
    group: str
    metadata: bool = True  # every service has the attributes of `service_attributes`
    type: str = "realtime"  # the order number is known as soon as the request is posted


def _service(category: Category) -> Service:
    chain = list(reversed(category.ancestors_and_self()))  # level 1 first; parents come from select_related
    names = [node.name for node in chain]
    return Service(
        service_code=category.code,
        service_name=category.name,
        description=" / ".join(names),
        keywords=", ".join(reversed(names[:-1])),
        group=names[0] if len(names) > 1 else "",
    )


def services_list() -> list[Service]:
    return [_service(category) for category in open_leaf_categories()]


def service_category(service_code: str) -> Category | None:
    """The leaf category a service code names, or None when it is unknown, inactive or not a leaf."""
    return open_leaf_categories().filter(code=service_code).first()


@dataclass(frozen=True)
class AttributeValue:
    key: str
    name: str


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    required: bool
    order: int
    description: str
    datatype_description: str = ""
    variable: bool = True
    values: tuple[AttributeValue, ...] = field(default_factory=tuple)


TRUE_FALSE = (AttributeValue("false", "否"), AttributeValue("true", "是"))
ATTRIBUTE_CODES = frozenset({"appeal_type", "confidential", "occurred_at"})


def service_attributes() -> list[Attribute]:
    """The attributes every service takes (the same for all: they are the order's, not the category's)."""
    types = AppealType.objects.filter(is_active=True).order_by("sort_order", "code")
    return [
        Attribute(
            code="appeal_type",
            datatype="singlevaluelist",
            required=False,
            order=1,
            description=_("诉求类型（不填为「投诉」）。选择「举报」时，诉求人身份受保护，该诉求不会公开。"),
            values=tuple(AttributeValue(t.code, t.name) for t in types),
        ),
        Attribute(
            code="confidential",
            datatype="singlevaluelist",
            required=False,
            order=2,
            description=_("是否要求保密。要求保密的诉求不对承办单位显示诉求人身份，也不会公开。"),
            values=TRUE_FALSE,
        ),
        Attribute(
            code="occurred_at",
            datatype="datetime",
            required=False,
            order=3,
            description=_("问题发生的时间。"),
            datatype_description=_("ISO 8601 格式，带时区，例如 2026-11-26T08:30:00+08:00"),
        ),
    ]


# --- Public requests ---------------------------------------------------------------------


def public_orders() -> QuerySet:
    """Every order the public may see through Open311 (see the module docstring)."""
    return WorkOrder.objects.filter(
        channel__code__in=PUBLIC_CHANNELS, confidential=False, appeal_type__protects_identity=False
    ).exclude(state=State.VOIDED)


_PHONE_LIKE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(?:1[3-9]\d{9}|0\d{2,3}[\s-]?\d{7,8})(?!\d)")
_ID_LIKE = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
_EMAIL_LIKE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def redact(text: str) -> str:
    """Mask phone numbers, ID numbers and e-mail addresses that a citizen or a unit wrote into free text.

    Public text is written by people who do not think of it as public: a citizen
    puts their mobile number in the description, a unit writes "已联系张先生
    13812348000". Names cannot be found this way; numbers can.
    """
    if not text:
        return text
    text = _ID_LIKE.sub(lambda m: crypto.mask_id_number(m.group()), text)
    text = _PHONE_LIKE.sub(lambda m: crypto.mask_phone(m.group()), text)
    return _EMAIL_LIKE.sub("***@***", text)


@dataclass(frozen=True)
class PublicRequest:
    """A work order as Open311 shows it: no caller, no internal notes."""

    service_request_id: str
    status: str  # open / closed
    status_notes: str
    service_name: str | None
    service_code: str | None
    description: str
    agency_responsible: str | None
    requested_datetime: dt.datetime
    updated_datetime: dt.datetime
    expected_datetime: dt.datetime | None
    address: str
    lat: Decimal | None
    long: Decimal | None
    detailed_status: str  # Rexian's state (the extension)
    detailed_status_label: str
    channel: str


# The unit's reply is public once the centre accepted it (审核通过), not while it is under review.
_REPLY_PUBLIC_STATES = frozenset({State.AWAITING_CALLBACK, State.CLOSED})


def _status_notes(order: WorkOrder) -> str:
    if order.state == State.MERGED:
        return _("该诉求已与相同诉求合并办理。")
    if order.state in _REPLY_PUBLIC_STATES:
        if order.accepted_at and order.lead_reply:
            return redact(order.lead_reply)
        if order.answer:
            return redact(order.answer)
    return str(State(order.state).label)


def _public_request(order: WorkOrder) -> PublicRequest:
    closed = order.state not in OPEN_STATES
    updated = order.closed_at if closed and order.closed_at else (order.last_event_at or order.registered_at)
    return PublicRequest(
        service_request_id=order.number,
        status="open" if not closed else "closed",
        status_notes=_status_notes(order),
        service_name=order.category.name if order.category_id else None,
        service_code=order.category.code if order.category_id else None,
        description=redact(order.description),
        agency_responsible=order.lead_unit.name if order.lead_unit_id else None,
        requested_datetime=order.registered_at,
        updated_datetime=updated,
        expected_datetime=order.reply_deadline or order.due_at,
        address=redact(order.address),
        lat=order.latitude,
        long=order.longitude,
        detailed_status=order.state,
        detailed_status_label=str(State(order.state).label),
        channel=order.channel.code,
    )


def _with_public_fields(queryset: QuerySet) -> QuerySet:
    last_event = OrderEvent.objects.filter(order=OuterRef("pk")).order_by("-seq").values("at")[:1]
    lead_reply = (
        Assignment.objects.filter(order=OuterRef("pk"), role=Assignment.Role.LEAD)
        .exclude(status=Assignment.Status.WITHDRAWN)
        .order_by("-dispatched_at")
        .values("result")[:1]
    )
    return queryset.select_related("category", "lead_unit", "channel").annotate(
        last_event_at=Subquery(last_event), lead_reply=Subquery(lead_reply)
    )


@dataclass(frozen=True)
class RequestFilter:
    """GET requests' arguments, already parsed (see `rexian.open311.forms.RequestQueryForm`)."""

    service_request_ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    statuses: tuple[str, ...] = ()
    page: int = 1
    page_size: int = MAX_REQUESTS


def public_requests(query: RequestFilter) -> list[PublicRequest]:
    """GET requests: public orders, newest first, one page of at most MAX_REQUESTS.

    A list of ids overrides every other filter (as the spec says); otherwise the
    window is the given dates or the last 90 days.
    """
    queryset = public_orders()
    if query.service_request_ids:
        queryset = queryset.filter(number__in=query.service_request_ids)
    else:
        if query.service_codes:
            queryset = queryset.filter(category__code__in=query.service_codes)
        if query.start is not None:
            queryset = queryset.filter(registered_at__gte=query.start)
        if query.end is not None:
            queryset = queryset.filter(registered_at__lte=query.end)
        if set(query.statuses) == {"open"}:
            queryset = queryset.filter(state__in=OPEN_STATES)
        elif set(query.statuses) == {"closed"}:
            queryset = queryset.exclude(state__in=OPEN_STATES)
    page_size = min(max(query.page_size, 1), MAX_REQUESTS)
    start = (max(query.page, 1) - 1) * page_size
    orders = _with_public_fields(queryset).order_by("-registered_at", "-pk")[start : start + page_size]
    return [_public_request(order) for order in orders]


def public_request(service_request_id: str) -> PublicRequest | None:
    """GET requests/{id}: one public order, or None when there is none the public may see."""
    order = _with_public_fields(public_orders()).filter(number=service_request_id).first()
    return _public_request(order) if order is not None else None


def token_request_id(token: str) -> str | None:
    """tokens/{token}: the order number a submission's token stands for, or None."""
    return Submission.objects.filter(token=token).values_list("order__number", flat=True).first()
