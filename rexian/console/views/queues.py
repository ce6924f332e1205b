"""The operators' queues: registrations awaiting review (待审核登记) and callbacks (回访).

Inline forms post to the order's actions (`console:order-action`) with `next` pointing back here.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from rexian.catalog.models import Channel
from rexian.orders import selectors
from rexian.orders.models import Satisfaction


def _require_call_staff(user) -> None:
    if user.role not in selectors.CALL_ROLES:
        raise PermissionDenied(_("只有话务员和值班长可以查看该页面。"))


class ReviewFilterForm(forms.Form):
    channel = forms.ModelChoiceField(
        label=_("受理渠道"), queryset=Channel.objects.order_by("code"), to_field_name="code", required=False,
        empty_label=_("全部"),
    )
    page = forms.IntegerField(
        label=_("页码"), required=False, min_value=1, max_value=selectors.QUEUE_MAX_PAGE, widget=forms.HiddenInput
    )


@login_required
def review_queue(request):
    """Orders left in `registered`: requests from the portal and Open311, and intakes not finished."""
    _require_call_staff(request.user)
    form = ReviewFilterForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "chips": [], "rows": [], "page": 1, "has_next": False}
        return render(request, "console/review_queue.html", context, status=400)
    channel = form.cleaned_data["channel"]
    result = selectors.registered_queue(user=request.user, channel=channel, page=form.cleaned_data["page"] or 1)
    # One link per channel with something waiting (names from the filter's own choices: no extra query).
    names = {c.code: c.label for c in form.fields["channel"].queryset}
    chips = [{"label": _("全部"), "count": result.counts["all"], "query": "", "current": channel is None}]
    chips += [
        {
            "label": names.get(code, code), "count": n, "query": f"channel={code}",
            "current": channel is not None and channel.code == code,
        }
        for code, n in sorted(result.counts.items())
        if code != "all"
    ]
    context = {"form": form, "chips": chips, "rows": result.rows, "page": result.page, "has_next": result.has_next}
    return render(request, "console/review_queue.html", context)


class CallbackFilterForm(forms.Form):
    deadline = forms.ChoiceField(
        label=_("回访时限"), choices=[("", _("全部")), ("overdue", _("已超期"))], required=False
    )
    page = forms.IntegerField(
        label=_("页码"), required=False, min_value=1, max_value=selectors.QUEUE_MAX_PAGE, widget=forms.HiddenInput
    )


@login_required
def callback_queue(request):
    """Orders awaiting a callback, nearest callback deadline first, with an inline callback form per row."""
    _require_call_staff(request.user)
    form = CallbackFilterForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "chips": [], "rows": [], "page": 1, "has_next": False}
        return render(request, "console/callback_queue.html", context, status=400)
    overdue = form.cleaned_data["deadline"] == "overdue"
    result = selectors.callback_queue(user=request.user, overdue=overdue, page=form.cleaned_data["page"] or 1)
    chips = [
        {"label": _("全部"), "count": result.counts["all"], "query": "", "current": not overdue, "tone": ""},
        {
            "label": _("回访超期"), "count": result.counts["overdue"], "query": "deadline=overdue", "current": overdue,
            "tone": "overdue",
        },
    ]
    context = {
        "form": form,
        "chips": chips,
        "rows": result.rows,
        "page": result.page,
        "has_next": result.has_next,
        "satisfactions": Satisfaction.choices,
    }
    return render(request, "console/callback_queue.html", context)
