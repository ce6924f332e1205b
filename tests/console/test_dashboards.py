"""Dashboards (rexian/console/views/dashboards.py): who sees them, periods, every chart's data, exports.

The data: two days, Monday 3 and Tuesday 4 November 2025 (Asia/Shanghai), told through the services
(tests/analytics/conftest.py's Story), then the rollups rebuilt (the tests' events are never committed,
so the rollups' receiver does not run). The pages use the real clock, long after: every deadline has
passed. What each order contributes (deadlines: sign 1 working day, a complaint's reply 10 working days):

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
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from rexian.analytics.metrics import (
    metrics_by,
    period_metrics,
    unit_ranking,
    volume_by_day,
    volume_by_hour,
    volume_by_hour_of_day,
)
from rexian.analytics.rollups import rollup_rebuild
from rexian.console.views.dashboards import CHARTS, BadPeriod, parse_period, percent
from rexian.orders.transitions import State
from rexian.telephony.figures import call_figures
from tests import factories as f
from tests.analytics.conftest import Clock, Story, at
from tests.telephony.conftest import abandoned_call, answered_call, apply

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("console:dashboard")
UNITS = reverse("console:dashboard-units")
DATA = reverse("console:dashboard-data")
EXPORT = reverse("console:dashboard-export")
BIGSCREEN = reverse("console:bigscreen")
SEARCH = reverse("console:search")
MON, TUE = dt.date(2025, 11, 3), dt.date(2025, 11, 4)
TWO_DAYS = {"period": "custom", "date_from": "2025-11-03", "date_to": "2025-11-04"}


@pytest.fixture
def two_days(cast, monkeypatch):
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


def data(client, chart: str, **query) -> dict:
    response = client.get(DATA, {"chart": chart, **(query or TWO_DAYS)})
    assert response.status_code == 200, response.content
    return response.json()["chart"]


def column(chart: dict, key: str) -> list:
    index = [c["key"] for c in chart["columns"]].index(key)
    return [row[index] for row in chart["rows"]]


def by_key(chart: dict) -> dict:
    return dict(zip(chart["keys"], chart["rows"], strict=True))


# --- Who sees the dashboards --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["supervisor", "leader", "admin", "inspector"])
def test_supervisors_leaders_admins_and_inspectors_see_every_dashboard(signed_in, cast, who):
    client = signed_in(getattr(cast, who))
    assert client.get(DASHBOARD).status_code == 200
    assert client.get(UNITS).status_code == 200
    assert client.get(BIGSCREEN).status_code == 200
    assert client.get(DATA, {"chart": "headline"}).status_code == 200
    assert client.get(EXPORT, {"chart": "headline"}).status_code == 200


@pytest.mark.parametrize("who", ["operator", "dispatcher", "housing_handler", "housing_admin"])
def test_other_roles_get_403_with_the_reason(signed_in, cast, who):
    client = signed_in(getattr(cast, who))
    for url, query in ((DASHBOARD, {}), (UNITS, {}), (BIGSCREEN, {}), (DATA, {"chart": "headline"}),
                       (EXPORT, {"chart": "units"})):
        response = client.get(url, query)
        assert response.status_code == 403, url
    assert "只有值班长、领导、质检员和系统管理员可以查看统计分析" in client.get(DASHBOARD).content.decode()
    assert client.get(DATA, {"chart": "units"}).json() == {"error": "只有值班长、领导、质检员和系统管理员可以查看统计分析。"}


def test_the_pages_need_a_sign_in_and_the_data_says_401(client):
    assert client.get(DASHBOARD).status_code == 302
    assert client.get(BIGSCREEN).status_code == 302
    response = client.get(DATA, {"chart": "headline"})
    assert response.status_code == 401 and response.json()["error"] == "登录已过期，请重新登录。"


def test_the_menu_offers_the_dashboards_to_their_roles_only(signed_in, cast):
    page = signed_in(cast.leader).get(reverse("console:home")).content.decode()
    assert f'href="{DASHBOARD}" accesskey="o">统计分析</a>' in page
    assert f'href="{BIGSCREEN}" accesskey="w">大屏</a>' in page
    page = signed_in(cast.operator).get(reverse("console:home")).content.decode()
    assert DASHBOARD not in page and BIGSCREEN not in page


def test_the_duty_board_links_to_the_dashboards(signed_in, cast):
    page = signed_in(cast.supervisor).get(reverse("console:board")).content.decode()
    assert f'<a class="button" href="{DASHBOARD}">统计分析</a>' in page
    assert f'<a class="button" href="{BIGSCREEN}">大屏</a>' in page


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
])
def test_a_bad_period_says_what_is_wrong(query, message):
    with pytest.raises(BadPeriod, match=message):
        parse_period(query, today=dt.date(2026, 3, 18))


def test_a_bad_period_is_a_400_with_the_message_everywhere(signed_in, cast):
    client = signed_in(cast.leader)
    bad = {"date_from": "2026-03-02", "date_to": "2026-03-01"}
    page = client.get(DASHBOARD, bad)
    assert page.status_code == 400 and "结束日期不能早于开始日期。" in page.content.decode()
    assert 'value="2026-03-02"' in page.content.decode()  # the form keeps what was typed
    assert client.get(UNITS, bad).status_code == 400
    response = client.get(DATA, {"chart": "headline", **bad})
    assert response.status_code == 400 and response.json() == {"error": "结束日期不能早于开始日期。"}
    export = client.get(EXPORT, {"chart": "headline", **bad})
    assert export.status_code == 400 and "结束日期不能早于开始日期。" in export.content.decode()


def test_an_unknown_chart_is_a_400(signed_in, cast):
    client = signed_in(cast.leader)
    response = client.get(DATA, {"chart": "weather"})
    assert response.status_code == 400 and response.json() == {"error": "未知的图表「weather」。"}
    assert client.get(EXPORT, {"chart": "weather"}).status_code == 400


# --- Every chart against the metrics ------------------------------------------------------------------


def test_headline_figures_are_the_period_metrics(signed_in, cast, two_days):
    chart = data(signed_in(cast.leader), "headline")
    rows = by_key(chart)
    # By hand (module docstring).
    assert rows["volume"][1:] == [4, "件"]
    assert rows["connection_rate"][1] == 66.67 and rows["answered_in_15s_rate"][1] == 33.33
    assert rows["satisfaction_rate"][1] == 50.0 and rows["weighted_score"][1] == 55.0
    assert rows["timely_sign_rate"][1] == 50.0  # o1 in time, o3 late; o4's deadline (Wed) is after the period
    assert rows["daily_average"][1] == 2.0
    # And every row as the metrics module computes it.
    m = period_metrics(start=MON, end=TUE)
    for key, kind in zip(chart["keys"], chart["kinds"], strict=True):
        expected = getattr(m, key)
        assert rows[key][1] == (percent(expected) if kind in ("percent", "score") else
                                None if expected is None else round(expected, 2) if kind == "number" else expected), key


def test_headline_volume_links_to_the_period_s_orders(signed_in, cast, two_days):
    chart = data(signed_in(cast.leader), "headline")
    link = chart["links"][chart["keys"].index("volume")]
    assert link == f"{SEARCH}?date_from=2025-11-03&date_to=2025-11-04"


def test_volume_by_day_and_its_links(signed_in, cast, two_days):
    chart = data(signed_in(cast.leader), "volume_days")
    assert chart["rows"] == [["2025-11-03", 3], ["2025-11-04", 1]]
    assert [(d.isoformat(), n) for d, n in volume_by_day(start=MON, end=TUE)] == [tuple(r) for r in chart["rows"]]
    assert chart["links"][1] == f"{SEARCH}?date_from=2025-11-04&date_to=2025-11-04"


def test_a_single_day_shows_the_seven_days_ending_on_it(signed_in, cast, two_days):
    chart = data(signed_in(cast.leader), "volume_days", period="custom", date_from="2025-11-04", date_to="2025-11-04")
    assert chart["title"] == "近7日受理量（按日）"
    assert [row[0] for row in chart["rows"]] == [f"2025-10-{d}" for d in range(29, 32)] + [
        f"2025-11-0{d}" for d in range(1, 5)]
    assert column(chart, "volume") == [0, 0, 0, 0, 0, 3, 1]


def test_volume_by_hour_of_day_over_a_period(signed_in, cast, two_days):
    chart = data(signed_in(cast.leader), "volume_hours")
    counts = column(chart, "volume")
    assert len(counts) == 24 and chart["rows"][9] == ["09:00", 2]
    assert (counts[8], counts[14], sum(counts)) == (1, 1, 4)
    assert counts == volume_by_hour_of_day(start=MON, end=TUE)


def test_volume_hour_by_hour_for_one_day(signed_in, cast, two_days):
    chart = data(signed_in(cast.leader), "volume_hours", period="custom", date_from="2025-11-03",
                 date_to="2025-11-03")
    assert chart["title"] == "受理量（按小时）"
    assert column(chart, "volume") == [n for _at, n in volume_by_hour(start=MON, end=MON)]
    assert chart["rows"][9] == ["09:00", 2] and chart["rows"][14] == ["14:00", 1]


def test_today_stops_at_the_current_hour(signed_in, cast, make_order):
    make_order()
    rollup_rebuild()
    chart = data(signed_in(cast.leader), "volume_hours", period="today")
    now = timezone.localtime()
    assert len(chart["rows"]) == now.hour + 1
    assert chart["rows"][now.hour] == [f"{now.hour:02d}:00", 1]


def test_by_type_category_area_and_channel(signed_in, cast, two_days):
    client = signed_in(cast.leader)
    by_type = data(client, "by_type")
    assert by_type["rows"] == [["投诉", 3], ["咨询", 1]] and by_type["draw"] == "pie"
    assert by_type["links"][0] == f"{SEARCH}?appeal_type=complaint&date_from=2025-11-03&date_to=2025-11-04"
    category = data(client, "by_category")
    assert category["rows"] == [["城乡建设", 3], ["生态环境", 1]]
    assert category["links"][1] == f"{SEARCH}?category=02&date_from=2025-11-03&date_to=2025-11-04"
    assert data(client, "by_area")["rows"] == [["城东街道", 4]]
    assert data(client, "by_channel")["rows"] == [["电话", 3], ["网站", 1]]
    for name, dimension, extra in (("by_type", "type", {}), ("by_category", "category", {"level": 1}),
                                   ("by_area", "area", {"level": "town"}), ("by_channel", "channel", {})):
        expected = sorted(((m.label, m.volume) for m in metrics_by(dimension, start=MON, end=TUE, **extra)),
                          key=lambda pair: -pair[1])
        assert [tuple(row) for row in data(client, name)["rows"]] == expected, name


def test_call_figures_by_day_and_in_total(signed_in, cast, two_days):
    client = signed_in(cast.leader)
    trend = data(client, "calls_trend")
    assert trend["title"] == "接通率与呼入量（按日）"
    assert column(trend, "slot") == ["2025-11-03", "2025-11-04"]
    assert column(trend, "offered") == [2, 1]
    assert column(trend, "connection_rate") == [100.0, 0.0]
    assert column(trend, "answered_in_target_rate") == [50.0, 0.0]
    assert column(trend, "average_wait_seconds") == [15.0, None]  # nobody answered on Tuesday
    start, end = at(2025, 11, 3, 0), at(2025, 11, 5, 0)
    for row, figures in zip(trend["rows"], call_figures(start, end, by="day"), strict=True):
        assert row[1:6] == [figures.offered, figures.answered, percent(figures.connection_rate),
                            percent(figures.answered_in_target_rate), percent(figures.abandonment_rate)]
    total = by_key(data(client, "calls"))
    assert total["offered"][1] == 3 and total["connection_rate"][1] == 66.67
    assert total["abandonment_rate"][1] == percent(call_figures(start, end).abandonment_rate) == 33.33


def test_calls_by_line(signed_in, cast, two_days):
    chart = data(signed_in(cast.leader), "calls_by_line")
    assert chart["rows"][0][:4] == ["12345 12345政务服务便民热线", 3, 2, 66.67]
    assert "occupancy" not in [c["key"] for c in chart["columns"]]  # operators answer every line


def test_calls_hour_by_hour_for_one_day(signed_in, cast, two_days):
    chart = data(signed_in(cast.leader), "calls_trend", period="custom", date_from="2025-11-03",
                 date_to="2025-11-03")
    assert len(chart["rows"]) == 24
    assert chart["rows"][9][:5] == ["09:00", 2, 2, 100.0, 50.0]
    assert chart["rows"][10][1:4] == [0, 0, None]


# --- The unit ranking (部门考评) ----------------------------------------------------------------------


def test_units_are_ranked_by_weighted_score_with_their_rates(signed_in, cast, two_days):
    chart = data(signed_in(cast.leader), "units")
    assert column(chart, "unit") == ["住建局", "城管局"]
    assert column(chart, "rank") == [1, 2]
    housing, urban = chart["rows"]
    rates = dict(zip([c["key"] for c in chart["columns"]], housing, strict=True))
    assert (rates["response_rate"], rates["solution_rate"], rates["satisfaction_rate"]) == (100.0, 50.0, 50.0)
    assert rates["weighted_score"] == 55.0 and rates["dispatched"] == 2
    assert urban[-1] is None  # no callback: no score
    assert [m.label for m in unit_ranking(start=MON, end=TUE)] == column(chart, "unit")


def test_the_ranking_page_links_each_unit_to_its_orders_in_the_period(signed_in, cast, two_days):
    page = signed_in(cast.leader).get(UNITS, TWO_DAYS).content.decode()
    housing = f'<a href="{SEARCH}?unit=C-ZJJ&amp;date_from=2025-11-03&amp;date_to=2025-11-04">住建局</a>'
    urban = f'<a href="{SEARCH}?unit=C-CGJ&amp;date_from=2025-11-03&amp;date_to=2025-11-04">城管局</a>'
    assert housing in page and urban in page
    assert page.index(housing) < page.index(urban)
    assert "<td class=\"num\">55.00</td>" in page
    embedded = json.loads(page.split('id="units-chart" type="application/json">')[1].split("</script>")[0])
    assert embedded["series"] == ["weighted_score"] and len(embedded["rows"]) == 2


def test_the_search_links_find_each_unit_s_orders(signed_in, cast, two_days):
    client = signed_in(cast.leader)
    housing, urban = data(client, "units")["links"]
    orders = {name: reverse("console:order", args=[getattr(two_days, name).number])
              for name in ("o1", "o2", "o3", "o4")}

    def found(link: str) -> set[str]:
        query = {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}
        page = client.get(link.split("?")[0], query).content.decode()
        return {name for name, url in orders.items() if f'href="{url}"' in page}

    assert found(housing) == {"o1", "o4"}
    assert found(urban) == {"o3"}


# --- Excel --------------------------------------------------------------------------------------------


def workbook(response) -> list[tuple]:
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    width = len(rows[0])  # a row whose last cells are empty is read back shorter
    return [row + (None,) * (width - len(row)) for row in rows]


def test_each_export_is_exactly_its_chart(signed_in, cast, two_days):
    client = signed_in(cast.leader)
    for name in CHARTS:
        chart = data(client, name)
        rows = workbook(client.get(EXPORT, {"chart": name, **TWO_DAYS}))
        assert len(rows) == len(chart["rows"]) + 1, name
        for got, expected in zip(rows[1:], chart["rows"], strict=True):
            assert list(got) == expected, name


def test_the_ranking_export_has_titled_columns_with_units(signed_in, cast, two_days):
    response = signed_in(cast.leader).get(EXPORT, {"chart": "units", **TWO_DAYS})
    assert "filename*=utf-8''%E9%83%A8%E9%97%A8%E8%80%83%E8%AF%84_20251103-20251104.xlsx" in response[
        "Content-Disposition"]
    header, housing, urban = workbook(response)
    assert header[:3] == ("排名", "承办单位", "主办受理量") and header[-1] == "综合得分"
    assert "及时签收率（%）" in header
    assert housing[:2] == (1, "住建局") and housing[-1] == 55.0
    assert urban[:2] == (2, "城管局") and urban[-1] is None


def test_the_call_export_titles_seconds(signed_in, cast, two_days):
    header, *rows = workbook(signed_in(cast.leader).get(EXPORT, {"chart": "calls_trend", **TWO_DAYS}))
    assert header[:4] == ("日期", "呼入量", "接通量", "接通率（%）")
    assert "平均等待时长（秒）" in header
    assert rows[0][:5] == ("2025-11-03", 2, 2, 100, 50)


# --- Pages --------------------------------------------------------------------------------------------


def test_the_overview_page_is_a_frame_for_every_chart_with_its_export(signed_in, cast):
    page = signed_in(cast.supervisor).get(DASHBOARD, {"period": "month"}).content.decode()
    for name in ("headline", "calls", "volume_hours", "volume_days", "by_type", "by_category", "by_area",
                 "by_channel", "calls_trend", "calls_by_line"):
        assert f'data-chart="{name}" data-url="{DATA}?chart={name}&amp;period=month"' in page
        assert f'href="{EXPORT}?chart={name}&amp;period=month"' in page
    assert "/static/console/vendor/echarts/echarts.min.js" in page and "cdn" not in page.lower()
    assert f'href="{UNITS}?period=month"' in page
    for label in ("受理量", "日均受理量", "接通率", "15秒接通率", "及时签收率", "及时处办率", "办结率", "回访率",
                  "回访满意率", "超期率", "退单率", "重办率", "重复来电率", "综合得分"):
        assert f"</span>{label}<span" in page, label


def test_the_period_picker_shows_the_chosen_period(signed_in, cast):
    page = signed_in(cast.leader).get(DASHBOARD, TWO_DAYS).content.decode()
    assert '<option value="custom" selected>' in page
    assert 'value="2025-11-03"' in page and 'value="2025-11-04"' in page


def test_the_big_screen_has_no_console_chrome_and_refreshes_itself(signed_in, cast):
    page = signed_in(cast.leader).get(BIGSCREEN).content.decode()
    assert 'data-theme="dark" data-refresh="60"' in page
    assert "data-fullscreen" in page and "<kbd>F</kbd>" in page
    assert 'class="topbar"' not in page
    assert f'data-url="{DATA}?chart=headline&amp;period=today"' in page
    assert f'data-url="{DATA}?chart=units&amp;period=month"' in page
    assert "部门考评（本月）" in page


def test_the_vendored_echarts_is_served_from_static_files():
    from django.contrib.staticfiles import finders

    script = Path(finders.find("console/vendor/echarts/echarts.min.js"))
    assert script.stat().st_size > 500_000 and b"echarts" in script.read_bytes()[:2000].lower()
    assert "Apache License" in Path(finders.find("console/vendor/echarts/LICENSE")).read_text(encoding="utf-8")


# --- Cost ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("chart", "most"), [
    ("headline", 7), ("volume_hours", 1), ("volume_days", 1), ("by_type", 6), ("by_category", 9),
    ("by_area", 7), ("by_channel", 5), ("calls", 3), ("calls_trend", 3), ("calls_by_line", 2), ("units", 6),
])
def test_a_year_of_any_chart_is_a_handful_of_queries(signed_in, cast, two_days, chart, most):
    client = signed_in(cast.leader)
    client.get(DATA, {"chart": chart, "period": "last30"})  # the session, once
    year = {"period": "custom", "date_from": "2024-11-05", "date_to": "2025-11-04"}
    with CaptureQueriesContext(connection) as queries:
        assert client.get(DATA, {"chart": chart, **year}).status_code == 200
    statements = [q["sql"] for q in queries.captured_queries
                  if not any(word in q["sql"] for word in ("django_session", "units_user", "SAVEPOINT"))]
    assert len(statements) <= most, "\n".join(statements)
    assert not any('FROM "orders_workorder"' in sql for sql in statements)  # the rollups, never the orders


def test_a_closed_order_today_counts_in_today_s_figures(signed_in, cast, make_order):
    """The real clock, end to end: an order answered on the call today shows in today's 受理量 and 办结率."""
    make_order(State.CLOSED)
    rollup_rebuild()
    rows = by_key(data(signed_in(cast.leader), "headline", period="today"))
    assert rows["volume"][1] == 1 and rows["completion_rate"][1] == 100.0
