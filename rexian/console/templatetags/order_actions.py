"""What a lifecycle action's button should warn of before it is pressed: `{% action_warning order "callback-failed"
as warning %}` ("" for nothing), on the order page and on the queues that carry the action's button in each row.

A tag rather than view code so the order page and the queues share `rexian.console.actions`' one answer.
"""

from __future__ import annotations

from django import template

from rexian.console.actions import BY_SLUG

register = template.Library()


@register.simple_tag
def action_warning(order, slug: str) -> str:
    return BY_SLUG[slug].warning_for(order)
