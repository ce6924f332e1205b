"""Reads of work orders. Every list goes through `access.orders_visible_to` and is
paginated in the database; the caller's data is masked as the viewer's role demands.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractHour
from django.utils import timezone
from django.utils.translation import gettext as _

from rexian.catalog.models import Category
from rexian.catalog.selectors import category_subtree_ids, dispatch_suggestions
from rexian.core.dates import local_midnight
from rexian.orders import access, search
from rexian.orders.models import (
    Assignment,
    Attachment,
    Callback,
    ExtensionRequest,
    ReturnRequest,
    Satisfaction,
    WorkOrder,
)
from rexian.orders.transitions import OPEN_STATES, Action, State, allowed_actions
from rexian.privacy import crypto
from rexian.units.models import Role, Unit

LIST_FIELDS = (
    "pk",
    "number",
    "state",
    "title",
    "registered_at",
    "due_at",
    "due_from",
    "due_kind",
    "is_overdue",
    "appeal_type__name",
    "urgency__name",
    "lead_unit__name",
)


@dataclass(frozen=True)
class OrderRow:
    order: WorkOrder
    caller: access.CallerView


def _rows(user, orders) -> list[OrderRow]:
    return [OrderRow(order, access.masked_caller(user, order)) for order in orders]


def _page(queryset: QuerySet, page: int, page_size: int) -> list:
    page = max(page, 1)
    page_size = min(max(page_size, 1), 200)
    start = (page - 1) * page_size
    return list(queryset[start : start + page_size])


def unit_inbox(*, user, page: int = 1, page_size: int = 50) -> list[OrderRow]:
    """The orders the user's unit still has work on (承办件), nearest deadline first."""
    if user.role not in (Role.UNIT_HANDLER, Role.UNIT_ADMIN) or user.unit_id is None:
        raise PermissionDenied(_("只有承办单位人员有单位待办件。"))
    open_assignments = Assignment.objects.filter(unit_id=user.unit_id, is_open=True).values("order_id")
    queryset = (
        access.orders_visible_to(user)
        .filter(pk__in=open_assignments)
        .select_related("appeal_type", "urgency", "lead_unit")
        .order_by("due_at", "registered_at")
    )
    return _rows(user, _page(queryset, page, page_size))


def dispatch_queue(*, user, page: int = 1, page_size: int = 50) -> list[OrderRow]:
    """Orders waiting for a dispatcher (待派单), oldest first."""
    if user.role not in (Role.DISPATCHER, Role.SUPERVISOR):
        raise PermissionDenied(_("只有派遣员和值班长可以查看待派单队列。"))
    queryset = (
        access.orders_visible_to(user)
        .filter(state=State.PENDING_DISPATCH)
        .select_related("appeal_type", "urgency", "category")
        .order_by("registered_at")
    )
    return _rows(user, _page(queryset, page, page_size))


def caller_history(*, user, phone: str, limit: int = 20) -> list[OrderRow]:
    """The caller's earlier orders (by the phone's keyed hash), newest first, as far as the user may see."""
    digest = crypto.phone_hash(phone)
    if not digest:
        return []
    queryset = access.orders_visible_to(user).filter(caller_phone_hash=digest)
    if user.role in (Role.UNIT_HANDLER, Role.UNIT_ADMIN):
        # Finding a whistle-blower's or confidential caller's order by their phone would reveal who filed it.
        queryset = queryset.exclude(confidential=True).exclude(appeal_type__protects_identity=True)
    queryset = queryset.select_related("appeal_type", "urgency", "lead_unit").order_by("-registered_at")
    return _rows(user, queryset[: min(limit, 100)])


def order_list(*, user, state: str | None = None, page: int = 1, page_size: int = 50) -> list[OrderRow]:
    """All orders the user may see, newest first, optionally in one state."""
    queryset = access.orders_visible_to(user).select_related("appeal_type", "urgency", "lead_unit")
    if state:
        queryset = queryset.filter(state=state)
    return _rows(user, _page(queryset.order_by("-registered_at"), page, page_size))


@dataclass(frozen=True)
class OrderDetail:
    order: WorkOrder
    caller: access.CallerView
    events: list
    assignments: list
    allowed_actions: list[str]


def order_detail(*, user, number: str) -> OrderDetail:
    """One order as `user` may see it: fields, caller (logged when unmasked), history and units.

    Raises WorkOrder.DoesNotExist for an unknown number and PermissionDenied
    for an order the user may not see (the same message either way would leak
    nothing more: staff are told plainly).
    """
    order = WorkOrder.objects.select_related(
        "appeal_type", "urgency", "category", "lead_unit", "channel", "line", "area"
    ).get(number=number)
    if not access.can_view(user, order):
        raise PermissionDenied(_("您无权查看该工单。"))
    caller = access.caller_view(user, order)
    events = list(order.events.select_related("actor", "unit").order_by("seq"))
    assignments = list(order.assignments.select_related("unit").order_by("dispatched_at", "role"))
    part = access.acting_assignment(user, order) if user.role in (Role.UNIT_HANDLER, Role.UNIT_ADMIN) else None
    actions = [
        a for a in allowed_actions(order.state) if access.may(user, a, order) and _applicable(a, order, part)
    ]
    return OrderDetail(order, caller, events, assignments, actions)


def _applicable(action: str, order: WorkOrder, part: Assignment | None) -> bool:
    """Whether an action the role may take makes sense for this order now, so the page doesn't offer it in vain.

    The services refuse the same cases with a message; this only keeps the detail page from offering
    a unit to sign twice, or a dispatcher to decide an extension nobody asked for.
    """
    if action in (Action.APPROVE_EXTENSION, Action.REJECT_EXTENSION):
        return order.pending_extension
    if action == Action.REQUEST_EXTENSION:
        return not order.pending_extension and order.reply_deadline is not None
    if action == Action.RESPOND:
        return order.first_response_deadline is not None and order.first_responded_at is None
    if part is not None:
        if action == Action.SIGN:
            return part.status == Assignment.Status.DISPATCHED
        if action == Action.REPLY:
            return part.status == Assignment.Status.SIGNED
    return True


def workload_counts(*, user, now=None) -> dict[str, int]:
    """The counts a role's home page shows (工作量): what is waiting for this user or their unit.

    Every count is one indexed COUNT over the orders the user may see, so the
    home page costs the same at any number of orders stored.
    """
    now = now or timezone.now()
    visible = access.orders_visible_to(user)
    counts: dict[str, int] = {}
    role = user.role
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    if role in (Role.OPERATOR, Role.SUPERVISOR):
        counts["to_review"] = visible.filter(state=State.REGISTERED).count()
        counts["awaiting_callback"] = visible.filter(state=State.AWAITING_CALLBACK).count()
        counts["callback_overdue"] = visible.filter(state=State.AWAITING_CALLBACK, is_overdue=True).count()
        counts["registered_today_by_me"] = WorkOrder.objects.filter(
            registered_by=user, registered_at__gte=start_of_day
        ).count()
    if role in (Role.DISPATCHER, Role.SUPERVISOR):
        counts["pending_dispatch"] = visible.filter(state=State.PENDING_DISPATCH).count()
        counts["return_requested"] = visible.filter(state=State.RETURN_REQUESTED).count()
        counts["pending_extension"] = visible.filter(state=State.IN_PROGRESS, pending_extension=True).count()
        counts["replied"] = visible.filter(state=State.REPLIED).count()
        counts["reopened"] = visible.filter(state=State.REOPENED).count()
    if role in (Role.SUPERVISOR, Role.LEADER):
        counts["registered_today"] = visible.filter(registered_at__gte=start_of_day).count()
        counts["overdue"] = visible.filter(state__in=OPEN_STATES, is_overdue=True).count()
        counts["near_deadline"] = visible.filter(_queue_near(now), state__in=OPEN_STATES).count()
    if role in (Role.UNIT_HANDLER, Role.UNIT_ADMIN) and user.unit_id is not None:
        # The same aggregate as the inbox page's counts (a unit admin's: the unit's subtree).
        inbox = unit_inbox_filtered(user=user, page_size=1, now=now).counts
        counts["to_sign"] = inbox["dispatched"]
        counts["in_work"] = inbox["all"]
        counts["overdue"] = inbox["overdue"]
        counts["near_deadline"] = inbox["near"]
    return counts


@dataclass(frozen=True)
class OrderRecords:
    """What hangs off an order besides its events: linked orders and the records of its handling."""

    same_caller: list[OrderRow]  # the caller's other orders (关联工单)
    merged: list[WorkOrder]  # orders merged into this one (并单)
    master: WorkOrder | None  # the order this one was merged into
    callbacks: list
    return_requests: list
    extension_requests: list
    attachments: list


def order_related(*, user, order: WorkOrder, limit: int = 10) -> OrderRecords:
    """The linked orders and handling records of an order the user may see (checked by `order_detail` first)."""
    if not access.can_view(user, order):
        raise PermissionDenied(_("您无权查看该工单。"))
    same_caller = []
    if order.caller_phone_hash:
        same_caller = [
            row for row in caller_history(user=user, phone=order.caller_phone, limit=limit + 1) if row.order.pk != order.pk
        ][:limit]
    visible = access.orders_visible_to(user)
    merged = list(visible.filter(master=order).order_by("registered_at")[:50])
    master = visible.filter(pk=order.master_id).first() if order.master_id else None
    attachments = order.attachments.order_by("uploaded_at")
    if user.role in (Role.UNIT_HANDLER, Role.UNIT_ADMIN) and order.protects_identity:
        attachments = attachments.exclude(kind=Attachment.Kind.RECORDING)  # the caller's voice identifies them
    return OrderRecords(
        same_caller=same_caller,
        merged=merged,
        master=master,
        callbacks=list(order.callbacks.select_related("operator").order_by("at")),
        return_requests=list(order.return_requests.select_related("unit", "requested_by").order_by("requested_at")),
        extension_requests=list(
            order.extension_requests.select_related("unit", "requested_by").order_by("requested_at")
        ),
        attachments=list(attachments),
    )


# --- Console queues ----------------------------------------------------------------------------------------------
# The work queues of the staff console: the dispatchers' pending queue and the requests awaiting their review, a
# unit's inbox, the operators' review and callback queues. A page costs one query for its rows (page_size + 1, to
# know whether another page follows), one per kind of record shown beside them and one for its counts: the same
# at any number of orders stored.

QUEUE_PAGE_SIZE = 50
QUEUE_MAX_PAGE = 10_000  # deeper than anyone pages by hand; keeps OFFSET within what every database binds
DISPATCH_ROLES = (Role.DISPATCHER, Role.SUPERVISOR)
CALL_ROLES = (Role.OPERATOR, Role.SUPERVISOR)
UNIT_STAFF = (Role.UNIT_HANDLER, Role.UNIT_ADMIN)
REQUEST_KINDS = ("return", "extension", "reply", "reopened")  # the tabs of the dispatchers' review page (审核)
INBOX_STATUSES = {"dispatched": Assignment.Status.DISPATCHED, "signed": Assignment.Status.SIGNED}


@dataclass(frozen=True)
class QueuePage:
    rows: list
    page: int
    has_next: bool
    counts: dict[str, int] = field(default_factory=dict)


def _queue_page(queryset: QuerySet, page: int, page_size: int | None) -> tuple[list, int, bool]:
    """One page of `queryset` (QUEUE_PAGE_SIZE rows unless told) and whether another follows: page_size + 1 rows."""
    page = min(max(page, 1), QUEUE_MAX_PAGE)
    page_size = min(max(page_size or QUEUE_PAGE_SIZE, 1), 200)
    start = (page - 1) * page_size
    items = list(queryset[start : start + page_size + 1])
    return items[:page_size], page, len(items) > page_size


def _require_role(user, roles, message: str) -> None:
    if user.role not in roles:
        raise PermissionDenied(message)


@dataclass(frozen=True)
class DispatchRow:
    order: WorkOrder
    caller: access.CallerView
    suggestion: object  # rexian.catalog.selectors.DispatchSuggestion or None: the catalogue's units (派单目录)


def dispatch_queue_filtered(
    *,
    user,
    channel=None,
    appeal_type=None,
    category=None,
    urgency=None,
    area=None,
    registered_from: dt.date | None = None,
    registered_to: dt.date | None = None,
    keyword: str = "",
    page: int = 1,
    page_size: int | None = None,
) -> QueuePage:
    """Orders waiting for a dispatcher (待派单), oldest first, with the catalogue's suggestion for each row.

    `category` matches itself and everything below it; `area` a unit (a town) and the communities in it.
    The keyword searches titles within the pending queue only, which the (state, registered_at) index bounds.
    """
    _require_role(user, DISPATCH_ROLES, _("只有派遣员和值班长可以查看待派单队列。"))
    queryset = access.orders_visible_to(user).filter(state=State.PENDING_DISPATCH)
    if channel is not None:
        queryset = queryset.filter(channel=channel)
    if appeal_type is not None:
        queryset = queryset.filter(appeal_type=appeal_type)
    if urgency is not None:
        queryset = queryset.filter(urgency=urgency)
    if category is not None:
        below = Category.objects.filter(Q(pk=category.pk) | Q(parent=category.pk) | Q(parent__parent=category.pk))
        queryset = queryset.filter(category__in=below.values("pk"))
    if area is not None:
        queryset = queryset.filter(area__in=Unit.objects.filter(path__startswith=area.path).values("pk"))
    if registered_from is not None:
        queryset = queryset.filter(registered_at__gte=local_midnight(registered_from))
    if registered_to is not None:
        queryset = queryset.filter(registered_at__lt=local_midnight(registered_to + dt.timedelta(days=1)))
    if keyword:
        queryset = queryset.filter(title__icontains=keyword)
    queryset = queryset.select_related(
        "appeal_type", "urgency", "channel", "area", "category__parent__parent"
    ).order_by("registered_at", "pk")
    orders, page, has_next = _queue_page(queryset, page, page_size)
    suggestions = dispatch_suggestions(pairs=[(order.category, order.area) for order in orders])
    rows = [
        DispatchRow(order, access.masked_caller(user, order), suggestions[(order.category_id, order.area_id)])
        for order in orders
    ]
    return QueuePage(rows, page, has_next)


@dataclass(frozen=True)
class RequestRow:
    """An order awaiting a dispatcher's decision, with what the decision is about."""

    order: WorkOrder
    caller: access.CallerView
    request: object = None  # the pending ReturnRequest or ExtensionRequest (退单/延期申请)
    replies: list = field(default_factory=list)  # the units' replies (Assignment rows), lead first
    callback: object = None  # the dissatisfied Callback that reopened the order


def _requests_by_kind(user) -> dict[str, QuerySet]:
    visible = access.orders_visible_to(user)
    pending_extensions = ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING)
    return {
        "return": visible.filter(state=State.RETURN_REQUESTED),
        # Driven by the few pending requests (their status index), not by every order in progress.
        "extension": visible.filter(
            state=State.IN_PROGRESS, pending_extension=True, pk__in=pending_extensions.values("order_id")
        ),
        "reply": visible.filter(state=State.REPLIED),
        "reopened": visible.filter(state=State.REOPENED),
    }


@dataclass(frozen=True)
class RequestsPage(QueuePage):
    kind: str = REQUEST_KINDS[0]  # the kind shown


def review_requests(*, user, kind: str | None = None, page: int = 1, page_size: int | None = None) -> RequestsPage:
    """What waits for a dispatcher's review (审核), one kind at a time, oldest order first, with counts per kind.

    Kinds: return (退单申请), extension (延期申请), reply (办结回复), reopened (回访不满意, 待重办).
    Without a (known) kind, the first one that has anything waiting; `counts` holds every kind's count.
    """
    _require_role(user, DISPATCH_ROLES, _("只有派遣员和值班长可以审核申请。"))
    by_kind = _requests_by_kind(user)
    counts = {name: queryset.count() for name, queryset in by_kind.items()}
    if kind not in REQUEST_KINDS:
        kind = next((name for name in REQUEST_KINDS if counts[name]), REQUEST_KINDS[0])
    queryset = by_kind[kind].select_related("appeal_type", "urgency", "lead_unit").order_by("registered_at", "pk")
    orders, page, has_next = _queue_page(queryset, page, page_size)
    ids = [order.pk for order in orders]
    details: dict[int, dict] = {order.pk: {} for order in orders}
    if kind in ("return", "extension"):
        model = ReturnRequest if kind == "return" else ExtensionRequest
        pending = model.objects.filter(order_id__in=ids, status=model.Status.PENDING).select_related("unit")
        for request in pending.order_by("requested_at"):
            details[request.order_id]["request"] = request  # the latest wins
    elif kind == "reply":
        replies = Assignment.objects.filter(order_id__in=ids, is_open=True, status=Assignment.Status.REPLIED)
        for part in replies.select_related("unit").order_by("-role", "replied_at"):  # "lead" sorts after "assist"
            details[part.order_id].setdefault("replies", []).append(part)
    else:
        dissatisfied = Callback.objects.filter(order_id__in=ids, reached=True, satisfaction=Satisfaction.DISSATISFIED)
        for callback in dissatisfied.order_by("at"):
            details[callback.order_id]["callback"] = callback
    rows = [RequestRow(order, access.masked_caller(user, order), **details[order.pk]) for order in orders]
    return RequestsPage(rows, page, has_next, counts, kind)


@dataclass(frozen=True)
class InboxRow:
    """One unit's open part in an order (主办 or 协办) and what the viewer may do through it from the list."""

    order: WorkOrder
    caller: access.CallerView
    part: Assignment
    actions: frozenset[str]

    @property
    def is_lead(self) -> bool:
        return self.part.role == Assignment.Role.LEAD


def _inbox_parts(user) -> QuerySet:
    """The open parts of the user's unit (a unit admin's: the unit's subtree) in orders the user may see."""
    _require_role(user, UNIT_STAFF, _("只有承办单位人员有单位待办件。"))
    if user.unit_id is None:
        raise PermissionDenied(_("只有承办单位人员有单位待办件。"))
    parts = Assignment.objects.filter(is_open=True)
    if user.role == Role.UNIT_ADMIN:
        parts = parts.filter(unit__in=user.unit.subtree().values("pk"))
    else:
        parts = parts.filter(unit_id=user.unit_id)
    return parts.filter(Exists(access.orders_visible_to(user).filter(pk=OuterRef("order_id"))))


def _queue_near(now: dt.datetime, prefix: str = "") -> Q:
    """Yellow: not overdue, and the live deadline's warning time has come (the home page counts the same way)."""
    return Q(**{f"{prefix}is_overdue": False, f"{prefix}due_warn_at__lte": now, f"{prefix}due_at__gte": now})


def _part_actions(user, part: Assignment, order: WorkOrder) -> frozenset[str]:
    """The unit actions the inbox offers for a part: the lifecycle's, narrowed by `_applicable` as on the
    detail page, worked out from the rows already loaded instead of asking `access.may` row by row (the
    action itself is checked again when it is taken)."""
    if part.unit_id != user.unit_id:
        return frozenset()  # a unit admin sees the subtree's parts but acts only for the own unit
    candidates = [Action.SIGN, Action.REPLY]
    if part.role == Assignment.Role.LEAD:
        candidates += [Action.REQUEST_RETURN, Action.REQUEST_EXTENSION]
    allowed = allowed_actions(order.state)
    return frozenset(a for a in candidates if a in allowed and _applicable(a, order, part))


def unit_inbox_filtered(
    *,
    user,
    status: str | None = None,
    deadline: str | None = None,
    keyword: str = "",
    page: int = 1,
    page_size: int | None = None,
    now: dt.datetime | None = None,
) -> QueuePage:
    """The unit's open parts (承办件), nearest deadline first, with the counts of each filter.

    status: "dispatched" (待签收) or "signed" (办理中); deadline: "near" (yellow) or "overdue" (red).
    Counts: all, dispatched, signed, near, overdue (one aggregate query).
    """
    now = now or timezone.now()
    parts = _inbox_parts(user)
    counts = parts.aggregate(
        all=Count("pk"),
        dispatched=Count("pk", filter=Q(status=Assignment.Status.DISPATCHED)),
        signed=Count("pk", filter=Q(status=Assignment.Status.SIGNED)),
        near=Count("pk", filter=_queue_near(now, "order__")),
        overdue=Count("pk", filter=Q(order__is_overdue=True)),
    )
    if status in INBOX_STATUSES:
        parts = parts.filter(status=INBOX_STATUSES[status])
    if deadline == "near":
        parts = parts.filter(_queue_near(now, "order__"))
    elif deadline == "overdue":
        parts = parts.filter(order__is_overdue=True)
    if keyword:
        parts = parts.filter(order__title__icontains=keyword)
    parts = parts.select_related("unit", "order__appeal_type", "order__urgency", "order__lead_unit").order_by(
        F("order__due_at").asc(nulls_last=True), "order__registered_at", "pk"
    )
    items, page, has_next = _queue_page(parts, page, page_size)
    rows = [
        InboxRow(part.order, access.masked_caller(user, part.order), part, _part_actions(user, part, part.order))
        for part in items
    ]
    return QueuePage(rows, page, has_next, counts)


def registered_queue(*, user, channel=None, page: int = 1, page_size: int | None = None) -> QueuePage:
    """Orders left in `registered` (待审核登记): the portal's and Open311's requests and unfinished intakes.

    Oldest first; `counts` holds the number waiting per channel code and "all".
    """
    _require_role(user, CALL_ROLES, _("只有话务员和值班长可以审核登记。"))
    waiting = access.orders_visible_to(user).filter(state=State.REGISTERED)
    counts = dict(waiting.order_by().values_list("channel__code").annotate(n=Count("pk")))
    counts["all"] = sum(counts.values())
    queryset = waiting.filter(channel=channel) if channel is not None else waiting
    queryset = queryset.select_related("appeal_type", "urgency", "channel", "category").order_by("registered_at", "pk")
    orders, page, has_next = _queue_page(queryset, page, page_size)
    return QueuePage(_rows(user, orders), page, has_next, counts)


@dataclass(frozen=True)
class CallbackRow:
    order: WorkOrder
    caller: access.CallerView  # masked: the full phone is on the detail page, where reading it is logged
    reply: Assignment | None  # the lead unit's reply the citizen is asked about


def callback_queue(*, user, overdue: bool = False, page: int = 1, page_size: int | None = None) -> QueuePage:
    """Orders awaiting a callback (待回访), nearest callback deadline first; `counts`: all and overdue."""
    _require_role(user, CALL_ROLES, _("只有话务员和值班长可以回访。"))
    waiting = access.orders_visible_to(user).filter(state=State.AWAITING_CALLBACK)
    counts = waiting.aggregate(all=Count("pk"), overdue=Count("pk", filter=Q(is_overdue=True)))
    queryset = waiting.filter(is_overdue=True) if overdue else waiting
    queryset = queryset.select_related("appeal_type", "urgency", "lead_unit").order_by(
        F("due_at").asc(nulls_last=True), "registered_at", "pk"
    )
    orders, page, has_next = _queue_page(queryset, page, page_size)
    replies: dict[int, Assignment] = {}
    lead_parts = Assignment.objects.filter(order_id__in=[o.pk for o in orders], role=Assignment.Role.LEAD)
    for part in lead_parts.exclude(result="").order_by("replied_at"):
        replies[part.order_id] = part  # the latest reply wins
    rows = [CallbackRow(order, access.masked_caller(user, order), replies.get(order.pk)) for order in orders]
    return QueuePage(rows, page, has_next, counts)


# --- Intake (受理): the caller panel -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CallerOverview:  # 来电人历史
    """A caller's orders as the intake page shows them while the caller is on the line."""

    open: list[OrderRow]  # still open: the caller may be calling about one of them
    earlier: list[OrderRow]  # closed, merged or voided, newest first
    more: bool  # the caller has more orders than these


def caller_overview(*, user, phone: str, limit: int = 20) -> CallerOverview:
    """The caller's orders by phone (as far as `user` may see them): all open ones, then the latest others.

    One query through `caller_history` (at most its 100 newest orders), so a
    frequent caller's open order from months ago still shows at the top.
    """
    rows = caller_history(user=user, phone=phone, limit=100)
    open_rows = [row for row in rows if row.order.state in OPEN_STATES]
    earlier = [row for row in rows if row.order.state not in OPEN_STATES]
    more = len(rows) == 100 or len(open_rows) > limit or len(earlier) > limit
    return CallerOverview(open=open_rows[:limit], earlier=earlier[:limit], more=more)


# --- Supervisor board (值班看板) -----------------------------------------------------------------------------

BOARD_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER})
BOARD_TOP_UNITS = 20
# States in which a unit's clock runs (签收, 首次响应, 办结): overdue in them is the unit's. An order awaiting
# its callback runs against the centre's callback deadline instead, so it is counted by state, not by unit.
UNIT_CLOCK_STATES = (State.DISPATCHED, State.IN_PROGRESS)


@dataclass(frozen=True)
class StateFigures:
    state: str
    label: str
    count: int
    overdue: int
    near: int  # not overdue, and the live deadline has turned yellow


@dataclass(frozen=True)
class UnitFigures:
    unit_id: int
    code: str  # the search page's unit filter takes the code
    name: str
    overdue: int
    near: int


@dataclass(frozen=True)
class BoardFigures:  # 值班看板
    now: dt.datetime
    intake_today: int  # registered since local midnight
    intake_by_hour: list[tuple[int, int]]  # (local hour, registered in it), from 0 to the current hour
    open_by_state: list[StateFigures]  # every open state, in the lifecycle's order
    open_total: int
    overdue_total: int
    near_total: int
    units: list[UnitFigures]  # lead units with overdue or near orders, most overdue first (BOARD_TOP_UNITS)


def _near(now: dt.datetime) -> Q:
    """Not overdue, and past the moment the live deadline turned yellow (`due_warn_at`)."""
    return Q(is_overdue=False, due_warn_at__lte=now, due_at__gte=now)


def board_figures(*, user, now: dt.datetime | None = None) -> BoardFigures:
    """The supervisor's live board: today's intake by hour, open orders by state, overdue and near orders by unit.

    For supervisors and leaders (PermissionDenied otherwise), over the orders they may see. Four
    GROUP BY queries: today's orders through the index on registered_at, open orders through the
    indexes on (state, …); none reads closed orders, so the board costs what is open, not what is stored.
    """
    if user.role not in BOARD_ROLES:
        raise PermissionDenied(_("只有值班长和领导可以查看值班看板。"))
    now = now or timezone.now()
    local_tz = timezone.get_default_timezone()
    start_of_day = timezone.localtime(now, local_tz).replace(hour=0, minute=0, second=0, microsecond=0)
    visible = access.orders_visible_to(user)

    by_hour = dict(
        visible.filter(registered_at__gte=start_of_day, registered_at__lte=now)
        .annotate(hour=ExtractHour("registered_at", tzinfo=local_tz))
        .values("hour")
        .annotate(count=Count("pk"))
        .order_by("hour")
        .values_list("hour", "count")
    )
    hours = [(hour, by_hour.get(hour, 0)) for hour in range(timezone.localtime(now, local_tz).hour + 1)]

    counts = {
        row["state"]: row
        for row in visible.filter(state__in=OPEN_STATES)
        .values("state")
        .annotate(
            count=Count("pk"), overdue=Count("pk", filter=Q(is_overdue=True)), near=Count("pk", filter=_near(now))
        )
        .order_by()
    }
    states = [
        StateFigures(
            state=state.value,
            label=state.label,
            count=counts.get(state.value, {}).get("count", 0),
            overdue=counts.get(state.value, {}).get("overdue", 0),
            near=counts.get(state.value, {}).get("near", 0),
        )
        for state in State
        if state in OPEN_STATES
    ]

    units = (
        visible.filter(state__in=UNIT_CLOCK_STATES, lead_unit__isnull=False)
        .values("lead_unit", "lead_unit__code", "lead_unit__name")
        .annotate(overdue=Count("pk", filter=Q(is_overdue=True)), near=Count("pk", filter=_near(now)))
        .filter(Q(overdue__gt=0) | Q(near__gt=0))
        .order_by("-overdue", "-near", "lead_unit__name")[:BOARD_TOP_UNITS]
    )
    return BoardFigures(
        now=now,
        intake_today=sum(count for _hour, count in hours),
        intake_by_hour=hours,
        open_by_state=states,
        open_total=sum(s.count for s in states),
        overdue_total=sum(s.overdue for s in states),
        near_total=sum(s.near for s in states),
        units=[
            UnitFigures(
                unit_id=row["lead_unit"],
                code=row["lead_unit__code"],
                name=row["lead_unit__name"],
                overdue=row["overdue"],
                near=row["near"],
            )
            for row in units
        ],
    )


# --- Console search ----------------------------------------------------------------------------------------------
# 工单查询: every filter of the console's search page and its Excel export. Each filter rides an index (number: the
# unique number; phone: caller history; words: the full-text index of rexian/orders/search.py, walked newest first;
# dates and state: (state, registered_at) and registered_at; overdue and near: the open states), and a page reads
# page_size + 1 rows, never a count, so a page costs the same at a million orders.

SEARCH_PAGE_SIZE = 50
SEARCH_MAX_PAGE = 200  # deeper than 10,000 rows, the filters need narrowing (and OFFSET grows with the page)
SEARCH_DEADLINES = ("near", "overdue")
_NUMBER_LOW, _NUMBER_HIGH = "00000000-", "99999999-"


@dataclass(frozen=True)
class SearchPage:
    rows: list[OrderRow]
    page: int
    has_next: bool


def _number_range(number: str) -> tuple[str, str]:
    """The lowest and highest order numbers that start with `number` (20261126-00 → 20261126-000000 … -009999).

    Numbers all have one shape (YYYYMMDD-NNNNNN), so a prefix is a range of the unique index on
    every database and collation, where LIKE 'prefix%' would not use it on SQLite.
    """
    from django.conf import settings

    digits = settings.ORDER_NUMBER_DIGITS
    low, high = _NUMBER_LOW + "0" * digits, _NUMBER_HIGH + "9" * digits
    if "-" not in number and len(number) > 8:
        number = f"{number[:8]}-{number[8:]}"
    number = number[: len(low)]
    return number + low[len(number) :], number + high[len(number) :]


@dataclass(frozen=True)
class SearchFilters:  # 查询条件
    """What 工单查询 filters on; every field is optional (the defaults filter nothing).

    number: a whole order number or its beginning (2026112, 20261126-00); phone: the caller's
    phone, matched by its keyed hash (unit staff never find a whistle-blower's or confidential
    caller's order by phone); words: every word must occur in the title or description (see
    rexian.orders.search); date_from / date_to: registration days, both included; appeal_type,
    category (the category or anything below it) and unit (orders the unit has a part in, lead or
    assisting, a part withdrawn by an approved return excepted) as instances or primary keys;
    overdue: True for open orders past a deadline, False for orders not overdue; deadline:
    "overdue" or "near" (yellow: less than the warning share of the time left); mine: registered
    by the user.
    """

    number: str = ""
    phone: str = ""
    words: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    state: str = ""
    appeal_type: object = None
    category: object = None
    unit: object = None
    overdue: bool | None = None
    deadline: str = ""
    mine: bool = False


def _search_queryset(user, filters: SearchFilters, now: dt.datetime | None = None) -> QuerySet:
    """The orders `user` may see that pass every given filter, in the order the page shows them (newest first)."""
    from rexian.orders.search import filter_by_terms, query_terms, restrict_to_terms, terms_are_common

    f = filters
    number, phone, words, date_from, date_to, state = f.number, f.phone, f.words, f.date_from, f.date_to, f.state
    appeal_type, category, unit = f.appeal_type, f.category, f.unit
    overdue, deadline, mine = f.overdue, f.deadline, f.mine
    queryset = access.orders_visible_to(user)
    # Whether a filter reads its own few orders through an index (a "driver"): then common words are tested on those
    # orders one by one; without one, the word index is walked newest first (see COMMON_TERMS in orders/search.py).
    drivers = bool(number or phone or date_from or date_to or deadline or overdue or state in OPEN_STATES)
    number = (number or "").strip()
    if number:
        low, high = _number_range(number)
        queryset = queryset.filter(number__gte=low, number__lte=high)
    if phone:
        digest = crypto.phone_hash(phone)
        queryset = queryset.filter(caller_phone_hash=digest) if digest else queryset.none()
        if user.role in (Role.UNIT_HANDLER, Role.UNIT_ADMIN):
            # As in caller_history: finding a whistle-blower's or confidential caller's order by phone reveals them.
            queryset = queryset.exclude(confidential=True).exclude(appeal_type__protects_identity=True)
    if date_from:
        queryset = queryset.filter(registered_at__gte=local_midnight(date_from))
    if date_to:
        queryset = queryset.filter(registered_at__lt=local_midnight(date_to + dt.timedelta(days=1)))
    if state:
        queryset = queryset.filter(state=state)
    if appeal_type is not None:
        appeal_id = getattr(appeal_type, "pk", appeal_type)
        matches = WorkOrder.objects.filter(appeal_type_id=appeal_id)
        queryset, drives = _steer(queryset, matches, "appeal_type_id", [appeal_id])
        drivers |= drives
    if category is not None:
        categories = category_subtree_ids(category)
        matches = WorkOrder.objects.filter(category_id__in=categories)
        queryset, drives = _steer(queryset, matches, "category_id", categories)
        drivers |= drives
    if unit is not None:
        queryset, drives = _unit_filter(queryset, unit.pk if hasattr(unit, "pk") else unit)
        drivers |= drives
    elif user.role == Role.UNIT_HANDLER and user.unit_id is not None:
        # The orders access.orders_visible_to already allows a handler, said again for a quiet unit, so that its few
        # orders drive the query instead of a walk through every order testing each one (see _unit_filter).
        parts = _unit_parts(user.unit_id)
        if not _is_dense(parts):
            queryset = queryset.filter(pk__in=parts.values("order_id"))
            drivers = True
    now = now or timezone.now()
    if overdue or deadline == "overdue":
        queryset = queryset.filter(state__in=OPEN_STATES, is_overdue=True)
    elif overdue is False:
        queryset = queryset.filter(is_overdue=False)
    if deadline == "near":
        queryset = queryset.filter(_queue_near(now), state__in=OPEN_STATES)
    if mine:
        queryset, drives = _steer(queryset, WorkOrder.objects.filter(registered_by=user), "registered_by_id", [user.pk])
        drivers |= drives
    queryset = queryset.select_related("appeal_type", "urgency", "lead_unit")
    ordered = queryset.order_by("-number") if number else queryset.order_by("-registered_at", "-pk")
    terms = query_terms(words) if words else []
    if not terms:
        return ordered
    if drivers and terms_are_common(terms):
        # Held by many orders: let the driving filter's index read its orders and test each (see COMMON_TERMS).
        return filter_by_terms(ordered, terms)
    return restrict_to_terms(queryset, terms)


# A filter that matches fewer orders than this drives the query through its own index (its orders read and sorted);
# one that matches more rides the newest-first walk of the other filters' index, tested on each order (on average
# fewer than 1,000,000 / SEARCH_DENSE rows read per row shown). Without statistics SQLite's planner would choose the
# filter's index every time: 200,000 orders of a top-level category read and sorted for a page of 50.
SEARCH_DENSE = 5000


def _is_dense(matches: QuerySet) -> bool:
    """Whether `matches` holds at least SEARCH_DENSE rows: one COUNT over at most that many index entries."""
    return matches.order_by()[:SEARCH_DENSE].count() >= SEARCH_DENSE


def _steer(
    queryset: QuerySet, matches: QuerySet, column: str, values: list, *, dense: bool | None = None
) -> tuple[QuerySet, bool]:
    """`queryset` narrowed to `column IN values`, written so that the database uses the column's index only when
    the values are rare (`column + 0` is the same test with no index to use); and whether the index drives.
    `dense`: whether `matches` is known to be dense already (else it is counted)."""
    if _is_dense(matches) if dense is None else dense:
        return queryset.alias(**{f"_{column}_test": F(column) + 0}).filter(**{f"_{column}_test__in": values}), False
    return queryset.filter(**{f"{column}__in": values}), True


def _unit_filter(queryset: QuerySet, unit_id: int) -> tuple[QuerySet, bool]:
    """Orders the unit has a part in (lead or assisting; a part withdrawn by an approved return does not count).

    A busy unit's parts are tested order by order along the newest-first walk (the (order, unit) index); a quiet
    unit's few parts are read through the unit's index and their orders sorted.
    """
    parts = _unit_parts(unit_id)
    if _is_dense(parts):
        return queryset.filter(Exists(parts.filter(order=OuterRef("pk")))), False
    return queryset.filter(pk__in=parts.values("order_id")), True


def _unit_parts(unit_id: int) -> QuerySet:
    return Assignment.objects.filter(unit_id=unit_id).exclude(status=Assignment.Status.WITHDRAWN)


def order_search(
    *,
    user,
    filters: SearchFilters = SearchFilters(),
    page: int = 1,
    page_size: int = SEARCH_PAGE_SIZE,
    now: dt.datetime | None = None,
) -> SearchPage:
    """工单查询: one page of the orders the user may see that pass every filter (`SearchFilters`), newest first.

    Pages beyond SEARCH_MAX_PAGE are not served (the last one is). Callers are masked.
    """
    queryset = _search_queryset(user, filters, now)
    page = min(max(page, 1), SEARCH_MAX_PAGE)
    page_size = min(max(page_size, 1), 200)
    start = (page - 1) * page_size
    orders = list(queryset[start : start + page_size + 1])
    has_next = len(orders) > page_size and page < SEARCH_MAX_PAGE
    return SearchPage(rows=_rows(user, orders[:page_size]), page=page, has_next=has_next)


# What the export reads of an order (the rest of its 50 columns, a dozen of them dates, would cost time to convert).
EXPORT_FIELDS = (
    "number", "registered_at", "state", "title", "description", "caller_name", "caller_phone", "caller_id_number",
    "confidential", "address", "due_at", "is_overdue", "channel", "urgency", "category", "area", "lead_unit",
    "appeal_type",
)


@dataclass(frozen=True)
class ExportRow:
    order: WorkOrder
    caller: access.CallerView  # always masked: an export leaves the system
    channel: str
    category_path: str  # 城乡建设/物业管理/物业服务
    urgency: str
    state: str
    area: str
    lead_unit: str


def order_search_export(*, user, filters: SearchFilters, limit: int) -> Iterator[ExportRow]:
    """The first `limit` orders of `order_search(filters=…)`, for the Excel export, read in chunks.

    The caller is masked for every role, so the export holds no personal data in clear
    (and its reading needs no access log). Names of master data (channels, categories,
    units …) come from one read of each small table, not from joins on every row.
    """
    from rexian.catalog.models import Category, Channel, Urgency
    from rexian.units.models import Unit

    channels = dict(Channel.objects.values_list("pk", "name"))
    urgencies = dict(Urgency.objects.values_list("pk", "name"))
    units = dict(Unit.objects.values_list("pk", "name"))
    categories = {pk: (name, parent) for pk, name, parent in Category.objects.values_list("pk", "name", "parent_id")}
    paths: dict[int, str] = {}
    for pk in categories:
        names, node, steps = [], pk, 0
        while node is not None and steps < 6:
            name, node = categories[node]
            names.append(name)
            steps += 1
        paths[pk] = "/".join(reversed(names))
    states = dict(State.choices)
    queryset = (
        _search_queryset(user, filters)
        .select_related(None)
        .select_related("appeal_type")
        .only(*EXPORT_FIELDS, "appeal_type__name", "appeal_type__protects_identity")
    )
    for order in queryset[: max(limit, 0)].iterator(chunk_size=2000):
        yield ExportRow(
            order=order,
            caller=access.masked_caller(user, order),
            channel=channels.get(order.channel_id, ""),
            category_path=paths.get(order.category_id, ""),
            urgency=urgencies.get(order.urgency_id, ""),
            state=str(states.get(order.state, order.state)),
            area=units.get(order.area_id, ""),
            lead_unit=units.get(order.lead_unit_id, ""),
        )


# --- Smart dispatch training data ---------------------------------------------------------------------------------


def dispatch_training_examples(*, since: dt.datetime | None = None) -> Iterator[dict]:
    """The dispatch history the smart-dispatch ranker (智能派单) learns from, one dict per order, streamed.

    One row per order that reached a unit and still has its lead unit: `order_id`, `title`, `description`,
    `category_code`, `area_code` (blank when unknown), `unit_code` — the *final* lead unit, after any return
    (退单) and re-dispatch (改派) —, `return_count`, `registered_at`, and `returned_unit_codes`: the lead units
    that returned the order, oldest first. Orders registered before `since` are left out. Two `values()`
    queries in order-id order, merged as they stream; for the training command only, not for pages.
    """
    orders = WorkOrder.objects.filter(lead_unit__isnull=False)
    returned = Assignment.objects.filter(role=Assignment.Role.LEAD, status=Assignment.Status.WITHDRAWN)
    if since is not None:
        orders = orders.filter(registered_at__gte=since)
        returned = returned.filter(order__registered_at__gte=since)
    rows = orders.order_by("pk").values_list(
        "pk", "title", "description", "category__code", "area__code", "lead_unit__code", "return_count", "registered_at"
    )
    withdrawn = returned.order_by("order_id", "dispatched_at", "pk").values_list("order_id", "unit__code")
    pending = iter(withdrawn.iterator(chunk_size=5000))
    current = next(pending, None)
    for pk, title, description, category, area, unit, return_count, registered_at in rows.iterator(chunk_size=2000):
        codes = []
        while current is not None and current[0] <= pk:
            if current[0] == pk:
                codes.append(current[1])
            current = next(pending, None)
        yield {
            "order_id": pk,
            "title": title,
            "description": description,
            "category_code": category or "",
            "area_code": area or "",
            "unit_code": unit,
            "return_count": return_count,
            "registered_at": registered_at,
            "returned_unit_codes": tuple(codes),
        }


def classification_training_examples(*, label: str, limit: int) -> list[tuple[str, str, str]]:
    """The newest `limit` orders' (title, description, label code), oldest first, for the text classifiers.

    `label` is "category" (the leaf category the operator chose), "appeal_type" or "urgency". Voided orders are
    left out: they are often test calls or nonsense. For training only, not for pages.
    """
    code = {"category": "category__code", "appeal_type": "appeal_type__code", "urgency": "urgency__code"}[label]
    newest = (
        WorkOrder.objects.exclude(state=State.VOIDED)
        .filter(**{f"{label}__isnull": False})
        .order_by("-registered_at", "-pk")
        .values_list("title", "description", code)[:limit]
    )
    return list(reversed(newest))


# --- Duplicates (重复诉求) ---

DUPLICATE_CALLER_CAP = 100  # the caller's newest orders read per look-up
DUPLICATE_PLACE_CAP = 300  # the place's newest orders of the window read per look-up
DUPLICATE_TEXT_CAP = 100  # the newest orders of the window, anywhere, that share a run of the text's words
DUPLICATE_TEXT_SCAN = 500  # … found among this many newest such orders of any date (bounds the index read)
# What ranking reads of each candidate: plain tuples, not model instances (300 instances cost ~30 ms).
_DUPLICATE_COLUMNS = ("pk", "title", "description", "address", "area_id", "caller_phone_hash", "registered_at")
_DUPLICATE_SHOWN = (
    "number", "title", "state", "registered_at", "due_at", "is_overdue", "lead_unit__code", "lead_unit__name",
)


@dataclass(frozen=True)
class DuplicateHit:  # 疑似重复
    order: WorkOrder  # with its lead unit
    score: float  # rexian.intelligence.duplicates.score, 0–1
    reasons: list[str]  # 同一来电人 / 同一地点 / 内容相似
    likely: bool  # at or above the measured operating point (duplicates.DUPLICATE_SCORE)
    mergeable: bool  # still open: a new order may be merged into it (并单)


def _duplicate_reason_labels() -> dict[str, str]:
    from rexian.intelligence import duplicates as dup

    return {dup.SAME_CALLER: _("同一来电人"), dup.SAME_PLACE: _("同一地点"), dup.SIMILAR: _("内容相似")}


def duplicate_candidates(
    *,
    user,
    phone: str = "",
    area=None,
    address: str = "",
    title: str = "",
    description: str = "",
    days: int = 30,
    limit: int = 10,
    now: dt.datetime | None = None,
) -> list[DuplicateHit]:
    """疑似重复: earlier orders the request being recorded may repeat, best first, as far as `user` may see.

    Candidates are read through indexes, never by scanning: the caller's orders by the phone's keyed hash
    (open ones of any age, others of the last `days` days; at most DUPLICATE_CALLER_CAP), and the orders of
    the same place (`area` and the units below it) registered in the last `days` days (the newest
    DUPLICATE_PLACE_CAP), and the orders of those days, anywhere, that hold a whole run of the text's words
    (`search.text_probes`, the newest DUPLICATE_TEXT_CAP). Merged and voided orders are left out. They are ranked by
    `rexian.intelligence.duplicates.rank_candidates` on title, description and address: the caller's orders
    are always listed, the others from a modest text similarity on. Unit staff never find a whistle-blower's or
    confidential caller's order by phone (as in `caller_history`).
    """
    return _duplicate_hits(
        user=user,
        digest=crypto.phone_hash(phone) if phone else "",
        area_id=getattr(area, "pk", area),
        title=title,
        description=description,
        address=address,
        days=days,
        limit=limit,
        now=now or timezone.now(),
    )


def order_duplicates(*, user, order: WorkOrder, days: int = 30, limit: int = 5) -> list[DuplicateHit]:
    """疑似重复 of an order already recorded (its page's 并单 form): as `duplicate_candidates`, the order left out.

    Looks up with the order's own caller (by the stored keyed hash, nothing decrypted), place, title,
    description and address, over the `days` before now, so a dispatcher or operator who meets a repeated
    request after it was recorded can merge it into the earlier order.
    """
    return _duplicate_hits(
        user=user,
        digest=order.caller_phone_hash,
        area_id=order.area_id,
        title=order.title,
        description=order.description,
        address=order.address,
        days=days,
        limit=limit,
        now=timezone.now(),
        exclude=order.pk,
    )


def _duplicate_hits(
    *, user, digest, area_id, title, description, address, days, limit, now, exclude=None
) -> list[DuplicateHit]:
    """The look-up behind both: `digest` is the caller's keyed phone hash, `exclude` an order's own id."""
    from rexian.intelligence import duplicates as dup
    from rexian.intelligence.text import order_text

    query_text = f"{order_text(title, description)} {address or ''}".strip()
    probes = search.text_probes(title, description)
    since = now - dt.timedelta(days=days)
    if not digest and not (area_id and query_text) and not probes:
        return []
    visible = access.orders_visible_to(user).exclude(state__in=(State.MERGED, State.VOIDED))
    if exclude is not None:
        visible = visible.exclude(pk=exclude)
    found: dict[int, tuple] = {}
    if digest:
        mine = visible.filter(caller_phone_hash=digest).filter(Q(registered_at__gte=since) | Q(state__in=OPEN_STATES))
        if user.role in (Role.UNIT_HANDLER, Role.UNIT_ADMIN):
            mine = mine.exclude(confidential=True).exclude(appeal_type__protects_identity=True)
        rows = mine.order_by("-registered_at").values_list(*_DUPLICATE_COLUMNS)[:DUPLICATE_CALLER_CAP]
        found.update((row[0], row) for row in rows)
    places: set[int] = set()
    if area_id and query_text:
        places = _place_units(area_id)
        # A busy place's orders are met along the newest-first walk of the registration index (at 1,000,000 orders
        # a town holds 100,000: read through the area index and sorted, that took over a second); a quiet place's
        # few orders are read through the area index (see _steer).
        nearby, _drives = _steer(visible, None, "area_id", list(places), dense=_place_is_busy(places))
        rows = nearby.filter(registered_at__gte=since).order_by("-registered_at").values_list(*_DUPLICATE_COLUMNS)
        found.update((row[0], row) for row in rows[:DUPLICATE_PLACE_CAP])
    if probes:
        # Similar text from anyone, anywhere: the same request from another phone, or filed under another place, or
        # one older than a busy place's newest orders. Read through the word index, newest first.
        ids = search.newest_matching_ids(probes, limit=DUPLICATE_TEXT_SCAN)
        if ids:
            similar = visible.filter(pk__in=ids, registered_at__gte=since).order_by("-pk")
            found.update((row[0], row) for row in similar.values_list(*_DUPLICATE_COLUMNS)[:DUPLICATE_TEXT_CAP])
    candidates = [
        dup.Candidate(
            id=pk,
            text=f"{order_text(title_, text_)} {address_}".strip(),
            same_caller=bool(digest) and phone_hash == digest,
            same_place=area_ in places,
            age_days=max((now - registered_at).total_seconds(), 0) / 86400,
        )
        for pk, title_, text_, address_, area_, phone_hash, registered_at in found.values()
    ]
    ranked = dup.rank_candidates(query_text, candidates, limit=max(1, min(limit, 50)))
    # The few columns the panel shows: loading a whole order would decrypt its caller for nothing.
    shown = WorkOrder.objects.select_related("lead_unit").only(*_DUPLICATE_SHOWN)
    orders = shown.in_bulk([hit.id for hit in ranked])
    labels = _duplicate_reason_labels()
    return [
        DuplicateHit(
            order=orders[hit.id],
            score=hit.score,
            reasons=[labels[code] for code in hit.reasons],
            likely=hit.likely,
            mergeable=orders[hit.id].state in OPEN_STATES,
        )
        for hit in ranked
        if hit.id in orders
    ]


def _place_is_busy(places: set[int]) -> bool:
    """Whether the place holds SEARCH_DENSE orders or more (`_is_dense`), remembered for ten minutes: a busy
    town stays busy, and the count costs ~20 ms on PostgreSQL at a million orders, as much as the rest of the
    look-up."""
    key = "orders:busy-place:" + ",".join(map(str, sorted(places)))
    busy = cache.get(key)
    if busy is None:
        busy = _is_dense(WorkOrder.objects.filter(area_id__in=places))
        cache.set(key, busy, 600)
    return busy


def _place_units(area_id: int) -> set[int]:
    """The area and the units below it (a town's communities): an order recorded under either is the same place."""
    path = Unit.objects.filter(pk=area_id).values_list("path", flat=True).first()
    if path is None:
        return {area_id}
    return set(Unit.objects.filter(path__startswith=path).values_list("pk", flat=True)) | {area_id}
