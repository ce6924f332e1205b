"""Measure the live suggestions (智能建议) on the demo city: category, appeal type and urgency.

    .venv/bin/python bench/suggestions.py --demo-db /tmp/demo.sqlite3 [--orders 20000]

Point `--demo-db` at a SQLite file loaded with `rexian demo`. The bench reads the newest `--orders`
orders through `rexian.orders.selectors.training.classification_training_examples` (as `rexian train` does),
trains the same `TextClassifier` on the oldest 80% and scores it on the newest 20% (time order):

* category and appeal type: top-1 and top-3 accuracy;
* urgency: top-1 accuracy, and the flag the intake page shows (「可能紧急」: the likeliest urgency is
  above the least urgent one): how many test orders are flagged, how many of the orders recorded as
  urgent or critical are flagged (recall), and how many flagged orders were recorded so (precision);
  beside it, the share of urgent or critical orders in the test part (what always flagging would give
  as precision).

The demo city draws each order's urgency at random from its category's level (a gas-safety call is
特急 in about one case in eight), so the text cannot tell which calls of a kind were urgent: the flag's
figures show what a kind-of-request flag gives, not what a real centre's texts would allow.
Prints `BENCH {json}` last.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def measure(label: str, limit: int) -> dict:
    from collections import Counter

    import numpy as np

    from rexian.intelligence.classifier import TextClassifier
    from rexian.intelligence.text import order_text
    from rexian.orders.selectors import classification_training_examples

    rows = classification_training_examples(label=label, limit=limit)
    texts = [order_text(title, text) for title, text, _code in rows]
    labels = np.array([code for _title, _text, code in rows])
    cut = int(len(rows) * 0.8)
    started = time.process_time()
    model = TextClassifier().fit(texts[:cut], list(labels[:cut]))
    fit_s = time.process_time() - started
    proba = model.predict_proba(texts[cut:])
    classes = np.array(model.classes_)
    best = classes[np.argsort(-proba, axis=1)[:, :3]]
    truth = labels[cut:]
    figures = {
        "orders": len(rows),
        "train": cut,
        "test": len(truth),
        "labels": len(classes),
        "top1": round(float(np.mean(best[:, 0] == truth)), 3),
        "top3": round(float(np.mean([t in row for t, row in zip(truth, best)])), 3),
        "majority_top1": round(float(np.mean(truth == Counter(labels[:cut]).most_common(1)[0][0])), 3),
        "fit_cpu_s": round(fit_s, 1),
    }
    if label == "urgency":
        from rexian.catalog.models import Urgency

        least = Urgency.objects.order_by("rank", "pk").values_list("code", flat=True).first()
        flagged = best[:, 0] != least
        urgent = truth != least
        figures.update(
            flagged_share=round(float(flagged.mean()), 3),
            urgent_share=round(float(urgent.mean()), 3),
            flag_recall=round(float(flagged[urgent].mean()) if urgent.any() else 0.0, 3),
            flag_precision=round(float(urgent[flagged].mean()) if flagged.any() else 0.0, 3),
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo-db", required=True, help="SQLite file loaded with `rexian demo`")
    parser.add_argument("--orders", type=int, default=20_000, help="newest orders per model (default 20000)")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(args.demo_db).resolve()}"
    os.environ.setdefault("REXIAN_SECRET_KEY", "bench-only")
    os.environ.setdefault("REXIAN_DATA_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rexian.settings")
    import django

    django.setup()
    result = {}
    for label in ("category", "appeal_type", "urgency"):
        result[label] = measure(label, args.orders)
        print(f"{label}:", json.dumps(result[label], ensure_ascii=False), flush=True)
    print("BENCH " + json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
