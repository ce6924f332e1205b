"""The reports' settings, read from the environment when they are used (see docs/deploy.md).

They are read at call time rather than at start-up so that a worker picks up a changed
schedule on its next tick and tests can set them per test; a bad value still fails loudly
(ImproperlyConfigured) with the variable's name.
"""

from __future__ import annotations

import datetime as dt
import os

from django.core.exceptions import ImproperlyConfigured

from rexian.conf.env import env_str

DAILY_REPORT_TIME = "REXIAN_DAILY_REPORT_TIME"
REPORT_FONT = "REXIAN_REPORT_FONT"


def daily_report_time() -> dt.time:
    """When the worker generates yesterday's 工作日报 (and checks for last month's 简报), local time; 07:00."""
    value = env_str(DAILY_REPORT_TIME, "07:00").strip()
    try:
        hours, minutes = value.split(":")
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise ImproperlyConfigured(f"{DAILY_REPORT_TIME}={value!r} is not a time of day (HH:MM, e.g. 07:00).") from None


def report_font() -> str:
    """A CJK font file for PDF and charts given by the deployment, or "" to look in the usual places."""
    return os.environ.get(REPORT_FONT, "").strip()
