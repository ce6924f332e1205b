"""Reads of the hot spots: the latest run's issues and surges, hot issues of any period, the orders behind them.

`latest_run`, `latest_issues` and `latest_surges` read what the hourly scan stored
(`rexian.hotspots.services.hotspot_scan`); `hot_issues` computes the issues of any
period on the fly, for reports (工作日报: yesterday; 专报: a category, area or keyword).
`order_messages` is the one place that turns work orders into the plain `Message`
records the clustering reads.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import F, QuerySet
from django.db.models.functions import Substr

from rexian.catalog.selectors import category_subtree_ids
from rexian.hotspots import clustering
from rexian.hotspots.models import HotIssue, HotspotRun, SensitiveWord, Surge
from rexian.intelligence.text import Segmenter, master_data_words
from rexian.orders import access
from rexian.orders.models import WorkOrder
from rexian.orders.search import query_terms, within_terms
from rexian.orders.transitions import State
from rexian.units.models import Unit

#: The two windows the scan stores (hours): the last 72 hours and the last 30 days.
WINDOWS = (72, 30 * 24)
#: Attention an order adds to its issue, by urgency rank (一般, 紧急, 特急), and per reopening (重办).
URGENCY_ATTENTION = (0, 2, 5)
REOPEN_ATTENTION = 3
# The address an operator notes at the end of a description (……（地址：城东街道幸福家园小区3号楼）).
_ADDRESS_NOTE = re.compile(r"[（(]地址[：:][^）)]*[）)]")
#: Characters of an order's description read (the clustering reads the first TEXT_CHARS after the address).
DESCRIPTION_CHARS = 300


@dataclass(frozen=True)
class IssueSummary:
    """A hot issue computed on the fly for a period: the fields of `HotIssue`, without the run."""

    title: str
    keywords: list[str]
    place: str
    count: int
    previous_count: int
    growth: float | None
    attention: int
    score: float
    order_ids: list[int]  # newest first
    sensitive_words: list[str]
    first_at: dt.datetime | None = None
    last_at: dt.datetime | None = None


@dataclass(frozen=True)
class OrderDims:
    """Where an order counts for the surges: its leaf and level-1 categories and its town (None: none)."""

    category_id: int | None
    category_l1_id: int | None
    town_id: int | None


# --- Stored runs -----------------------------------------------------------------------------------


def latest_run(window_hours: int = 72) -> HotspotRun | None:
    """The newest stored run of the window (72: the last 72 hours, 720: the last 30 days), or None."""
    return HotspotRun.objects.filter(window_hours=window_hours).order_by("-computed_at", "-pk").first()


def latest_issues(window_hours: int = 72, limit: int = 10) -> list[HotIssue]:
    """The hot issues of the newest run of the window, best first."""
    run = latest_run(window_hours)
    if run is None:
        return []
    return list(run.issues.order_by("rank")[:limit])


def latest_surges(limit: int = 20) -> list[Surge]:
    """The surges of the newest 72-hour run (the scan tests surges once per run), most significant first."""
    run = latest_run(72)
    if run is None:
        return []
    return list(run.surges.select_related("issue").order_by("p_value", "-count", "pk")[:limit])


def issue_orders(user, issues, *, per_issue: int = 8) -> dict[int, list[WorkOrder]]:
    """The first orders of each issue that `user` may see (newest first), by issue pk: one query for all."""
    wanted = {issue.pk: list(issue.order_ids or [])[:per_issue] for issue in issues}
    ids = {pk for pks in wanted.values() for pk in pks}
    visible = access.orders_visible_to(user, WorkOrder.objects.filter(pk__in=ids)).only(
        "pk", "number", "title", "registered_at"
    )
    found = {order.pk: order for order in visible}
    return {issue_pk: [found[pk] for pk in pks if pk in found] for issue_pk, pks in wanted.items()}


def sensitive_words() -> list[str]:
    """The active sensitive words (舆情风险词), longest first (a longer word is the more specific flag)."""
    words = SensitiveWord.objects.filter(active=True).values_list("word", flat=True)
    return sorted(words, key=lambda w: (-len(w), w))


# --- Orders as messages ----------------------------------------------------------------------------


def _orders(start: dt.datetime, end: dt.datetime, *, category=None, area=None, keyword: str = "") -> QuerySet:
    """The orders registered in [start, end) that count as requests (not voided), narrowed to a slice.

    The scan reads the whole centre's orders, as the metrics do: it acts for no user, and
    what each reader may open is decided when the orders are listed (`issue_orders`).
    """
    orders = WorkOrder.objects.filter(registered_at__gte=start, registered_at__lt=end).exclude(state=State.VOIDED)
    if category is not None:
        orders = orders.filter(category_id__in=category_subtree_ids(category))
    if area is not None:
        area = area if isinstance(area, Unit) else Unit.objects.get(pk=area)
        orders = orders.filter(area__path__startswith=area.path)
    keyword = (keyword or "").strip()
    if keyword:  # as the order search and a keyword 专报 read it: through the word index
        terms = query_terms(keyword)
        orders = within_terms(orders, terms) if terms else orders.none()
    return orders


def order_messages(start: dt.datetime, end: dt.datetime, **slice_) -> tuple[list[clustering.Message], list[OrderDims]]:
    """The orders of [start, end) (see `_orders`) as clustering messages, oldest first, with their dimensions.

    A message's text is the order's description without the address operators note at its
    end (the address is the message's own field: it names the place); its author is the
    caller's phone hash (distinct and repeat callers); its own attention comes from its
    urgency and reopenings.
    """
    rows = (
        _orders(start, end, **slice_)
        .annotate(text=Substr("description", 1, DESCRIPTION_CHARS), area_name=F("area__name"))
        .order_by("registered_at", "pk")
        .values_list(
            "pk", "title", "text", "address", "registered_at", "area_name", "caller_phone_hash", "urgency__rank",
            "reopen_count", "category_id", "category__level", "category__parent_id", "category__parent__parent_id",
            "area_id", "area__kind", "area__parent_id", "area__parent__kind",
        )
    )
    messages, dims = [], []
    for (pk, title, text, address, at, area_name, phone_hash, urgency, reopened, category_id, level, parent_id,
         grandparent_id, area_id, area_kind, area_parent_id, area_parent_kind) in rows.iterator(chunk_size=5000):
        attention = URGENCY_ATTENTION[min(urgency or 0, len(URGENCY_ATTENTION) - 1)] + REOPEN_ATTENTION * reopened
        messages.append(clustering.Message(
            id=pk, title=title, text=_ADDRESS_NOTE.sub("", text), at=at, area=area_name or "", address=address,
            author=phone_hash or "", attention=attention,
        ))
        l1 = {1: category_id, 2: parent_id, 3: grandparent_id}.get(level) if category_id else None
        town = area_id if area_kind == Unit.Kind.TOWN else (
            area_parent_id if area_kind == Unit.Kind.COMMUNITY and area_parent_kind == Unit.Kind.TOWN else None
        )
        dims.append(OrderDims(category_id=category_id, category_l1_id=l1, town_id=town))
    return messages, dims


def place_finder() -> clustering.PlaceFinder:
    """The place finder of the centre: the names of its towns and communities are known places."""
    names = Unit.objects.filter(kind__in=[Unit.Kind.TOWN, Unit.Kind.COMMUNITY], is_active=True).values_list(
        "name", flat=True
    )
    return clustering.PlaceFinder(names)


def segmenter(finder: clustering.PlaceFinder) -> Segmenter:
    """jieba with the centre's unit and category names and the known places as words (names stay whole)."""
    return Segmenter([*master_data_words(), *finder.known])


# --- Hot issues of any period ------------------------------------------------------------------------


def _summary(issue: clustering.Issue) -> IssueSummary:
    return IssueSummary(
        title=issue.title, keywords=list(issue.keywords), place=issue.place, count=issue.count,
        previous_count=issue.previous_count, growth=issue.growth, attention=issue.attention, score=issue.score,
        order_ids=[int(pk) for pk in issue.ids], sensitive_words=list(issue.sensitive_words),
        first_at=issue.first_at, last_at=issue.last_at,
    )


def hot_issues(*, start: dt.datetime, end: dt.datetime, limit: int = 10, **slice_) -> list[IssueSummary]:
    """The hot issues of the orders registered in [start, end), best first, computed now (not stored).

    Growth is counted against the previous period of equal length. `slice_` narrows the
    orders: category= (a Category or its pk, with its subcategories), area= (a Unit or its
    pk, with the units under it), keyword= (in the title or description). Any other
    keyword is a TypeError. Raises ValueError when end is not after start.
    """
    unknown = set(slice_) - {"category", "area", "keyword"}
    if unknown:
        raise TypeError(f"hot_issues() got unexpected slice arguments: {', '.join(sorted(unknown))}")
    if end <= start:
        raise ValueError("end must be after start")
    previous_start = start - (end - start)
    messages, _dims = order_messages(previous_start, end, **slice_)
    if not messages:
        return []
    finder = place_finder()
    corpus = clustering.Corpus(messages, places=finder)
    issues = clustering.rank_issues(
        corpus, corpus.rows_between(start, end), corpus.rows_between(previous_start, start), limit=limit,
        segmenter=segmenter(finder), sensitive_words=sensitive_words(),
    )
    return [_summary(issue) for issue in issues]
