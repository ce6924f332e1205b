"""The dashboards' charts (rexian/analytics/charts.py): periods, and every chart's table against the metrics.

The data: two days, Monday 3 and Tuesday 4 November 2025 (Asia/Shanghai), told through the services
(tests/analytics/conftest.py's Story), then the rollups rebuilt (the tests' events are never committed,
so the rollups' receiver does not run). The charts are built with the real clock, long after, unless a
test says otherwise: every deadline has passed. What each order contributes (deadlines: sign 1 working
day, a complaint's reply 10 working days):

    o1  Mon 09:10  complaint, 物业服务 (城乡建设), phone: dispatched to housing 10:00, signed 10:30 (in time),
                   replied 16:00, accepted 17:00; callback Tue 09:00 satisfied, solved, responded
    o2  Mon 09:40  consultation, 物业服务, web: answered on the call (直接办结)
    o3  Mon 14:20  complaint, 施工噪声 (生态环境), phone: dispatched to urban 15:00, never signed
                   (its sign deadline, Tue 15:00, has passed: late)
    o4  Tue 08:30  complaint, 物业服务, phone: dispatched to housing 09:00, signed 09:30, replied 11:00,
                   accepted 12:00; callback 16:00 dissatisfied, not solved, responded (reopened)
    o5  Tue 10:00  voided
    calls: Mon 09:00 answered after 10 s, Mon 09:05 answered after 20 s, Tue 10:00 abandoned after 30 s

Hand-computed for the two days: 受理量 4 (3 on Monday, 1 on Tuesday; o5 voided), 3 complaints and 1
consultation; 城乡建设 3, 生态环境 1; all four in 城东街道. Calls: 3 offered, 2 answered, 1 within 15 s:
接通率 66.67%, 15秒接通率 33.33%. Housing: 2 callbacks reached, 1 satisfied, 1 solved, 2 responded:
响应率 100%, 解决率 50%, 满意率 50%, score (0.1·1 + 0.45·0.5 + 0.45·0.5) = 55.00 points; urban has no
callback and no score, so it ranks last.

The console's side of the charts (links, JSON, exports, pages) is tested in tests/console/test_dashboards.py,
which uses the `two_days` story below.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rexian.analytics.charts import (
    CHARTS,
    BadPeriod,
    Chart,
    Period,
    chart_build,
    parse_period,
    percent,
)
from rexian.analytics.metrics import (
    metrics_by,
    period_metrics,
    unit_ranking,
    volume_by_day,
    volume_by_hour,
    volume_by_hour_of_day,
)
from rexian.analytics.rollups import rollup_rebuild
from rexian.catalog.models import AppealType, Category
from rexian.telephony.figures import call_figures
from tests import factories as f
from rexian.sms.selectors import sms_figures
from tests.analytics.conftest import Clock, Story, at
from tests.sms.conftest import sms_story_told
from tests.telephony.conftest import abandoned_call, answered_call, apply

pytestmark = pytest.mark.django_db

MON, TUE = dt.date(2025, 11, 3), dt.date(2025, 11, 4)
TWO_DAYS = Period("custom", MON, TUE)


def two_days_told(cast, monkeypatch) -> SimpleNamespace:
    """The story of the module docstring, its rollups rebuilt (tests/console/test_dashboards.py tells it too)."""
    from rexian.orders import services

    clock = Clock(at(2025, 11, 3))
    monkeypatch.setattr(services, "_now", clock)
    story = Story(cast, clock)
    o1 = story.register(at(2025, 11, 3, 9, 10))
    o1 = story.dispatch(o1, at(2025, 11, 3, 10))
    o1 = story.sign(o1, at(2025, 11, 3, 10, 30))
    o1 = story.reply(o1, at(2025, 11, 3, 16))
    o1 = story.accept(o1, at(2025, 11, 3, 17))
    story.callback(o1, at(2025, 11, 4, 9), "satisfied", solved=True, responded=True)
    o2 = story.answer(story.consultation(at(2025, 11, 3, 9, 40), channel=f.channel("web")), at(2025, 11, 3, 9, 45))
    o3 = story.register(at(2025, 11, 3, 14, 20), category=cast.noise)
    story.dispatch(o3, at(2025, 11, 3, 15), lead=cast.urban)
    o4 = story.register(at(2025, 11, 4, 8, 30))
    o4 = story.handled(o4, at(2025, 11, 4, 9))
    story.callback(o4, at(2025, 11, 4, 16), "dissatisfied", solved=False, responded=True)
    o5 = story.void(story.register(at(2025, 11, 4, 10)), at(2025, 11, 4, 10, 5))
    apply([
        *answered_call("d1", at(2025, 11, 3, 9), wait=10),
        *answered_call("d2", at(2025, 11, 3, 9, 5), wait=20),
        *abandoned_call("d3", at(2025, 11, 4, 10), wait=30),
    ])
    rollup_rebuild()
    return SimpleNamespace(o1=o1, o2=o2, o3=o3, o4=o4, o5=o5)


@pytest.fixture
def two_days(cast, monkeypatch) -> SimpleNamespace:
    return two_days_told(cast, monkeypatch)


def build(name: str, period: Period = TWO_DAYS, now: dt.datetime | None = None) -> Chart:
    return chart_build(name, period, now)


def day(value: dt.date) -> Period:
    return Period("custom", value, value)


def column(chart: Chart, key: str) -> list:
    index = [c.key for c in chart.columns].index(key)
    return [row[index] for row in chart.rows]


def by_key(chart: Chart) -> dict:
    return dict(zip(chart.keys, chart.rows, strict=True))


# --- Periods ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "expected"), [
    ({}, ("today", dt.date(2026, 3, 18), dt.date(2026, 3, 18))),
    ({"period": "yesterday"}, ("yesterday", dt.date(2026, 3, 17), dt.date(2026, 3, 17))),
    ({"period": "week"}, ("week", dt.date(2026, 3, 16), dt.date(2026, 3, 18))),  # Wednesday: from Monday
    ({"period": "month"}, ("month", dt.date(2026, 3, 1), dt.date(2026, 3, 18))),
    ({"period": "last30"}, ("last30", dt.date(2026, 2, 17), dt.date(2026, 3, 18))),
    ({"period": "year"}, ("year", dt.date(2026, 1, 1), dt.date(2026, 3, 18))),
    ({"date_from": "2025-03-19", "date_to": "2026-03-18"}, ("custom", dt.date(2025, 3, 19), dt.date(2026, 3, 18))),
    ({"period": "custom", "date_from": "2026-02-01", "date_to": "2026-02-01"},
     ("custom", dt.date(2026, 2, 1), dt.date(2026, 2, 1))),
])
def test_periods_by_name_or_by_dates(query, expected):
    period = parse_period(query, today=dt.date(2026, 3, 18))
    assert (period.key, period.start, period.end) == expected


@pytest.mark.parametrize(("query", "message"), [
    ({"period": "decade"}, "未知的统计时段「decade」。"),
    ({"period": "custom", "date_to": "2026-03-01"}, "请填写开始日期。"),
    ({"date_from": "2026-02-30", "date_to": "2026-03-01"}, "开始日期「2026-02-30」不是有效的日期"),
    ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "结束日期不能早于开始日期。"),
    ({"date_from": "2026-03-01", "date_to": "2026-03-19"}, "结束日期不能晚于今天。"),
    ({"date_from": "2025-03-17", "date_to": "2026-03-18"}, "统计时段最长一年（366天），请缩短时段。"),
    # A typed year 0001: the period before it (环比) cannot even be computed.
    ({"date_from": "0001-01-01", "date_to": "0001-01-31"}, "开始日期不能早于 1900-01-01。"),
    ({"date_from": "1900-01-01", "date_to": "0001-01-31"}, "结束日期不能早于 1900-01-01。"),
    ({"date_from": "9999-12-31", "date_to": "9999-12-31"}, "结束日期不能晚于今天。"),
])
def test_a_bad_period_says_what_is_wrong(query, message):
    with pytest.raises(BadPeriod, match=message):
        parse_period(query, today=dt.date(2026, 3, 18))


def test_a_period_may_begin_on_the_first_day_a_date_may_name(cast):
    period = parse_period({"date_from": "1900-01-01", "date_to": "1900-12-31"}, today=dt.date(2026, 3, 18))
    assert (period.start, period.days) == (dt.date(1900, 1, 1), 365)
    # Its 环比 and 同比 periods (1899) are counted too: every chart is empty, none fails.
    for name in CHARTS:
        build(name, period, at(2026, 3, 18, 12))
    assert by_key(build("headline", period, at(2026, 3, 18, 12)))["volume_previous"][1] == 0


def test_a_period_names_itself_again_and_says_its_days():
    today = dt.date(2026, 3, 18)
    week = parse_period({"period": "week"}, today=today)
    assert week.query == {"period": "week"} and week.days == 3 and not week.single_day
    assert week.label == "本周"
    custom = parse_period({"date_from": "2026-02-01", "date_to": "2026-02-01"}, today=today)
    assert custom.query == {"period": "custom", "date_from": "2026-02-01", "date_to": "2026-02-01"}
    assert parse_period(custom.query, today=today) == custom and custom.single_day
    assert custom.as_json() == {"key": "custom", "label": "2026-02-01 — 2026-02-01", "start": "2026-02-01",
                                "end": "2026-02-01", "days": 1}


# --- Every chart against the metrics ------------------------------------------------------------------


def test_headline_figures_are_the_period_metrics(two_days):
    chart = build("headline")
    rows = by_key(chart)
    # By hand (module docstring).
    assert rows["volume"][1:] == [4, "件"]
    assert rows["connection_rate"][1] == 66.67 and rows["answered_in_15s_rate"][1] == 33.33
    assert rows["satisfaction_rate"][1] == 50.0 and rows["weighted_score"][1] == 55.0
    assert rows["timely_sign_rate"][1] == 50.0  # o1 in time, o3 late; o4's deadline (Wed) is after the period
    assert rows["daily_average"][1] == 2.0
    # And every row as the metrics module computes it.
    m = period_metrics(start=MON, end=TUE)
    for key, kind in zip(chart.keys, chart.kinds, strict=True):
        expected = getattr(m, key)
        assert rows[key][1] == (percent(expected) if kind in ("percent", "score") else
                                None if expected is None else round(expected, 2) if kind == "number" else expected), key


def test_volume_by_day(two_days):
    chart = build("volume_days")
    assert chart.rows == [["2025-11-03", 3], ["2025-11-04", 1]]
    assert chart.keys == ["2025-11-03", "2025-11-04"]
    assert [(d.isoformat(), n) for d, n in volume_by_day(start=MON, end=TUE)] == [tuple(r) for r in chart.rows]


def test_a_single_day_shows_the_seven_days_ending_on_it(two_days):
    chart = build("volume_days", day(TUE))
    assert chart.title == "近7日受理量（按日）"
    assert [row[0] for row in chart.rows] == [f"2025-10-{d}" for d in range(29, 32)] + [
        f"2025-11-0{d}" for d in range(1, 5)]
    assert column(chart, "volume") == [0, 0, 0, 0, 0, 3, 1]


def test_volume_by_hour_of_day_over_a_period(two_days):
    chart = build("volume_hours")
    counts = column(chart, "volume")
    assert len(counts) == 24 and chart.rows[9] == ["09:00", 2]
    assert (counts[8], counts[14], sum(counts)) == (1, 1, 4)
    assert counts == volume_by_hour_of_day(start=MON, end=TUE)


def test_volume_hour_by_hour_for_one_day(two_days):
    chart = build("volume_hours", day(MON))
    assert chart.title == "受理量（按小时）"
    assert column(chart, "volume") == [n for _at, n in volume_by_hour(start=MON, end=MON)]
    assert chart.rows[9] == ["09:00", 2] and chart.rows[14] == ["14:00", 1]


def test_today_stops_at_the_current_hour(cast, make_order):
    make_order()
    rollup_rebuild()
    chart = build("volume_hours", parse_period({"period": "today"}, today=timezone.localdate()))
    now = timezone.localtime()
    assert len(chart.rows) == now.hour + 1
    assert chart.rows[now.hour] == [f"{now.hour:02d}:00", 1]


def test_a_day_seen_on_that_day_stops_at_the_hour_given_as_now(two_days):
    """Tuesday seen at 10:30 that morning: its hours 00:00 to 10:00, for the orders and for the calls."""
    now = at(2025, 11, 4, 10, 30)
    volume = build("volume_hours", day(TUE), now)
    assert len(volume.rows) == 11 and volume.rows[8] == ["08:00", 1] and sum(column(volume, "volume")) == 1
    calls = build("calls_trend", day(TUE), now)
    assert column(calls, "slot")[-1] == "10:00" and len(calls.rows) == 11
    assert column(calls, "offered")[10] == 1  # the call abandoned at 10:00


def test_by_type_category_area_and_channel(two_days):
    by_type = build("by_type")
    assert by_type.rows == [["投诉", 3], ["咨询", 1]] and by_type.draw == "pie"
    assert build("by_category").rows == [["城乡建设", 3], ["生态环境", 1]]
    assert build("by_area").rows == [["城东街道", 4]]
    assert build("by_channel").rows == [["电话", 3], ["网站", 1]]
    for name, dimension, extra in (("by_type", "type", {}), ("by_category", "category", {"level": 1}),
                                   ("by_area", "area", {"level": "town"}), ("by_channel", "channel", {})):
        expected = sorted(((m.label, m.volume) for m in metrics_by(dimension, start=MON, end=TUE, **extra)),
                          key=lambda pair: -pair[1])
        assert [tuple(row) for row in build(name).rows] == expected, name


def test_types_and_categories_carry_their_codes_areas_and_channels_none(cast, two_days):
    by_type = build("by_type")
    complaint, consult = (AppealType.objects.get(code=code).pk for code in ("complaint", "consult"))
    assert by_type.keys == [complaint, consult]
    assert by_type.codes == {complaint: "complaint", consult: "consult"}
    construction, environment = (Category.objects.get(code=code).pk for code in ("01", "02"))
    by_category = build("by_category")
    assert by_category.keys == [construction, environment]
    assert by_category.codes == {construction: "01", environment: "02"}
    by_area = build("by_area")
    assert by_area.keys == [cast.town.pk] and by_area.codes == {}
    assert build("by_channel").codes == {}


def test_call_figures_by_day_and_in_total(two_days):
    trend = build("calls_trend")
    assert trend.title == "接通率与呼入量（按日）"
    assert column(trend, "slot") == ["2025-11-03", "2025-11-04"]
    assert column(trend, "offered") == [2, 1]
    assert column(trend, "connection_rate") == [100.0, 0.0]
    assert column(trend, "answered_in_target_rate") == [50.0, 0.0]
    assert column(trend, "average_wait_seconds") == [15.0, None]  # nobody answered on Tuesday
    start, end = at(2025, 11, 3, 0), at(2025, 11, 5, 0)
    for row, figures in zip(trend.rows, call_figures(start, end, by="day"), strict=True):
        assert row[1:6] == [figures.offered, figures.answered, percent(figures.connection_rate),
                            percent(figures.answered_in_target_rate), percent(figures.abandonment_rate)]
    total = by_key(build("calls"))
    assert total["offered"][1] == 3 and total["connection_rate"][1] == 66.67
    assert total["abandonment_rate"][1] == percent(call_figures(start, end).abandonment_rate) == 33.33


def test_calls_by_line(two_days):
    chart = build("calls_by_line")
    assert chart.rows[0][:4] == ["12345 12345政务服务便民热线", 3, 2, 66.67]
    assert "occupancy" not in [c.key for c in chart.columns]  # operators answer every line


def test_calls_hour_by_hour_for_one_day(two_days):
    chart = build("calls_trend", day(MON))
    assert len(chart.rows) == 24
    assert chart.rows[9][:5] == ["09:00", 2, 2, 100.0, 50.0]
    assert chart.rows[10][1:4] == [0, 0, None]


# --- The unit ranking (部门考评) ----------------------------------------------------------------------


def test_units_are_ranked_by_weighted_score_with_their_rates(cast, two_days):
    chart = build("units")
    assert column(chart, "unit") == ["住建局", "城管局"]
    assert column(chart, "rank") == [1, 2]
    housing, urban = chart.rows
    rates = dict(zip([c.key for c in chart.columns], housing, strict=True))
    assert (rates["response_rate"], rates["solution_rate"], rates["satisfaction_rate"]) == (100.0, 50.0, 50.0)
    assert rates["weighted_score"] == 55.0 and rates["dispatched"] == 2
    assert urban[-1] is None  # no callback: no score
    assert [m.label for m in unit_ranking(start=MON, end=TUE)] == column(chart, "unit")
    assert chart.keys == [cast.housing.pk, cast.urban.pk]
    assert chart.codes == {cast.housing.pk: "C-ZJJ", cast.urban.pk: "C-CGJ"}


def test_an_unknown_chart_is_a_key_error():
    with pytest.raises(KeyError):
        chart_build("weather", TWO_DAYS)


# --- 短信统计 ---------------------------------------------------------------------------------------------------


@pytest.fixture
def sms_story(cast, make_order, monkeypatch) -> None:
    """tests/sms/conftest.py's texts on the same two days."""
    sms_story_told(cast, make_order, monkeypatch)


def test_the_sms_chart_is_a_table_of_the_period_s_sms_figures(sms_story):
    chart = build("sms")
    assert (chart.title, chart.draw) == ("短信统计", "table")
    assert [c.key for c in chart.columns] == ["metric", "value", "unit"]
    assert chart.rows == [
        ["发送短信", 10, "条"], ["其中：受理回执", 4, "条"], ["其中：办结通知", 5, "条"], ["其中：知识答复", 1, "条"],
        ["已发送", 7, "条"], ["其中：已送达", 3, "条"], ["其中：未送达", 2, "条"], ["送达率", 60.0, "%"],
        ["发送失败", 2, "条"], ["待发送", 1, "条"],
        ["评价邀请", 4, "条"], ["其中：已回复评价", 2, "条"], ["短信评价", 3, "条"], ["参评率", 50.0, "%"], ["短信满意率", 66.67, "%"],
        ["短信来信", 8, "条"], ["其中：待处理", 2, "条"], ["其中：已登记工单", 1, "条"], ["退订", 1, "条"],
    ]
    assert chart.keys == ["made", "receipts", "results", "answers", "sent", "delivered", "undelivered",
                          "delivery_rate", "failed", "pending", "invitations", "invitations_answered", "rated", "rating_rate",
                          "satisfaction_rate", "incoming", "incoming_open", "incoming_registered", "opt_outs"]
    assert chart.kinds == ["percent" if key.endswith("_rate") else "texts" for key in chart.keys]
    figures = sms_figures(start=at(2025, 11, 3, 0), end=at(2025, 11, 5, 0))
    for key, row in by_key(chart).items():
        value = getattr(figures, key)
        assert row[1] == (percent(value) if key.endswith("_rate") else value), key


def test_the_sms_chart_of_a_period_without_texts_has_zeros_and_no_rates(cast):
    rows = by_key(build("sms"))
    assert rows["made"][1] == rows["incoming"][1] == 0
    assert rows["delivery_rate"][1] is rows["rating_rate"][1] is rows["satisfaction_rate"][1] is None


# --- Cost ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("chart", "most"), [
    ("headline", 7), ("volume_hours", 1), ("volume_days", 1), ("by_type", 6), ("by_category", 9),
    ("by_area", 7), ("by_channel", 5), ("calls", 3), ("calls_trend", 3), ("calls_by_line", 2), ("units", 6),
    ("sms", 5),
])
def test_a_year_of_any_chart_is_a_handful_of_queries(two_days, chart, most):
    assert set(CHARTS) == {"headline", "volume_hours", "volume_days", "by_type", "by_category", "by_area",
                           "by_channel", "calls", "calls_trend", "calls_by_line", "units", "sms"}
    year = Period("custom", dt.date(2024, 11, 5), TUE)
    with CaptureQueriesContext(connection) as queries:
        built = build(chart, year)
    assert built.name == chart
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) <= most, "\n".join(statements)
    assert not any('FROM "orders_workorder"' in sql for sql in statements)  # the rollups, never the orders
