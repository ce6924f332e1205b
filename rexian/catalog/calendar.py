"""The working-day calendar (工作日历) and deadline arithmetic.

Working days follow China's official schedule, make-up workdays (调休)
included, from the `chinese-calendar` package for the years it knows. An
admin's `CalendarDay` rows override it, which is how next year's schedule is
entered when the State Council publishes it. For a year neither knows,
Monday to Friday are working days.

Deadline convention (documented in docs/lifecycle.md, "Working days"):
* N hours: N hours of wall-clock time (the hotline works 7x24).
* N working days from a moment on a working day: the same clock time on the
  N-th following working day.
* N working days from a moment on a rest day: the clock starts on the next
  working day, and the deadline is the end (23:59:59) of the N-th working day
  counting that one. A working-day deadline therefore never falls on a rest day.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import chinese_calendar
from django.core.cache import cache
from django.utils import timezone

_CACHE_KEY = "rexian:calendar-overrides:v1"
_CACHE_SECONDS = 60
END_OF_DAY = dt.time(23, 59, 59)


def _overrides() -> dict[dt.date, bool]:
    overrides = cache.get(_CACHE_KEY)
    if overrides is None:
        from rexian.catalog.models import CalendarDay

        overrides = dict(CalendarDay.objects.values_list("date", "is_workday"))
        cache.set(_CACHE_KEY, overrides, _CACHE_SECONDS)
    return overrides


def forget_overrides() -> None:
    cache.delete(_CACHE_KEY)


def official_is_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def is_workday(day: dt.date) -> bool:
    overrides = _overrides()
    if day in overrides:
        return overrides[day]
    return official_is_workday(day)


def next_workday(day: dt.date) -> dt.date:
    """The first working day strictly after `day`."""
    day += dt.timedelta(days=1)
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day


def add_workdays(start: dt.datetime, days: int) -> dt.datetime:
    """The deadline `days` working days after `start` (aware datetime, in the local time zone)."""
    if days < 1:
        raise ValueError("a working-day deadline needs at least one day")
    local = timezone.localtime(start)
    day = local.date()
    tz = local.tzinfo
    if is_workday(day):
        for _ in range(days):
            day = next_workday(day)
        return dt.datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=tz)
    day = next_workday(day)
    for _ in range(days - 1):
        day = next_workday(day)
    return dt.datetime.combine(day, END_OF_DAY, tzinfo=tz)


def add_duration(start: dt.datetime, amount: Decimal | int | float, unit: str) -> dt.datetime:
    if unit == "hours":
        return start + dt.timedelta(hours=float(amount))
    if unit == "workdays":
        return add_workdays(start, int(amount))
    raise ValueError(f"unknown deadline unit {unit!r}")


def workdays_between(first: dt.date, last: dt.date) -> int:
    """Working days in the closed interval [first, last]."""
    count = 0
    day = first
    while day <= last:
        count += is_workday(day)
        day += dt.timedelta(days=1)
    return count
