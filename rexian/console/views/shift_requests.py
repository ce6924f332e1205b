"""换班/请假申请: operators ask to be relieved of a shift from 我的排班, a named colleague answers there, and the
supervisors decide on 换班申请 (rexian/telephony/services.py: shift_request_*; docs/telephony.md, "Rosters")."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rexian.console.forms import ConsoleForm
from rexian.console.responses import bad_request
from rexian.telephony import selectors, services
from rexian.telephony.models import RosterShift, ShiftRequest
from rexian.units.models import User


class ShiftRequestForm(ConsoleForm):
    colleague = forms.ModelChoiceField(label=_("接班同事"), queryset=User.objects.none(), required=False,
                                       empty_label=_("不指定（请假，由值班长安排）"))
    reason = forms.CharField(label=_("原因"), max_length=200)

    def __init__(self, *args, shift: RosterShift, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["colleague"].queryset = selectors.operators_free_for(shift)


class AnswerForm(ConsoleForm):
    answer = forms.ChoiceField(choices=[("accept", _("同意接班")), ("decline", _("不同意"))])


class DecideForm(ConsoleForm):
    decision = forms.ChoiceField(label=_("审批"), choices=[("approve", _("批准")), ("reject", _("驳回"))])
    operator = forms.ModelChoiceField(label=_("接班话务员"), queryset=User.objects.none(), required=False)
    note = forms.CharField(label=_("审批意见"), max_length=200, required=False)

    def __init__(self, *args, shift: RosterShift, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operator"].queryset = selectors.operators_free_for(shift)


def _decide_form(shift_request: ShiftRequest, data=None) -> DecideForm:
    """The decision form of one request on a page listing several: its fields are prefixed with the request."""
    return DecideForm(data, shift=shift_request.shift, prefix=f"r{shift_request.pk}",
                      initial={"operator": shift_request.colleague_id})


def _shift_request(pk: int) -> ShiftRequest:
    try:
        return selectors.shift_request_get(pk)
    except ShiftRequest.DoesNotExist:
        raise Http404(gettext("换班申请不存在。")) from None


@login_required
@require_http_methods(["GET", "POST"])
def shift_request_new(request, shift_id: int):
    """申请换班/请假 for one of the user's own shifts that has not begun."""
    try:
        shift = selectors.roster_shift_get(shift_id)
    except RosterShift.DoesNotExist:
        raise Http404(gettext("班次不存在。")) from None
    if not selectors.may_request_for(request.user, shift):
        raise PermissionDenied(gettext("只能为自己的班次申请换班或请假。"))
    form = ShiftRequestForm(request.POST or None, shift=shift)
    if request.method == "POST" and form.is_valid():
        try:
            services.shift_request_create(actor=request.user, shift=shift, colleague=form.cleaned_data["colleague"],
                                          reason=form.cleaned_data["reason"])
        except services.RosterError as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            messages.success(request, gettext("申请已提交：%(when)s 的班次。") % {"when": shift.span})
            return HttpResponseRedirect(reverse("console:my-shifts"))
    status = 400 if request.method == "POST" else 200
    return render(request, "console/shift_request_new.html", {"shift": shift, "form": form}, status=status)


def _back_to_my_shifts(request, action, success: str):
    """Run `action` (a service call) for the signed-in operator, then back to 我的排班 with what happened."""
    try:
        action()
    except services.RosterError as refused:
        return bad_request(request, refused.message)
    messages.success(request, success)
    return HttpResponseRedirect(reverse("console:my-shifts"))


@login_required
@require_POST
def shift_request_answer(request, pk: int):
    """The colleague asked agrees to take the shift, or does not."""
    shift_request = _shift_request(pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return bad_request(request, gettext("请选择同意或不同意。"))
    accept = form.cleaned_data["answer"] == "accept"
    return _back_to_my_shifts(
        request,
        lambda: services.shift_request_answer(actor=request.user, request=shift_request, accept=accept),
        gettext("已同意接班，待值班长审批。") if accept else gettext("已答复：不同意接班。"),
    )


@login_required
@require_POST
def shift_request_withdraw(request, pk: int):
    shift_request = _shift_request(pk)
    return _back_to_my_shifts(
        request,
        lambda: services.shift_request_withdraw(actor=request.user, request=shift_request),
        gettext("申请已撤回。"),
    )


@login_required
@require_GET
def shift_requests(request):
    """换班申请: the requests waiting for a supervisor's decision, the soonest shift first."""
    selectors.require_planner(request.user)
    return render(request, "console/shift_requests.html", {
        "rows": [{"request": r, "form": _decide_form(r)} for r in selectors.shift_requests_waiting()],
    })


@login_required
@require_POST
def shift_request_decide(request, pk: int):
    """Approve (the shift goes to the colleague, or to the operator chosen for 请假) or reject with a note."""
    selectors.require_planner(request.user)
    shift_request = _shift_request(pk)
    form = _decide_form(shift_request, request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.shift_request_decide(actor=request.user, request=shift_request, approve=approve,
                                          operator=form.cleaned_data["operator"], note=form.cleaned_data["note"])
        except services.RosterError as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            done = (gettext("已批准：%(when)s 的班次改由他人值班。") if approve
                    else gettext("已驳回：%(when)s 的班次申请。"))
            messages.success(request, done % {"when": shift_request.shift.span})
            return HttpResponseRedirect(reverse("console:shift-requests"))
    rows = [{"request": r, "form": form if r.pk == shift_request.pk else _decide_form(r)}
            for r in selectors.shift_requests_waiting()]
    return render(request, "console/shift_requests.html", {"rows": rows}, status=400)
