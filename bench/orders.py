"""Benchmark the order store at N orders: bulk generation, registration through the
service layer, and the three lists staff open all day long.

    .venv/bin/python bench/orders.py --orders 100000
    .venv/bin/python bench/orders.py --orders 1000000 --db /tmp/rexian-1m.sqlite3 --keep
    .venv/bin/python bench/orders.py --orders 100000 --database-url postgres://postgres@127.0.0.1:5432/rexian_bench

It builds a fresh database (SQLite by default, WAL as in production settings),
fills it with a city of about 40 units, 100 leaf categories and N orders spread
over a year, then prints:

* how fast the orders were generated (bulk inserts, not the service layer);
* registrations per second through `rexian.orders.services.order_register`,
  each in its own transaction as in production;
* p50 / p95 / max latency of a unit's inbox page, a dispatcher's queue page and
  a caller's history, each measured around the whole selector call (query,
  decryption and the masked rows), on random units and phones;
* the size of the data (orders, events, assignments, database size).

It never fails on timing: the numbers are for people (docs/performance.md)
and for scripts (one `BENCH {...}` JSON line per measurement at the end).

The open backlog does not grow with N: orders registered in the last
`--open-days` days are open at about `--open-per-day` a day, older ones are
closed, because a real centre's open queue is bounded by its daily volume, not
by its history. Each order gets one `register` event; the full event history
is not generated because none of the measured lists reads it.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import json
import os
import platform
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DAY = 86400.0
HOUR = 3600.0
MINUTE = 60.0

# Share of calls by local hour: quiet at night, peaks mid-morning and early afternoon.
HOUR_WEIGHTS = [
    0.10, 0.06, 0.04, 0.04, 0.05, 0.10, 0.25, 0.55, 0.90, 1.00, 1.00, 0.85,
    0.70, 0.80, 0.95, 0.95, 0.85, 0.70, 0.55, 0.45, 0.40, 0.35, 0.25, 0.15,
]
WEEKEND_WEIGHT = 0.65

APPEAL_TYPE_WEIGHTS = {"consult": 35, "help": 20, "complaint": 30, "report": 5, "suggestion": 8, "praise": 2}
URGENCY_WEIGHTS = {"normal": 93, "urgent": 6, "critical": 1}
CHANNEL_WEIGHTS = {"phone": 70, "web": 8, "wechat": 10, "app": 5, "portal": 4, "province": 3}
# Open orders by state (the backlog a centre carries at any moment).
OPEN_STATE_WEIGHTS = {
    "registered": 2, "pending_dispatch": 6, "dispatched": 17, "in_progress": 50, "replied": 10,
    "awaiting_callback": 15,
}
ANSWERED_ON_SPOT_SHARE = 0.30  # closed orders the operator answered on the call (no unit involved)

BUREAUS = [
    "住建局", "城管局", "生态环境局", "交通运输局", "市场监管局", "人社局", "教育局", "卫健委", "公安局",
    "自然资源局", "水利局", "民政局", "农业农村局", "商务局",
]
UTILITIES = ["供电公司", "自来水公司"]
TOWNS = ["城东街道", "城西街道", "城南街道", "城北街道", "黄桥镇", "分界镇", "古溪镇", "元竹镇"]
CATEGORY_TREE = {
    "城乡建设": ["物业管理", "房屋安全", "市政设施", "拆迁安置"],
    "生态环境": ["噪声污染", "大气污染", "水污染", "固废垃圾"],
    "交通出行": ["公交运营", "道路管理", "出租网约", "停车管理"],
    "市场监管": ["食品安全", "消费维权", "价格收费", "特种设备"],
    "社会保障": ["社保缴纳", "劳动工资", "医疗保险", "养老服务"],
}
LEAF_SUFFIXES = ["服务", "收费", "设施", "安全", "其他"]
TITLES = [
    "小区电梯长期故障无人维修", "夜间施工噪声扰民", "路灯不亮存在安全隐患", "公交车到站时间不准",
    "餐馆油烟直排影响居民", "拖欠工资三个月未发", "咨询社保补缴办理流程", "小区门口占道经营",
    "自来水水质发黄", "道路井盖破损", "咨询新生儿医保办理", "物业收费标准不透明",
]
DESCRIPTION = "市民来电反映：{title}，已持续一段时间，希望相关部门尽快核实处理并给予答复。"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕彩春菊凤洁梅琳素云莲真环雪荣爱妹"


# --- Set-up before Django ---------------------------------------------------------------


def add_data_arguments(parser: argparse.ArgumentParser, *, orders: int, db_name: str, help_: bool = True) -> None:
    """The options of the generated orders and the database they live in, shared by the benches built on them.

    `db_name` names the default SQLite file (/tmp/<db_name>-<N>.sqlite3); with `help_` False the generator's
    own knobs are accepted but not listed (a bench that keeps its defaults).
    """
    hidden = None if help_ else argparse.SUPPRESS
    parser.add_argument("--orders", type=int, default=orders, help=f"orders to generate (default {orders})")
    parser.add_argument("--db", help=f"SQLite file (default /tmp/{db_name}-<N>.sqlite3)")
    parser.add_argument(
        "--database-url",
        help="run on this PostgreSQL database instead (name must contain 'bench'), "
        "e.g. postgres://postgres@127.0.0.1:5432/rexian_bench",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (with its bench keys)")
    parser.add_argument("--reuse", action="store_true", help="measure a database kept by an earlier --keep run")
    parser.add_argument("--replace", action="store_true", help="overwrite an existing SQLite file given with --db")
    parser.add_argument("--seed", type=int, default=12345, help="random seed (same seed and N, same data)")
    parser.add_argument("--batch", type=int, default=5000, help=hidden or "orders per generation transaction")
    parser.add_argument("--open-days", type=int, default=10, help=hidden or "orders younger than this may be open")
    parser.add_argument("--open-per-day", type=int, default=300, help=hidden or "open orders per day of that window")
    parser.add_argument("--days", type=int, default=365, help=hidden or "history spanned by the generated orders")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    add_data_arguments(parser, orders=100_000, db_name="rexian-bench")
    parser.add_argument("--samples", type=int, default=200, help="timed calls of each query (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed calls of each query first (default 20)")
    parser.add_argument(
        "--query-budget", type=float, default=120, help="seconds at most per query; stops sampling early (default 120)"
    )
    parser.add_argument("--registrations", type=int, default=2000, help="orders registered through the services")
    parser.add_argument("--explain", action="store_true", help="print the query plan of each measured list")
    args = parser.parse_args(argv)
    if args.orders < 1:
        parser.error("--orders must be at least 1")
    return args


@dataclass
class Target:
    """Where the benchmark's database lives and how to clean it up."""

    url: str
    label: str
    sqlite_path: Path | None = None
    pg_name: str | None = None
    keys_path: Path = field(default=Path())

    @property
    def is_sqlite(self) -> bool:
        return self.sqlite_path is not None


def prepare_target(args: argparse.Namespace) -> Target:
    """Create (or, with --reuse, find) the database before Django connects to it."""
    if args.database_url:
        return _prepare_postgres(args)
    path = Path(args.db or f"/tmp/rexian-bench-{args.orders}.sqlite3").resolve()
    target = Target(
        url=f"sqlite:///{path}", label=f"SQLite {path}", sqlite_path=path,
        keys_path=path.with_name(path.name + ".keys.json"),
    )
    if args.reuse:
        if not path.exists():
            sys.exit(f"--reuse: {path} does not exist (run once with --keep first).")
        return target
    if path.exists() and args.db and not args.replace:
        sys.exit(f"{path} exists: pass --replace to overwrite it or --reuse to benchmark it again.")
    _remove_sqlite(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return target


def _prepare_postgres(args: argparse.Namespace) -> Target:
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = conninfo_to_dict(args.database_url).get("dbname")
    if not name:
        sys.exit("--database-url must name a database, e.g. .../rexian_bench")
    target = Target(
        url=args.database_url, label=f"PostgreSQL {name}", pg_name=name,
        keys_path=Path("/tmp") / f"rexian-bench-{name}.keys.json",
    )
    with psycopg.connect(make_conninfo(args.database_url, dbname="postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if args.reuse:
            if not exists:
                sys.exit(f"--reuse: database {name} does not exist.")
            return target
        if exists:
            # Never drop a database the benchmark did not obviously create.
            if "bench" not in name:
                sys.exit(f"Database {name} exists; the benchmark only replaces databases whose name contains 'bench'.")
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return target


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".keys.json"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def configure_environment(target: Target, args: argparse.Namespace) -> None:
    """Point the settings at the bench database, with bench-only keys unless the caller set real ones."""
    from rexian.privacy.crypto import generate_master_key

    os.environ["DJANGO_SETTINGS_MODULE"] = "rexian.settings"
    os.environ["DATABASE_URL"] = target.url
    os.environ["REXIAN_DEBUG"] = "0"  # DEBUG keeps every query in memory
    os.environ.setdefault("REXIAN_LOG_LEVEL", "WARNING")
    if os.environ.get("REXIAN_DATA_KEY") or os.environ.get("REXIAN_DATA_KEY_FILE"):
        os.environ.setdefault("REXIAN_SECRET_KEY", generate_master_key())
        return
    if args.reuse:
        if not target.keys_path.exists():
            sys.exit(f"--reuse: the bench keys {target.keys_path} are missing; the data cannot be decrypted.")
        keys = json.loads(target.keys_path.read_text())
    else:
        keys = {"REXIAN_SECRET_KEY": generate_master_key(), "REXIAN_DATA_KEY": generate_master_key()}
        if args.keep:
            target.keys_path.write_text(json.dumps(keys))
            target.keys_path.chmod(0o600)
    os.environ.update(keys)


# --- Master data -------------------------------------------------------------------------------


@dataclass
class World:
    """The master data the orders refer to, as ids and cached model instances."""

    operators: list
    dispatchers: list
    handlers: dict  # unit id -> its handler
    units: list  # units that take orders
    towns: list
    leaves: list
    leaf_cum_weights: list
    lead_of: dict  # leaf category id -> lead unit id
    appeal_types: dict
    urgencies: dict
    channels: dict
    line_id: int


def seed_master_data(rng: random.Random):
    """A city, its hotline centre, 40 units that take orders, 100 leaf categories with a dispatch rule each, staff."""
    from django.contrib.auth.hashers import make_password

    from rexian.catalog.models import Category, DispatchRule
    from rexian.units.models import Role, Unit, User

    city = Unit.objects.create(code="B", name="泰兴市", kind=Unit.Kind.CITY, accepts_orders=False)
    centre = Unit.objects.create(
        code="B-12345", name="12345热线中心", kind=Unit.Kind.CENTRE, parent=city, accepts_orders=False
    )
    units = [Unit.objects.create(code=f"B-J{i:02d}", name=n, parent=city) for i, n in enumerate(BUREAUS)]
    units += [
        Unit.objects.create(code=f"B-U{i:02d}", name=n, kind=Unit.Kind.UTILITY, parent=city)
        for i, n in enumerate(UTILITIES)
    ]
    towns = []
    for i, name in enumerate(TOWNS):
        town = Unit.objects.create(code=f"B-T{i:02d}", name=name, kind=Unit.Kind.TOWN, parent=city)
        towns.append(town)
        units.append(town)
        units += [
            Unit.objects.create(
                code=f"B-T{i:02d}-{j:02d}", name=f"{name}第{j + 1}社区", kind=Unit.Kind.COMMUNITY, parent=town
            )
            for j in range(2)
        ]

    leaves = []
    for i, (l1_name, l2_names) in enumerate(CATEGORY_TREE.items(), start=1):
        l1 = Category.objects.create(code=f"{i:02d}", name=l1_name)
        for j, l2_name in enumerate(l2_names, start=1):
            l2 = Category.objects.create(code=f"{l1.code}{j:02d}", name=l2_name, parent=l1)
            leaves += [
                Category.objects.create(code=f"{l2.code}{k:02d}", name=f"{l2_name}{suffix}", parent=l2)
                for k, suffix in enumerate(LEAF_SUFFIXES, start=1)
            ]
    # Every unit leads a few categories; a Zipf-like weight makes some categories (and so units) busy.
    shuffled = units[:]
    rng.shuffle(shuffled)
    lead_of = {leaf.pk: shuffled[n % len(shuffled)].pk for n, leaf in enumerate(leaves)}
    DispatchRule.objects.bulk_create(
        [DispatchRule(category_id=leaf_id, lead_unit_id=unit_id) for leaf_id, unit_id in lead_of.items()]
    )
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(leaves))]
    rng.shuffle(weights)

    unusable = make_password(None)  # nobody logs in to a bench database
    staff = [User(username=f"operator{i}", role=Role.OPERATOR, unit=centre, password=unusable) for i in range(5)]
    staff += [User(username=f"dispatcher{i}", role=Role.DISPATCHER, unit=centre, password=unusable) for i in range(3)]
    staff += [User(username="supervisor", role=Role.SUPERVISOR, unit=centre, password=unusable)]
    staff += [User(username=f"handler-{u.code}", role=Role.UNIT_HANDLER, unit=u, password=unusable) for u in units]
    User.objects.bulk_create(staff)
    return load_world(leaf_weights=dict(zip([leaf.pk for leaf in leaves], weights)))


def load_world(leaf_weights: dict | None = None) -> World:
    """Read the seeded master data back (also after --reuse)."""
    from rexian.catalog.models import AppealType, Category, Channel, DispatchRule, Line, Urgency
    from rexian.units.models import Role, Unit, User

    units = list(Unit.objects.filter(accepts_orders=True).order_by("pk"))
    users = list(User.objects.select_related("unit").order_by("pk"))
    leaves = list(Category.objects.filter(level=3).order_by("pk"))
    weights = leaf_weights or {leaf.pk: 1 / (n + 1) ** 0.8 for n, leaf in enumerate(leaves)}
    return World(
        operators=[u for u in users if u.role == Role.OPERATOR],
        dispatchers=[u for u in users if u.role == Role.DISPATCHER],
        handlers={u.unit_id: u for u in users if u.role == Role.UNIT_HANDLER},
        units=units,
        towns=[u for u in units if u.kind == Unit.Kind.TOWN],
        leaves=leaves,
        leaf_cum_weights=list(itertools.accumulate(weights[leaf.pk] for leaf in leaves)),
        lead_of=dict(DispatchRule.objects.values_list("category_id", "lead_unit_id")),
        appeal_types={t.code: t for t in AppealType.objects.all()},
        urgencies={u.code: u for u in Urgency.objects.all()},
        channels={c.code: c for c in Channel.objects.all()},
        line_id=Line.objects.get(code="12345").pk,
    )


# --- Orders ------------------------------------------------------------------------------------


def phone_pool(seed: int, orders: int) -> list[str]:
    """Distinct mobile numbers, about one per ten orders, so a caller's history holds ~5-20 orders."""
    rng = random.Random(seed ^ 0x5EED)
    size = max(orders // 10, 1)
    return [f"1{rng.choice('3456789')}{n:09d}" for n in rng.sample(range(10**9), size)]


def registration_times(rng: random.Random, n: int, now: float, days: int, utc_offset: float) -> list[float]:
    """N sorted POSIX times over the last `days` days, shaped by the hour of day and the weekend."""
    start = now - days * DAY
    span = now - start
    top = max(HOUR_WEIGHTS)
    times = []
    while len(times) < n:
        t = start + rng.random() * span
        local = t + utc_offset
        weight = HOUR_WEIGHTS[int(local // HOUR) % 24]
        if (int(local // DAY) + 3) % 7 >= 5:  # 1970-01-01 was a Thursday
            weight *= WEEKEND_WEIGHT
        if rng.random() * top < weight:
            times.append(t)
    times.sort()
    return times


def _choice_table(weights: dict) -> tuple[list, list]:
    return list(weights), list(itertools.accumulate(weights.values()))


@dataclass
class GenerationResult:
    orders: int
    open_orders: int
    seconds: float


class BulkWriter:
    """INSERTs rows of one model through a single prepared statement.

    `bulk_create` spends most of its time compiling SQL for each batch of
    16 rows (SQLite's 999-parameter limit) and preparing every value of every
    field; at a million orders that is the whole budget. Here the constant
    columns are prepared once from a model instance and only the varying ones
    per row, still by the model's own fields, so the stored values (UTC
    datetimes, encrypted caller data) are exactly what the ORM would write.
    A field whose default must differ per row (a UUID, say) needs its value
    passed to `row()`, or every row gets the prototype's.
    """

    def __init__(self, model, connection, **constants):
        from rexian.privacy.fields import EncryptedTextField

        fields = model._meta.concrete_fields
        prototype = model(**constants)
        self.connection = connection
        self.index = {f.attname: n for n, f in enumerate(fields)}
        self.template = [f.get_db_prep_save(getattr(prototype, f.attname), connection) for f in fields]
        adapt = _datetime_adapter(connection)
        self.converters = []
        for f in fields:
            if f.get_internal_type() == "DateTimeField":
                self.converters.append(adapt)
            elif isinstance(f, EncryptedTextField):
                self.converters.append(f.get_prep_value)  # encrypts, with a fresh nonce per value
            else:
                self.converters.append(None)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        table = connection.ops.quote_name(model._meta.db_table)
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"

    def row(self, values: dict) -> list:
        row = self.template.copy()
        for name, value in values.items():
            n = self.index[name]
            convert = self.converters[n]
            row[n] = convert(value) if convert is not None and value is not None else value
        return row

    def insert(self, rows: list) -> None:
        if not rows:
            return
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.cursor.copy(self.copy_sql) as copy:  # COPY: several times faster than INSERTs
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.sql, rows)


def _datetime_adapter(connection):
    """The backend's datetime adapter, or for SQLite (which stores naive UTC text) the same conversion
    without the settings look-ups that made it a fifth of the generation time."""
    if connection.vendor != "sqlite" or connection.timezone != dt.UTC:
        return connection.ops.adapt_datetimefield_value
    utc = dt.UTC

    def adapt(value: dt.datetime) -> str:
        if value.tzinfo is not utc:
            value = value.astimezone(utc)
        return str(value.replace(tzinfo=None))

    return adapt


class OrderGenerator:
    """Builds orders, their register events and lead assignments in bulk, in registration order."""

    def __init__(self, *, world: World, rng: random.Random, phones: list[str], now: dt.datetime, args):
        from django.db import connection

        from rexian.catalog.models import DeadlineKind
        from rexian.catalog.selectors import deadline_rule_for
        from rexian.orders.models import Assignment, OrderEvent, WorkOrder
        from rexian.privacy import crypto

        self.world, self.rng, self.phones, self.args = world, rng, phones, args
        self.now = now
        self.now_ts = now.timestamp()
        self.utc_offset = now.astimezone(_local_tz()).utcoffset().total_seconds()
        self.phone_hashes: dict[str, str] = {}
        self.hash = crypto.phone_hash
        self.appeal_table = _choice_table(APPEAL_TYPE_WEIGHTS)
        self.urgency_table = _choice_table(URGENCY_WEIGHTS)
        self.channel_table = _choice_table(CHANNEL_WEIGHTS)
        self.open_state_table = _choice_table(OPEN_STATE_WEIGHTS)
        self.numbers: dict[int, int] = {}  # local day index -> last number handed out
        self.day_labels: dict[int, str] = {}
        # Deadline rules per (kind, type, urgency), read once through the catalogue's own selector.
        self.rules = {
            (kind, t, u): deadline_rule_for(
                kind=kind, appeal_type=world.appeal_types[t], urgency=world.urgencies[u], category=None
            )
            for kind in DeadlineKind.values
            for t in APPEAL_TYPE_WEIGHTS
            for u in URGENCY_WEIGHTS
        }
        self.orders = BulkWriter(
            WorkOrder, connection, line_id=world.line_id, address="幸福路88号", event_count=1, title="", description=""
        )
        self.events = BulkWriter(
            OrderEvent, connection, seq=1, action="register", from_state="", to_state="registered", data={}
        )
        self.assignments = BulkWriter(Assignment, connection, role=Assignment.Role.LEAD)
        self.clock_fields = {
            "state", "dispatched_at", "first_responded_at", "first_response_deadline", "sign_deadline",
            "reply_deadline", "callback_deadline", "accepted_at",
        }

    def _pick(self, table):
        values, cum = table
        return values[bisect.bisect(cum, self.rng.random() * cum[-1])]

    def _number(self, ts: float) -> str:
        day = int((ts + self.utc_offset) // DAY)
        last = self.numbers.get(day, 0) + 1
        self.numbers[day] = last
        label = self.day_labels.get(day)
        if label is None:
            label = self.day_labels[day] = (dt.date(1970, 1, 1) + dt.timedelta(days=day)).strftime("%Y%m%d")
        return f"{label}-{last:06d}"

    def _deadline(self, kind: str, appeal: str, urgency: str, start: dt.datetime) -> dt.datetime | None:
        from rexian.catalog.calendar import add_duration

        rule = self.rules[(kind, appeal, urgency)]
        return add_duration(start, rule.amount, rule.unit) if rule else None

    def run(self, progress_cb) -> GenerationResult:
        from django.db import connection, transaction
        from django.db.models import Max

        from rexian.orders.models import OrderNumberSequence, WorkOrder

        args = self.args
        started = time.perf_counter()
        times = registration_times(self.rng, args.orders, self.now_ts, args.days, self.utc_offset)
        open_cutoff = self.now_ts - args.open_days * DAY
        recent = len(times) - bisect.bisect_left(times, open_cutoff)
        # The backlog is a fixed number of orders a day, however long the history: see the module docstring.
        p_open = min(1.0, args.open_per_day * args.open_days / recent) if recent else 0.0
        first_pk = (WorkOrder.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        open_orders = 0
        if connection.vendor == "sqlite":
            # Loading only: a cache that holds the growing indexes (the caller-hash one is written at
            # random places). The production pragmas are back before anything is measured.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size=-1048576")
        for offset in range(0, len(times), args.batch):
            orders, events, assignments = [], [], []
            for n, ts in enumerate(times[offset : offset + args.batch]):
                is_open = ts >= open_cutoff and self.rng.random() < p_open
                order, event, assignment = self._build(first_pk + offset + n, ts, is_open)
                open_orders += is_open
                orders.append(self.orders.row(order))
                events.append(self.events.row(event))
                if assignment is not None:
                    assignments.append(self.assignments.row(assignment))
            with transaction.atomic():
                self.orders.insert(orders)
                self.events.insert(events)
                self.assignments.insert(assignments)
            progress_cb(len(orders))
        OrderNumberSequence.objects.bulk_create(
            [
                OrderNumberSequence(day=dt.date(1970, 1, 1) + dt.timedelta(days=day), last=last)
                for day, last in self.numbers.items()
            ]
        )
        _after_bulk_load(connection)
        connection.close()  # the next query reconnects with the settings' pragmas
        return GenerationResult(len(times), open_orders, time.perf_counter() - started)

    def _build(self, pk: int, ts: float, is_open: bool) -> tuple[dict, dict, dict | None]:
        """One order (as field values), its register event and its lead assignment, if it reached a unit."""
        rng, world = self.rng, self.world
        at = dt.datetime.fromtimestamp(ts, tz=dt.UTC)
        appeal = self._pick(self.appeal_table)
        urgency = self._pick(self.urgency_table)
        leaf = world.leaves[bisect.bisect(world.leaf_cum_weights, rng.random() * world.leaf_cum_weights[-1])]
        phone = self.phones[rng.randrange(len(self.phones))]
        phone_hash = self.phone_hashes.get(phone)
        if phone_hash is None:
            phone_hash = self.phone_hashes[phone] = self.hash(phone)
        title = TITLES[rng.randrange(len(TITLES))]
        operator_id = world.operators[rng.randrange(len(world.operators))].pk
        order = {
            "id": pk,
            "number": self._number(ts),
            "channel_id": world.channels[self._pick(self.channel_table)].pk,
            "caller_name": SURNAMES[rng.randrange(len(SURNAMES))] + GIVEN[rng.randrange(len(GIVEN))],
            "caller_phone": phone,
            "caller_phone_hash": phone_hash,
            "confidential": rng.random() < 0.01,
            "area_id": world.towns[rng.randrange(len(world.towns))].pk,
            "title": title,
            "description": DESCRIPTION.format(title=title),
            "appeal_type_id": world.appeal_types[appeal].pk,
            "category_id": leaf.pk,
            "urgency_id": world.urgencies[urgency].pk,
            "registered_at": at,
            "registered_by_id": operator_id,
        }
        event = {"id": pk, "order_id": pk, "actor_id": operator_id, "at": at}
        if is_open:
            assignment = self._open(order, appeal, urgency, leaf.pk)
        elif rng.random() < ANSWERED_ON_SPOT_SHARE:
            order["state"], order["close_reason"], order["answer"] = "closed", "answered", "已当场答复。"
            order["closed_at"] = min(at + dt.timedelta(seconds=rng.uniform(2 * MINUTE, 15 * MINUTE)), self.now)
            assignment = None
        else:
            assignment = self._closed_after_handling(order, leaf.pk)
        return order, event, assignment

    def _steps(self, start: dt.datetime, end: dt.datetime, k: int) -> list[dt.datetime]:
        span = (end - start).total_seconds()
        return [start + dt.timedelta(seconds=span * f) for f in sorted(self.rng.random() for _ in range(k))]

    def _assignment(self, order: dict, status: str, is_open: bool) -> dict:
        handler_id = self.world.handlers[order["lead_unit_id"]].pk
        signed = status != "dispatched"
        replied = status == "replied"
        return {
            "id": order["id"],  # at most one assignment per order, so the order's id is free
            "order_id": order["id"],
            "unit_id": order["lead_unit_id"],
            "status": status,
            "is_open": is_open,
            "dispatched_at": order["dispatched_at"],
            "dispatched_by_id": self.world.dispatchers[self.rng.randrange(len(self.world.dispatchers))].pk,
            "sign_deadline": order["sign_deadline"],
            "signed_at": order.get("signed_at") if signed else None,
            "signed_by_id": handler_id if signed else None,
            "replied_at": order.get("replied_at") if replied else None,
            "replied_by_id": handler_id if replied else None,
            "result": "已联系诉求人并处理完毕。" if replied else "",
        }

    def _closed_after_handling(self, order: dict, leaf_id: int) -> dict:
        """A dispatched order that went all the way to a callback (deadlines approximated in calendar days)."""
        at = order["registered_at"]
        end = min(at + dt.timedelta(days=self.rng.uniform(1, 12)), self.now)
        dispatched, signed, replied, accepted, closed = self._steps(at, end, 5)
        order.update(
            state="closed",
            lead_unit_id=self.world.lead_of[leaf_id],
            dispatched_at=dispatched,
            signed_at=signed,
            first_responded_at=signed,
            replied_at=replied,
            accepted_at=accepted,
            closed_at=closed,
            sign_deadline=dispatched + dt.timedelta(days=1),
            reply_deadline=dispatched + dt.timedelta(days=14),
            callback_deadline=accepted + dt.timedelta(days=2),
            close_reason="unreachable" if self.rng.random() < 0.05 else "callback",
        )
        return self._assignment(order, "replied", is_open=False)

    def _open(self, order: dict, appeal: str, urgency: str, leaf_id: int) -> dict | None:
        """An order still in the centre's or a unit's hands, its live clock set as the services set it."""
        from rexian.orders.deadlines import refresh_due
        from rexian.orders.models import WorkOrder

        state = order["state"] = self._pick(self.open_state_table)
        if state in ("registered", "pending_dispatch"):
            return None
        dispatched, signed, replied, accepted = self._steps(order["registered_at"], self.now, 4)
        sign = self._deadline("sign", appeal, urgency, dispatched)
        first_response = self._deadline("first_response", appeal, urgency, dispatched)
        reply = self._deadline("reply", appeal, urgency, dispatched)
        order.update(
            lead_unit_id=self.world.lead_of[leaf_id],
            dispatched_at=dispatched,
            sign_deadline=sign,
            first_response_deadline=first_response,
            reply_deadline=reply,
        )
        if state == "dispatched":
            status, is_open = "dispatched", True
        else:
            order.update(signed_at=signed, first_responded_at=signed)
            if state == "in_progress":
                status, is_open = "signed", True
            else:
                order["replied_at"] = replied
                status, is_open = "replied", state == "replied"
                if state == "awaiting_callback":
                    order.update(
                        accepted_at=accepted, callback_deadline=self._deadline("callback", appeal, urgency, accepted)
                    )
        # The live clock (due_kind / due_from / due_at / is_overdue) as the services would have left it.
        clock = WorkOrder(**{k: v for k, v in order.items() if k in self.clock_fields})
        refresh_due(clock, self.now)
        order.update({k: getattr(clock, k) for k in ("due_kind", "due_from", "due_at", "due_escalated", "is_overdue")})
        return self._assignment(order, status, is_open)


def _local_tz():
    from django.utils import timezone

    return timezone.get_current_timezone()


def _after_bulk_load(connection) -> None:
    """Make the database look like one that grew by itself: sequences past the explicit ids, WAL folded in."""
    from django.core.management.color import no_style

    from rexian.orders.models import Assignment, OrderEvent, WorkOrder

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [WorkOrder, OrderEvent, Assignment]):
            cursor.execute(statement)
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        elif connection.vendor == "postgresql":
            # Autovacuum would analyse the new tables within a minute; do it now so the plans are the steady-state ones.
            cursor.execute("ANALYZE")


# --- Measurements ------------------------------------------------------------------------------


@dataclass
class Timing:
    name: str
    samples: list[float]  # seconds
    rows: int = 0

    def quantile(self, q: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))] * 1000

    def summary(self) -> dict:
        return {
            "samples": len(self.samples),
            "p50_ms": round(self.quantile(0.50), 2),
            "p95_ms": round(self.quantile(0.95), 2),
            "max_ms": round(max(self.samples) * 1000, 2),
            "avg_rows": round(self.rows / len(self.samples), 1),
        }


def measure_registrations(world: World, phones: list[str], count: int, rng: random.Random) -> Timing:
    """Register `count` orders through `order_register`, each its own transaction, as a busy operator would."""
    from rexian.orders import services

    timing = Timing("order_register", [])
    types = list(world.appeal_types.values())
    for n in range(count):
        title = TITLES[n % len(TITLES)]
        leaf = world.leaves[rng.randrange(len(world.leaves))]
        started = time.perf_counter()
        services.order_register(
            actor=world.operators[n % len(world.operators)],
            channel=world.channels["phone"],
            appeal_type=types[n % len(types)],
            urgency=world.urgencies["normal"],
            category=leaf,
            title=title,
            description=DESCRIPTION.format(title=title),
            caller_name=SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)],
            caller_phone=phones[rng.randrange(len(phones))],
            area=world.towns[n % len(world.towns)],
            address="幸福路88号",
        )
        timing.samples.append(time.perf_counter() - started)
    return timing


def busy_units(world: World) -> list:
    """Units whose open work fills at least half the busiest unit's inbox (at least the top five)."""
    from django.db.models import Count

    from rexian.orders.models import Assignment

    counts = dict(
        Assignment.objects.filter(is_open=True).values_list("unit_id").annotate(n=Count("id")).values_list("unit_id", "n")
    )
    ranked = sorted((u for u in world.units if counts.get(u.pk)), key=lambda u: -counts[u.pk])
    if not ranked:
        return world.units[:5]
    top = counts[ranked[0].pk]
    return [u for n, u in enumerate(ranked) if n < 5 or counts[u.pk] * 2 >= top]


def stored_phones(rng: random.Random, count: int = 1000) -> list[str]:
    """Callers' phones read back (and decrypted) from random stored orders.

    Drawing from the data, rather than from the pool the generator used, works
    on a reused database too, and picks frequent callers as often as they call.
    """
    from django.db.models import Max, Min

    from rexian.orders.models import WorkOrder

    bounds = WorkOrder.objects.aggregate(low=Min("pk"), high=Max("pk"))
    ids = {rng.randint(bounds["low"], bounds["high"]) for _ in range(count)}
    return [p for p in WorkOrder.objects.filter(pk__in=ids).values_list("caller_phone", flat=True) if p]


def query_calls(world: World, phones: list[str], rng: random.Random) -> dict:
    """The three measured selector calls, each drawing its own random unit, dispatcher or phone."""
    from rexian.orders import selectors

    units = busy_units(world)
    operator = world.operators[0]
    return {
        "unit_inbox": lambda: selectors.unit_inbox(
            user=world.handlers[units[rng.randrange(len(units))].pk], page=1, page_size=50
        ),
        "dispatch_queue": lambda: selectors.dispatch_queue(
            user=world.dispatchers[rng.randrange(len(world.dispatchers))], page=1
        ),
        "caller_history": lambda: selectors.caller_history(user=operator, phone=phones[rng.randrange(len(phones))]),
    }


def measure_queries(calls: dict, samples: int, warmup: int, budget: float) -> list[Timing]:
    """Time each call `samples` times after `warmup` untimed calls; a query slower than the
    budget (seconds per query, warm-up included) stops early, with at least 10 samples, so a
    pathological plan is reported instead of running for hours."""
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
            rows = call()
            timing.samples.append(time.perf_counter() - started)
            timing.rows += len(rows)
            if n >= 9 and time.perf_counter() > deadline:
                break
        timings.append(timing)
    return timings


def explain(calls: dict) -> dict[str, tuple[str, str]]:
    """The SQL each selector runs and the database's plan for it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plans = {}
    for name, call in calls.items():
        with CaptureQueriesContext(connection) as captured:
            call()
        sql = max((q["sql"] for q in captured.captured_queries), key=len)
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                plan = "\n".join(f"{row[0]:>3} {row[1]:>3} {row[3]}" for row in cursor.fetchall())
            else:
                cursor.execute("EXPLAIN ANALYZE " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
        plans[name] = (sql, plan)
    return plans


def data_size(target: Target) -> dict:
    from django.db import connection

    from rexian.orders.models import Assignment, OrderEvent, WorkOrder

    size = {
        "orders": WorkOrder.objects.count(),
        "open_orders": WorkOrder.objects.exclude(state__in=["closed", "merged", "voided"]).count(),
        "events": OrderEvent.objects.count(),
        "assignments": Assignment.objects.count(),
        "open_assignments": Assignment.objects.filter(is_open=True).count(),
        "pending_dispatch": WorkOrder.objects.filter(state="pending_dispatch").count(),
    }
    if target.is_sqlite:
        size["db_bytes"] = sum(
            Path(f"{target.sqlite_path}{s}").stat().st_size
            for s in ("", "-wal")
            if Path(f"{target.sqlite_path}{s}").exists()
        )
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            size["db_bytes"] = cursor.fetchone()[0]
    return size


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPU ({model}), Python {platform.python_version()}, load {load_average()}"


def query_plan(sql: str, *, analyze: bool = True) -> str:
    """The database's plan for `sql`, one indented line per step: SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN
    ANALYZE (plain EXPLAIN, which does not run the statement, when `analyze` is false)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            return "\n".join(f"   {row[3]}" for row in cursor.fetchall())
        cursor.execute(("EXPLAIN ANALYZE " if analyze else "EXPLAIN ") + sql)
        return "\n".join(f"   {row[0]}" for row in cursor.fetchall())


def database_version() -> str:
    """The database's name and version, for the bench's report ("SQLite 3.40.1", "PostgreSQL 15.20 …")."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            return "SQLite " + cursor.fetchone()[0]
        cursor.execute("show server_version")
        return "PostgreSQL " + cursor.fetchone()[0]


def load_average() -> str:
    """Other work on the machine skews the numbers; print it with them."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# --- Main --------------------------------------------------------------------------------------


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
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.table import Table

    from rexian.orders.models import WorkOrder

    console = Console()
    rng = random.Random(args.seed)
    results: list[dict] = []
    db_version = connection.vendor
    console.print(f"[bold]Rexian order benchmark[/] on {target.label} — {machine()}")

    try:
        generation = None
        if args.reuse:
            # New migrations (an index being tried, say) apply to the kept data before it is measured.
            call_command("migrate", verbosity=0)
            world = load_world()
            console.print(f"Reusing {WorkOrder.objects.count():,} orders.")
        else:
            started = time.perf_counter()
            call_command("migrate", verbosity=0)
            console.print(f"Migrated in {time.perf_counter() - started:.1f} s.")
            world = seed_master_data(rng)
            generator = OrderGenerator(
                world=world, rng=rng, phones=phone_pool(args.seed, args.orders), now=timezone.now(), args=args
            )
            columns = [
                TextColumn("generating orders"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn(),
            ]
            with Progress(*columns, console=console) as progress:
                task = progress.add_task("orders", total=args.orders, rate="")
                t0 = time.perf_counter()

                def advance(n: int) -> None:
                    done = progress.tasks[0].completed + n
                    progress.update(task, advance=n, rate=f"{done / (time.perf_counter() - t0):,.0f}/s")

                generation = generator.run(advance)
            console.print(
                f"Generated {generation.orders:,} orders ({generation.open_orders:,} open) in "
                f"{generation.seconds:.1f} s: {generation.orders / generation.seconds:,.0f} orders/s."
            )
            results.append({"metric": "generate", "orders": generation.orders, "seconds": round(generation.seconds, 1),
                            "orders_per_s": round(generation.orders / generation.seconds)})

        # Queries first, on the data as generated; then the registrations, which only add a few orders.
        db_version = database_version()
        size = data_size(target)
        phones = stored_phones(rng)
        calls = query_calls(world, phones, rng)
        if args.explain:
            for name, (sql, plan) in explain(calls).items():
                console.rule(name)
                # The column list is long and says nothing about the plan.
                console.print(re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", sql), markup=False, highlight=False)
                console.print(plan, markup=False, highlight=False)
        timings = measure_queries(calls, args.samples, args.warmup, args.query_budget)

        registration = None
        if args.registrations:
            with console.status(f"registering {args.registrations:,} orders through order_register…"):
                registration = measure_registrations(world, phones, args.registrations, rng)

        table = Table(title=f"{size['orders']:,} orders — {db_version}")
        for column in ("measurement", "samples", "p50 ms", "p95 ms", "max ms", "rows/call"):
            table.add_column(column, justify="left" if column == "measurement" else "right")
        for timing in timings:
            s = timing.summary()
            table.add_row(timing.name, str(s["samples"]), f"{s['p50_ms']:.2f}", f"{s['p95_ms']:.2f}",
                          f"{s['max_ms']:.2f}", f"{s['avg_rows']:.0f}")
            results.append({"metric": timing.name, "orders": size["orders"], **s})
        if registration:
            s = registration.summary()
            rate = len(registration.samples) / sum(registration.samples)
            table.add_row(f"order_register ({rate:,.0f}/s)", str(s["samples"]), f"{s['p50_ms']:.2f}",
                          f"{s['p95_ms']:.2f}", f"{s['max_ms']:.2f}", "")
            results.append({"metric": "order_register", "orders": size["orders"], "per_s": round(rate),
                            **{k: v for k, v in s.items() if k != "avg_rows"}})
        console.print(table)
        console.print(
            "Data: " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in size.items() if k != "db_bytes")
            + f", database {size['db_bytes'] / 2**20:,.0f} MiB"
        )
        results.append({"metric": "data", "database": db_version, **size, "load": load_average()})
        for result in results:
            print("BENCH " + json.dumps(result, ensure_ascii=False))
    finally:
        connection.close()
        if not args.keep and not args.reuse:
            _drop(target)
    return 0


def _drop(target: Target) -> None:
    if target.is_sqlite:
        _remove_sqlite(target.sqlite_path)
        return
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    with psycopg.connect(make_conninfo(target.url, dbname="postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target.pg_name)))


if __name__ == "__main__":
    sys.exit(main())
