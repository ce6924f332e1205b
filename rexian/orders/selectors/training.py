"""Smart dispatch training data: the order history the smart-dispatch ranker (智能派单) and the text classifiers
learn from. Streamed or capped; for the training command and the benches, not for pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from rexian.orders.models import Assignment, WorkOrder
from rexian.orders.transitions import State


class _Stream:
    """Rows `(order_id, …)` in order-id order, read alongside the orders: `take(pk)` gives one order's rows."""

    def __init__(self, rows):
        self._rows = iter(rows.iterator(chunk_size=5000))
        self._current = next(self._rows, None)

    def take(self, pk: int) -> list[tuple]:
        found = []
        while self._current is not None and self._current[0] <= pk:
            if self._current[0] == pk:
                found.append(self._current[1:])
            self._current = next(self._rows, None)
        return found


def dispatch_training_examples(*, since: dt.datetime | None = None) -> Iterator[dict]:
    """The dispatch history the smart-dispatch ranker (智能派单) learns from, one dict per order, streamed.

    One row per order that reached a unit and still has its lead unit: `order_id`, `title`, `description`,
    `category_code`, `area_code` (blank when unknown), `unit_code` — the *final* lead unit, after any return
    (退单) and re-dispatch (改派) —, `return_count`, `registered_at`, `returned_unit_codes`: the lead units
    that returned the order, oldest first, and `reply`: that final unit's last reply as lead (办理结果, then
    处理措施), blank when it has not replied. Orders registered before `since` are left out. Three `values()`
    queries in order-id order, merged as they stream; for the training command only, not for pages.
    """
    orders = WorkOrder.objects.filter(lead_unit__isnull=False)
    leads = Assignment.objects.filter(role=Assignment.Role.LEAD)
    if since is not None:
        orders = orders.filter(registered_at__gte=since)
        leads = leads.filter(order__registered_at__gte=since)
    rows = orders.order_by("pk").values_list(
        "pk", "title", "description", "category__code", "area__code", "lead_unit__code", "return_count", "registered_at"
    )
    returned = _Stream(
        leads.filter(status=Assignment.Status.WITHDRAWN)
        .order_by("order_id", "dispatched_at", "pk")
        .values_list("order_id", "unit__code")
    )
    replies = _Stream(
        leads.filter(replied_at__isnull=False)
        .exclude(status=Assignment.Status.WITHDRAWN)
        .order_by("order_id", "replied_at", "pk")
        .values_list("order_id", "unit__code", "result", "measures")
    )
    for pk, title, description, category, area, unit, return_count, registered_at in rows.iterator(chunk_size=2000):
        reply = [f"{result}\n{measures}".strip() for code, result, measures in replies.take(pk) if code == unit]
        yield {
            "order_id": pk,
            "title": title,
            "description": description,
            "category_code": category or "",
            "area_code": area or "",
            "unit_code": unit,
            "return_count": return_count,
            "registered_at": registered_at,
            "returned_unit_codes": tuple(code for (code,) in returned.take(pk)),
            "reply": reply[-1] if reply else "",
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

