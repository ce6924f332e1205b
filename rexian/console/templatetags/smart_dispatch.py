"""The 智能推荐 line of the dispatch forms: `{% smart_dispatch_suggestions order as suggestions %}` on the order
page; on the dispatch queue `{% smart_dispatch_for_rows rows as smart %}` once for the page, then
`{{ smart|suggestions_of:order }}` in each row (one batch and four queries for the whole page).

A tag rather than view code so the order page and the dispatch queue share it; it only asks
`rexian.orders.smart_dispatch`, and gives an empty list when there is no model (nothing is shown).
"""

from __future__ import annotations

import logging

from django import template

register = template.Library()
logger = logging.getLogger(__name__)


@register.simple_tag
def smart_dispatch_suggestions(order, k: int = 3):
    from rexian.orders.smart_dispatch import dispatch_suggestions_for

    try:
        return dispatch_suggestions_for(order, k=k)
    except Exception:  # a suggestion must never break the dispatcher's page
        logger.exception("smart dispatch suggestions failed for order %s", getattr(order, "pk", None))
        return []


@register.simple_tag
def smart_dispatch_for_rows(rows, k: int = 3):
    """Suggestions for a page of queue rows (`row.order`), keyed by order id; {} without a model."""
    from rexian.orders.smart_dispatch import dispatch_suggestions_for_orders

    try:
        return dispatch_suggestions_for_orders([row.order for row in rows], k=k)
    except Exception:  # a suggestion must never break the dispatcher's page
        logger.exception("smart dispatch suggestions failed for a queue page")
        return {}


@register.filter
def suggestions_of(suggestions: dict, order) -> list:
    return suggestions.get(order.pk, []) if suggestions else []
