"""Benchmark the call-record import: generate an Asterisk `Master.csv` of N calls and import it.

    .venv/bin/python bench/calls.py                        # 1,000,000 calls on SQLite
    .venv/bin/python bench/calls.py --calls 100000
    .venv/bin/python bench/calls.py --database-url postgres://postgres@127.0.0.1:5432/rexian_bench_calls

It writes a standard cdr_csv file (18 columns, uniqueid and userfield logged)
of N inbound calls over `--days` days to the hotline lines (98% answered by
one of 26 operators, the rest abandoned, busy or failed), creates a fresh
database (SQLite in WAL mode with the production pragmas, unless
`--database-url` names a PostgreSQL database whose name contains "bench"),
and imports the file through `rexian.telephony.importers.calls_import`, the
service behind `rexian import-calls`, with its progress bar. It then prints:

* import: lines, seconds, lines/s (the figure to compare with the 2-minute target for 1M);
* re-import: the same file again (recognised as imported: adds nothing);
* restart: the file read again from the start (`--restart`): every event is
  found already stored, nothing is added;
* figures: `call_figures` for the whole period, by day and by hour of day;
* the data: calls, events, database size.

Never fails on timing; the last lines are `BENCH {json}` for scripts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.orders import Target, _drop, _prepare_postgres, _remove_sqlite, load_average, machine

# Calls by local hour: the hotline's day peaks mid-morning and early afternoon.
HOUR_WEIGHTS = [
    0.6, 0.4, 0.3, 0.25, 0.25, 0.4, 0.9, 2.2, 4.8, 7.2, 7.6, 6.2,
    3.9, 4.2, 6.6, 7.0, 6.6, 4.9, 3.3, 3.0, 2.8, 2.2, 1.5, 1.0,
]
LINES = [("12345", 0.86), ("12333", 0.04), ("12366", 0.03), ("12315", 0.03), ("12369", 0.02), ("12319", 0.02)]
OPERATORS = [str(1001 + i) for i in range(26)]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1_000_000, help="calls in the generated CDR (default 1000000)")
    parser.add_argument("--days", type=int, default=365, help="days the calls span (default 365)")
    parser.add_argument("--file", help="CDR file to write (default /tmp/rexian-bench-<N>.Master.csv)")
    parser.add_argument("--db", help="SQLite file (default /tmp/rexian-bench-calls-<N>.sqlite3)")
    parser.add_argument("--database-url", help="PostgreSQL instead of SQLite (its name must contain 'bench')")
    parser.add_argument("--batch", type=int, default=20000, help="lines per committed batch (default 20000)")
    parser.add_argument("--keep", action="store_true", help="keep the database and the file afterwards")
    parser.add_argument("--seed", type=int, default=12345)
    args = parser.parse_args(argv)
    if args.calls < 1 or args.days < 1:
        parser.error("--calls and --days must be at least 1")
    return args


def prepare_target(args) -> Target:
    if args.database_url:
        args.reuse = False
        return _prepare_postgres(args)
    path = Path(args.db or f"/tmp/rexian-bench-calls-{args.calls}.sqlite3").resolve()
    _remove_sqlite(path)
    return Target(url=f"sqlite:///{path}", label=f"SQLite {path}", sqlite_path=path)


def write_cdr(path: Path, *, calls: int, days: int, seed: int, now: dt.datetime) -> float:
    """A Master.csv of `calls` inbound calls ending before `now` (local wall-clock times, as Asterisk writes)."""
    rng = random.Random(seed)
    hours = list(range(24))
    line_numbers = [n for n, _ in LINES]
    line_weights = [w for _, w in LINES]
    first_day = (now - dt.timedelta(days=days)).date()
    started = time.perf_counter()
    per_day = calls / days
    written = 0
    sequence = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        for day_index in range(days):
            day = first_day + dt.timedelta(days=day_index)
            count = round(per_day * (day_index + 1)) - written
            picked_hours = rng.choices(hours, HOUR_WEIGHTS, k=count)
            picked_lines = rng.choices(line_numbers, line_weights, k=count)
            lines = []
            for i in range(count):
                start = dt.datetime.combine(day, dt.time(picked_hours[i], rng.randrange(60), rng.randrange(60)))
                sequence += 1
                src = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
                draw = rng.random()
                ivr = rng.randint(3, 12)
                if draw < 0.975:
                    wait = int(rng.expovariate(1 / 7)) + 1
                    talk = rng.randint(40, 420)
                    answer = start + dt.timedelta(seconds=ivr + wait)
                    end = answer + dt.timedelta(seconds=talk)
                    agent = rng.choice(OPERATORS)
                    dstchannel = f"SIP/{agent}-{sequence:08x}"
                    disposition, answer_text, billsec = "ANSWERED", f"{answer:%Y-%m-%d %H:%M:%S}", talk
                elif draw < 0.995:
                    end = start + dt.timedelta(seconds=ivr + rng.randint(1, 90))
                    dstchannel, disposition, answer_text, billsec = "", "NO ANSWER", "", 0
                else:
                    end = start + dt.timedelta(seconds=rng.randint(1, 5))
                    dstchannel, disposition, answer_text, billsec = "", rng.choice(["BUSY", "FAILED"]), "", 0
                uniqueid = f"{int(start.timestamp())}.{sequence}"
                lines.append(
                    f'"","{src}","{picked_lines[i]}","from-trunk",""""" <{src}>","SIP/trunk-{sequence:08x}",'
                    f'"{dstchannel}","Queue","hotline,t,,,300","{start:%Y-%m-%d %H:%M:%S}","{answer_text}",'
                    f'"{end:%Y-%m-%d %H:%M:%S}",{int((end - start).total_seconds())},{billsec},"{disposition}",'
                    f'"DOCUMENTATION","{uniqueid}",""\n'
                )
            out.writelines(lines)
            written += count
    return time.perf_counter() - started


def main(argv=None) -> int:
    args = parse_args(argv)
    target = prepare_target(args)
    from rexian.privacy.crypto import generate_master_key

    os.environ["DJANGO_SETTINGS_MODULE"] = "rexian.settings"
    os.environ["DATABASE_URL"] = target.url
    os.environ["REXIAN_DEBUG"] = "0"
    os.environ.setdefault("REXIAN_LOG_LEVEL", "WARNING")
    os.environ.setdefault("REXIAN_SECRET_KEY", generate_master_key())
    os.environ.setdefault("REXIAN_DATA_KEY", generate_master_key())

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from rexian.telephony.figures import call_figures
    from rexian.telephony.importers import calls_import
    from rexian.telephony.models import Call, CallEvent
    from rexian.units.models import Role, User

    console = Console()
    results: list[dict] = []
    file = Path(args.file or f"/tmp/rexian-bench-{args.calls}.Master.csv")
    console.print(f"[bold]Rexian call-record import benchmark[/] on {target.label} — {machine()}")
    try:
        call_command("migrate", verbosity=0)
        User.objects.bulk_create(
            User(username=f"op{n}", role=Role.OPERATOR, agent_number=n, display_name=f"话务员{n}") for n in OPERATORS
        )
        now = timezone.localtime().replace(microsecond=0, tzinfo=None)
        seconds = write_cdr(file, calls=args.calls, days=args.days, seed=args.seed, now=now)
        size = file.stat().st_size
        console.print(f"Wrote {args.calls:,} CDR lines ({size / 2**20:,.0f} MiB) to {file} in {seconds:.1f} s.")

        columns = [TextColumn("importing"), BarColumn(), DownloadColumn(), TextColumn("{task.fields[rate]}"),
                   TimeElapsedColumn(), TimeRemainingColumn()]
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("import", total=size, rate="")
            t0 = time.perf_counter()

            def advance(done: int, total: int, report) -> None:
                rate = report.lines / (time.perf_counter() - t0)
                progress.update(task, completed=done, rate=f"{report.lines:,} lines, {rate:,.0f} lines/s")

            report = calls_import(path=file, format="cdr", batch_size=args.batch, progress=advance)
        elapsed = time.perf_counter() - t0
        console.print(
            f"Imported {report.lines:,} lines in {elapsed:.1f} s: {report.lines / elapsed:,.0f} lines/s "
            f"({report.accepted:,} events, {report.duplicates:,} duplicates, {report.rejected:,} rejected, "
            f"{report.ignored:,} ignored)."
        )
        results.append({"metric": "import", "lines": report.lines, "seconds": round(elapsed, 1),
                        "lines_per_s": round(report.lines / elapsed), "events": report.accepted,
                        "rejected": report.rejected})

        t0 = time.perf_counter()
        again = calls_import(path=file, format="cdr")
        results.append({"metric": "reimport", "seconds": round(time.perf_counter() - t0, 2),
                        "already_imported": again.already_imported, "accepted": again.accepted})
        t0 = time.perf_counter()
        restart = calls_import(path=file, format="cdr", restart=True, batch_size=args.batch)
        elapsed = time.perf_counter() - t0
        results.append({"metric": "restart", "lines": restart.lines, "seconds": round(elapsed, 1),
                        "accepted": restart.accepted, "duplicates": restart.duplicates})
        console.print(f"Re-import: already imported, {again.accepted} added. From the start again: "
                      f"{restart.accepted} added, {restart.duplicates:,} duplicates, {elapsed:.1f} s.")

        tz = timezone.get_current_timezone()
        start = dt.datetime.combine((now - dt.timedelta(days=args.days)).date(), dt.time(), tzinfo=tz)
        end = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        for by in (None, "day", "hour_of_day", "agent"):
            t0 = time.perf_counter()
            figures = call_figures(start, end, by=by)
            ms = (time.perf_counter() - t0) * 1000
            total = figures if by is None else None
            results.append({"metric": f"call_figures_{by or 'total'}", "ms": round(ms, 1),
                            "rows": 1 if by is None else len(figures)})
            if total is not None:
                console.print(
                    f"Figures ({ms:,.0f} ms): offered={total.offered:,} answered={total.answered:,} "
                    f"connection_rate={total.connection_rate:.4f} "
                    f"answered_15s_rate={total.answered_in_target_rate:.4f} abandoned={total.abandoned:,}"
                )
        data = {"calls": Call.objects.count(), "events": CallEvent.objects.count()}
        if target.sqlite_path:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            data["db_bytes"] = target.sqlite_path.stat().st_size
        else:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_database_size(current_database())")
                data["db_bytes"] = cursor.fetchone()[0]
        console.print(f"Data: {data['calls']:,} calls, {data['events']:,} events, "
                      f"database {data['db_bytes'] / 2**20:,.0f} MiB; load {load_average()}.")
        results.append({"metric": "data", "database": connection.vendor, **data, "load": load_average()})
        for result in results:
            print("BENCH " + json.dumps(result, ensure_ascii=False))
    finally:
        connection.close()
        if not args.keep:
            _drop(target)
            file.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
