"""Feedback on the suggestions (建议反馈): what the classifiers and the dispatch ranker suggested, against what
the operator or dispatcher chose.

Recorded after the fact from the committed order events, so every way an order is registered or dispatched
(console, API) is covered alike: at registration by staff, the category, appeal type and urgency; at each dispatch by a
person, the lead unit. The suggestion is recomputed from the same text and the same active model version the
page or API showed it from. Nothing is recorded while no model of the kind is active. Overridden suggestions
(accepted = False) are what the next training learns from: the order carries the label people chose.
"""

from __future__ import annotations

import logging

from rexian.intelligence.models import ModelKind, SuggestionFeedback
from rexian.intelligence.suggest import text_suggestions
from rexian.orders.models import OrderEvent
from rexian.orders.transitions import Action
from rexian.units.models import Role

logger = logging.getLogger(__name__)

STAFF_REGISTRARS = frozenset({Role.OPERATOR, Role.SUPERVISOR})


def _classification_feedback(event: OrderEvent) -> list[SuggestionFeedback]:
    order = event.order
    suggestions = text_suggestions(order.title, order.description, k=1)
    chosen = {
        ModelKind.CATEGORY: order.category.code if order.category_id else None,
        ModelKind.APPEAL_TYPE: order.appeal_type.code if order.appeal_type_id else None,
        ModelKind.URGENCY: order.urgency.code if order.urgency_id else None,
    }
    rows = []
    for kind, code in chosen.items():
        top = suggestions.top(kind)
        if top is None or code is None:
            continue
        rows.append(
            SuggestionFeedback(
                order=order, kind=kind, suggested=top.code, confidence=top.confidence, chosen=code,
                accepted=top.code == code, model=suggestions.models[kind], user=event.actor,
            )
        )
    return rows


def _dispatch_feedback(event: OrderEvent) -> list[SuggestionFeedback]:
    from rexian.intelligence import registry
    from rexian.orders.smart_dispatch import AUTO_DISPATCHER, dispatch_suggestions_for

    order = event.order
    if event.actor.username == AUTO_DISPATCHER or order.lead_unit_id is None:
        return []
    suggestions = dispatch_suggestions_for(order, k=1)
    if not suggestions:
        return []
    top = suggestions[0]
    return [
        SuggestionFeedback(
            order=order, kind=ModelKind.DISPATCH, suggested=top.unit.code, confidence=top.confidence,
            chosen=order.lead_unit.code, accepted=top.unit.pk == order.lead_unit_id,
            model=registry.active_record(ModelKind.DISPATCH), user=event.actor,
        )
    ]


def feedback_for_event(event_id: int) -> list[SuggestionFeedback]:
    """Store the feedback one committed event gives, if any, and return it."""
    event = (
        OrderEvent.objects.select_related(
            "actor", "order__category", "order__appeal_type", "order__urgency", "order__area", "order__lead_unit"
        )
        .filter(pk=event_id)
        .first()
    )
    if event is None or event.actor is None:
        return []
    if event.action == Action.REGISTER and event.actor.role in STAFF_REGISTRARS:
        rows = _classification_feedback(event)
    elif event.action == Action.DISPATCH:
        rows = _dispatch_feedback(event)
    else:
        return []
    return SuggestionFeedback.objects.bulk_create(rows)


def on_order_event(sender, *, order_id: int, event_id: int, **kwargs) -> None:
    """`order_event` receiver: feedback must never break the action that was just committed."""
    try:
        feedback_for_event(event_id)
    except Exception:
        logger.exception("cannot record suggestion feedback for order %s", order_id)
