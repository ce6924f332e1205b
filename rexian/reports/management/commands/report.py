"""`rexian report`: generate a report on demand and write it as Word, PDF and Excel files.

    rexian report daily [--date 2026-03-05]
    rexian report monthly [--month 2026-03]
    rexian report special --from 2026-01-01 --to 2026-03-31 [--category 0101] [--area C-CD] [--keyword 电梯]
    rexian report quick --issue 12 | --surge 3
    … [--publish [--correction TEXT]] [--out DIR]

The report is stored (a draft, or published with --publish: numbered and delivered to the
leaders' reading lists) and its three files are written to --out (default: the current
folder), one path per line. A report whose kind, period and topic are published already is
published only with --correction, saying what it corrects (更正说明). Without a CJK font the PDF is not written and the command fails with the
reason, after writing the other files.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rexian.reports import services
from rexian.reports.builders import ReportError
from rexian.reports.render import FORMATS, render
from rexian.reports.render.fonts import FontMissing


class Command(BaseCommand):
    help = "生成报告并写出 Word、PDF、Excel 文件。Generate a report (daily, monthly, special, quick) and write its files."

    def add_arguments(self, parser):
        kinds = parser.add_subparsers(dest="kind", required=True, metavar="{daily,monthly,special,quick}")

        def common(sub):
            sub.add_argument("--publish", action="store_true", help="publish it: number it and deliver it to leaders")
            sub.add_argument(
                "--correction", default="",
                help="with --publish, when the same report is published already: what this issue corrects (更正说明)",
            )
            sub.add_argument("--out", default=".", help="folder for the files (default: the current folder)")
            return sub

        daily = common(kinds.add_parser("daily", help="工作日报 of one day (default: yesterday)"))
        daily.add_argument("--date", help="the day, YYYY-MM-DD")
        monthly = common(kinds.add_parser("monthly", help="简报 of one month (default: last month)"))
        monthly.add_argument("--month", help="the month, YYYY-MM")
        special = common(kinds.add_parser("special", help="专报 on a category, area or keyword over a period"))
        special.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
        special.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
        special.add_argument("--category", help="category code (its subcategories included)")
        special.add_argument("--area", help="area (town or community) code")
        special.add_argument("--keyword", default="", help="words in the orders' title or description")
        quick = common(kinds.add_parser("quick", help="快报 on a hot issue or a surge"))
        source = quick.add_mutually_exclusive_group(required=True)
        source.add_argument("--issue", type=int, help="HotIssue id (see /console/hotspots/)")
        source.add_argument("--surge", type=int, help="Surge id")

    def handle(self, *args, kind: str, publish: bool, correction: str, out: str, **options):
        params = {
            "daily": lambda: {"day": options.get("date")},
            "monthly": lambda: {"month": options.get("month")},
            "special": lambda: {key: options.get(key) for key in ("start", "end", "category", "area", "keyword")},
            "quick": lambda: {"issue": options.get("issue"), "surge": options.get("surge")},
        }[kind]()
        folder = Path(out)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(f"无法创建输出目录 {folder}：{error}") from None
        try:
            report = services.report_generate(kind, **params)
            if publish:
                report = services.report_publish(report, correction=correction)
        except services.ReportAlreadyPublished as error:
            raise CommandError(
                f"{error}\n草稿已保存（报告 {report.pk}）：可在报告中心作为更正版发布，或加 --correction \"更正说明\" 重新运行。"
            ) from None
        except ReportError as error:
            raise CommandError(str(error)) from None
        self.stderr.write(f"{report.title}（{report.issue_label}）")
        failed = []
        for fmt in FORMATS:
            try:
                rendered = render(report, fmt)
            except FontMissing as missing:
                failed.append(f"{fmt}: {missing}")
                continue
            path = folder / rendered.filename
            path.write_bytes(rendered.data)
            self.stdout.write(str(path))
        if failed:
            raise CommandError("\n".join(failed))
