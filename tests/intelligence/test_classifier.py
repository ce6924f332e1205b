"""The text classifier: training, suggestions with confidence, persistence, speed."""

from __future__ import annotations

import time

import pytest

from rexian.intelligence.classifier import NotTrainedError, Suggestion, TextClassifier


@pytest.fixture
def trained(topic_texts) -> TextClassifier:
    texts, labels = topic_texts
    return TextClassifier().fit(texts, labels)


def test_predicts_the_topic_of_an_unseen_order(trained):
    assert trained.predict(["物业不给修电梯", "公司拖欠工资"]) == ["城乡建设", "劳动和社会保障"]


def test_suggest_returns_the_best_labels_first_with_confidence(trained):
    suggestions = trained.suggest("小区物业乱收费", k=2)
    assert [s.label for s in suggestions] == ["城乡建设", "劳动和社会保障"]
    assert all(isinstance(s, Suggestion) and 0 <= s.confidence <= 1 for s in suggestions)
    assert suggestions[0].confidence > suggestions[1].confidence


def test_suggest_never_returns_more_labels_than_it_knows(trained):
    assert len(trained.suggest("物业", k=5)) == 2


def test_probabilities_sum_to_one_even_for_text_with_no_known_word(trained):
    proba = trained.predict_proba(["今天天气晴朗", "物业乱收费"])
    assert proba.shape == (2, 2)
    assert proba.sum(axis=1) == pytest.approx([1.0, 1.0])


def test_classes_are_the_training_labels(trained):
    assert sorted(trained.classes_) == ["劳动和社会保障", "城乡建设"]


def test_an_untrained_classifier_refuses_to_predict():
    with pytest.raises(NotTrainedError):
        TextClassifier().predict(["物业乱收费"])


def test_training_needs_two_labels():
    with pytest.raises(ValueError, match="两个类别"):
        TextClassifier().fit(["物业乱收费", "物业不作为"], ["城乡建设", "城乡建设"])


def test_training_needs_one_label_per_text():
    with pytest.raises(ValueError, match="数量不一致"):
        TextClassifier().fit(["物业乱收费", "拖欠工资"], ["城乡建设"])


def test_a_saved_classifier_predicts_the_same_after_loading(trained, tmp_path):
    path = tmp_path / "topic.joblib"
    trained.save(path)
    loaded = TextClassifier.load(path)
    texts = ["物业不给修电梯", "社保断缴"]
    assert loaded.predict(texts) == trained.predict(texts)
    assert loaded.predict_proba(texts) == pytest.approx(trained.predict_proba(texts))


def test_loading_something_else_is_refused(tmp_path):
    import joblib

    path = tmp_path / "other.joblib"
    joblib.dump({"not": "a classifier"}, path)
    with pytest.raises(ValueError, match="不是本版本"):
        TextClassifier.load(path)


def test_one_suggestion_takes_well_under_ten_milliseconds(trained):
    trained.suggest("预热")  # the first call loads jieba's dictionary
    started = time.perf_counter()
    for _ in range(50):
        trained.suggest("小区物业乱收停车费，业主多次反映无人处理")
    assert (time.perf_counter() - started) / 50 < 0.010


def test_single_order_scores_equal_scikit_learns_batch_transform(trained, topic_texts):
    texts = topic_texts[0] + ["今天天气晴朗", "物业拖欠社保"]
    reference = trained._model.decision_function(trained._features(trained._analysed(texts)))
    fast = trained.decision_function(texts)
    assert fast[:, 1] == pytest.approx(reference, abs=1e-5)  # binary: scikit-learn gives the second class's score
