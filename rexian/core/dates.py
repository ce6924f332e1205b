"""Dates as the centre counts them: local calendar days of REXIAN_TIME_ZONE."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def local_midnight(day: dt.date) -> dt.datetime:
    """The aware moment the local day `day` begins (the centre's time zone), for day ranges in queries."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time()), timezone.get_default_timezone())
