"""Measuring the classifiers: reading labelled CSVs, cross-validation, scores and timing.

The topic benchmark is the Teddy Cup 2020 message set (docs/intelligence.md);
nothing here needs it: every function takes paths or texts.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

from rexian.intelligence.classifier import TextClassifier
from rexian.intelligence.text import order_text

ORDER_COLUMNS = ("id", "title", "text", "label")
TYPE_LABELS_PATH = Path(__file__).resolve().parent / "data" / "type_labels.csv"
APPEAL_TYPES = ("咨询", "求助", "投诉", "举报", "建议", "表扬")

# The Teddy Cup message files: file name → (id column, title column, text column).
_MESSAGE_FILES = {
    "train.csv": ("id", "title", "text"),
    "hot_messages.csv": ("留言编号", "留言主题", "留言详情"),
    "replied_messages.csv": ("留言编号", "留言主题", "留言详情"),
    "unlabeled_messages.csv": ("留言编号", "留言主题", "留言详情"),
}


class DataError(ValueError):
    """A data file that cannot be used as given; the message says why, in Chinese first."""


@dataclass(frozen=True)
class LabelledText:
    id: str
    text: str
    label: str


def read_orders_csv(path: str | Path) -> list[LabelledText]:
    """Read a CSV of labelled orders with columns `id,title,text,label` (others are ignored).

    Title and text are joined as the classifier reads an order (`order_text`);
    rows without a label or without any text are skipped, and a file with none
    left is an error.
    """
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in ORDER_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise DataError(
                    f"{path} 缺少列：{', '.join(missing)}（需要 id,title,text,label）。"
                    f" {path} lacks the columns {', '.join(missing)}."
                )
            rows = [
                LabelledText(row["id"], order_text(row["title"], row["text"]), (row["label"] or "").strip())
                for row in reader
            ]
    except FileNotFoundError:
        raise DataError(f"找不到文件：{path}。File not found: {path}.") from None
    except UnicodeDecodeError:
        raise DataError(f"{path} 不是 UTF-8 编码的 CSV。{path} is not UTF-8 CSV.") from None
    rows = [r for r in rows if r.label and r.text]
    if not rows:
        raise DataError(f"{path} 中没有带标签的数据。{path} has no labelled rows.")
    return rows


def read_type_labels(path: str | Path = TYPE_LABELS_PATH) -> list[dict[str, str]]:
    """The appeal-type labels kept in the repository: rows of `file,id,type,sample` (no texts)."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_type_training_set(data_dir: str | Path, labels_path: str | Path = TYPE_LABELS_PATH) -> list[LabelledText]:
    """Join the repository's appeal-type labels with the message texts found in `data_dir`.

    The repository keeps only ids and labels (the texts are not ours to publish);
    this puts them back together from the Teddy Cup files. A label whose message
    is missing from `data_dir` is an error, so a partial directory cannot silently
    train on fewer examples.
    """
    data_dir = Path(data_dir)
    labels = read_type_labels(labels_path)
    wanted: dict[str, set[str]] = {}
    for row in labels:
        wanted.setdefault(row["file"], set()).add(row["id"])
    texts: dict[tuple[str, str], str] = {}
    for name, ids in wanted.items():
        if name not in _MESSAGE_FILES:
            raise DataError(f"未知的留言文件：{name}。Unknown message file: {name}.")
        id_col, title_col, text_col = _MESSAGE_FILES[name]
        path = data_dir / name
        if not path.exists():
            raise DataError(f"找不到留言文件：{path}。Message file not found: {path}.")
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                if row[id_col] in ids:
                    texts[(name, row[id_col])] = order_text(row[title_col], row[text_col])
    absent = [f"{r['file']}:{r['id']}" for r in labels if (r["file"], r["id"]) not in texts]
    if absent:
        raise DataError(
            f"{data_dir} 中缺少 {len(absent)} 条已标注的留言（如 {absent[0]}）。"
            f" {len(absent)} labelled messages are missing from {data_dir}."
        )
    return [LabelledText(f"{r['file']}:{r['id']}", texts[(r["file"], r["id"])], r["type"]) for r in labels]


@dataclass
class Scores:
    """How a classifier did on a labelled set."""

    macro_f1: float
    accuracy: float
    orders: int
    ms_per_order: float | None = None
    per_label: dict[str, tuple[float, int]] = field(default_factory=dict)  # label → (F1, support)

    def summary_line(self) -> str:
        """The machine-readable line the evaluate command ends with."""
        ms = f"{self.ms_per_order:.1f}" if self.ms_per_order is not None else "nan"
        return f"macro_f1={self.macro_f1:.3f} accuracy={self.accuracy:.3f} ms_per_order={ms}"


def score(truth: Sequence[str], predicted: Sequence[str], ms_per_order: float | None = None) -> Scores:
    """Macro-F1 (over the labels that occur in `truth` or `predicted`), accuracy and per-label F1."""
    labels = sorted(set(truth) | set(predicted))
    f1s = f1_score(truth, predicted, labels=labels, average=None, zero_division=0)
    support = {label: 0 for label in labels}
    for label in truth:
        support[label] += 1
    return Scores(
        macro_f1=float(np.mean(f1s)),
        accuracy=float(accuracy_score(truth, predicted)),
        orders=len(truth),
        ms_per_order=ms_per_order,
        per_label={label: (float(f), support[label]) for label, f in zip(labels, f1s, strict=True)},
    )


def evaluate(classifier: TextClassifier, rows: Sequence[LabelledText]) -> Scores:
    """Score a trained classifier on `rows`, predicting one order at a time as an operator's screen would.

    `ms_per_order` is the mean wall time of one single-order prediction
    (normalisation, segmentation, features, model), measured on this process's core.
    """
    predicted = []
    started = time.perf_counter()
    for row in rows:
        predicted.extend(classifier.predict([row.text]))
    elapsed = time.perf_counter() - started
    return score([r.label for r in rows], predicted, ms_per_order=1000 * elapsed / len(rows))


def cross_validate(
    make_classifier: Callable[[], TextClassifier], rows: Sequence[LabelledText], *, folds: int = 5, seed: int = 0
) -> Scores:
    """Stratified k-fold cross-validation: each row is predicted by a model that never saw it."""
    texts = [r.text for r in rows]
    labels = np.array([r.label for r in rows])
    predicted = np.empty(len(rows), dtype=object)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(texts, labels):
        classifier = make_classifier().fit([texts[i] for i in train_idx], labels[train_idx].tolist())
        predicted[test_idx] = classifier.predict([texts[i] for i in test_idx])
    return score(labels.tolist(), [str(p) for p in predicted])
