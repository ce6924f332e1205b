"""`rexian train` and the nightly job: retrain every model from the hotline's own orders, versioned.

For each kind (category, appeal type, urgency, smart dispatch):

1. read the newest examples (at most `INTELLIGENCE_TRAIN_MAX_ORDERS`), oldest first;
2. hold out the newest `HOLDOUT_SHARE` of them (time order: the slice is the future the model will meet);
3. train a candidate on the rest and score it on the held-out slice — accuracy for the classifiers, top-1
   accuracy for the dispatch ranker —, and score the active version on the same slice;
4. save the candidate as the next version, and make it the active one only if it scores no worse.

The version activated is exactly the model that was scored (it has not seen the held-out slice). The
active version may have been trained on part of that slice, which favours it: a new model must then be
clearly as good to replace it. Rejected versions stay recorded (and their file kept) for inspection.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _

from rexian.intelligence import registry
from rexian.intelligence.classifier import TextClassifier
from rexian.intelligence.dispatch import UnitRanker, top_k_accuracy
from rexian.intelligence.models import ModelKind, TrainedModel
from rexian.intelligence.text import order_text

logger = logging.getLogger(__name__)

HOLDOUT_SHARE = 0.1
MIN_EXAMPLES = 30  # fewer, and a held-out slice says nothing
MIN_PER_LABEL = 2  # a label seen once cannot be learnt; its examples are left out


@dataclass(frozen=True)
class TrainingResult:
    kind: str
    examples: int  # trained on
    holdout: int
    score: float | None
    previous_score: float | None
    activated: bool
    version: int | None  # None: nothing was trained (too little data)
    seconds: float
    note: str

    def summary_line(self) -> str:
        def figure(value):
            return "none" if value is None else f"{value:.4f}"

        return (
            f"model={self.kind} version={self.version or 'none'} examples={self.examples} holdout={self.holdout} "
            f"score={figure(self.score)} previous={figure(self.previous_score)} "
            f"activated={'yes' if self.activated else 'no'} seconds={self.seconds:.1f}"
        )


def _split(items: Sequence) -> tuple[list, list]:
    held = max(1, round(len(items) * HOLDOUT_SHARE))
    return list(items[:-held]), list(items[-held:])


def _accuracy(model: TextClassifier, texts: list[str], labels: list[str]) -> float:
    return float(np.mean(np.asarray(model.predict(texts)) == np.asarray(labels)))


def _classifier_data(label: str, limit: int) -> tuple[list[str], list[str]]:
    from rexian.orders.selectors import classification_training_examples

    rows = classification_training_examples(label=label, limit=limit)
    counts = Counter(code for _title, _text, code in rows)
    kept = [(order_text(title, text), code) for title, text, code in rows if counts[code] >= MIN_PER_LABEL]
    return [text for text, _code in kept], [code for _text, code in kept]


def _train_classifier(kind: str, limit: int):
    texts, labels = _classifier_data(kind, limit)
    if len(texts) < MIN_EXAMPLES:
        return None
    (train_texts, held_texts), (train_labels, held_labels) = _split(texts), _split(labels)
    if len(set(train_labels)) < 2:
        return None
    candidate = TextClassifier().fit(train_texts, train_labels)
    return candidate, len(train_texts), len(held_texts), "accuracy", lambda model: _accuracy(
        model, held_texts, held_labels
    )


def _train_dispatch(limit: int):
    from rexian.orders.selectors import dispatch_training_examples
    from rexian.orders.smart_dispatch import example_from_row

    rows = sorted(dispatch_training_examples(), key=lambda row: (row["registered_at"], row["order_id"]))[-limit:]
    examples = [example_from_row(row) for row in rows]
    if len(examples) < MIN_EXAMPLES:
        return None
    train, held = _split(examples)
    if len({example.unit_code for example in train}) < 2:
        return None
    # Scored without the catalogue's hint, the same way for the candidate and the active version.
    return UnitRanker().fit(train), len(train), len(held), "top1_accuracy", lambda model: top_k_accuracy(model, held)[0]


TRAINERS: dict[str, Callable] = {
    ModelKind.CATEGORY: lambda limit: _train_classifier(ModelKind.CATEGORY, limit),
    ModelKind.APPEAL_TYPE: lambda limit: _train_classifier(ModelKind.APPEAL_TYPE, limit),
    ModelKind.URGENCY: lambda limit: _train_classifier(ModelKind.URGENCY, limit),
    ModelKind.DISPATCH: _train_dispatch,
}


def train_model(kind: str, *, limit: int | None = None) -> TrainingResult:
    """Train a new version of `kind` and activate it if it scores no worse than the active one."""
    started = time.monotonic()
    limit = limit or settings.INTELLIGENCE_TRAIN_MAX_ORDERS
    trained = TRAINERS[kind](limit)
    if trained is None:
        return TrainingResult(
            kind, 0, 0, None, None, False, None, time.monotonic() - started, _("样本不足，未训练。")
        )
    candidate, examples, holdout, metric, score = trained
    new_score = score(candidate)
    _record, active = registry.active_model(kind)
    previous = None
    if active is not None:
        try:
            previous = score(active)
        except Exception:  # an old model that no longer fits the data (a unit closed, a format change)
            logger.exception("cannot score the active %s model", kind)
    activate = previous is None or new_score >= previous
    if previous is None:
        note = _("首个可用版本，已启用。")
    elif activate:
        note = _("得分不低于原模型，已启用。")
    else:
        note = _("得分低于原模型，未启用。")
    saved = registry.save_version(
        kind, candidate, examples=examples, holdout=holdout, metric=metric, score=new_score,
        previous_score=previous, activate=activate, note=note,
    )
    return TrainingResult(
        kind, examples, holdout, new_score, previous, activate, saved.version, time.monotonic() - started, note
    )


def train_all(*, kinds: Sequence[str] | None = None, limit: int | None = None) -> list[TrainingResult]:
    """`rexian train` and the nightly job: every kind in turn."""
    return [train_model(kind, limit=limit) for kind in (kinds or list(TRAINERS))]


def active_versions() -> list[TrainedModel]:
    return list(TrainedModel.objects.filter(is_active=True).order_by("kind"))
