"""排班: the supervisor's staffing page, the console's face of `rexian staffing` (docs/telephony.md, "Staffing").

From the call history it forecasts the calls per half hour, works out the operators the service target needs
(Erlang C) and plans shifts for the centre's active operators: a summary per day, the staff to schedule per hour,
the shifts of each day, the roster and the half hours left short. 发布 keeps the plan as the roster in force for
its days (`services.roster_publish`); the published rosters have their own pages: the roster, 调班 (handing a shift
to another operator) and, for the days gone by, the plan against what happened (排班执行). Operators see their
own shifts on 我的排班.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from rexian.console.forms import ConsoleForm, page_field
from rexian.console.responses import bad_request
from rexian.console.xlsx import workbook_bytes, xlsx_response
from rexian.core.dates import validate_day
from rexian.telephony import selectors, services, staffing
from rexian.telephony.figures import call_figures
from rexian.telephony.models import Roster, RosterShift
from rexian.units.models import Role, User

DEFAULT_AHT = 240  # seconds, when the last four weeks hold no answered call


class StaffingForm(ConsoleForm):
    first_day = forms.DateField(label=_("第一天"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                validators=[validate_day])
    days = forms.IntegerField(label=_("天数"), min_value=1, max_value=14)
    service_level = forms.IntegerField(label=_("服务水平（%）"), min_value=50, max_value=99)
    seconds = forms.IntegerField(label=_("应答秒数"), min_value=5, max_value=120)
    aht = forms.IntegerField(label=_("平均处理时长（秒）"), min_value=30, max_value=1800)
    shrinkage = forms.IntegerField(label=_("缩减率（%）"), min_value=0, max_value=95)  # as REXIAN_STAFFING_SHRINKAGE


class PublishForm(StaffingForm):
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


def _defaults() -> dict:
    """Next Monday, a week, 80% in 15 s, the last four weeks' handling time, the configured shrinkage."""
    today = timezone.localdate()
    now = timezone.now()
    handled = call_figures(now - dt.timedelta(weeks=4), now).average_handling_seconds
    return {
        "first_day": today + dt.timedelta(days=7 - today.weekday()),
        "days": 7,
        "service_level": 80,
        "seconds": 15,
        "aht": round(handled) if handled else DEFAULT_AHT,
        "shrinkage": round(settings.STAFFING_SHRINKAGE * 100),
    }


def _hour_table(plan: selectors.StaffingPlan) -> list[dict]:
    """Staff to schedule per hour, one row per hour, one column per day."""
    days = plan.hourly("staff")
    return [{"hour": hour, "values": [day[hour] for day in days]} for hour in range(24)]


def _days(plan: selectors.StaffingPlan) -> list[dict]:
    shifts = plan.shifts_by_day()
    return [
        {**dataclasses.asdict(d),
         "shifts": [f"{start:%H:%M}–{end:%H:%M} × {count}" for start, end, count in shifts.get(d.day, [])]}
        for d in plan.day_summaries()
    ]


def _plan_roster(plan: selectors.StaffingPlan, names: dict[str, str]) -> list[dict]:
    columns = [plan.first_day + dt.timedelta(days=n) for n in range(plan.days)]
    return [
        {"name": names.get(key, key),
         "cells": [f"{days[day][0]:%H:%M}–{days[day][1]:%H:%M}" if day in days else "" for day in columns],
         "hours": sum(shift.hours for shift in plan.plan.roster[key])}
        for key, days in plan.roster_by_day().items()
    ]


def _plan(data: dict) -> tuple[selectors.StaffingPlan | None, str]:
    """The plan for a valid form's inputs, or None and why there is none."""
    try:
        return selectors.centre_staffing_plan(
            first_day=data["first_day"], days=data["days"], target=_target(data), aht=data["aht"],
            shrinkage=data["shrinkage"] / 100,
        ), ""
    except selectors.NoOperators:
        return None, gettext("系统中没有在职的话务员，无法排班。")
    except staffing.NoHistory:
        return None, gettext("第一天之前的 8 周没有来电记录，无法预测话务量。")


def _target(data: dict) -> staffing.ServiceTarget:
    return staffing.ServiceTarget(service_level=data["service_level"] / 100, seconds=data["seconds"])


@login_required
@require_GET
def staffing_page(request):
    """排班: the plan for the inputs in the query (the defaults when there are none)."""
    selectors.require_planner(request.user)
    form = StaffingForm({**_defaults(), **request.GET.dict()})  # what the query leaves out takes its default
    context = {"form": form}
    if not form.is_valid():
        return render(request, "console/staffing.html", context, status=400)
    plan, context["problem"] = _plan(form.cleaned_data)
    if plan is None:
        return render(request, "console/staffing.html", context)
    context.update(
        plan=plan,
        inputs=form.cleaned_data,
        in_force=selectors.rosters_in_force(plan.first_day, plan.first_day + dt.timedelta(days=plan.days - 1)),
        days=_days(plan),
        columns=[plan.first_day + dt.timedelta(days=n) for n in range(plan.days)],
        hours=_hour_table(plan),
        roster=_plan_roster(plan, selectors.operator_display_names(list(plan.plan.roster))),
        uncovered=[{"start": timezone.localtime(slot.start), "required": slot.required, "planned": slot.planned,
                    "missing": slot.missing} for slot in plan.plan.uncovered],
    )
    return render(request, "console/staffing.html", context)


@login_required
@require_POST
def staffing_publish(request):
    """发布排班: the plan for the posted inputs (made again from the same history, as the page made it) becomes the
    roster in force."""
    selectors.require_planner(request.user)
    form = PublishForm(request.POST)
    if not form.is_valid():
        return bad_request(request, " ".join(f"{form.fields[name].label}：{' '.join(errors)}"
                                             for name, errors in form.errors.items()))
    data = form.cleaned_data
    try:
        roster = services.roster_publish(actor=request.user, first_day=data["first_day"], days=data["days"],
                                         target=_target(data), aht=data["aht"], shrinkage=data["shrinkage"] / 100,
                                         note=data["note"])
    except services.RosterError as refused:
        return bad_request(request, refused.message)
    messages.success(request, gettext("排班已发布，%(first)s 至 %(last)s 按此排班。") % {
        "first": f"{roster.first_day:%Y-%m-%d}", "last": f"{roster.last_day:%Y-%m-%d}"})
    return HttpResponseRedirect(reverse("console:roster", args=[roster.pk]))


class RosterListForm(ConsoleForm):
    page = page_field()


@login_required
@require_GET
def roster_list(request):
    """已发布的排班表, the latest first, with the days each is still in force."""
    selectors.require_planner(request.user)
    form = RosterListForm(request.GET)
    if not form.is_valid():
        return bad_request(request, gettext("页码不正确。"))
    rows, page, has_next = selectors.roster_page(page=form.cleaned_data["page"] or 1)
    in_force = selectors.rosters_days_in_force(rows)
    rows = [{"roster": roster, "in_force": in_force[roster.pk]} for roster in rows]
    return render(request, "console/roster_list.html", {"rows": rows, "page": page, "has_next": has_next,
                                                        "waiting": selectors.shift_requests_waiting_count()})


class ReassignForm(ConsoleForm):
    shift = forms.ModelChoiceField(label=_("班次"), queryset=RosterShift.objects.none())
    operator = forms.ModelChoiceField(label=_("改由"), queryset=User.objects.none())
    reason = forms.CharField(label=_("调班原因"), max_length=200)

    def __init__(self, *args, roster: Roster, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shift"].queryset = roster.shifts.filter(starts_at__gt=timezone.now(),
                                                             day__in=selectors.roster_days_in_force(roster))
        self.fields["shift"].label_from_instance = lambda shift: (
            f"{timezone.localtime(shift.starts_at):%m-%d %H:%M}–{timezone.localtime(shift.ends_at):%H:%M} {shift.operator}")
        self.fields["operator"].queryset = User.objects.filter(role=Role.OPERATOR, is_active=True).order_by("username")


def _roster(pk: int) -> Roster:
    try:
        return selectors.roster_get(pk)
    except Roster.DoesNotExist:
        raise Http404(gettext("排班表不存在。")) from None


class RosterDayForm(ConsoleForm):
    day = forms.DateField(required=False)


def _roster_context(roster: Roster, day: dt.date | None) -> dict:
    execution = selectors.roster_execution(roster)
    shown = day if day in {d.day for d in execution.days} else (execution.days[-1].day if execution.days else None)
    in_force = selectors.roster_days_in_force(roster)
    return {
        "roster": roster,
        "columns": [roster.first_day + dt.timedelta(days=n) for n in range(roster.days)],
        "in_force": in_force,
        "replaced": [d for d in (roster.first_day + dt.timedelta(days=n) for n in range(roster.days)) if d not in in_force],
        "table": selectors.roster_table(roster),
        "execution": execution,
        "shown_day": shown,
        "slots": execution.slots_of(shown) if shown else [],
    }


@login_required
@require_GET
def roster_detail(request, pk: int):
    """One published roster: who works when, 调班, and for the days gone by the plan against what happened.
    `?format=xlsx` downloads the roster; `?day=YYYY-MM-DD` picks the day whose half hours are shown."""
    selectors.require_planner(request.user)
    roster = _roster(pk)
    if request.GET.get("format") == "xlsx":
        return _roster_xlsx(roster)
    query = RosterDayForm(request.GET)
    if not query.is_valid():
        return bad_request(request, gettext("日期格式应为 YYYY-MM-DD。"))
    context = _roster_context(roster, query.cleaned_data["day"])
    context["form"] = ReassignForm(roster=roster)
    return render(request, "console/roster_detail.html", context)


@login_required
@require_POST
def roster_reassign(request, pk: int):
    """调班: hand one of the roster's shifts that has not started to another operator."""
    selectors.require_planner(request.user)
    roster = _roster(pk)
    form = ReassignForm(request.POST, roster=roster)
    if form.is_valid():
        try:
            shift = services.roster_shift_reassign(actor=request.user, shift=form.cleaned_data["shift"],
                                                   operator=form.cleaned_data["operator"],
                                                   reason=form.cleaned_data["reason"])
        except services.RosterError as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            messages.success(request, gettext("已调班：%(when)s 改由 %(name)s 值班。") % {
                "when": f"{timezone.localtime(shift.starts_at):%m-%d %H:%M}", "name": shift.operator})
            return HttpResponseRedirect(reverse("console:roster", args=[roster.pk]))
    context = _roster_context(roster, None)
    context["form"] = form
    return render(request, "console/roster_detail.html", context, status=400)


def _roster_xlsx(roster: Roster):
    columns = [roster.first_day + dt.timedelta(days=n) for n in range(roster.days)]
    header = [gettext("话务员"), *(f"{day:%m-%d}" for day in columns), gettext("工时")]

    def cell(shifts) -> str:
        return "，".join(f"{timezone.localtime(s.starts_at):%H:%M}–{timezone.localtime(s.ends_at):%H:%M}"
                        for s in shifts) or gettext("休")

    rows = [[str(row["operator"]), *(cell(shifts) for shifts in row["cells"]), round(row["hours"], 1)]
            for row in selectors.roster_table(roster)]
    body = workbook_bytes(sheet_name=gettext("排班表"), header=header, rows=rows,
                          widths=[14, *([13] * len(columns)), 8])
    return xlsx_response(body, f"{gettext('排班表')}_{roster.first_day:%Y%m%d}-{roster.last_day:%Y%m%d}.xlsx")


@login_required
@require_GET
def my_shifts(request):
    """我的排班: the user's shifts in the rosters in force, from a week ago to two weeks ahead, with 换班/请假 for
    those not begun (rexian/console/views/shift_requests.py), the swaps colleagues ask of the user and the user's
    own requests of the last 30 days."""
    today = timezone.localdate()
    shifts = list(selectors.shifts_in_force(today - dt.timedelta(days=7), today + dt.timedelta(days=14),
                                            operator=request.user))
    now = timezone.now()
    requests = selectors.operator_shift_requests(request.user, now=now)
    open_requests = requests.open_by_shift()
    return render(request, "console/my_shifts.html", {
        "coming": [{"shift": s, "request": open_requests.get(s.pk)} for s in shifts if s.ends_at > now],
        "past": [s for s in reversed(shifts) if s.ends_at <= now],
        "now": now,
        "requests": requests,
    })
