"""`rexian train-dispatch`: train the smart-dispatch ranker (智能派单) on the hotline's history and save it.

    rexian train-dispatch [--since 2026-01-01] [--output PATH]

Reads every order that reached a unit (its final lead unit, after returns and
re-dispatches) and saves the ranker as the next active version
(`REXIAN_MODEL_DIR/dispatch-v<N>.joblib`), which the console and the API then use
for 智能推荐, with no held-out check: `rexian train` (nightly) is the checked way.
With --output it only writes the file there. An entry point, so unlike the library
it may reach the orders: it goes through `rexian.orders.smart_dispatch`.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rich.console import Console


class Command(BaseCommand):
    help = "训练智能派单模型 / Train the smart-dispatch ranker from the dispatch history."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="only orders registered on or after this date (YYYY-MM-DD)")
        parser.add_argument("--output", help="only write the model to this file (default: a new active version)")

    def handle(self, *args, since=None, output=None, **options):
        from rexian.orders.smart_dispatch import train_dispatch_model

        start = None
        if since:
            try:
                day = dt.date.fromisoformat(since)
            except ValueError:
                raise CommandError(f"日期格式应为 YYYY-MM-DD：{since}. --since must be YYYY-MM-DD.") from None
            start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        path = Path(output) if output else None
        started = time.monotonic()
        # One fit, no steps to count: a spinner rather than a progress bar.
        with Console(stderr=True).status("训练智能派单模型 / training the dispatch ranker …"):
            try:
                ranker, count = train_dispatch_model(since=start, path=path)
            except ValueError as error:
                raise CommandError(str(error)) from None
        self.stdout.write(
            f"orders={count} units={len(ranker.units)} seconds={time.monotonic() - started:.1f} "
            f"saved={path or 'active version'}"
        )

