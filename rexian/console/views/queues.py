"""The operators' queues: registrations awaiting review (待审核登记), callbacks (回访) and missed calls (漏接回拨).

Inline forms post to the order's actions (`console:order-action`) with `next` pointing back here; a missed call's
callback posts to its own action, which records the attempt through `rexian.telephony.services`.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from rexian.catalog.models import Channel
from rexian.console.forms import ConsoleForm, page_field
from rexian.console.responses import bad_request, redirect_back
from rexian.core.dates import local_midnight
from rexian.orders import selectors
from rexian.orders.models import Satisfaction
from rexian.privacy.crypto import mask_phone
from rexian.sms import selectors as sms_selectors
from rexian.telephony import conf as telephony_conf
from rexian.telephony import selectors as telephony_selectors
from rexian.telephony.models import CallbackOutcome
from rexian.telephony.services import TelephonyInputError, missed_call_callback_record


def _require_call_staff(user) -> None:
    if user.role not in selectors.CALL_ROLES:
        raise PermissionDenied(_("只有话务员和值班长可以查看该页面。"))


class ReviewFilterForm(ConsoleForm):
    channel = forms.ModelChoiceField(
        label=_("受理渠道"), queryset=Channel.objects.order_by("code"), to_field_name="code", required=False,
        empty_label=_("全部"),
    )
    page = page_field()


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


class CallbackFilterForm(ConsoleForm):
    deadline = forms.ChoiceField(
        label=_("回访时限"), choices=[("", _("全部")), ("overdue", _("已超期"))], required=False
    )
    page = page_field()


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
        # 短信回访评价: the callers asked to rate by text, who may answer before anyone calls (docs/sms.md).
        "invited": sms_selectors.rating_invitations(row.order.pk for row in result.rows),
    }
    return render(request, "console/callback_queue.html", context)


# --- 漏接回拨: callers who could not get through ------------------------------------------------------------------

MISSED_PAGE_SIZE = 50
# At most a week: the period's figures check every missed call for a later one (0.8 s for a week of 70,000 calls
# a day, docs/telephony.md), and a caller missed longer ago is no longer waiting for a call-back.
MISSED_PERIODS = (("1", _("今天")), ("3", _("近3天")), ("7", _("近7天")))


class MissedCallFilterForm(ConsoleForm):
    days = forms.ChoiceField(label=_("时段"), choices=MISSED_PERIODS, required=False)
    show = forms.ChoiceField(label=_("显示"), choices=[("", _("待回拨")), ("all", _("全部"))], required=False)
    page = page_field()


class MissedCallbackForm(ConsoleForm):
    outcome = forms.ChoiceField(label=_("回拨结果"), choices=CallbackOutcome.choices)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


def _missed_period(days: int) -> tuple[dt.datetime, dt.datetime]:
    """From local midnight `days - 1` days ago to now: 今天 is since midnight."""
    now = timezone.now()
    return local_midnight(timezone.localdate(now) - dt.timedelta(days=days - 1)), now


@login_required
@require_GET
def missed_calls(request):
    """漏接回拨: the callers of the period who could not get through, oldest first, each with a callback form.

    The period's figures head the page: callers missed, called back, called back within the target minutes, reached.
    """
    _require_call_staff(request.user)
    form = MissedCallFilterForm(request.GET)
    context = {"form": form, "rows": [], "page": 1, "has_next": False, "outcomes": CallbackOutcome.choices,
               "target_minutes": telephony_conf.missed_call_callback_minutes()}
    if not form.is_valid():
        return render(request, "console/missed_calls.html", context, status=400)
    days = int(form.cleaned_data["days"] or "3")
    start, end = _missed_period(days)
    show_all = form.cleaned_data["show"] == "all"
    page = form.cleaned_data["page"] or 1
    calls, has_next = telephony_selectors.missed_call_page(
        start=start, end=end, open_only=not show_all, page=page, page_size=MISSED_PAGE_SIZE
    )
    chips = [
        {"label": label, "count": None, "query": f"days={value}" + ("&show=all" if show_all else ""),
         "current": str(days) == value}
        for value, label in MISSED_PERIODS
    ]
    chips.append({"label": _("只看待回拨") if show_all else _("含已回拨"), "count": None, "current": False,
                  "query": f"days={days}" + ("" if show_all else "&show=all")})
    figures = telephony_selectors.missed_call_figures(start=start, end=end)
    context.update(
        rows=[
            {"call": call, "masked": mask_phone(call.caller),
             "last_outcome": CallbackOutcome(call.last_outcome).label if call.last_outcome else ""}
            for call in calls
        ],
        page=page, has_next=has_next, chips=chips, show_all=show_all,
        figures=figures,
        in_time_percent=None if figures.called_back_in_time_rate is None else figures.called_back_in_time_rate * 100,
    )
    return render(request, "console/missed_calls.html", context)


def _missed_call(pk: int):
    call = telephony_selectors.missed_call_by_id(pk)
    if call is None:
        raise Http404(gettext("没有这通漏接来电。"))
    return call


@login_required
@require_POST
def missed_call_number(request, pk: int):
    """「显示号码」: the missed caller's full number, in place of the masked one (the read is logged)."""
    _require_call_staff(request.user)
    phone = telephony_selectors.missed_call_phone(user=request.user, call=_missed_call(pk))
    return HttpResponse(format_html('<span class="num" id="missed-number-{}">{}</span>', pk, phone))


@login_required
@require_POST
def missed_call_callback(request, pk: int):
    """Record one attempt to call a missed caller back, then back to the list (`next`) with what was recorded."""
    _require_call_staff(request.user)
    call = _missed_call(pk)
    form = MissedCallbackForm(request.POST)
    if not form.is_valid():
        return bad_request(request, " ".join(error for errors in form.errors.values() for error in errors))
    try:
        missed_call_callback_record(
            actor=request.user, call=call, outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"]
        )
    except TelephonyInputError as refused:
        return bad_request(request, str(refused))
    messages.success(request, gettext("已记录回拨：%(number)s，%(outcome)s。") % {
        "number": mask_phone(call.caller), "outcome": CallbackOutcome(form.cleaned_data["outcome"]).label,
    })
    return redirect_back(request, reverse("console:missed-calls"))

