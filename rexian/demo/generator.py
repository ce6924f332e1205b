"""Load the demo city 江安市: its organisation, catalogue, staff and 90 days of work orders.

Loading tens of thousands of orders through the service functions (one locked
transaction and a dozen queries per step) would take an hour, so each order's
life is simulated in memory instead and written with `bulk_create`. The
simulation follows the services step by step, so the rows read exactly as if
the services had written them:

* every event is checked against the declared table (`check_transition`) as it
  is recorded, and the events replay to the order's state;
* deadlines come from the deadline rules and the working-day calendar (the
  same `deadline_rule_for` and calendar arithmetic `deadline_compute` uses,
  memoised), and the live clock (due_kind / due_from / due_at / due_escalated /
  is_overdue) is set by the services' own `refresh_due`;
* a deadline that passes while an order runs against it gets the escalation
  (催办) row and event that `deadline_scan` would have written within the
  minute, with the same key, and the clock moves on as the scan moves it, so
  the first scan after loading finds nothing left to do;
* assignments open and close as the services open and close them.

Each order's life ends at the moment the demo is loaded ("now"): old orders
are closed, recent ones sit in every step of the pipeline, and nothing happens
in the future. Everything is drawn from `random.Random` seeded from `seed`:
the same seed and the same "now" give the same data, and the text of the
orders (titles, callers, places) depends only on the seed and the day's
distance from today.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import string
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from rexian.catalog import calendar as workcal
from rexian.catalog.models import (
    AppealType,
    Category,
    Channel,
    DeadlineKind,
    DeadlineRule,
    DispatchRule,
    HotTopic,
    Line,
    Urgency,
)
from rexian.catalog.selectors import deadline_rule_for
from rexian.demo import data as D
from rexian.enterprise.demo_data import DemoEnterprise, demo_enterprise_load, demo_enterprises
from rexian.knowledge.demo_data import demo_knowledge_load
from rexian.supervision.demo_data import demo_supervision_load
from rexian.quality.demo_data import demo_quality_load
from rexian.sms.demo import demo_sms_load
from rexian.analytics.rollups import rollup_rebuild
from rexian.api.services import api_token_install
from rexian.open311.services import open311_demo_key_install
from rexian.orders.search import order_text_reindex
from rexian.core.scheduler import record_run
from rexian.hotspots.services import hotspot_scan
from rexian.telephony.demo import demo_calls_load, demo_roster_load
from rexian.telephony.models import Call
from rexian.orders.deadlines import refresh_due
from rexian.orders.models import (
    Assignment,
    Callback,
    CloseReason,
    Escalation,
    ExtensionRequest,
    OrderEvent,
    OrderNumberSequence,
    ReturnRequest,
    Satisfaction,
    WorkOrder,
)
from rexian.orders.transitions import OPEN_STATES, Action, State, check_transition
from rexian.privacy import crypto
from rexian.units.models import Role, Unit, User

A = Action
S = State
UTC = dt.UTC
DEFAULT_SEED = 12345
DEFAULT_DAYS = 90
DEFAULT_PER_DAY = 500

# Demo accounts (演示账号): username, role, unit key (None: the centre; "CITY": the city).
DEMO_ACCOUNTS = [
    ("operator", Role.OPERATOR, None),
    ("dispatcher", Role.DISPATCHER, None),
    ("handler", Role.UNIT_HANDLER, "ZJJ"),
    ("unitadmin", Role.UNIT_ADMIN, "ZJJ"),
    ("inspector", Role.INSPECTOR, None),
    ("supervisor", Role.SUPERVISOR, None),
    ("leader", Role.LEADER, "CITY"),
    ("admin", Role.ADMIN, None),
]
OPERATOR_COUNT = 26

# How often things happen in an order's life (shares of the orders reaching that step).
P_ANSWER_CONSULT = 0.26  # consultations answered on the call (直接办结)
P_ANSWER_HELP = 0.04
P_ANSWER_PRAISE = 0.5
P_VOID = 0.004
P_DUPLICATE = 0.015
P_MERGE_DUPLICATE = 0.5
P_RETURN = 0.035
P_RETURN_APPROVED = 0.65
P_EXTENSION = 0.03
P_EXTENSION_APPROVED = 0.8
P_REPLY_REJECTED = 0.03
P_LATE_SIGN = 0.004
P_LATE_REPLY = 0.008
P_LATE_CALLBACK = 0.003
P_HARD_TO_REACH = 0.05
# Leaves outside the enterprise desk's own categories where the caller is sometimes a firm (一企来). Their
# templates name no company ({co}): the firm is drawn once the order is known to be an enterprise's.
ENTERPRISE_SOMETIMES = frozenset({"060501", "120101", "120103"})
# How unevenly the enterprise pool calls: the firm at position u**skew (u uniform) of the pool. At 1.6 the first
# firm makes ~4% of the enterprise orders, a dozen more call often and a few of the pool never do.
ENTERPRISE_SKEW = 1.6
SATISFACTION_MIX = ((Satisfaction.SATISFIED, 0.905), (Satisfaction.BASIC, 0.08), (Satisfaction.DISSATISFIED, 0.015))


DEMO_API_TOKEN = "demo-dispatcher"


class DemoRefused(Exception):
    """The database holds data that is not the demo's; loading the demo beside it would mix the two."""


@dataclass
class DemoSummary:
    units: int = 0
    categories: int = 0
    leaf_categories: int = 0
    dispatch_rules: int = 0
    users: int = 0
    orders: int = 0
    events: int = 0
    assignments: int = 0
    callbacks: int = 0
    return_requests: int = 0
    extension_requests: int = 0
    escalations: int = 0
    overdue: int = 0
    calls: int = 0
    call_summary: object = None  # rexian.telephony.demo.DemoCallsSummary
    enterprises: int = 0  # 一企来: profiles, policies and their pushes
    policies: int = 0
    policy_pushes: int = 0
    states: dict[str, int] = field(default_factory=dict)
    first_day: dt.date | None = None
    now: dt.datetime | None = None


# --- Detecting what the database holds ------------------------------------------------------


def demo_is_loaded() -> bool:
    """Whether the demo city is in the database (its city unit and its `admin` account)."""
    return (
        Unit.objects.filter(code=D.CITY_CODE, name=D.CITY_NAME).exists()
        and User.objects.filter(username="admin").exists()
    )


def foreign_data() -> list[str]:
    """What the database already holds that the demo did not put there (empty: safe to load)."""
    found = []
    if WorkOrder.objects.exists():
        found.append("工单 orders")
    if User.objects.exists():
        found.append("用户 users")
    if Unit.objects.exists():
        found.append("单位 units")
    if Category.objects.exists() or DispatchRule.objects.exists():
        found.append("诉求分类 categories")
    if Call.objects.exists():
        found.append("来电记录 calls")
    return found


# --- Master data ---------------------------------------------------------------------------


def _unit_code(key: str) -> str:
    return f"{D.CITY_CODE}-{key}"


@dataclass
class _City:
    city: Unit
    centre: Unit
    units: dict[str, Unit]  # by key ("ZJJ", "JC", "JC-01", …)
    towns: list[tuple[D.Town, Unit, list[Unit]]]
    categories: dict[str, Category]
    leaves: list[tuple[D.Leaf, Category]]
    city_rules: dict[str, tuple[Unit, list[Unit]]]
    area_rules: dict[tuple[str, int], tuple[Unit, list[Unit]]]
    topics: dict[str, HotTopic]
    rule_count: int


def _build_units(rng: random.Random) -> tuple[Unit, Unit, dict[str, Unit], list]:
    def phone() -> str:
        return f"{D.PHONE_AREA_CODE}-8{rng.randint(0, 9999999):07d}"

    def save(unit: Unit) -> Unit:
        unit.save()  # Unit.save maintains the materialised path; ~40 rows, one at a time is fine.
        return unit

    city = save(Unit(code=D.CITY_CODE, name=D.CITY_NAME, short_name=D.CITY_NAME, kind=Unit.Kind.CITY, accepts_orders=False))
    centre = save(
        Unit(
            code=_unit_code(D.CENTRE_KEY), name=D.CENTRE_NAME, short_name=D.CENTRE_SHORT, kind=Unit.Kind.CENTRE,
            parent=city, accepts_orders=False, contact_phone="12345",
        )
    )
    units: dict[str, Unit] = {}
    for key, name, short in D.BUREAUS:
        units[key] = save(
            Unit(code=_unit_code(key), name=name, short_name=short, kind=Unit.Kind.BUREAU, parent=city, contact_phone=phone())
        )
    for key, name, short in D.UTILITIES:
        units[key] = save(
            Unit(code=_unit_code(key), name=name, short_name=short, kind=Unit.Kind.UTILITY, parent=city, contact_phone=phone())
        )
    towns = []
    for town in D.TOWNS:
        town_unit = save(
            Unit(code=_unit_code(town.key), name=town.name, short_name=town.name, kind=Unit.Kind.TOWN, parent=city,
                 contact_phone=phone())
        )
        units[town.key] = town_unit
        communities = []
        for key, name in town.communities:
            community = save(
                Unit(code=_unit_code(key), name=f"{town.name}{name}", short_name=name, kind=Unit.Kind.COMMUNITY,
                     parent=town_unit, contact_phone=phone())
            )
            units[key] = community
            communities.append(community)
        towns.append((town, town_unit, communities))
    for line_code, key in D.LINE_OWNERS.items():
        Line.objects.filter(code=line_code).update(owner_unit=units[key])
    return city, centre, units, towns


def _build_catalog(units: dict[str, Unit], towns: list) -> tuple:
    categories: dict[str, Category] = {}
    for level in (1, 2):
        batch = []
        for code, name in D.CATEGORY_NAMES.items():
            if len(code) == 2 * level:
                parent = categories[code[:-2]] if level > 1 else None
                batch.append(Category(code=code, name=name, parent=parent, level=level))
        for category in Category.objects.bulk_create(batch):
            categories[category.code] = category
    leaves = []
    batch = [Category(code=leaf.code, name=leaf.name, parent=categories[leaf.code[:4]], level=3) for leaf in D.LEAVES]
    for leaf, category in zip(D.LEAVES, Category.objects.bulk_create(batch)):
        categories[category.code] = category
        leaves.append((leaf, category))
    for code, type_code, kind, amount, unit, note in D.DEADLINE_RULES:
        # One at a time: saving a rule forgets the cached rules (`_Deadlines` reads them next).
        DeadlineRule.objects.create(
            kind=kind, category=categories[code], appeal_type=AppealType.objects.get(code=type_code) if type_code else None,
            amount=amount, unit=unit, note=note,
        )

    city_rules: dict[str, tuple[Unit, list[Unit]]] = {}
    area_rules: dict[tuple[str, int], tuple[Unit, list[Unit]]] = {}
    rules: list[tuple[DispatchRule, list[Unit]]] = []
    for leaf, category in leaves:
        lead, assisting = units[leaf.lead], [units[key] for key in leaf.assist]
        city_rules[leaf.code] = (lead, assisting)
        rules.append((DispatchRule(category=category, lead_unit=lead), assisting))
        for _town, town_unit, communities in towns:
            if leaf.area_rule == "town":
                entry = (town_unit, [lead])
                area_rules[(leaf.code, town_unit.pk)] = entry
                rules.append((DispatchRule(category=category, area=town_unit, lead_unit=town_unit,
                                           note="属地管理：由所在镇（街道）主办"), [lead]))
            elif leaf.area_rule == "community":
                for community in communities:
                    area_rules[(leaf.code, community.pk)] = (community, [town_unit])
                    rules.append((DispatchRule(category=category, area=community, lead_unit=community,
                                               note="属地管理：由所在村（社区）主办"), [town_unit]))
    created = DispatchRule.objects.bulk_create([rule for rule, _ in rules])
    through = DispatchRule.assisting_units.through
    through.objects.bulk_create(
        [through(dispatchrule_id=rule.pk, unit_id=unit.pk) for rule, (_, assisting) in zip(created, rules) for unit in assisting]
    )
    topics = {topic.name: topic for topic in HotTopic.objects.bulk_create([HotTopic(name=name) for name in D.HOT_TOPICS])}
    return categories, leaves, city_rules, area_rules, topics, len(created)


def _person_name(rng: random.Random, gender: str) -> str:
    chars = D.MALE_CHARS if gender == "M" else D.FEMALE_CHARS
    given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")
    return rng.choice(D.SURNAMES) + given


def _build_users(rng: random.Random, city: Unit, centre: Unit, units: dict[str, Unit]) -> dict[str, list[User]]:
    """The staff. One Argon2 hash of the demo password serves everyone (hashing hundreds takes minutes)."""
    password = make_password(D.DEMO_PASSWORD)
    users: list[User] = []

    def add(username: str, role: str, unit: Unit | None, agent: str = "", **extra) -> User:
        gender = rng.choice("MF")
        user = User(
            username=username, password=password, role=role, unit=unit, display_name=_person_name(rng, gender),
            agent_number=agent, **extra,
        )
        users.append(user)
        return user

    roles: dict[str, list[User]] = {"operator": [], "dispatcher": [], "supervisor": [], "handlers": []}
    for i in range(1, OPERATOR_COUNT + 1):
        roles["operator"].append(add(f"op{i:02d}", Role.OPERATOR, centre, agent=f"{1000 + i}"))
    for i in range(1, 5):
        roles["dispatcher"].append(add(f"pd{i:02d}", Role.DISPATCHER, centre, agent=f"{2000 + i}"))
    for i in range(1, 4):
        roles["supervisor"].append(add(f"sv{i:02d}", Role.SUPERVISOR, centre, agent=f"{3000 + i}"))
    for i in range(1, 3):
        add(f"qc{i:02d}", Role.INSPECTOR, centre, agent=f"{4000 + i}")
        add(f"ld{i:02d}", Role.LEADER, city)
    for key, unit in units.items():
        if unit.accepts_orders:
            slug = key.lower()
            roles["handlers"].append(add(f"{slug}-handler", Role.UNIT_HANDLER, unit))
            add(f"{slug}-admin", Role.UNIT_ADMIN, unit)
    for username, role, unit_key in DEMO_ACCOUNTS:
        unit = city if unit_key == "CITY" else units[unit_key] if unit_key else centre
        is_admin = role == Role.ADMIN
        user = add(username, role, unit, agent="1000" if role == Role.OPERATOR else "",
                   is_staff=is_admin, is_superuser=is_admin)
        if role in (Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR):
            roles[role].append(user)
        elif role == Role.UNIT_HANDLER:
            roles["handlers"].append(user)
    User.objects.bulk_create(users)
    return roles


# --- Deadlines -------------------------------------------------------------------------------


class _Deadlines:
    """`deadline_compute`, memoised: the rule per (kind, type, urgency, category), the calendar per day.

    Equal to `rexian.catalog.selectors.deadline_compute` for every input (the
    tests check it); a few hundred thousand calls would otherwise re-read the
    rules and the calendar overrides from the cache each time.
    """

    def __init__(self, types: dict, urgencies: dict, categories: dict[int, Category]):
        self._types, self._urgencies, self._categories = types, urgencies, categories
        self._rules: dict[tuple, object] = {}
        self._days: dict[tuple[dt.date, int], tuple[dt.date, bool]] = {}

    def __call__(self, kind: str, start: dt.datetime, order: WorkOrder) -> dt.datetime | None:
        key = (kind, order.appeal_type_id, order.urgency_id, order.category_id)
        try:
            rule = self._rules[key]
        except KeyError:
            rule = self._rules[key] = deadline_rule_for(
                kind=kind,
                appeal_type=self._types[order.appeal_type_id],
                urgency=self._urgencies[order.urgency_id],
                category=self._categories.get(order.category_id),
            )
        if rule is None:
            return None
        if rule.unit == "hours":
            return start + dt.timedelta(hours=float(rule.amount))
        local = timezone.localtime(start)
        days = int(rule.amount)
        try:
            target, starts_on_workday = self._days[(local.date(), days)]
        except KeyError:
            probe = dt.datetime.combine(local.date(), dt.time(12), tzinfo=local.tzinfo)
            target = workcal.add_workdays(probe, days).date()
            starts_on_workday = workcal.is_workday(local.date())
            self._days[(local.date(), days)] = (target, starts_on_workday)
        clock = local.time().replace(tzinfo=None) if starts_on_workday else workcal.END_OF_DAY
        return dt.datetime.combine(target, clock, tzinfo=local.tzinfo)


# --- Callers and places ------------------------------------------------------------------------


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_number(rng: random.Random, gender: str) -> str:
    """A well-formed 18-digit resident ID (GB 11643 check digit) from a fictional area code."""
    birth = dt.date(1948, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 56))
    serial = rng.randint(10, 99) * 10 + (rng.choice((1, 3, 5, 7, 9)) if gender == "M" else rng.choice((0, 2, 4, 6, 8)))
    body = f"3212{rng.randint(90, 99)}{birth:%Y%m%d}{serial:03d}"
    return body + _ID_CHECK[sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS)) % 11]


@dataclass(frozen=True)
class _Caller:
    name: str
    gender: str
    phone: str
    id_number: str


def _caller(rng: random.Random) -> _Caller:
    gender = rng.choice("MF")
    full = _person_name(rng, gender)
    roll = rng.random()
    name = full if roll < 0.66 else f"{full[0]}{'先生' if gender == 'M' else '女士'}" if roll < 0.92 else ""
    if rng.random() < 0.9:
        phone = rng.choice(("13", "15", "18", "17", "19")) + str(rng.randint(0, 9)) + f"{rng.randint(0, 99999999):08d}"
    else:
        phone = f"{D.PHONE_AREA_CODE}-8{rng.randint(0, 9999999):07d}"
    return _Caller(name, gender if name else "", phone, id_number(rng, gender))


def _company(rng: random.Random) -> str:
    return f"{D.CITY_NAME}{rng.choice(D.COMPANY_WORDS)}{rng.choice(D.COMPANY_TRADES)}有限公司"


_FORMATTER = string.Formatter()
_MONTHS = ("两", "三", "四", "五", "六")
_DAYS = ("三天", "五天", "一周", "十多天", "半个月")
_AMOUNTS = (680, 1200, 1980, 2600, 3500, 4800, 6500, 8600, 12000, 26000)


def _fields(template: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in _FORMATTER.parse(template) if name)


@dataclass
class _Plan:
    """What the content generator decided about an order before its life is simulated."""

    leaf: D.Leaf | None
    void_reason: str = ""
    answer: str = ""
    master: WorkOrder | None = None
    topics: tuple[int, ...] = ()


# --- The simulator -----------------------------------------------------------------------------


class _Stop(Exception):
    """The next step of an order's life would happen after "now": its life so far is all there is."""


class _Life:
    """One order's life, simulated step by step the way the services would have written it."""

    def __init__(self, sim: _Simulator, order: WorkOrder, plan: _Plan, rng: random.Random):
        self.sim, self.o, self.plan, self.rng = sim, order, plan, rng
        self.now = sim.now
        self.t = order.registered_at
        self.events: list[OrderEvent] = []
        self.assignments: list[Assignment] = []
        self.returns: list[ReturnRequest] = []
        self.extensions: list[ExtensionRequest] = []
        self.callbacks: list[Callback] = []
        self.escalations: list[Escalation] = []
        self._escalated: set[str] = set()
        self.lead: Assignment | None = None
        self.master: WorkOrder | None = None
        self.reply_rejected = False
        urgency = sim.urgency_codes[order.urgency_id]
        self.critical, self.urgent = urgency == "critical", urgency == "urgent"
        self.type_code = sim.type_codes[order.appeal_type_id]

    # The mechanics: time, escalations and events.

    def at(self, t: dt.datetime) -> dt.datetime:
        """The moment of the next step: after the last one, not after now; raises the escalations before it."""
        t = t.replace(microsecond=0)
        if t <= self.t:
            t = self.t + dt.timedelta(seconds=self.rng.randint(30, 240))
        if t > self.now:
            raise _Stop
        self._scan(t)
        return t

    def _scan(self, until: dt.datetime) -> None:
        """What `deadline_scan` (every minute) would have done between the last step and `until`.

        The live deadline is escalated once it has passed, then the clock moves
        on to the next deadline (so a unit that never signs is escalated for the
        sign deadline and later for the reply deadline); assisting units'
        unsigned assignments are escalated on their own.
        """
        o = self.o
        if o.state not in OPEN_STATES:
            return
        while o.due_at is not None and not o.due_escalated and o.due_at < until:
            when = self._scan_time(o.due_at)
            if when >= until:
                break
            kind, deadline = o.due_kind, o.due_at
            self._escalate(when, kind, o.lead_unit_id if kind != DeadlineKind.CALLBACK else None, deadline)
            refresh_due(o, when)
            if (o.due_kind, o.due_at) == (kind, deadline):
                o.due_escalated = True  # no later deadline to run against
        for a in self.assignments:
            if (
                a.is_open and a.role == Assignment.Role.ASSIST and a.status == Assignment.Status.DISPATCHED
                and a.sign_deadline is not None and a.sign_deadline < until
            ):
                when = self._scan_time(a.sign_deadline)
                if when < until:
                    self._escalate(when, DeadlineKind.SIGN, a.unit_id, a.sign_deadline)

    def _scan_time(self, deadline: dt.datetime) -> dt.datetime:
        return (max(deadline, self.t) + dt.timedelta(seconds=self.rng.randint(5, 60))).replace(microsecond=0)

    def _escalate(self, when: dt.datetime, kind: str, unit_id: int | None, deadline: dt.datetime) -> None:
        """催办: one Escalation row and event per order, kind, unit and deadline (the scan's key)."""
        key = f"{kind}:{unit_id or 0}:{deadline.astimezone(UTC).isoformat()}"
        if key in self._escalated:
            return
        self._escalated.add(key)
        self.escalations.append(Escalation(kind=kind, unit_id=unit_id, deadline=deadline, created_at=when, key=key))
        self._event(when, A.ESCALATE, self.o.state, actor=None, unit_id=unit_id,
                    data={"kind": str(kind), "deadline": deadline.astimezone(UTC).isoformat()})

    def emit(self, t, action, to_state, *, actor=None, unit_id=None, note="", data=None) -> None:
        """Record one step (the services' `_transition`): check the table, move, refresh the clock, append."""
        o = self.o
        from_state = o.state
        check_transition(number=o.number, action=action, from_state=from_state, to_state=to_state)
        o.state = to_state
        if action != A.REGISTER:
            refresh_due(o, t)
        self._event(t, action, from_state, actor=actor, unit_id=unit_id, note=note, data=data)

    def _event(self, t, action, from_state, *, actor, unit_id, note="", data=None) -> None:
        o = self.o
        if self.events:
            o.version += 1
        self.events.append(
            OrderEvent(
                seq=len(self.events) + 1, action=action, from_state=from_state, to_state=o.state,
                actor_id=actor.pk if actor else None, unit_id=unit_id, at=t, note=note, data=data or {},
            )
        )
        self.t = t

    def deadline(self, kind: str, start: dt.datetime) -> dt.datetime | None:
        return self.sim.deadlines(kind, start, self.o)

    def within(self, t: dt.datetime, start_hour: float, end_hour: float, deadline: dt.datetime | None = None):
        """Move `t` into working hours (start_hour-end_hour), unless that would miss `deadline`."""
        hour = t.hour + t.minute / 60
        if start_hour <= hour < end_hour:
            return t
        day = t.date() if hour < start_hour else t.date() + dt.timedelta(days=1)
        moved = dt.datetime.combine(day, dt.time(0), tzinfo=t.tzinfo) + dt.timedelta(
            hours=start_hour, minutes=self.rng.uniform(0, 90)
        )
        return t if deadline is not None and moved >= deadline else moved

    def minutes(self, low: float, high: float) -> dt.timedelta:
        return dt.timedelta(minutes=self.rng.uniform(low, high))

    def _close_assignments(self, status: str | None = None) -> None:
        for a in self.assignments:
            if a.is_open:
                a.is_open = False
                if status:
                    a.status = status

    def _iso(self, value: dt.datetime | None) -> str | None:
        return value.astimezone(UTC).isoformat() if value else None

    # The life.

    def run(self) -> None:
        try:
            self.emit(self.o.registered_at, A.REGISTER, S.REGISTERED, actor=self.sim.users_by_id[self.o.registered_by_id])
            self.intake()
        except _Stop:
            pass
        self._scan(self.now)
        self.o.event_count = len(self.events)

    def intake(self) -> None:
        o, rng, plan, sim = self.o, self.rng, self.plan, self.sim
        operator = sim.users_by_id[o.registered_by_id]
        if plan.void_reason:
            t = self.at(o.registered_at + self.minutes(3, 120))
            o.closed_at = t
            self.emit(t, A.VOID, S.VOIDED, actor=rng.choice(sim.supervisors), note=plan.void_reason)
            return
        if plan.answer:
            t = self.at(o.registered_at + self.minutes(1, 7))
            o.answer = plan.answer
            if rng.random() < settings.DIRECT_ANSWER_CALLBACK_SAMPLE:
                o.accepted_at = t
                o.callback_deadline = self.deadline(DeadlineKind.CALLBACK, t)
                self.emit(t, A.ANSWER_ON_SPOT, S.AWAITING_CALLBACK, actor=operator)
                self.callback(answered=True)
            else:
                o.closed_at, o.close_reason = t, CloseReason.ANSWERED
                self.emit(t, A.ANSWER_ON_SPOT, S.CLOSED, actor=operator)
            return
        on_call = sim.channel_codes[o.channel_id] == "phone"
        t = self.at(o.registered_at + (self.minutes(0.7, 8) if on_call else self.minutes(10, 180)))
        self.emit(t, A.SEND_TO_DISPATCH, S.PENDING_DISPATCH, actor=operator)
        master = plan.master
        if master is not None:
            t = self.at(self.within(t + self.minutes(5, 60), 7.5, 22))
            if master.state not in (S.MERGED, S.VOIDED) and (master.closed_at is None or master.closed_at > t):
                self.merge(t, master)
                return
        self.dispatch(exclude=())

    def merge(self, t: dt.datetime, master: WorkOrder) -> None:
        o = self.o
        self.master = master
        o.closed_at = t
        self._close_assignments(Assignment.Status.DONE)
        o.pending_extension = False
        self.emit(t, A.MERGE, S.MERGED, actor=self.rng.choice(self.sim.dispatchers),
                  note=self.rng.choice(D.MERGE_NOTES), data={"master": master.number})

    def dispatch(self, exclude: tuple[int, ...]) -> None:
        o, rng, sim = self.o, self.rng, self.sim
        if self.critical or self.urgent:
            t = self.at(self.t + self.minutes(2, 12))
        else:
            t = self.at(self.within(self.t + self.minutes(6, 80), 7.5, 22))
        lead, assisting = sim.route(self.plan.leaf, o.area_id, exclude, rng)
        dispatcher = rng.choice(sim.dispatchers)
        o.lead_unit_id = lead.pk
        o.dispatched_at = t
        o.signed_at = o.first_responded_at = None
        o.sign_deadline = self.deadline(DeadlineKind.SIGN, t)
        o.first_response_deadline = self.deadline(DeadlineKind.FIRST_RESPONSE, t)
        o.reply_deadline = self.deadline(DeadlineKind.REPLY, t)
        for unit, role in [(lead, Assignment.Role.LEAD)] + [(u, Assignment.Role.ASSIST) for u in assisting]:
            assignment = Assignment(
                unit_id=unit.pk, role=role, status=Assignment.Status.DISPATCHED, is_open=True, dispatched_at=t,
                dispatched_by_id=dispatcher.pk, sign_deadline=o.sign_deadline,
            )
            self.assignments.append(assignment)
            if role == Assignment.Role.LEAD:
                self.lead = assignment
        self.emit(t, A.DISPATCH, S.DISPATCHED, actor=dispatcher, unit_id=lead.pk,
                  data={"lead": lead.pk, "assisting": [u.pk for u in assisting]})
        self.handle(may_return=len(exclude) < 2, exclude=exclude)

    def sign_time(self, start: dt.datetime) -> dt.datetime:
        rng, deadline = self.rng, self.o.sign_deadline
        if self.critical:
            t = start + self.minutes(4, 25)
        elif self.urgent:
            t = start + self.minutes(5, 90)
        else:
            t = start + (self.minutes(5, 120) if rng.random() < 0.6 else self.minutes(120, 900))
            t = self.within(t, 8, 18, deadline)
        if deadline is not None:
            if rng.random() < P_LATE_SIGN:
                return deadline + self.minutes(5, 2000)
            if t >= deadline:
                return start + (deadline - start) * rng.uniform(0.3, 0.9)
        return t

    def reply_time(self, start: dt.datetime, deadline: dt.datetime | None, p_late: float = P_LATE_REPLY):
        rng = self.rng
        if deadline is None:
            return start + self.minutes(120, 4000)
        if deadline <= start:
            return start + self.minutes(30, 900)
        if rng.random() < p_late:
            return deadline + self.minutes(30, 7 * 1440)
        t = start + (deadline - start) * rng.triangular(0.04, 0.92, 0.3)
        return t if self.critical or self.urgent else self.within(t, 8, 20, deadline)

    def handle(self, *, may_return: bool, exclude: tuple[int, ...] = ()) -> None:
        """The units' part: signatures, first response, extension, assisting replies, then reply or return."""
        o, rng, sim = self.o, self.rng, self.sim
        lead = self.lead
        start = self.t
        steps: list[tuple[dt.datetime, int, str, object]] = []
        order = itertools.count()
        sign_at = self.sign_time(start) if lead.status == Assignment.Status.DISPATCHED else None
        base = sign_at or start
        terminal, extension = "reply", None
        if may_return and rng.random() < P_RETURN:
            terminal = "return"
            if sign_at is not None and rng.random() < 0.5:
                end = start + (sign_at - start) * rng.uniform(0.2, 0.9)
                sign_at = None
            else:
                end = base + self.minutes(60, 1800)
        else:
            deadline = o.reply_deadline
            eligible = (
                not (self.critical or self.urgent) and deadline is not None and not o.pending_extension
                and deadline - base > dt.timedelta(days=3) and self.type_code != "praise"
            )
            if eligible and rng.random() < P_EXTENSION:
                asked = base + (deadline - base) * rng.uniform(0.25, 0.6)
                decided = asked + self.minutes(60, 1200)
                wanted = workcal.add_workdays(deadline, rng.randint(5, 10))
                approved = rng.random() < P_EXTENSION_APPROVED
                extension = (asked, decided, wanted, approved)
                end = self.reply_time(decided, wanted if approved else deadline, 0.01 if approved else 0.25)
            else:
                end = self.reply_time(base, deadline)
        if sign_at is not None:
            if sign_at >= end:
                sign_at = start + (end - start) * rng.uniform(0.1, 0.5)
            steps.append((sign_at, next(order), "sign", lead))
            if self.critical and o.first_responded_at is None and rng.random() < 0.5:
                steps.append((start + (sign_at - start) * rng.uniform(0.2, 0.8), next(order), "respond", None))
        if extension:
            asked, decided, wanted, approved = extension
            steps.append((asked, next(order), "extension", wanted))
            steps.append((decided, next(order), "extension_decision", approved))
        for a in self.assignments:
            if not a.is_open or a.role != Assignment.Role.ASSIST:
                continue
            signed = a.status != Assignment.Status.DISPATCHED
            if not signed:
                limit = min(a.sign_deadline, end) if a.sign_deadline else end
                at = start + (limit - start) * rng.uniform(0.05, 0.7) if limit > start else start
                steps.append((at, next(order), "assist_sign", a))
            else:
                at = start
            if a.status != Assignment.Status.REPLIED and rng.random() < 0.7 and terminal == "reply":
                steps.append((at + (end - at) * rng.uniform(0.2, 0.9), next(order), "assist_reply", a))
        steps.sort(key=lambda step: (step[0], step[1]))
        for when, _, kind, payload in steps:
            t = self.at(when)
            if kind == "sign" or kind == "assist_sign":
                self.sign(t, payload)
            elif kind == "assist_reply":
                self.assist_reply(t, payload)
            elif kind == "respond":
                o.first_responded_at = t
                self.emit(t, A.RESPOND, o.state, actor=sim.handler(lead.unit_id, rng), unit_id=lead.unit_id,
                          note=rng.choice(D.RESPOND_NOTES))
            elif kind == "extension":
                self.extension_request(t, payload)
            elif kind == "extension_decision":
                self.extension_decide(t, payload)
        t = self.at(end)
        if terminal == "return":
            self.return_request(t, exclude)
        else:
            self.reply(t)

    def sign(self, t: dt.datetime, a: Assignment) -> None:
        o = self.o
        is_lead = a.role == Assignment.Role.LEAD
        handler = self.sim.handler(a.unit_id, self.rng)
        a.status, a.signed_at, a.signed_by_id = Assignment.Status.SIGNED, t, handler.pk
        to_state = S.IN_PROGRESS if is_lead else o.state
        if is_lead:
            o.signed_at = t
            if not o.first_responded_at:
                o.first_responded_at = t
        self.emit(t, A.SIGN, to_state, actor=handler, unit_id=a.unit_id,
                  data={"role": a.role, "in_time": bool(a.sign_deadline is None or t <= a.sign_deadline)})

    def _result(self) -> tuple[str, str]:
        # As real replies do, the lead unit's reply first restates what it answers (smart dispatch learns from it).
        opening = D.RESULT_OPENINGS.get(self.type_code, D.RESULT_OPENING).format(title=self.o.title)
        result = opening + self.rng.choice(D.RESULTS[self.type_code])
        return result, self.rng.choice(D.MEASURES)

    def assist_reply(self, t: dt.datetime, a: Assignment) -> None:
        o = self.o
        handler = self.sim.handler(a.unit_id, self.rng)
        result, measures = "协办意见：" + self.rng.choice(D.RESULTS[self.type_code]), self.rng.choice(D.MEASURES)
        a.status, a.replied_at, a.replied_by_id, a.result, a.measures = (
            Assignment.Status.REPLIED, t, handler.pk, result, measures
        )
        self.emit(t, A.REPLY, o.state, actor=handler, unit_id=a.unit_id, note=result,
                  data={"role": a.role, "measures": measures, "deadline": self._iso(o.reply_deadline),
                        "in_time": bool(o.reply_deadline is None or t <= o.reply_deadline)})

    def extension_request(self, t: dt.datetime, wanted: dt.datetime) -> None:
        o = self.o
        handler = self.sim.handler(self.lead.unit_id, self.rng)
        reason = self.rng.choice(D.EXTENSION_REASONS)
        self.extensions.append(
            ExtensionRequest(unit_id=self.lead.unit_id, requested_by_id=handler.pk, requested_at=t,
                             previous_deadline=o.reply_deadline, requested_deadline=wanted, reason=reason)
        )
        o.pending_extension = True
        self.emit(t, A.REQUEST_EXTENSION, o.state, actor=handler, unit_id=self.lead.unit_id, note=reason,
                  data={"requested_deadline": self._iso(wanted)})

    def extension_decide(self, t: dt.datetime, approved: bool) -> None:
        o = self.o
        request = self.extensions[-1]
        dispatcher = self.rng.choice(self.sim.dispatchers)
        request.decided_by_id, request.decided_at = dispatcher.pk, t
        o.pending_extension = False
        if approved:
            request.status = ExtensionRequest.Status.APPROVED
            old = o.reply_deadline
            o.reply_deadline = request.requested_deadline
            self.emit(t, A.APPROVE_EXTENSION, o.state, actor=dispatcher, unit_id=o.lead_unit_id,
                      data={"from": self._iso(old), "to": self._iso(request.requested_deadline)})
        else:
            request.status = ExtensionRequest.Status.REJECTED
            request.decision_note = self.rng.choice(D.EXTENSION_REJECT_REASONS)
            self.emit(t, A.REJECT_EXTENSION, o.state, actor=dispatcher, unit_id=o.lead_unit_id,
                      note=request.decision_note)

    def return_request(self, t: dt.datetime, exclude: tuple[int, ...]) -> None:
        o, rng, sim = self.o, self.rng, self.sim
        lead = self.lead
        handler = sim.handler(lead.unit_id, rng)
        returned = (*exclude, lead.unit_id)
        suggestion, _ = sim.route(self.plan.leaf, o.area_id, returned, rng)
        reason = rng.choice(D.RETURN_REASONS).format(unit=suggestion.short_name or suggestion.name)
        request = ReturnRequest(unit_id=lead.unit_id, requested_by_id=handler.pk, requested_at=t, reason=reason)
        self.returns.append(request)
        o.state_before_return = o.state
        self.emit(t, A.REQUEST_RETURN, S.RETURN_REQUESTED, actor=handler, unit_id=lead.unit_id, note=reason)

        t = self.at(self.within(t + self.minutes(30, 600), 7.5, 22))
        dispatcher = rng.choice(sim.dispatchers)
        request.decided_by_id, request.decided_at = dispatcher.pk, t
        if rng.random() < P_RETURN_APPROVED:
            request.status = ReturnRequest.Status.APPROVED
            # As services.return_approve: an assisting unit that already replied keeps its finished part.
            for a in self.assignments:
                if a.is_open and a.role == Assignment.Role.ASSIST and a.status == Assignment.Status.REPLIED:
                    a.is_open = False
            self._close_assignments(Assignment.Status.WITHDRAWN)
            for extension in self.extensions:
                if extension.status == ExtensionRequest.Status.PENDING:
                    extension.status = ExtensionRequest.Status.WITHDRAWN
            o.lead_unit_id = None
            o.return_count += 1
            o.pending_extension = False
            o.state_before_return = ""
            o.sign_deadline = o.first_response_deadline = o.reply_deadline = None
            o.dispatched_at = o.signed_at = o.first_responded_at = None
            self.emit(t, A.APPROVE_RETURN, S.PENDING_DISPATCH, actor=dispatcher, unit_id=lead.unit_id)
            self.dispatch(exclude=returned)
        else:
            request.status = ReturnRequest.Status.REJECTED
            request.decision_note = rng.choice(D.RETURN_REJECT_REASONS)
            back_to = o.state_before_return or S.DISPATCHED
            o.state_before_return = ""
            self.emit(t, A.REJECT_RETURN, back_to, actor=dispatcher, unit_id=o.lead_unit_id,
                      note=request.decision_note)
            self.handle(may_return=False)

    def reply(self, t: dt.datetime) -> None:
        o, rng, sim = self.o, self.rng, self.sim
        lead = self.lead
        handler = sim.handler(lead.unit_id, rng)
        result, measures = self._result()
        lead.status, lead.replied_at, lead.replied_by_id, lead.result, lead.measures = (
            Assignment.Status.REPLIED, t, handler.pk, result, measures
        )
        o.replied_at = t
        if o.pending_extension:
            for extension in self.extensions:
                if extension.status == ExtensionRequest.Status.PENDING:
                    extension.status = ExtensionRequest.Status.WITHDRAWN
            o.pending_extension = False
        self.emit(t, A.REPLY, S.REPLIED, actor=handler, unit_id=lead.unit_id, note=result,
                  data={"role": lead.role, "measures": measures, "deadline": self._iso(o.reply_deadline),
                        "in_time": bool(o.reply_deadline is None or t <= o.reply_deadline)})
        self.review()

    def review(self) -> None:
        o, rng, sim = self.o, self.rng, self.sim
        delay = self.minutes(5, 40) if self.critical or self.urgent else self.minutes(10, 480)
        t = self.at(self.within(self.t + delay, 7.5, 22) if not (self.critical or self.urgent) else self.t + delay)
        dispatcher = rng.choice(sim.dispatchers)
        if not self.reply_rejected and rng.random() < P_REPLY_REJECTED:
            self.reply_rejected = True
            self.lead.status = Assignment.Status.SIGNED
            o.replied_at = None
            self.emit(t, A.REJECT_REPLY, S.IN_PROGRESS, actor=dispatcher, unit_id=o.lead_unit_id,
                      note=rng.choice(D.REPLY_REJECT_REASONS))
            self.handle(may_return=False)
            return
        o.accepted_at = t
        o.callback_deadline = self.deadline(DeadlineKind.CALLBACK, t)
        self._close_assignments()
        self.emit(t, A.ACCEPT_REPLY, S.AWAITING_CALLBACK, actor=dispatcher, unit_id=o.lead_unit_id)
        self.callback(answered=False)

    def callback(self, *, answered: bool) -> None:
        """回访: reach the caller (up to REXIAN_CALLBACK_MAX_ATTEMPTS tries) and record the verdict."""
        o, rng, sim = self.o, self.rng, self.sim
        hard = rng.random() < P_HARD_TO_REACH
        deadline = o.callback_deadline
        if deadline is not None and rng.random() < P_LATE_CALLBACK:
            when = deadline + self.minutes(30, 1200)
        else:
            when = self.within(self.t + self.minutes(40, 1500), 8.5, 20.5, deadline)
            if deadline is not None and when >= deadline:
                when = self.t + (deadline - self.t) * rng.uniform(0.2, 0.9)
        while True:
            t = self.at(when)
            operator = rng.choice(sim.operators)
            if rng.random() < (0.7 if hard else 0.1):
                o.callback_attempts += 1
                note = rng.choice(D.CALLBACK_FAIL_NOTES)
                self.callbacks.append(Callback(operator_id=operator.pk, at=t, reached=False, note=note))
                if o.callback_attempts >= settings.CALLBACK_MAX_ATTEMPTS:
                    o.closed_at, o.close_reason = t, CloseReason.UNREACHABLE
                    self.emit(t, A.CALLBACK_FAILED, S.CLOSED, actor=operator, note=note,
                              data={"attempt": o.callback_attempts})
                    return
                self.emit(t, A.CALLBACK_FAILED, o.state, actor=operator, note=note,
                          data={"attempt": o.callback_attempts})
                when = self.within(t + self.minutes(90, 480), 8.5, 20.5)
                continue
            satisfaction = sim.pick(SATISFACTION_MIX, rng)
            # Re-handling needs a unit: an order answered on the call cannot be reopened, nor one reopened twice.
            if satisfaction == Satisfaction.DISSATISFIED and (answered or o.reopen_count >= 2):
                satisfaction = Satisfaction.BASIC
            dissatisfied = satisfaction == Satisfaction.DISSATISFIED
            solved = not dissatisfied and (satisfaction == Satisfaction.SATISFIED or rng.random() < 0.6)
            responded = None if answered else (not dissatisfied or rng.random() < 0.5) and rng.random() < 0.99
            note = rng.choice(D.CALLBACK_NOTES[satisfaction])
            self.callbacks.append(
                Callback(operator_id=operator.pk, at=t, reached=True, satisfaction=satisfaction, solved=solved,
                         responded_in_time=responded, note=note)
            )
            data = {"satisfaction": str(satisfaction), "solved": solved, "responded_in_time": responded,
                    "in_time": bool(deadline is None or t <= deadline)}
            if dissatisfied:
                self.emit(t, A.CALLBACK, S.REOPENED, actor=operator, note=note, data=data)
                self.rehandle()
            else:
                o.closed_at, o.close_reason = t, CloseReason.CALLBACK
                self.emit(t, A.CALLBACK, S.CLOSED, actor=operator, note=note, data=data)
            return

    def rehandle(self) -> None:
        """重办: the dispatcher sends a dissatisfied order back to its lead unit with a fresh reply deadline."""
        o, rng = self.o, self.rng
        t = self.at(self.within(self.t + self.minutes(120, 2880), 8, 20))
        lead = max(
            (a for a in self.assignments if a.role == Assignment.Role.LEAD and a.status != Assignment.Status.WITHDRAWN),
            key=lambda a: a.dispatched_at,
        )
        lead.status, lead.is_open, lead.reopen_count = Assignment.Status.SIGNED, True, lead.reopen_count + 1
        self.lead = lead
        o.reopen_count += 1
        o.dispatched_at = t
        o.replied_at = o.accepted_at = o.callback_deadline = None
        o.callback_attempts = 0
        o.first_response_deadline = None
        o.reply_deadline = self.deadline(DeadlineKind.REPLY, t)
        self.reply_rejected = False
        self.emit(t, A.REHANDLE, S.IN_PROGRESS, actor=rng.choice(self.sim.dispatchers), unit_id=lead.unit_id,
                  note=rng.choice(D.REHANDLE_NOTES))
        self.handle(may_return=False)


class _Simulator:
    """The city, its staff and the content of its orders; writes one day of orders at a time."""

    def __init__(self, *, city: _City, roles: dict[str, list[User]], seed: int, now: dt.datetime, days: int,
                 per_day: int):
        self.city, self.seed, self.now, self.days, self.per_day = city, seed, now, days, per_day
        self.operators = roles["operator"]
        self.dispatchers = roles["dispatcher"]
        self.supervisors = roles["supervisor"]
        self.handlers: dict[int, list[User]] = {}
        for user in roles["handlers"]:
            self.handlers.setdefault(user.unit_id, []).append(user)
        self.users_by_id = {u.pk: u for users in roles.values() for u in users}
        self.types = {t.pk: t for t in AppealType.objects.all()}
        self.type_by_code = {t.code: t for t in self.types.values()}
        self.type_codes = {t.pk: t.code for t in self.types.values()}
        self.urgencies = {u.pk: u for u in Urgency.objects.all()}
        self.urgency_by_code = {u.code: u for u in self.urgencies.values()}
        self.urgency_codes = {u.pk: u.code for u in self.urgencies.values()}
        channels = {c.code: c for c in Channel.objects.all()}
        self.channel_codes = {c.pk: c.code for c in channels.values()}
        self.channel_mix = [(channels[code].pk, weight) for code, weight in D.CHANNEL_MIX if code in channels]
        self.enterprise_channel = channels.get("enterprise")
        self.lines = {line.code: line for line in Line.objects.all()}
        self.deadlines = _Deadlines(self.types, self.urgencies, {c.pk: c for c in city.categories.values()})
        self.units_by_id = {u.pk: u for u in city.units.values()}
        self.bureaus = [city.units[key] for key, _, _ in D.BUREAUS]
        self.town_of = {}
        for _town, town_unit, communities in city.towns:
            self.town_of[town_unit.pk] = town_unit
            for community in communities:
                self.town_of[community.pk] = town_unit
        # Content tables: for each appeal type, the leaves that have templates of it.
        self.by_type: dict[str, tuple[list, list[float]]] = {}
        for code, _ in D.APPEAL_TYPE_MIX:
            pool = [(leaf, category, [t for t in leaf.templates if t[0] == code]) for leaf, category in city.leaves]
            pool = [entry for entry in pool if entry[2]]
            if pool:
                self.by_type[code] = (pool, list(itertools.accumulate(entry[0].weight for entry in pool)))
        self.all_leaves = (city.leaves, list(itertools.accumulate(leaf.weight for leaf, _ in city.leaves)))
        self.type_mix = self._cumulative([(code, w) for code, w in D.APPEAL_TYPE_MIX if code in self.type_by_code])
        self.channel_cum = self._cumulative(self.channel_mix)
        self.hour_cum = self._cumulative(list(enumerate(D.HOUR_WEIGHTS)))
        self.town_cum = self._cumulative([(entry, entry[0].weight) for entry in city.towns])
        self.town_entries = {entry[0].key: entry for entry in city.towns}
        pool_rng = random.Random(seed)
        size = max(200, days * per_day // 25)
        self.regulars = [_caller(pool_rng) for _ in range(size)]
        self.firms = demo_enterprises(seed)  # the 一企来 pool: its own random stream, the same for every load
        self.recent: deque[tuple[WorkOrder, _Plan]] = deque(maxlen=400)
        self.hash_cache: dict[str, str] = {}
        self.topic_ids = {name: topic.pk for name, topic in city.topics.items()}
        self.incidents = self._incidents(random.Random(seed + 1))
        self.recent_burst = self._recent_burst(random.Random(seed + 2))
        self.summary = DemoSummary()
        self.states: Counter[str] = Counter()

    # Small helpers.

    @staticmethod
    def _cumulative(pairs):
        values = [value for value, _ in pairs]
        return values, list(itertools.accumulate(weight for _, weight in pairs))

    @staticmethod
    def draw(table, rng: random.Random):
        values, cumulative = table
        return values[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]

    def pick(self, pairs, rng: random.Random):
        roll, total = rng.random(), 0.0
        for value, weight in pairs:
            total += weight
            if roll < total:
                return value
        return pairs[-1][0]

    def firm(self, rng: random.Random) -> DemoEnterprise:
        """An enterprise of the pool for an enterprise's order: the first ones far more often, so some call again."""
        return self.firms[int(len(self.firms) * rng.random() ** ENTERPRISE_SKEW)]

    def handler(self, unit_id: int, rng: random.Random) -> User:
        return rng.choice(self.handlers[unit_id])

    def _phone_hash(self, phone: str) -> str:
        digest = self.hash_cache.get(phone)
        if digest is None:
            digest = self.hash_cache[phone] = crypto.phone_hash(phone)
        return digest

    def route(self, leaf: D.Leaf | None, area_id: int | None, exclude: tuple[int, ...], rng: random.Random):
        """The dispatch catalogue's lead and assisting units, avoiding units that already returned the order."""
        entry = None
        if leaf is not None and leaf.area_rule and area_id is not None:
            key = self.town_of.get(area_id) if leaf.area_rule == "town" else self.units_by_id.get(area_id)
            if key is not None:
                entry = self.city.area_rules.get((leaf.code, key.pk))
        if entry is None or entry[0].pk in exclude:
            entry = self.city.city_rules[leaf.code] if leaf is not None else (self.bureaus[0], [])
        lead, assisting = entry
        if lead.pk in exclude:
            candidates = [u for u in assisting if u.pk not in exclude] or [u for u in self.bureaus if u.pk not in exclude]
            lead = candidates[0] if candidates[0] in assisting else rng.choice(candidates)
        assisting = [u for u in assisting if u.pk != lead.pk and u.pk not in exclude and rng.random() < 0.55]
        return lead, assisting

    def _incidents(self, rng: random.Random) -> dict[int, tuple]:
        """Two surges for the hot-spot pages: a water main burst and a summer power cut, days before today."""
        incidents = {}
        water = next((leaf for leaf in self.city.leaves if leaf[0].code == "090101"), None)
        power = next((leaf for leaf in self.city.leaves if leaf[0].code == "090201"), None)
        for offset, entry in ((min(18, self.days - 1), water), (min(41, self.days - 1), power)):
            if entry is not None and offset > 0:
                town_entry = rng.choice(self.city.towns)
                incidents[offset] = (entry, town_entry, rng.choice(town_entry[0].compounds))
        return incidents

    def _recent_burst(self, rng: random.Random) -> tuple[tuple | None, list[dt.datetime]]:
        """A water outage in one compound in the hours before "now": the surge the hot-spot page shows at once.

        Its orders are composed with their own random stream (see `day`): the other orders of the
        last two days draw the same numbers whatever the moment of loading.
        """
        water = next((leaf for leaf in self.city.leaves if leaf[0].code == "090101"), None)
        if water is None or self.per_day == 0:
            return None, []
        town_entry = rng.choice(self.city.towns)
        compound = rng.choice(town_entry[0].compounds)
        times = [self.now - dt.timedelta(minutes=rng.uniform(30, 18 * 60)) for _ in range(max(5, self.per_day // 12))]
        return (water, town_entry, compound), sorted(t.replace(microsecond=0) for t in times)

    # Content.

    def _place(self, rng: random.Random, town_entry=None, compound: str | None = None) -> dict:
        town, town_unit, communities = town_entry or self.draw(self.town_cum, rng)
        index = rng.randrange(len(communities))
        return {
            "town": town.name, "town_unit": town_unit, "community_unit": communities[index],
            "comm": town.communities[index][1], "xq": compound or rng.choice(town.compounds),
            "road": rng.choice(town.roads), "school": rng.choice(town.schools), "centre": town.centre,
        }

    def _fill(self, rng: random.Random, place: dict, text: str, filled: dict) -> str:
        for name in _fields(text):
            if name in filled:
                continue
            if name in place:
                filled[name] = place[name]
            elif name == "lou":
                filled[name] = str(rng.randint(1, 36))
            elif name == "n":
                filled[name] = str(rng.randint(2, 9))
            elif name == "days":
                filled[name] = rng.choice(_DAYS)
            elif name == "month":
                filled[name] = rng.choice(_MONTHS)
            elif name == "amt":
                filled[name] = str(rng.choice(_AMOUNTS))
            elif name == "fee":
                filled[name] = f"{rng.choice((1.2, 1.5, 1.8, 2.2, 2.6))}"
            elif name == "shop":
                filled[name] = rng.choice(D.SHOPS)
            elif name == "hosp":
                filled[name] = rng.choice(D.HOSPITALS)
            elif name == "co":
                filled[name] = _company(rng)
            elif name == "bus":
                filled[name] = str(rng.randint(1, 32))
            elif name == "plate":
                filled[name] = f"{D.PLATE_PREFIX}{rng.choice('TDE')}{rng.randint(1000, 9999)}"
            elif name == "unit":
                filled[name] = ""
        return text.format(**filled)

    def compose(self, rng: random.Random, t: dt.datetime, number: str, incident=None) -> tuple[WorkOrder, _Plan]:
        """One request: who called, about what, where, on which channel, in words a citizen would use."""
        plan = _Plan(leaf=None)
        caller = self.regulars[int(len(self.regulars) * rng.random() ** 2)] if rng.random() < 0.2 else _caller(rng)
        operator = rng.choice(self.operators)
        type_code = self.draw(self.type_mix, rng)
        urgency = "normal"
        enterprise = False
        place: dict = {}
        filled: dict = {}
        area = None
        address = ""
        lat = lon = None
        occurred = None
        topics: list[int] = []
        source = self.recent[int(len(self.recent) * rng.random())] if self.recent and rng.random() < P_DUPLICATE else None
        if incident is not None:
            (leaf, category), town_entry, compound = incident
            type_code = "help"
            template = next(t for t in leaf.templates if t[0] == "help")
            place = self._place(rng, town_entry, compound)
        elif rng.random() < P_VOID:
            title, description, reason = rng.choice(D.VOID_TEMPLATES)
            order = self._order(rng, number, t, operator, caller, "consult", "normal", title, description)
            plan.void_reason = reason
            return order, plan
        elif source is not None:
            master, master_plan = source
            leaf = master_plan.leaf
            category = self.city.categories[leaf.code]
            order = self._order(
                rng, number, t, operator, caller, self.type_codes[master.appeal_type_id],
                self.urgency_codes[master.urgency_id], master.title,
                "又有市民来电反映同一问题：" + master.description.split("：", 1)[-1],
                category=category, area_id=master.area_id, address=master.address,
                latitude=master.latitude, longitude=master.longitude,
            )
            plan.leaf = leaf
            if rng.random() < P_MERGE_DUPLICATE:
                plan.master = master
            return order, plan
        elif type_code == "praise":
            leaf, category = self.draw(self.all_leaves, rng)
            title, detail = rng.choice(D.PRAISE_TEMPLATES)
            unit = self.city.city_rules[leaf.code][0]
            filled["unit"] = unit.short_name
            template = ("praise", title, detail)
        else:
            pool, cumulative = self.by_type[type_code]
            leaf, category, templates = pool[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]
            template = rng.choice(templates)
        plan.leaf = leaf
        firm = self.firm(rng) if leaf.enterprise else None
        if firm is not None:
            filled["co"] = firm.name  # the enterprise's own request names it
        _, title_text, detail_text = template
        needs = set(_fields(title_text)) | set(_fields(detail_text))
        if not place and needs & {"town", "comm", "xq", "road", "school", "co"} or leaf.area_rule:
            place = place or self._place(rng, self.town_entries[firm.town] if firm is not None else None)
        title = self._fill(rng, place, title_text, filled)
        detail = self._fill(rng, place, detail_text, filled)
        if place:
            area = place["community_unit"] if ({"xq", "comm"} & needs or leaf.area_rule == "community"
                                               or rng.random() < 0.5) else place["town_unit"]
            if "xq" in needs:
                address = f"{place['town']}{place['comm']}{place['xq']}" + (f"{filled['lou']}号楼" if "lou" in filled else "")
            elif "road" in needs:
                address = f"{place['town']}{place['road']}"
            elif "school" in needs:
                address = f"{place['town']}{place['school']}"
            elif "co" in needs:
                address = f"{place['town']}{filled['co']}"
            else:
                address = f"{place['town']}{place['comm']}"
            if rng.random() < 0.75:
                lat = round(place["centre"][0] + rng.uniform(-0.02, 0.02), 6)
                lon = round(place["centre"][1] + rng.uniform(-0.02, 0.02), 6)
        if type_code in ("complaint", "help") or (type_code == "report" and rng.random() < 0.5):
            levels = {0: (0.975, 0.022), 1: (0.84, 0.14), 2: (0.62, 0.26)}[leaf.urgency]
            roll = rng.random()
            urgency = "normal" if roll < levels[0] else "urgent" if roll < levels[0] + levels[1] else "critical"
            if type_code != "consult" and address:
                occurred = t - dt.timedelta(minutes=rng.randint(10, 3 * 1440))
        if incident is not None:
            urgency = "urgent" if rng.random() < 0.5 else "normal"
        enterprise = leaf.enterprise or (leaf.code in ENTERPRISE_SOMETIMES and rng.random() < 0.25)
        if enterprise:
            firm = firm or self.firm(rng)
            if leaf.enterprise or area is None:  # a request about the enterprise itself: where it is
                area, address = self.city.units[firm.town], firm.address
        if detail.startswith("来电人"):
            intro = ""  # the template already says who is speaking
        elif enterprise and type_code != "consult":
            intro = "企业来电反映："
        else:
            intro = rng.choice(D.INTROS[type_code])
        description = f"{intro}{detail}，{rng.choice(D.DEMANDS[type_code])}"
        if address and address not in description:
            description += f"（地址：{address}）"
        if leaf.topic and rng.random() < 0.7:
            topics.append(self.topic_ids[leaf.topic])
        order = self._order(
            rng, number, t, operator, caller, type_code, urgency, title[:120], description,
            category=category, area_id=area.pk if area else None, address=address[:200], latitude=lat, longitude=lon,
            occurred_at=occurred, firm=firm, line_hint=leaf.code[:2],
            id_share=0.6 if leaf.code[:2] in ("05", "10", "11", "08") else 0.2,
        )
        plan.topics = tuple(topics)
        if type_code == "consult" and rng.random() < P_ANSWER_CONSULT and not enterprise and incident is None:
            plan.answer = D.ANSWERS.get(leaf.code[:2], D.DEFAULT_ANSWER)
        elif type_code == "help" and rng.random() < P_ANSWER_HELP and urgency == "normal":
            plan.answer = D.DEFAULT_ANSWER
        elif type_code == "praise" and rng.random() < P_ANSWER_PRAISE:
            plan.answer = "已记录市民的表扬，将转达相关单位。"
        if place and not plan.answer and plan.void_reason == "":
            self.recent.append((order, plan))
        return order, plan

    def _order(self, rng, number, t, operator, caller: _Caller, type_code, urgency_code, title, description, *,
               category=None, area_id=None, address="", latitude=None, longitude=None, occurred_at=None,
               firm: DemoEnterprise | None = None, line_hint="", id_share=0.2) -> WorkOrder:
        channel_id = self.draw(self.channel_cum, rng)
        if firm is not None and self.enterprise_channel is not None and rng.random() < 0.7:
            channel_id = self.enterprise_channel.pk
        line = self.lines.get("12345")
        if self.channel_codes.get(channel_id) == "phone" and line_hint in D.CATEGORY_LINES and rng.random() < 0.35:
            line = self.lines.get(D.CATEGORY_LINES[line_hint], line)
        with_id = rng.random() < id_share
        type_obj = self.type_by_code[type_code]
        return WorkOrder(
            number=number, state="", version=1, channel_id=channel_id, line_id=line.pk if line else None,
            caller_name=caller.name, caller_phone=caller.phone, caller_phone_hash=self._phone_hash(caller.phone),
            caller_id_number=caller.id_number if with_id else "",
            caller_id_hash=crypto.id_number_hash(caller.id_number) if with_id else "",
            caller_gender=caller.gender, caller_is_enterprise=firm is not None,
            enterprise_name=firm.name if firm else "", enterprise_credit_code=firm.credit_code if firm else "",
            confidential=rng.random() < 0.03, occurred_at=occurred_at, area_id=area_id, address=address,
            latitude=latitude, longitude=longitude, title=title, description=description,
            appeal_type_id=type_obj.pk, category_id=category.pk if category else None,
            urgency_id=self.urgency_by_code[urgency_code].pk, registered_at=t, registered_by_id=operator.pk,
        )

    # One day.

    def day(self, offset: int) -> None:
        """Generate, simulate and write the orders registered `offset` days before today."""
        now_local = timezone.localtime(self.now)
        day = now_local.date() - dt.timedelta(days=offset)
        tz = now_local.tzinfo
        rng = random.Random(self.seed * 1_000_003 + offset)
        factors = D.WEEKDAY_FACTORS
        count = self.per_day * factors[day.weekday()] * len(factors) / sum(factors) * rng.uniform(0.9, 1.1)
        count = max(0, round(count))
        times = []
        for _ in range(count):
            hour = self.draw(self.hour_cum, rng)
            times.append(dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=tz))
        incident = self.incidents.get(offset)
        extra = []
        if incident is not None:
            start = rng.randint(6, 14)
            for _ in range(max(1, self.per_day // 8)):
                extra.append(dt.datetime.combine(day, dt.time(start), tzinfo=tz)
                             + dt.timedelta(minutes=rng.uniform(0, 9 * 60)))
            extra = [t.replace(microsecond=0) for t in extra]
        burst, burst_times = self.recent_burst
        burst_rng = random.Random(self.seed * 7_919 + offset)
        arrivals = sorted(
            [(t, None) for t in times] + [(t, incident) for t in extra]
            + [(t, burst) for t in burst_times if timezone.localtime(t, tz).date() == day],
            key=lambda pair: pair[0],
        )
        lives: list[_Life] = []
        for index, (t, surge) in enumerate(arrivals, start=1):
            if t > self.now:
                break
            number = f"{day:%Y%m%d}-{index:0{settings.ORDER_NUMBER_DIGITS}d}"
            order, plan = self.compose(burst_rng if surge is burst and burst else rng, t, number, surge)
            life = _Life(self, order, plan, random.Random((self.seed * 1_000_003 + offset) * 100_003 + index))
            life.run()
            lives.append(life)
        self._write(day, lives)

    def _write(self, day: dt.date, lives: list[_Life]) -> None:
        orders = WorkOrder.objects.bulk_create([life.o for life in lives])
        events, assignments, returns, extensions, callbacks, escalations, topics, merged = [], [], [], [], [], [], [], []
        through = WorkOrder.hot_topics.through
        for life, order in zip(lives, orders):
            pk = order.pk
            for group, target in ((life.events, events), (life.assignments, assignments), (life.returns, returns),
                                  (life.extensions, extensions), (life.callbacks, callbacks),
                                  (life.escalations, escalations)):
                for row in group:
                    row.order_id = pk
                target.extend(group)
            topics.extend(through(workorder_id=pk, hottopic_id=topic) for topic in life.plan.topics)
            if life.master is not None:
                order.master_id = life.master.pk
                merged.append(order)
            self.states[order.state] += 1
            self.summary.overdue += order.is_overdue
        OrderEvent.objects.bulk_create(events)
        Assignment.objects.bulk_create(assignments)
        ReturnRequest.objects.bulk_create(returns)
        ExtensionRequest.objects.bulk_create(extensions)
        Callback.objects.bulk_create(callbacks)
        Escalation.objects.bulk_create(escalations)
        through.objects.bulk_create(topics)
        if merged:
            WorkOrder.objects.bulk_update(merged, ["master"])
        if lives:
            OrderNumberSequence.objects.update_or_create(day=day, defaults={"last": len(lives)})
        s = self.summary
        s.orders += len(lives)
        s.events += len(events)
        s.assignments += len(assignments)
        s.return_requests += len(returns)
        s.extension_requests += len(extensions)
        s.callbacks += len(callbacks)
        s.escalations += len(escalations)


def demo_load(
    *,
    days: int = DEFAULT_DAYS,
    per_day: int = DEFAULT_PER_DAY,
    seed: int = DEFAULT_SEED,
    now: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Load the demo city with `days` days of about `per_day` orders a day, ending at `now`.

    Only `rexian demo` calls this (and the tests). Raises DemoRefused when the
    database already holds units, users, categories or orders: the demo is
    for an empty database. `progress(done, total)` is called after each day.
    """
    if days < 1 or per_day < 0:
        raise ValueError("days must be at least 1 and per_day not negative")
    found = foreign_data()
    if found:
        raise DemoRefused("、".join(found))
    now = (now or timezone.now()).replace(microsecond=0)
    rng = random.Random(seed)
    with transaction.atomic():
        city_unit, centre, units, towns = _build_units(rng)
        categories, leaves, city_rules, area_rules, topics, rule_count = _build_catalog(units, towns)
        roles = _build_users(rng, city_unit, centre, units)
        open311_demo_key_install()  # the Open311 API key "demo-key" (demo only)
        # A published API token for the demo dispatcher, so the API can be tried at once (demo only).
        api_token_install(user=User.objects.get(username="dispatcher"), name="演示令牌", key=DEMO_API_TOKEN)
        city = _City(city_unit, centre, units, towns, categories, leaves, city_rules, area_rules, topics, rule_count)
        sim = _Simulator(city=city, roles=roles, seed=seed, now=now, days=days, per_day=per_day)
        for done, offset in enumerate(range(days - 1, -1, -1), start=1):
            sim.day(offset)
            if progress is not None:
                progress(done, days)
        # 90 days of calls matching the orders (arrival pattern, a surge day, some abandoned).
        calls = demo_calls_load(now=now, days=days, seed=seed)
        demo_roster_load(now=now, days=days)  # 排班: the past week and the next, published, with one 调班
        order_text_reindex()  # the orders were written in bulk, without order_register's full-text indexing
        demo_knowledge_load(now=now)  # the knowledge base: sections, ~90 articles, review reminders
        demo_supervision_load(now=now, seed=seed)  # a supervisor's 督办 and a leader's 批示 on orders in hand
        demo_quality_load(now=now, seed=seed)  # 质检: the last days' samples, most of them scored
        # 一企来: the profiles of the enterprises the orders name and of the rest of the pool, policies, pushes.
        desk = demo_enterprise_load(now=now, seed=seed)
        demo_sms_load(now=now, seed=seed)  # 短信来信: texts waiting for the operators, two ratings by text, an opt-out
    # The orders were written in bulk, without the order events that keep the metrics' rollups current.
    rollup_rebuild()
    hotspot_scan(now=now)  # the hot-spot page's first run (the worker recomputes it every hour)
    # Both were just done: the worker's first tick must not redo them (SQLite's one writer) as the pages open.
    for job in ("rollup_reconcile", "hotspot_scan"):
        record_run(job)
    summary = sim.summary
    summary.units = len(units) + 2
    summary.categories = len(categories)
    summary.leaf_categories = len(leaves)
    summary.dispatch_rules = rule_count
    summary.users = User.objects.count()
    summary.states = dict(sim.states)
    summary.first_day = timezone.localtime(now).date() - dt.timedelta(days=days - 1)
    summary.now = now
    summary.calls = calls.calls
    summary.call_summary = calls
    summary.enterprises, summary.policies, summary.policy_pushes = desk["enterprises"], desk["policies"], desk["pushes"]
    return summary
