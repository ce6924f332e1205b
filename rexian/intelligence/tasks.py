"""The worker's nightly retraining (`rexian.core.scheduler`)."""

from __future__ import annotations

from django_tasks import task

from rexian.intelligence.training import train_all


@task()
def train_models_task() -> list[str]:
    return [result.summary_line() for result in train_all()]
