"""`rexian train`: retrain every model from the hotline's own orders (the worker does it nightly).

    rexian train [--model category|appeal_type|dispatch ...] [--max-orders N]

Each model is trained on its newest orders except a held-out slice of the newest tenth, scored on that slice,
saved as the next version, and made active only if it scores no worse than the active version
(`rexian.intelligence.training`). One line per model:
`model=… version=… examples=… holdout=… score=… previous=… activated=yes|no seconds=…`.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from rich.console import Console

from rexian.intelligence.models import ModelKind
from rexian.intelligence.training import train_model


class Command(BaseCommand):
    help = "训练全部智能模型 / Retrain every model from the hotline's orders; activate those that score no worse."

    def add_arguments(self, parser):
        parser.add_argument("--model", action="append", choices=ModelKind.values, help="only this model (repeatable)")
        parser.add_argument("--max-orders", type=int, help="newest orders per model (default REXIAN_TRAIN_MAX_ORDERS)")

    def handle(self, *args, model=None, max_orders=None, **options):
        status = Console(stderr=True)
        for kind in model or ModelKind.values:
            with status.status(f"训练 {ModelKind(kind).label} / training {kind} …"):
                result = train_model(kind, limit=max_orders)
            self.stdout.write(result.summary_line())
