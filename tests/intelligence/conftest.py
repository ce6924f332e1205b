"""Small synthetic Chinese orders for the classifier tests: no shared data, no real messages."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

# Two clearly separable topics, written for the tests, and a few mixed ones.
HOUSING = [
    "小区物业乱收停车费",
    "物业公司不修电梯",
    "小区物业管理混乱垃圾无人清运",
    "物业费上涨没有公示",
    "小区电梯经常故障物业不管",
    "物业公司强行收取装修押金",
    "小区绿化被物业改成停车位",
    "物业服务差业主投诉无门",
]
LABOUR = [
    "公司拖欠工资三个月",
    "单位不给缴纳社保",
    "老板拖欠农民工工资",
    "养老保险断缴怎么补缴",
    "工伤认定需要什么材料",
    "公司不签劳动合同",
    "社保卡补办需要多久",
    "失业保险金如何领取",
]


@pytest.fixture
def topic_texts() -> tuple[list[str], list[str]]:
    texts = HOUSING + LABOUR
    labels = ["城乡建设"] * len(HOUSING) + ["劳动和社会保障"] * len(LABOUR)
    return texts, labels


def write_orders(path: Path, rows: list[tuple[str, str, str, str]], header=("id", "title", "text", "label")) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path

