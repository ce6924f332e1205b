"""Smart dispatch (智能派单): rank the units that could lead an order, with confidence.

A library: it knows unit, category and area *codes*, never the order models. The
service (`rexian.orders.smart_dispatch`) feeds it the hotline's history and asks
it for an order's top three.

Three sources of evidence are blended into one probability per unit:

* a linear model (averaged SGD, modified Huber loss, as in `classifier.py`)
  over character 1–2-gram TF-IDF of the text plus one-hot features of the
  category, each of its parents (codes are hierarchical by prefix), the area
  and the (category, area) pair;
* the history: how often each unit finally handled orders of this
  (category, area), backing off to the category alone; a unit that returned
  such an order (退单) counts against itself;
* the dispatch catalogue's lead unit for the order, when the caller passes it.

The units' own replies (办理结果) teach the linear model what each unit does: every
reply in the history is a second, lighter training document of the unit that
wrote it (`reply_weight`), since a unit's replies name its field of work (公租房
for the housing-security office, 不动产证 for the property registry) in words the
citizens' messages also use. The text features' vocabulary is still the messages'.

Corrections are learnt by weighting: an order that was returned and
re-dispatched (改派) carries its *final* unit with `correction_weight`, so
after a retrain the dispatchers' choice outweighs the catalogue's first guess.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.preprocessing import normalize

from rexian.intelligence.text import normalise

FORMAT_VERSION = 1


@dataclass(frozen=True)
class DispatchExample:  # 派单样本
    """One order of the history: what it said, where, and which unit finally led it."""

    text: str
    category_code: str
    area_code: str
    unit_code: str  # the final lead unit, after any return and re-dispatch
    weight: float = 1.0
    returned_unit_codes: tuple[str, ...] = field(default_factory=tuple)  # units that returned it (退单)
    reply: str = ""  # the final lead unit's reply (办理结果 and 处理措施), for training only


class UnitScore(NamedTuple):
    unit_code: str
    confidence: float


class NotTrainedError(RuntimeError):
    """Raised when a ranker is asked to rank before `fit`."""


def _category_features(category_code: str, area_code: str) -> dict[str, float]:
    features = {}
    if category_code:
        features[f"c={category_code}"] = 1.0
        # Catalogue codes are hierarchical by prefix (01 → 0101 → 010101): the parents generalise to rare leaves.
        for cut in range(2, len(category_code), 2):
            features[f"c{cut}={category_code[:cut]}"] = 0.5
    if area_code:
        features[f"a={area_code}"] = 1.0
        if category_code:
            features[f"ca={category_code}|{area_code}"] = 1.0
    return features


class UnitRanker:
    """Ranks lead units for an order from its text, category and area; see the module docstring."""

    def __init__(
        self,
        *,
        alpha: float = 1e-3,
        epochs: int = 20,
        text_weight: float = 1.0,
        model_weight: float = 0.5,
        history_weight: float = 0.4,
        catalogue_weight: float = 0.1,
        correction_weight: float = 3.0,
        reply_weight: float = 0.3,
        return_penalty: float = 1.0,
        history_prior: float = 1.0,
        smoothing: float = 0.02,
        random_state: int = 0,
    ):
        self.alpha = alpha
        self.epochs = epochs
        self.text_weight = text_weight
        self.model_weight = model_weight
        self.history_weight = history_weight
        self.catalogue_weight = catalogue_weight
        self.correction_weight = correction_weight
        self.reply_weight = reply_weight
        self.return_penalty = return_penalty
        self.history_prior = history_prior
        self.smoothing = smoothing
        self.random_state = random_state
        self._model: SGDClassifier | None = None

    # Training --------------------------------------------------------------------------------------------------

    def _weight(self, example: DispatchExample) -> float:
        return example.weight * (self.correction_weight if example.returned_unit_codes else 1.0)

    def _features(self, texts: Sequence[str], pairs: Sequence[tuple[str, str]]) -> sp.csr_matrix:
        text = self._tfidf.transform([normalise(t) for t in texts]) * self.text_weight
        codes = self._codes.transform([_category_features(c, a) for c, a in pairs])
        return normalize(sp.hstack([text, codes]).tocsr())

    def fit(self, examples: Iterable[DispatchExample]) -> UnitRanker:
        """Learn from the history; a correction (returned, then re-dispatched) weighs `correction_weight` times,
        and each reply is one more document of its unit at `reply_weight` times its order's weight."""
        examples = list(examples)
        units = {e.unit_code for e in examples}
        if len(units) < 2:
            raise ValueError("至少需要两个单位的派单记录才能训练。At least two units are needed to train.")
        texts = [e.text for e in examples]
        pairs = [(e.category_code, e.area_code) for e in examples]
        weights = np.array([self._weight(e) for e in examples])
        self._tfidf = TfidfVectorizer(
            analyzer="char", ngram_range=(1, 2), min_df=2 if len(examples) > 50 else 1,
            max_df=0.9 if len(examples) > 50 else 1.0,
            sublinear_tf=True,
        ).fit([normalise(t) for t in texts])
        self._codes = DictVectorizer().fit([_category_features(c, a) for c, a in pairs])
        # A reply is text only: its order's category and area are already counted once, by the order itself.
        replied = [(e, w) for e, w in zip(examples, weights) if e.reply.strip()] if self.reply_weight > 0 else []
        model = SGDClassifier(
            loss="modified_huber",
            alpha=self.alpha,
            max_iter=self.epochs,
            tol=None,
            average=True,
            random_state=self.random_state,
        )
        model.fit(
            self._features(texts + [e.reply for e, _w in replied], pairs + [("", "")] * len(replied)),
            [e.unit_code for e in examples] + [e.unit_code for e, _w in replied],
            sample_weight=np.concatenate([weights, [self.reply_weight * w for _e, w in replied]]),
        )
        self._model = model
        # History counts: the final unit earns the example's weight, a unit that returned the order loses some.
        by_pair: dict[tuple[str, str], Counter] = defaultdict(Counter)
        by_category: dict[str, Counter] = defaultdict(Counter)
        for example, weight in zip(examples, weights):
            for counter in (by_pair[(example.category_code, example.area_code)], by_category[example.category_code]):
                counter[example.unit_code] += weight
                for returned in example.returned_unit_codes:
                    counter[returned] -= self.return_penalty
        self._by_pair = {key: dict(c) for key, c in by_pair.items()}
        self._by_category = {key: dict(c) for key, c in by_category.items()}
        self._index = {code: i for i, code in enumerate(model.classes_)}
        return self

    # Ranking ---------------------------------------------------------------------------------------------------

    @property
    def units(self) -> list[str]:
        return [str(c) for c in self._trained().classes_]

    def _trained(self) -> SGDClassifier:
        if self._model is None:
            raise NotTrainedError("派单模型尚未训练。The dispatch ranker has not been trained.")
        return self._model

    def _model_proba(self, texts, pairs) -> np.ndarray:
        model = self._trained()
        features = self._features(texts, pairs)
        proba = model.predict_proba(features)
        # modified Huber gives an all-zero row far from every unit: fall back to the softmax of the margins.
        flat = proba.sum(axis=1) == 0
        if flat.any():
            margins = model.decision_function(features[flat])
            margins = np.exp(margins - margins.max(axis=1, keepdims=True))
            proba[flat] = margins / margins.sum(axis=1, keepdims=True)
        return proba

    def _history(self, category_code: str, area_code: str) -> np.ndarray | None:
        if not category_code:
            return None  # without a category the history is only the units' overall frequency: no evidence
        counts = self._by_pair.get((category_code, area_code))
        if not counts or sum(v for v in counts.values() if v > 0) < self.history_prior:
            counts = self._by_category.get(category_code)
        if not counts:
            return None
        row = np.zeros(len(self._index))
        for code, value in counts.items():
            if value > 0 and code in self._index:
                row[self._index[code]] = value
        total = row.sum()
        return row / total if total > 0 else None

    def scores(
        self,
        texts: Sequence[str],
        category_codes: Sequence[str],
        area_codes: Sequence[str],
        catalogue_unit_codes: Sequence[str | None] | None = None,
    ) -> np.ndarray:
        """The blended probability of every unit (columns in `units` order) for each order; rows sum to 1."""
        pairs = list(zip(category_codes, area_codes))
        proba = self._model_proba(texts, pairs) * self.model_weight
        catalogue = catalogue_unit_codes or [None] * len(pairs)
        for i, ((category, area), catalogue_unit) in enumerate(zip(pairs, catalogue)):
            history = self._history(category, area)
            if history is not None:
                proba[i] += self.history_weight * history
            if catalogue_unit in self._index:
                proba[i, self._index[catalogue_unit]] += self.catalogue_weight
        proba = proba / proba.sum(axis=1, keepdims=True)
        # A little mass for every unit: the history is never proof, so no unit is ever "certain" (confidence 1).
        return (1 - self.smoothing) * proba + self.smoothing / proba.shape[1]

    def rank(
        self, text: str, category_code: str, area_code: str, k: int = 3, catalogue_unit_code: str | None = None
    ) -> list[UnitScore]:
        """The `k` most likely lead units for one order, best first, each with a confidence in [0, 1]."""
        row = self.scores([text], [category_code or ""], [area_code or ""], [catalogue_unit_code])[0]
        best = np.argsort(-row, kind="stable")[:k]
        classes = self._trained().classes_
        return [UnitScore(str(classes[i]), round(float(row[i]), 4)) for i in best]

    # Persistence -----------------------------------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write the trained ranker to `path` (joblib)."""
        self._trained()
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        joblib.dump({"format": FORMAT_VERSION, "ranker": self}, path, compress=3)

    @classmethod
    def load(cls, path: str | Path) -> UnitRanker:
        """Read a ranker written by `save`. Only load files this centre wrote: joblib runs pickles."""
        payload = joblib.load(path)
        if not isinstance(payload, dict) or payload.get("format") != FORMAT_VERSION or "ranker" not in payload:
            raise ValueError(f"不是本版本保存的派单模型：{path}. Not a dispatch ranker saved by this version: {path}.")
        return payload["ranker"]


def top_k_accuracy(ranker: UnitRanker, examples: Sequence[DispatchExample], catalogue=None) -> tuple[float, float]:
    """Top-1 and top-3 accuracy of `ranker` on `examples`; `catalogue(category, area)` gives the catalogue's unit."""
    if not examples:
        return 0.0, 0.0
    catalogue_units = [catalogue(e.category_code, e.area_code) if catalogue else None for e in examples]
    top1 = top3 = 0
    classes = np.array(ranker.units)
    for start in range(0, len(examples), 2000):
        chunk = examples[start : start + 2000]
        rows = ranker.scores(
            [e.text for e in chunk],
            [e.category_code for e in chunk],
            [e.area_code for e in chunk],
            catalogue_units[start : start + 2000],
        )
        best = classes[np.argsort(-rows, axis=1, kind="stable")[:, :3]]
        for example, row in zip(chunk, best):
            top1 += row[0] == example.unit_code
            top3 += example.unit_code in row
    return top1 / len(examples), top3 / len(examples)
