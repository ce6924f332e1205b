"""Each role's home page: the counts of its waiting work and the first items of its main queue."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rexian.orders import selectors
from rexian.quality.selectors import quality_pending_count
from rexian.units.models import Role


@dataclass(frozen=True)
class Card:
    key: str
    label: str
    url_name: str
    query: str = ""
    tone: str = ""  # "", "warn" or "alert"


CARDS: dict[str, Card] = {
    card.key: card
    for card in (
        Card("to_review", _("待审核登记"), "review"),
        Card("awaiting_callback", _("待回访"), "callbacks"),
        Card("callback_overdue", _("回访超期"), "callbacks", "deadline=overdue", "alert"),
        Card("registered_today_by_me", _("我今日登记"), "search", "mine=1&period=today&exclude_voided=1"),
        Card("pending_dispatch", _("待派单"), "dispatch"),
        Card("return_requested", _("退单待审"), "requests", "kind=return", "warn"),
        Card("pending_extension", _("延期待审"), "requests", "kind=extension", "warn"),
        Card("replied", _("回复待审"), "requests", "kind=reply"),
        Card("reopened", _("待重办"), "requests", "kind=reopened", "warn"),
        Card("registered_today", _("今日受理"), "board"),
        Card("to_sign", _("待签收"), "inbox", "status=dispatched"),
        Card("in_work", _("在办件"), "inbox"),
        Card("near_deadline", _("临近时限"), "search", "deadline=near", "warn"),
        # Open orders past a deadline now, not the dashboards' 本期超期件数 (replies late in a period).
        Card("overdue_open", _("当前超期在办"), "search", "deadline=overdue", "alert"),
        Card("overdue", _("已超期"), "inbox", "deadline=overdue", "alert"),  # a unit's parts, as the inbox's chip
        Card("quality_pending", _("待质检"), "quality"),
    )
}
UNIT_DEADLINE_CARDS = {"near_deadline": "deadline=near", "overdue": "deadline=overdue"}


def _cards(user, counts: dict[str, int]) -> list[dict]:
    cards = []
    for key, count in counts.items():
        card = CARDS[key]
        url_name, query = card.url_name, card.query
        if user.role in (Role.UNIT_HANDLER, Role.UNIT_ADMIN) and key in UNIT_DEADLINE_CARDS:
            url_name, query = "inbox", UNIT_DEADLINE_CARDS[key]
        url = reverse(f"console:{url_name}") + (f"?{query}" if query else "")
        cards.append({"label": card.label, "count": count, "url": url, "tone": card.tone})
    return cards


@login_required
def home(request):
    """The signed-in user's home: waiting work by count, and the head of their main queue."""
    user = request.user
    counts = selectors.workload_counts(user=user)
    if user.role == Role.INSPECTOR:
        counts["quality_pending"] = quality_pending_count(user=user)
    rows, queue_title, queue_url = [], "", ""
    if user.role in (Role.UNIT_HANDLER, Role.UNIT_ADMIN) and user.unit_id:
        rows = selectors.unit_inbox_filtered(user=user, page_size=10).rows
        queue_title, queue_url = _("本单位在办件"), "inbox"
    elif user.role in (Role.DISPATCHER, Role.SUPERVISOR):
        rows, queue_title, queue_url = selectors.dispatch_queue(user=user, page_size=10), _("待派单"), "dispatch"
    elif user.role == Role.OPERATOR:
        rows = selectors.order_list(user=user, state="awaiting_callback", page_size=10)
        queue_title, queue_url = _("待回访"), "callbacks"
    return render(
        request,
        "console/home.html",
        {
            "cards": _cards(user, counts),
            "rows": rows,
            "queue_title": queue_title,
            "queue_url": reverse(f"console:{queue_url}") if queue_url else "",
        },
    )
