"""Duplicate requests (重复诉求): precision and recall on real messages, and the look-up's latency at N orders.

    .venv/bin/python bench/duplicates.py --messages ../shared/data/teddycup2020/hot_messages.csv
    .venv/bin/python bench/duplicates.py --messages … --db /tmp/rexian-bench-1000000.sqlite3

**Quality.** The Teddy Cup 2020 hot messages (留言编号, 留言用户, 留言主题, 留言时间, 留言详情, …) hold
requests posted more than once. The ground truth is every pair of messages that are the same
request, by this rule (texts normalised as the ranker does: NFKC, lower case, digits → 0,
punctuation and spaces removed):

* the details are identical and at least MIN_DETAIL characters long, or
* the titles' character-bigram Jaccard is at least GT_TITLE and the details' at least GT_DETAIL.

A broad ground truth adds near-same details under a rewritten title (details' Jaccard ≥ GT_DETAIL,
any title): reposts an operator would merge; both are reported.

Each message is then a new request, looked up against the messages posted before it in the last
`--days` days, as `rexian.orders.selectors.duplicates.duplicate_candidates` does: candidates are the messages
of the same user (same caller), naming the same district (same place: the first "A<n>区/县/市"
in title or detail; none, unknown), or holding every word-index term of one of the new message's
text probes (`rexian.orders.search.text_probes`: runs of neighbouring bigrams of the title and of
the detail's opening; the newest `DUPLICATE_TEXT_CAP` of them), ranked by
`rexian.intelligence.duplicates.rank_candidates`. `--no-text-probes` leaves the probes out (the
fetch before they were added).
A pair is predicted when the earlier message is listed with a score at or above the threshold.
The table also shows the ranker over every earlier message of the window ("text only"), to tell
the ranker's misses from the candidate fetch's.

**Speed.** With `--db` (a database kept by `bench/orders.py --keep`), `duplicate_candidates` is
timed for an operator on random callers' phones, towns and order titles: p50 / p95 / max.

The data is read in place and never copied into the repository. Never fails on timing.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from rexian.intelligence import duplicates as dup  # noqa: E402  (pure Python: no Django needed)

GT_TITLE = 0.8
GT_DETAIL = 0.8
MIN_DETAIL = 20
_PLACE = re.compile(r"A\d+[区县市]")
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def parse_time(text: str) -> dt.datetime:
    text = text.strip()
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            pass
    raise ValueError(f"unreadable time {text!r}")


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    messages = []
    for row in rows:
        title, detail = row["留言主题"] or "", row["留言详情"] or ""
        place = _PLACE.search(title) or _PLACE.search(detail)
        messages.append(
            {
                "id": row["留言编号"],
                "user": row["留言用户"],
                "at": parse_time(row["留言时间"]),
                "title": title,
                "detail": detail,
                "place": place.group(0) if place else "",
                "title_key": _NOT_WORD.sub("", dup.normalise(title)),
                "detail_key": _NOT_WORD.sub("", dup.normalise(detail)),
            }
        )
    messages.sort(key=lambda m: (m["at"], m["id"]))
    return messages


def _jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _similar_pairs(sets: list[frozenset], threshold: float) -> set[tuple[int, int]]:
    """Pairs (i < j) whose sets' Jaccard is at least `threshold` (prefix filtering: such a pair shares one of
    each set's rarest (1 − threshold)·|set| + 1 members, so a full all-pairs scan of 9 million is not needed)."""
    postings: dict[str, list[int]] = {}
    for i, grams in enumerate(sets):
        for gram in grams:
            postings.setdefault(gram, []).append(i)
    pairs = set()
    for i, grams in enumerate(sets):
        if not grams:
            continue
        rare = sorted(grams, key=lambda g: (len(postings[g]), g))[: int(len(grams) * (1 - threshold)) + 1]
        for j in {j for g in rare for j in postings[g] if j > i}:
            if _jaccard(grams, sets[j]) >= threshold:
                pairs.add((i, j))
    return pairs


def _groups(pairs: set[tuple[int, int]], n: int) -> int:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    return len({find(i) for pair in pairs for i in pair})


def ground_truth(messages: list[dict], *, broad: bool = False) -> tuple[set[tuple[int, int]], int]:
    """Pairs (earlier index, later index) of the same request, and the number of groups they form.

    Strict (the issue's "same or near-same title and detail"): identical details of MIN_DETAIL characters or
    more, or title Jaccard ≥ GT_TITLE and detail Jaccard ≥ GT_DETAIL. Broad: also a near-same detail under a
    rewritten title (detail Jaccard ≥ GT_DETAIL whatever the title).
    """
    titles = [dup.shingles(m["title"]) for m in messages]
    details = [dup.shingles(m["detail"]) for m in messages]
    by_detail: dict[str, list[int]] = {}
    for i, m in enumerate(messages):
        if len(m["detail_key"]) >= MIN_DETAIL:
            by_detail.setdefault(m["detail_key"], []).append(i)
    pairs: set[tuple[int, int]] = set()
    for members in by_detail.values():
        pairs.update((a, b) for n, a in enumerate(members) for b in members[n + 1 :])
    near_details = _similar_pairs(details, GT_DETAIL)
    if broad:
        pairs |= near_details
    else:
        pairs |= {(i, j) for i, j in near_details if _jaccard(titles[i], titles[j]) >= GT_TITLE}
    return pairs, _groups(pairs, len(messages))


def predictions(messages: list[dict], days: int, *, text_only: bool, probes: bool = True) -> dict:
    """Each message against the earlier ones of the window: {(earlier, later): score} of the listed pairs."""
    from rexian.orders import search
    from rexian.orders.selectors import DUPLICATE_TEXT_CAP

    texts = [dup.shingles(f"{m['title']}。{m['detail']}") for m in messages]
    terms = [frozenset(search.text_terms(m["title"], m["detail"])) for m in messages]
    listed: dict[tuple[int, int], float] = {}
    start = 0
    for q, m in enumerate(messages):
        while messages[start]["at"] < m["at"] - dt.timedelta(days=days):
            start += 1
        own = [frozenset(p) for p in search.text_probes(m["title"], m["detail"])] if probes else []
        by_text = set([c for c in range(start, q) if any(p <= terms[c] for p in own)][-DUPLICATE_TEXT_CAP:])
        candidates = []
        for c in range(start, q):
            earlier = messages[c]
            same_caller = earlier["user"] == m["user"]
            same_place = bool(m["place"]) and earlier["place"] == m["place"]
            if not (text_only or same_caller or same_place or c in by_text):
                continue
            age = (m["at"] - earlier["at"]).total_seconds() / 86400
            candidates.append(dup.Candidate(c, texts[c], same_caller, same_place, age))
        for hit in dup.rank_candidates(texts[q], candidates):
            listed[(hit.id, q)] = hit.score
    return listed


def pr_table(listed: dict, truth: set, thresholds: list[float]) -> list[dict]:
    rows = []
    for threshold in thresholds:
        predicted = {pair for pair, score in listed.items() if score >= threshold}
        hits = len(predicted & truth)
        rows.append(
            {
                "threshold": threshold,
                "predicted": len(predicted),
                "true_positives": hits,
                "precision": hits / len(predicted) if predicted else 1.0,
                "recall": hits / len(truth) if truth else 1.0,
            }
        )
    return rows


def quality(args) -> list[dict]:
    import django
    from django.apps import apps

    if not apps.ready:  # the text probes' terms come from rexian.orders.search; no database is read
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rexian.settings")
        os.environ.setdefault("REXIAN_SECRET_KEY", "bench-only")
        os.environ.setdefault("REXIAN_DATA_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
        django.setup()
    messages = load(Path(args.messages))
    truth, groups = ground_truth(messages)
    broad, broad_groups = ground_truth(messages, broad=True)
    window = {(a, b) for a, b in truth if messages[b]["at"] - messages[a]["at"] <= dt.timedelta(days=args.days)}
    same_user = sum(1 for a, b in truth if messages[a]["user"] == messages[b]["user"])
    same_place = sum(1 for a, b in truth if messages[a]["place"] and messages[a]["place"] == messages[b]["place"])
    print(f"messages: {len(messages)} ({messages[0]['at']:%Y-%m-%d} – {messages[-1]['at']:%Y-%m-%d}), "
          f"with a district: {sum(1 for m in messages if m['place'])}, users: {len({m['user'] for m in messages})}")
    print(f"ground truth: {len(truth)} duplicate pairs in {groups} groups; "
          f"{len(window)} pairs within {args.days} days; {same_user} by the same user, "
          f"{same_place} naming the same district")
    print(f"broad ground truth (near-same detail, any title): {len(broad)} pairs in {broad_groups} groups")
    thresholds = [0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8]
    results = []
    fetch = "same caller or place" if args.no_text_probes else "same caller, place or a text probe"
    for label, text_only in ((f"candidates ({fetch})", False), ("text only (every earlier message)", True)):
        started = time.perf_counter()
        listed = predictions(messages, args.days, text_only=text_only, probes=not args.no_text_probes)
        elapsed = time.perf_counter() - started
        print(f"\n{label}: {len(listed)} pairs listed, {elapsed / len(messages) * 1000:.2f} ms per message")
        print(f"{'threshold':>9} {'predicted':>9} {'TP':>5} {'precision':>9} {'recall':>7} {'recall@window':>13}"
              f" {'broad P':>8} {'broad R':>8}")
        tables = zip(pr_table(listed, truth, thresholds), pr_table(listed, window, thresholds),
                     pr_table(listed, broad, thresholds))
        for row, row_w, row_b in tables:
            mark = " ←" if row["threshold"] == dup.DUPLICATE_SCORE else ""
            print(f"{row['threshold']:>9.2f} {row['predicted']:>9} {row['true_positives']:>5} "
                  f"{row['precision']:>9.3f} {row['recall']:>7.3f} {row_w['recall']:>13.3f} "
                  f"{row_b['precision']:>8.3f} {row_b['recall']:>8.3f}{mark}")
            if row["threshold"] == dup.DUPLICATE_SCORE:
                metric = f"duplicates_{'text' if text_only else 'candidates'}"
                results.append({"metric": metric, "messages": len(messages),
                                "pairs": len(truth), "window_pairs": len(window), "threshold": row["threshold"],
                                "precision": round(row["precision"], 3), "recall": round(row["recall"], 3),
                                "recall_window": round(row_w["recall"], 3), "broad_pairs": len(broad),
                                "broad_precision": round(row_b["precision"], 3),
                                "broad_recall": round(row_b["recall"], 3)})
    return results


def speed(args) -> dict:
    from orders import configure_environment, prepare_target

    target = prepare_target(argparse.Namespace(database_url=args.database_url, db=args.db, reuse=True, orders=0))
    configure_environment(target, argparse.Namespace(reuse=True, keep=False))
    import django

    django.setup()
    from rexian.orders import selectors
    from rexian.orders.models import WorkOrder
    from rexian.units.models import Role, Unit, User

    operator = User.objects.filter(role=Role.OPERATOR).order_by("pk").first()
    towns = list(Unit.objects.filter(kind=Unit.Kind.TOWN))
    n = WorkOrder.objects.count()
    top = WorkOrder.objects.order_by("-pk").values_list("pk", flat=True).first()
    rng = random.Random(args.seed)
    # Real callers' phones (decrypted) and real order texts, from orders picked at random.
    sample = list(
        WorkOrder.objects.filter(pk__in=[rng.randint(1, top) for _ in range(300)]).only(
            "caller_phone", "title", "description", "registered_at"
        )
    )
    phones = [o.caller_phone for o in sample if o.caller_phone]
    titles = [(o.title, o.description) for o in sample]
    if args.explain:
        from django.db import connection

        with connection.cursor() as cursor:
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as captured:
                selectors.duplicate_candidates(user=operator, phone=phones[0], area=towns[0], title=titles[0][0],
                                               description=titles[0][1])
            for query in captured.captured_queries:
                if "orders_workorder" in query["sql"]:
                    print(query["sql"][:400])
                    cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
                    for row in cursor.fetchall():
                        print("   ", row[-1])

    def call():
        title, description = rng.choice(titles)
        return selectors.duplicate_candidates(
            user=operator, phone=rng.choice(phones), area=rng.choice(towns), title=title, description=description
        )

    for _ in range(args.warmup):
        call()
    timings, cpu, sizes = [], [], []
    for _ in range(args.samples):
        started, started_cpu = time.perf_counter(), time.process_time()
        hits = call()
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)  # SQLite runs in-process: SQL included; not PostgreSQL
        sizes.append(len(hits))
    timings.sort()
    cpu.sort()

    def q(p):
        return timings[min(len(timings) - 1, int(p * len(timings)))]

    result = {"metric": "duplicate_candidates", "orders": n, "samples": len(timings), "p50_ms": round(q(0.5), 2),
              "p95_ms": round(q(0.95), 2), "max_ms": round(timings[-1], 2), "cpu_p50_ms": round(cpu[len(cpu) // 2], 2),
              "cpu_p95_ms": round(cpu[min(len(cpu) - 1, int(0.95 * len(cpu)))], 2), "avg_hits": sum(sizes) / len(sizes),
              "load_average": round(os.getloadavg()[0], 1)}
    print(f"\nduplicate_candidates at {n:,} orders ({target.label}): p50 {result['p50_ms']} ms, "
          f"p95 {result['p95_ms']} ms, max {result['max_ms']} ms (CPU p50 {result['cpu_p50_ms']} ms, "
          f"p95 {result['cpu_p95_ms']} ms), {result['avg_hits']:.1f} hits on average, load {result['load_average']}")
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", help="hot_messages.csv of the Teddy Cup 2020 data")
    parser.add_argument("--days", type=int, default=30, help="look-back window in days (default 30)")
    parser.add_argument("--db", help="SQLite database kept by bench/orders.py --keep, to time the look-up")
    parser.add_argument("--database-url", help="or a PostgreSQL database kept by bench/orders.py --keep")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=12345, help="random seed")
    parser.add_argument("--explain", action="store_true", help="print the look-up's queries and their plans")
    parser.add_argument("--no-text-probes", action="store_true", help="fetch by caller and place only (as before)")
    args = parser.parse_args(argv)
    if not args.messages and not (args.db or args.database_url):
        parser.error("give --messages, --db (or --database-url) or both")
    results = []
    if args.db or args.database_url:  # first: it points the settings at the database, which quality does not use
        os.environ.setdefault("REXIAN_LOG_LEVEL", "WARNING")
        results.append(speed(args))
    if args.messages:
        results = quality(args) + results
    for result in results:
        print("BENCH " + json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
