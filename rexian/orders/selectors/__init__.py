"""Reads of work orders. Every list goes through `access.orders_visible_to` and is
paginated in the database; the caller's data is masked as the viewer's role demands.

- `queues`: the staff's lists and the order page: the console's queues (待派单, 审核, 承办件, 待审核登记, 待回访),
  the caller's earlier orders (来电人历史), an order's detail and records, a role's home-page counts.
- `board`: the supervisor's live board (值班看板).
- `search`: 工单查询, the console's order search and its Excel export.
- `duplicates`: the earlier orders a request may repeat (疑似重复).
- `training`: the order history smart dispatch and the text classifiers learn from.
- `enterprise`: 一企来: the enterprise desk's queue, an enterprise's orders, the enterprises the orders name.

The names below are re-exported so that `selectors.order_detail` keeps working. A test that changes a constant
(`QUEUE_PAGE_SIZE`, `SEARCH_DENSE` …) must patch the submodule that reads it, not this package.
"""

from rexian.orders.selectors.board import (
    BOARD_ROLES,
    BOARD_TOP_UNITS,
    UNIT_CLOCK_STATES,
    BoardFigures,
    StateFigures,
    UnitFigures,
    board_figures,
)
from rexian.orders.selectors.duplicates import (
    DUPLICATE_CALLER_CAP,
    DUPLICATE_PLACE_CAP,
    DUPLICATE_TEXT_CAP,
    DUPLICATE_TEXT_SCAN,
    DuplicateHit,
    duplicate_candidates,
    order_duplicates,
)
from rexian.orders.selectors.enterprise import (
    ENTERPRISE_QUEUE_TABS,
    EnterpriseOrderCounts,
    EnterpriseSeen,
    enterprise_of_order,
    enterprise_order_counts,
    enterprise_orders,
    enterprise_queue,
    enterprises_on_orders,
)
from rexian.orders.selectors.queues import (
    CALL_ROLES,
    DISPATCH_ROLES,
    INBOX_STATUSES,
    LIST_FIELDS,
    QUEUE_MAX_PAGE,
    QUEUE_PAGE_SIZE,
    REQUEST_KINDS,
    UNIT_STAFF,
    CallbackRow,
    CallerOverview,
    DispatchRow,
    InboxRow,
    OrderDetail,
    OrderRecords,
    OrderRow,
    QueuePage,
    RequestRow,
    RequestsPage,
    caller_history,
    caller_overview,
    callback_queue,
    dispatch_queue,
    dispatch_queue_filtered,
    order_detail,
    order_last_step,
    order_list,
    order_related,
    registered_queue,
    approved_returns,
    returned_units,
    review_requests,
    unit_inbox,
    unit_inbox_filtered,
    workload_counts,
)
from rexian.orders.selectors.search import (
    EXPORT_FIELDS,
    SEARCH_DEADLINES,
    SEARCH_DENSE,
    SEARCH_MAX_PAGE,
    SEARCH_PAGE_SIZE,
    ExportRow,
    SearchFilters,
    SearchPage,
    order_search,
    order_search_export,
)
from rexian.orders.selectors.training import classification_training_examples, dispatch_training_examples

__all__ = [
    # enterprise
    "ENTERPRISE_QUEUE_TABS",
    "EnterpriseOrderCounts",
    "EnterpriseSeen",
    "enterprise_of_order",
    "enterprise_order_counts",
    "enterprise_orders",
    "enterprise_queue",
    "enterprises_on_orders",
    # queues
    "CALL_ROLES",
    "DISPATCH_ROLES",
    "INBOX_STATUSES",
    "LIST_FIELDS",
    "QUEUE_MAX_PAGE",
    "QUEUE_PAGE_SIZE",
    "REQUEST_KINDS",
    "UNIT_STAFF",
    "CallbackRow",
    "CallerOverview",
    "DispatchRow",
    "InboxRow",
    "OrderDetail",
    "OrderRecords",
    "OrderRow",
    "QueuePage",
    "RequestRow",
    "RequestsPage",
    "caller_history",
    "caller_overview",
    "callback_queue",
    "dispatch_queue",
    "dispatch_queue_filtered",
    "order_detail",
    "order_last_step",
    "order_list",
    "order_related",
    "registered_queue",
    "approved_returns",
    "returned_units",
    "review_requests",
    "unit_inbox",
    "unit_inbox_filtered",
    "workload_counts",
    # board
    "BOARD_ROLES",
    "BOARD_TOP_UNITS",
    "UNIT_CLOCK_STATES",
    "BoardFigures",
    "StateFigures",
    "UnitFigures",
    "board_figures",
    # search
    "EXPORT_FIELDS",
    "SEARCH_DEADLINES",
    "SEARCH_DENSE",
    "SEARCH_MAX_PAGE",
    "SEARCH_PAGE_SIZE",
    "ExportRow",
    "SearchFilters",
    "SearchPage",
    "order_search",
    "order_search_export",
    # duplicates
    "DUPLICATE_CALLER_CAP",
    "DUPLICATE_PLACE_CAP",
    "DUPLICATE_TEXT_CAP",
    "DUPLICATE_TEXT_SCAN",
    "DuplicateHit",
    "duplicate_candidates",
    "order_duplicates",
    # training
    "classification_training_examples",
    "dispatch_training_examples",
]
