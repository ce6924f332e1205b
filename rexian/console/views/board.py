"""The supervisor's live board (值班看板): today's intake, open orders by state, overdue and near orders by unit.

Every figure links to the list behind it: the search page with the matching filters, or, for a
supervisor, the queue where the orders are acted on. The figures refresh every 60 s (htmx).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from rexian.orders import selectors
from rexian.units.models import Role

# Where a supervisor acts on the orders of a state: (url name, query).
QUEUES = {
    "registered": ("review", {}),
    "pending_dispatch": ("dispatch", {}),
    "return_requested": ("requests", {"kind": "return"}),
    "replied": ("requests", {"kind": "reply"}),
    "reopened": ("requests", {"kind": "reopened"}),
    "awaiting_callback": ("callbacks", {}),
}


def _url(name: str, **query) -> str:
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return reverse(f"console:{name}") + (f"?{urlencode(query)}" if query else "")


def _context(user) -> dict:
    """The figures with the link behind each number."""
    figures = selectors.board_figures(user=user)
    states = [
        {
            "figures": s,
            "url": _url("search", state=s.state),
            "overdue_url": _url("search", state=s.state, deadline="overdue"),
            "near_url": _url("search", state=s.state, deadline="near"),
            "queue_url": _url(QUEUES[s.state][0], **QUEUES[s.state][1])
            if user.role == Role.SUPERVISOR and s.state in QUEUES
            else "",
        }
        for s in figures.open_by_state
    ]
    units = [
        {
            "figures": u,
            "overdue_url": _url("search", unit=u.code, deadline="overdue"),
            "near_url": _url("search", unit=u.code, deadline="near"),
        }
        for u in figures.units
    ]
    peak = max((count for _hour, count in figures.intake_by_hour), default=0)
    hours = [
        {"hour": hour, "count": count, "percent": round(count * 100 / peak) if peak else 0}
        for hour, count in figures.intake_by_hour
    ]
    return {
        "figures": figures,
        "states": states,
        "units": units,
        "hours": hours,
        "links": {
            "today": _url("search", period="today", exclude_voided=1),  # the orders 今日受理 counts
            "overdue": _url("search", deadline="overdue"),
            "near": _url("search", deadline="near"),
        },
    }


@login_required
@require_GET
def board(request):
    """The board page (supervisors and leaders; others get 403)."""
    return render(request, "console/board.html", _context(request.user))


@never_cache
@require_GET
def figures(request):
    """The board's figures alone, polled every 60 s; a session that ended gets 204 and the figures stay."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    return render(request, "console/partials/board_figures.html", _context(request.user))
