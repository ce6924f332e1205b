"""Benchmark building the reports (rexian.reports.builders) on a database of N orders kept by `bench/pages.py`.

    .venv/bin/python bench/pages.py --orders 1000000 --db /tmp/rexian-pages-1m.sqlite3 --replace --keep
    .venv/bin/python bench/reports.py --db /tmp/rexian-pages-1m.sqlite3
    .venv/bin/python bench/reports.py --database-url postgres://postgres@127.0.0.1:5432/rexian_bench_pages

The database needs what `bench/pages.py --keep` leaves: a year of orders with the word index of their text
(its vocabulary: 40 kinds of request, 200 estates, a phrase every order holds, one rare word) and the
metrics' rollups. This bench builds, `--samples` times each (default 1: these are jobs of seconds, made by
the worker or from the report centre), what a report's content is (`build_*`, the work of
`report_generate` less the insert):

* 工作日报 of yesterday; 工作简报 of the last full month;
* 专报 over the last 365 days on a level-1 category, on a town, and on keywords: a kind of request
  (电梯, some 2.5% of the orders), an estate (幸福花园, 0.5%), the rare word (麒麟), and the phrase every
  order holds (反映, the worst case); and on a kind of request over the last 30 days.

For each it prints the seconds of the whole build, the part spent on the hot issues (reading and clustering
the orders, `rexian.hotspots.selectors.hot_issues`), how many orders were clustered (the period's and the
period before's) and the days the hot issues cover (a period holding more than
`builders.HOT_ISSUE_MAX_ORDERS` orders is clustered over its last days), then the data size and one
`BENCH {json}` line per report. Never fails on timing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.orders import configure_environment, load_average, machine, prepare_target  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="SQLite file kept by bench/pages.py --keep")
    parser.add_argument("--database-url", help="PostgreSQL database kept by bench/pages.py --keep")
    parser.add_argument("--samples", type=int, default=1, help="builds of each report (default 1)")
    parser.add_argument("--only", help="comma-separated report names to build (default: all)")
    args = parser.parse_args(argv)
    if not args.db and not args.database_url:
        parser.error("name the kept database: --db FILE or --database-url URL")
    args.reuse, args.keep, args.replace, args.orders = True, True, False, 0
    return args


class HotIssueMeter:
    """Wraps `hot_issues` and `order_messages` to add up their time and the orders they read."""

    def __init__(self):
        from rexian.hotspots import selectors

        self.selectors = selectors
        self.real_hot, self.real_messages = selectors.hot_issues, selectors.order_messages
        self.seconds, self.orders, self.windows = 0.0, 0, []

        def hot_issues(**kwargs):
            started = time.perf_counter()
            try:
                return self.real_hot(**kwargs)
            finally:
                self.seconds += time.perf_counter() - started
                self.windows.append((kwargs["start"], kwargs["end"]))

        def order_messages(*args, **kwargs):
            messages, dims = self.real_messages(*args, **kwargs)
            self.orders += len(messages)
            return messages, dims

        selectors.hot_issues, selectors.order_messages = hot_issues, order_messages

    def reset(self) -> None:
        self.seconds, self.orders, self.windows = 0.0, 0, []


def reports(now: dt.datetime) -> dict:
    from django.utils import timezone

    from rexian.catalog.models import Category
    from rexian.reports import builders
    from rexian.units.models import Unit

    today = timezone.localdate(now)
    first_of_month = today.replace(day=1)
    last_month = (first_of_month - dt.timedelta(days=1)).replace(day=1)
    year_start, month_start = today - dt.timedelta(days=365), today - dt.timedelta(days=30)
    yesterday = today - dt.timedelta(days=1)
    category = Category.objects.filter(level=1).order_by("code").first()
    town = Unit.objects.filter(kind=Unit.Kind.TOWN).order_by("code").first()

    def special(start, topic):
        return lambda: builders.build_special(start, yesterday, topic=topic, now=now)

    topic = builders.resolve_topic
    return {
        "daily": lambda: builders.build_daily(yesterday, now=now),
        "monthly": lambda: builders.build_monthly(last_month, now=now),
        "special_category_year": special(year_start, topic(category=category.code)),
        "special_town_year": special(year_start, topic(area=town.code)),
        "special_keyword_kind_year": special(year_start, topic(keyword="电梯")),
        "special_keyword_estate_year": special(year_start, topic(keyword="幸福花园")),
        "special_keyword_rare_year": special(year_start, topic(keyword="麒麟")),
        "special_keyword_everywhere_year": special(year_start, topic(keyword="反映")),
        "special_keyword_kind_month": special(month_start, topic(keyword="电梯")),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    target = prepare_target(args)
    configure_environment(target, args)

    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone
    from rich.console import Console
    from rich.table import Table

    from rexian.orders.models import WorkOrder
    from rexian.reports import builders

    console = Console()
    last = WorkOrder.objects.order_by("-registered_at").values_list("registered_at", flat=True).first()
    if last is None:
        sys.exit("The database holds no orders: build it with bench/pages.py --keep first.")
    now = last + dt.timedelta(minutes=5)
    orders = WorkOrder.objects.count()
    console.print(f"[bold]Rexian reports benchmark[/] on {target.label}, {orders:,} orders — {machine()}")
    meter = HotIssueMeter()
    builders_ = reports(now)
    only = set(args.only.split(",")) if args.only else None
    table = Table(title=f"Building reports: {orders:,} orders, {connection.vendor}")
    for column in ("report", "seconds", "hot issues s", "orders clustered", "hot issues cover"):
        table.add_column(column, justify="left" if column in ("report", "hot issues cover") else "right")
    results = []
    for name, build in builders_.items():
        if only and name not in only:
            continue
        times, hot_seconds = [], []
        for _ in range(args.samples):
            meter.reset()
            started = time.perf_counter()
            build()
            times.append(time.perf_counter() - started)
            hot_seconds.append(meter.seconds)
        start, end = meter.windows[-1] if meter.windows else (None, None)
        cover = (f"{timezone.localtime(start):%Y-%m-%d} – {timezone.localtime(end - dt.timedelta(seconds=1)):%Y-%m-%d}"
                 if start else "")
        row = {"metric": f"report_{name}", "orders": orders, "samples": args.samples,
               "seconds": round(statistics.median(times), 2), "max_seconds": round(max(times), 2),
               "hot_issue_seconds": round(statistics.median(hot_seconds), 2), "orders_clustered": meter.orders,
               "hot_issues_cover": cover}
        results.append(row)
        table.add_row(name, f"{row['seconds']:.2f}", f"{row['hot_issue_seconds']:.2f}", f"{meter.orders:,}", cover)
        console.print(f"{name}: {row['seconds']:.2f} s (hot issues {row['hot_issue_seconds']:.2f} s, "
                      f"{meter.orders:,} orders clustered)")
    console.print(table)
    console.print(f"Clustering limit HOT_ISSUE_MAX_ORDERS = {builders.HOT_ISSUE_MAX_ORDERS:,}; load {load_average()}.")
    results.append({"metric": "data", "database": connection.vendor, "orders": orders, "load": load_average()})
    for result in results:
        print("BENCH " + json.dumps(result, ensure_ascii=False))
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
