"""Dashboards (统计分析): the centre overview, the unit ranking (部门考评) and the wall's big screen (大屏).

The charts themselves, each one table, and the period model are `rexian.analytics.charts`, shared
with the exports and reports; these views only check who asks, turn the request into a `Period`,
lay out the pages and answer HTML, JSON or .xlsx. What the console adds to a chart is its own: the
link beside each row to the search page with the row's orders, and the chart's export URL.

The pages render an empty frame at once; `dashboards.js` asks `dashboard-data` for each chart
separately (each request is a handful of rollup queries: none reads the orders tables) and draws it
with ECharts, vendored in static/console/vendor/echarts. `dashboard-export` writes exactly the same
table as .xlsx. A period is at most a year (366 days), see docs/performance.md.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from rexian.analytics.charts import (
    CALL_COLUMNS,
    CHARTS,
    HEADLINE,
    PERIODS,
    BadPeriod,
    Chart,
    Column,
    Period,
    chart_build,
    chart_title,
    parse_period,
    unit_figures,
)
from rexian.console.responses import bad_request
from rexian.console.xlsx import workbook_bytes, xlsx_response
from rexian.sms.selectors import sms_in_use
from rexian.units.models import Role

DASHBOARD_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN, Role.INSPECTOR})
BIGSCREEN_REFRESH_SECONDS = 60


def require_viewer(user) -> None:
    """Dashboards are for the centre's supervisors, leaders, quality inspectors and admins (403 for others)."""
    if user.role not in DASHBOARD_ROLES:
        raise PermissionDenied(_("只有值班长、领导、质检员和系统管理员可以查看统计分析。"))


# --- A chart in the console: its links, its JSON, its export ----------------------------------------


def _search(**query) -> str:
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return reverse("console:search") + "?" + urlencode(query)


def _dates(period: Period) -> dict[str, str]:
    """The search's filter for the orders registered in the period that 受理量 counts (voided ones left out)."""
    return {"date_from": period.start.isoformat(), "date_to": period.end.isoformat(), "exclude_voided": "1"}


# The search filter that finds a grouping's rows by their code. The search has no area or channel filter:
# those rows get an empty link (dashboards.js reads one per row; charts not listed here have none at all).
# A unit's row links to the orders it leads (`_unit_orders`).
SEARCH_FILTERS: dict[str, str | None] = {
    "by_type": "appeal_type", "by_category": "category", "by_area": None, "by_channel": None,
}


def _chart_links(chart: Chart, period: Period) -> list[str]:
    """Beside each row, the search page with the orders it counts, where the search can filter by what the row
    is: the headline's 受理量 and each day by registration date, a type, category or unit by its code within
    the period's dates."""
    dates = _dates(period)
    if chart.name == "headline":
        return [_search(**dates) if key == "volume" else "" for key in chart.keys]
    if chart.name == "volume_days":
        return [_search(date_from=day, date_to=day, exclude_voided="1") for day in chart.keys]
    if chart.name == "units":
        return [_unit_orders(chart.codes.get(key), period) for key in chart.keys]
    if chart.name in SEARCH_FILTERS:
        name = SEARCH_FILTERS[chart.name]
        return [_search(**{name: chart.codes.get(key)}, **dates) if name else "" for key in chart.keys]
    return []


def _unit_orders(code: str, period: Period) -> str:
    """The orders a unit's 主办受理量 counts: those it leads now, registered in the period (not those it assists)."""
    return _search(unit=code, lead_only="1", **_dates(period))


def _chart_json(chart: Chart, period: Period) -> dict:
    """The chart as dashboards.js reads it: the table, each row's key and link, and the chart's export URL."""
    return {
        "name": chart.name, "title": str(chart.title), "draw": chart.draw,
        "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in chart.columns],
        "rows": chart.rows, "keys": [str(k) for k in chart.keys], "links": _chart_links(chart, period),
        "series": list(chart.series), "kinds": chart.kinds, "export_url": _export_url(chart.name, period),
    }


def _header(column: Column) -> str:
    """A column's title with its unit where the number alone would not say it: 接通率（%）, 平均等待时长（秒）."""
    unit = {"percent": "%", "seconds": gettext("秒")}.get(column.kind)
    return f"{column.label}（{unit}）" if unit else str(column.label)


def _export_url(name: str, period: Period) -> str:
    return reverse("console:dashboard-export") + "?" + urlencode({"chart": name, **period.query})


def _data_url(name: str, period: Period) -> str:
    return reverse("console:dashboard-data") + "?" + urlencode({"chart": name, **period.query})


# --- Views ------------------------------------------------------------------------------------------


def _picker(request, period: Period | None) -> dict:
    """The period picker's state: the choice and the custom dates, as given (kept when they were wrong)."""
    get = request.GET
    key = period.key if period else get.get("period", "")
    return {
        "periods": [{"key": k, "label": label, "selected": k == key} for k, label in PERIODS],
        "date_from": period.start.isoformat() if period else get.get("date_from", ""),
        "date_to": period.end.isoformat() if period else get.get("date_to", ""),
    }


# The overview's charts: (name, the panel's width class).
OVERVIEW = (
    ("volume_hours", "wide"), ("volume_days", "wide"), ("by_type", ""), ("by_channel", ""),
    ("by_category", ""), ("by_area", ""), ("calls_trend", "wide"), ("calls_by_line", "wide"),
)
SMS_PANEL = ("sms", "")  # 短信统计, after the others, where the centre texts callers (sms_in_use)
HEADLINE_CARDS = (
    "volume", "daily_average", "connection_rate", "answered_in_15s_rate", "timely_sign_rate", "timely_reply_rate",
    "completion_rate", "callback_rate", "satisfaction_rate", "weighted_score", "overdue_rate", "return_rate",
    "reopen_rate", "repeat_call_rate", "direct_answer_rate",
)
CALL_CARDS = ("abandonment_rate", "average_wait_seconds", "average_handling_seconds", "occupancy")


def _cards(names, period: Period) -> list[dict]:
    """The headline cards: label, and for 受理量 the search for the period's orders."""
    labels = {name: label for name, label, _kind in HEADLINE}
    return [{"key": name, "label": labels[name],
             "url": _search(**_dates(period)) if name == "volume" else ""} for name in names]


def _panels(period: Period, names) -> list[dict]:
    return [{"name": name, "size": size, "title": chart_title(name, period), "export_url": _export_url(name, period),
             "data_url": _data_url(name, period)} for name, size in names]


def _texts(period: Period) -> dict[str, str]:
    """What dashboards.js writes on the page, translated here (the script itself holds no words).

    Today's 环比 compares today so far with yesterday up to the same hour (metrics.cut_hour), and says so.
    """
    return {
        "loading": gettext("加载中…"),
        "empty": gettext("本时段暂无数据。"),
        "error": gettext("数据加载失败，请稍后刷新页面。"),
        "updated": gettext("更新于"),
        "mom": gettext("较昨日同时段") if period.key == "today" else gettext("环比"),
        "yoy": gettext("同比"),
        "seconds": gettext("秒"),
        "points": gettext("分"),
    }


def _bad_period(request, template: str, error: BadPeriod, **context):
    return render(request, template, {"error": str(error), "period": None, **_picker(request, None), **context},
                  status=400)


@login_required
@require_GET
def dashboard(request):
    """统计分析: the period picker, the headline cards and the overview's charts (filled by dashboards.js); 短信统计
    among them where the centre texts callers or did."""
    require_viewer(request.user)
    try:
        period = parse_period(request.GET, today=timezone.localdate())
    except BadPeriod as error:
        return _bad_period(request, "console/dashboard.html", error)
    call_cards = [{"key": c.key, "label": c.label} for c in CALL_COLUMNS if c.key in CALL_CARDS]
    return render(request, "console/dashboard.html", {
        "period": period,
        **_picker(request, period),
        "cards": _cards(HEADLINE_CARDS, period),
        "call_cards": call_cards,
        "headline": _panels(period, [("headline", "")])[0],
        "calls": _panels(period, [("calls", "")])[0],
        "panels": _panels(period, OVERVIEW + ((SMS_PANEL,) if sms_in_use() else ())),
        "units_url": reverse("console:dashboard-units") + "?" + urlencode(period.query),
        "texts": _texts(period),
    })


@login_required
@require_GET
def dashboard_units(request):
    """部门考评: the units by weighted score with every rate, each unit's name a link to its orders."""
    require_viewer(request.user)
    try:
        period = parse_period(request.GET, today=timezone.localdate())
    except BadPeriod as error:
        return _bad_period(request, "console/dashboard_units.html", error)
    chart = chart_build("units", period)
    chart_json = _chart_json(chart, period)
    return render(request, "console/dashboard_units.html", {
        "period": period,
        **_picker(request, period),
        "chart": chart,
        "rows": [{"cells": [{"value": value, "kind": column.kind}
                            for value, column in zip(row, chart.columns, strict=True)],
                  "link": link} for row, link in zip(chart.rows, chart_json["links"], strict=True)],
        "chart_json": chart_json,
        "export_url": chart_json["export_url"],
        "overview_url": reverse("console:dashboard") + "?" + urlencode(period.query),
        "texts": _texts(period),
    })


@login_required
@require_GET
def my_unit(request):
    """本单位考评: a unit admin's own unit as 部门考评 ranks it for a period: its rank and every figure."""
    user = request.user
    if user.role != Role.UNIT_ADMIN or user.unit_id is None:
        raise PermissionDenied(_("只有承办单位管理员可以查看本单位考评。"))
    try:
        period = parse_period(request.GET, today=timezone.localdate())
    except BadPeriod as error:
        return _bad_period(request, "console/my_unit.html", error, unit=user.unit)
    return render(request, "console/my_unit.html", {
        "period": period,
        **_picker(request, period),
        "unit": user.unit,
        "found": unit_figures(user.unit, period, timezone.now()),
        "orders_url": _unit_orders(user.unit.code, period),
    })


@never_cache
@require_GET
def dashboard_data(request):
    """One chart's data as JSON: ?chart=<name>&period=… (see CHARTS). Errors are JSON too, with the message for
    the page: 401 for a session that ended, 403 for a role without dashboards, 400 for a bad chart or period."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": gettext("登录已过期，请重新登录。")}, status=401)
    try:
        require_viewer(request.user)
    except PermissionDenied as denied:
        return JsonResponse({"error": str(denied)}, status=403)
    name = request.GET.get("chart", "")
    if name not in CHARTS:
        return JsonResponse({"error": gettext("未知的图表「%(chart)s」。") % {"chart": name}}, status=400)
    try:
        period = parse_period(request.GET, today=timezone.localdate())
    except BadPeriod as error:
        return JsonResponse({"error": str(error)}, status=400)
    now = timezone.now()
    chart = chart_build(name, period, now)
    return JsonResponse({
        "chart": _chart_json(chart, period),
        "period": period.as_json(),
        "updated": timezone.localtime(now).isoformat(timespec="seconds"),
    })


@login_required
@require_GET
def dashboard_export(request):
    """One chart's data as an .xlsx: the same columns and rows the page draws, for the same period."""
    require_viewer(request.user)
    name = request.GET.get("chart", "")
    if name not in CHARTS:
        return bad_request(request, gettext("未知的图表「%(chart)s」。") % {"chart": name})
    try:
        period = parse_period(request.GET, today=timezone.localdate())
    except BadPeriod as error:
        return bad_request(request, str(error))
    chart = chart_build(name, period)
    header = [_header(c) for c in chart.columns]
    body = workbook_bytes(sheet_name=str(chart.title), header=header, rows=chart.rows,
                          widths=[24 if c.kind == "text" else 12 for c in chart.columns])
    filename = f"{chart.title}_{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"
    return xlsx_response(body, filename)


# The big screen's panels: today's figures, with the month's unit ranking (a day has too few callbacks to rank).
BIGSCREEN = (
    ("volume_hours", "today"), ("volume_days", "today"), ("by_type", "today"), ("by_category", "today"),
    ("by_area", "today"), ("calls_trend", "today"), ("units", "month"),
)
BIGSCREEN_CARDS = (
    "volume", "connection_rate", "answered_in_15s_rate", "timely_reply_rate", "satisfaction_rate", "weighted_score",
)


@login_required
@require_GET
def bigscreen(request):
    """大屏: today's figures full-screen and dark for the centre's wall, refreshed every minute by dashboards.js."""
    require_viewer(request.user)
    today = timezone.localdate()
    periods = {key: parse_period({"period": key}, today=today) for key in ("today", "month")}
    return render(request, "console/bigscreen.html", {
        "today": today,
        "refresh_seconds": BIGSCREEN_REFRESH_SECONDS,
        "cards": _cards(BIGSCREEN_CARDS, periods["today"]),
        "headline": _panels(periods["today"], [("headline", "")])[0],
        "panels": [{**_panels(periods[key], [(name, "")])[0], "period": periods[key]} for name, key in BIGSCREEN],
        "texts": _texts(periods["today"]),
        "time_zone": settings.TIME_ZONE,
    })
