"""The trained models' versions (模型版本): saving a new version, activating it, and reading the active one.

Each kind (category, appeal type, dispatch) has numbered versions, saved as
`INTELLIGENCE_MODEL_DIR/<kind>-v<N>.joblib` and recorded as `TrainedModel` rows; at most one version of a
kind is active. `active_model(kind)` is what pages and the API use: one small query per call, the file read
once per process and again only when another version becomes active.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from rexian.intelligence.classifier import TextClassifier
from rexian.intelligence.dispatch import UnitRanker
from rexian.intelligence.models import ModelKind, TrainedModel

logger = logging.getLogger(__name__)

LOADERS = {
    ModelKind.CATEGORY: TextClassifier.load,
    ModelKind.APPEAL_TYPE: TextClassifier.load,
    ModelKind.URGENCY: TextClassifier.load,
    ModelKind.DISPATCH: UnitRanker.load,
}

_cache: dict[str, tuple[int, object | None]] = {}
_lock = threading.Lock()


def model_dir() -> Path:
    return Path(settings.INTELLIGENCE_MODEL_DIR)


def forget() -> None:
    """Drop the models read so far (tests, and after the model directory changes)."""
    with _lock:
        _cache.clear()


def save_version(
    kind: str, model, *, examples: int, holdout: int, metric: str, score: float | None,
    previous_score: float | None, activate: bool, note: str = "",
) -> TrainedModel:
    """Write `model` as the next version of `kind` and record it; with `activate`, it replaces the active one."""
    directory = model_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with transaction.atomic():  # two trainings at once: the unique (kind, version) stops the second
        version = (TrainedModel.objects.filter(kind=kind).aggregate(top=Max("version"))["top"] or 0) + 1
        file_name = f"{kind}-v{version}.joblib"
        model.save(directory / file_name)
        if activate:
            TrainedModel.objects.filter(kind=kind, is_active=True).update(is_active=False)
        record = TrainedModel.objects.create(
            kind=kind, version=version, file_name=file_name, examples=examples, holdout=holdout, metric=metric,
            score=score, previous_score=previous_score, is_active=activate, note=note[:300],
        )
    return record


def active_record(kind: str) -> TrainedModel | None:
    return TrainedModel.objects.filter(kind=kind, is_active=True).first()


def load(record: TrainedModel):
    return LOADERS[record.kind](model_dir() / record.file_name)


def active_model(kind: str) -> tuple[TrainedModel | None, object | None]:
    """The active version of `kind` and its model, or (None, None); a file that cannot be read gives no model."""
    record = active_record(kind)
    if record is None:
        return None, None
    with _lock:
        cached = _cache.get(kind)
        if cached is None or cached[0] != record.pk:
            try:
                model = load(record)
            except Exception:  # a missing or corrupt file must not break intake or dispatch
                logger.exception("cannot load %s", record.file_name)
                model = None
            cached = _cache[kind] = (record.pk, model)
    return record, cached[1]
