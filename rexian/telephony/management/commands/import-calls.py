"""`rexian import-calls FILE [--format cdr|queue_log]`: import Asterisk call records (see docs/telephony.md)."""

from __future__ import annotations

import csv

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from rexian.telephony.importers import DEFAULT_BATCH, ImportFileError, calls_import

SHOWN_REJECTIONS = 20


class Command(BaseCommand):
    help = (
        "导入 Asterisk 话单（Master.csv）或队列日志（queue_log），可断点续传，重复导入不会重复计入。"
        " Import an Asterisk Master.csv (CDR) or queue_log; resumable, and importing twice adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the Master.csv or queue_log file")
        parser.add_argument("--format", choices=["cdr", "queue_log"], help="the file's format (default: detected)")
        parser.add_argument("--source", default="asterisk",
                            help="the switch's code, the same as its CTI source's (default: asterisk)")
        parser.add_argument("--tz", dest="time_zone",
                            help="time zone of the CDR's times (default: REXIAN_TIME_ZONE; 'UTC' with usegmtime=yes)")
        parser.add_argument("--restart", action="store_true",
                            help="read the file from the beginning again (nothing is added twice)")
        parser.add_argument("--batch", type=int, default=DEFAULT_BATCH, help="lines per committed batch")
        parser.add_argument("--report", help="write every rejected line (number and reason) to this CSV file")

    def handle(self, *args, file: str, format: str | None, source: str, time_zone: str | None, restart: bool,
               batch: int, report: str | None, **options):
        if batch < 1:
            raise CommandError("--batch must be at least 1.")
        console = Console(file=self.stdout, highlight=False, soft_wrap=True)
        columns = [TextColumn("[bold]导入 importing"), BarColumn(), DownloadColumn(),
                   TextColumn("{task.fields[lines]}"), TimeElapsedColumn(), TimeRemainingColumn()]
        try:
            with Progress(*columns, console=console, transient=True) as progress:
                task = progress.add_task("import", total=None, lines="")

                def advance(done: int, total: int, so_far) -> None:
                    progress.update(task, completed=done, total=total, lines=f"{so_far.lines:,} 行 lines")

                result = calls_import(path=file, format=format, source=source, time_zone=time_zone,
                                      batch_size=batch, restart=restart, progress=advance)
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        record = result.call_import
        if result.already_imported:
            console.print(f"{file} 已全部导入（{record.line_no:,} 行），未做改动。"
                          f" Already imported ({record.line_no:,} lines); nothing to do.")
            return
        if result.resumed_from_line:
            line = result.resumed_from_line + 1
            console.print(f"从第 {line:,} 行继续。Resumed at line {line:,}.")
        console.print(
            f"{result.format}: 读取 {result.lines:,} 行 read, 新事件 {result.accepted:,} new events, "
            f"重复 {result.duplicates:,} duplicates, 忽略 {result.ignored:,} ignored, "
            f"拒绝 {result.rejected:,} rejected ({result.seconds:.1f} s)."
        )
        for reason, count in sorted(result.ignored_by_reason.items(), key=lambda item: -item[1]):
            console.print(f"  忽略 ignored {count:,}: {reason}")
        for line_no, reason in result.rejections[:SHOWN_REJECTIONS]:
            console.print(f"  拒绝 rejected line {line_no}: {reason}")
        if result.rejected > SHOWN_REJECTIONS:
            console.print(f"  … {result.rejected - SHOWN_REJECTIONS:,} more rejected lines"
                          + (f" (all in {report})" if report else " (use --report FILE to list them all)"))
        if result.pending_partial_line:
            console.print("最后一行尚未写完，下次导入时再读。"
                          "The last line has no newline yet: it is left for the next run.")
        if report:
            with open(report, "w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(["line", "reason"])
                writer.writerows(result.rejections)
