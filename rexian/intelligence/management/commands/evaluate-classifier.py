"""`rexian evaluate-classifier`: train a text classifier and score it on a labelled CSV.

    rexian evaluate-classifier --train TRAIN.csv --test TEST.csv            # topic (category)
    rexian evaluate-classifier --target type --test TEST.csv [--data-dir DIR]

CSV files have the columns `id,title,text,label` (more columns are ignored).
The topic model trains on --train; the appeal-type model on the repository's
labels (rexian/intelligence/data/type_labels.csv) joined with the messages in
--data-dir. `--cv K` also prints K-fold cross-validation on the training set.
The last line is exactly `macro_f1=0.xxx accuracy=0.xxx ms_per_order=x.x`, with
ms_per_order measured by predicting the test orders one at a time.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from rexian.intelligence.classifier import TextClassifier
from rexian.intelligence.evaluation import (
    DataError,
    Scores,
    cross_validate,
    evaluate,
    load_type_training_set,
    read_orders_csv,
)
from rexian.intelligence.text import Segmenter, demo_city_words

DEFAULT_DATA_DIR = "../shared/data/teddycup2020"

# The settings chosen by cross-validation (docs/intelligence.md): the small type set needs more regularisation.
SETTINGS = {
    "topic": {},
    "type": {"alpha": 1e-3},
}


def make_classifier(target: str, segmenter: Segmenter) -> TextClassifier:
    """A fresh, untrained classifier with the measured settings for `target` ("topic" or "type")."""
    return TextClassifier(segmenter=segmenter, **SETTINGS[target])


class Command(BaseCommand):
    help = "训练并评估文本分类模型（诉求分类或诉求类型）。Train a text classifier and score it on a labelled CSV."

    def add_arguments(self, parser):
        parser.add_argument("--target", choices=sorted(SETTINGS), default="topic", help="topic (default) or type")
        parser.add_argument("--train", help="training CSV (id,title,text,label); required for --target topic")
        parser.add_argument("--test", required=True, help="CSV to score (id,title,text,label)")
        parser.add_argument(
            "--data-dir",
            default=DEFAULT_DATA_DIR,
            help=f"Teddy Cup message files for --target type (default {DEFAULT_DATA_DIR})",
        )
        parser.add_argument(
            "--cv", type=int, default=0, metavar="K", help="also cross-validate K folds on the training set"
        )
        parser.add_argument("--save", metavar="PATH", help="write the trained model to PATH (joblib)")

    def handle(
        self, *args, target: str, train: str | None, test: str, data_dir: str, cv: int, save: str | None, **options
    ):
        console = Console(file=self.stdout, highlight=False, soft_wrap=True)
        if cv == 1 or cv < 0:
            raise CommandError("--cv 至少为 2 折。--cv needs at least 2 folds.")
        try:
            if target == "topic":
                if not train:
                    raise CommandError("诉求分类需要 --train 训练文件。--target topic needs --train.")
                training = read_orders_csv(train)
                source = train
            else:
                training = load_type_training_set(data_dir)
                source = f"type_labels.csv + {Path(data_dir)}"
            testing = read_orders_csv(test)
        except DataError as error:
            raise CommandError(str(error)) from None

        if len({r.label for r in training}) < 2:
            raise CommandError("训练数据至少需要两个类别。Training needs at least two labels.")
        segmenter = Segmenter(demo_city_words())
        console.print(
            f"训练 training: {len(training):,} orders from {source}; {len({r.label for r in training})} labels"
        )
        try:
            if cv:
                scores = cross_validate(lambda: make_classifier(target, segmenter), training, folds=cv)
                console.print(f"{cv} 折交叉验证 {cv}-fold cross-validation:")
                self._table(console, scores)
                console.print(f"cv_macro_f1={scores.macro_f1:.3f} cv_accuracy={scores.accuracy:.3f}")
            started = time.perf_counter()
            classifier = make_classifier(target, segmenter).fit([r.text for r in training], [r.label for r in training])
        except ValueError as error:  # too few examples of a label for K folds, and the like
            raise CommandError(f"无法训练：{error}。Cannot train: {error}.") from None
        train_seconds = time.perf_counter() - started
        console.print(f"训练用时 training time: {train_seconds:.1f} s")
        if save:
            classifier.save(save)
            console.print(f"模型已保存 model saved: {save}")

        unknown = sorted({r.label for r in testing} - set(classifier.classes_))
        if unknown:
            console.print(f"[yellow]测试集中有训练时未见的标签 labels never seen in training: {', '.join(unknown)}[/]")
        scores = evaluate(classifier, testing)
        console.print(f"测试 test: {scores.orders:,} orders from {test}")
        self._table(console, scores)
        self.stdout.write(scores.summary_line())

    @staticmethod
    def _table(console: Console, scores: Scores) -> None:
        table = Table(show_header=True)
        table.add_column("标签 label")
        table.add_column("F1", justify="right")
        table.add_column("样本 support", justify="right")
        for label, (f1, support) in sorted(scores.per_label.items()):
            table.add_row(label, f"{f1:.3f}", f"{support:,}")
        console.print(table)
