"""Smart dispatch (智能派单): the seam between the orders and the ranker in `rexian.intelligence.dispatch`.

* `train_dispatch_model` learns from the history (`selectors.dispatch_training_examples`) and saves the
  ranker as a new active version (`rexian.intelligence.registry`); `rexian train-dispatch` calls it, and
  `rexian train` (nightly) retrains it with a held-out check (`rexian.intelligence.training`).
* `dispatch_suggestions_for(order)` is what the console and the API show as 智能推荐: the top three lead
  units with the ranker's confidence. Without an active model it returns nothing, so the pages work before
  any training.
* `auto_dispatch_if_confident(order=…, actor=…)` dispatches to the top unit when its confidence reaches
  `AUTO_DISPATCH_CONFIDENCE`; `on_order_event` calls it, as the 智能派单 account, for every order that
  reaches 待派单 while the setting is above 0.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext as _

from rexian.intelligence import registry
from rexian.intelligence.dispatch import DispatchExample, UnitRanker
from rexian.intelligence.models import ModelKind
from rexian.intelligence.text import order_text
from rexian.orders import selectors, services
from rexian.orders.models import OrderEvent, WorkOrder
from rexian.orders.transitions import State
from rexian.units.models import Role, Unit, User

logger = logging.getLogger(__name__)
MIN_CONFIDENCE = 0.01  # below this a unit is not worth showing (it would read 0%)

AUTO_DISPATCHER = "rexian-auto-dispatch"  # the account automatic dispatches are recorded under


@dataclass(frozen=True)
class UnitSuggestion:  # 智能推荐
    unit: Unit
    confidence: float


def example_from_row(row: dict) -> DispatchExample:
    """A selector row as the ranker's training example (the final unit; returned units as corrections)."""
    return DispatchExample(
        text=order_text(row["title"], row["description"]),
        category_code=row["category_code"],
        area_code=row["area_code"],
        unit_code=row["unit_code"],
        returned_unit_codes=tuple(row["returned_unit_codes"]),
        reply=row["reply"],
    )


def train_dispatch_model(
    *, since: dt.datetime | None = None, path: Path | None = None, **options
) -> tuple[UnitRanker, int]:
    """Train the ranker on every dispatched order (registered since `since`); returns it and the count.

    Without `path` it becomes the active version at once (an explicit training, no held-out check); with
    `path` it is only written there. Raises ValueError when the history has fewer than two units.
    """
    examples = [example_from_row(row) for row in selectors.dispatch_training_examples(since=since)]
    ranker = UnitRanker(**options).fit(examples)
    if path is not None:
        ranker.save(path)
    else:
        registry.save_version(
            ModelKind.DISPATCH, ranker, examples=len(examples), holdout=0, metric="", score=None,
            previous_score=None, activate=True, note="rexian train-dispatch",
        )
    return ranker, len(examples)


def forget_dispatch_model() -> None:
    registry.forget()


def _ranker() -> UnitRanker | None:
    """The active version, or None without a usable one."""
    return registry.active_model(ModelKind.DISPATCH)[1]


def dispatch_suggestions_for(order: WorkOrder, *, k: int = 3) -> list[UnitSuggestion]:
    """智能推荐: the `k` units most likely to lead `order`, best first, with confidence; [] without a model.

    Only units that can still take orders are offered, not a unit whose return (退单) of this order was approved
    (it has said the order is not its own), and not a unit under MIN_CONFIDENCE (a "0%" is no suggestion). The
    dispatch catalogue's unit for the order's category and area is one piece of the ranker's evidence, unless it
    returned the order. After a return the confidences are those among the units that have not returned it (the
    ranker's probabilities renormalised without them): the unit that was 98% sure is ruled out, and the next ones
    are what is left to choose between.
    """
    return dispatch_suggestions_for_orders([order], k=k).get(order.pk, [])


def dispatch_suggestions_for_orders(orders: list[WorkOrder], *, k: int = 3) -> dict[int, list[UnitSuggestion]]:
    """`dispatch_suggestions_for` for a page of orders at once, keyed by order id: one batch through the ranker
    and four queries, whatever the number of orders. Pass orders with `category` and `area` loaded."""
    ranker = _ranker()
    if ranker is None or not orders:
        return {}
    from rexian.catalog.selectors import dispatch_suggestions

    catalogue = dispatch_suggestions(pairs=[(order.category, order.area) for order in orders])

    def catalogue_code(order):
        answer = catalogue.get((order.category_id, order.area_id))
        return answer.lead_unit.code if answer else None

    returns = selectors.approved_returns(order.pk for order in orders)
    ruled_out = [{r.unit.code for r in returns.get(order.pk, ())} for order in orders]
    rows = ranker.scores(
        [order_text(order.title, order.description) for order in orders],
        [order.category.code if order.category_id else "" for order in orders],
        [order.area.code if order.area_id else "" for order in orders],
        [None if catalogue_code(order) in out else catalogue_code(order) for order, out in zip(orders, ruled_out)],
    )
    codes = ranker.units
    for row, out in zip(rows, ruled_out):
        if out:
            row[[i for i, code in enumerate(codes) if code in out]] = 0.0
            row /= max(float(row.sum()), 1e-12)
    # A few spare per order, in case a unit was closed since the training.
    best = [[(codes[i], float(row[i])) for i in np.argsort(-row, kind="stable")[: k + 3]] for row in rows]
    units = Unit.objects.filter(
        code__in={code for ranked in best for code, _ in ranked}, is_active=True, accepts_orders=True
    ).in_bulk(field_name="code")
    return {
        order.pk: [
            UnitSuggestion(units[code], round(confidence, 4))
            for code, confidence in ranked
            if code in units and confidence >= MIN_CONFIDENCE and code not in out
        ][:k]
        for order, ranked, out in zip(orders, best, ruled_out)
    }


def auto_dispatch_if_confident(*, order: WorkOrder, actor) -> WorkOrder | None:
    """Dispatch `order` to the ranker's top unit when its confidence reaches AUTO_DISPATCH_CONFIDENCE.

    Returns the dispatched order, or None when automatic dispatch is off (threshold 0), there is no model,
    or the ranker is not confident enough. `actor` must be allowed to dispatch; `services.order_dispatch`
    raises as usual (PermissionDenied, InvalidTransition, OrderInputError) otherwise.
    """
    threshold = settings.AUTO_DISPATCH_CONFIDENCE
    if threshold <= 0:
        return None
    suggestions = dispatch_suggestions_for(order, k=1)
    if not suggestions or suggestions[0].confidence < threshold:
        return None
    best = suggestions[0]
    note = _("智能派单：置信度 %(confidence).2f") % {"confidence": best.confidence}
    return services.order_dispatch(actor=actor, order=order, lead_unit=best.unit, note=note)


def auto_dispatcher() -> User:
    """The 智能派单 service account: a dispatcher that cannot sign in (no usable password)."""
    user, _created = User.objects.get_or_create(
        username=AUTO_DISPATCHER,
        defaults={"role": Role.DISPATCHER, "display_name": "智能派单", "password": make_password(None)},
    )
    return user


def on_order_event(sender, *, order_id: int, event_id: int, **kwargs) -> None:
    """After an order reaches 待派单: dispatch it automatically if the ranker is confident enough.

    Connected to `order_event` (sent on commit). A failure is logged, never raised: the order simply waits
    in the dispatch queue for a person, as it would without automatic dispatch.
    """
    if settings.AUTO_DISPATCH_CONFIDENCE <= 0:
        return
    # Only an event that brought the order to the queue: a dispatcher correcting the record there (补充登记)
    # is about to dispatch it and must not be overtaken.
    arrived = OrderEvent.objects.filter(pk=event_id, to_state=State.PENDING_DISPATCH).exclude(
        from_state=State.PENDING_DISPATCH
    )
    if not arrived.exists():
        return
    try:
        order = WorkOrder.objects.select_related("category", "area").get(pk=order_id)
        if order.state == State.PENDING_DISPATCH:
            auto_dispatch_if_confident(order=order, actor=auto_dispatcher())
    except Exception:
        logger.exception("automatic dispatch of order %s failed", order_id)
