"""Dates as the centre counts them: local calendar days of REXIAN_TIME_ZONE, and the days a user may ask about."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

# The days a date typed by a user may name. Earlier or later ones are typing mistakes (a year 0001 or 9999), and
# some of them cannot even be converted to UTC or moved by a year: the console's forms, the dashboards' periods,
# the REST API and Open311 refuse them with `out_of_range_message`, never with a 500.
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)


def local_midnight(day: dt.date) -> dt.datetime:
    """The aware moment the local day `day` begins (the centre's time zone), for day ranges in queries."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time()), timezone.get_default_timezone())


def day_in_range(day: dt.date) -> bool:
    """Whether `day` (a date, or a datetime's own calendar day) lies between FIRST_DAY and LAST_DAY."""
    if isinstance(day, dt.datetime):
        day = day.date()
    return FIRST_DAY <= day <= LAST_DAY


def out_of_range_message(what: str | None = None) -> str:
    """The user's message for a day outside FIRST_DAY … LAST_DAY; `what` names the field where no form does."""
    bounds = {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}
    if what is None:
        return gettext("请填写 %(first)s 至 %(last)s 之间的日期。") % bounds
    return gettext("%(what)s须在 %(first)s 至 %(last)s 之间。") % {"what": what, **bounds}


def validate_day(day: dt.date | None) -> None:
    """A form field's validator: refuses a day outside FIRST_DAY … LAST_DAY, beside the field."""
    if day is not None and not day_in_range(day):
        raise ValidationError(out_of_range_message(), code="out_of_range")
