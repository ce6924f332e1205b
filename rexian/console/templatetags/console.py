"""Display helpers for the console: deadline colours and remaining time, state badges, pagination links, which
pages a user may open."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from rexian.console import navigation
from rexian.orders.deadlines import GREEN, RED, YELLOW, order_deadline_status
from rexian.units.models import Unit

register = template.Library()

COLOUR_LABELS = {GREEN: gettext_noop("正常"), YELLOW: gettext_noop("临近时限"), RED: gettext_noop("已超期")}


def remaining_text(delta: dt.timedelta) -> str:
    """'剩余 2天3小时' / '超期 5小时' / '剩余 40分钟': coarse enough to read at a glance."""
    overdue = delta.total_seconds() < 0
    seconds = abs(int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        amount = _("%(d)d天%(h)d小时") % {"d": days, "h": hours}
    elif hours:
        amount = _("%(h)d小时%(m)d分") % {"h": hours, "m": minutes}
    else:
        amount = _("%(m)d分钟") % {"m": minutes}
    return (_("超期 %(t)s") if overdue else _("剩余 %(t)s")) % {"t": amount}


@register.filter
def of_order(values: dict, order):
    """`{{ invited|of_order:o }}`: a page's value for the order, from a dict keyed by order id (None without)."""
    return values.get(order.pk) if values else None


@register.filter
def may_open(user, url_name: str) -> bool:
    """`{% if request.user|may_open:"board" %}`: the page is in the user's menu (`navigation.may_open`)."""
    return navigation.may_open(user, url_name)


@register.simple_tag
def deadline_badge(order, now=None):
    """The order's deadline colour (green / yellow / red) and the time left on its live deadline."""
    now = now or timezone.now()
    colour = order_deadline_status(order, now)
    if colour is None or order.due_at is None:
        return mark_safe('<span class="deadline deadline--none">—</span>')
    return format_html(
        '<span class="deadline deadline--{}" title="{}"><span class="dot" aria-hidden="true"></span>{}<span class="visually-hidden"> ({})</span></span>',
        colour,
        timezone.localtime(order.due_at).strftime("%Y-%m-%d %H:%M"),
        remaining_text(order.due_at - now),
        _(COLOUR_LABELS[colour]),
    )


@register.simple_tag
def state_badge(order):
    return format_html('<span class="state state--{}">{}</span>', order.state, order.get_state_display())


@register.simple_tag(takes_context=True)
def page_url(context, page: int) -> str:
    """The current URL with `page` replaced, keeping every filter."""
    query = context["request"].GET.copy()
    query["page"] = page
    return "?" + query.urlencode()


INDENT = "\u3000"  # an ideographic space


@register.simple_tag
def unit_options(units, selected=None):
    """<option>s for a unit <select>, built in Python: a queue page renders thousands of them (50 rows × 2 lists).

    `units` are Unit objects; `selected` is a unit, a list of units, or nothing.
    """
    if selected is None or selected == "":
        chosen = set()
    elif hasattr(selected, "pk"):
        chosen = {selected.pk}
    else:
        chosen = {unit.pk for unit in selected}
    return mark_safe(
        "".join(
            f'<option value="{unit.pk}"{" selected" if unit.pk in chosen else ""}>'
            f"{INDENT if unit.kind == Unit.Kind.COMMUNITY else ''}"  # a community under its town
            f"{conditional_escape(unit.short_name or unit.name)}</option>"
            for unit in units
        )
    )
