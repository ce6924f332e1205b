"""排班: the supervisor's staffing page, the console's face of `rexian staffing` (docs/telephony.md, "Staffing").

From the call history it forecasts the calls per half hour, works out the operators the service target needs
(Erlang C) and plans shifts for the centre's active operators: a summary per day, the staff to schedule per hour,
the shifts of each day, the roster and the half hours left short. Nothing is saved; the page is a plan to read,
change the inputs of and print.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from rexian.telephony import selectors, staffing
from rexian.telephony.figures import call_figures
from rexian.units.models import Role

STAFFING_ROLES = (Role.SUPERVISOR, Role.ADMIN)
DEFAULT_AHT = 240  # seconds, when the last four weeks hold no answered call


class StaffingForm(forms.Form):
    first_day = forms.DateField(label=_("第一天"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    days = forms.IntegerField(label=_("天数"), min_value=1, max_value=14)
    service_level = forms.IntegerField(label=_("服务水平（%）"), min_value=50, max_value=99)
    seconds = forms.IntegerField(label=_("应答秒数"), min_value=5, max_value=120)
    aht = forms.IntegerField(label=_("平均处理时长（秒）"), min_value=30, max_value=1800)
    shrinkage = forms.IntegerField(label=_("缩减率（%）"), min_value=0, max_value=95)  # as REXIAN_STAFFING_SHRINKAGE


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


def _roster(plan: selectors.StaffingPlan, names: dict[str, str]) -> list[dict]:
    columns = [plan.first_day + dt.timedelta(days=n) for n in range(plan.days)]
    return [
        {"name": names.get(key, key),
         "cells": [f"{days[day][0]:%H:%M}–{days[day][1]:%H:%M}" if day in days else "" for day in columns],
         "hours": sum(shift.hours for shift in plan.plan.roster[key])}
        for key, days in plan.roster_by_day().items()
    ]


@login_required
@require_GET
def staffing_page(request):
    """排班: the plan for the inputs in the query (the defaults when there are none)."""
    if request.user.role not in STAFFING_ROLES:
        raise PermissionDenied(gettext("只有值班长和系统管理员可以查看排班。"))
    form = StaffingForm({**_defaults(), **request.GET.dict()})  # what the query leaves out takes its default
    context = {"form": form}
    if not form.is_valid():
        return render(request, "console/staffing.html", context, status=400)
    data = form.cleaned_data
    operators = selectors.active_operator_names()
    if not operators:
        context["problem"] = gettext("系统中没有在职的话务员，无法排班。")
        return render(request, "console/staffing.html", context)
    target = staffing.ServiceTarget(service_level=data["service_level"] / 100, seconds=data["seconds"])
    try:
        plan = selectors.staffing_plan(
            first_day=data["first_day"], days=data["days"], target=target, aht=data["aht"],
            shrinkage=data["shrinkage"] / 100, operators=operators,
        )
    except staffing.NoHistory:
        context["problem"] = gettext("第一天之前的 8 周没有来电记录，无法预测话务量。")
        return render(request, "console/staffing.html", context)
    context.update(
        plan=plan,
        days=_days(plan),
        columns=[plan.first_day + dt.timedelta(days=n) for n in range(plan.days)],
        hours=_hour_table(plan),
        roster=_roster(plan, selectors.operator_display_names(operators)),
        uncovered=[{"start": timezone.localtime(slot.start), "required": slot.required, "planned": slot.planned,
                    "missing": slot.missing} for slot in plan.plan.uncovered],
    )
    return render(request, "console/staffing.html", context)
