"""Background work of quality inspection, run by `rexian worker` (registered in rexian/core/scheduler.py)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from rexian.quality.services import quality_sample


def quality_sample_yesterday(*, now: dt.datetime | None = None) -> dict:
    """Draw the sample (抽检) of yesterday's orders; a second run the same night adds nothing."""
    now = now or timezone.now()
    yesterday = timezone.localtime(now, timezone.get_default_timezone()).date() - dt.timedelta(days=1)
    return {"day": yesterday.isoformat(), "sampled": quality_sample(day=yesterday, now=now).total()}


@task()
def quality_sample_task() -> dict:
    """Nightly at 01:00 local: yesterday's sample for the inspectors' queue (see `quality_sample`)."""
    return quality_sample_yesterday()
