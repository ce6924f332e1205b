"""`rexian demo`: load the demo city 江安市 with 90 days of work orders into an empty database.

The Makefile runs `migrate` first; this command creates no tables. Run twice,
it says the demo is already there and prints the accounts again.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from rexian.demo import data
from rexian.demo.generator import (
    DEFAULT_DAYS,
    DEFAULT_PER_DAY,
    DEFAULT_SEED,
    DEMO_API_TOKEN,
    DEMO_ACCOUNTS,
    DemoRefused,
    demo_is_loaded,
    demo_load,
)
from rexian.units.models import Role


DEMO_TRAINING_ORDERS = 6000  # per model: enough for believable suggestions, under a minute on a small machine


class Command(BaseCommand):
    help = "加载演示城市（江安市）及其工单。Load the demo city (江安市) and its work orders into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="days of orders, ending now (default 90)")
        parser.add_argument("--per-day", type=int, default=DEFAULT_PER_DAY, help="orders a day (default 500)")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (same seed, same city)")

    def handle(self, *args, days: int, per_day: int, seed: int, **options):
        console = Console(file=self.stdout, highlight=False, soft_wrap=True)
        if days < 1 or per_day < 0:
            raise CommandError("--days 至少为 1，--per-day 不能为负数。--days must be at least 1 and --per-day not negative.")
        if demo_is_loaded():
            console.print("演示数据已经加载，未做任何改动。The demo data is already loaded; nothing was changed.")
            self._accounts(console)
            return
        started = time.monotonic()
        try:
            with Progress(
                TextColumn("[bold]加载工单 Loading orders"), BarColumn(), MofNCompleteColumn(), TextColumn("天 days"),
                TimeElapsedColumn(), console=console, transient=False,
            ) as progress:
                task = progress.add_task("days", total=days)
                summary = demo_load(
                    days=days, per_day=per_day, seed=seed,
                    progress=lambda done, total: progress.update(task, completed=done),
                )
        except DemoRefused as refused:
            raise CommandError(
                f"数据库中已有非演示数据（{refused}），为免混淆，拒绝加载演示数据；请使用空数据库。"
                f" The database already holds data that is not the demo's ({refused});"
                " refusing to load the demo beside it. Use an empty database."
            ) from None
        elapsed = time.monotonic() - started
        console.print(
            f"已加载 {data.CITY_NAME}：{summary.units} 个单位，{summary.leaf_categories} 个末级分类，"
            f"{summary.dispatch_rules} 条派单目录，{summary.users} 个用户，{summary.orders} 张工单，"
            f"{summary.events} 条流转记录，{summary.calls} 通来电（{elapsed:.1f} 秒）。"
        )
        console.print(
            f"Loaded {summary.units} units, {summary.leaf_categories} leaf categories, {summary.users} users, "
            f"{summary.orders} orders, {summary.events} events and {summary.calls} calls in {elapsed:.1f} s."
        )
        console.print(
            f"一企来：{summary.enterprises} 份企业档案，{summary.policies} 条涉企政策，{summary.policy_pushes} 条推送记录。"
            f" Enterprise desk: {summary.enterprises} profiles, {summary.policies} policies,"
            f" {summary.policy_pushes} pushes."
        )
        self._train(console)
        self._reports(console)
        self._accounts(console)

    def _train(self, console: Console) -> None:
        """The intelligence's first versions, from the newest demo orders, so intake and dispatch show 智能建议."""
        from rexian.intelligence.training import train_all

        with console.status("训练智能模型 Training the models …"):
            results = train_all(limit=DEMO_TRAINING_ORDERS)
        for result in results:
            console.print(result.summary_line())

    def _reports(self, console: Console) -> None:
        """Last month's 简报 and yesterday's 工作日报, published, so the leaders' reading list has something, and the
        leader's 批示 on the 简报."""
        from rexian.reports.models import Report
        from rexian.reports.services import report_generate_and_publish
        from rexian.supervision.demo_data import demo_report_instruction_load

        for kind in (Report.Kind.MONTHLY, Report.Kind.DAILY):
            report = report_generate_and_publish(kind)
            console.print(f"已发布{report.get_kind_display()}：{report.title}（{report.issue_label}）。")
            if kind == Report.Kind.MONTHLY and demo_report_instruction_load(report) is not None:
                console.print("领导在简报上作出批示，住建局已签收。")

    def _accounts(self, console: Console) -> None:
        table = Table(title="演示账号 Demo accounts", show_lines=False)
        table.add_column("用户名 username")
        table.add_column("角色 role")
        for username, role, unit_key in DEMO_ACCOUNTS:
            label = Role(role).label
            if unit_key not in (None, "CITY"):
                label = f"{label}（住建局）"
            table.add_row(username, str(label))
        console.print(table)
        console.print(f"密码 password: [bold]{data.DEMO_PASSWORD}[/bold]（所有账号 all accounts）")
        console.print("工作台 staff console: [bold]/console/[/bold]（用上面的账号登录 sign in with an account above）")
        console.print(
            f"REST 接口令牌 API token (dispatcher): [bold]{DEMO_API_TOKEN}[/bold] — /api/v1/docs/；"
            "Open311 api_key: [bold]demo-key[/bold] — /open311/discovery.json"
        )
