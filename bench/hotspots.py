"""Hot spots (热点问题): the top issues of real messages, and the clustering's time at a big city's volume.

    .venv/bin/python bench/hotspots.py                                   # both parts, defaults below
    .venv/bin/python bench/hotspots.py --messages ../shared/data/teddycup2020/hot_messages.csv --top 5
    .venv/bin/python bench/hotspots.py --orders 50000 --skip-messages     # the synthetic volume only
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python bench/hotspots.py --scan   # a real scan

**Quality.** The Teddy Cup 2020 hot messages (留言编号, 留言用户, 留言主题, 留言时间, 留言详情, 反对数,
点赞数) are read as messages: author = 留言用户, attention = 点赞数. The whole file is one window
(it spans two years; no previous window, so no growth term), clustered and ranked by
`rexian.hotspots.clustering` exactly as the scan ranks orders. The top issues are printed with
their most-liked messages (id, time, likes, title). The file is read in place and never copied.

**Speed.** `--orders N` synthetic orders a month (default 50,000: a big city) are written from
the demo city's request templates (rexian/demo/data.py) over 60 days, in `--compounds` named
compounds (default 3,000), by callers of whom a fifth call more than once, with the same
urgency mix; then timed as the scan does it without the database: the corpus of 60 days
(vectors and places), the 30-day issues with the previous 30 days for growth, and the 72-hour
issues with the 72 hours before. `--scan` times `rexian.hotspots.services.hotspot_scan` on the
database of DATABASE_URL (a loaded demo, say), reads included.

The last lines are machine-readable, one JSON object per measurement (`BENCH {...}`).
Never fails on timing.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import string
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rexian.demo import data as D  # noqa: E402  (plain data: no Django needed)
from rexian.hotspots import clustering as C  # noqa: E402

DEFAULT_MESSAGES = ROOT.parent / "shared" / "data" / "teddycup2020" / "hot_messages.csv"
_FORMATTER = string.Formatter()


def parse_time(text: str) -> dt.datetime:
    text = text.strip()
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    raise ValueError(f"unreadable time: {text!r}")


def read_messages(path: Path) -> list[C.Message]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            C.Message(
                id=row["留言编号"].strip(), title=row["留言主题"].strip(), text=row["留言详情"].strip(),
                at=parse_time(row["留言时间"]), author=row["留言用户"].strip(), attention=int(row["点赞数"] or 0),
            )
            for row in csv.DictReader(handle)
        ]


def bench_messages(path: Path, top: int, show: int) -> list[dict]:
    messages = read_messages(path)
    started = time.perf_counter()
    corpus = C.Corpus(messages)
    vectorised = time.perf_counter()
    issues = C.rank_issues(corpus, list(range(len(messages))), None, limit=top)
    ranked = time.perf_counter()
    by_id = {m.id: m for m in messages}
    print(f"# {path.name}: {len(messages)} messages, {len({m.author for m in messages})} users, "
          f"{min(m.at for m in messages):%Y-%m-%d} – {max(m.at for m in messages):%Y-%m-%d}")
    print(f"# corpus {vectorised - started:.2f} s, clustering and ranking {ranked - vectorised:.2f} s\n")
    for rank, issue in enumerate(issues, start=1):
        likes = sum(by_id[i].attention for i in issue.ids)
        print(f"{rank}. {issue.title}")
        print(f"   地点 {issue.place or '—'} · 关键词 {'、'.join(issue.keywords)} · {issue.count} 条留言, "
              f"{issue.authors} 位用户, 点赞 {likes} · 关注度 {issue.attention} · 热度 {issue.score:.2f} · "
              f"{issue.first_at:%Y-%m-%d} – {issue.last_at:%Y-%m-%d}")
        shown = sorted((by_id[i] for i in issue.ids), key=lambda m: (-m.attention, m.at))[:show]
        for m in shown:
            print(f"   - {m.id} {m.at:%Y-%m-%d} 赞{m.attention}: {m.title}")
        print()
    return [{
        "metric": "messages_top_issues", "messages": len(messages), "corpus_s": round(vectorised - started, 3),
        "rank_s": round(ranked - vectorised, 3), "top": [[i.count, i.title] for i in issues],
    }]


# --- Synthetic volume ---------------------------------------------------------------------------------

_SYLLABLES = "安宁平康乐福寿华阳光明东西南北江河湖山林泉金银玉翠锦绣文昌鼓楼御景滨凤凰紫荆桂花梧桐春秋星月"
_ENDINGS = ("小区", "花园", "家园", "新村", "苑", "名都", "华府", "公寓")


def synthetic_orders(per_month: int, compounds: int, seed: int, now: dt.datetime) -> list[C.Message]:
    """Two months of orders written from the demo city's templates (see the module docstring)."""
    rng = random.Random(seed)
    names: set[str] = set()
    while len(names) < compounds:
        names.add(rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES) + rng.choice(_ENDINGS))
    places = sorted(names)
    roads = sorted({rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES) + "路" for _ in range(compounds // 4)})
    leaves = [leaf for leaf in D.LEAVES if leaf.templates]
    weights = [leaf.weight for leaf in leaves]
    regulars = [f"1{rng.randrange(10**9, 10**10)}" for _ in range(per_month // 10)]
    messages = []
    for n in range(2 * per_month):
        leaf = rng.choices(leaves, weights)[0]
        kind, title, detail = rng.choice(leaf.templates)
        town = rng.choice(D.TOWNS)
        fill = {
            "town": town.name, "comm": rng.choice(town.communities)[1], "xq": rng.choice(places),
            "road": rng.choice(roads), "school": rng.choice(town.schools), "lou": str(rng.randint(1, 36)),
            "n": str(rng.randint(2, 9)), "days": rng.choice(("三天", "一周", "半个月")), "month": rng.choice("两三四"),
            "amt": str(rng.choice((680, 1200, 2600))), "fee": "1.5", "shop": rng.choice(D.SHOPS),
            "hosp": rng.choice(D.HOSPITALS), "co": f"江安市{rng.choice(_SYLLABLES)}{rng.choice(_SYLLABLES)}有限公司",
            "bus": str(rng.randint(1, 32)), "plate": "苏M·T1234", "unit": "住建局",
        }
        intro = rng.choice(D.INTROS.get(kind, ("来电人反映：",)))
        demand = rng.choice(D.DEMANDS.get(kind, ("希望尽快解决。",)))
        caller = rng.choice(regulars) if rng.random() < 0.2 else f"1{rng.randrange(10**9, 10**10)}"
        urgency = 2 if rng.random() < 0.02 else 0
        messages.append(C.Message(
            id=n, title=title.format(**fill)[:120], text=f"{intro}{detail.format(**fill)}，{demand}",
            at=now - dt.timedelta(seconds=rng.uniform(0, 60 * 86400)), area=fill["comm"],
            address=f"{town.name}{fill['comm']}{fill['xq']}", author=caller, attention=urgency,
        ))
    messages.sort(key=lambda m: m.at)
    return messages


def bench_volume(per_month: int, compounds: int, seed: int) -> list[dict]:
    now = dt.datetime(2026, 3, 18, 15, tzinfo=dt.UTC)
    messages = synthetic_orders(per_month, compounds, seed, now)
    month, hours72 = dt.timedelta(days=30), dt.timedelta(hours=72)
    clock = Clock()
    corpus = C.Corpus(messages)
    t_corpus = clock.lap()
    long = C.rank_issues(corpus, corpus.rows_between(now - month, now),
                         corpus.rows_between(now - 2 * month, now - month), limit=50)
    t_long = clock.lap()
    short = C.rank_issues(corpus, corpus.rows_between(now - hours72, now),
                          corpus.rows_between(now - 2 * hours72, now - hours72), limit=50)
    t_short = clock.lap()
    total = tuple(sum(lap[k] for lap in (t_corpus, t_long, t_short)) for k in (0, 1))
    print(f"# synthetic: {len(messages)} orders over 60 days ({per_month} a month), {compounds} compounds")
    print("# seconds, wall / CPU of this process (the CPU time is what a busy shared machine does not inflate):")
    for label, (wall, cpu) in (("corpus of 60 days (vectors, places)", t_corpus), ("30-day issues", t_long),
                               ("72-hour issues", t_short), ("total", total)):
        print(f"#   {label:<38} {wall:6.2f} / {cpu:6.2f}")
    for issue in long[:5]:
        print(f"#   30 days: {issue.count} ({issue.previous_count} before) {issue.place or '—'} {issue.title}")
    return [{
        "metric": "synthetic_scan", "orders_per_month": per_month, "orders_read": len(messages),
        "corpus_s": round(t_corpus[0], 2), "issues_30d_s": round(t_long[0], 2), "issues_72h_s": round(t_short[0], 2),
        "total_s": round(total[0], 2), "total_cpu_s": round(total[1], 2), "issues_30d": len(long),
        "issues_72h": len(short),
    }]


class Clock:
    """Wall and CPU seconds since the last lap."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        lap = (wall - self.wall, cpu - self.cpu)
        self.wall, self.cpu = wall, cpu
        return lap


def bench_scan() -> list[dict]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rexian.settings")
    import django

    django.setup()
    from rexian.hotspots.services import hotspot_scan
    from rexian.orders.models import WorkOrder

    latest = WorkOrder.objects.order_by("-registered_at").values_list("registered_at", flat=True).first()
    if latest is None:
        print("# --scan: the database holds no orders")
        return []
    started = time.perf_counter()
    run = hotspot_scan(now=latest + dt.timedelta(seconds=1))
    seconds = time.perf_counter() - started
    read = WorkOrder.objects.filter(registered_at__gt=latest - dt.timedelta(days=60)).count()
    print(f"# scan of {os.environ.get('DATABASE_URL', 'the default database')}: {read} orders read, "
          f"{run.orders} in 72 hours, {run.issues.count()} issues, {run.surges.count()} surges, {seconds:.2f} s")
    return [{"metric": "hotspot_scan", "orders_read": read, "seconds": round(seconds, 2)}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=Path, default=DEFAULT_MESSAGES, help="hot_messages.csv of Teddy Cup 2020")
    parser.add_argument("--top", type=int, default=5, help="issues printed (default 5)")
    parser.add_argument("--show", type=int, default=5, help="messages printed per issue (default 5)")
    parser.add_argument("--skip-messages", action="store_true", help="skip the quality part")
    parser.add_argument("--orders", type=int, default=50_000, help="synthetic orders a month (default 50000; 0: skip)")
    parser.add_argument("--compounds", type=int, default=3_000, help="named compounds of the synthetic city")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scan", action="store_true", help="also time hotspot_scan on DATABASE_URL's database")
    args = parser.parse_args()
    results = []
    if not args.skip_messages:
        if args.messages.exists():
            results += bench_messages(args.messages, args.top, args.show)
        else:
            print(f"# {args.messages} not found: quality part skipped (the data is not part of the repository)")
    if args.orders:
        results += bench_volume(args.orders, args.compounds, args.seed)
    if args.scan:
        results += bench_scan()
    for result in results:
        print("BENCH " + json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
