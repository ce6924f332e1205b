"""`rexian call-stats --from YYYY-MM-DD --to YYYY-MM-DD [--line L]`: the call figures for a period.

The last line is exactly
`offered=N answered=N connection_rate=0.xxxx answered_15s_rate=0.xxxx abandoned=N`
for scripts (rates with four decimals, 0.0000 when no call was offered).
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rich.console import Console
from rich.table import Table

from rexian.catalog.models import Line
from rexian.telephony import conf
from rexian.telephony.figures import CallFigures, call_figures


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{text!r}. Dates are YYYY-MM-DD: {text!r}.") from None


def _rate(value: float | None) -> str:
    return f"{value:.4f}" if value is not None else "0.0000"


def _pct(value: float | None) -> str:
    return f"{value:.2%}" if value is not None else "—"


def _secs(value: float | None) -> str:
    return f"{value:.1f} s" if value is not None else "—"


class Command(BaseCommand):
    help = "话务指标：接通率、15秒接通率、放弃率等。Call figures for a period (dates inclusive, local time)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD (inclusive)")
        parser.add_argument("--line", help="only this line (its code or number, e.g. 12345)")

    def handle(self, *args, date_from: str, date_to: str, line: str | None, **options):
        first, last = _date(date_from), _date(date_to)
        if last < first:
            raise CommandError("--to 不能早于 --from。--to must not be before --from.")
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(first, dt.time(), tzinfo=tz)
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        try:
            total = call_figures(start, end, line=line)
        except Line.DoesNotExist:
            raise CommandError(f"没有热线 {line!r}。No line with code or number {line!r}.") from None
        console = Console(file=self.stdout, highlight=False, soft_wrap=True)
        scope = f"热线 line {line}" if line else "全部热线 all lines"
        console.print(f"{first} — {last}, {scope}")
        table = Table(show_header=True)
        table.add_column("指标 figure")
        table.add_column("值 value", justify="right")
        target, short = conf.answer_target_seconds(), conf.short_abandon_seconds()
        for label, value in (
            ("呼入 offered", f"{total.offered:,}"),
            ("接通 answered", f"{total.answered:,}"),
            ("接通率 connection rate", _pct(total.connection_rate)),
            (f"{target:g}秒接通率 answered within {target:g} s", _pct(total.answered_in_target_rate)),
            ("放弃 abandoned", f"{total.abandoned:,}"),
            ("放弃率 abandonment rate", _pct(total.abandonment_rate)),
            ("未接通(超时等) unanswered", f"{total.unanswered:,}"),
            (f"{short:g}秒内放弃(不计) short abandons (not counted)", f"{total.short_abandoned:,}"),
            ("平均等待 average wait", _secs(total.average_wait_seconds)),
            ("平均处理时长 average handling time", _secs(total.average_handling_seconds)),
            ("坐席利用率 occupancy", _pct(total.occupancy)),
        ):
            table.add_row(label, value)
        console.print(table)
        if not line:
            self._by_line(console, start, end)
        self.stdout.write(self.last_line(total))

    @staticmethod
    def last_line(total: CallFigures) -> str:
        return (
            f"offered={total.offered} answered={total.answered} connection_rate={_rate(total.connection_rate)} "
            f"answered_15s_rate={_rate(total.answered_in_target_rate)} abandoned={total.abandoned}"
        )

    def _by_line(self, console: Console, start: dt.datetime, end: dt.datetime) -> None:
        rows = [row for row in call_figures(start, end, by="line") if row.offered or row.short_abandoned]
        if len(rows) < 2:
            return
        table = Table(title="按热线 by line")
        for column in ("热线 line", "呼入 offered", "接通率 connection", "15秒 within 15 s", "放弃 abandoned"):
            table.add_column(column, justify="left" if column.startswith("热线") else "right")
        for row in rows:
            table.add_row(row.label, f"{row.offered:,}", _pct(row.connection_rate),
                          _pct(row.answered_in_target_rate), f"{row.abandoned:,}")
        console.print(table)
