"""Benchmark the call-record import and the call figures: generate an Asterisk `Master.csv` of N calls, import it,
then time `call_figures` over the whole period.

    .venv/bin/python bench/calls.py                        # 1,000,000 calls on SQLite
    .venv/bin/python bench/calls.py --calls 100000
    .venv/bin/python bench/calls.py --database-url postgres://postgres@127.0.0.1:5432/rexian_bench_calls
    .venv/bin/python bench/calls.py --calls 1000000 --keep        # keep the database, then:
    .venv/bin/python bench/calls.py --calls 1000000 --reuse       # time the figures again, no import

It writes a standard cdr_csv file (18 columns, uniqueid and userfield logged)
of N inbound calls over `--days` days to the hotline lines (97.5% answered by
one of the 26 operators on duty, the rest abandoned, busy or failed) and a
`queue_log` of the operators' sessions (one shift a day each, with two pauses),
creates a fresh database (SQLite in WAL mode with the production pragmas, unless
`--database-url` names a PostgreSQL database whose name contains "bench"),
and imports both through `rexian.telephony.importers.calls_import`, the
service behind `rexian import-calls`, with its progress bar (each batch also
refreshes the call rollups of its slots). It then prints:

* import: lines, seconds, lines/s (the figure to compare with the 2-minute target for 1M), and the part of it
  spent refreshing the call rollups;
* re-import: the same file again (recognised as imported: adds nothing);
* restart: the file read again from the start (`--restart`): every event is
  found already stored, nothing is added;
* rebuild: `call_rollup_rebuild()` of everything (what `rexian call-rollup-rebuild` does);
* refresh: `call_rollup_refresh` of one busy half hour and its day (what each CTI post adds), p50/p95;
* figures: `call_figures` over the whole period (totals, by day, by hour of day, by line, by operator, and one
  line's totals), p50/p95/max over `--samples` runs after `--warmup`, and once each computed from the calls
  without the rollups (`_call_figures_direct`, the figures before the rollups; `--no-direct` skips it), with a
  check that both agree;
* the console's missed-call page (漏接回拨): `missed_call_page` and `missed_call_figures` over the last 1, 3 and
  7 days, p50/p95, with the number of missed callers;
* the data: calls, events, agents' intervals, rollup rows, database size.

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
# Who is on duty: 4 operators at night (00-08), 14 by day (08-16), 8 in the evening (16-24).
SHIFTS = ((0, OPERATORS[:4]), (8, OPERATORS[4:18]), (16, OPERATORS[18:]))


def on_duty(hour: int) -> list[str]:
    return SHIFTS[hour // 8][1]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1_000_000, help="calls in the generated CDR (default 1000000)")
    parser.add_argument("--days", type=int, default=365, help="days the calls span (default 365)")
    parser.add_argument("--file", help="CDR file to write (default /tmp/rexian-bench-<N>.Master.csv)")
    parser.add_argument("--db", help="SQLite file (default /tmp/rexian-bench-calls-<N>.sqlite3)")
    parser.add_argument("--database-url", help="PostgreSQL instead of SQLite (its name must contain 'bench')")
    parser.add_argument("--batch", type=int, default=20000, help="lines per committed batch (default 20000)")
    parser.add_argument("--keep", action="store_true", help="keep the database and the file afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="time the figures on a database kept by --keep (same --calls/--db/--database-url)")
    parser.add_argument("--samples", type=int, default=30, help="timed runs of each figure (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs first (default 3)")
    parser.add_argument("--no-direct", action="store_true", help="skip the figures computed without the rollups")
    parser.add_argument("--seed", type=int, default=12345)
    args = parser.parse_args(argv)
    if args.calls < 1 or args.days < 1:
        parser.error("--calls and --days must be at least 1")
    return args


def prepare_target(args) -> Target:
    if args.database_url:
        return _prepare_postgres(args)
    path = Path(args.db or f"/tmp/rexian-bench-calls-{args.calls}.sqlite3").resolve()
    if args.reuse:
        if not path.exists():
            sys.exit(f"--reuse: {path} does not exist (run with --keep first).")
    else:
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
                    agent = rng.choice(on_duty(picked_hours[i]))
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


def write_queue_log(path: Path, *, days: int, seed: int, now: dt.datetime, tz) -> int:
    """The operators' sessions as Asterisk's queue_log records them (epoch times): each operator on duty joins
    the queue at the start of their shift (ADDMEMBER), pauses twice (a break and a meal) and leaves at its end
    (REMOVEMEMBER). A shift still running at `now` is the seat's open state. Returns the lines written."""
    rng = random.Random(seed + 1)
    first_day = (now - dt.timedelta(days=days)).date()
    end = now.replace(tzinfo=tz)
    lines = []

    def line(at: dt.datetime, agent: str, event: str, data: str = "") -> None:
        if at <= end:
            lines.append(f"{int(at.timestamp())}|NONE|hotline|PJSIP/{agent}|{event}|{data}\n")

    for day_index in range(days + 1):
        day = first_day + dt.timedelta(days=day_index)
        for hour, agents in SHIFTS:
            shift = dt.datetime.combine(day, dt.time(hour), tzinfo=tz)
            for agent in agents:
                begin = shift + dt.timedelta(minutes=rng.uniform(-5, 5))
                line(begin, agent, "ADDMEMBER")
                for after, minutes in ((2, 15), (4.5, 30)):
                    pause = shift + dt.timedelta(hours=after, minutes=rng.uniform(-20, 20))
                    line(pause, agent, "PAUSE", "break")
                    line(pause + dt.timedelta(minutes=minutes), agent, "UNPAUSE")
                line(shift + dt.timedelta(hours=8, minutes=rng.uniform(-5, 5)), agent, "REMOVEMEMBER")
    lines.sort(key=lambda text: int(text.split("|", 1)[0]))
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.writelines(lines)
    return len(lines)


def timed(function, samples: int, warmup: int) -> tuple[list[float], object]:
    result = None
    for _ in range(warmup):
        result = function()
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - t0)
    return times, result


def quantiles(times: list[float]) -> dict:
    ordered = sorted(times)

    def q(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, max(0, round(p * (len(ordered) - 1))))] * 1000, 1)

    return {"samples": len(times), "p50_ms": q(0.5), "p95_ms": q(0.95), "max_ms": round(ordered[-1] * 1000, 1)}


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
    from django.db import connection, transaction
    from django.utils import timezone
    from rich.console import Console
    from rich.table import Table

    from rexian.telephony import rollups
    from rexian.telephony.figures import _call_figures_direct, call_figures
    from rexian.telephony.models import AgentInterval, Call, CallEvent

    console = Console()
    results: list[dict] = []
    file = Path(args.file or f"/tmp/rexian-bench-{args.calls}.Master.csv")
    console.print(f"[bold]Rexian call-record import and call-figures benchmark[/] on {target.label} — {machine()}")
    tz = timezone.get_default_timezone()
    try:
        if args.reuse:
            last = Call.objects.order_by("-offered_at").values_list("offered_at", flat=True).first()
            if last is None:
                sys.exit("--reuse: the database holds no calls.")
            now = timezone.localtime(last).replace(tzinfo=None) + dt.timedelta(minutes=10)
            now = now.replace(microsecond=0)
            console.print(f"Reusing the kept database (its last call at {timezone.localtime(last):%Y-%m-%d %H:%M}).")
        else:
            now = timezone.localtime().replace(microsecond=0, tzinfo=None)
            results += _build(args, file, now, tz, console, call_command)
        now_aware = now.replace(tzinfo=tz)

        t0 = time.perf_counter()
        rebuilt = rollups.call_rollup_rebuild()
        elapsed = time.perf_counter() - t0
        sizes = rollups.rollup_sizes()
        console.print(f"Full rollup rebuild: {elapsed:.1f} s, {rebuilt.calls:,} calls → "
                      + ", ".join(f"{name} {rows:,}" for name, rows in sizes.items()) + " rows.")
        results.append({"metric": "rollup_rebuild", "seconds": round(elapsed, 1), "calls": rebuilt.calls, **sizes})

        busy = (now_aware - dt.timedelta(days=1)).replace(hour=10, minute=10)

        def refresh() -> None:
            with transaction.atomic():
                rollups.call_rollup_refresh(calls=[busy], ready=[(busy, busy)])

        times, _ = timed(refresh, args.samples, args.warmup)
        results.append({"metric": "rollup_refresh_one_slot", **quantiles(times)})
        console.print(f"Refresh of one busy half hour and its day (what a CTI post adds): "
                      f"p50 {quantiles(times)['p50_ms']} ms, p95 {quantiles(times)['p95_ms']} ms.")

        start = dt.datetime.combine((now - dt.timedelta(days=args.days)).date(), dt.time(), tzinfo=tz)
        end = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        table = Table(title=f"call_figures {start:%Y-%m-%d} – {end - dt.timedelta(days=1):%Y-%m-%d} "
                            f"({(end - start).days} days)")
        for column in ("figures", "rows", "p50 ms", "p95 ms", "max ms", "without rollups ms", "same"):
            table.add_column(column, justify="left" if column == "figures" else "right")
        for name, by, line in (("total", None, None), ("by day", "day", None), ("by hour of day", "hour_of_day", None),
                               ("by line", "line", None), ("by operator", "agent", None),
                               ("line 12345 total", None, "12345")):
            def figures(by=by, line=line):
                return call_figures(start, end, by=by, line=line, now=now_aware)

            times, got = timed(figures, args.samples, args.warmup)
            q = quantiles(times)
            row = {"metric": f"call_figures_{(by or 'total')}{'_line' if line else ''}", **q,
                   "rows": 1 if by is None else len(got)}
            direct_ms, agree = None, None
            if not args.no_direct:
                t0 = time.perf_counter()
                want = _call_figures_direct(start, end, by=by, line=line, now=now_aware)
                direct_ms = round((time.perf_counter() - t0) * 1000, 1)
                agree = _agree(got, want)
                row.update(direct_ms=direct_ms, same=agree)
            results.append(row)
            table.add_row(name, str(row["rows"]), str(q["p50_ms"]), str(q["p95_ms"]), str(q["max_ms"]),
                          "" if direct_ms is None else f"{direct_ms:,}", "" if agree is None else str(agree))
            if by is None and line is None:
                total = got
        console.print(table)
        console.print(
            f"Figures: offered={total.offered:,} answered={total.answered:,} "
            f"connection_rate={total.connection_rate:.4f} answered_15s_rate={total.answered_in_target_rate:.4f} "
            f"abandoned={total.abandoned:,} occupancy={total.occupancy:.3f}"
        )
        # The console's 漏接回拨 page: one page of the list (all entries, so nothing is filtered out by callbacks) and
        # the period's figures, over the periods it offers, ending now (the last call).
        from rexian.telephony.selectors import missed_call_figures, missed_call_page

        missed = Table(title="漏接回拨 (the console's missed-call page)")
        for column in ("period", "missed callers", "page p50 ms", "page p95 ms", "figures p50 ms", "figures p95 ms"):
            missed.add_column(column, justify="left" if column == "period" else "right")
        for days in (1, 3, 7):
            since = now_aware - dt.timedelta(days=days)
            page_times, _ = timed(lambda since=since: missed_call_page(start=since, end=now_aware, open_only=False),
                                  args.samples, args.warmup)
            figure_times, counted = timed(lambda since=since: missed_call_figures(start=since, end=now_aware),
                                          args.samples, args.warmup)
            pq, fq = quantiles(page_times), quantiles(figure_times)
            results.append({"metric": f"missed_calls_{days}d", "missed": counted.missed,
                            "page_p50_ms": pq["p50_ms"], "page_p95_ms": pq["p95_ms"],
                            "figures_p50_ms": fq["p50_ms"], "figures_p95_ms": fq["p95_ms"]})
            missed.add_row(f"{days} days", f"{counted.missed:,}", str(pq["p50_ms"]), str(pq["p95_ms"]),
                           str(fq["p50_ms"]), str(fq["p95_ms"]))
        console.print(missed)
        data = {"calls": Call.objects.count(), "events": CallEvent.objects.count(),
                "intervals": AgentInterval.objects.count(), "rollup_rows": sum(rollups.rollup_sizes().values())}
        if target.sqlite_path:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            data["db_bytes"] = target.sqlite_path.stat().st_size
        else:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_database_size(current_database())")
                data["db_bytes"] = cursor.fetchone()[0]
        console.print(f"Data: {data['calls']:,} calls, {data['events']:,} events, {data['intervals']:,} agents' "
                      f"intervals, {data['rollup_rows']:,} rollup rows, database {data['db_bytes'] / 2**20:,.0f} MiB;"
                      f" load {load_average()}.")
        results.append({"metric": "data", "database": connection.vendor, **data, "load": load_average()})
        for result in results:
            print("BENCH " + json.dumps(result, ensure_ascii=False))
    finally:
        connection.close()
        if not args.keep and not args.reuse:
            _drop(target)
            file.unlink(missing_ok=True)
    return 0


def _agree(got, want) -> bool:
    """The rollups' figures and the direct ones: the same counts, and seconds equal up to float rounding."""
    got, want = (got, want) if isinstance(got, list) else ([got], [want])
    if [g.key for g in got] != [w.key for w in want]:
        return False
    for g, w in zip(got, want, strict=True):
        for name in ("offered", "answered", "answered_in_target", "abandoned", "unanswered", "short_abandoned",
                     "handled"):
            if getattr(g, name) != getattr(w, name):
                return False
        for name in ("wait_seconds_total", "talk_seconds_total", "wrap_seconds_total", "ready_seconds_total"):
            a, b = getattr(g, name), getattr(w, name)
            if (a is None) != (b is None) or (a is not None and abs(a - b) > 1e-6 * max(1.0, abs(b))):
                return False
    return True


def _build(args, file: Path, now: dt.datetime, tz, console, call_command) -> list[dict]:
    """Create the schema and the operators, write the files and import them (timed): the import's results."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from rexian.telephony import events
    from rexian.telephony.importers import calls_import
    from rexian.units.models import Role, User

    results = []
    call_command("migrate", verbosity=0)
    User.objects.bulk_create(
        User(username=f"op{n}", role=Role.OPERATOR, agent_number=n, display_name=f"话务员{n}") for n in OPERATORS
    )
    seconds = write_cdr(file, calls=args.calls, days=args.days, seed=args.seed, now=now)
    size = file.stat().st_size
    console.print(f"Wrote {args.calls:,} CDR lines ({size / 2**20:,.0f} MiB) to {file} in {seconds:.1f} s.")
    # How much of the import is the rollups' refresh: the engine's hook, timed.
    refresh, spent = events.call_rollup_refresh, [0.0]

    def timed_refresh(**kwargs):
        t0 = time.perf_counter()
        refresh(**kwargs)
        spent[0] += time.perf_counter() - t0

    events.call_rollup_refresh = timed_refresh
    try:
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
            f"{report.ignored:,} ignored), of which {spent[0]:.1f} s refreshing the call rollups."
        )
        results.append({"metric": "import", "lines": report.lines, "seconds": round(elapsed, 1),
                        "lines_per_s": round(report.lines / elapsed), "events": report.accepted,
                        "rejected": report.rejected, "rollup_refresh_seconds": round(spent[0], 1)})
        queue_log = file.with_suffix(".queue_log")
        sessions = write_queue_log(queue_log, days=args.days, seed=args.seed, now=now, tz=tz)
        spent[0] = 0.0
        t0 = time.perf_counter()
        agents = calls_import(path=queue_log, format="queue_log", batch_size=args.batch)
        elapsed = time.perf_counter() - t0
        queue_log.unlink(missing_ok=True)
        console.print(f"Imported the operators' sessions: {sessions:,} queue_log lines in {elapsed:.1f} s "
                      f"({agents.accepted:,} events; {spent[0]:.1f} s refreshing the rollups).")
        results.append({"metric": "import_sessions", "lines": sessions, "seconds": round(elapsed, 1),
                        "rollup_refresh_seconds": round(spent[0], 1)})
    finally:
        events.call_rollup_refresh = refresh

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
    return results


if __name__ == "__main__":
    sys.exit(main())
