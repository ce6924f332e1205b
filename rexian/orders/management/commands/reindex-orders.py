"""`rexian reindex-orders`: rebuild the full-text index of orders' title and description.

Needed once for orders stored before the index existed, and after a bulk load or a
restore that bypassed `order_register`. With `--missing`, only orders not yet in the
index are added (quick, and safe while staff work); without it, the index is emptied and
rebuilt batch by batch (a word search finds fewer orders until it ends: about 40 s per
100,000 orders on a busy 2-core machine, docs/performance.md).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from rexian.orders.models import WorkOrder
from rexian.orders.search import order_text_reindex


class Command(BaseCommand):
    help = "重建工单全文索引 / Rebuild the full-text index of orders' title and description."

    def add_arguments(self, parser):
        parser.add_argument("--missing", action="store_true", help="only add the orders missing from the index")
        parser.add_argument("--batch", type=int, default=5000, help="orders per transaction (default 5000)")

    def handle(self, *args, missing: bool, batch: int, **options):
        columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TimeRemainingColumn()]
        ids = WorkOrder.objects.values_list("pk", flat=True) if missing else None
        with Progress(*columns, disable=options["verbosity"] == 0) as progress:
            # With --missing the number to add is known only at the end.
            task = progress.add_task("索引 indexing", total=None if missing else WorkOrder.objects.count())
            indexed = order_text_reindex(order_ids=ids, batch=batch, progress=lambda n: progress.update(task, advance=n))
        self.stdout.write(f"已索引 {indexed} 张工单 / indexed {indexed} orders.")
