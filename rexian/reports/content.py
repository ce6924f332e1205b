"""The shape of a report's content, shared by the builders (which make it) and the renderers (which draw it).

A report's `content` is JSON:

    {
      "title": "12345热线工作日报",
      "subtitle": "2026年3月5日",           # the period in words
      "issuer": "泰兴市12345热线中心",        # who issues it (the centre)
      "generated_at": "2026-03-06T07:00:00+08:00",
      "blocks": [ … ]                        # in reading order
    }

Each block is one of:

    {"type": "heading", "text": "一、总体情况"}
    {"type": "paragraph", "text": "…", "key": "summary", "editable": true}   # key: editable ones only
    {"type": "figures", "title": "主要指标", "rows": [["受理量", 123, "count"], …]}   # label, value, format
    {"type": "table", "title": "…", "sheet": "诉求类型", "columns": ["…", …], "formats": ["text", "count", …],
     "rows": [[…], …], "empty": "昨日无紧急工单。"}
    {"type": "chart", "chart": "line" | "bar" | "barh", "title": "…", "labels": ["…"], "values": [1, 2],
     "unit": "件", "format": "count" | "score"}

Values are kept raw (counts, fractions, None) with their format, so the Excel file gets
numbers and Word, PDF and the page get the same text (`display`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

FORMATS = ("text", "count", "percent", "change", "average", "score", "decimal")
DASH = "—"


def display(value: Any, fmt: str = "text") -> str:
    """A cell as the reader sees it: rates as 98.26%, changes with their sign, a missing value as —."""
    if value is None or value == "":
        return DASH if fmt != "text" else ""
    if fmt == "count":
        return f"{int(value):,}"
    if fmt == "percent":
        return f"{value * 100:.2f}%"
    if fmt == "change":
        return f"{value * 100:+.2f}%"
    if fmt == "average":
        return f"{value:,.2f}"
    if fmt == "score":  # the weighted score is a fraction: shown as points out of 100
        return f"{value * 100:.2f}"
    if fmt == "decimal":
        return f"{value:.3g}"
    return str(value)


def heading(text: str) -> dict:
    return {"type": "heading", "text": str(text)}


def paragraph(text: str, *, key: str = "") -> dict:
    """A paragraph; one with a key can be rewritten in a draft before it is published."""
    block = {"type": "paragraph", "text": str(text)}
    if key:
        block.update(key=key, editable=True)
    return block


def figures(title: str, rows: list[tuple[str, Any, str]]) -> dict:
    return {"type": "figures", "title": str(title), "rows": [[str(label), value, fmt] for label, value, fmt in rows]}


def table(title: str, *, sheet: str, columns: list[tuple[str, str]], rows: list[list], empty: str = "") -> dict:
    """A table: `columns` as (heading, format) pairs; `sheet` names its worksheet in the Excel file."""
    return {
        "type": "table",
        "title": str(title),
        "sheet": str(sheet),
        "columns": [str(name) for name, _fmt in columns],
        "formats": [fmt for _name, fmt in columns],
        "rows": rows,
        "empty": str(empty),
    }


def chart(kind: str, title: str, labels: list, values: list, *, unit: str = "件", fmt: str = "count") -> dict:
    return {
        "type": "chart",
        "chart": kind,
        "title": str(title),
        "labels": [str(label) for label in labels],
        "values": values,
        "unit": str(unit),
        "format": fmt,
    }


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def cn_period(start: dt.date, end: dt.date) -> str:
    """The period in words: one day, one calendar month, or from–to."""
    if start == end:
        return cn_date(start)
    next_day = end + dt.timedelta(days=1)
    if start.day == 1 and next_day.day == 1 and (start.year, start.month) == (end.year, end.month):
        return f"{start.year}年{start.month}月"
    return f"{cn_date(start)}至{cn_date(end)}"


def editable_blocks(content: dict) -> list[dict]:
    return [block for block in content.get("blocks", []) if block.get("editable")]
