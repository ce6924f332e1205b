"""Reads of the master data: deadline rules and the dispatch catalogue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache

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


def dispatch_suggestion(*, category: Category | None, area: Unit | None) -> DispatchSuggestion | None:
    """The dispatch catalogue's answer for a category in an area.

    The nearest category (itself, then its parents) wins; within a category an
    entry for the order's area (or an area above it) beats the city-wide one.
    """
    if category is None:
        return None
    chain = category.ancestors_and_self()
    area_ids = [int(x) for x in area.path.strip("/").split("/")] if area is not None and area.path else []
    rules = list(
        DispatchRule.objects.filter(category__in=chain).select_related("lead_unit").prefetch_related("assisting_units")
    )

    def rank(rule: DispatchRule):
        category_rank = -[c.pk for c in chain].index(rule.category_id)
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
