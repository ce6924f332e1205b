"""Benchmark the 一企来 enterprise desk at a big city's volume: its queue, profiles, policies and pushes.

    .venv/bin/python bench/enterprise.py                                  # 100,000 enterprises, 1,000,000 orders
    .venv/bin/python bench/enterprise.py --enterprises 10000 --orders 100000
    .venv/bin/python bench/enterprise.py --database-url postgres://postgres@127.0.0.1:5432/rexian_bench_enterprise
    .venv/bin/python bench/enterprise.py --keep          # then: --reuse [--explain] [--only page_q,policies_for]

It builds a fresh database with `bench/orders.py`'s builder (the same city, N orders over a year, the same
bounded open backlog and spread of states), after first bulk-writing `--enterprises` profiles (企业档案): valid
unified social credit codes (`rexian.core.credit_code.check_character`), companies, individual businesses and
village cooperatives in the demo city's proportions of industries and sizes, spread over the eight towns, about 10%
incomplete (made from an order: no industry or size, some without a town) and 6% without a contact (encrypted, as
the desk stores it). About `--enterprise-share` (3%) of the orders are enterprises' requests naming one of those
profiles, skewed (the enterprise of rank r is named with weight 1/r^0.7: the busiest some hundreds of times a
year, most never). It then enters `--policies` (30) policies through `rexian.enterprise.services` as the
supervisor: untagged, by size, by industry, by town and combinations, a few drafts, one withdrawn and one expired;
half of the published ones are pushed (`policy_push`) and an operator tells a few hundred enterprises of one on the
line (`policy_push_one`), so the push records are a desk's after a year.

Then it times, through the real selectors and services as the console calls them:

* `enterprise_queue` (企业诉求) as a centre user: the open tab, the overdue tab and the whole history, page 1;
* `enterprise_page` (企业档案) as an operator: no filter, a name query `q` (a random enterprise's trade name),
  industry and size (a random enterprise's), a town; each page with its orders' counts;
* `enterprise_orders`: one of the ten busiest enterprises' history, and a random profile's;
* `policies_for(enterprise)` on random enterprises (the profile page's policy list);
* `policy_reach` and `policy_targets(page=1)` of a broad policy (untagged: every enterprise) and a narrow one
  (one industry, one size, one town);
* `policy_push` of the broad policy (one run: the rows written and the seconds), then `policy_push_batches` of it
  and of the policy told one by one.

Each query measurement: `--warmup` untimed calls, then `--samples` timed ones (at most `--query-budget` seconds),
p50 / p95 / max in ms. It prints the data size, then one `BENCH {json}` line per measurement; it never fails on
timing. `--explain` prints the plan of each measurement's slowest SQL statement.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import json
import random
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import orders as order_bench  # noqa: E402
from bench.orders import Timing, add_data_arguments, load_average, machine  # noqa: E402

P_INCOMPLETE = 0.10  # profiles made from an order and never completed: no industry or size
P_NO_TOWN = 0.35  # of those, also no town
P_NO_CONTACT = 0.06
SKEW = 0.7  # the enterprise of rank r is named by orders with weight 1 / r^SKEW
# Where enterprises are: the urban streets and the bigger towns hold more (weights for bench/orders.py's TOWNS).
TOWN_WEIGHTS = [22, 14, 16, 10, 14, 8, 9, 7]
COMPANY_SIZES = (("large", 0.03), ("medium", 0.10), ("small", 0.32), ("micro", 0.55))
# Second syllables of trade names (字号): with the demo's 48 first words, about 2,900 trade names.
SYLLABLES = "丰盛达源泰瑞华兴隆发和祥安顺通利鑫宏远昌荣德信诚鼎恒凯亿嘉旺美佳新益广盈汇锦海天润宇博晟浩辉豪捷威正"
BROAD_TITLE = "关于进一步优化营商环境惠企便民的若干措施"
NARROW_TITLE = "黄桥镇大型制造业企业技术改造专项补贴"
TOLD_TITLE = "关于做好企业稳岗返还工作的通知"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    add_data_arguments(parser, orders=1_000_000, db_name="rexian-enterprise", help_=False)
    parser.add_argument("--enterprises", type=int, default=100_000, help="enterprise profiles (default 100000)")
    parser.add_argument("--enterprise-share", type=float, default=0.03, help="share of orders from enterprises (0.03)")
    parser.add_argument("--policies", type=int, default=30, help="policies entered (default 30)")
    parser.add_argument("--single-pushes", type=int, default=300, help="enterprises told one by one (default 300)")
    parser.add_argument("--samples", type=int, default=100, help="timed calls of each query (default 100)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed calls of each query first (default 10)")
    parser.add_argument("--query-budget", type=float, default=60, help="seconds at most per query (default 60)")
    parser.add_argument("--only", help="comma-separated measurement names to run (default: all)")
    parser.add_argument("--explain", action="store_true", help="print the plan of each measurement's slowest query")
    args = parser.parse_args(argv)
    if args.orders < 1 or args.enterprises < 10 or args.policies < 4:
        parser.error("--orders must be at least 1, --enterprises at least 10, --policies at least 4")
    if not args.db and not args.database_url:
        args.db = f"/tmp/rexian-enterprise-{args.enterprises}-{args.orders}.sqlite3"
        args.replace = True
    return args


# --- Enterprises --------------------------------------------------------------------------------------------------


def _code(rng: random.Random, kind: str, codes: set) -> str:
    """A GB 32100 code (9: registered by market regulation; kind; area; organisation code; check), not yet used."""
    from rexian.core.credit_code import CHARSET, check_character

    while True:
        body = f"9{kind}3212{rng.randint(80, 99)}" + "".join(rng.choice(CHARSET) for _ in range(9))
        code = body + check_character(body)
        if code not in codes:
            codes.add(code)
            return code


def _person(rng: random.Random) -> tuple[str, str]:
    from rexian.demo import data as D

    chars = D.MALE_CHARS if rng.random() < 0.55 else D.FEMALE_CHARS
    name = rng.choice(D.SURNAMES) + rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")
    return name, f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}"


def _firm(rng: random.Random, towns: list, town_cum: list) -> tuple[str, str, str, str, object, str]:
    """(kind, name, industry, size, town, address): 85% companies, 11% individual businesses, 4% cooperatives."""
    from rexian.demo import data as D

    town = towns[bisect.bisect(town_cum, rng.random() * town_cum[-1])]
    roll = rng.random()
    if roll < 0.04:
        name = (f"泰兴市{town.name}{rng.choice(D.COOPERATIVE_WORDS)}{rng.choice(SYLLABLES)}"
                f"{rng.choice(D.COOPERATIVE_TRADES)}专业合作社")
        return "3", name, "A", rng.choice(("small", "micro", "micro")), town, f"{town.name}{rng.randint(1, 30)}组"
    address = f"{town.name}{rng.choice(order_bench.SURNAMES)}{rng.choice('东西南北中')}路{rng.randint(1, 388)}号"
    if roll < 0.15:
        trade, industry = rng.choice(D.INDIVIDUAL_TRADES)
        owner, _ = _person(rng)
        return "2", f"泰兴市{town.name}{owner}{rng.choice(D.SHOPS)}{trade}", industry, "micro", town, address
    trade, industry, _ = rng.choices(D.ENTERPRISE_TRADES, weights=[t[2] for t in D.ENTERPRISE_TRADES])[0]
    size = rng.choices([s for s, _ in COMPANY_SIZES], weights=[w for _, w in COMPANY_SIZES])[0]
    brand = rng.choice(D.ENTERPRISE_WORDS) + rng.choice(SYLLABLES)
    form = "股份有限公司" if size == "large" and rng.random() < 0.6 else "有限公司"
    return "1", f"{'江苏' if rng.random() < 0.1 else '泰兴市'}{brand}{trade}{form}", industry, size, town, address


def write_enterprises(world, count: int, rng: random.Random, now: dt.datetime) -> list[tuple[str, str, int | None]]:
    """Bulk-write `count` profiles; returns (credit code, name, town id) of each, in a random order (their rank)."""
    from django.db import connection, transaction

    from rexian.enterprise.models import Enterprise

    towns = world.towns
    town_cum = list(itertools.accumulate(TOWN_WEIGHTS[: len(towns)] or [1] * len(towns)))
    writer = order_bench.BulkWriter(Enterprise, connection, note="", contact_name="", contact_phone="")
    codes: set[str] = set()
    names: set[str] = set()
    made: list[tuple[str, str, int | None]] = []
    rows = []
    for pk in range(1, count + 1):
        for attempt in itertools.count():
            kind, name, industry, size, town, address = _firm(rng, towns, town_cum)
            if attempt >= 20:  # the pool of trade names is nearly used up: a branch keeps the name unique
                name = f"{name}第{attempt}分公司"
            if name not in names:
                names.add(name)
                break
        area_id = town.pk
        if rng.random() < P_INCOMPLETE:
            industry = size = address = ""
            if rng.random() < P_NO_TOWN:
                area_id = None
        contact_name, contact_phone = _person(rng) if rng.random() >= P_NO_CONTACT else ("", "")
        created = now - dt.timedelta(days=rng.uniform(0, 3 * 365))
        code = _code(rng, kind, codes)
        rows.append(writer.row({
            "id": pk, "credit_code": code, "name": name, "industry": industry, "size": size, "area_id": area_id,
            "address": address, "contact_name": contact_name, "contact_phone": contact_phone,
            "created_at": created, "updated_at": created,
        }))
        made.append((code, name, area_id))
        if len(rows) == 5000:
            with transaction.atomic():
                writer.insert(rows)
            rows = []
    with transaction.atomic():
        writer.insert(rows)
    _reset_sequences(connection, [Enterprise])
    rng.shuffle(made)
    return made


def _reset_sequences(connection, models) -> None:
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


class EnterpriseOrderGenerator(order_bench.OrderGenerator):
    """bench/orders.py's generator; a share of the orders are enterprises' requests, skewed to a few enterprises."""

    def __init__(self, *, enterprises: list, share: float, **kwargs):
        super().__init__(**kwargs)
        self.enterprises = enterprises
        self.share = share
        self.enterprise_cum = list(itertools.accumulate(1 / (rank + 1) ** SKEW for rank in range(len(enterprises))))

    def _build(self, pk: int, ts: float, is_open: bool):
        order, event, assignment = super()._build(pk, ts, is_open)
        rng = self.rng
        if rng.random() < self.share:
            code, name, area_id = self.enterprises[
                bisect.bisect(self.enterprise_cum, rng.random() * self.enterprise_cum[-1])
            ]
            order.update(caller_is_enterprise=True, enterprise_credit_code=code, enterprise_name=name)
            if area_id is not None:
                order["area_id"] = area_id
        return order, event, assignment


# --- Policies -----------------------------------------------------------------------------------------------------


def policy_plan(count: int, rng: random.Random, towns: list) -> list[dict]:
    """`count` policies: the broad and narrow ones measured, one told one by one, and a spread of tags between."""
    from rexian.enterprise.models import Industry

    plan = [
        {"title": BROAD_TITLE, "push": False},  # untagged: every enterprise
        {"title": NARROW_TITLE, "industries": ("C",), "sizes": ("large",), "areas": (towns[4],), "push": False},
        {"title": TOLD_TITLE, "sizes": ("small", "micro", "medium"), "push": False, "told": True},
    ]
    shapes = [
        {"sizes": ("small", "micro")}, {"industries": ("C",)}, {"industries": ("C", "I", "M")},
        {"industries": ("F", "H")}, {"sizes": ("micro",)}, {"areas": "one"}, {"areas": "two"},
        {"industries": ("C",), "sizes": ("medium", "small")}, {"industries": ("E",), "areas": "one"},
        {"industries": ("A",)}, {"sizes": ("large", "medium")}, {"industries": ("I",), "sizes": ("small", "micro")},
        {"industries": ("G", "L")}, {}, {"industries": ("K", "E")}, {"areas": "one", "sizes": ("micro",)},
    ]
    industries = list(Industry.values)
    for n in range(count - len(plan)):
        shape = dict(shapes[n % len(shapes)]) if n < len(shapes) else {
            "industries": tuple(rng.sample(industries, rng.randint(1, 3))), "sizes": (), "areas": "none"
        }
        areas = shape.pop("areas", "none")
        shape["areas"] = {"none": (), "one": (rng.choice(towns),), "two": tuple(rng.sample(towns, 2))}[areas]
        state = "published"
        if n % 9 == 4:
            state = "draft"
        elif n % 13 == 6:
            state = "withdrawn"
        elif n % 13 == 7:
            state = "expired"
        plan.append({"title": f"涉企政策第{n + 1}号（{'、'.join(shape.get('industries', ())) or '全行业'}）",
                     "state": state, "push": state == "published" and n % 2 == 0, **shape})
    return plan


def write_policies(world, args, rng: random.Random, console) -> dict:
    """Enter, publish and push the policies through the services, as the supervisor; returns what it took."""
    from django.db import connection
    from django.utils import timezone

    from rexian.enterprise import services
    from rexian.enterprise.models import Enterprise, Policy, PolicyPush
    from rexian.units.models import User

    supervisor = User.objects.get(username="supervisor")
    now = timezone.now()
    today = timezone.localdate(now)
    pushed_rows, push_seconds = 0, 0.0
    for n, spec in enumerate(policy_plan(args.policies, rng, world.towns)):
        state = spec.get("state", "published")
        fields = services.PolicyFields(
            title=spec["title"], summary=f"{spec['title']}：符合条件的企业可向相关部门申请，详见原文。",
            document_number=f"泰政发〔2026〕{n + 1}号", issuer=world.units[n % len(world.units)],
            valid_from=today - dt.timedelta(days=200 if state == "expired" else 60),
            valid_until=today - dt.timedelta(days=10) if state == "expired" else
            (None if n % 3 == 0 else today + dt.timedelta(days=365)),
            industries=spec.get("industries", ()), sizes=spec.get("sizes", ()), areas=spec.get("areas", ()),
        )
        policy = services.policy_create(actor=supervisor, fields=fields)
        if state == "draft":
            continue
        published = now - dt.timedelta(days=300 if state == "expired" else 40 - n)
        policy = services.policy_publish(actor=supervisor, policy=policy, now=published)
        if spec["push"]:
            started = time.perf_counter()
            pushed_rows += services.policy_push(actor=supervisor, policy=policy, channel="sms", now=published)
            push_seconds += time.perf_counter() - started
        if state == "withdrawn":
            services.policy_withdraw(actor=supervisor, policy=policy)
    told = Policy.objects.get(title=TOLD_TITLE)
    operators = world.operators
    ids = Enterprise.objects.filter(size__in=["small", "micro", "medium"]).values_list("pk", flat=True)
    sample = rng.sample(list(ids[:50_000]), min(args.single_pushes, len(ids[:50_000])))
    for n, enterprise in enumerate(Enterprise.objects.filter(pk__in=sample)):
        services.policy_push_one(
            actor=operators[n % len(operators)], policy=told, enterprise=enterprise, channel="phone",
            now=now - dt.timedelta(minutes=len(sample) - n),
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    console.print(
        f"Entered {Policy.objects.count()} policies; pushed {pushed_rows:,} rows in {push_seconds:.1f} s before "
        f"measuring, told {len(sample)} enterprises one by one ({PolicyPush.objects.count():,} push records)."
    )
    return {"prepush_rows": pushed_rows, "prepush_s": round(push_seconds, 1)}


# --- Build --------------------------------------------------------------------------------------------------------


def build(args, console) -> dict:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    world = order_bench.seed_master_data(rng)
    now = timezone.now()
    with console.status(f"writing {args.enterprises:,} enterprise profiles…"):
        t0 = time.perf_counter()
        enterprises = write_enterprises(world, args.enterprises, random.Random(args.seed ^ 0xE7), now)
        enterprise_seconds = time.perf_counter() - t0
    console.print(f"Wrote {len(enterprises):,} profiles in {enterprise_seconds:.1f} s.")
    generator = EnterpriseOrderGenerator(
        enterprises=enterprises, share=args.enterprise_share,
        world=world, rng=rng, phones=order_bench.phone_pool(args.seed, args.orders), now=now, args=args,
    )
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn()]
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("generating orders", total=args.orders)
        generation = generator.run(lambda n: progress.update(task, advance=n))
    console.print(f"Generated {generation.orders:,} orders ({generation.open_orders:,} open) in {generation.seconds:.0f} s.")
    policies = write_policies(order_bench.load_world(), args, rng, console)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"enterprises_s": round(enterprise_seconds, 1), "generate_s": round(generation.seconds, 1), **policies,
            "build_s": round(time.perf_counter() - started, 1)}


# --- Measurements -------------------------------------------------------------------------------------------------


def measurements(rng: random.Random) -> dict:
    """name -> a call drawing its own random user, enterprise or filter, returning the rows it produced."""
    from django.db.models import Count

    from rexian.enterprise import selectors
    from rexian.enterprise.models import Enterprise, Policy
    from rexian.orders.models import WorkOrder
    from rexian.orders.selectors import enterprise as orders_enterprise
    from rexian.units.models import Role, Unit, User

    centre = list(User.objects.filter(role__in=[Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR]))
    operators = [u for u in centre if u.role == Role.OPERATOR]
    towns = list(Unit.objects.filter(kind=Unit.Kind.TOWN))
    high = Enterprise.objects.order_by("-pk").values_list("pk", flat=True).first()
    pool = list(Enterprise.objects.select_related("area").filter(pk__in={rng.randint(1, high) for _ in range(2000)}))
    complete = [e for e in pool if e.industry and e.size]
    busiest = [
        row["enterprise_credit_code"]
        for row in WorkOrder.objects.filter(caller_is_enterprise=True).values("enterprise_credit_code")
        .annotate(n=Count("pk")).order_by("-n")[:10]
    ]
    broad = Policy.objects.get(title=BROAD_TITLE)
    narrow = Policy.objects.get(title=NARROW_TITLE)

    def pick(items):
        return items[rng.randrange(len(items))]

    def queue(tab):
        return lambda: len(orders_enterprise.enterprise_queue(user=pick(centre), tab=tab, page=1).rows)

    def page(**filters):
        def call():
            chosen = {k: v() for k, v in filters.items()}
            return len(selectors.enterprise_page(user=pick(operators), page=1, **chosen).rows)

        return call

    companies = [e for e in complete if e.name.endswith("公司")]

    def trade_name():  # the 字号 of a company, as a caller names it: about 40 profiles each
        return re.match(r"(?:泰兴市|江苏)(.{3})", pick(companies).name).group(1)

    both = [None]

    def industry_and_size(part):
        if part == "industry":
            both[0] = pick(complete)
            return both[0].industry
        return both[0].size

    return {
        "queue_open": queue("open"),
        "queue_overdue": queue("overdue"),
        "queue_all": queue("all"),
        "page_all": page(),
        "page_q": page(query=trade_name),
        "page_industry_size": page(industry=lambda: industry_and_size("industry"),
                                   size=lambda: industry_and_size("size")),
        "page_town": page(area=lambda: pick(towns)),
        "orders_busy": lambda: len(orders_enterprise.enterprise_orders(
            user=pick(centre), credit_code=pick(busiest), page=1).rows),
        "orders_random": lambda: len(orders_enterprise.enterprise_orders(
            user=pick(centre), credit_code=pick(pool).credit_code, page=1).rows),
        "policies_for": lambda: len(list(selectors.policies_for(pick(pool)))),
        "reach_broad": lambda: selectors.policy_reach(broad).matched,
        "reach_narrow": lambda: selectors.policy_reach(narrow).matched,
        "targets_broad": lambda: len(selectors.policy_targets(broad, page=1).rows),
        "targets_narrow": lambda: len(selectors.policy_targets(narrow, page=1).rows),
    }


class CpuTiming(Timing):
    """Wall-clock samples and the process's CPU time for each: on the shared 2-core machine the wall clock also
    counts the time other jobs held the CPU; on SQLite (in the process) the CPU time is the call's own cost."""

    def __init__(self, name: str):
        super().__init__(name, [])
        self.cpu: list[float] = []

    def summary(self) -> dict:
        cpu = Timing(self.name, self.cpu)
        return {**super().summary(), "p50_cpu_ms": round(cpu.quantile(0.5), 2), "p95_cpu_ms": round(cpu.quantile(0.95), 2)}


def measure(calls: dict, args, console) -> list[Timing]:
    timings = []
    for name, call in calls.items():
        deadline = time.perf_counter() + args.query_budget
        for _ in range(args.warmup):
            call()
            if time.perf_counter() > deadline:
                break
        timing = CpuTiming(name)
        for n in range(args.samples):
            started, cpu = time.perf_counter(), time.process_time()
            timing.rows += call()
            timing.samples.append(time.perf_counter() - started)
            timing.cpu.append(time.process_time() - cpu)
            if n >= 9 and time.perf_counter() > deadline:
                break
        timings.append(timing)
        s = timing.summary()
        console.print(f"{name:19} p50 {s['p50_ms']:7.1f} p95 {s['p95_ms']:7.1f} max {s['max_ms']:7.1f} "
                      f"CPU p95 {s['p95_cpu_ms']:6.1f} ms (load {load_average().split()[0]})", highlight=False)
    return timings


def measure_push(rng: random.Random, console) -> tuple[list[Timing], dict]:
    """One `policy_push` of the broad policy (every enterprise), then `policy_push_batches` of it and of the policy
    told one by one."""
    from django.utils import timezone

    from rexian.enterprise import selectors, services
    from rexian.enterprise.models import Policy, PolicyPush
    from rexian.units.models import User

    supervisor = User.objects.get(username="supervisor")
    broad = Policy.objects.get(title=BROAD_TITLE)
    told = Policy.objects.get(title=TOLD_TITLE)
    PolicyPush.objects.filter(policy=broad).delete()  # --reuse: the push of an earlier run
    started = time.perf_counter()
    rows = services.policy_push(actor=supervisor, policy=broad, channel="platform", now=timezone.now())
    seconds = time.perf_counter() - started
    console.print(f"policy_push (broad)  {rows:,} rows in {seconds:.2f} s ({rows / seconds:,.0f} rows/s)")
    # No ANALYZE here: the statistics still say the policy has no pushes, as on the supervisor's page right after a
    # push. Before PolicyPush.policy lost its own index, that plan probed it once per enterprise (minutes on
    # PostgreSQL; docs/performance.md, "The enterprise desk").
    push = {"metric": "policy_push", "rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds)}
    calls = {
        "push_batches_broad": lambda: len(selectors.policy_push_batches(broad)),
        "push_batches_told": lambda: len(selectors.policy_push_batches(told)),
        "reach_broad_pushed": lambda: selectors.policy_reach(broad).told,
    }
    return calls, push


def explain(calls: dict, console) -> None:
    """The plan of each measurement's slowest statement (timed one by one, since the longest SQL need not be it)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for name, call in calls.items():
        with CaptureQueriesContext(connection) as captured:
            call()
        if not captured.captured_queries:
            continue
        slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
        sql = slowest["sql"]
        plan = order_bench.query_plan(sql)
        console.rule(f"{name}: {len(captured.captured_queries)} statements, slowest {float(slowest['time']) * 1000:.1f} ms")
        console.print(re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", sql), markup=False, highlight=False)
        console.print(plan, markup=False, highlight=False)


def data_size(target) -> dict:
    from django.db.models import Count, Max, Q

    from rexian.enterprise.models import Enterprise, Policy, PolicyPush
    from rexian.orders.models import WorkOrder
    from rexian.orders.transitions import OPEN_STATES

    size = {
        "enterprises": Enterprise.objects.count(),
        "incomplete_profiles": Enterprise.objects.filter(Q(industry="") | Q(size="")).count(),
        **order_bench.data_size(target),
    }
    mine = WorkOrder.objects.filter(caller_is_enterprise=True)
    size.update(mine.aggregate(
        enterprise_orders=Count("pk"), open_enterprise_orders=Count("pk", filter=Q(state__in=OPEN_STATES)),
        overdue_enterprise_orders=Count("pk", filter=Q(state__in=OPEN_STATES, is_overdue=True)),
    ))
    per = mine.order_by().values("enterprise_credit_code").annotate(n=Count("pk"))
    size["enterprises_with_orders"] = per.count()
    size["busiest_enterprise_orders"] = per.aggregate(m=Max("n"))["m"] or 0
    size["policies"] = Policy.objects.count()
    size["published_policies"] = Policy.objects.filter(status=Policy.Status.PUBLISHED).count()
    size["push_records"] = PolicyPush.objects.count()
    return size


# --- Main ---------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    target = order_bench.prepare_target(args)
    order_bench.configure_environment(target, args)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 130)  # a log keeps the table's columns
    console.print(f"[bold]Rexian enterprise desk benchmark[/] on {target.label} — {machine()}")
    results: list[dict] = []
    try:
        if args.reuse:
            call_command("migrate", verbosity=0)
        else:
            results.append({"metric": "build", "enterprises": args.enterprises, "orders": args.orders,
                            **build(args, console)})
        db_version = order_bench.database_version()
        size = data_size(target)
        console.print("Data: " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in size.items() if k != "db_bytes")
                      + f", database {size['db_bytes'] / 2**20:,.0f} MiB")
        rng = random.Random(args.seed + 1)
        wanted = set(args.only.split(",")) if args.only else None
        calls = {k: v for k, v in measurements(rng).items() if wanted is None or k in wanted}
        if args.explain:
            explain(calls, console)
        timings = measure(calls, args, console)
        if wanted is None or wanted & {"policy_push", "push_batches_broad", "push_batches_told"}:
            push_calls, push = measure_push(rng, console)
            results.append({**push, "enterprises": size["enterprises"], "orders": size["orders"]})
            if args.explain:
                explain(push_calls, console)
            timings += measure(push_calls, args, console)

        table = Table(title=f"{size['enterprises']:,} enterprises, {size['orders']:,} orders "
                            f"({size['enterprise_orders']:,} from enterprises) — {db_version}")
        for column in ("measurement", "samples", "p50 ms", "p95 ms", "max ms", "CPU p50", "CPU p95", "rows/call"):
            table.add_column(column, justify="left" if column == "measurement" else "right")
        for timing in timings:
            s = timing.summary()
            table.add_row(timing.name, str(s["samples"]), f"{s['p50_ms']:.2f}", f"{s['p95_ms']:.2f}",
                          f"{s['max_ms']:.2f}", f"{s['p50_cpu_ms']:.2f}", f"{s['p95_cpu_ms']:.2f}",
                          f"{s['avg_rows']:,.0f}")
            results.append({"metric": timing.name, "enterprises": size["enterprises"], "orders": size["orders"], **s})
        console.print(table)
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
