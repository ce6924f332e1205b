"""Measure smart dispatch (智能派单): top-1 and top-3 accuracy of `UnitRanker` on two sets.

    .venv/bin/python bench/dispatch.py --demo-db /tmp/demo.sqlite3 --data-dir ../shared/data/teddycup2020

(a) **Demo city.** The orders of a database loaded with `rexian demo` (point
    `--demo-db` at its SQLite file; the bench sets DATABASE_URL to it). Examples
    come from `rexian.orders.selectors.dispatch_training_examples`; the first 80%
    by `registered_at` train, the last 20% test. Printed beside the ranker: the
    dispatch catalogue alone (its lead unit as the only guess) and the ranker
    without the catalogue prior.

(b) **Teddy Cup replies.** `replied_messages.csv` has no unit column, but the
    reply usually names the handling unit. `handling_unit(reply)` extracts it
    (see its docstring), `unit_name` normalises it, units with fewer than
    `--min-examples` messages are dropped, and the rest are split by time
    (first 80% by message time train, last 20% test) and also stratified
    (80/20, `random_state=0`). There is no category or area here: the ranker
    sees the message's title and text only.

Prints `BENCH {json}` last. Never writes message texts anywhere.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# --- (b) The handling unit named in a reply ---------------------------------------------------------------------

_SUFFIX = (
    "人民政府|政府|管理委员会|委员会|局|委|办公室|办事处|办|中心|公司|集团|街道|镇|乡|大队|中队|支队|分局|派出所|管理所|管理处|站|医院|院|厅|残联"
)
_STOP = r"，。：！、\s“”\"；,:!（）()《》·？?　"
_NAME = rf"[^{_STOP}]{{1,14}}?(?:{_SUFFIX})"
_DATE = r"\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日?)?"
# Ordered by how reliably they name the unit that handled the message.
_PATTERNS = [
    # the signature: "… A7县环境保护局 2014年2月26日" or the last words of the reply
    re.compile(rf"(?:^|[{_STOP}])({_NAME})[\s\xa0]*(?:{_DATE})?[\s\xa0。]*$"),
    # "经X调查/核实", "X迅速进行了调查", "由X办理/负责", "转至X", "X答复如下"
    re.compile(
        rf"(?:^|[{_STOP}])(?:经|由|请)?({_NAME})(?:迅速|立即|及时|高度重视|认真|已|对此|组织|会同)*"
        r"(?:进行了?|开展了?)?(?:调查|核实|核查|了解|查实|处理|办理)"
    ),
    re.compile(rf"(?:转至|转交至?|转给|转由|交由|由)({_NAME})(?:办理|处理|调查|负责|核实|答复)?"),
    re.compile(rf"(?:^|[{_STOP}])({_NAME})(?:现)?(?:将有关情况)?(?:答复|回复)(?:如下|您)"),
    re.compile(rf"(?:^|[{_STOP}])({_NAME})(?:十分|高度|非常)重视"),
    re.compile(rf"感谢您对({_NAME})(?:工作)?的"),
    # last resort: the first unit-like name after a punctuation mark
    re.compile(rf"(?:^|[{_STOP}])({_NAME})"),
]
_LEADING_NOISE = re.compile(
    r"^(?:.*?(?:已转交?至?|转交至?|转至|转到|转由|交由))"
    r"|^(?:经|由|到|报|于前期|感谢|请|现|目前正在报|已|根据|按照|同时|立即安排|立即|并|向|在)+"
)
_NOT_A_UNIT = re.compile(
    r"^(?:贵|该|此|相关|有关|各|上级|政府$|物业|开发|建设单位|施工|业主|小区|学校$|医院$|公司$|中心$|办$|乡镇$|街道$|城乡|城镇|民办|业委|村委|国务院)|[我您你本\[\]]|部门|单位"
)
_PLACE_PREFIX = re.compile(r"^(?:西地省|[A-Z]\d*[市区县]|[省市区县](?!委|政府$))+")
_SYNONYMS = [
    ("管理委员会", "管委会"),
    ("委员会", "委"),
    ("人民政府", "政府"),
    ("街道办事处", "街道"),
    ("办事处", "街道"),
    ("办公室", "办"),
    ("城市管理和行政执法局", "城管局"),
    ("城市管理局", "城管局"),
    ("行政执法局", "城管局"),
    ("环境保护局", "环保局"),
    ("人力资源和社会保障局", "人社局"),
    ("人力资源与社会保障局", "人社局"),
    ("住房和城乡建设局", "住建局"),
    ("住房城乡建设局", "住建局"),
    ("国土资源局", "自然资源局"),
    ("自然资源和规划局", "自然资源局"),
    ("卫生和计划生育委", "卫健委"),
    ("卫生健康委", "卫健委"),
    ("公安局交通警察支队", "交警支队"),
    ("交通警察", "交警"),
    ("公安局交警", "交警"),
    ("交通运输局", "交通局"),
    ("发展和改革委", "发改委"),
    ("发展改革委", "发改委"),
    ("发改局", "发改委"),
    ("教育体育局", "教育局"),
    ("城乡规划局", "规划局"),
    ("房产管理局", "房产局"),
    ("镇政府", "镇"),
    ("乡政府", "乡"),
]


def unit_name(raw: str) -> str:
    """The canonical form of a unit's name as written in a reply.

    Strips the pseudonymised province, city, district and county prefixes
    (西地省, A市, A3区, K7县, and a bare 市/区/县 before the name), so that A市教育局,
    市教育局 and K7县教育局 are all 教育局; then spells long forms short
    (委员会 → 委, 人民政府 → 政府, 街道办事处 → 街道, 办公室 → 办, the usual short
    names of 城管, 环保, 人社, 住建, 自然资源, 卫健, 交警). This merges the same kind of
    bureau across districts: the set measures which *kind* of unit handles a
    message, not which district's.
    """
    name = re.sub(r"[\s\xa0]", "", raw)
    name = _LEADING_NOISE.sub("", name)
    name = _PLACE_PREFIX.sub("", name)
    for long, short in _SYNONYMS:
        name = name.replace(long, short)
    return name


def handling_unit(reply: str) -> str | None:
    """The normalised name of the unit that handled a message, read from its reply, or None.

    Tries, in order: the signature at the end of the reply (the name before the
    final date), "经X调查 / X迅速进行了调查 / 由X办理", "转至X / 交由X", and "X答复如下";
    within a pattern the first match wins. Names start after punctuation, are at
    most 15 characters and end in a unit word (局, 委, 办, 中心, 公司, 街道, 镇, 乡,
    政府, 大队, 所, 站, 院 …); 我局, 相关部门, 物业公司 and the like are not units.
    """
    text = (reply or "").replace("\n", " ").strip()
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            name = unit_name(match.group(1))
            if len(name) >= 2 and not _NOT_A_UNIT.search(name):
                return name
    return None


def replied_routing_set(path: Path, min_examples: int) -> tuple[list, dict]:
    """(examples sorted by message time, counts): the rows whose reply names a unit with ≥ min_examples rows."""
    from rexian.intelligence.dispatch import DispatchExample
    from rexian.intelligence.text import order_text

    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    found = []
    for row in rows:
        unit = handling_unit(row.get("答复意见", ""))
        if unit:
            found.append((row, unit))
    counts = Counter(unit for _row, unit in found)
    kept = [(row, unit) for row, unit in found if counts[unit] >= min_examples]

    def when(row):
        parts = re.findall(r"\d+", row.get("留言时间", ""))
        return tuple(int(p) for p in parts[:6]) if parts else ()

    kept.sort(key=lambda pair: when(pair[0]))
    examples = [
        DispatchExample(order_text(row.get("留言主题", ""), row.get("留言详情", "")), "", "", unit) for row, unit in kept
    ]
    figures = {
        "rows": len(rows),
        "unit_found": len(found),
        "distinct_units": len(counts),
        "kept_rows": len(kept),
        "kept_units": len({u for _r, u in kept}),
        "min_examples": min_examples,
    }
    return examples, figures


def _measure(ranker_factory, train, test, catalogue=None, threshold: float = 0.9) -> dict:
    """Top-1/top-3 on `test`, and what auto-dispatch at `threshold` would do: share dispatched, share right."""
    from rexian.intelligence.dispatch import top_k_accuracy

    started = time.process_time()
    ranker = ranker_factory().fit(train)
    fit_s = time.process_time() - started
    top1, top3 = top_k_accuracy(ranker, test, catalogue)
    rows = ranker.scores(
        [e.text for e in test],
        [e.category_code for e in test],
        [e.area_code for e in test],
        [catalogue(e.category_code, e.area_code) for e in test] if catalogue else None,
    )
    units = ranker.units
    confident = [(units[row.argmax()], e.unit_code) for row, e in zip(rows, test) if row.max() >= threshold]
    return {
        "train": len(train),
        "test": len(test),
        "top1": round(top1, 3),
        "top3": round(top3, 3),
        "fit_cpu_s": round(fit_s, 1),
        f"auto_at_{threshold}_share": round(len(confident) / max(1, len(test)), 3),
        f"auto_at_{threshold}_right": round(sum(a == b for a, b in confident) / max(1, len(confident)), 3),
    }


def bench_replied(path: Path, min_examples: int) -> dict:
    from sklearn.model_selection import train_test_split

    from rexian.intelligence.dispatch import UnitRanker

    examples, figures = replied_routing_set(path, min_examples)
    cut = int(len(examples) * 0.8)
    # No category or area here: the text model and the per-category history (one empty category) carry it all.
    figures["time_split"] = _measure(lambda: UnitRanker(), examples[:cut], examples[cut:])
    train, test = train_test_split(examples, test_size=0.2, random_state=0, stratify=[e.unit_code for e in examples])
    figures["stratified_split"] = _measure(lambda: UnitRanker(), train, test)
    majority = Counter(e.unit_code for e in examples[:cut]).most_common(3)
    figures["time_split"]["majority_top1"] = round(
        sum(e.unit_code == majority[0][0] for e in examples[cut:]) / max(1, len(examples) - cut), 3
    )
    return figures


# --- (a) The demo city -------------------------------------------------------------------------------------------


def bench_demo() -> dict:
    from rexian.catalog.models import Category
    from rexian.catalog.selectors import dispatch_suggestion
    from rexian.intelligence.dispatch import UnitRanker
    from rexian.orders.selectors import dispatch_training_examples
    from rexian.orders.smart_dispatch import example_from_row
    from rexian.units.models import Unit

    rows = list(dispatch_training_examples())
    rows.sort(key=lambda row: row["registered_at"])
    examples = [example_from_row(row) for row in rows]
    cut = int(len(examples) * 0.8)
    train, test = examples[:cut], examples[cut:]
    categories = {c.code: c for c in Category.objects.all()}
    areas = {u.code: u for u in Unit.objects.all()}
    cache: dict = {}

    def catalogue(category_code: str, area_code: str) -> str | None:
        key = (category_code, area_code)
        if key not in cache:
            answer = dispatch_suggestion(category=categories.get(category_code), area=areas.get(area_code))
            cache[key] = answer.lead_unit.code if answer else None
        return cache[key]

    catalogue_top1 = sum(catalogue(e.category_code, e.area_code) == e.unit_code for e in test) / max(1, len(test))
    figures = {
        "orders": len(examples),
        "corrections": sum(1 for e in examples if e.returned_unit_codes),
        "units": len({e.unit_code for e in examples}),
        "catalogue_only_top1": round(catalogue_top1, 3),
        "ranker": _measure(lambda: UnitRanker(), train, test, catalogue),
        "ranker_without_catalogue": _measure(lambda: UnitRanker(catalogue_weight=0.0), train, test),
    }
    corrected = [e for e in test if e.returned_unit_codes]
    if corrected:
        from rexian.intelligence.dispatch import top_k_accuracy

        ranker = UnitRanker().fit(train)
        c1, c3 = top_k_accuracy(ranker, corrected, catalogue)
        figures["ranker_on_corrected_test_orders"] = {
            "test": len(corrected),
            "top1": round(c1, 3),
            "top3": round(c3, 3),
            "catalogue_only_top1": round(
                sum(catalogue(e.category_code, e.area_code) == e.unit_code for e in corrected) / len(corrected), 3
            ),
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo-db", help="SQLite file loaded with `rexian demo` (skip the demo part without it)")
    parser.add_argument("--data-dir", default=str(REPO.parent / "shared" / "data" / "teddycup2020"))
    parser.add_argument("--min-examples", type=int, default=10)
    args = parser.parse_args()
    if args.demo_db:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(args.demo_db).resolve()}"
    os.environ.setdefault("REXIAN_SECRET_KEY", "bench-only")
    os.environ.setdefault("REXIAN_DATA_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rexian.settings")
    import django

    django.setup()
    result = {}
    replied = Path(args.data_dir) / "replied_messages.csv"
    if replied.exists():
        result["replied"] = bench_replied(replied, args.min_examples)
        print("replied_messages:", json.dumps(result["replied"], ensure_ascii=False))
    if args.demo_db:
        result["demo"] = bench_demo()
        print("demo city:", json.dumps(result["demo"], ensure_ascii=False))
    print("BENCH " + json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
