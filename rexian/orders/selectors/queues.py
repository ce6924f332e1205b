"""The staff's lists and the order page: the queues and inboxes of the console, the caller's earlier orders,
one order's detail and records, and the counts of a role's home page.

Every list goes through `access.orders_visible_to` and is paginated in the database; the caller's data is
masked as the viewer's role demands.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rexian.catalog.models import Category
from rexian.catalog.selectors import dispatch_suggestions
from rexian.core.dates import local_midnight
from rexian.core.paging import MAX_PAGE, page_rows
from rexian.orders import access
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
    "appeal_type__name_en",
    "urgency__name",
    "urgency__name_en",
    "lead_unit__name",
)


@dataclass(frozen=True)
class OrderRow:
    order: WorkOrder
    caller: access.CallerView


# Waiting queues (待派单, 待审核登记): the most urgent first (特急, 紧急), then the oldest. A 特急 order's clocks are
# hours, not days; at the bottom of a long queue it would wait on page 2. The queues hold today's few hundred
# orders, read through the (state, registered_at) index and sorted.
URGENT_FIRST = (F("urgency__rank").desc(), "registered_at", "pk")


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
    """Orders waiting for a dispatcher (待派单), the most urgent first, then the oldest."""
    if user.role not in (Role.DISPATCHER, Role.SUPERVISOR):
        raise PermissionDenied(_("只有派遣员和值班长可以查看待派单队列。"))
    queryset = (
        access.orders_visible_to(user)
        .filter(state=State.PENDING_DISPATCH)
        .select_related("appeal_type", "urgency", "category")
        .order_by(*URGENT_FIRST)
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
    events = list(order.events.select_related("actor__unit", "unit").order_by("seq"))
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


def registered_today(orders: QuerySet, now: dt.datetime) -> QuerySet:
    """The orders of `orders` registered today (今日受理): from the centre's local midnight up to `now`, voided
    ones (作废) left out and merged ones (并单) kept, as the dashboards count 受理量 (docs/metrics.md), so the
    home page, the board and the dashboards give one number for the day. Rides the index on registered_at."""
    local_tz = timezone.get_default_timezone()
    start_of_day = local_midnight(timezone.localtime(now, local_tz).date())
    return orders.filter(registered_at__gte=start_of_day, registered_at__lte=now).exclude(state=State.VOIDED)


def workload_counts(*, user, now=None) -> dict[str, int]:
    """The counts a role's home page shows (工作量): what is waiting for this user or their unit.

    Every count is one indexed COUNT over the orders the user may see, so the
    home page costs the same at any number of orders stored.
    """
    now = now or timezone.now()
    visible = access.orders_visible_to(user)
    counts: dict[str, int] = {}
    role = user.role
    if role in (Role.OPERATOR, Role.SUPERVISOR):
        counts["to_review"] = visible.filter(state=State.REGISTERED).count()
        counts["awaiting_callback"] = visible.filter(state=State.AWAITING_CALLBACK).count()
        counts["callback_overdue"] = visible.filter(state=State.AWAITING_CALLBACK, is_overdue=True).count()
        counts["registered_today_by_me"] = registered_today(WorkOrder.objects.filter(registered_by=user), now).count()
    if role in (Role.DISPATCHER, Role.SUPERVISOR):
        counts["pending_dispatch"] = visible.filter(state=State.PENDING_DISPATCH).count()
        counts["return_requested"] = visible.filter(state=State.RETURN_REQUESTED).count()
        counts["pending_extension"] = visible.filter(state=State.IN_PROGRESS, pending_extension=True).count()
        counts["replied"] = visible.filter(state=State.REPLIED).count()
        counts["reopened"] = visible.filter(state=State.REOPENED).count()
    if role in (Role.SUPERVISOR, Role.LEADER):
        counts["registered_today"] = registered_today(visible, now).count()
        counts["overdue_open"] = visible.filter(state__in=OPEN_STATES, is_overdue=True).count()
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


def order_last_step(order: WorkOrder) -> tuple[int | None, str] | None:
    """(actor id, action) of the order's latest step, or None: who moved it on last, and how."""
    return order.events.order_by("-at", "-pk").values_list("actor_id", "action").first()


def order_related(*, user, order: WorkOrder, limit: int = 10) -> OrderRecords:
    """The linked orders and handling records of an order the user may see (checked by `order_detail` first)."""
    if not access.can_view(user, order):
        raise PermissionDenied(_("您无权查看该工单。"))
    same_caller = []
    if order.caller_phone_hash and not access.identity_withheld(user, order):  # the caller's others would name them
        same_caller = [
            row for row in caller_history(user=user, phone=order.caller_phone, limit=limit + 1) if row.order.pk != order.pk
        ][:limit]
    visible = access.orders_visible_to(user)
    merged = list(visible.filter(master=order).order_by("registered_at")[:50])
    master = visible.filter(pk=order.master_id).first() if order.master_id else None
    attachments = order.attachments.order_by("uploaded_at")
    if access.identity_withheld(user, order):
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
QUEUE_MAX_PAGE = MAX_PAGE
DISPATCH_ROLES = (Role.DISPATCHER, Role.SUPERVISOR)
CALL_ROLES = (Role.OPERATOR, Role.SUPERVISOR)
UNIT_STAFF = (Role.UNIT_HANDLER, Role.UNIT_ADMIN)
REQUEST_KINDS = ("return", "extension", "reply", "reopened")  # the tabs of the dispatchers' review page (审核)
# The inbox's tabs by the part's status; together they are every open part (全部): a part the unit has replied to
# stays open until the centre accepts the reply (已回复待审核), or sends it back to be handled again.
INBOX_STATUSES = {
    "dispatched": Assignment.Status.DISPATCHED,
    "signed": Assignment.Status.SIGNED,
    "replied": Assignment.Status.REPLIED,
}


@dataclass(frozen=True)
class QueuePage:
    rows: list
    page: int
    has_next: bool
    counts: dict[str, int] = field(default_factory=dict)


def _queue_page(queryset: QuerySet, page: int, page_size: int | None) -> tuple[list, int, bool]:
    """One page of `queryset` (QUEUE_PAGE_SIZE rows unless told) and whether another follows."""
    return page_rows(queryset, page, page_size or QUEUE_PAGE_SIZE)


def _require_role(user, roles, message: str) -> None:
    if user.role not in roles:
        raise PermissionDenied(message)


@dataclass(frozen=True)
class DispatchRow:
    order: WorkOrder
    caller: access.CallerView
    suggestion: object  # rexian.catalog.selectors.DispatchSuggestion or None: the catalogue's units (派单目录)
    returned_by: frozenset = frozenset()  # ids of the units whose return (退单) of the order was approved
    last_return: object = None  # the latest approved ReturnRequest, with its unit: its reason often names the unit

    @property
    def preselect(self):
        """The catalogue's units to preselect, unless its lead unit has just given the order back (退单)."""
        if self.suggestion is None or self.suggestion.lead_unit.pk in self.returned_by:
            return None
        return self.suggestion


def returned_units(order_ids) -> dict[int, frozenset[int]]:
    """For each order, the units whose return (退单) of it was approved: not to be offered it again first."""
    return {order_id: frozenset(r.unit_id for r in found) for order_id, found in approved_returns(order_ids).items()}


def approved_returns(order_ids) -> dict[int, list[ReturnRequest]]:
    """For each order, its approved returns (退单) with their units, oldest first: one query."""
    found: dict[int, list[ReturnRequest]] = {}
    approved = ReturnRequest.objects.filter(order_id__in=list(order_ids), status=ReturnRequest.Status.APPROVED)
    for request in approved.select_related("unit").order_by("requested_at", "pk"):
        found.setdefault(request.order_id, []).append(request)
    return found


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
    """Orders waiting for a dispatcher (待派单), the most urgent first, then the oldest, with the catalogue's
    suggestion for each row.

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
    ).order_by(*URGENT_FIRST)
    orders, page, has_next = _queue_page(queryset, page, page_size)
    suggestions = dispatch_suggestions(pairs=[(order.category, order.area) for order in orders])
    returns = approved_returns(order.pk for order in orders)
    rows = [
        DispatchRow(
            order,
            access.masked_caller(user, order),
            suggestions[(order.category_id, order.area_id)],
            frozenset(r.unit_id for r in returns.get(order.pk, ())),
            returns[order.pk][-1] if order.pk in returns else None,
        )
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

    status: "dispatched" (待签收), "signed" (办理中) or "replied" (已回复待审核: awaiting the centre's review);
    deadline: "near" (yellow) or "overdue" (red). Counts: all, each status (they add up to all), near, overdue
    (one aggregate query).
    """
    now = now or timezone.now()
    parts = _inbox_parts(user)
    counts = parts.aggregate(
        all=Count("pk"),
        **{key: Count("pk", filter=Q(status=status)) for key, status in INBOX_STATUSES.items()},
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

    The most urgent first, then the oldest; `counts` holds the number waiting per channel code and "all".
    """
    _require_role(user, CALL_ROLES, _("只有话务员和值班长可以审核登记。"))
    waiting = access.orders_visible_to(user).filter(state=State.REGISTERED)
    counts = dict(waiting.order_by().values_list("channel__code").annotate(n=Count("pk")))
    counts["all"] = sum(counts.values())
    queryset = waiting.filter(channel=channel) if channel is not None else waiting
    queryset = queryset.select_related("appeal_type", "urgency", "channel", "category").order_by(*URGENT_FIRST)
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

