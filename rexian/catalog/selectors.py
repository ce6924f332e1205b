"""Reads of the master data: deadline rules, the dispatch catalogue and the category search."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import models
from django.db.models import Q

from rexian.catalog.calendar import add_duration
from rexian.catalog.models import AppealType, Category, DeadlineRule, DispatchRule, Urgency
from rexian.units.models import Unit

_RULES_CACHE_KEY = "rexian:deadline-rules:v1"


def _rules() -> list[tuple]:
    rules = cache.get(_RULES_CACHE_KEY)
    if rules is None:
        rules = list(
            DeadlineRule.objects.values_list("kind", "appeal_type_id", "urgency_id", "category_id", "amount", "unit")
        )
        cache.set(_RULES_CACHE_KEY, rules, 60)
    return rules


def forget_deadline_rules() -> None:
    cache.delete(_RULES_CACHE_KEY)


@dataclass(frozen=True)
class Rule:
    amount: object
    unit: str


def deadline_rule_for(
    *, kind: str, appeal_type: AppealType | None, urgency: Urgency | None, category: Category | None
) -> Rule | None:
    """The most specific deadline rule of `kind` for an order's type, urgency and category, or None."""
    category_depths: dict[int, int] = {}
    if category is not None:
        for depth, node in enumerate(reversed(category.ancestors_and_self()), start=1):
            category_depths[node.pk] = depth
    best = None
    best_score = None
    for rule_kind, type_id, urgency_id, category_id, amount, unit in _rules():
        if rule_kind != kind:
            continue
        if type_id is not None and (appeal_type is None or type_id != appeal_type.pk):
            continue
        if urgency_id is not None and (urgency is None or urgency_id != urgency.pk):
            continue
        if category_id is not None and category_id not in category_depths:
            continue
        score = (
            urgency_id is not None,
            (type_id is not None) + (category_id is not None),
            category_depths.get(category_id, 0),
            type_id is not None,
        )
        if best_score is None or score > best_score:
            best, best_score = Rule(amount, unit), score
    return best


def deadline_compute(
    *,
    kind: str,
    start: dt.datetime,
    appeal_type: AppealType | None,
    urgency: Urgency | None,
    category: Category | None,
) -> dt.datetime | None:
    """The deadline of one step starting at `start`, or None when no rule covers it."""
    rule = deadline_rule_for(kind=kind, appeal_type=appeal_type, urgency=urgency, category=category)
    if rule is None:
        return None
    return add_duration(start, rule.amount, rule.unit)


@dataclass(frozen=True)
class DispatchSuggestion:
    lead_unit: Unit
    assisting_units: list[Unit]
    rule: DispatchRule


def category_names() -> list[str]:
    """Every category's name, active or not (old orders still use retired ones), for the text models' dictionaries."""
    return sorted(set(Category.objects.values_list("name", flat=True)))


def category_subtree_ids(category) -> list[int]:
    """The category (an instance or a primary key) and every category below it, as primary keys (the tree has
    three levels; the loop allows a few more): one query a level."""
    found = [getattr(category, "pk", category)]
    frontier = list(found)
    for _level in range(6):
        frontier = list(Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        if not frontier:
            break
        found += frontier
    return found


def dispatch_suggestion(*, category: Category | None, area: Unit | None) -> DispatchSuggestion | None:
    """The dispatch catalogue's answer for a category in an area.

    The nearest category (itself, then its parents) wins; within a category an
    entry for the order's area (or an area above it) beats the city-wide one.
    """
    if category is None:
        return None
    chain = category.ancestors_and_self()
    rules = list(
        DispatchRule.objects.filter(category__in=chain).select_related("lead_unit").prefetch_related("assisting_units")
    )
    return _best_suggestion(rules, chain, area)


def _best_suggestion(rules: list[DispatchRule], chain: list[Category], area: Unit | None) -> DispatchSuggestion | None:
    """The catalogue's ranking (see `dispatch_suggestion`) over `rules`, entries of the categories in `chain`."""
    chain_ids = [c.pk for c in chain]
    area_ids = [int(x) for x in area.path.strip("/").split("/")] if area is not None and area.path else []

    def rank(rule: DispatchRule):
        if rule.category_id not in chain_ids:
            return None
        category_rank = -chain_ids.index(rule.category_id)
        if rule.area_id is None:
            area_rank = 0
        elif rule.area_id in area_ids:
            area_rank = 1 + area_ids.index(rule.area_id)
        else:
            return None
        return (category_rank, area_rank)

    ranked = [(rank(rule), rule) for rule in rules]
    ranked = [(r, rule) for r, rule in ranked if r is not None]
    if not ranked:
        return None
    _, best = max(ranked, key=lambda pair: pair[0])
    return DispatchSuggestion(best.lead_unit, list(best.assisting_units.all()), best)


# --- Console queues (派遣队列) ---------------------------------------------------------------


def dispatch_suggestions(
    *, pairs: list[tuple[Category | None, Unit | None]]
) -> dict[tuple[int | None, int | None], DispatchSuggestion | None]:
    """`dispatch_suggestion` for many (category, area) pairs at once, keyed by their ids, in two queries.

    The dispatch queue shows the catalogue's lead unit on every row of a page;
    asking row by row would cost two queries a row. Pass categories with their
    parents loaded (`select_related("category__parent__parent")`) so walking
    up the tree costs nothing.
    """
    chains = {
        (category.pk, area.pk if area is not None else None): (category.ancestors_and_self(), area)
        for category, area in pairs
        if category is not None
    }
    answers: dict[tuple[int | None, int | None], DispatchSuggestion | None] = {
        (category.pk if category is not None else None, area.pk if area is not None else None): None
        for category, area in pairs
    }
    if not chains:
        return answers
    category_ids = {c.pk for chain, _area in chains.values() for c in chain}
    area_ids = {
        int(x) for _chain, area in chains.values() if area is not None for x in area.path.strip("/").split("/") if x
    }
    rules = list(
        DispatchRule.objects.filter(category__in=category_ids)
        .filter(Q(area__isnull=True) | Q(area__in=area_ids))
        .select_related("lead_unit")
        .prefetch_related("assisting_units")
    )
    by_category: dict[int, list[DispatchRule]] = {}
    for rule in rules:
        by_category.setdefault(rule.category_id, []).append(rule)
    for key, (chain, area) in chains.items():
        answers[key] = _best_suggestion([r for c in chain for r in by_category.get(c.pk, [])], chain, area)
    return answers


# --- Intake: finding a category as the operator types (分类检索) ----------------------------------------------------
#
# The operator finds the category by Chinese words, by code, or by pinyin: full ("wuye"), initials ("wy" finds
# 物业管理) or mixed ("wuyfw"). The tree is small (a few thousand nodes at most) and read on every keystroke, so
# each process keeps it in memory with the pinyin worked out once. It is rebuilt when a category is saved or
# deleted (the signal bumps a generation in the shared cache, so every process notices), when the number of
# categories changes (bulk loads send no signals) and, as a last resort, every CATEGORY_INDEX_TTL seconds.

CATEGORY_INDEX_TTL = 300
_CATEGORY_GENERATION_KEY = "rexian:category-index:generation"
_MAX_QUERY = 30


@dataclass(frozen=True)
class CategoryHit:
    """A category as the intake page lists it."""

    id: int
    code: str
    name: str
    path: str  # 一级/二级/三级
    level: int
    is_leaf: bool  # only leaves can be chosen for an order
    parent_id: int | None


@dataclass(frozen=True)
class _Node:
    hit: CategoryHit
    ancestor_ids: tuple[int, ...]  # from the root down, without the node itself
    syllables: tuple[tuple[str, ...], ...]  # the name's pinyin: each character's readings
    initials: frozenset[str]  # the first letters of every reading: a pinyin query must start with one
    letters: frozenset[str]  # every letter of every reading: a pinyin query uses no other


@dataclass
class _CategoryIndex:
    key: tuple
    built: float
    nodes: dict[int, _Node]  # active categories whose ancestors are all active, in code order
    answers: dict = field(default_factory=dict)  # (query, limit) -> hits: the same few letters come again and again


_category_index: _CategoryIndex | None = None
_category_index_lock = threading.Lock()


def forget_category_index() -> None:
    """Make every process rebuild its category index on its next search (called when a category changes)."""
    cache.set(_CATEGORY_GENERATION_KEY, uuid.uuid4().hex, None)


_MAX_ANSWERS = 2000
_syllable_memo: dict[str, tuple[tuple[str, ...], ...]] = {}  # a rebuild re-reads only names it has not seen


def _syllables(name: str) -> tuple[tuple[str, ...], ...]:
    """Each character's pinyin readings (all of them, so 重 matches both "z" and "c"); letters and digits as typed."""
    found = _syllable_memo.get(name)
    if found is not None:
        return found
    from pypinyin import Style, pinyin

    out = []
    for readings in pinyin(name, style=Style.NORMAL, heteronym=True, errors=lambda chunk: list(chunk)):
        cleaned = tuple(dict.fromkeys(r.lower() for r in readings if r and r.isalnum()))
        if cleaned:
            out.append(cleaned)
    found = _syllable_memo[name] = tuple(out)
    return found


def _build_category_index(key: tuple) -> _CategoryIndex:
    rows = list(Category.objects.order_by("code").values_list("id", "code", "name", "parent_id", "is_active", "level"))
    by_id = {row[0]: row for row in rows}
    with_children = {row[3] for row in rows if row[3] is not None}
    nodes: dict[int, _Node] = {}
    for pk, code, name, parent_id, is_active, level in rows:
        chain, node_id, ok = [], parent_id, is_active
        while node_id is not None and ok and len(chain) < 10:  # the bound only guards against damaged data
            parent = by_id.get(node_id)
            ok = parent is not None and parent[4]
            if ok:
                chain.append(parent)
                node_id = parent[3]
        if not ok:
            continue
        chain.reverse()
        hit = CategoryHit(
            id=pk,
            code=code,
            name=name,
            path="/".join([*(p[2] for p in chain), name]),
            level=level,
            is_leaf=pk not in with_children,
            parent_id=parent_id,
        )
        syllables = _syllables(name)
        readings = [reading for options in syllables for reading in options]
        nodes[pk] = _Node(
            hit,
            tuple(p[0] for p in chain),
            syllables,
            initials=frozenset(reading[0] for reading in readings),
            letters=frozenset("".join(readings)),
        )
    return _CategoryIndex(key=key, built=time.monotonic(), nodes=nodes)


def _categories() -> _CategoryIndex:
    global _category_index
    counts = Category.objects.aggregate(n=models.Count("id"), last=models.Max("id"))
    key = (cache.get(_CATEGORY_GENERATION_KEY), counts["n"], counts["last"])
    index = _category_index
    if index is None or index.key != key or time.monotonic() - index.built > CATEGORY_INDEX_TTL:
        with _category_index_lock:
            index = _category_index
            if index is None or index.key != key or time.monotonic() - index.built > CATEGORY_INDEX_TTL:
                index = _category_index = _build_category_index(key)
    return index


def _pinyin_from(query: str, syllables: tuple[tuple[str, ...], ...], at: int) -> bool:
    """Does `query` spell syllables at, at+1, … each in full or by its first letters ("wuyef", "wyfw")?"""
    if not query:
        return True
    if at >= len(syllables):
        return False
    for reading in syllables[at]:
        same = 0
        while same < min(len(reading), len(query)) and reading[same] == query[same]:
            same += 1
        for taken in range(same, 0, -1):
            if _pinyin_from(query[taken:], syllables, at + 1):
                return True
    return False


def _name_rank(query: str, node: _Node, *, letters: bool) -> int | None:
    """How well `query` matches the node's own name (smaller is better), or None."""
    name = node.hit.name
    if letters:
        if query[0] not in node.initials or not node.letters.issuperset(query):
            return None
        if _pinyin_from(query, node.syllables, 0):
            return 3
        if any(_pinyin_from(query, node.syllables, at) for at in range(1, len(node.syllables))):
            return 4
        return None
    if name == query:
        return 0
    if name.startswith(query):
        return 1
    if query in name:
        return 2
    return None


# What callers and operators say for what the taxonomy calls otherwise: a query with the everyday word also finds
# the taxonomy's (噪音 finds 施工噪声, 社保卡 finds 社会保障卡). A query matching the everyday word itself still does.
EVERYDAY_WORDS = {
    "噪音": "噪声",
    "社保卡": "社会保障卡",
    "欠薪": "拖欠工资",
    "违建": "违章搭建",
    "红绿灯": "交通信号灯",
    "摆摊": "流动摊贩",
    "乱停车": "乱停乱放",
    "积水": "排水防涝",
}


def _query_variants(query: str) -> list[str]:
    """The query, and the query in the taxonomy's words where it uses an everyday one."""
    official = query
    for everyday, word in sorted(EVERYDAY_WORDS.items(), key=lambda pair: -len(pair[0])):
        if everyday in official and word not in official:
            official = official.replace(everyday, word)
    return [query] if official == query else [query, official]


def category_search(*, query: str, limit: int = 20) -> list[CategoryHit]:
    """Leaf categories matching `query`, best first, for the operator to choose from.

    A leaf matches by its own name or by a parent's: a Chinese substring ("噪声"), a code prefix ("0101"), full
    pinyin ("wuye"), pinyin initials ("wy" finds 物业管理/物业服务, "sgzs" 施工噪声) or a mix of both. Matches on the
    leaf's own name come before matches on a parent's; ties go in code order. An everyday word also finds the
    taxonomy's (`EVERYDAY_WORDS`: 噪音 finds 噪声). Only active categories under
    active parents are offered. An empty query finds nothing: browse with `category_browse`.
    """
    query = "".join((query or "").split()).replace("'", "")[:_MAX_QUERY]
    if not query:
        return []
    letters = query.isascii() and query.isalpha()
    query = query.lower() if letters else query
    digits = query.isdigit()
    limit = max(1, min(limit, 100))
    index = _categories()
    answer = index.answers.get((query, limit))
    if answer is not None:
        return list(answer)
    nodes = index.nodes
    own: dict[int, int | None] = {}
    variants = [query] if digits or letters else _query_variants(query)
    for pk, node in nodes.items():
        if digits:
            own[pk] = 1 if node.hit.code.startswith(query) else None
        else:
            ranks = [rank for rank in (_name_rank(q, node, letters=letters) for q in variants) if rank is not None]
            own[pk] = min(ranks, default=None)
    ranked = []
    for pk, node in nodes.items():
        if not node.hit.is_leaf:
            continue
        rank = own[pk]
        if rank is None:
            parent_ranks = [own[a] for a in node.ancestor_ids if own.get(a) is not None]
            if not parent_ranks:
                continue
            rank = 10 + min(parent_ranks) - len(node.ancestor_ids)  # the nearer parent a little first
        ranked.append((rank, node.hit.code, node.hit))
    ranked.sort(key=lambda item: (item[0], item[1]))
    answer = [hit for _rank, _code, hit in ranked[:limit]]
    if len(index.answers) >= _MAX_ANSWERS:
        index.answers.clear()
    index.answers[(query, limit)] = answer
    return list(answer)


def category_browse(*, parent_id: int | None = None) -> list[CategoryHit]:
    """The active children of a category (the top level without `parent_id`), in code order, for browsing."""
    return [node.hit for node in _categories().nodes.values() if node.hit.parent_id == parent_id]


def category_hit(*, category_id: int | None) -> CategoryHit | None:
    """One active category as the intake page shows it (with its full path), or None."""
    if category_id is None:
        return None
    node = _categories().nodes.get(category_id)
    return node.hit if node is not None else None
