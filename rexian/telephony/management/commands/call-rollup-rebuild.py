"""`rexian call-rollup-rebuild [--from YYYY-MM-DD --to YYYY-MM-DD]`: count the call rollups again from the calls.

Without dates everything is rebuilt in one transaction (after a bulk load, after
changing REXIAN_TIME_ZONE, REXIAN_CALL_SHORT_ABANDON_SECONDS or
REXIAN_CALL_ANSWER_TARGET_SECONDS, on a database from before the rollups). With
dates, only the calls and agents' time of those local days, a week per
transaction, which is safe while calls keep arriving.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rexian.telephony.rollups import call_rollup_rebuild


def _day(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option} 日期格式应为 YYYY-MM-DD：{text!r}. {option} takes YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = "重建话务汇总表。Rebuild the call rollups (话务汇总) from the calls and the agents' intervals."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", help="first local day, YYYY-MM-DD (default: all)")
        parser.add_argument("--to", dest="end", help="last local day, YYYY-MM-DD (default: today)")

    def handle(self, *args, start: str | None, end: str | None, **options):
        first = _day(start, "--from") if start else None
        last = _day(end, "--to") if end else None
        if first and last and last < first:
            raise CommandError("--to 不能早于 --from. --to must not be before --from.")
        console = Console(file=self.stdout, highlight=False, soft_wrap=True)
        with Progress(TextColumn("[bold]重建话务汇总 Rebuilding call rollups"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console) as progress:
            task = progress.add_task("rebuild", total=None)
            result = call_rollup_rebuild(
                first, last, progress=lambda done, total: progress.update(task, completed=done, total=total)
            )
        scope = f"{result.days} 天 days" if result.days else "全部 all"
        console.print(
            f"已重建话务汇总（{scope}）：{result.calls} 个来电，汇总表共 {result.rows} 行（{result.seconds:.1f} 秒）。"
            f" Rebuilt the call rollups ({scope}): {result.calls} calls, {result.rows} rollup rows, "
            f"{result.seconds:.1f} s."
        )
