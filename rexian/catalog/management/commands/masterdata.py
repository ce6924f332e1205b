"""`rexian masterdata export FILE.xlsx` / `rexian masterdata import FILE.xlsx [--dry-run]`.

A thin shell over rexian.catalog.services: every rule lives there.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from rexian.catalog.services import MasterdataFileError, masterdata_export, masterdata_import


class Command(BaseCommand):
    help = "导出或导入基础数据工作簿（单位、诉求类型、分类、时限规则、派单目录、工作日历……）。"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{export,import}")
        export = actions.add_parser("export", help="把全部基础数据写入一个 .xlsx 工作簿。")
        export.add_argument("file", help="要写入的 .xlsx 文件")
        load = actions.add_parser("import", help="导入 .xlsx 工作簿：任一行有误则全部撤销。")
        load.add_argument("file", help="要导入的 .xlsx 文件")
        load.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入。")

    def handle(self, *args, action: str, file: str, dry_run: bool = False, **options):
        if action == "export":
            self._export(file)
        else:
            self._import(file, dry_run=dry_run)

    def _export(self, file: str) -> None:
        try:
            counts = masterdata_export(file)
        except OSError as exc:
            raise CommandError(f"无法写入“{file}”：{exc.strerror or exc}") from None
        for title, rows in counts:
            self.stdout.write(f"{title}：{rows} 行")
        self.stdout.write(self.style.SUCCESS(f"已导出到 {file}"))

    def _import(self, file: str, *, dry_run: bool) -> None:
        try:
            report = masterdata_import(file, dry_run=dry_run)
        except MasterdataFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(report.as_text())
        if not report.ok:
            raise CommandError(f"导入被拒绝：{len(report.rejected)} 处错误，未写入任何数据。")
