"""A small, hand-counted history for the reports, told through the real services (tests/analytics/conftest.py).

Tuesday 4 November 2025 (Asia/Shanghai) is the day reported on:

- A 10:00 complaint, 物业服务 (城乡建设), 幸福社区, dispatched to 住建局 11:00, signed 12:00;
- B 10:20 consultation, 物业服务, answered on the call 10:30 (closed), its text holding a phone number;
- C 14:00 complaint, 施工噪声 (生态环境), 紧急, «工地夜间施工噪音扰民», dispatched to 城管局 14:30;
- D 15:00 registered and voided at 15:10 (counts nowhere but 作废);
- E, registered 28 October and handled by 住建局, is called back on the 4th at 16:00: dissatisfied;
- F, registered Monday 3 November 10:00 and dispatched to 住建局 10:30, is not signed by its deadline
  (Tuesday 10:30): the deadline scan at 11:00 escalates it (催办).

So the 4th has volume 3 (A, B, C), the 3rd volume 1 (F): 环比 +200%; 1 of the 3 orders was
answered on the call: 直接办结率 33.33%.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from rexian.analytics.rollups import rollup_rebuild
from rexian.orders.deadlines import deadline_scan
from tests import factories as f
from tests.analytics.conftest import Clock, Story, at  # noqa: F401  (Clock: the type of the clock fixture)
from tests.analytics.conftest import clock, story  # noqa: F401  (fixtures, used through pytest)

DAY = dt.date(2025, 11, 4)
MORNING_AFTER = at(2025, 11, 5, 7, 0)  # when the worker makes the day's report


@pytest.fixture
def day_story(cast, story):
    """The orders of 4 November 2025 (see the module's docstring), with the rollups rebuilt."""
    e = story.register(at(2025, 10, 28), title="楼道灯不亮", description="3号楼楼道灯坏了一个月。")
    e = story.handled(e, at(2025, 10, 28, 11))
    f_order = story.register(at(2025, 11, 3, 10), title="小区垃圾清运不及时")
    f_order = story.dispatch(f_order, at(2025, 11, 3, 10, 30))
    a = story.register(at(2025, 11, 4, 10))
    a = story.dispatch(a, at(2025, 11, 4, 11))
    a = story.sign(a, at(2025, 11, 4, 12))
    b = story.consultation(at(2025, 11, 4, 10, 20), title="咨询物业费收费标准",
                           description="来电人询问物业费标准，联系电话13812345678，身份证号321283198001011234。")
    b = story.answer(b, at(2025, 11, 4, 10, 30))
    c = story.register(at(2025, 11, 4, 14), category=cast.noise, urgency=f.urgency("urgent"),
                       title="工地夜间施工噪音扰民", description="城东街道某工地夜间施工噪音很大，影响休息。")
    c = story.dispatch(c, at(2025, 11, 4, 14, 30), lead=cast.urban)
    d = story.void(story.register(at(2025, 11, 4, 15), title="测试"), at(2025, 11, 4, 15, 10))
    e = story.callback(e, at(2025, 11, 4, 16), "dissatisfied", solved=False, responded=True)
    deadline_scan(now=at(2025, 11, 4, 11))
    rollup_rebuild()
    return SimpleNamespace(a=a, b=b, c=c, d=d, e=e, f=f_order)


def block(content: dict, kind: str, title: str) -> dict:
    """The first block of `kind` whose title (or text, for headings) contains `title`."""
    for b in content["blocks"]:
        if b["type"] == kind and title in (b.get("title") or b.get("text") or ""):
            return b
    titles = [b.get("title") or b.get("text") for b in content["blocks"]]
    raise AssertionError(f"no {kind} block titled {title!r} in {titles}")


def figure(content: dict, label: str):
    """The value of a figure (主要指标) by its label."""
    for b in content["blocks"]:
        if b["type"] == "figures":
            for row_label, value, _fmt in b["rows"]:
                if row_label == label:
                    return value
    raise AssertionError(f"no figure {label!r}")


@pytest.fixture
def elevator_issue(cast, story):
    """Three callers report the same broken lift in 幸福小区 on the 4th; the hot-spot scan at 18:00 stores it."""
    from rexian.hotspots.services import hotspot_scan

    texts = ["幸福小区3号楼电梯故障停运，老人上下楼困难", "幸福小区3号楼电梯坏了一周没人修",
             "幸福小区3号楼电梯停运多日，物业不维修"]
    orders = [
        story.register(at(2025, 11, 4, 9 + n), title=text[:12], description=text, caller_phone=f"1390000000{n}")
        for n, text in enumerate(texts)
    ]
    run = hotspot_scan(now=at(2025, 11, 4, 18))
    issue = run.issues.order_by("rank").first()
    assert issue is not None and issue.count == 3
    return SimpleNamespace(orders=orders, run=run, issue=issue)
