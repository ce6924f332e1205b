"""Benchmark the staff console's pages at N orders: server time of each request through Django's test Client.

    .venv/bin/python bench/pages.py --orders 100000
    .venv/bin/python bench/pages.py --orders 1000000 --db /tmp/rexian-pages-1m.sqlite3 --keep
    .venv/bin/python bench/pages.py --db /tmp/rexian-pages-1m.sqlite3 --reuse

It builds its database with `bench/orders.py`'s builder (same city, same N orders over a
year, same bounded open backlog), except that each order's title and description are
drawn from a richer vocabulary than that bench's twelve titles, so that a word search has
common, middling and rare words to look for:

* every description says 市民来电反映 (a term held by every order);
* about 40 kinds of request (噪音, 漏水, 欠薪 …: a few per cent of the orders each);
* 200 residential estates (梧桐雅居 …: about 0.5% each);
* one order in 200 names a letters-and-digits thing (WiFi, 5G, ETC, 12315);
* one order in 10,000 mentions 麒麟 (about 100 at a million).

The orders are bulk-inserted, then indexed for word search by
`rexian.orders.search.order_text_reindex` (timed: the cost of `rexian reindex-orders`).

Then it signs in as an operator, a unit handler and the like (force_login) and times
`Client.get(url)` for each page: middleware, session, view, selector, SQL, decryption and
masking, template rendering; for the Excel export also the reading of the streamed body.
Each measurement draws its own random number, phone, word, week, category or unit per
sample. It prints p50 / p95 / max per page, the size of the data, and one `BENCH {...}`
JSON line per measurement; it never fails on timing.
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

from bench import orders as order_bench  # noqa: E402
from bench.orders import Timing, add_data_arguments, load_average, machine  # noqa: E402


class PageTiming(Timing):
    """Wall-clock samples and, beside them, the process's CPU time for each request.

    On a shared 2-core machine the wall clock also counts the time other processes held the CPU;
    the CPU time (SQLite runs in the process) is what the request itself cost, its time on an idle core.
    """

    def __init__(self, name: str):
        super().__init__(name, [])
        self.cpu: list[float] = []

    def summary(self) -> dict:
        cpu = Timing(self.name, self.cpu)
        return {**super().summary(), "p50_cpu_ms": round(cpu.quantile(0.5), 2), "p95_cpu_ms": round(cpu.quantile(0.95), 2)}

ISSUES = [
    ("夜间施工噪音扰民", "附近工地夜间施工噪音很大，影响休息"),
    ("楼上住户噪音扰民", "楼上住户深夜噪音不断，多次沟通无果"),
    ("小区电梯长期故障", "电梯经常停运，老人上下楼困难"),
    ("自来水管道漏水", "地下管道漏水多日，路面积水"),
    ("楼顶漏水无人维修", "雨天楼顶漏水，屋内墙面发霉"),
    ("小区突然停水", "小区从早上开始停水，没有提前通知"),
    ("频繁停电影响生活", "最近一周频繁停电，冰箱食物变质"),
    ("拖欠工资三个月", "公司拖欠工资三个月未发，讨薪无门"),
    ("农民工欠薪", "工地老板欠薪跑路，工友无法回家"),
    ("餐馆油烟直排", "楼下餐馆油烟直排，窗户不敢打开"),
    ("私搭乱建违建", "邻居在公共绿地上违建彩钢房"),
    ("商铺占道经营", "门口商铺长期占道经营，行人只能走机动车道"),
    ("路灯不亮", "路段路灯不亮已经两周，夜间出行不安全"),
    ("井盖破损", "人行道井盖破损，存在安全隐患"),
    ("垃圾清运不及时", "垃圾桶满溢，清运不及时，气味难闻"),
    ("河道异味", "河道发黑发臭，夏天异味明显"),
    ("道路积水", "下雨后道路积水严重，车辆无法通行"),
    ("公交车到站不准", "公交车到站时间不准，等车超过四十分钟"),
    ("出租车拒载", "出租车司机拒载并态度恶劣"),
    ("停车收费不合理", "停车场收费标准不透明，多收费用"),
    ("物业收费不透明", "物业费上涨但服务没有改善"),
    ("物业不作为", "物业对小区绿化和卫生不管不问"),
    ("学校乱收费", "学校要求统一购买教辅资料"),
    ("咨询社保补缴", "想了解社保补缴的办理流程和材料"),
    ("咨询医保报销", "咨询异地就医医保报销比例"),
    ("咨询新生儿落户", "咨询新生儿落户需要哪些材料"),
    ("咨询公积金提取", "咨询住房公积金提取条件"),
    ("食品安全问题", "超市出售过期食品，要求处理"),
    ("预付卡退费难", "健身房关门，预付卡无法退费"),
    ("网购商品质量差", "网购家电质量问题，商家拒绝退货"),
    ("养老院服务差", "养老院护理人员不足，老人无人照看"),
    ("流浪犬伤人", "小区附近流浪犬较多，已有居民被咬伤"),
    ("树木遮挡采光", "楼前树木过高遮挡采光，请求修剪"),
    ("广场舞扰民", "广场舞音响声音过大，晚上十点还未结束"),
    ("燃气管道老化", "老小区燃气管道老化，担心安全"),
    ("暖气不热", "供暖后暖气一直不热，室温不到十五度"),
    ("建议增设公交线路", "建议增设通往新区的公交线路"),
    ("表扬社区工作人员", "社区工作人员帮助解决了困难，特此表扬"),
    ("违规排放污水", "工厂夜间违规排放污水，河水变色"),
    ("快递网点乱堆放", "快递网点包裹堆放在人行道上"),
]
ESTATES = [
    a + b
    for a in "幸福 和平 阳光 锦绣 春晖 翠苑 金港 银杏 梧桐 丽景 滨江 紫荆 东湖 西城 南山 北苑 文昌 泰和 新华 建设".split()
    for b in "花园 小区 家园 新村 公寓 名苑 华府 雅居 嘉园 新城".split()
]
THINGS = ["WiFi", "5G", "ETC", "12315", "APP", "iPhone", "PM2.5", "U盘"]
TAILS = ["希望相关部门尽快核实处理", "请求尽快解决", "希望给予答复", "要求相关部门查处", "希望尽快协调解决"]
DESCRIPTION = "市民来电反映：{estate}{building}号楼，{detail}。{thing}{rare}{tail}。"


class TextOrderGenerator(order_bench.OrderGenerator):
    """bench/orders.py's generator with titles and descriptions from the vocabulary above."""

    def _build(self, pk: int, ts: float, is_open: bool):
        order, event, assignment = super()._build(pk, ts, is_open)
        rng = self.rng
        title, detail = ISSUES[rng.randrange(len(ISSUES))]
        order["title"] = title
        order["description"] = DESCRIPTION.format(
            estate=ESTATES[rng.randrange(len(ESTATES))],
            building=rng.randint(1, 40),
            detail=detail,
            thing=f"{THINGS[rng.randrange(len(THINGS))]}相关，" if rng.random() < 0.005 else "",
            rare="门口麒麟雕塑损坏，" if rng.random() < 0.0001 else "",
            tail=TAILS[rng.randrange(len(TAILS))],
        )
        return order, event, assignment


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    add_data_arguments(parser, orders=100_000, db_name="rexian-pages")
    parser.add_argument("--samples", type=int, default=100, help="timed requests per page (default 100)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per page first (default 10)")
    parser.add_argument("--export-samples", type=int, default=5, help="timed exports (default 5)")
    parser.add_argument("--query-budget", type=float, default=60, help="seconds at most per page (default 60)")
    parser.add_argument("--only", help="comma-separated measurement names to run (default: all)")
    parser.add_argument("--explain", action="store_true", help="print the plan of each search page's main query")
    args = parser.parse_args(argv)
    if args.orders < 1:
        parser.error("--orders must be at least 1")
    if not args.db and not args.database_url:
        args.db = f"/tmp/rexian-pages-{args.orders}.sqlite3"
        args.replace = True
    return args


def build(args, console) -> dict:
    """Migrate, seed the city, generate the orders and index their text; returns the timings."""
    from django.core.management import call_command
    from django.utils import timezone
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from rexian.orders.search import order_text_reindex

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    world = order_bench.seed_master_data(rng)
    generator = TextOrderGenerator(
        world=world, rng=rng, phones=order_bench.phone_pool(args.seed, args.orders), now=timezone.now(), args=args
    )
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn()]
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("generating orders", total=args.orders)
        generation = generator.run(lambda n: progress.update(task, advance=n))
        task = progress.add_task("indexing their text", total=args.orders)
        started = time.perf_counter()
        indexed = order_text_reindex(progress=lambda n: progress.update(task, advance=n))
        index_seconds = time.perf_counter() - started
    console.print(
        f"Generated {generation.orders:,} orders in {generation.seconds:.0f} s; indexed {indexed:,} in {index_seconds:.0f} s "
        f"({indexed / index_seconds:,.0f} orders/s)."
    )
    rollup_seconds = build_rollups(console)
    return {"generate_s": round(generation.seconds, 1), "index_s": round(index_seconds, 1),
            "index_orders_per_s": round(indexed / index_seconds), "rollup_s": round(rollup_seconds, 1)}


def build_rollups(console) -> float:
    """The dashboards read the metrics' rollups: add callbacks (bench/metrics.py's, the generator writes none) and
    rebuild them, as `rexian demo` and an import do after writing orders in bulk. Returns the seconds it took."""
    from django.db import connection

    from bench.metrics import add_callbacks
    from rexian.analytics.rollups import rollup_rebuild

    started = time.perf_counter()
    with console.status("callbacks and rollup_rebuild() for the dashboards…"):
        callbacks = add_callbacks()
        rebuild = rollup_rebuild()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    console.print(f"Added {callbacks:,} callbacks; rollup_rebuild(): {rebuild.facts:,} facts in "
                  f"{rebuild.seconds:.0f} s.")
    return time.perf_counter() - started


# --- What is measured ------------------------------------------------------------------------------


class Pool:
    """Random values drawn from the stored data, so a reused database serves as well as a fresh one."""

    def __init__(self, rng: random.Random):
        from django.db.models import Count, Max, Min

        from rexian.catalog.models import Category
        from rexian.orders.models import Assignment, WorkOrder
        from rexian.units.models import Role, Unit, User

        self.rng = rng
        bounds = WorkOrder.objects.aggregate(low=Min("pk"), high=Max("pk"), first=Min("registered_at"))
        ids = list({rng.randint(bounds["low"], bounds["high"]) for _ in range(1000)})
        sample = list(WorkOrder.objects.filter(pk__in=ids).values_list("number", "caller_phone", "registered_at"))
        self.numbers = [row[0] for row in sample]
        self.phones = [row[1] for row in sample if row[1]]
        self.first_day = bounds["first"].date()
        self.categories_l1 = list(Category.objects.filter(level=1).values_list("code", flat=True))
        self.categories_l3 = list(Category.objects.filter(level=3).values_list("code", flat=True))
        self.units = list(Unit.objects.filter(accepts_orders=True).values_list("code", flat=True))
        self.operator = User.objects.filter(role=Role.OPERATOR).order_by("pk").first()
        self.dispatcher = User.objects.filter(role=Role.DISPATCHER).order_by("pk").first()
        handlers = list(User.objects.filter(role=Role.UNIT_HANDLER).select_related("unit"))
        busy = set(u.pk for u in order_bench.busy_units(order_bench.load_world()))
        self.busy_handlers = [h for h in handlers if h.unit_id in busy]
        # The handler of the unit with the fewest parts in orders: its few orders must drive its pages.
        quietest = (
            Assignment.objects.values("unit_id").annotate(n=Count("pk")).order_by("n").values_list("unit_id", flat=True)
        )
        self.quiet_handler = next(h for h in handlers if h.unit_id == quietest[0])
        self.quiet_unit = self.quiet_handler.unit.code
        self.supervisor = User.objects.filter(role=Role.SUPERVISOR).order_by("pk").first()
        # bench/orders.py's city has no leader or unit admin: add one each for the pages that need them.
        self.leader = User.objects.filter(role=Role.LEADER).order_by("pk").first() or User.objects.create(
            username="bench-leader", role=Role.LEADER, unit=self.operator.unit
        )
        busy_handler = self.busy_handlers[0]
        self.unit_admin = User.objects.filter(role=Role.UNIT_ADMIN, unit=busy_handler.unit).first() or User.objects.create(
            username=f"bench-unit-admin-{busy_handler.unit_id}", role=Role.UNIT_ADMIN, unit=busy_handler.unit
        )

    def pick(self, values):
        return values[self.rng.randrange(len(values))]

    def week(self) -> tuple[str, str]:
        days = 350
        start = self.first_day + dt.timedelta(days=self.rng.randrange(days))
        return start.isoformat(), (start + dt.timedelta(days=6)).isoformat()


def measurements(pool: Pool) -> dict:
    """name -> (user, a function returning the next URL to GET)."""
    from urllib.parse import urlencode

    from django.urls import reverse

    search, export = reverse("console:search"), reverse("console:search-export")

    def url(base=search, **query):
        return f"{base}?{urlencode(query)}" if query else base

    estates = ESTATES
    kinds = ["噪音", "漏水", "欠薪", "油烟", "停电", "违建", "路灯", "井盖"]
    states = ["closed", "in_progress", "awaiting_callback"]
    op = pool.operator
    return {
        "all_orders": (op, lambda: url()),
        "number_exact": (op, lambda: url(number=pool.pick(pool.numbers))),
        "number_prefix": (op, lambda: url(number=pool.pick(pool.numbers)[:11])),
        "phone": (op, lambda: url(phone=pool.pick(pool.phones))),
        "words_common": (op, lambda: url(words="反映")),
        "words_kind": (op, lambda: url(words=pool.pick(kinds))),
        "words_estate": (op, lambda: url(words=pool.pick(estates))),
        "words_rare": (op, lambda: url(words="麒麟")),
        "words_one_char": (op, lambda: url(words=pool.pick("梯水噪薪灯"))),
        "words_latin": (op, lambda: url(words=pool.pick(["wifi", "5g", "etc", "12315"]))),
        "words_sentence": (op, lambda: url(words="小区电梯坏了怎么办")),
        "phone_and_common": (op, lambda: url(phone=pool.pick(pool.phones), words="反映")),
        "appeal_type": (op, lambda: url(appeal_type=pool.pick(["consult", "complaint", "report", "praise"]))),
        "words_and_week": (op, lambda: url(words=pool.pick(kinds), **dict(zip(("date_from", "date_to"), pool.week())))),
        "common_and_week": (op, lambda: url(words="反映", **dict(zip(("date_from", "date_to"), pool.week())))),
        "state_week": (op, lambda: url(state=pool.pick(states), **dict(zip(("date_from", "date_to"), pool.week())))),
        "category_l1": (op, lambda: url(category=pool.pick(pool.categories_l1))),
        "category_leaf": (op, lambda: url(category=pool.pick(pool.categories_l3))),
        "unit": (op, lambda: url(unit=pool.pick(pool.units))),
        "unit_quietest": (op, lambda: url(unit=pool.quiet_unit)),
        "overdue": (op, lambda: url(overdue="1")),
        "deadline_near": (op, lambda: url(deadline="near")),
        "mine_today": (op, lambda: url(mine="1", period="today")),
        "page_20": (op, lambda: url(words=pool.pick(kinds), page=20)),
        "handler_all": (pool.pick(pool.busy_handlers), lambda: url()),
        "handler_words": (pool.pick(pool.busy_handlers), lambda: url(words=pool.pick(kinds))),
        "quiet_handler": (pool.quiet_handler, lambda: url()),
        "quiet_handler_words": (pool.quiet_handler, lambda: url(words=pool.pick(kinds))),
        "quiet_handler_common": (pool.quiet_handler, lambda: url(words="反映")),
        # The other console pages, each as the role that works in it.
        "home_operator": (op, lambda: reverse("console:home")),
        "home_dispatcher": (pool.dispatcher, lambda: reverse("console:home")),
        "home_supervisor": (pool.supervisor, lambda: reverse("console:home")),
        "home_leader": (pool.leader, lambda: reverse("console:home")),
        "home_unit_handler": (pool.pick(pool.busy_handlers), lambda: reverse("console:home")),
        "home_unit_admin": (pool.unit_admin, lambda: reverse("console:home")),
        "order_detail": (op, lambda: reverse("console:order", args=[pool.pick(pool.numbers)])),
        "order_detail_dispatcher": (pool.dispatcher, lambda: reverse("console:order", args=[pool.pick(pool.numbers)])),
        "intake": (op, lambda: reverse("console:intake")),
        "intake_caller": (op, lambda: url(reverse("console:intake-caller"), phone=pool.pick(pool.phones))),
        "intake_categories": (op, lambda: url(reverse("console:intake-categories"), q=pool.pick(["wy", "噪声", "sb", "01"]))),
        "intake_knowledge": (op, lambda: url(reverse("console:intake-knowledge"), q=pool.pick(["公积金", "社保", "户口"]))),
        "intake_duplicates": (
            op,
            lambda: url(reverse("console:intake-duplicates"), phone=pool.pick(pool.phones), title=pool.pick(kinds)),
        ),
        "screen_pop": (op, lambda: reverse("console:screen-pop")),
        "review_queue": (op, lambda: reverse("console:review")),
        "callback_queue": (op, lambda: reverse("console:callbacks")),
        "callback_overdue": (op, lambda: url(reverse("console:callbacks"), deadline="overdue")),
        "dispatch_queue": (pool.dispatcher, lambda: reverse("console:dispatch")),
        "dispatch_filtered": (pool.dispatcher, lambda: url(reverse("console:dispatch"), category=pool.pick(pool.categories_l1))),
        "requests_return": (pool.dispatcher, lambda: url(reverse("console:requests"), kind="return")),
        "requests_extension": (pool.dispatcher, lambda: url(reverse("console:requests"), kind="extension")),
        "requests_reply": (pool.dispatcher, lambda: url(reverse("console:requests"), kind="reply")),
        "requests_reopened": (pool.dispatcher, lambda: url(reverse("console:requests"), kind="reopened")),
        "inbox": (pool.pick(pool.busy_handlers), lambda: reverse("console:inbox")),
        "inbox_near": (pool.pick(pool.busy_handlers), lambda: url(reverse("console:inbox"), deadline="near")),
        "inbox_unit_admin": (pool.unit_admin, lambda: reverse("console:inbox")),
        "board": (pool.supervisor, lambda: reverse("console:board")),
        "board_figures": (pool.leader, lambda: reverse("console:board-figures")),
        "notifications": (pool.pick(pool.busy_handlers), lambda: reverse("console:notifications")),
        "bell": (pool.pick(pool.busy_handlers), lambda: reverse("console:bell")),
        "export_10k": (op, lambda: url(export)),
        "export_words": (op, lambda: url(export, words=pool.pick(kinds))),
        # Dashboards (统计分析) over the last 365 days, as a leader; each chart is one request of its page.
        **dashboard_measurements(pool, url),
    }


DASHBOARD_CHARTS = ("headline", "volume_hours", "volume_days", "by_type", "by_category", "by_area", "by_channel",
                    "calls", "calls_trend", "calls_by_line", "units")


def dashboard_measurements(pool: Pool, url) -> dict:
    """The dashboard pages and every chart's JSON over a year (the longest period offered), and today's figures."""
    from django.urls import reverse
    from django.utils import timezone

    today = timezone.localdate()
    year = {"period": "custom", "date_from": (today - dt.timedelta(days=364)).isoformat(), "date_to": today.isoformat()}
    data, leader = reverse("console:dashboard-data"), pool.leader
    calls = {
        "dashboard_page_year": (leader, lambda: url(reverse("console:dashboard"), **year)),
        "dashboard_units_page_year": (leader, lambda: url(reverse("console:dashboard-units"), **year)),
        "bigscreen_page": (leader, lambda: reverse("console:bigscreen")),
    }
    for chart in DASHBOARD_CHARTS:
        calls[f"data_{chart}_year"] = (leader, lambda chart=chart: url(data, chart=chart, **year))
    for chart in ("headline", "volume_hours", "by_category", "calls_trend"):
        calls[f"data_{chart}_today"] = (leader, lambda chart=chart: url(data, chart=chart, period="today"))
    calls["export_dashboard_units_year"] = (leader, lambda: url(reverse("console:dashboard-export"), chart="units",
                                                                **year))
    return calls


def measure(calls: dict, args, console) -> list[Timing]:
    from django.test import Client

    timings = []
    for name, (user, next_url) in calls.items():
        client = Client()
        client.force_login(user)
        exporting = name.startswith("export")
        samples = args.export_samples if exporting else args.samples
        warmup = 1 if exporting else args.warmup
        deadline = time.perf_counter() + args.query_budget
        for _ in range(warmup):
            _get(client, next_url())
        timing = PageTiming(name)
        for n in range(samples):
            target = next_url()
            started, cpu = time.perf_counter(), time.process_time()
            body = _get(client, target)
            timing.samples.append(time.perf_counter() - started)
            timing.cpu.append(time.process_time() - cpu)
            timing.rows += _rows(body)
            if n >= 2 and time.perf_counter() > deadline:
                break
        timings.append(timing)
        s = timing.summary()
        console.print(
            f"{name:22} p50 {s['p50_ms']:8.1f} ms  p95 {s['p95_ms']:8.1f} ms  CPU p50 {s['p50_cpu_ms']:7.1f} ms  "
            f"p95 {s['p95_cpu_ms']:7.1f} ms  ({s['samples']} samples, load {load_average()})"
        )
    return timings


def _get(client, url: str) -> bytes:
    """GET the page, reading a streamed body to the end."""
    response = client.get(url)
    if response.status_code not in (200, 204):  # 204: a quiet screen pop
        raise RuntimeError(f"{url}: HTTP {response.status_code}")
    return b"".join(response.streaming_content) if response.streaming else response.content


def _rows(body: bytes) -> int:
    """The rows a page showed or an export held (counted outside the timing)."""
    if body.startswith(b"PK"):
        return _xlsx_rows(body)
    return body.count(b'<td class="num"><a href=')


def _xlsx_rows(body: bytes) -> int:
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    return sum(1 for _ in sheet.iter_rows(values_only=True)) - 1


def explain(calls: dict, console) -> None:
    """The plan of the longest query each search page runs."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    for name, (user, next_url) in calls.items():
        if name.startswith("export"):
            continue
        client = Client()
        client.force_login(user)
        target = next_url()
        with CaptureQueriesContext(connection) as captured:
            client.get(target)
        sql = max((q["sql"] for q in captured.captured_queries), key=len)
        plan = order_bench.query_plan(sql, analyze=False)
        console.rule(f"{name}: {target}")
        console.print(plan, markup=False, highlight=False)


def data_size(target) -> dict:
    from django.db import connection

    from rexian.orders.search import index_size

    size = order_bench.data_size(target)
    size["indexed_orders"] = index_size()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'orders_search_fts%'")
        else:
            cursor.execute("SELECT pg_total_relation_size('orders_search_text')")
        size["text_index_bytes"] = cursor.fetchone()[0] or 0
    return size


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    target = order_bench.prepare_target(args)
    order_bench.configure_environment(target, args)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from rich.console import Console
    from rich.table import Table

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    console = Console()
    console.print(f"[bold]Rexian console pages benchmark[/] on {target.label} — {machine()}")
    results: list[dict] = []
    try:
        if args.reuse:
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
            from rexian.analytics.models import OrderFact

            if not OrderFact.objects.exists():  # a database kept before the dashboards were measured
                build_rollups(console)
        else:
            results.append({"metric": "build", "orders": args.orders, **build(args, console)})
        db_version = order_bench.database_version()
        size = data_size(target)
        pool = Pool(random.Random(args.seed))
        calls = measurements(pool)
        if args.only:
            wanted = set(args.only.split(","))
            calls = {k: v for k, v in calls.items() if k in wanted}
        if args.explain:
            explain(calls, console)
        timings = measure(calls, args, console)

        table = Table(title=f"{size['orders']:,} orders — {db_version}")
        for column in ("page", "samples", "p50 ms", "p95 ms", "max ms", "CPU p50", "CPU p95", "rows/page"):
            table.add_column(column, justify="left" if column == "page" else "right")
        for timing in timings:
            s = timing.summary()
            table.add_row(timing.name, str(s["samples"]), f"{s['p50_ms']:.1f}", f"{s['p95_ms']:.1f}",
                          f"{s['max_ms']:.1f}", f"{s['p50_cpu_ms']:.1f}", f"{s['p95_cpu_ms']:.1f}", f"{s['avg_rows']:.0f}")
            results.append({"metric": timing.name, "orders": size["orders"], **s})
        console.print(table)
        console.print(
            "Data: " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in size.items() if not k.endswith("bytes"))
            + f", database {size['db_bytes'] / 2**20:,.0f} MiB, of which the text index {size['text_index_bytes'] / 2**20:,.0f} MiB"
        )
        results.append({"metric": "data", "database": db_version, **size, "load": load_average()})
        for result in results:
            print("BENCH " + json.dumps(result, ensure_ascii=False))
    finally:
        connection.close()
        if not args.keep and not args.reuse:
            order_bench._drop(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
