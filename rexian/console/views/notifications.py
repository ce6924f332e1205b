"""Notifications (通知): the bell the header polls, the list, and marking them read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from rexian.console.responses import bad_request, redirect_back
from rexian.notifications import selectors, services


def _int(value: str | None, default: int | None = None) -> int | None:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return None


def _shown(count: int) -> str:
    """The unread count as displayed: "99+" once the count reaches the selector's cap."""
    return f"{selectors.UNREAD_CAP - 1}+" if count >= selectors.UNREAD_CAP else str(count)


@never_cache
@require_GET
def bell(request):
    """The bell's inside, polled every 30 s: the icon and, when there are any, the unread count.

    A session that ended gets 204 (htmx keeps the bell as it was) rather than the login page swapped into the header.
    """
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    count = selectors.unread_count(user=request.user)
    return render(request, "console/partials/bell.html", {"count": count, "shown": _shown(count)})


@login_required
@require_GET
def notification_list(request):
    """The user's notifications, newest first, unread highlighted; `?read=<id>` marks one read and opens its order
    (or, for a report, the report)."""
    if "read" in request.GET:
        notification_id = _int(request.GET["read"])
        if notification_id is None:
            return bad_request(request, _("通知编号不正确。"))
        opened = services.notification_open(user=request.user, notification_id=notification_id)
        if opened and opened.link.startswith("/console/"):  # a report, a 督办 or 批示: its own page
            return HttpResponseRedirect(opened.link)
        if opened and opened.order_number:
            return HttpResponseRedirect(reverse("console:order", args=[opened.order_number]))
        messages.info(request, _("无法打开该通知对应的工单：它已不在您的权限范围内。"))
        return HttpResponseRedirect(reverse("console:notifications"))
    page = _int(request.GET.get("page"), 1) or 1
    unread_only = request.GET.get("unread") == "1"
    found = selectors.notification_list(user=request.user, page=page, unread_only=unread_only)
    unread = selectors.unread_count(user=request.user)
    context = {
        "notifications": found.items,
        "page": found.page,
        "has_next": found.has_next,
        "unread_only": unread_only,
        "unread": unread,
        "unread_shown": _shown(unread),
    }
    return render(request, "console/notifications.html", context)


@login_required
@require_POST
def mark_read(request):
    """Mark one notification (`id`) or all of the user's notifications read, then go back (`next`, a console page)."""
    ids = None
    if request.POST.get("id"):
        notification_id = _int(request.POST["id"])
        if notification_id is None:
            return bad_request(request, _("通知编号不正确。"))
        ids = [notification_id]
    services.notification_mark_read(user=request.user, ids=ids)
    return redirect_back(request, reverse("console:notifications"))
