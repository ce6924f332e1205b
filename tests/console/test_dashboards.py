"""Dashboards (rexian/console/views/dashboards.py): who sees them, bad periods, the charts' JSON and links,
the exports and the pages.

The charts' figures themselves are tested in tests/analytics/test_charts.py (rexian/analytics/charts.py), whose
`two_days` story (Monday 3 and Tuesday 4 November 2025, hand-computed in its docstring) these tests share:
受理量 4 (3 on Monday, 1 on Tuesday), 3 complaints and 1 consultation, 城乡建设 3 and 生态环境 1, all in 城东街道;
housing (住建局, C-ZJJ) ranks first with o1 and o4, urban (城管局, C-CGJ) last with o3. The pages use the real
clock, long after: every deadline has passed.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from rexian.analytics.charts import CHARTS, Period, chart_build
from rexian.analytics.rollups import rollup_rebuild
from rexian.orders.transitions import State
from rexian.units.models import Role
from tests import factories as f
from tests.analytics.test_charts import MON, TUE, two_days_told
from tests.sms.conftest import sms_story_told

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("console:dashboard")
UNITS = reverse("console:dashboard-units")
DATA = reverse("console:dashboard-data")
EXPORT = reverse("console:dashboard-export")
BIGSCREEN = reverse("console:bigscreen")
SEARCH = reverse("console:search")
TWO_DAYS = {"period": "custom", "date_from": "2025-11-03", "date_to": "2025-11-04"}


@pytest.fixture
def two_days(cast, monkeypatch):
    """Orders o1 … o5 and three calls on 3 and 4 November 2025 (tests/analytics/test_charts.py's story)."""
    return two_days_told(cast, monkeypatch)


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


@pytest.mark.parametrize(("who", "has_board"), [("supervisor", True), ("leader", True), ("inspector", False),
                                               ("admin", False)])
def test_the_dashboard_links_the_duty_board_only_for_those_who_may_open_it(signed_in, cast, who, has_board):
    client = signed_in(getattr(cast, who))
    page = client.get(DASHBOARD).content.decode()
    board = reverse("console:board")
    assert (f'<a class="button" href="{board}">' in page) is has_board
    assert client.get(board).status_code == (200 if has_board else 403)
    assert f'<a class="button" href="{BIGSCREEN}">' in page


# --- Bad requests -------------------------------------------------------------------------------------


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


def test_a_period_in_year_1_is_a_400_with_the_message_everywhere(signed_in, cast):
    client = signed_in(cast.leader)
    year_1 = {"date_from": "0001-01-01", "date_to": "0001-01-31"}
    message = "开始日期不能早于 1900-01-01。"
    page = client.get(DASHBOARD, year_1)
    assert page.status_code == 400 and message in page.content.decode()
    units = client.get(UNITS, year_1)
    assert units.status_code == 400 and message in units.content.decode()
    response = client.get(DATA, {"chart": "headline", **year_1})
    assert response.status_code == 400 and response.json() == {"error": message}
    export = client.get(EXPORT, {"chart": "units", "date_from": "0001-01-01", "date_to": "0001-12-31"})
    assert export.status_code == 400 and message in export.content.decode()


def test_a_period_in_year_1_is_refused_in_english_for_english_users(signed_in, cast):
    type(cast.leader).objects.filter(pk=cast.leader.pk).update(language="en")
    response = signed_in(cast.leader).get(DATA, {"chart": "headline", "date_from": "0001-01-01",
                                                 "date_to": "0001-01-31"})
    assert response.status_code == 400
    assert response.json() == {"error": "Start date cannot be before 1900-01-01."}


def test_an_unknown_chart_is_a_400(signed_in, cast):
    client = signed_in(cast.leader)
    response = client.get(DATA, {"chart": "weather"})
    assert response.status_code == 400 and response.json() == {"error": "未知的图表「weather」。"}
    assert client.get(EXPORT, {"chart": "weather"}).status_code == 400


# --- Each chart as JSON, with its links -------------------------------------------------------------


def test_the_data_is_the_chart_s_table_with_its_links_and_export(signed_in, cast, two_days):
    """Every chart answers the table its builder makes, in the shape dashboards.js reads, and the period."""
    client = signed_in(cast.leader)
    period = Period("custom", MON, TUE)
    for name in CHARTS:
        response = client.get(DATA, {"chart": name, **TWO_DAYS})
        assert "no-store" in response["Cache-Control"], name
        body = response.json()
        assert set(body) == {"chart", "period", "updated"}
        assert body["period"] == {"key": "custom", "label": "2025-11-03 — 2025-11-04", "start": "2025-11-03",
                                  "end": "2025-11-04", "days": 2}
        chart, built = body["chart"], chart_build(name, period)
        assert list(chart) == ["name", "title", "draw", "columns", "rows", "keys", "links", "series", "kinds",
                               "export_url"], name
        assert chart["columns"] == [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in built.columns]
        assert (chart["name"], chart["title"], chart["draw"]) == (name, built.title, built.draw)
        assert chart["rows"] == built.rows and chart["keys"] == [str(k) for k in built.keys], name
        assert (chart["series"], chart["kinds"]) == (list(built.series), built.kinds), name
        assert chart["export_url"] == f"{EXPORT}?chart={name}&period=custom&date_from=2025-11-03&date_to=2025-11-04"


def test_a_chart_without_search_filters_has_an_empty_link_per_row_or_none(signed_in, cast, two_days):
    client = signed_in(cast.leader)
    assert data(client, "by_area") == {
        "name": "by_area", "title": "按区域（镇/街道）", "draw": "hbar",
        "columns": [{"key": "name", "label": "镇/街道", "kind": "text"},
                    {"key": "volume", "label": "受理量", "kind": "count"}],
        "rows": [["城东街道", 4]], "keys": [str(cast.town.pk)], "links": [""], "series": ["volume"], "kinds": [],
        "export_url": f"{EXPORT}?chart=by_area&period=custom&date_from=2025-11-03&date_to=2025-11-04",
    }
    assert data(client, "by_channel")["links"] == ["", ""]  # no channel filter in the search
    for name in ("volume_hours", "calls", "calls_trend", "calls_by_line", "sms"):
        assert data(client, name)["links"] == [], name


def test_headline_volume_links_to_the_period_s_orders(signed_in, cast, two_days):
    chart = data(signed_in(cast.leader), "headline")
    link = chart["links"][chart["keys"].index("volume")]
    assert link == f"{SEARCH}?date_from=2025-11-03&date_to=2025-11-04&exclude_voided=1"
    assert [link for key, link in zip(chart["keys"], chart["links"], strict=True) if key != "volume"] == [""] * 22


def test_the_volume_link_finds_as_many_orders_as_the_card_counts(signed_in, cast, two_days):
    client = signed_in(cast.leader)
    chart = data(client, "headline")
    volume = by_key(chart)["volume"][1]
    link = chart["links"][chart["keys"].index("volume")]
    assert volume == 4  # o5, voided on Tuesday, is not counted
    assert f"共 {volume} 条" in client.get(link).content.decode()


def test_each_day_links_to_its_orders(signed_in, cast, two_days):
    chart = data(signed_in(cast.leader), "volume_days")
    assert chart["rows"] == [["2025-11-03", 3], ["2025-11-04", 1]]
    assert chart["links"][1] == f"{SEARCH}?date_from=2025-11-04&date_to=2025-11-04&exclude_voided=1"
    # A single day shows the seven days ending on it, each linked to its own day.
    week = data(signed_in(cast.leader), "volume_days", period="custom", date_from="2025-11-04", date_to="2025-11-04")
    assert week["links"][0] == f"{SEARCH}?date_from=2025-10-29&date_to=2025-10-29&exclude_voided=1"
    assert len(week["links"]) == 7


def test_types_and_categories_link_to_their_orders_by_code(signed_in, cast, two_days):
    client = signed_in(cast.leader)
    by_type = data(client, "by_type")
    assert by_type["rows"] == [["投诉", 3], ["咨询", 1]] and by_type["draw"] == "pie"
    assert by_type["links"][0] == (
        f"{SEARCH}?appeal_type=complaint&date_from=2025-11-03&date_to=2025-11-04&exclude_voided=1"
    )
    category = data(client, "by_category")
    assert category["rows"] == [["城乡建设", 3], ["生态环境", 1]]
    assert category["links"][1] == f"{SEARCH}?category=02&date_from=2025-11-03&date_to=2025-11-04&exclude_voided=1"


def test_types_and_channels_are_named_in_english_for_english_users(signed_in, cast, two_days):
    type(cast.leader).objects.filter(pk=cast.leader.pk).update(language="en")
    client = signed_in(cast.leader)
    assert data(client, "by_type")["rows"] == [["Complaint", 3], ["Enquiry", 1]]
    assert [row[0] for row in data(client, "by_channel")["rows"]] == ["Phone", "Website"]
    export = load_workbook(io.BytesIO(client.get(EXPORT, {"chart": "by_type", **TWO_DAYS}).content)).active
    assert [row[0] for row in export.iter_rows(min_row=2, values_only=True)] == ["Complaint", "Enquiry"]


def test_today_s_data_stops_at_the_current_hour(signed_in, cast, make_order):
    make_order()
    rollup_rebuild()
    chart = data(signed_in(cast.leader), "volume_hours", period="today")
    now = timezone.localtime()
    assert len(chart["rows"]) == now.hour + 1
    assert chart["rows"][now.hour] == [f"{now.hour:02d}:00", 1]


# --- The unit ranking (部门考评) ----------------------------------------------------------------------


def test_the_ranking_data_links_each_unit_to_its_orders_in_the_period(signed_in, cast, two_days):
    chart = data(signed_in(cast.leader), "units")
    assert column(chart, "unit") == ["住建局", "城管局"]
    # The orders the unit leads (主办受理量), not those it assists.
    dates = "date_from=2025-11-03&date_to=2025-11-04&exclude_voided=1"
    assert chart["links"] == [f"{SEARCH}?unit=C-ZJJ&lead_only=1&{dates}", f"{SEARCH}?unit=C-CGJ&lead_only=1&{dates}"]


def test_the_ranking_page_links_each_unit_to_its_orders_in_the_period(signed_in, cast, two_days):
    page = signed_in(cast.leader).get(UNITS, TWO_DAYS).content.decode()
    dates = "date_from=2025-11-03&amp;date_to=2025-11-04&amp;exclude_voided=1"
    housing = f'<a href="{SEARCH}?unit=C-ZJJ&amp;lead_only=1&amp;{dates}">住建局</a>'
    urban = f'<a href="{SEARCH}?unit=C-CGJ&amp;lead_only=1&amp;{dates}">城管局</a>'
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
    assert header[:4] == ("排名", "承办单位", "综合得分", "主办受理量")  # the ranking key beside the unit, as on the page
    assert "及时签收率（%）" in header
    assert housing[:3] == (1, "住建局", 55.0)
    assert urban[:3] == (2, "城管局", None)


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


def test_the_data_costs_its_chart_s_queries_and_nothing_more(signed_in, cast, two_days):
    """A year of any chart is a handful of rollup queries (tests/analytics/test_charts.py counts them); the
    request adds none but its session's, links included (the codes come with the chart)."""
    client = signed_in(cast.leader)
    client.get(DATA, {"chart": "headline", "period": "last30"})  # the session, once
    year = {"period": "custom", "date_from": "2024-11-05", "date_to": "2025-11-04"}
    period = Period("custom", dt.date(2024, 11, 5), TUE)

    def counted(queries) -> list[str]:
        return [q["sql"] for q in queries.captured_queries
                if not any(word in q["sql"] for word in ("django_session", "units_user", "SAVEPOINT"))]

    for name in CHARTS:
        with CaptureQueriesContext(connection) as request:
            assert client.get(DATA, {"chart": name, **year}).status_code == 200
        with CaptureQueriesContext(connection) as built:
            chart_build(name, period)
        assert len(counted(request)) == len(counted(built)), name
        assert not any('FROM "orders_workorder"' in sql for sql in counted(request))  # the rollups, never the orders


def test_a_closed_order_today_counts_in_today_s_figures(signed_in, cast, make_order):
    """The real clock, end to end: an order answered on the call today shows in today's 受理量 and 办结率."""
    make_order(State.CLOSED)
    rollup_rebuild()
    rows = by_key(data(signed_in(cast.leader), "headline", period="today"))
    assert rows["volume"][1] == 1 and rows["completion_rate"][1] == 100.0


# --- 短信统计 ---------------------------------------------------------------------------------------------------


@pytest.fixture
def sms_story(cast, make_order, monkeypatch):
    """tests/sms/conftest.py's texts on 3 and 4 November 2025 (its docstring counts them)."""
    sms_story_told(cast, make_order, monkeypatch)


def test_the_sms_data_is_the_period_s_figures_as_a_table(signed_in, cast, sms_story):
    chart = data(signed_in(cast.supervisor), "sms")
    assert (chart["title"], chart["draw"]) == ("短信统计", "table")
    assert [c["label"] for c in chart["columns"]] == ["指标", "数值", "单位"]
    assert chart["kinds"][:8] == ["texts"] * 7 + ["percent"]
    rows = by_key(chart)
    assert [rows[key][1] for key in ("made", "receipts", "results", "answers")] == [10, 4, 5, 1]
    assert [rows[key][1] for key in ("sent", "delivered", "undelivered", "failed", "pending")] == [7, 3, 2, 2, 1]
    assert rows["delivery_rate"] == ["送达率", 60.0, "%"]
    assert [rows[key][1] for key in ("invitations", "invitations_answered", "rated")] == [4, 2, 3]
    assert [rows[key][1] for key in ("rating_rate", "satisfaction_rate")] == [50.0, 66.67]
    assert [rows[key][1] for key in ("incoming", "incoming_open", "incoming_registered", "opt_outs")] == [8, 2, 1, 1]
    assert rows["incoming_registered"][0] == "其中：已登记工单"


def test_the_sms_data_of_a_quiet_period_has_no_rates(signed_in, cast, sms_story):
    rows = by_key(data(signed_in(cast.leader), "sms", period="custom", date_from="2025-10-01",
                       date_to="2025-10-31"))
    assert rows["made"][1] == rows["incoming"][1] == 0
    assert rows["delivery_rate"][1] is rows["rating_rate"][1] is rows["satisfaction_rate"][1] is None


def test_the_sms_export_writes_the_figures_with_their_units(signed_in, cast, sms_story):
    client = signed_in(cast.inspector)
    response = client.get(EXPORT, {"chart": "sms", **TWO_DAYS})
    assert "filename*=utf-8''%E7%9F%AD%E4%BF%A1%E7%BB%9F%E8%AE%A1_20251103-20251104.xlsx" in response[
        "Content-Disposition"]
    header, *rows = workbook(response)
    assert header == ("指标", "数值", "单位")
    assert rows[0] == ("发送短信", 10, "条") and ("送达率", 60, "%") in rows and ("短信满意率", 66.67, "%") in rows
    assert [list(row) for row in rows] == data(client, "sms")["rows"]


def test_only_the_dashboards_roles_read_the_sms_figures(signed_in, cast):
    assert signed_in(cast.operator).get(DATA, {"chart": "sms"}).status_code == 403
    assert signed_in(cast.dispatcher).get(EXPORT, {"chart": "sms"}).status_code == 403


def test_the_overview_shows_the_sms_panel_where_texts_are_sent(signed_in, cast, settings):
    panel = f'data-chart="sms" data-url="{DATA}?chart=sms&amp;period=month"'
    client = signed_in(cast.supervisor)
    settings.SMS_BACKEND = "off"
    assert panel not in client.get(DASHBOARD, {"period": "month"}).content.decode()
    settings.SMS_BACKEND = "log"
    page = client.get(DASHBOARD, {"period": "month"}).content.decode()
    assert panel in page and f'href="{EXPORT}?chart=sms&amp;period=month"' in page
    assert '<h2 id="chart-sms" data-title>短信统计</h2>' in page


def test_the_overview_keeps_the_sms_panel_for_past_texts_once_the_gateway_is_off(signed_in, cast, settings,
                                                                                   sms_story):
    settings.SMS_BACKEND = "off"
    page = signed_in(cast.leader).get(DASHBOARD, TWO_DAYS).content.decode()
    assert 'data-chart="sms"' in page


# --- 本单位考评: a unit admin's own unit --------------------------------------------------------------------

MY_UNIT = reverse("console:my-unit")


def test_a_unit_admin_sees_their_unit_s_rank_and_figures_as_the_ranking_gives_them(signed_in, cast, two_days):
    ranking = by_key(data(signed_in(cast.leader), "units"))
    housing = ranking[str(cast.housing.pk)]
    page = signed_in(cast.housing_admin).get(MY_UNIT, TWO_DAYS)
    body = page.content.decode()
    assert page.status_code == 200
    assert "本单位考评 · 住建局" in body and "城管局" not in body
    assert '第 <strong class="num">1</strong> 名，共 2 个承办单位' in body and "暂无综合得分" not in body
    figures = dict(zip([c["key"] for c in data(signed_in(cast.leader), "units")["columns"]], housing, strict=True))
    assert f'data-metric="weighted_score"><span class="card__count">{figures["weighted_score"]:.2f}</span>' in body
    assert f'data-metric="volume"><span class="card__count">{figures["volume"]}</span>' in body
    assert f'href="{SEARCH}?unit=C-ZJJ&amp;lead_only=1&amp;date_from=2025-11-03' in body  # the orders it counts


def test_a_unit_without_a_score_is_told_its_place_and_why(signed_in, cast, two_days):
    urban_admin = f.UserFactory(username="urban-admin", role=Role.UNIT_ADMIN, unit=cast.urban)
    body = signed_in(urban_admin).get(MY_UNIT, TWO_DAYS).content.decode()
    assert '第 <strong class="num">2</strong> 名，共 2 个承办单位' in body  # as 部门考评 numbers it
    assert "暂无综合得分" in body and 'data-metric="weighted_score"><span class="card__count">—</span>' in body


def test_a_unit_without_work_in_the_period_is_told_so(signed_in, cast, two_days):
    quiet = f.UserFactory(username="community-admin", role=Role.UNIT_ADMIN, unit=cast.community)
    body = signed_in(quiet).get(MY_UNIT, TWO_DAYS).content.decode()
    assert "本时段没有派给本单位的工单或回访，暂无考评数据。" in body and "data-metric" not in body


@pytest.mark.parametrize("who", ["housing_handler", "leader", "supervisor", "operator"])
def test_only_unit_admins_have_a_unit_page(signed_in, cast, who):
    response = signed_in(getattr(cast, who)).get(MY_UNIT)
    assert response.status_code == 403 and "只有承办单位管理员可以查看本单位考评。" in response.content.decode()


def test_the_unit_page_answers_a_bad_period_with_the_message(signed_in, cast):
    response = signed_in(cast.housing_admin).get(MY_UNIT, {"period": "custom", "date_from": "2025-11-04",
                                                           "date_to": "2025-11-03"})
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()


def test_the_menu_offers_the_unit_page_to_unit_admins(signed_in, cast):
    assert MY_UNIT in signed_in(cast.housing_admin).get(reverse("console:home")).content.decode()
    assert MY_UNIT not in signed_in(cast.housing_handler).get(reverse("console:home")).content.decode()


def test_the_unit_page_in_english(signed_in, cast, two_days):
    type(cast.housing_admin).objects.filter(pk=cast.housing_admin.pk).update(language="en")
    body = signed_in(cast.housing_admin).get(MY_UNIT, TWO_DAYS).content.decode()
    assert "My unit&#x27;s assessment" in body or "My unit's assessment" in body
    assert 'Number <strong class="num">1</strong> of 2 handling units' in body
