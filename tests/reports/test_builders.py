"""What each report says, checked by hand against the story of 4 November 2025 (tests/reports/conftest.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from rexian.analytics.metrics import period_metrics
from rexian.reports import builders
from rexian.reports.builders import ReportError, Topic, resolve_topic
from tests.analytics.conftest import at
from tests.reports.conftest import DAY, MORNING_AFTER, block, figure

NOV_1, NOV_30 = dt.date(2025, 11, 1), dt.date(2025, 11, 30)
LATER = dt.datetime(2026, 2, 1, tzinfo=dt.timezone.utc)


def test_daily_report_figures_are_the_day_s_metrics(day_story):
    content = builders.build_daily(DAY, now=MORNING_AFTER)

    assert content["title"] == "12345热线工作日报"
    assert content["subtitle"] == "2025年11月4日"
    assert content["issuer"] == "泰兴市12345热线中心"
    assert figure(content, "受理量") == 3  # A, B, C; D was voided
    assert figure(content, "环比") == 2.0  # 3 against the 1 of the 3rd (F)
    assert figure(content, "直接办结量") == 1
    assert figure(content, "直接办结率") == pytest.approx(1 / 3)
    assert figure(content, "及时签收率") == 0.0  # F's deadline passed on the 4th unsigned; A's is met but falls on the 5th
    assert figure(content, "回访成功数") == 1  # E
    assert figure(content, "回访满意率（满意率）") == 0.0
    # The same numbers as the metrics module gives: nothing is computed twice.
    m = period_metrics(start=DAY, end=DAY, now=MORNING_AFTER)
    assert figure(content, "回访率") == m.callback_rate
    summary = content["blocks"][0]
    assert summary["editable"] and "共受理群众诉求3件，环比+200.00%" in summary["text"]
    assert "直接办结率33.33%" in summary["text"]


def test_daily_report_breaks_the_day_down_by_type_category_and_area(day_story):
    content = builders.build_daily(DAY, now=MORNING_AFTER)

    by_type = block(content, "table", "按诉求类型")
    assert [row[:2] for row in by_type["rows"]] == [["投诉", 2], ["咨询", 1]]
    by_category = block(content, "table", "按一级分类")
    assert [row[:2] for row in by_category["rows"]] == [["城乡建设", 2], ["生态环境", 1]]
    assert by_category["rows"][0][3] == 0.5  # 直接办结率 of 城乡建设: B of A and B
    by_area = block(content, "table", "按镇（街道）")
    assert [row[:2] for row in by_area["rows"]] == [["城东街道", 3]]
    chart = block(content, "chart", "近30日受理量")
    assert chart["chart"] == "line" and len(chart["values"]) == 30
    assert chart["labels"][-2:] == ["11-03", "11-04"] and chart["values"][-2:] == [1, 3]


def test_daily_report_lists_urgent_orders_and_those_needing_attention(day_story):
    content = builders.build_daily(DAY, now=MORNING_AFTER)

    urgent = block(content, "table", "紧急、特急工单")
    assert [(row[0], row[1], row[3]) for row in urgent["rows"]] == [(day_story.c.number, "紧急", "工地夜间施工噪音扰民")]
    assert urgent["rows"][0][6] == "城管局"
    notable = block(content, "table", "回访不满意、超期催办")
    assert [(row[0], row[1]) for row in notable["rows"]] == [
        (day_story.e.number, "回访不满意"),
        (day_story.f.number, "超期催办"),
    ]


def test_daily_report_has_a_hot_issue_section(day_story):
    content = builders.build_daily(DAY, now=MORNING_AFTER)

    hot = block(content, "table", "当日热点问题")
    assert hot["columns"][:2] == ["排名", "热点问题"]
    assert all(row[4] >= 1 for row in hot["rows"])  # each issue counts the day's orders it groups


def test_monthly_briefing_ranks_the_units(day_story):
    content = builders.build_monthly(DAY, now=LATER)

    assert content["subtitle"] == "2025年11月"
    assert figure(content, "受理量") == 4  # F, A, B, C
    ranking = block(content, "table", "承办单位考评排名")
    columns = ranking["columns"]
    rows = {row[1]: dict(zip(columns, row)) for row in ranking["rows"]}
    assert [row[1] for row in ranking["rows"]] == ["住建局", "城管局"]  # 住建局 has a score, 城管局 none yet
    assert rows["住建局"]["派单数"] == 2  # F and A (E was dispatched in October)
    assert rows["住建局"]["及时签收率"] == 0.5  # A signed in time, F not
    # E's callback: responded, not solved, dissatisfied: (0.1·1 + 0.45·0 + 0.45·0) / 1 = 0.1
    assert rows["住建局"]["三率综合得分"] == pytest.approx(0.1)
    assert rows["城管局"]["三率综合得分"] is None
    score_chart = block(content, "chart", "三率综合得分")
    assert score_chart["labels"] == ["住建局"] and score_chart["format"] == "score"
    months = block(content, "chart", "近12个月受理量")
    assert months["labels"][0] == "2024-12" and months["labels"][-1] == "2025-11"
    assert months["values"][-2:] == [1, 4]  # E in October; F, A, B, C in November


def test_special_report_on_a_category_counts_its_subtree(cast, day_story):
    topic = resolve_topic(category="01")
    content = builders.build_special(NOV_1, NOV_30, topic=topic, now=LATER)

    assert content["title"] == "关于城乡建设诉求情况的专报"
    assert figure(content, "受理量") == 3  # F, A, B: all 物业服务, below 城乡建设
    by_level2 = block(content, "table", "按2级分类")
    assert [row[:2] for row in by_level2["rows"]] == [["城乡建设/物业管理", 3]]
    cases = block(content, "table", "典型案例")
    assert [row[0] for row in cases["rows"]] == [day_story.b.number]  # the only closed one
    assert "138****5678" in cases["rows"][0][2] and "13812345678" not in cases["rows"][0][2]
    assert "321283********1234" in cases["rows"][0][2]
    assert block(content, "paragraph", "")["key"] == "summary"
    assert [b["key"] for b in content["blocks"] if b.get("editable")] == ["summary", "advice"]


def test_special_report_on_a_keyword_counts_matching_orders_without_rates(day_story):
    topic = resolve_topic(keyword="噪音")
    content = builders.build_special(NOV_1, NOV_30, topic=topic, now=LATER)

    assert content["title"] == "关于“噪音”诉求情况的专报"
    assert figure(content, "受理量") == 1  # C
    assert block(content, "table", "按一级分类")["rows"] == [["生态环境", 1]]
    assert block(content, "table", "主办单位")["rows"] == [["城管局", 1]]
    trend = block(content, "chart", "每日受理量")
    assert sum(trend["values"]) == 1 and trend["values"][3] == 1  # on the 4th
    assert not any(b["type"] == "figures" and any(r[2] == "percent" for r in b["rows"]) for b in content["blocks"])


def test_special_report_needs_a_topic_that_exists(cast):
    with pytest.raises(ReportError, match="至少一项"):
        resolve_topic()
    with pytest.raises(ReportError, match="不存在"):
        resolve_topic(category="9999")
    with pytest.raises(ReportError, match="早于"):
        builders.build_special(NOV_30, NOV_1, topic=Topic(None, None, "电梯"))


def test_an_area_topic_covers_its_communities(cast, day_story):
    content = builders.build_special(NOV_1, NOV_30, topic=resolve_topic(area="C-CD"), now=LATER)

    assert content["title"] == "关于城东街道诉求情况的专报"
    assert figure(content, "受理量") == 4  # every November order was recorded in 幸福社区


def test_masking_hides_phone_and_id_numbers_in_order_text():
    text = builders._masked("电话13912345678，座机0523-86123456，身份证32128319800101123X。", 200)
    assert text == "电话139****5678，座机0523-86123456，身份证321283********123X。"


def test_the_day_s_hot_issues_come_from_hot_spot_detection(elevator_issue):
    content = builders.build_daily(DAY, now=MORNING_AFTER)

    rows = block(content, "table", "当日热点问题")["rows"]
    assert len(rows) == 1
    rank, title, place, keywords, count = rows[0][:5]
    assert (rank, count) == (1, 3)
    assert "电梯" in title + keywords


def test_hot_issues_of_a_long_period_cover_its_last_days_that_hold_the_clustering_s_limit():
    days = [(dt.date(2025, 11, d), n) for d, n in ((1, 5), (2, 0), (3, 4), (4, 3))]
    assert builders.hot_issue_first_day(days, limit=12) == dt.date(2025, 11, 1)
    assert builders.hot_issue_first_day(days, limit=7) == dt.date(2025, 11, 2)  # 0 + 4 + 3
    assert builders.hot_issue_first_day(days, limit=6) == dt.date(2025, 11, 4)
    assert builders.hot_issue_first_day(days, limit=1) == dt.date(2025, 11, 4)  # the last day, whatever it holds


def test_a_report_says_which_days_its_hot_issues_come_from_when_the_period_holds_too_many(elevator_issue, monkeypatch):
    topic = resolve_topic(keyword="电梯")
    monkeypatch.setattr(builders, "HOT_ISSUE_MAX_ORDERS", 3)
    whole = builders.build_special(NOV_1, NOV_30, topic=topic, now=LATER)
    hot = block(whole, "table", "本期热点问题")
    assert hot["title"] == "本期热点问题" and [row[4] for row in hot["rows"]] == [3]
    monkeypatch.setattr(builders, "HOT_ISSUE_MAX_ORDERS", 2)  # the 4th's three orders are more: the 5th on
    tail = builders.build_special(NOV_1, NOV_30, topic=topic, now=LATER)
    hot = block(tail, "table", "本期热点问题（据2025年11月5日至2025年11月30日的工单）")
    assert hot["rows"] == []


def test_a_quick_report_on_a_hot_issue_lists_its_orders_and_suggests_the_lead_unit(cast, elevator_issue, story):
    for order in elevator_issue.orders[:2]:
        story.dispatch(order, at(2025, 11, 4, 19))
    content = builders.build_quick(issue=elevator_issue.issue, now=at(2025, 11, 4, 20))

    assert content["title"] == f"关于“{elevator_issue.issue.title}”的快报"
    assert content["subtitle"] == "监测时间：2025年11月04日 18:00"
    assert (content["period_start"], content["period_end"]) == ("2025-11-04", "2025-11-04")  # first to last order
    situation = block(content, "paragraph", "")
    assert situation["key"] == "situation" and "诉求3件（前一时段0件" in situation["text"]
    assert figure(content, "诉求件数") == 3
    listed = block(content, "table", "相关工单")["rows"]
    assert [row[0] for row in listed] == [o.number for o in reversed(elevator_issue.orders)]  # newest first
    assert block(content, "chart", "每日诉求件数")["values"] == [3]
    advice = [b for b in content["blocks"] if b.get("key") == "advice"][0]
    assert advice["text"].startswith("建议由住建局牵头")


def test_a_quick_report_on_a_surge_gives_its_count_baseline_and_significance(cast, elevator_issue):
    from rexian.hotspots.models import Surge

    surge = Surge.objects.create(run=elevator_issue.run, dimension="area", label="城东街道", count=12, baseline=3.5,
                                 p_value=0.0004, sensitive_words=["群体"], window_hours=24)
    content = builders.build_quick(surge=surge, now=at(2025, 11, 4, 20))

    assert content["title"] == "关于城东街道诉求量异常升高的快报"
    assert (content["period_start"], content["period_end"]) == ("2025-11-03", "2025-11-04")  # 24 h before 18:00
    situation = block(content, "paragraph", "")["text"]
    assert "区域“城东街道”诉求量异常升高：近24小时受理12件，基线水平为3.5件（显著性 p=0.0004）" in situation
    assert "涉及敏感词：群体" in situation
    assert (figure(content, "监测件数"), figure(content, "基线件数"), figure(content, "显著性 p 值")) == (12, 3.5, 0.0004)
    assert not any(b["type"] == "table" for b in content["blocks"])  # a surge without an issue has no order list
