"""督办与批示: the list of items, one item with its steps and forms, issuing one from an order or a report.

Supervisors issue 督办 and leaders 批示 on an order (`/console/orders/<number>/` links here) or on a published
report (`/console/reports/<id>/`); the unit's
staff acknowledge and report; supervisors (and leaders for 批示) close or return. The views parse the
form, call one service of `rexian.supervision.services` and redirect; a refused step comes back as the
same page with the message and what was typed (400), a step the user may not take as 403.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rexian.catalog.calendar import END_OF_DAY
from rexian.console.forms import ConsoleForm
from rexian.orders import access
from rexian.orders.models import WorkOrder
from rexian.reports import selectors as report_selectors
from rexian.reports.permissions import may_read
from rexian.supervision import selectors, services
from rexian.supervision.models import Supervision, SupervisionStep
from rexian.units.models import UNIT_ROLES, Unit

Kind = Supervision.Kind
Step = SupervisionStep.Action
TAB_LABELS = (
    ("open", _("未办结")),
    ("issued", _("待签收")),
    ("acknowledged", _("待反馈")),
    ("reported", _("待审核")),
    ("closed", _("已办结")),
)


def _int(value, default: int | None = None) -> int | None:
    try:
        return int(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return None


@login_required
@require_GET
def supervision_list(request):
    """督办批示: the visible items by tab (未办结 by default), the earliest deadline first; `?overdue=1`, `?kind=`."""
    user = request.user
    if user.role not in access.CENTRE_VIEWERS and user.role not in UNIT_ROLES:
        raise PermissionDenied(gettext("您无权查看督办批示。"))
    tab = request.GET.get("tab") or "open"
    if tab not in selectors.TABS:
        tab = "open"
    kind = request.GET.get("kind", "")
    overdue = request.GET.get("overdue") == "1"
    found = selectors.supervision_list(
        user=user, tab=tab, kind=kind, overdue=overdue, page=_int(request.GET.get("page"), 1) or 1
    )
    chips = [
        {"label": label, "count": found.counts[slug], "query": f"tab={slug}", "current": slug == tab and not overdue}
        for slug, label in TAB_LABELS
    ]
    chips.append({"label": _("已超期"), "count": found.counts["overdue"], "query": "overdue=1", "current": overdue,
                  "tone": "overdue"})
    for item in found.rows:
        item.report_link = bool(item.source_report_id) and may_read(user, item.source_report)
    context = {
        "items": found.rows,
        "chips": chips,
        "tab": tab,
        "kind": kind,
        "kinds": Kind.choices,
        "overdue": overdue,
        "page": found.page,
        "has_next": found.has_next,
        "is_unit": user.role in UNIT_ROLES,
    }
    return render(request, "console/supervision_list.html", context)


def _detail(request, item: Supervision, *, status: int = 200, error: str = "", typed: dict | None = None):
    allowed = services.allowed_steps(request.user, item)
    context = {
        "item": item,
        "steps": list(item.steps.all()),
        "may_acknowledge": Step.ACKNOWLEDGE in allowed,
        "may_act": Step.REPORT in allowed,
        "may_review": Step.CLOSE in allowed,
        "may_return": Step.RETURN in allowed,
        "error": error,
        "typed": typed or {},
        "can_open_order": bool(item.order_id) and access.can_view(request.user, item.order),
        "can_open_report": bool(item.source_report_id) and may_read(request.user, item.source_report),
    }
    return render(request, "console/supervision_detail.html", context, status=status)


@login_required
@require_GET
def supervision_detail(request, pk: int):
    """One item: what was asked, by whom, by when; every step; the forms of the steps the user may take."""
    return _detail(request, selectors.supervision_get(user=request.user, pk=pk))


# The form field that carries each step's text (the report, the reason for returning, the closing note).
TEXT_FIELDS = {"report": "report", "return": "reason", "close": "note"}
DONE = {
    "acknowledge": _("已签收。"),
    "report": _("已反馈。"),
    "return": _("已退回责任单位。"),
    "close": _("已办结。"),
}


@login_required
@require_POST
def supervision_step(request, pk: int, step: str):
    """Take one step of an item (签收, 反馈, 退回, 办结) and come back to it."""
    item = selectors.supervision_get(user=request.user, pk=pk)
    text = request.POST.get(TEXT_FIELDS.get(step, ""), "")
    try:
        services.supervision_step(actor=request.user, supervision=item, step=step, text=text)
    except services.SupervisionError as refused:
        item = selectors.supervision_get(user=request.user, pk=pk)
        return _detail(request, item, status=400, error=refused.message, typed=request.POST.dict())
    messages.success(request, DONE[step])
    return HttpResponseRedirect(reverse("console:supervision", args=[pk]))


class IssueForm(ConsoleForm):
    """An item on an order (the unit: one that holds it, its lead unit by default) or, with `order=None`, on a
    report (the unit: any that handles orders, to be chosen)."""

    kind = forms.ChoiceField(label=_("类型"), choices=Kind.choices)
    unit = forms.ModelChoiceField(label=_("责任单位"), queryset=Unit.objects.none(), required=False,
                                  empty_label=_("主办单位"))
    due_on = forms.DateField(label=_("反馈时限"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    content = forms.CharField(label=_("督办意见/批示内容"), max_length=1000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, order: WorkOrder | None, kinds: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        if order is None:
            self.fields["unit"].queryset = services.report_units().order_by("path")
            self.fields["unit"].required, self.fields["unit"].empty_label = True, "—"
            self.fields["unit"].error_messages["required"] = gettext("请选择责任单位。")
        else:
            self.fields["unit"].queryset = services.issuable_units(order).order_by("name")
        self.fields["due_on"].help_text = gettext("不填则为 %(days)d 个工作日。") % {
            "days": settings.SUPERVISION_REPORT_DAYS
        }

    def due_at(self) -> dt.datetime | None:
        day = self.cleaned_data.get("due_on")
        if day is None:
            return None
        return timezone.make_aware(dt.datetime.combine(day, END_OF_DAY))


@login_required
@require_http_methods(["GET", "POST"])
def supervision_new(request, number: str):
    """下发督办 / 作出批示 on an order: the form, then the new item."""
    order = get_object_or_404(access.orders_visible_to(request.user), number=number)
    kinds = [(k, label) for k, label in Kind.choices if services.may_issue(request.user, k)]
    if not kinds:
        raise PermissionDenied(gettext("只有值班长可以下发督办，领导可以作出批示。"))
    if not services.may_issue_on(request.user, order):
        messages.error(request, gettext("该工单没有可督办的承办单位（未派单、当场办结、已退回、已并单或已作废）。"))
        return HttpResponseRedirect(reverse("console:order", args=[order.number]))
    form = IssueForm(request.POST or None, order=order, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.supervision_issue(
                actor=request.user, order=order, kind=form.cleaned_data["kind"], content=form.cleaned_data["content"],
                unit=form.cleaned_data["unit"], due_at=form.due_at(),
            )
        except services.SupervisionError as refused:
            _refused(form, refused)
        else:
            messages.success(request, gettext("已下发%(kind)s。") % {"kind": item.get_kind_display()})
            return HttpResponseRedirect(reverse("console:order", args=[order.number]))
    context = {"order": order, "form": form, "back_url": reverse("console:order", args=[order.number]),
               "back_label": order.number}
    return render(request, "console/supervision_new.html", context, status=400 if request.method == "POST" else 200)


def _refused(form: IssueForm, refused: services.SupervisionError) -> None:
    field = {"due_at": "due_on"}.get(refused.field, refused.field)
    form.add_error(field if field in form.fields else None, refused.message)


@login_required
@require_http_methods(["GET", "POST"])
def report_supervision_new(request, pk: int):
    """作出批示 / 下发督办 on a published report: the form, then back to the report, which lists its items."""
    report = report_selectors.report_get(user=request.user, pk=pk)
    kinds = [(k, label) for k, label in Kind.choices if services.may_issue(request.user, k)]
    if not kinds:
        raise PermissionDenied(gettext("只有值班长可以下发督办，领导可以作出批示。"))
    if not services.may_issue_on_report(request.user, report):
        messages.error(request, gettext("报告发布后才能批示。"))
        return HttpResponseRedirect(reverse("console:report", args=[report.pk]))
    form = IssueForm(request.POST or None, order=None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.supervision_issue_on_report(
                actor=request.user, report=report, kind=form.cleaned_data["kind"],
                content=form.cleaned_data["content"], unit=form.cleaned_data["unit"], due_at=form.due_at(),
            )
        except services.SupervisionError as refused:
            _refused(form, refused)
        else:
            messages.success(request, gettext("已下发%(kind)s。") % {"kind": item.get_kind_display()})
            return HttpResponseRedirect(reverse("console:report", args=[report.pk]) + "#h-supervisions")
    context = {"report": report, "form": form, "back_url": reverse("console:report", args=[report.pk]),
               "back_label": report.title}
    return render(request, "console/supervision_new.html", context, status=400 if request.method == "POST" else 200)
