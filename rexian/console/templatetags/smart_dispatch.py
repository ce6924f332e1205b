"""`{% smart_dispatch_suggestions order as suggestions %}`: the 智能推荐 line of the dispatch forms.

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
