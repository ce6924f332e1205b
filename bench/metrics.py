"""Benchmark the metrics (rexian.analytics) at N orders: rebuilding the rollups, then the queries dashboards make.

    .venv/bin/python bench/metrics.py --orders 1000000
    # a database kept by `bench/orders.py --keep` (or by this bench):
    .venv/bin/python bench/metrics.py --db /tmp/rexian-bench-1000000.sqlite3 --reuse
    .venv/bin/python bench/metrics.py --orders 1000000 \
        --database-url postgres://postgres@127.0.0.1:5432/rexian_bench_metrics

The orders come from bench/orders.py's generator (a year of orders, a bounded
open backlog; see docs/performance.md). It has no callbacks, so this bench adds
one reached callback to every order closed after a callback (90% satisfied, 8%
basically satisfied, 2% dissatisfied) and one failed attempt to every order
closed as unreachable, in SQL, so that the satisfaction figures have data.

It then times, each over `--samples` calls after `--warmup` untimed ones:

* the full `rollup_rebuild()` (once) and `rollup_refresh([one order])`, the
  work done after every order event;
* `period_metrics` over the last year and the last month, for the whole
  centre, a unit, a unit and a type, a level-1 category, and a combination no
  rollup holds (a unit and a category: summed from the facts);
* `unit_ranking` (部门考评) and `metrics_by("category", level=1)` over a year;
* `metrics_by("day")` and `volume_by_day` over a year, `volume_by_hour` over a month,
  `volume_by_hour_of_day` over a year;
* today so far (the last order's day, at its moment): `period_metrics`, `metrics_by("category")` and
  `unit_ranking`, whose 环比/同比 bases read a day's registrations from the facts (`--days` sets how many
  orders a day holds: `--orders 300000 --days 10` is a big city's 30,000 a day);

and prints p50 / p95 / max with the size of the data, then one `BENCH {json}`
line per measurement. It never fails on timing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.orders import (  # noqa: E402
    OrderGenerator,
    Timing,
    _drop,
    add_data_arguments,
    configure_environment,
    load_average,
    load_world,
    machine,
    phone_pool,
    prepare_target,
    seed_master_data,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    add_data_arguments(parser, orders=1_000_000, db_name="rexian-bench", help_=False)
    parser.add_argument("--rebuild", action="store_true", help="with --reuse: rebuild the rollups even if present")
    parser.add_argument("--samples", type=int, default=50, help="timed calls of each query (default 50)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed calls of each query first (default 5)")
    parser.add_argument("--refreshes", type=int, default=200, help="single-order refreshes timed (default 200)")
    return parser.parse_args(argv)


def add_callbacks() -> int:
    """Callbacks for the closed orders that went through one (the order generator writes none)."""
    from django.db import connection, transaction

    from rexian.orders.models import Callback

    if Callback.objects.exists():
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO orders_callback (order_id, operator_id, at, reached, satisfaction, solved,"
            " responded_in_time, note) "
            "SELECT id, registered_by_id, closed_at, TRUE,"
            " CASE WHEN id % 100 < 90 THEN 'satisfied' WHEN id % 100 < 98 THEN 'basic' ELSE 'dissatisfied' END,"
            " id % 100 < 95, id % 100 < 99, '' "
            "FROM orders_workorder WHERE close_reason = 'callback'"
        )
        cursor.execute(
            "INSERT INTO orders_callback (order_id, operator_id, at, reached, satisfaction, note) "
            "SELECT id, registered_by_id, closed_at, FALSE, '', '' FROM orders_workorder"
            " WHERE close_reason = 'unreachable'"
        )
    return Callback.objects.count()


def table_sizes(is_sqlite: bool) -> dict[str, int]:
    """Rows and bytes of the analytics tables (bytes: PostgreSQL only, with indexes)."""
    from django.db import connection

    from rexian.analytics.models import DailyRollup, HourlyRollup, OrderFact

    sizes = {}
    for model in (OrderFact, DailyRollup, HourlyRollup):
        table = model._meta.db_table
        sizes[f"{table}_rows"] = model.objects.count()
        if not is_sqlite:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_total_relation_size(%s)", [table])
                sizes[f"{table}_bytes"] = cursor.fetchone()[0]
    return sizes


def database_bytes(target) -> int:
    from django.db import connection

    if target.is_sqlite:
        return sum(Path(f"{target.sqlite_path}{s}").stat().st_size for s in ("", "-wal")
                   if Path(f"{target.sqlite_path}{s}").exists())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return cursor.fetchone()[0]


def query_calls(rng: random.Random) -> dict:
    """The measured calls, each drawing its own random unit, type or category."""
    from django.db.models import Max
    from django.utils import timezone

    from rexian.analytics import metrics as m
    from rexian.catalog.models import AppealType, Category, Channel
    from rexian.orders.models import WorkOrder
    from rexian.units.models import Unit

    last = WorkOrder.objects.aggregate(last=Max("registered_at"))["last"]
    today = timezone.localtime(last, timezone.get_default_timezone()).date()
    year = {"start": today - dt.timedelta(days=364), "end": today}
    month = {"start": today - dt.timedelta(days=29), "end": today}
    units = list(Unit.objects.filter(accepts_orders=True).values_list("pk", flat=True))
    types = list(AppealType.objects.values_list("pk", flat=True))
    tops = list(Category.objects.filter(level=1).values_list("pk", flat=True))
    towns = list(Unit.objects.filter(kind=Unit.Kind.TOWN).values_list("pk", flat=True))
    channels = list(Channel.objects.values_list("pk", flat=True))
    unit = lambda: rng.choice(units)  # noqa: E731
    top = lambda: rng.choice(tops)  # noqa: E731
    town = lambda: rng.choice(towns)  # noqa: E731
    return {
        "period_year": lambda: m.period_metrics(**year),
        "period_month": lambda: m.period_metrics(**month),
        "period_year_unit": lambda: m.period_metrics(**year, unit=unit()),
        "period_year_unit_type": lambda: m.period_metrics(**year, unit=unit(), appeal_type=rng.choice(types)),
        "period_year_category": lambda: m.period_metrics(**year, category=rng.choice(tops)),
        "unit_ranking_year": lambda: m.unit_ranking(**year),
        "by_category_year": lambda: m.metrics_by("category", **year, level=1),
        "by_day_year": lambda: m.metrics_by("day", **year),
        "volume_by_day_year": lambda: m.volume_by_day(**year),
        "volume_by_hour_month": lambda: m.volume_by_hour(**month),
        "hour_of_day_year": lambda: m.volume_by_hour_of_day(**year),
        # The pairs a topic report (专报) reads: a category or a town, broken down (metrics.PAIRS).
        "period_year_unit_category": lambda: m.period_metrics(**year, unit=unit(), category=top()),
        "by_type_year_of_category": lambda: m.metrics_by("type", **year, category=top()),
        "by_unit_year_of_category": lambda: m.metrics_by("unit", **year, category=top()),
        "by_town_year_of_category": lambda: m.metrics_by("area", **year, category=top(), level=Unit.Kind.TOWN),
        "by_category_year_of_town": lambda: m.metrics_by("category", **year, area=town(), level=1),
        "by_type_year_of_town": lambda: m.metrics_by("type", **year, area=town()),
        "by_unit_year_of_town": lambda: m.metrics_by("unit", **year, area=town()),
        "by_month_year_of_category": lambda: m.metrics_by("month", **year, category=top()),
        # Today so far, at the last order's moment: the 环比 and 同比 bases read their last day's registrations up
        # to that hour from the facts (metrics.cut_hour), so these grow with a day's orders, not with the history.
        "period_today": lambda: m.period_metrics(start=today, end=today, now=last),
        "by_category_today": lambda: m.metrics_by("category", start=today, end=today, level=1, now=last),
        "unit_ranking_today": lambda: m.unit_ranking(start=today, end=today, now=last),
        # A combination no rollup holds is summed from the facts.
        "period_month_channel_category (facts)": lambda: m.period_metrics(
            **month, channel=rng.choice(channels), category=top()
        ),
        "period_year_channel_category (facts)": lambda: m.period_metrics(
            **year, channel=rng.choice(channels), category=top()
        ),
    }


def measure(calls: dict, samples: int, warmup: int, budget: float = 60.0) -> list[Timing]:
    timings = []
    for name, call in calls.items():
        deadline = time.perf_counter() + budget
        for _ in range(warmup):
            call()
            if time.perf_counter() > deadline:
                break
        timing = Timing(name, [])
        for n in range(samples):
            started = time.perf_counter()
            result = call()
            timing.samples.append(time.perf_counter() - started)
            timing.rows += len(result) if isinstance(result, list) else 1
            if n >= 9 and time.perf_counter() > deadline:
                break
        timings.append(timing)
    return timings


def measure_refresh(count: int, rng: random.Random) -> Timing:
    """`rollup_refresh` of random orders, as after an order event (the facts are already right: same work)."""
    from django.db.models import Max, Min

    from rexian.analytics.rollups import rollup_refresh
    from rexian.orders.models import WorkOrder

    bounds = WorkOrder.objects.aggregate(low=Min("pk"), high=Max("pk"))
    timing = Timing("rollup_refresh (one order)", [])
    for _ in range(count):
        pk = rng.randint(bounds["low"], bounds["high"])
        started = time.perf_counter()
        rollup_refresh([pk])
        timing.samples.append(time.perf_counter() - started)
        timing.rows += 1
    return timing


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    target = prepare_target(args)
    configure_environment(target, args)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from rich.console import Console
    from rich.table import Table

    from rexian.analytics.models import OrderFact
    from rexian.analytics.rollups import rollup_rebuild
    from rexian.orders.models import WorkOrder

    console = Console()
    rng = random.Random(args.seed)
    results: list[dict] = []
    console.print(f"[bold]Rexian metrics benchmark[/] on {target.label} — {machine()}")
    try:
        call_command("migrate", verbosity=0)
        if not args.reuse:
            world = seed_master_data(rng)
            generator = OrderGenerator(
                world=world, rng=rng, phones=phone_pool(args.seed, args.orders), now=timezone.now(), args=args
            )
            with console.status(f"generating {args.orders:,} orders (bench/orders.py's generator)…"):
                generation = generator.run(lambda n: None)
            console.print(f"Generated {generation.orders:,} orders in {generation.seconds:.0f} s.")
        else:
            load_world()
            console.print(f"Reusing {WorkOrder.objects.count():,} orders.")
        with console.status("adding callbacks…"):
            started = time.perf_counter()
            callbacks = add_callbacks()
        if callbacks:
            console.print(f"Added {callbacks:,} callbacks in {time.perf_counter() - started:.0f} s.")
        size_before = database_bytes(target)
        if args.rebuild or not args.reuse or not OrderFact.objects.exists():
            with console.status("rollup_rebuild()…"):
                rebuild = rollup_rebuild()
            console.print(f"rollup_rebuild(): {rebuild.orders:,} orders, {rebuild.facts:,} facts in "
                          f"{rebuild.seconds:.1f} s.")
            results.append({"metric": "rollup_rebuild", "orders": rebuild.orders, "facts": rebuild.facts,
                            "seconds": round(rebuild.seconds, 1)})
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                cursor.execute("select sqlite_version()")
                db_version = "SQLite " + cursor.fetchone()[0]
            else:
                cursor.execute("show server_version")
                db_version = "PostgreSQL " + cursor.fetchone()[0]
        connection.close()  # reconnect with the settings' pragmas (the loader changed the cache size)
        sizes = {"orders": WorkOrder.objects.count(), **table_sizes(target.is_sqlite),
                 "db_bytes": database_bytes(target), "db_bytes_before_rollups": size_before}

        timings = measure(query_calls(rng), args.samples, args.warmup)
        if args.refreshes:
            timings.append(measure_refresh(args.refreshes, rng))

        table = Table(title=f"{sizes['orders']:,} orders — {db_version}")
        for column in ("measurement", "samples", "p50 ms", "p95 ms", "max ms", "rows/call"):
            table.add_column(column, justify="left" if column == "measurement" else "right")
        for timing in timings:
            s = timing.summary()
            table.add_row(timing.name, str(s["samples"]), f"{s['p50_ms']:.2f}", f"{s['p95_ms']:.2f}",
                          f"{s['max_ms']:.2f}", f"{s['avg_rows']:.0f}")
            results.append({"metric": timing.name, "orders": sizes["orders"], **s})
        console.print(table)
        console.print("Data: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
        results.append({"metric": "data", "database": db_version, **sizes, "load": load_average()})
        for result in results:
            print("BENCH " + json.dumps(result, ensure_ascii=False))
    finally:
        connection.close()
        if not args.keep and not args.reuse:
            _drop(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
