"""The working-day calendar (工作日历) and deadline arithmetic.

Holidays and make-up workdays (调休) come from chinese-calendar 1.11, which knows
2004–2026. The dates below were checked against it:

* 2025 National Day: Oct 1–8 off; Sun Sep 28 and Sat Oct 11 are make-up workdays.
* 2026 Spring Festival: Feb 15–23 off; Sat Feb 14 and Sat Feb 28 are make-up workdays.
* 2026 National Day: Oct 1–7 off; Sun Sep 20 and Sat Oct 10 are make-up workdays
  (Mid-autumn Festival Fri Sep 25–Sun Sep 27 off).
* 2027: no official data yet, so Monday–Friday plus the admin's CalendarDay overrides.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from rexian.catalog.calendar import (
    END_OF_DAY,
    add_duration,
    add_workdays,
    is_workday,
    next_workday,
    official_is_workday,
    workdays_between,
)
from rexian.catalog.models import CalendarDay

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc

pytestmark = pytest.mark.django_db


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


# --- Official holidays and make-up workdays -------------------------------------------


@pytest.mark.parametrize("day", [dt.date(2025, 10, d) for d in range(1, 9)])
def test_2025_national_day_week_is_off(day):
    assert not is_workday(day)


@pytest.mark.parametrize("day", [dt.date(2025, 9, 28), dt.date(2025, 10, 11)])
def test_2025_national_day_make_up_weekend_days_are_workdays(day):
    assert day.weekday() >= 5
    assert is_workday(day)


def test_ordinary_weekend_after_2025_national_day_is_off():
    assert not is_workday(dt.date(2025, 10, 12))


@pytest.mark.parametrize("day", [dt.date(2026, 10, d) for d in range(1, 8)])
def test_2026_national_day_week_is_off(day):
    assert not is_workday(day)


@pytest.mark.parametrize("day", [dt.date(2026, 9, 20), dt.date(2026, 10, 10)])
def test_2026_national_day_make_up_weekend_days_are_workdays(day):
    assert day.weekday() >= 5
    assert is_workday(day)


def test_2026_mid_autumn_friday_is_off():
    assert not is_workday(dt.date(2026, 9, 25))


def test_the_day_after_2026_national_day_is_a_workday():
    assert is_workday(dt.date(2026, 10, 8))


@pytest.mark.parametrize("day", [dt.date(2026, 2, d) for d in range(15, 24)])
def test_2026_spring_festival_is_off(day):
    assert not is_workday(day)


@pytest.mark.parametrize("day", [dt.date(2026, 2, 14), dt.date(2026, 2, 28)])
def test_2026_spring_festival_make_up_saturdays_are_workdays(day):
    assert is_workday(day)


def test_next_workday_skips_the_whole_national_day_week():
    assert next_workday(dt.date(2025, 9, 30)) == dt.date(2025, 10, 9)


def test_next_workday_lands_on_a_make_up_saturday():
    assert next_workday(dt.date(2025, 10, 10)) == dt.date(2025, 10, 11)


def test_workdays_between_counts_the_closed_interval_across_national_day():
    # Sep 29, Sep 30, then Oct 9, Oct 10, Oct 11 (make-up Saturday).
    assert workdays_between(dt.date(2025, 9, 29), dt.date(2025, 10, 11)) == 5


# --- add_workdays ---------------------------------------------------------------------


def test_complaint_registered_before_national_day_is_due_ten_workdays_later():
    # Oct 9, 10, 11 (Sat, make-up), 13, 14, 15, 16, 17, 20, 21.
    assert add_workdays(local(2025, 9, 30, 10, 0), 10) == local(2025, 10, 21, 10, 0)


def test_one_workday_from_the_last_day_before_a_holiday_is_the_first_day_after():
    assert add_workdays(local(2025, 9, 30, 16, 30), 1) == local(2025, 10, 9, 16, 30)


def test_start_on_a_holiday_is_due_at_end_of_the_nth_working_day():
    assert add_workdays(local(2025, 10, 1, 9, 0), 1) == local(2025, 10, 9, 23, 59, 59)


def test_start_on_a_holiday_counts_the_make_up_saturday():
    # The clock starts Thu Oct 9: Oct 9 (1), Oct 10 (2), Sat Oct 11 (3).
    assert add_workdays(local(2025, 10, 4, 20, 0), 3) == local(2025, 10, 11, 23, 59, 59)


def test_start_on_an_ordinary_sunday_is_due_at_end_of_monday():
    assert add_workdays(local(2025, 11, 16, 11, 0), 1) == local(2025, 11, 17, 23, 59, 59)


def test_start_on_a_make_up_saturday_counts_as_a_working_day_start():
    # Sat Oct 11 2025 is a working day, so the clock time is kept; Sun Oct 12 is skipped.
    assert add_workdays(local(2025, 10, 11, 14, 0), 1) == local(2025, 10, 13, 14, 0)


def test_start_on_a_make_up_sunday_keeps_the_clock_time():
    assert add_workdays(local(2025, 9, 28, 10, 0), 1) == local(2025, 9, 29, 10, 0)


def test_friday_before_spring_festival_is_due_on_the_make_up_saturday():
    assert add_workdays(local(2026, 2, 13, 17, 0), 1) == local(2026, 2, 14, 17, 0)


def test_make_up_saturday_before_spring_festival_is_due_after_the_holiday():
    assert add_workdays(local(2026, 2, 14, 17, 0), 1) == local(2026, 2, 24, 17, 0)


def test_start_in_spring_festival_is_due_at_end_of_first_day_back():
    assert add_workdays(local(2026, 2, 17, 10, 0), 1) == local(2026, 2, 24, 23, 59, 59)


def test_2026_national_day_pushes_a_one_workday_deadline_to_october_8():
    assert add_workdays(local(2026, 9, 30, 10, 0), 1) == local(2026, 10, 8, 10, 0)


def test_2026_national_day_make_up_saturday_is_a_deadline_day():
    assert add_workdays(local(2026, 10, 9, 10, 0), 1) == local(2026, 10, 10, 10, 0)


def test_working_day_is_judged_in_local_time_not_utc():
    # 17:00 UTC on Sep 30 is 01:00 on Oct 1 in Shanghai: a holiday.
    start = dt.datetime(2025, 9, 30, 17, 0, tzinfo=UTC)
    assert add_workdays(start, 1) == local(2025, 10, 9, 23, 59, 59)


def test_deadline_is_returned_in_the_local_time_zone():
    deadline = add_workdays(dt.datetime(2025, 9, 30, 2, 0, tzinfo=UTC), 1)
    assert deadline.utcoffset() == dt.timedelta(hours=8)
    assert deadline == local(2025, 10, 9, 10, 0)


@pytest.mark.parametrize("days", [0, -1])
def test_add_workdays_refuses_less_than_one_day(days):
    with pytest.raises(ValueError):
        add_workdays(local(2025, 9, 30, 10, 0), days)


# --- Hours are plain wall-clock time ----------------------------------------------------


def test_hours_deadline_runs_through_holidays():
    assert add_duration(local(2025, 10, 1, 8, 0), 24, "hours") == local(2025, 10, 2, 8, 0)


def test_hours_deadline_runs_through_the_night_and_weekend():
    assert add_duration(local(2025, 11, 15, 23, 0), 2, "hours") == local(2025, 11, 16, 1, 0)


def test_fractional_hours_are_minutes():
    assert add_duration(local(2025, 10, 1, 8, 0), Decimal("0.50"), "hours") == local(2025, 10, 1, 8, 30)


def test_add_duration_with_workdays_uses_the_calendar():
    assert add_duration(local(2025, 9, 30, 10, 0), Decimal("10.00"), "workdays") == local(2025, 10, 21, 10, 0)


def test_add_duration_refuses_an_unknown_unit():
    with pytest.raises(ValueError):
        add_duration(local(2025, 9, 30, 10, 0), 1, "fortnights")


# --- CalendarDay overrides (工作日历调整) ----------------------------------------------------


def test_override_turns_an_official_workday_off():
    CalendarDay.objects.create(date=dt.date(2025, 10, 9), is_workday=False, note="台风停工")
    assert not is_workday(dt.date(2025, 10, 9))
    assert add_workdays(local(2025, 9, 30, 10, 0), 1) == local(2025, 10, 10, 10, 0)


def test_override_turns_an_official_rest_day_on():
    CalendarDay.objects.create(date=dt.date(2025, 10, 4), is_workday=True)
    assert is_workday(dt.date(2025, 10, 4))
    assert add_workdays(local(2025, 9, 30, 10, 0), 1) == local(2025, 10, 4, 10, 0)


def test_override_does_not_change_the_official_answer():
    CalendarDay.objects.create(date=dt.date(2025, 10, 9), is_workday=False)
    assert official_is_workday(dt.date(2025, 10, 9))


def test_year_without_official_data_falls_back_to_weekends():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(dt.date(2027, 1, 1))
    assert is_workday(dt.date(2027, 1, 1))  # a Friday
    assert not is_workday(dt.date(2027, 1, 2))  # a Saturday
    assert is_workday(dt.date(2027, 1, 4))  # a Monday


def test_next_years_schedule_is_entered_as_overrides():
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), is_workday=False, note="元旦")
    CalendarDay.objects.create(date=dt.date(2027, 1, 2), is_workday=True, note="调休上班")
    assert not is_workday(dt.date(2027, 1, 1))
    assert is_workday(dt.date(2027, 1, 2))
    # Thu Dec 31 2026 (official data) + 1 → Sat Jan 2 2027 (override) keeps the clock time.
    assert add_workdays(local(2026, 12, 31, 9, 0), 1) == local(2027, 1, 2, 9, 0)


def test_override_cache_is_invalidated_when_a_day_is_added():
    assert is_workday(dt.date(2025, 10, 9))  # fills the cache
    CalendarDay.objects.create(date=dt.date(2025, 10, 9), is_workday=False)
    assert not is_workday(dt.date(2025, 10, 9))


def test_override_cache_is_invalidated_when_a_day_is_changed():
    day = CalendarDay.objects.create(date=dt.date(2025, 10, 9), is_workday=False)
    assert not is_workday(dt.date(2025, 10, 9))
    day.is_workday = True
    day.save()
    assert is_workday(dt.date(2025, 10, 9))


def test_override_cache_is_invalidated_when_a_day_is_deleted():
    day = CalendarDay.objects.create(date=dt.date(2025, 10, 4), is_workday=True)
    assert is_workday(dt.date(2025, 10, 4))
    day.delete()
    assert not is_workday(dt.date(2025, 10, 4))


# --- Property: a working-day deadline never falls on a rest day ---------------------------


def _reference_is_workday(day: dt.date) -> bool:
    """An independent oracle: the official calendar, weekends where it has no data (no overrides here)."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def _workdays_in(first_exclusive: dt.date, last_inclusive: dt.date) -> int:
    count, day = 0, first_exclusive + dt.timedelta(days=1)
    while day <= last_inclusive:
        count += _reference_is_workday(day)
        day += dt.timedelta(days=1)
    return count


@hypothesis_settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.datetimes(
        min_value=dt.datetime(2024, 1, 1),
        max_value=dt.datetime(2026, 12, 31, 23, 59, 59),
        timezones=st.sampled_from([SHANGHAI, UTC]),
    ),
    days=st.integers(min_value=1, max_value=15),
)
def test_workday_deadline_invariant(start, days):
    """The docstring's convention, stated exactly (dates in the local time zone):

    * the deadline is after the start and its date is a working day;
    * the half-open interval (start date, deadline date] holds exactly N working days,
      i.e. N-1 working days lie strictly between the two dates and the deadline date is the N-th;
    * from a working day the clock time is kept; from a rest day the deadline is 23:59:59.
    """
    deadline = add_workdays(start, days)
    start_local = start.astimezone(SHANGHAI)
    deadline_local = deadline.astimezone(SHANGHAI)

    assert deadline > start
    assert _reference_is_workday(deadline_local.date())
    assert _workdays_in(start_local.date(), deadline_local.date()) == days
    assert _workdays_in(start_local.date(), deadline_local.date() - dt.timedelta(days=1)) == days - 1
    if _reference_is_workday(start_local.date()):
        assert deadline_local.time() == start_local.time().replace(tzinfo=None)
    else:
        assert deadline_local.time() == END_OF_DAY
