"""Benchmark the knowledge base's Chinese full-text search at N articles (target: p95 under 50 ms at 10,000).

    .venv/bin/python bench/knowledge.py                                   # 10,000 articles on SQLite (FTS5)
    .venv/bin/python bench/knowledge.py --database-url postgres://postgres@127.0.0.1:5432/rexian_bench_kb

It creates a fresh database (SQLite in WAL mode with the production pragmas, or the
PostgreSQL database named, whose name must contain "bench"), loads the demo city's
knowledge base (`rexian.knowledge.demo_data`, about 90 hand-written articles) and
composes N articles in all from it: each a demo article with a town's local
variant of its title, its answer extended with sentences of other articles of the
same section and a local office and phone, some as drafts or lapsed. The text is
cut by jieba (each distinct sentence once: the rate of cutting fresh text is measured
on the demo's articles and printed) and bulk-written, then indexed once
(`search.index_rebuild`). It then times, around the whole selector call (segmenting
the query, SQL, reading the articles, snippets):

* `article_search`: about 60 queries callers actually ask ("公积金提取", "社保卡丢了怎么补办" …);
* `article_search_section`: the same, each narrowed to a random section (a seated desk's
  search; mostly the wrong section, so every tier of the search runs: a pessimistic case);
* `articles_suggested_for`: the demo's consultation orders (title and description) as an operator records them.

It prints p50 / p95 / max wall-clock time, the process's CPU time (on SQLite it includes
the SQL and, unlike the wall clock, hardly moves when other work shares the machine), the
hits per call, the data size, and one `BENCH {json}` line per measurement; it never fails
on timing. The database is dropped afterwards unless `--keep`.
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.orders import (
    Target,
    _drop,
    _prepare_postgres,
    _remove_sqlite,
    configure_environment,
    database_version,
    load_average,
    machine,
)

# What callers ask, as an operator types it into the search box.
QUERIES = [
    "公积金提取", "租房提取公积金", "公积金贷款额度", "公积金贷款需要交满几个月", "离职了公积金怎么取",
    "社保卡丢了怎么补办", "灵活就业养老保险怎么交", "养老金认证", "失业金领取条件", "养老保险转移",
    "工伤认定", "拖欠工资", "不签劳动合同", "就业补贴", "创业担保贷款",
    "个税汇算", "专项附加扣除", "小规模纳税人免税", "发票丢了", "二手房契税",
    "法律援助", "劳动仲裁", "邻居纠纷调解", "继承公证", "交通事故赔偿",
    "物业费涨价", "维修资金", "成立业委会", "换物业公司", "小区停车费", "楼上漏水", "电动车楼道充电",
    "新生儿落户", "居住证", "户口迁入", "身份证丢了", "无犯罪记录证明", "护照",
    "居民医保缴费", "异地就医备案", "慢性病", "生育津贴", "医保码",
    "小学报名", "学区查询", "随迁子女入学", "培训机构退费",
    "老年卡", "电动车上牌", "出租车绕路", "停水", "水费", "停电", "电费", "燃气开户", "闻到煤气味",
    "低保", "高龄津贴", "结婚登记", "七日无理由退货", "电梯困人", "噪音扰民", "油烟",
]
TOWN_WORDS = ["江城街道", "济川街道", "滨江镇", "柳桥镇", "新街镇"]
VARIANTS = ["（{town}）", "（{town}办理指引）", "——{town}常见问题", "（补充说明）", "（窗口口径）"]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000, help="articles in all (default 10000)")
    parser.add_argument("--db", help="SQLite file (default /tmp/rexian-bench-kb-<N>.sqlite3)")
    parser.add_argument("--database-url", help="PostgreSQL instead of SQLite (its name must contain 'bench')")
    parser.add_argument("--samples", type=int, default=300, help="timed calls of each measurement (default 300)")
    parser.add_argument("--warmup", type=int, default=30, help="untimed calls first (default 30)")
    parser.add_argument("--limit", type=int, default=10, help="hits asked of each search (default 10)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--explain", action="store_true", help="print the plan of one search")
    parser.add_argument("--seed", type=int, default=12345)
    args = parser.parse_args(argv)
    args.reuse = False
    if args.articles < 100:
        parser.error("--articles must be at least 100")
    return args


def prepare_target(args) -> Target:
    if args.database_url:
        return _prepare_postgres(args)
    path = Path(args.db or f"/tmp/rexian-bench-kb-{args.articles}.sqlite3").resolve()
    _remove_sqlite(path)
    return Target(
        url=f"sqlite:///{path}", label=f"SQLite {path}", sqlite_path=path, keys_path=path.with_name(path.name + ".keys.json")
    )


def seed_city() -> None:
    """The demo city's bureaus, utilities and centre (the owners of the demo's articles)."""
    from rexian.demo import data as D
    from rexian.units.models import Unit

    city = Unit.objects.create(code=D.CITY_CODE, name=D.CITY_NAME, kind=Unit.Kind.CITY)
    Unit.objects.create(code=f"{D.CITY_CODE}-{D.CENTRE_KEY}", name=D.CENTRE_NAME, kind=Unit.Kind.CENTRE, parent=city)
    for key, name, _short in [*D.BUREAUS, *D.UTILITIES]:
        Unit.objects.create(code=f"{D.CITY_CODE}-{key}", name=name, kind=Unit.Kind.BUREAU, parent=city)


def segment_rate() -> float:
    """Characters per second jieba cuts for the index, over the demo's articles (measured before any memoising)."""
    from rexian.knowledge.models import Article

    articles = list(Article.objects.all())
    started = time.perf_counter()
    for article in articles:
        article.refresh_search_text()
    chars = sum(len(a.title) + len(a.question) + len(a.keywords) + len(a.body) + len(a.basis) for a in articles)
    return chars / (time.perf_counter() - started)


def memoise_sentences() -> None:
    """Cut each sentence once: the composed articles repeat the demo's sentences thousands of times.

    jieba cuts the text between punctuation marks independently, so cutting sentence by
    sentence gives exactly the words of cutting the whole text; only the repetition is saved.
    """
    import functools

    from rexian.knowledge import segment

    cut = functools.lru_cache(maxsize=None)(segment.index_words)

    def index_words(text: str) -> list[str]:
        return [word for sentence in text.split("。") for word in cut(sentence)]

    segment.index_words = index_words


def compose(total: int, rng: random.Random, progress) -> float:
    """Write `total - demo` more articles composed from the demo's; returns the seconds spent cutting words."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from rexian.knowledge.models import Article

    memoise_sentences()

    base = list(Article.objects.filter(status="published").select_related("section", "owner_unit"))
    by_section: dict[int, list[Article]] = {}
    for article in base:
        by_section.setdefault(article.section_id, []).append(article)
    sentences = {
        section: [s + "。" for a in articles for s in a.body.split("。") if len(s) > 12]
        for section, articles in by_section.items()
    }
    today = timezone.localdate()
    cutting = 0.0
    batch: list[Article] = []
    for n in range(total - Article.objects.count()):
        source = rng.choice(base)
        town = rng.choice(TOWN_WORDS)
        extra = rng.sample(sentences[source.section_id], k=min(2, len(sentences[source.section_id])))
        body = (
            source.body + "".join(extra)
            + f"在{town}的，可到{town}为民服务中心{rng.randint(1, 12)}号窗口办理，咨询电话0527-8{rng.randint(0, 9999999):07d}。"
        )
        status, valid_until = "published", None
        roll = rng.random()
        if roll < 0.05:
            status = "draft"
        elif roll < 0.10:
            valid_until = today - dt.timedelta(days=rng.randint(1, 300))
        article = Article(
            code=f"BK{n:06d}", kind=source.kind, title=source.title + rng.choice(VARIANTS).format(town=town),
            question=source.question, body=body, keywords=source.keywords, basis=source.basis,
            section_id=source.section_id, owner_unit_id=source.owner_unit_id, status=status,
            valid_from=today - dt.timedelta(days=rng.randint(400, 1200)), valid_until=valid_until,
            review_due=today + dt.timedelta(days=rng.randint(-30, 300)), published_at=timezone.now(),
        )
        started = time.perf_counter()
        article.refresh_search_text()
        cutting += time.perf_counter() - started
        batch.append(article)
        if len(batch) == 1000:
            with transaction.atomic():
                Article.objects.bulk_create(batch)
            progress(len(batch))
            batch = []
    if batch:
        with transaction.atomic():
            Article.objects.bulk_create(batch)
        progress(len(batch))
    return cutting


def consultations() -> list[tuple[str, str]]:
    """The demo's consultation orders (title, description), placeholders filled plainly."""
    from rexian.demo import data as D

    filler = {"town": "济川街道", "comm": "银杏社区", "xq": "银杏苑", "road": "济川路", "school": "济川小学",
              "hosp": "江安市人民医院", "shop": "惠民", "co": "江安恒达机械制造有限公司", "bus": "3", "plate": "苏M·A1234",
              "n": "3", "lou": "5", "days": "一周", "month": "两", "amt": "1200", "fee": "100"}
    found = []
    for leaf in D.LEAVES:
        for kind, title, detail in leaf.templates:
            if kind == "consult":
                names = {name for _, name, _, _ in string.Formatter().parse(title + detail) if name}
                values = {name: filler.get(name, "某") for name in names}
                found.append((title.format(**values), detail.format(**values)))
    return found


@dataclass
class Timing:
    """Wall-clock and this process's CPU time of each call (on SQLite the CPU time includes the SQL,
    and unlike the wall clock it does not grow when other work shares the machine)."""

    name: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rows: int = 0

    @staticmethod
    def _q(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return round(ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))] * 1000, 2)

    def summary(self) -> dict:
        return {
            "samples": len(self.wall),
            "p50_ms": self._q(self.wall, 0.5),
            "p95_ms": self._q(self.wall, 0.95),
            "max_ms": round(max(self.wall) * 1000, 2),
            "cpu_p50_ms": self._q(self.cpu, 0.5),
            "cpu_p95_ms": self._q(self.cpu, 0.95),
            "avg_hits": round(self.rows / len(self.wall), 1),
        }


def measure(name: str, calls: list, samples: int, warmup: int) -> Timing:
    timing = Timing(name)
    for i in range(warmup):
        calls[i % len(calls)]()
    for i in range(samples):
        call = calls[i % len(calls)]
        started, cpu = time.perf_counter(), time.process_time()
        hits = call()
        timing.wall.append(time.perf_counter() - started)
        timing.cpu.append(time.process_time() - cpu)
        timing.rows += len(hits)
    return timing


def data_size(target: Target) -> dict:
    from django.db import connection

    from rexian.knowledge.models import Article

    size = {
        "articles": Article.objects.count(),
        "current": Article.objects.filter(status="published", valid_until__isnull=True).count(),
        "avg_body_chars": round(sum(len(b) for b in Article.objects.values_list("body", flat=True)) / Article.objects.count()),
    }
    with connection.cursor() as cursor:
        if target.is_sqlite:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            size["db_bytes"] = sum(
                Path(f"{target.sqlite_path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{target.sqlite_path}{s}").exists()
            )
        else:
            cursor.execute(
                "SELECT pg_total_relation_size('knowledge_article'), pg_relation_size('knowledge_article_search_vector'),"
                " pg_relation_size('knowledge_article_title_vector')"
            )
            size["table_bytes"], size["gin_index_bytes"], size["title_gin_index_bytes"] = cursor.fetchone()
            cursor.execute("SELECT pg_database_size(current_database())")
            size["db_bytes"] = cursor.fetchone()[0]
    return size


def explain(query: str) -> str:
    from django.db import connection

    from rexian.knowledge import search
    from rexian.knowledge.segment import query_terms

    terms = query_terms(query)
    text = search.compile_query(terms, search.ALL, vendor=connection.vendor)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                f"EXPLAIN QUERY PLAN SELECT a.id FROM {search.FTS_TABLE} JOIN knowledge_article a ON a.id = "
                f"{search.FTS_TABLE}.rowid WHERE {search.FTS_TABLE} MATCH %s AND a.status = 'published' "
                f"ORDER BY bm25({search.FTS_TABLE}) LIMIT 10", [text]
            )
            return "\n".join(str(row) for row in cursor.fetchall())
        cursor.execute(
            f"EXPLAIN ANALYZE SELECT a.id, {search.PG_RANK} AS score FROM knowledge_article a, to_tsquery('simple', %s) q "
            "WHERE a.search_vector @@ q AND a.status = 'published' ORDER BY score DESC LIMIT 10", [text]
        )
        return "\n".join(row[0] for row in cursor.fetchall())


def main(argv=None) -> int:
    args = parse_args(argv)
    target = prepare_target(args)
    configure_environment(target, args)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from rexian.knowledge import search, selectors
    from rexian.knowledge.demo_data import demo_knowledge_load
    from rexian.knowledge.models import Section

    console = Console(width=120)
    rng = random.Random(args.seed)
    console.print(f"[bold]Rexian knowledge-base benchmark[/] on {target.label} — {machine()}")
    results = []
    try:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        seed_city()
        demo = demo_knowledge_load()
        rate = segment_rate()
        console.print(f"jieba cuts {rate:,.0f} characters/s of the demo's articles (the first load of its dictionary apart).")
        with Progress(TextColumn("composing articles"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console) as progress:
            task = progress.add_task("articles", total=args.articles)
            progress.update(task, advance=demo)
            cutting = compose(args.articles, rng, lambda n: progress.update(task, advance=n))
        indexed = search.index_rebuild()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE knowledge_article")
        load_s = time.perf_counter() - started
        console.print(f"Loaded and indexed {indexed:,} articles in {load_s:.1f} s (jieba: {cutting:.1f} s).")
        results.append({"metric": "load", "articles": indexed, "seconds": round(load_s, 1),
                        "segment_seconds": round(cutting, 1), "segment_chars_per_s": round(rate)})

        db_version = database_version()
        if args.explain:
            console.rule("plan of 公积金提取")
            console.print(explain("公积金提取"), markup=False, highlight=False)

        sections = list(Section.objects.values_list("pk", flat=True))
        searches = [lambda q=q: selectors.article_search(query=q, limit=args.limit) for q in QUERIES]
        in_section = [
            lambda q=q, s=rng.choice(sections): selectors.article_search(query=q, section=s, limit=args.limit)
            for q in QUERIES
        ]
        orders = consultations()
        rng.shuffle(orders)
        suggestions = [lambda t=t, d=d: selectors.articles_suggested_for(title=t, description=d) for t, d in orders]
        timings = [
            measure("article_search", searches, args.samples, args.warmup),
            measure("article_search_section", in_section, args.samples, args.warmup),
            measure("articles_suggested_for", suggestions, args.samples, args.warmup),
        ]
        size = data_size(target)
        table = Table(title=f"{size['articles']:,} articles — {db_version}")
        columns = ("measurement", "samples", "p50 ms", "p95 ms", "max ms", "CPU p50 ms", "CPU p95 ms", "hits/call")
        for column in columns:
            table.add_column(column, justify="left" if column == "measurement" else "right")
        for timing in timings:
            s = timing.summary()
            table.add_row(timing.name, str(s["samples"]), *(f"{s[k]:.2f}" for k in (
                "p50_ms", "p95_ms", "max_ms", "cpu_p50_ms", "cpu_p95_ms")), f"{s['avg_hits']:.1f}")
            results.append({"metric": timing.name, "articles": size["articles"], **s})
        console.print(table)
        console.print(
            "Data: " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in size.items() if not k.endswith("bytes"))
            + "".join(f", {k.replace('_bytes', '').replace('_', ' ')} {v / 2**20:,.1f} MiB" for k, v in size.items()
                      if k.endswith("bytes"))
        )
        results.append({"metric": "data", "database": db_version, **size, "queries": len(QUERIES),
                        "orders": len(orders), "load": load_average()})
        for result in results:
            print("BENCH " + json.dumps(result, ensure_ascii=False))
    finally:
        connection.close()
        if not args.keep:
            _drop(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
