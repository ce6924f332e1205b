"""A text classifier that suggests a label (category, appeal type) for an order, with confidence.

Features are three TF-IDF views of the order's text, each L2-normalised and
weighted, then joined:

* character unigrams and bigrams of the whole text: robust to the segmenter's
  mistakes and to new names;
* jieba words (with the city's dictionary): whole terms such as 物业费, 社保;
* character unigrams and bigrams of the opening characters: the title, where
  callers say what the order is about (咨询…, 举报…, 关于…的建议).

The model is a linear classifier trained by averaged SGD with the modified Huber
loss (a smoothed linear SVM that also gives probabilities), classes weighted by
their inverse frequency so rare categories are not drowned. docs/intelligence.md
has the comparison with the alternatives that were measured.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.preprocessing import normalize

from rexian.intelligence.text import Segmenter, normalise

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Suggestion:
    """One suggested label and the classifier's confidence in it (0–1)."""

    label: str
    confidence: float


class NotTrainedError(RuntimeError):
    """Raised when a classifier is asked to predict before `fit`."""


def _tokens(tokens: list[str]) -> list[str]:
    # The word view is analysed by the classifier itself (see _views); module-level so pickling works.
    return tokens


@dataclass
class _View:
    """One TF-IDF view of the text, with what a single order's features need at hand."""

    name: str
    weight: float
    vectorizer: TfidfVectorizer

    def __post_init__(self):
        self._prepare()

    def _prepare(self) -> None:
        # sklearn's transform spends most of a single order's time validating its input;
        # the fast path below uses the fitted vectorizer's own analyzer, vocabulary and idf.
        self._analyze = self.vectorizer.build_analyzer()
        self._vocabulary = self.vectorizer.vocabulary_
        self._idf = self.vectorizer.idf_.astype(np.float64)

    def __getstate__(self):
        return {"name": self.name, "weight": self.weight, "vectorizer": self.vectorizer}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._prepare()

    @property
    def size(self) -> int:
        return len(self._vocabulary)

    def row(self, document) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and weighted, L2-normalised TF-IDF values of one document (as `transform`)."""
        counts = Counter(self._analyze(document))
        vocabulary = self._vocabulary
        found = [(vocabulary[term], n) for term, n in counts.items() if term in vocabulary]
        if not found:
            return np.empty(0, dtype=np.int64), np.empty(0)
        columns = np.fromiter((c for c, _ in found), dtype=np.int64, count=len(found))
        values = 1.0 + np.log(np.fromiter((n for _, n in found), dtype=np.float64, count=len(found)))
        values *= self._idf[columns]
        values *= self.weight / np.linalg.norm(values)
        return columns, values


class TextClassifier:
    """Suggests labels for short Chinese texts (an order's title and description).

    `fit` on texts and labels, then `suggest` for the top labels with confidence,
    or `predict` / `predict_proba` for many texts. Train with enough examples of
    every label (a few dozen each); one classifier serves one target (category
    or appeal type). Saved with `save` and read back with `TextClassifier.load`.
    """

    def __init__(
        self,
        *,
        segmenter: Segmenter | None = None,
        head_chars: int = 40,
        char_weight: float = 1.0,
        word_weight: float = 1.0,
        head_weight: float = 1.0,
        alpha: float = 1e-4,
        epochs: int = 30,
        min_df: int = 2,
        balanced: bool = True,
        random_state: int = 0,
    ):
        self.segmenter = segmenter or Segmenter()
        self.head_chars = head_chars
        self.weights = {"char": char_weight, "word": word_weight, "head": head_weight}
        self.alpha = alpha
        self.epochs = epochs
        self.min_df = min_df
        self.balanced = balanced
        self.random_state = random_state
        self._views: list[_View] = []
        self._model: SGDClassifier | None = None

    # Features -----------------------------------------------------------------------------------------------

    def _analysed(self, texts: Iterable[str]) -> dict[str, list]:
        normalised = [normalise(t) for t in texts]
        return {
            "char": normalised,
            "word": [self.segmenter.cut(t) for t in normalised],
            "head": [t[: self.head_chars] for t in normalised],
        }

    def _new_vectorizer(self, view: str, min_df: int) -> TfidfVectorizer:
        common = dict(sublinear_tf=True, min_df=min_df, dtype=np.float32)
        if view == "word":
            return TfidfVectorizer(analyzer=_tokens, max_df=0.9, **common)
        if view == "char":
            return TfidfVectorizer(analyzer="char", ngram_range=(1, 2), lowercase=False, max_df=0.9, **common)
        return TfidfVectorizer(analyzer="char", ngram_range=(1, 2), lowercase=False, **common)

    def _features(self, analysed: dict[str, list]) -> sp.csr_matrix:
        blocks = [view.weight * normalize(view.vectorizer.transform(analysed[view.name])) for view in self._views]
        return normalize(sp.hstack(blocks, format="csr"))

    # Training and prediction --------------------------------------------------------------------------------

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> TextClassifier:
        """Learn from `texts` and their `labels`; returns the classifier. Needs at least two labels."""
        if len(texts) != len(labels):
            raise ValueError("文本与标签数量不一致。texts and labels differ in length.")
        if len(set(labels)) < 2:
            raise ValueError("训练数据至少需要两个类别。Training needs at least two labels.")
        analysed = self._analysed(texts)
        # A tiny training set (a test, a new centre) keeps every term rather than finding none twice.
        min_df = self.min_df if len(texts) >= 50 else 1
        self._views = []
        for name, weight in self.weights.items():
            if weight <= 0:
                continue
            vectorizer = self._new_vectorizer(name, min_df)
            vectorizer.fit(analysed[name])
            if hasattr(vectorizer, "stop_words_"):
                del vectorizer.stop_words_  # only the terms it dropped: dead weight in a saved model
            self._views.append(_View(name, weight, vectorizer))
        model = SGDClassifier(
            loss="modified_huber",
            alpha=self.alpha,
            average=True,
            max_iter=self.epochs,
            tol=None,
            class_weight="balanced" if self.balanced else None,
            random_state=self.random_state,
        )
        model.fit(self._features(analysed), np.asarray(labels))
        self._model = model
        return self

    @property
    def classes_(self) -> list[str]:
        """The labels the classifier knows, in the column order of `predict_proba`."""
        return [str(c) for c in self._trained().classes_]

    def _trained(self) -> SGDClassifier:
        if self._model is None:
            raise NotTrainedError("分类模型尚未训练。The classifier has not been trained.")
        return self._model

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """The linear model's score of each text for each label (n_texts × n_labels)."""
        model = self._trained()
        coef = model.coef_
        scores = np.empty((len(texts), coef.shape[0]))
        for i, analysed in enumerate(self._each_analysed(texts)):
            columns, values = self._row(analysed)
            scores[i] = coef[:, columns] @ values + model.intercept_
        if len(model.classes_) == 2:
            # Binary: the one score is for the second class; give the first its mirror.
            scores = np.column_stack([-scores[:, 0], scores[:, 0]])
        return scores

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Each text's probability for each label of `classes_` (rows sum to 1).

        Modified Huber probabilities (clipped margins, as scikit-learn computes
        them); a text far from every label, whose clipped margins are all zero,
        gets the softmax of its margins instead of a flat row.
        """
        scores = self.decision_function(texts)
        proba = (np.clip(scores, -1, 1) + 1) / 2
        if scores.shape[1] == 2:
            proba = (np.clip(scores[:, 1:], -1, 1) + 1) / 2
            return np.column_stack([1 - proba[:, 0], proba[:, 0]])
        sums = proba.sum(axis=1, keepdims=True)
        empty = sums[:, 0] == 0
        if empty.any():
            soft = np.exp(scores[empty] - scores[empty].max(axis=1, keepdims=True))
            proba[empty] = soft / soft.sum(axis=1, keepdims=True)
            sums[empty] = 1
        return proba / sums

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The most likely label of each text."""
        classes = self._trained().classes_
        return [str(classes[i]) for i in self.decision_function(texts).argmax(axis=1)]

    def _each_analysed(self, texts: Sequence[str]):
        for text in texts:
            analysed = self._analysed([text])
            yield {name: docs[0] for name, docs in analysed.items()}

    def _row(self, analysed: dict) -> tuple[np.ndarray, np.ndarray]:
        columns, values, offset = [], [], 0
        for view in self._views:
            c, v = view.row(analysed[view.name])
            columns.append(c + offset)
            values.append(v)
            offset += view.size
        columns, values = np.concatenate(columns), np.concatenate(values)
        norm = np.linalg.norm(values)
        return columns, (values / norm if norm else values)

    def suggest(self, text: str, k: int = 3) -> list[Suggestion]:
        """The `k` most likely labels for one text, best first, with their confidence.

        This is what an operator sees while typing an order; it answers in a few
        milliseconds on one core.
        """
        proba = self.predict_proba([text])[0]
        order = np.argsort(-proba, kind="stable")[:k]
        classes = self._trained().classes_
        return [Suggestion(str(classes[i]), round(float(proba[i]), 4)) for i in order]

    # Persistence --------------------------------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write the trained classifier to `path` (joblib; the jieba dictionary is rebuilt on load)."""
        self._trained()
        joblib.dump({"format": FORMAT_VERSION, "classifier": self}, path, compress=3)

    @classmethod
    def load(cls, path: str | Path) -> TextClassifier:
        """Read a classifier written by `save`. Only load files this centre wrote: joblib runs pickles."""
        payload = joblib.load(path)
        if not isinstance(payload, dict) or payload.get("format") != FORMAT_VERSION:
            raise ValueError(f"不是本版本保存的分类模型：{path}. Not a classifier saved by this version: {path}.")
        return payload["classifier"]
