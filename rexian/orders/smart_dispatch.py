"""Smart dispatch (智能派单): the seam between the orders and the ranker in `rexian.intelligence.dispatch`.

* `train_dispatch_model` learns from the history (`selectors.dispatch_training_examples`) and writes
  `INTELLIGENCE_MODEL_DIR/dispatch.joblib`; `rexian train-dispatch` calls it.
* `dispatch_suggestions_for(order)` is what the console shows as 智能推荐: the top three lead units with
  the ranker's confidence. Without a model file it returns nothing, so the pages work before any training.
* `auto_dispatch_if_confident(order=…, actor=…)` dispatches to the top unit when its confidence reaches
  `AUTO_DISPATCH_CONFIDENCE`. Nothing calls it on its own: a centre that wants automatic dispatch calls it
  where orders reach 待派单 (docs/intelligence.md).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _

from rexian.intelligence.dispatch import DispatchExample, UnitRanker
from rexian.intelligence.text import order_text
from rexian.orders import selectors, services
from rexian.orders.models import WorkOrder
from rexian.units.models import Unit

logger = logging.getLogger(__name__)

MODEL_FILE = "dispatch.joblib"


@dataclass(frozen=True)
class UnitSuggestion:  # 智能推荐
    unit: Unit
    confidence: float


def model_path() -> Path:
    return Path(settings.INTELLIGENCE_MODEL_DIR) / MODEL_FILE


def example_from_row(row: dict) -> DispatchExample:
    """A selector row as the ranker's training example (the final unit; returned units as corrections)."""
    return DispatchExample(
        text=order_text(row["title"], row["description"]),
        category_code=row["category_code"],
        area_code=row["area_code"],
        unit_code=row["unit_code"],
        returned_unit_codes=tuple(row["returned_unit_codes"]),
    )


def train_dispatch_model(
    *, since: dt.datetime | None = None, path: Path | None = None, **options
) -> tuple[UnitRanker, int]:
    """Train the ranker on every dispatched order (registered since `since`) and save it; returns it and the count.

    For the training command and the nightly job. Raises ValueError when the history has fewer than two units.
    """
    examples = [example_from_row(row) for row in selectors.dispatch_training_examples(since=since)]
    ranker = UnitRanker(**options).fit(examples)
    ranker.save(path or model_path())
    forget_dispatch_model()
    return ranker, len(examples)


_cache: dict = {}
_lock = threading.Lock()


def forget_dispatch_model() -> None:
    with _lock:
        _cache.clear()


def _ranker() -> UnitRanker | None:
    """The active model, read once per process and again when the file changes; None without a usable file."""
    path = model_path()
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    with _lock:
        if _cache.get("key") != (str(path), stamp):
            try:
                _cache["ranker"] = UnitRanker.load(path)
            except Exception:  # a corrupt or foreign file must not break the dispatch page
                logger.exception("cannot load the dispatch model %s", path)
                _cache["ranker"] = None
            _cache["key"] = (str(path), stamp)
        return _cache["ranker"]


def dispatch_suggestions_for(order: WorkOrder, *, k: int = 3) -> list[UnitSuggestion]:
    """智能推荐: the `k` units most likely to lead `order`, best first, with confidence; [] without a model.

    Only units that can still take orders are offered. The dispatch catalogue's unit for the order's
    category and area is one piece of the ranker's evidence.
    """
    return dispatch_suggestions_for_orders([order], k=k).get(order.pk, [])


def dispatch_suggestions_for_orders(orders: list[WorkOrder], *, k: int = 3) -> dict[int, list[UnitSuggestion]]:
    """`dispatch_suggestions_for` for a page of orders at once, keyed by order id: one batch through the ranker
    and three queries, whatever the number of orders. Pass orders with `category` and `area` loaded."""
    ranker = _ranker()
    if ranker is None or not orders:
        return {}
    from rexian.catalog.selectors import dispatch_suggestions

    catalogue = dispatch_suggestions(pairs=[(order.category, order.area) for order in orders])

    def catalogue_code(order):
        answer = catalogue.get((order.category_id, order.area_id))
        return answer.lead_unit.code if answer else None

    rows = ranker.scores(
        [order_text(order.title, order.description) for order in orders],
        [order.category.code if order.category_id else "" for order in orders],
        [order.area.code if order.area_id else "" for order in orders],
        [catalogue_code(order) for order in orders],
    )
    codes = ranker.units
    # A few spare per order, in case a unit was closed since the training.
    best = [[(codes[i], float(row[i])) for i in np.argsort(-row, kind="stable")[: k + 3]] for row in rows]
    units = Unit.objects.filter(
        code__in={code for ranked in best for code, _ in ranked}, is_active=True, accepts_orders=True
    ).in_bulk(field_name="code")
    return {
        order.pk: [UnitSuggestion(units[code], round(confidence, 4)) for code, confidence in ranked if code in units][:k]
        for order, ranked in zip(orders, best)
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
