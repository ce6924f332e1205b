"""工单查询: every filter of the console's search page and its Excel export. Each filter rides an index (number: the
unique number; phone: caller history; words: the full-text index of rexian/orders/search.py, walked newest first;
dates and state: (state, registered_at) and registered_at; overdue and near: the open states), and a page reads
page_size + 1 rows and never counts them all, so a page costs the same at a million orders: the number of results
is counted up to SEARCH_COUNT_LIMIT along the page's own plan, and beyond that the page says "more than".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from rexian.catalog.selectors import category_subtree_ids
from rexian.core.dates import local_midnight
from rexian.orders import access
from rexian.orders.models import Assignment, WorkOrder
from rexian.orders.selectors.queues import OrderRow, _queue_near, _rows
from rexian.orders.transitions import OPEN_STATES, State
from rexian.privacy import crypto
from rexian.units.models import Role

SEARCH_PAGE_SIZE = 50
SEARCH_MAX_PAGE = 200  # deeper than 10,000 rows, the filters need narrowing (and OFFSET grows with the page)
SEARCH_DEADLINES = ("near", "overdue")
# Results are counted exactly up to this many (two pages): one COUNT over the first SEARCH_COUNT_LIMIT + 1 ids the
# page's own query would walk, so it reads at most twice what the page reads, whatever the number of orders stored.
SEARCH_COUNT_LIMIT = 100
_NUMBER_LOW, _NUMBER_HIGH = "00000000-", "99999999-"


@dataclass(frozen=True)
class SearchPage:
    rows: list[OrderRow]
    page: int
    has_next: bool
    total: int | None = None  # the orders found (共 N 条); with total_exceeds, a number there are more than
    total_exceeds: bool = False  # more than `total` orders found (超过 N 条): the count stopped there


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
    assisting, a part withdrawn by an approved return excepted; with lead_only, the orders it leads now, as
    the unit slice of the dashboards counts them) as instances or primary keys;
    overdue: True for open orders past a deadline, False for orders not overdue; deadline:
    "overdue" or "near" (yellow: less than the warning share of the time left); mine: registered
    by the user; exclude_voided: leave voided orders (作废) out, as 受理量 and 今日受理 do, so that their
    links find the orders they count.
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
    lead_only: bool = False
    overdue: bool | None = None
    deadline: str = ""
    mine: bool = False
    exclude_voided: bool = False


def _search_queryset(user, filters: SearchFilters, now: dt.datetime | None = None) -> QuerySet:
    """The orders `user` may see that pass every given filter, in the order the page shows them (newest first)."""
    return _search_plan(user, filters, now)[0]


def _search_plan(user, filters: SearchFilters, now: dt.datetime | None = None) -> tuple[QuerySet, bool]:
    """`_search_queryset`, and whether its matches are cheap to count ahead of the page: not when common words
    are tested order by order along another filter's rows (`filter_by_terms`, some 30 µs an order, where a
    kind of request in a week has one match in 20 to 40 orders)."""
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
    if f.exclude_voided:
        queryset = queryset.exclude(state=State.VOIDED)
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
    if unit is not None and f.lead_only:
        unit_id = getattr(unit, "pk", unit)
        matches = WorkOrder.objects.filter(lead_unit_id=unit_id)
        queryset, drives = _steer(queryset, matches, "lead_unit_id", [unit_id])
        drivers |= drives
    elif unit is not None:
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
        return ordered, True
    if drivers and terms_are_common(terms):
        # Held by many orders: let the driving filter's index read its orders and test each (see COMMON_TERMS).
        return filter_by_terms(ordered, terms), False
    return restrict_to_terms(queryset, terms), True


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

    Pages beyond SEARCH_MAX_PAGE are not served (the last one is). Callers are masked. `total` is the number
    of orders found, exact up to SEARCH_COUNT_LIMIT (`total_exceeds`: more than `total`): read off the page
    itself on the last page and on a page that reaches the limit, else one bounded COUNT (`_bounded_count`),
    unless the words are tested order by order: then the page tells only what it has seen ("more than 50").
    """
    queryset, countable = _search_plan(user, filters, now)
    page = min(max(page, 1), SEARCH_MAX_PAGE)
    page_size = min(max(page_size, 1), 200)
    start = (page - 1) * page_size
    orders = list(queryset[start : start + page_size + 1])
    has_next = len(orders) > page_size and page < SEARCH_MAX_PAGE
    if 0 < len(orders) <= page_size or start == 0 and not orders:
        total, exceeds = start + len(orders), False  # the last page: every order found has been seen
    elif len(orders) > page_size and (start + page_size >= SEARCH_COUNT_LIMIT or not countable):
        total, exceeds = start + page_size, True  # more follow this page, past the limit or not worth counting
    elif countable:  # a page before the last within the limit, or a page past the end
        found = _bounded_count(queryset)
        total, exceeds = min(found, SEARCH_COUNT_LIMIT), found > SEARCH_COUNT_LIMIT
    else:  # past the end of a search not worth counting: the number is not known
        total, exceeds = None, False
    return SearchPage(
        rows=_rows(user, orders[:page_size]), page=page, has_next=has_next, total=total, total_exceeds=exceeds
    )


def _bounded_count(queryset: QuerySet) -> int:
    """How many orders `queryset` holds, counted up to SEARCH_COUNT_LIMIT + 1: COUNT over the first ids of the
    page's own ordered query (SELECT COUNT(*) FROM (SELECT id … ORDER BY … LIMIT n)), so the database walks the
    same index as the page and stops after SEARCH_COUNT_LIMIT + 1 matches, without building any row."""
    return queryset.values("pk")[: SEARCH_COUNT_LIMIT + 1].count()


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

