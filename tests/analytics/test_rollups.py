"""The rollups follow the order events and always equal a rebuild from the orders tables."""

from __future__ import annotations

import datetime as dt
import logging
import random

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rexian.analytics import rollups
from rexian.analytics.facts import COLUMNS
from rexian.analytics.metrics import period_metrics
from rexian.analytics.models import MEASURES, DailyRollup, HourlyRollup, OrderFact
from rexian.analytics.rollups import rollup_rebuild, rollup_reconcile
from rexian.core.scheduler import jobs
from rexian.orders.models import WorkOrder
from tests.analytics.conftest import at

NOV_1, DEC_31 = dt.date(2025, 11, 1), dt.date(2025, 12, 31)


def snapshot() -> tuple:
    """Facts and non-empty rollup rows, comparable across refreshes and rebuilds (ids left out)."""
    facts = sorted(OrderFact.objects.values_list(*COLUMNS), key=repr)  # repr: columns may hold None beside dates
    daily = {
        (row[0], row[1], row[2], row[3]): row[4:]
        for row in DailyRollup.objects.values_list("day", "dim", "key", "key2", *MEASURES)
        if any(row[4:])
    }
    hourly = {
        row[:4]: row[4] for row in HourlyRollup.objects.values_list("day", "hour", "dim", "key", "volume") if row[4]
    }
    return facts, daily, hourly


class Live:
    """The story, with every step's order events delivered as they would be after its commit."""

    def __init__(self, story, capture):
        self.story, self.capture = story, capture

    def __getattr__(self, name):
        step = getattr(self.story, name)

        def run(*args, **kwargs):
            with self.capture(execute=True):
                return step(*args, **kwargs)

        return run


@pytest.fixture
def live(story, django_capture_on_commit_callbacks) -> Live:
    return Live(story, django_capture_on_commit_callbacks)


def hard_cases(s, cast) -> None:
    """Extensions, returns, a rejected reply, failed callbacks, a reopening, a void and a merge."""
    extended = s.sign(s.dispatch(s.register(at(2025, 11, 4, 9)), at(2025, 11, 4, 10), assisting=[cast.urban]),
                      at(2025, 11, 4, 11))
    extended = s.extend(extended, at(2025, 11, 10), to=at(2025, 11, 25))
    extended = s.reply(s.reject_reply(s.reply(extended, at(2025, 11, 12)), at(2025, 11, 13)), at(2025, 11, 20))
    extended = s.accept(extended, at(2025, 11, 20, 11))
    for hour in (9, 10, 11):
        extended = s.callback_fails(extended, at(2025, 11, 21, hour))
    returned = s.give_back(s.dispatch(s.register(at(2025, 11, 4, 9)), at(2025, 11, 4, 10)), at(2025, 11, 4, 15))
    returned = s.dispatch(returned, at(2025, 11, 5, 10), lead=cast.urban, send=False)
    returned = s.sign(returned, at(2025, 11, 6, 11), handler=cast.urban_handler)
    reopened = s.handled(s.register(at(2025, 12, 30, 9)), at(2025, 12, 30, 10))
    reopened = s.callback(reopened, at(2025, 12, 31, 16), "dissatisfied", solved=False, responded=False)
    reopened = s.rehandle(reopened, at(2026, 1, 4, 9))
    s.callback(s.accept(s.reply(reopened, at(2026, 1, 5)), at(2026, 1, 5, 11)), at(2026, 1, 6), "basic")
    s.void(s.dispatch(s.register(at(2025, 11, 7, 9)), at(2025, 11, 7, 10)), at(2025, 11, 7, 11))
    s.merge(s.register(at(2025, 11, 8, 9)), returned, at(2025, 11, 8, 10))
    s.answer(s.consultation(at(2025, 11, 9, 23, 50)), at(2025, 11, 10, 0, 5), sample=True)


def test_rollups_follow_the_events_and_equal_a_rebuild(live, cast):
    hard_cases(live, cast)
    following = snapshot()
    assert following[0] and following[1]

    rollup_rebuild()

    assert snapshot() == following


def test_metrics_from_the_live_rollups_equal_those_after_a_rebuild(live, cast):
    hard_cases(live, cast)
    start, end, now = NOV_1, dt.date(2026, 1, 31), at(2026, 2, 1)
    following = period_metrics(start=start, end=end, now=now).as_dict()
    by_unit = period_metrics(start=start, end=end, unit=cast.urban, now=now).as_dict()

    rollup_rebuild()

    assert period_metrics(start=start, end=end, now=now).as_dict() == following
    assert period_metrics(start=start, end=end, unit=cast.urban, now=now).as_dict() == by_unit
    assert following["volume"] == 5 and following["voided"] == 1


def _random_step(s, cast, order: WorkOrder, rng: random.Random, t: dt.datetime) -> WorkOrder | None:
    """One allowed step of the order's life, chosen at random; None once it is over."""
    handler = cast.urban_handler if order.lead_unit_id == cast.urban.pk else cast.housing_handler
    state = order.state
    if state == "registered":
        choice = rng.choice(["answer", "answer_sampled", "dispatch", "dispatch", "void"])
        if choice == "void":
            return s.void(order, t)
        if choice.startswith("answer"):
            return s.answer(order, t, sample=choice == "answer_sampled")
        return s.dispatch(order, t, lead=rng.choice([cast.housing, cast.urban]))
    if state == "pending_dispatch":
        return s.dispatch(order, t, lead=rng.choice([cast.housing, cast.urban]), send=False)
    if state == "dispatched":
        choice = rng.choice(["sign", "sign", "return", "keep"])
        if choice == "return":
            return s.give_back(order, t, approve=rng.random() < 0.7) if handler == cast.housing_handler else order
        return s.sign(order, t, handler=handler) if choice == "sign" else order
    if state == "in_progress":
        choice = rng.choice(["reply", "reply", "extend", "keep"])
        if choice == "extend" and order.reply_deadline and handler == cast.housing_handler:
            return s.extend(order, t, to=order.reply_deadline + dt.timedelta(days=5), approve=rng.random() < 0.5)
        return s.reply(order, t, handler=handler) if choice == "reply" else order
    if state == "replied":
        return s.accept(order, t) if rng.random() < 0.8 else s.reject_reply(order, t)
    if state == "awaiting_callback":
        if rng.random() < 0.3:
            return s.callback_fails(order, t)
        return s.callback(order, t, rng.choice(["satisfied", "basic", "dissatisfied"]),
                          solved=rng.choice([True, False, None]), responded=rng.choice([True, False, None]))
    if state == "reopened":
        return s.rehandle(order, t)
    return None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_lives_leave_the_rollups_a_rebuild_would_write(live, cast, seed):
    rng = random.Random(seed)
    t = at(2025, 12, 20, 9)
    orders = [live.register(t + dt.timedelta(hours=n * 7)) for n in range(6)]
    for _ in range(40):
        t += dt.timedelta(hours=rng.uniform(1, 30))
        index = rng.randrange(len(orders))
        order = WorkOrder.objects.get(pk=orders[index].pk)
        if _random_step(live, cast, order, rng, t) is None:
            orders[index] = live.register(t)
    following = snapshot()

    rollup_rebuild()

    assert snapshot() == following


def test_a_rebuild_is_idempotent(story, cast):
    hard_cases(story, cast)
    rollup_rebuild()
    first = snapshot()

    rollup_rebuild()

    assert snapshot() == first


def test_a_range_rebuild_repairs_orders_changed_without_events(story, cast):
    hard_cases(story, cast)
    first = story.register(at(2025, 11, 12, 9))
    story.register(at(2025, 11, 12, 9))
    rollup_rebuild()
    # Changes whose events were never delivered (a failed refresh, a bulk write):
    story.sign(story.dispatch(first, at(2025, 11, 12, 10)), at(2025, 11, 12, 11))
    story.register(at(2025, 11, 12, 12))

    rollup_rebuild(dt.date(2025, 11, 12), dt.date(2025, 11, 12))
    repaired = snapshot()

    rollup_rebuild()
    assert snapshot() == repaired
    assert OrderFact.objects.filter(kind=1, day=dt.date(2025, 11, 12)).count() == 3


def test_a_range_rebuild_keeps_the_other_orders(story, cast):
    hard_cases(story, cast)
    rollup_rebuild()
    expected = snapshot()

    rollup_rebuild(dt.date(2025, 11, 4), dt.date(2025, 11, 4))

    assert snapshot() == expected


def test_a_failed_refresh_never_fails_the_transition(story, monkeypatch, caplog, django_capture_on_commit_callbacks):
    def broken(order_ids):
        raise RuntimeError("database went away")

    monkeypatch.setattr(rollups, "rollup_refresh", broken)
    with caplog.at_level(logging.ERROR, logger="rexian.analytics.rollups"):
        with django_capture_on_commit_callbacks(execute=True):
            order = story.register(at(2025, 11, 3))

    assert WorkOrder.objects.filter(pk=order.pk).exists()
    assert f"rollup refresh failed for order {order.pk}" in caplog.text


def test_the_nightly_reconciliation_rebuilds_recent_orders(story, settings):
    settings.METRICS_RECONCILE_DAYS = 2
    story.register(timezone.now() - dt.timedelta(hours=1))
    story.register(timezone.now() - dt.timedelta(days=10))

    result = rollup_reconcile()

    assert result.orders == 1 and OrderFact.objects.filter(kind=1).count() == 1
    assert rollup_reconcile(days=0) is None


def test_the_worker_runs_the_reconciliation_daily():
    (job,) = [job for job in jobs() if job.name == "rollup_reconcile"]

    assert job.every == dt.timedelta(days=1) and job.task_path == "rexian.analytics.tasks:rollup_reconcile_task"


def test_the_demo_load_leaves_rollups_that_match_its_orders(db):
    from rexian.demo.generator import demo_load

    now = timezone.make_aware(dt.datetime(2026, 3, 18, 15, 30))
    demo_load(days=3, per_day=30, seed=7, now=now)
    loaded = snapshot()
    assert loaded[0] and loaded[1]

    rollup_rebuild()

    assert snapshot() == loaded
    day = dt.date(2026, 3, 18)
    registered = WorkOrder.objects.filter(registered_at__date=day).exclude(state="voided").count()
    assert period_metrics(start=day, end=day, now=now).volume == registered


def test_the_pair_rollups_answer_as_the_facts_do(db, monkeypatch):
    """Every pair of `metrics.PAIRS`, both ways round, at every level of the category, on the demo's data: the
    metrics read from the pair rollups equal those summed from the facts; a community (not a town) is answered
    from the facts."""
    from rexian.analytics import metrics
    from rexian.catalog.models import Category
    from rexian.demo.generator import demo_load
    from rexian.units.models import Unit

    now = timezone.make_aware(dt.datetime(2026, 3, 18, 15, 30))
    demo_load(days=3, per_day=30, seed=7, now=now)
    start, end = dt.date(2026, 3, 16), dt.date(2026, 3, 18)
    columns = {"category": ("category_id", "category_l2_id", "category_l1_id"), "area": ("area_town_id",),
               "unit": ("unit_id",), "appeal_type": ("appeal_type_id",)}
    dimension_of = {"appeal_type": "type", "unit": "unit", "category": "category", "area": "area"}

    def values(name):  # a few keys of each level that the facts hold
        found = set()
        for column in columns[name]:
            found |= set(OrderFact.objects.exclude(**{column: 0}).values_list(column, flat=True).distinct()[:3])
        return sorted(found)

    def answers(**query):
        return [m.as_dict() for m in metrics.metrics_by(**query, start=start, end=end, now=now)]

    cases = []
    for first, second in metrics.PAIRS.values():
        for fixed, grouped in ((first, second), (second, first)):
            level = {"level": Unit.Kind.TOWN} if grouped == "area" else {}
            cases += [{"dimension": dimension_of[grouped], fixed: value, **level} for value in values(fixed)]
        cases += [{"dimension": "day", first: a, second: b} for a in values(first)[:2] for b in values(second)[:2]]
    # A category broken down by a level under it (a 专报's make-up): their own rows.
    levels = dict(Category.objects.values_list("pk", "level"))
    cases += [{"dimension": "category", "category": value, "level": level}
              for value in values("category") for level in (2, 3) if level > levels[value]]
    community = OrderFact.objects.exclude(area_town_id=0).exclude(area_id=F("area_town_id")).values_list(
        "area_id", flat=True
    ).first()
    cases.append({"dimension": "type", "area": community})
    with CaptureQueriesContext(connection) as read:
        from_rollups = [answers(**case) for case in cases]
    # Besides the deadlines still ahead (pending_at), the period ends today: its bases read their last day's
    # registrations up to the hour from the facts (metrics.cut_hour), whatever the slice.
    facts_read = sum("analytics_orderfact" in q["sql"] and "pending_at" not in q["sql"] and '"hour" <=' not in q["sql"]
                     for q in read.captured_queries)

    monkeypatch.setattr(metrics, "_rollup_key", lambda ids: None if ids else ("all", 0, 0))
    monkeypatch.setattr(metrics, "_grouped_rollup", lambda *args: None)
    from_facts = [answers(**case) for case in cases]

    assert len(cases) > 60
    assert sum(bool(answer) for answer in from_rollups) > 40  # most cases have something to compare
    assert from_rollups == from_facts
    assert facts_read == 3  # only the community's case summed the facts: its period, 环比 and 同比
