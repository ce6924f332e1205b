"""`rexian train`: versioned models trained from the hotline's orders, replacing the active one only if no worse."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from rexian.intelligence import registry, training
from rexian.intelligence.models import ModelKind, TrainedModel
from rexian.orders.selectors import classification_training_examples


def test_training_examples_are_the_newest_orders_oldest_first_without_voided(history, cast):
    from rexian.orders import services

    services.order_void(actor=cast.supervisor, order=history[-1], reason="测试来电")
    rows = classification_training_examples(label="category", limit=5)
    assert [title for title, _text, _code in rows] == [order.title for order in history[-6:-1]]
    assert {code for _t, _d, code in rows} == {"020101", "010101"}


def test_first_training_activates_every_model_with_its_held_out_score(history):
    results = training.train_all()
    assert [r.kind for r in results] == [
        ModelKind.CATEGORY, ModelKind.APPEAL_TYPE, ModelKind.URGENCY, ModelKind.DISPATCH,
    ]
    for result in results:
        assert result.version == 1 and result.activated
        assert result.examples == 36 and result.holdout == 4  # the newest tenth of 40 is held out
        assert result.score == 1.0  # the two topics are plainly apart
        assert result.previous_score is None
    active = {record.kind: record for record in training.active_versions()}
    assert set(active) == set(ModelKind.values)
    assert (registry.model_dir() / "category-v1.joblib").exists()
    record, model = registry.active_model(ModelKind.CATEGORY)
    assert record == active[ModelKind.CATEGORY]
    assert model.predict(["工地晚上施工噪音太吵"]) == ["020101"]


def test_a_new_version_replaces_the_active_one_only_if_it_scores_no_worse(history, monkeypatch):
    first = training.train_model(ModelKind.CATEGORY)
    second = training.train_model(ModelKind.CATEGORY)  # same data: same score, no worse, so it is taken
    assert (second.version, second.activated, second.previous_score) == (2, True, 1.0)

    # A worse candidate: one that always answers the wrong topic.
    class Wrong:
        def __init__(self, *args, **kwargs):
            pass

        def fit(self, texts, labels):
            return self

        def predict(self, texts):
            return ["999999" for _ in texts]

        def save(self, path):
            path.write_bytes(b"never loaded")

    monkeypatch.setattr(training, "TextClassifier", Wrong)
    third = training.train_model(ModelKind.CATEGORY)
    assert (third.version, third.activated, third.score, third.previous_score) == (3, False, 0.0, 1.0)
    versions = TrainedModel.objects.filter(kind=ModelKind.CATEGORY)
    assert [(v.version, v.is_active) for v in versions] == [(3, False), (2, True), (1, False)]
    assert versions.get(version=3).note == "得分低于原模型，未启用。"
    assert first.version == 1


def test_too_little_history_trains_nothing(cast, make_order, model_dir):
    make_order()
    result = training.train_model(ModelKind.CATEGORY)
    assert result.version is None and not result.activated
    assert not TrainedModel.objects.exists()


def test_the_train_command_prints_one_line_per_model(history):
    out = StringIO()
    call_command("train", "--model", "category", "--model", "dispatch", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("model=category version=1 examples=36 holdout=4 score=1.0000 previous=none")
    assert "activated=yes" in lines[0]
    assert lines[1].startswith("model=dispatch version=1 ")


@pytest.mark.parametrize("kind", ModelKind.values)
def test_a_corrupt_active_file_gives_no_model_rather_than_an_error(history, kind):
    training.train_model(kind)
    record = registry.active_record(kind)
    (registry.model_dir() / record.file_name).write_bytes(b"not a model")
    registry.forget()
    assert registry.active_model(kind) == (record, None)


def test_the_nightly_job_is_scheduled():
    from rexian.core.scheduler import jobs

    job = next(job for job in jobs() if job.name == "train_models")
    assert job.task_path == "rexian.intelligence.tasks:train_models_task"
