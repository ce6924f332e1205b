"""Benchmark the topic classifier: training time on N orders and single-order inference time.

    .venv/bin/python bench/classifier.py                          # 10,000 orders
    .venv/bin/python bench/classifier.py --orders 20000 --data-dir ../shared/data/teddycup2020

The Teddy Cup files hold 2,168 labelled messages (train.csv) and 9,943 unlabelled
ones (hot, replied and unlabelled messages). To train on N real texts the bench
labels the unlabelled messages with a model trained on train.csv (pseudo-labels:
the timing depends on the texts and the number of labels, not on whether the
labels are right), takes train.csv plus as many of those as needed, and repeats
the set when N is larger than both. It then prints:

* data: orders, labels, mean characters per order, vocabulary of each view, model size;
* train: wall and CPU seconds of `TextClassifier.fit` on the N orders (target: under 2 minutes);
* inference: `suggest` on one order at a time (as the operator's screen calls it),
  p50/p95/mean in wall and CPU milliseconds (target: under 10 ms on one core), and
  batch throughput of `predict`.

Never fails on timing; the last lines are `BENCH {json}` for scripts. On a shared
machine the wall times include other processes' load: the CPU times do not.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# One core, as the target says: no BLAS threads (the sparse work is single-threaded anyway).
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

from rexian.intelligence.classifier import TextClassifier  # noqa: E402
from rexian.intelligence.evaluation import read_orders_csv  # noqa: E402
from rexian.intelligence.text import Segmenter, demo_city_words, order_text  # noqa: E402

MESSAGE_FILES = ("hot_messages.csv", "replied_messages.csv", "unlabeled_messages.csv")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=10_000, help="orders to train on (default 10000)")
    parser.add_argument("--data-dir", default=str(REPO.parent / "shared" / "data" / "teddycup2020"))
    parser.add_argument("--samples", type=int, default=500, help="single-order predictions timed (default 500)")
    return parser.parse_args(argv)


def load_unlabelled(data_dir: Path) -> list[str]:
    texts = []
    for name in MESSAGE_FILES:
        with (data_dir / name).open(encoding="utf-8-sig", newline="") as handle:
            texts.extend(order_text(row["留言主题"], row["留言详情"]) for row in csv.DictReader(handle))
    return texts


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv=None) -> None:
    args = parse_args(argv)
    data_dir = Path(args.data_dir)
    if not (data_dir / "train.csv").exists():
        sys.exit(f"找不到 {data_dir / 'train.csv'}（--data-dir）。No train.csv in {data_dir}.")
    segmenter = Segmenter(demo_city_words())
    labelled = read_orders_csv(data_dir / "train.csv")
    texts, labels = [r.text for r in labelled], [r.label for r in labelled]
    unlabelled = load_unlabelled(data_dir)

    print(f"pseudo-labelling {len(unlabelled):,} unlabelled messages with a model trained on train.csv …", flush=True)
    seed_model = TextClassifier(segmenter=segmenter).fit(texts, labels)
    pseudo = seed_model.predict(unlabelled)
    pool_texts, pool_labels = texts + unlabelled, labels + pseudo
    train_texts = [pool_texts[i % len(pool_texts)] for i in range(args.orders)]
    train_labels = [pool_labels[i % len(pool_labels)] for i in range(args.orders)]

    wall, cpu = time.perf_counter(), time.process_time()
    model = TextClassifier(segmenter=segmenter).fit(train_texts, train_labels)
    train_wall, train_cpu = time.perf_counter() - wall, time.process_time() - cpu

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "topic.joblib"
        model.save(path)
        model_bytes = path.stat().st_size
        model = TextClassifier.load(path)

    probe = [unlabelled[i * 7 % len(unlabelled)] for i in range(args.samples)]
    model.suggest(probe[0])  # the first call builds the loaded model's jieba dictionary
    walls, cpus = [], []
    for text in probe:
        w, c = time.perf_counter(), time.process_time()
        model.suggest(text)
        walls.append(1000 * (time.perf_counter() - w))
        cpus.append(1000 * (time.process_time() - c))
    w = time.perf_counter()
    model.predict(probe)
    batch_per_s = len(probe) / (time.perf_counter() - w)

    chars = statistics.mean(len(t) for t in train_texts)
    vocab = {view.name: view.size for view in model._views}
    print(
        f"data: {args.orders:,} orders ({len(set(train_texts)):,} distinct texts: {len(labelled):,} labelled, "
        f"the rest pseudo-labelled), {len(set(train_labels))} labels, {chars:.0f} characters per order on average"
    )
    print(
        "vocabulary: " + ", ".join(f"{k} {v:,}" for k, v in vocab.items()) + f"; model file {model_bytes / 1e6:.1f} MB"
    )
    print(f"train: {train_wall:.1f} s wall, {train_cpu:.1f} s CPU for {args.orders:,} orders (target < 120 s)")
    print(
        f"suggest, one order at a time ({len(probe)} orders): wall p50 {percentile(walls, 0.5):.2f} ms, "
        f"p95 {percentile(walls, 0.95):.2f} ms, mean {statistics.mean(walls):.2f} ms; "
        f"CPU mean {statistics.mean(cpus):.2f} ms (target < 10 ms)"
    )
    print(f"predict in one batch: {batch_per_s:,.0f} orders/s")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        "BENCH "
        + json.dumps(
            {
                "metric": "classifier_train",
                "orders": args.orders,
                "wall_s": round(train_wall, 2),
                "cpu_s": round(train_cpu, 2),
                "labels": len(set(train_labels)),
                "chars_per_order": round(chars),
                "vocabulary": vocab,
                "model_bytes": model_bytes,
            }
        )
    )
    print(
        "BENCH "
        + json.dumps(
            {
                "metric": "classifier_suggest",
                "samples": len(probe),
                "p50_ms": round(percentile(walls, 0.5), 2),
                "p95_ms": round(percentile(walls, 0.95), 2),
                "mean_ms": round(statistics.mean(walls), 2),
                "cpu_mean_ms": round(statistics.mean(cpus), 2),
                "batch_per_s": round(batch_per_s),
            }
        )
    )


if __name__ == "__main__":
    main()
