"""The unit's inbox (承办): its open parts in orders, nearest deadline first, signed for from the list."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from rexian.console.forms import ConsoleForm, page_field
from rexian.orders import selectors
from rexian.units.models import Role

STATUS_CHOICES = [("", _("全部")), ("dispatched", _("待签收")), ("signed", _("办理中")), ("replied", _("已回复待审核"))]
DEADLINE_CHOICES = [("", _("全部")), ("near", _("临近时限")), ("overdue", _("已超期"))]


class InboxFilterForm(ConsoleForm):
    status = forms.ChoiceField(label=_("办理状态"), choices=STATUS_CHOICES, required=False)
    deadline = forms.ChoiceField(label=_("时限"), choices=DEADLINE_CHOICES, required=False)
    keyword = forms.CharField(
        label=_("标题关键词"), required=False, max_length=60, widget=forms.TextInput(attrs={"type": "search"})
    )
    page = page_field()


# The counts on top, each a link to its filter; the status chips add up to 全部 (the home page's 在办件).
CHIPS = (
    ("all", _("全部"), ""),
    ("dispatched", _("待签收"), "status=dispatched"),
    ("signed", _("办理中"), "status=signed"),
    ("replied", _("已回复待审核"), "status=replied"),
    ("near", _("临近时限"), "deadline=near"),
    ("overdue", _("已超期"), "deadline=overdue"),
)


@login_required
def inbox(request):
    """The orders the viewer's unit (a unit admin's: the unit and the units below it) still has work on."""
    if request.user.role not in selectors.UNIT_STAFF or request.user.unit_id is None:
        raise PermissionDenied(_("只有承办单位人员有单位待办件。"))
    form = InboxFilterForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "chips": [], "rows": [], "page": 1, "has_next": False}
        return render(request, "console/inbox.html", context, status=400)
    data = form.cleaned_data
    result = selectors.unit_inbox_filtered(
        user=request.user,
        status=data["status"] or None,
        deadline=data["deadline"] or None,
        keyword=data["keyword"].strip(),
        page=data["page"] or 1,
    )
    active = [f"{key}={data[key]}" for key in ("status", "deadline") if data[key]]
    current = active[0] if len(active) == 1 else ("" if not active else None)  # both at once: no chip is current
    chips = [
        {"label": label, "count": result.counts[key], "query": query, "current": query == current, "tone": key}
        for key, label, query in CHIPS
    ]
    context = {
        "form": form,
        "chips": chips,
        "rows": result.rows,
        "page": result.page,
        "has_next": result.has_next,
        "show_unit": request.user.role == Role.UNIT_ADMIN,
        "filtered": any(data[key] for key in ("status", "deadline", "keyword")),
    }
    return render(request, "console/inbox.html", context)
