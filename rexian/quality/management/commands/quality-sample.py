"""`rexian quality-sample [--date YYYY-MM-DD]`: draw one day's sample for the quality inspectors (抽检) now.

The worker's nightly `quality_sample` job does this for the day before; the command is for a day the worker
missed (it was stopped) or for checking the sample by hand. It calls the same service, so it is as idempotent
as the job: a day already sampled only gets what an operator still lacks, normally nothing.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rexian.core.dates import FIRST_DAY
from rexian.quality.services import quality_sample
from rexian.units.models import User



class Command(BaseCommand):
    help = "抽取某一天的质检样本（默认昨天）。Draw one day's quality sample (default yesterday), as the nightly job does."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day the orders were registered, YYYY-MM-DD (default: yesterday, local)")

    def handle(self, *args, date: str | None, **options):
        today = timezone.localdate()
        try:
            day = dt.date.fromisoformat(date) if date else today - dt.timedelta(days=1)
        except ValueError:
            raise CommandError(f"--date 应为 YYYY-MM-DD 格式的日期 (a date as YYYY-MM-DD), not {date!r}.") from None
        if not FIRST_DAY <= day <= today:
            raise CommandError(f"--date 应在 {FIRST_DAY} 与今天之间 (between {FIRST_DAY} and today), not {day}.")
        created = quality_sample(day=day)
        operators = User.objects.in_bulk(list(created))
        for operator in sorted(operators.values(), key=lambda user: user.username):
            self.stdout.write(f"{operator.username}（{operator}）: {created[operator.pk]}")
        total = created.total()
        self.stdout.write(f"{day} 新增质检 {total} 件。Created {total} inspections for {day}.")
