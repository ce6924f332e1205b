"""The hot-spot scan (热点扫描): hot issues of the last 72 hours and 30 days, surges (激增预警), sensitive flags.

`hotspot_scan` runs every hour in the worker (`rexian.hotspots.tasks`) and when a
supervisor asks for it (重新计算). It reads the orders of the last 60 days once
(the 30-day window and the 30 days before it, for growth), clusters them
(`rexian.hotspots.clustering`), tests the surges and stores one run per window.

The surge test (docs/hotspots.md). For each category (level 1 and leaf), town (镇/街道)
and 72-hour issue, c is its count in the latest window (REXIAN_HOTSPOT_SURGE_WINDOW_HOURS,
24 hours) and its baseline λ is the mean count of the same hours on each of the previous
days (REXIAN_HOTSPOT_SURGE_BASELINE_DAYS, 28), times the weekday factor: the whole centre's
mean over the same weekday's windows divided by its mean over all of them (clipped to
[0.5, 2]; 1 when fewer than two such windows have history), so a Monday is compared
with Mondays. It is a surge when

    c ≥ REXIAN_HOTSPOT_SURGE_MIN_COUNT
    and P(X ≥ c | X ~ Poisson(max(λ, BASELINE_FLOOR))) < REXIAN_HOTSPOT_SURGE_P_VALUE

(one-sided Poisson test, `scipy.stats.poisson.sf`). The floor keeps a never-seen category
from surging on its first order. Without `MIN_HISTORY_DAYS` of history before the window
nothing is tested: a baseline of two days says little.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import BigIntegerField, Case, Count, F, Min, Q, When
from django.utils import timezone
from scipy.stats import poisson

from rexian.catalog.models import Category
from rexian.hotspots import clustering, selectors
from rexian.hotspots.models import HotIssue, HotspotRun, Surge
from rexian.orders.models import WorkOrder
from rexian.orders.transitions import State
from rexian.units.models import Unit

#: Issues stored per run.
ISSUES_PER_RUN = 50
#: The least expected count a surge is tested against (a never-seen category's baseline).
BASELINE_FLOOR = 0.5
#: Days of orders needed before the window for the surges to be tested.
MIN_HISTORY_DAYS = 7
#: Bounds of the weekday factor.
WEEKDAY_FACTOR_RANGE = (0.5, 2.0)
SHORT_WINDOW, LONG_WINDOW = selectors.WINDOWS


@dataclass(frozen=True)
class SurgeFinding:
    """A surge before it is stored: what surged, its count, its baseline and the test's p-value."""

    dimension: str  # Surge.Dimension
    label: str
    count: int
    baseline: float
    p_value: float
    sensitive_words: tuple[str, ...] = ()
    issue_rank: int | None = None  # for an issue surge: its rank in the 72-hour run


def surge_p_value(count: int, baseline: float) -> float:
    """One-sided Poisson test: P(X ≥ count) for X ~ Poisson(max(baseline, BASELINE_FLOOR))."""
    return float(poisson.sf(count - 1, max(baseline, BASELINE_FLOOR)))


def is_surge(count: int, p_value: float) -> bool:
    """Whether a window's count and its p-value make a surge under the centre's settings."""
    return count >= settings.HOTSPOT_SURGE_MIN_COUNT and p_value < settings.HOTSPOT_SURGE_P_VALUE


@dataclass(frozen=True)
class _Baseline:
    """The windows of the surge test: the latest, and the same hours on each earlier day with history."""

    latest: tuple[dt.datetime, dt.datetime]
    days: list[tuple[dt.datetime, dt.datetime]]  # day k = 1, 2, …: the same hours k days earlier
    weekday_factor: float


def _in_windows(windows: Sequence[tuple[dt.datetime, dt.datetime]]) -> Q:
    """Orders registered in any of the windows [start, end)."""
    q = Q(pk__in=[])
    for start, end in windows:
        q |= Q(registered_at__gte=start, registered_at__lt=end)
    return q


def _baseline(now: dt.datetime) -> _Baseline | None:
    """The baseline windows with history before them, and the weekday factor; None when history is short."""
    hours = settings.HOTSPOT_SURGE_WINDOW_HOURS
    latest = (now - dt.timedelta(hours=hours), now)
    earliest = WorkOrder.objects.aggregate(first=Min("registered_at"))["first"]
    days = []
    for k in range(1, settings.HOTSPOT_SURGE_BASELINE_DAYS + 1):
        window = (latest[0] - dt.timedelta(days=k), latest[1] - dt.timedelta(days=k))
        if earliest is None or window[0] < earliest:
            break
        days.append(window)
    if len(days) < MIN_HISTORY_DAYS:
        return None
    same_weekday = [days[k - 1] for k in range(7, len(days) + 1, 7)]
    factor = 1.0
    if len(same_weekday) >= 2:
        counted = WorkOrder.objects.exclude(state=State.VOIDED).aggregate(
            all=Count("pk", filter=_in_windows(days)),
            same=Count("pk", filter=_in_windows(same_weekday)),
        )
        if counted["all"]:
            factor = (counted["same"] / len(same_weekday)) / (counted["all"] / len(days))
            factor = min(max(factor, WEEKDAY_FACTOR_RANGE[0]), WEEKDAY_FACTOR_RANGE[1])
    return _Baseline(latest=latest, days=days, weekday_factor=factor)


_LEVEL1 = Case(
    When(category__level=1, then=F("category_id")),
    When(category__level=2, then=F("category__parent_id")),
    When(category__level=3, then=F("category__parent__parent_id")),
    output_field=BigIntegerField(),
)
_TOWN = Case(
    When(area__kind=Unit.Kind.TOWN, then=F("area_id")),
    When(area__kind=Unit.Kind.COMMUNITY, area__parent__kind=Unit.Kind.TOWN, then=F("area__parent_id")),
    output_field=BigIntegerField(),
)


def _dimension_counts(key, baseline: _Baseline) -> list[tuple[int, int, int]]:
    """(key, count in the latest window, count over the baseline days) for the keys that may surge, in SQL."""
    since = min(start for start, _end in baseline.days)
    latest = Q(registered_at__gte=baseline.latest[0], registered_at__lt=baseline.latest[1])
    rows = (
        WorkOrder.objects.filter(registered_at__gte=since, registered_at__lt=baseline.latest[1])
        .exclude(state=State.VOIDED)
        .annotate(key=key)
        .filter(key__isnull=False)
        .values("key")
        .annotate(latest=Count("pk", filter=latest), before=Count("pk", filter=_in_windows(baseline.days)))
        .filter(latest__gte=settings.HOTSPOT_SURGE_MIN_COUNT)
    )
    return [(row["key"], row["latest"], row["before"]) for row in rows]


def _words_of(corpus: clustering.Corpus, rows: np.ndarray, words: Sequence[str]) -> tuple[str, ...]:
    messages = corpus.messages
    return clustering.sensitive_in((f"{messages[r].title} {messages[r].text}" for r in rows), words)


def _surges(
    corpus: clustering.Corpus, dims: list[selectors.OrderDims], issues: list[clustering.Issue], words: Sequence[str],
    baseline: _Baseline,
) -> list[SurgeFinding]:
    """The surges of the latest window: categories (level 1 and leaf), towns and the 72-hour issues."""
    days = len(baseline.days)
    latest_rows = corpus.rows_between(*baseline.latest)
    found: list[SurgeFinding] = []

    def test(dimension: str, label: str, count: int, before: float, rows: np.ndarray, issue_rank=None) -> None:
        expected = before / days * baseline.weekday_factor
        p_value = surge_p_value(count, expected)
        if is_surge(count, p_value):
            found.append(SurgeFinding(
                dimension=dimension, label=label, count=count, baseline=round(expected, 3), p_value=p_value,
                sensitive_words=_words_of(corpus, rows, words), issue_rank=issue_rank,
            ))

    by_category = {}
    for key, field in ((F("category_id"), "category_id"), (_LEVEL1, "category_l1_id")):
        for pk, count, before in _dimension_counts(key, baseline):
            if pk in by_category:
                continue  # a level-1 category recorded as the order's own category is tested once
            by_category[pk] = (count, before, field)
    names = {c.pk: c.full_name for c in Category.objects.filter(pk__in=by_category).select_related("parent__parent")}
    for pk, (count, before, field) in by_category.items():
        rows = latest_rows[np.array([getattr(dims[r], field) == pk for r in latest_rows], dtype=bool)]
        test(Surge.Dimension.CATEGORY, names.get(pk, str(pk)), count, before, rows)

    towns = _dimension_counts(_TOWN, baseline)
    town_names = dict(Unit.objects.filter(pk__in=[pk for pk, _c, _b in towns]).values_list("pk", "name"))
    for pk, count, before in towns:
        rows = latest_rows[np.array([dims[r].town_id == pk for r in latest_rows], dtype=bool)]
        test(Surge.Dimension.AREA, town_names.get(pk, str(pk)), count, before, rows)

    baseline_rows = np.concatenate([corpus.rows_between(start, end) for start, end in baseline.days])
    start = baseline.latest[0].timestamp()
    candidates = [
        (rank, issue, np.array([r for r in issue.rows if corpus.times[r] >= start], dtype=np.int64))
        for rank, issue in enumerate(issues, start=1)
    ]
    candidates = [(rank, issue, rows) for rank, issue, rows in candidates
                  if rows.size >= settings.HOTSPOT_SURGE_MIN_COUNT]
    if candidates:
        before = corpus.similar_counts([np.array(issue.rows) for _r, issue, _rows in candidates], baseline_rows)
        for (rank, issue, rows), n in zip(candidates, before):
            test(Surge.Dimension.ISSUE, issue.title, int(rows.size), float(n), rows, issue_rank=rank)
    found.sort(key=lambda s: (s.p_value, -s.count, s.label))
    return found


def _store(now: dt.datetime, hours: int, orders: int, seconds: float, issues: list[clustering.Issue]) -> HotspotRun:
    run = HotspotRun.objects.create(computed_at=now, window_hours=hours, orders=orders, seconds=round(seconds, 3))
    HotIssue.objects.bulk_create([
        HotIssue(
            run=run, rank=rank, title=issue.title[:200], keywords=list(issue.keywords), place=issue.place[:100],
            count=issue.count, previous_count=issue.previous_count, growth=issue.growth, attention=issue.attention,
            score=issue.score, order_ids=[int(pk) for pk in issue.ids], sensitive_words=list(issue.sensitive_words),
            first_at=issue.first_at, last_at=issue.last_at,
        )
        for rank, issue in enumerate(issues, start=1)
    ])
    return run


def hotspot_prune(*, keep: int | None = None) -> int:
    """Delete all but the newest `keep` runs of each window (REXIAN_HOTSPOT_KEEP_RUNS); returns runs deleted."""
    keep = settings.HOTSPOT_KEEP_RUNS if keep is None else keep
    deleted = 0
    for hours in HotspotRun.objects.values_list("window_hours", flat=True).distinct():
        newest_first = HotspotRun.objects.filter(window_hours=hours).order_by("-computed_at", "-pk")
        old = list(newest_first.values_list("pk", flat=True)[keep:])
        if old:
            HotspotRun.objects.filter(pk__in=old).delete()
            deleted += len(old)
    return deleted


def hotspot_scan(*, now: dt.datetime | None = None) -> HotspotRun:
    """热点扫描: compute and store the hot issues of the last 72 hours and 30 days, and the surges.

    Run by the worker every hour and by a supervisor's 重新计算 (the caller checks who may);
    returns the 72-hour run, which holds the surges. Keeps REXIAN_HOTSPOT_KEEP_RUNS runs per
    window. Raises nothing for an empty centre: the runs are then empty.
    """
    now = now or timezone.now()
    started = time.monotonic()
    load_from = now - dt.timedelta(hours=2 * LONG_WINDOW)
    messages, dims = selectors.order_messages(load_from, now)
    finder = selectors.place_finder()
    corpus = clustering.Corpus(messages, places=finder)
    segmenter = selectors.segmenter(finder)
    words = selectors.sensitive_words()
    computed: dict[int, tuple[int, list[clustering.Issue]]] = {}
    for hours in (SHORT_WINDOW, LONG_WINDOW):
        window = dt.timedelta(hours=hours)
        rows = corpus.rows_between(now - window, now)
        issues = clustering.rank_issues(
            corpus, rows, corpus.rows_between(now - 2 * window, now - window), limit=ISSUES_PER_RUN,
            segmenter=segmenter, sensitive_words=words,
        )
        computed[hours] = (int(rows.size), issues)
    baseline = _baseline(now)
    findings = _surges(corpus, dims, computed[SHORT_WINDOW][1], words, baseline) if baseline else []
    seconds = time.monotonic() - started
    with transaction.atomic():
        runs = {hours: _store(now, hours, n, seconds, issues) for hours, (n, issues) in computed.items()}
        short = runs[SHORT_WINDOW]
        by_rank = {issue.rank: issue for issue in short.issues.all()}
        Surge.objects.bulk_create([
            Surge(
                run=short, dimension=f.dimension, label=f.label[:200], count=f.count, baseline=f.baseline,
                p_value=f.p_value, issue=by_rank.get(f.issue_rank), sensitive_words=list(f.sensitive_words),
                window_hours=settings.HOTSPOT_SURGE_WINDOW_HOURS,
            )
            for f in findings
        ])
        hotspot_prune()
    return short
