"""`rexian import-orders FILE --user USERNAME [--dry-run]`: load an old system's orders with their history.

The format and what each column becomes: docs/import.md. Every rejected row is
listed with its row number and reason; the last line is the summary
`imported=N skipped=N rejected=N`; the exit status is 1 when a row was rejected.
"""

from __future__ import annotations

import csv

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from rexian.orders.importer import DEFAULT_BATCH, ImportFileError, orders_import
from rexian.units.models import User


class Command(BaseCommand):
    help = (
        "导入旧系统的历史工单及其流转记录（.xlsx 或 .csv，格式见 docs/import.md），按原工单号去重，重复导入不会重复计入。"
        " Import an old system's work orders with their history; importing a file again adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx or .csv file (docs/import.md)")
        parser.add_argument("--user", required=True,
                            help="the account running the import (a supervisor): recorded as the callback operator")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        parser.add_argument("--encoding", default="utf-8-sig", help="encoding of a CSV file (default utf-8; e.g. gbk)")
        parser.add_argument("--batch", type=int, default=DEFAULT_BATCH, help="rows per transaction")
        parser.add_argument("--report", help="also write the rejected and skipped rows (row, number, reason) to a CSV")

    def handle(self, *args, file: str, user: str, dry_run: bool, encoding: str, batch: int, report: str | None,
               **options):
        if batch < 1:
            raise CommandError("--batch must be at least 1.")
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(_("找不到启用的账号「%(user)s」。") % {"user": user})
        columns = [SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed:,.0f} 行 rows"),
                   TimeElapsedColumn()]
        try:
            console = Console(file=self.stderr, highlight=False, soft_wrap=True)
            with Progress(*columns, console=console, transient=True, disable=options["verbosity"] == 0) as progress:
                task = progress.add_task("导入中 importing", total=None)
                result = orders_import(actor=actor, path=file, dry_run=dry_run, encoding=encoding, batch_size=batch,
                                       progress=lambda n: progress.update(task, advance=n))
        except (ImportFileError, PermissionDenied) as error:
            raise CommandError(str(error)) from None
        if result.ignored_columns:
            self.stdout.write(_("未识别的列（已忽略）：%(columns)s") % {"columns": "、".join(result.ignored_columns)})
        if options["verbosity"] >= 1:
            for skip in result.skips:
                self.stdout.write(_("第 %(row)d 行 跳过 skipped：%(reason)s") % {"row": skip.row, "reason": skip.reason})
        for rejection in result.rejections:
            self.stdout.write(
                _("第 %(row)d 行 拒绝 rejected（原工单号 %(number)s）：%(reason)s")
                % {"row": rejection.row, "number": rejection.legacy_number or "-", "reason": rejection.reason}
            )
        if report:
            with open(report, "w", encoding="utf-8-sig", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(["row", "legacy_number", "outcome", "reason"])
                rows = [(r.row, r.legacy_number, "rejected", r.reason) for r in result.rejections]
                rows += [(r.row, r.legacy_number, "skipped", r.reason) for r in result.skips]
                writer.writerows(sorted(rows))
        if dry_run:
            self.stdout.write(_("试运行：未写入任何数据（imported 为可导入的行数）。"))
        self.stdout.write(result.summary)
        if result.rejected:
            raise CommandError(_("有 %(n)d 行被拒绝。") % {"n": result.rejected}, returncode=1)
