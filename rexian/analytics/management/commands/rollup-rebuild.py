"""`rexian rollup-rebuild [--from YYYY-MM-DD --to YYYY-MM-DD]`: recompute the metrics' rollups from the orders.

Without dates everything is rebuilt (after a bulk load or a change of
REXIAN_METRICS_REPEAT_CALL_DAYS or REXIAN_TIME_ZONE; run it while nothing else
writes). With dates, only the orders registered in that range, a week per
transaction, which is safe while the hotline works.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rexian.analytics.management.commands.metrics import parse_day
from rexian.analytics.rollups import rollup_rebuild


class Command(BaseCommand):
    help = "重建统计汇总表。Rebuild the metrics' facts and rollups from the orders tables."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", help="first registration day, YYYY-MM-DD (default: all)")
        parser.add_argument("--to", dest="end", help="last registration day, YYYY-MM-DD (default: today)")

    def handle(self, *args, start: str | None, end: str | None, **options):
        first = parse_day(start, "--from") if start else None
        last = parse_day(end, "--to") if end else None
        if first and last and last < first:
            raise CommandError("--to 不能早于 --from. --to must not be before --from.")
        console = Console(file=self.stdout, highlight=False, soft_wrap=True)
        with Progress(TextColumn("[bold]重建汇总 Rebuilding rollups"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console) as progress:
            task = progress.add_task("rebuild", total=None)
            result = rollup_rebuild(
                first, last, progress=lambda done, total: progress.update(task, completed=done, total=total)
            )
        console.print(
            f"已重建：{result.orders} 张工单，{result.facts} 条指标明细（{result.seconds:.1f} 秒）。"
            f" Rebuilt {result.orders} orders, {result.facts} facts in {result.seconds:.1f} s."
        )
