"""Dashboards (统计分析): the centre overview, the unit ranking (部门考评) and the wall's big screen (大屏).

Every figure comes from `rexian.analytics.metrics` (orders) and `rexian.telephony.figures.call_figures`
(calls): these views only choose the period, pick the metrics a chart shows and lay them out as a
table, so a dashboard, its Excel export and a report can never disagree on a number.

Each chart is one table (`Chart`: columns, rows, and beside each row its key and the link to its
orders). The pages render an empty frame at once; `dashboards.js` asks `dashboard-data` for each
chart separately (each request is a handful of rollup queries: none reads the orders tables) and
draws it with ECharts, vendored in static/console/vendor/echarts. `dashboard-export` writes exactly
the same table as .xlsx. A period is at most a year (366 days): the rollups answer any such period
in bounded time, see docs/performance.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from rexian.analytics.metrics import (
    Metrics,
    metrics_by,
    period_metrics,
    unit_ranking,
    volume_by_day,
    volume_by_hour,
    volume_by_hour_of_day,
)
from rexian.catalog.models import AppealType, Category
from rexian.console.xlsx import workbook_bytes
from rexian.telephony.figures import CallFigures, call_figures
from rexian.units.models import Role, Unit

DASHBOARD_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN, Role.INSPECTOR})
MAX_DAYS = 366  # a year, leap years included: the longest period the rollups are sized for
BIGSCREEN_REFRESH_SECONDS = 60
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

PERIODS: tuple[tuple[str, str], ...] = (
    ("today", _("今日")),
    ("yesterday", _("昨日")),
    ("week", _("本周")),
    ("month", _("本月")),
    ("last30", _("近30日")),
    ("year", _("本年")),
    ("custom", _("自定义")),
)
PERIOD_LABELS = dict(PERIODS)


def require_viewer(user) -> None:
    """Dashboards are for the centre's supervisors, leaders, quality inspectors and admins (403 for others)."""
    if user.role not in DASHBOARD_ROLES:
        raise PermissionDenied(_("只有值班长、领导、质检员和系统管理员可以查看统计分析。"))


# --- Periods ----------------------------------------------------------------------------------------


class BadPeriod(ValueError):
    """A period the user asked for that cannot be shown; the message is for the user (400)."""


@dataclass(frozen=True)
class Period:
    """A run of local calendar days, `start` to `end` inclusive, named by the picker's choice."""

    key: str
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def single_day(self) -> bool:
        return self.start == self.end

    @property
    def label(self) -> str:
        if self.key == "custom":
            return f"{self.start:%Y-%m-%d} — {self.end:%Y-%m-%d}"
        return str(PERIOD_LABELS[self.key])

    @property
    def query(self) -> dict[str, str]:
        """The URL parameters that name this period again (named periods move with the calendar)."""
        if self.key == "custom":
            return {"period": "custom", "date_from": self.start.isoformat(), "date_to": self.end.isoformat()}
        return {"period": self.key}

    def as_json(self) -> dict:
        return {"key": self.key, "label": self.label, "start": self.start.isoformat(),
                "end": self.end.isoformat(), "days": self.days}


def _date(value: str | None, what: str) -> dt.date:
    if not value:
        raise BadPeriod(gettext("请填写%(what)s。") % {"what": what})
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise BadPeriod(
            gettext("%(what)s「%(value)s」不是有效的日期，请按 2026-03-01 的格式填写。") % {"what": what, "value": value}
        ) from None


def parse_period(data: QueryDict | dict, *, today: dt.date) -> Period:
    """The period named by `period` (today … year) or by `date_from` / `date_to`; today when nothing is given.

    Raises BadPeriod, with a message for the user, for an unknown name, a missing or malformed date, an
    end before the start or after today, and a span longer than a year.
    """
    key = data.get("period") or ("custom" if data.get("date_from") or data.get("date_to") else "today")
    if key not in PERIOD_LABELS:
        raise BadPeriod(gettext("未知的统计时段「%(period)s」。") % {"period": key})
    if key == "custom":
        start = _date(data.get("date_from"), gettext("开始日期"))
        end = _date(data.get("date_to"), gettext("结束日期"))
        if end < start:
            raise BadPeriod(gettext("结束日期不能早于开始日期。"))
        if end > today:
            raise BadPeriod(gettext("结束日期不能晚于今天。"))
        if (end - start).days + 1 > MAX_DAYS:
            raise BadPeriod(gettext("统计时段最长一年（366天），请缩短时段。"))
        return Period(key, start, end)
    start, end = {
        "today": (today, today),
        "yesterday": (today - dt.timedelta(days=1), today - dt.timedelta(days=1)),
        "week": (today - dt.timedelta(days=today.weekday()), today),
        "month": (today.replace(day=1), today),
        "last30": (today - dt.timedelta(days=29), today),
        "year": (today.replace(month=1, day=1), today),
    }[key]
    return Period(key, start, end)


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()), timezone.get_default_timezone())


# --- Charts as tables -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # "text", "count" (orders), "calls" (a count of calls), "percent" (0-100), "seconds", "score" (0-100 points),
    # "number" (the daily average)
    kind: str = "count"


@dataclass
class Chart:
    """One chart's data: a table whose rows the page draws and the export writes, cell for cell.

    `keys` names each row for the page (a metric name, a date, an id); `links` is the search page
    with the row's orders, where the search can filter by what the row is. Neither is exported.
    """

    name: str
    title: str
    draw: str  # how dashboards.js draws it: "cards", "line", "bar", "hbar", "pie", "calls", "ranking", "table"
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    keys: list = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    series: tuple[str, ...] = ()  # the columns plotted; the first column labels the axis
    kinds: list[str] = field(default_factory=list)  # for a table of figures ("cards"): each row's value kind

    def as_json(self, export_url: str) -> dict:
        return {
            "name": self.name, "title": str(self.title), "draw": self.draw,
            "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in self.columns],
            "rows": self.rows, "keys": [str(k) for k in self.keys], "links": self.links,
            "series": list(self.series), "kinds": self.kinds, "export_url": export_url,
        }


TITLES = {
    "headline": _("核心指标"),
    "volume_hours": _("受理量时段分布（各小时合计）"),
    "volume_days": _("受理量（按日）"),
    "by_type": _("按诉求类型"),
    "by_category": _("按一级分类"),
    "by_area": _("按区域（镇/街道）"),
    "by_channel": _("按受理渠道"),
    "calls": _("话务指标"),
    "calls_trend": _("接通率与呼入量（按日）"),
    "calls_by_line": _("各热线话务"),
    "units": _("部门考评"),
}
SINGLE_DAY_TITLES = {  # a single day is shown hour by hour, and its trend over the seven days ending on it
    "volume_hours": _("受理量（按小时）"),
    "volume_days": _("近7日受理量（按日）"),
    "calls_trend": _("接通率与呼入量（按小时）"),
}


def chart_title(name: str, period: Period) -> str:
    """The chart's title, which says whether it is drawn by hour or by day."""
    return str(SINGLE_DAY_TITLES[name] if period.single_day and name in SINGLE_DAY_TITLES else TITLES[name])


def percent(rate: float | None) -> float | None:
    """A rate (a fraction) as the percentage dashboards show, to two decimals."""
    return None if rate is None else round(rate * 100, 2)


def seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _search(**query) -> str:
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return reverse("console:search") + "?" + urlencode(query)


def _dates(start: dt.date, end: dt.date) -> dict[str, str]:
    return {"date_from": start.isoformat(), "date_to": end.isoformat()}


# The headline figures (受理量 … 综合得分), in the order of the cards; value kinds follow Metrics.
HEADLINE: tuple[tuple[str, str, str], ...] = (
    ("volume", _("受理量"), "count"),
    ("volume_previous", _("上期受理量"), "count"),
    ("volume_mom", _("环比"), "percent"),
    ("volume_last_year", _("去年同期受理量"), "count"),
    ("volume_yoy", _("同比"), "percent"),
    ("daily_average", _("日均受理量"), "number"),
    ("calls_offered", _("呼入量"), "calls"),
    ("connection_rate", _("接通率"), "percent"),
    ("answered_in_15s_rate", _("15秒接通率"), "percent"),
    ("direct_answer_rate", _("直接办结率"), "percent"),
    ("timely_sign_rate", _("及时签收率"), "percent"),
    ("timely_reply_rate", _("及时处办率"), "percent"),
    ("completion_rate", _("办结率"), "percent"),
    ("callback_rate", _("回访率"), "percent"),
    ("satisfaction_rate", _("回访满意率"), "percent"),
    ("response_rate", _("响应率"), "percent"),
    ("solution_rate", _("解决率"), "percent"),
    ("weighted_score", _("综合得分"), "score"),
    ("overdue_rate", _("超期率"), "percent"),
    ("reply_overdue", _("超期件数"), "count"),
    ("return_rate", _("退单率"), "percent"),
    ("reopen_rate", _("重办率"), "percent"),
    ("repeat_call_rate", _("重复来电率"), "percent"),
)


def _value(kind: str, value):
    if kind in ("percent", "score"):
        return percent(value)
    if kind == "number":
        return None if value is None else round(value, 2)
    return value


def _metric_columns() -> list[Column]:
    return [Column("metric", _("指标"), "text"), Column("value", _("数值"), "number"), Column("unit", _("单位"), "text")]


UNITS_OF = {"count": _("件"), "calls": _("通"), "percent": "%", "score": _("分"), "number": _("件/日"), "seconds": _("秒")}


def headline(period: Period, now: dt.datetime) -> Chart:
    """受理量 with 环比/同比, 日均, 接通率 … 综合得分: the period's headline figures (one period_metrics)."""
    m = period_metrics(start=period.start, end=period.end, now=now)
    chart = Chart("headline", chart_title("headline", period), "cards", _metric_columns())
    for name, label, kind in HEADLINE:
        chart.rows.append([str(label), _value(kind, getattr(m, name)), str(UNITS_OF[kind])])
        chart.keys.append(name)
        chart.kinds.append(kind)
    chart.links = [_search(**_dates(period.start, period.end)) if name == "volume" else "" for name in chart.keys]
    return chart


def _hour_label(hour: int) -> str:
    return f"{hour:02d}:00"


def _hours_begun(period: Period, now: dt.datetime) -> int:
    """Hours of the period's single day to show: up to the current hour today, all 24 otherwise."""
    local = timezone.localtime(now, timezone.get_default_timezone())
    return local.hour + 1 if period.end == local.date() else 24


def volume_hours(period: Period, now: dt.datetime) -> Chart:
    """受理量 hour by hour for a single day (up to now, today); the hour-of-day profile over a longer period."""
    columns = [Column("hour", _("时段"), "text"), Column("volume", _("受理量"))]
    chart = Chart("volume_hours", chart_title("volume_hours", period), "bar", columns, series=("volume",))
    if period.single_day:
        hours = volume_by_hour(start=period.start, end=period.end)[: _hours_begun(period, now)]
        counts = [count for _at, count in hours]
    else:
        counts = volume_by_hour_of_day(start=period.start, end=period.end)
    for hour, count in enumerate(counts):
        chart.rows.append([_hour_label(hour), count])
        chart.keys.append(hour)
    return chart


def volume_days(period: Period, now: dt.datetime) -> Chart:
    """受理量 per day of the period; for a single day, the seven days ending on it (a trend needs more than a dot)."""
    start = period.start - dt.timedelta(days=6) if period.single_day else period.start
    columns = [Column("day", _("日期"), "text"), Column("volume", _("受理量"))]
    chart = Chart("volume_days", chart_title("volume_days", period), "line", columns,
                  series=("volume",))
    for day, count in volume_by_day(start=start, end=period.end):
        chart.rows.append([day.isoformat(), count])
        chart.keys.append(day.isoformat())
        chart.links.append(_search(**_dates(day, day)))
    return chart


def _volume_chart(name: str, period: Period, label, draw: str, rows: list[Metrics], link=None) -> Chart:
    columns = [Column("name", label, "text"), Column("volume", _("受理量"))]
    chart = Chart(name, chart_title(name, period), draw, columns, series=("volume",))
    for m in sorted(rows, key=lambda m: (-m.volume, str(m.label))):
        chart.rows.append([m.label, m.volume])
        chart.keys.append(m.key)
        chart.links.append(link(m.key) if link else "")
    return chart


def by_type(period: Period, now: dt.datetime) -> Chart:
    """受理量 per appeal type (诉求类型)."""
    rows = metrics_by("type", start=period.start, end=period.end, now=now)
    codes = dict(AppealType.objects.filter(pk__in=[m.key for m in rows]).values_list("pk", "code"))
    return _volume_chart("by_type", period, _("诉求类型"), "pie", rows,
                         lambda key: _search(appeal_type=codes.get(key), **_dates(period.start, period.end)))


def by_category(period: Period, now: dt.datetime) -> Chart:
    """受理量 per level-1 category (一级分类), its subtree included."""
    rows = metrics_by("category", start=period.start, end=period.end, level=1, now=now)
    codes = dict(Category.objects.filter(pk__in=[m.key for m in rows]).values_list("pk", "code"))
    return _volume_chart("by_category", period, _("一级分类"), "hbar", rows,
                         lambda key: _search(category=codes.get(key), **_dates(period.start, period.end)))


def by_area(period: Period, now: dt.datetime) -> Chart:
    """受理量 per town or street (镇/街道), its communities included. The search has no area filter: no links."""
    rows = metrics_by("area", start=period.start, end=period.end, level=Unit.Kind.TOWN, now=now)
    return _volume_chart("by_area", period, _("镇/街道"), "hbar", rows)


def by_channel(period: Period, now: dt.datetime) -> Chart:
    """受理量 per channel (受理渠道)."""
    rows = metrics_by("channel", start=period.start, end=period.end, now=now)
    return _volume_chart("by_channel", period, _("受理渠道"), "pie", rows)


CALL_COLUMNS: tuple[Column, ...] = (
    Column("offered", _("呼入量"), "calls"),
    Column("answered", _("接通量"), "calls"),
    Column("connection_rate", _("接通率"), "percent"),
    Column("answered_in_target_rate", _("15秒接通率"), "percent"),
    Column("abandonment_rate", _("放弃率"), "percent"),
    Column("average_wait_seconds", _("平均等待时长"), "seconds"),
    Column("average_handling_seconds", _("平均处理时长"), "seconds"),
    Column("occupancy", _("坐席利用率"), "percent"),
)


def _call_row(figures: CallFigures | None, columns=CALL_COLUMNS) -> list:
    figures = figures or CallFigures()
    values = []
    for column in columns:
        value = getattr(figures, column.key)
        values.append(percent(value) if column.kind == "percent" else seconds(value) if column.kind == "seconds"
                      else value)
    return values


def _period_bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    return _local_midnight(period.start), _local_midnight(period.end + dt.timedelta(days=1))


def calls(period: Period, now: dt.datetime) -> Chart:
    """The period's call figures (话务): 接通率, 15秒接通率, abandonment, average wait and handling, occupancy."""
    figures = call_figures(*_period_bounds(period), now=now)
    chart = Chart("calls", chart_title("calls", period), "cards", _metric_columns())
    for column, value in zip(CALL_COLUMNS, _call_row(figures), strict=True):
        chart.rows.append([str(column.label), value, str(UNITS_OF[column.kind])])
        chart.keys.append(column.key)
        chart.kinds.append(column.kind)
    return chart


def calls_trend(period: Period, now: dt.datetime) -> Chart:
    """The call figures hour by hour for a single day, day by day for a longer period (every slot listed)."""
    tz = timezone.get_default_timezone()
    if period.single_day:
        rows = call_figures(*_period_bounds(period), by="hour", now=now)
        found = {timezone.localtime(f.key, tz).hour: f for f in rows}
        slots = [(hour, _hour_label(hour)) for hour in range(_hours_begun(period, now))]
        slot = Column("slot", _("时段"), "text")
    else:
        rows = call_figures(*_period_bounds(period), by="day", now=now)
        found = {f.key: f for f in rows}
        slots = [(day, day.isoformat()) for day in
                 (period.start + dt.timedelta(days=n) for n in range(period.days))]
        slot = Column("slot", _("日期"), "text")
    chart = Chart("calls_trend", chart_title("calls_trend", period), "calls", [slot, *CALL_COLUMNS],
                  series=("offered", "connection_rate", "answered_in_target_rate"))
    for key, label in slots:
        chart.rows.append([label, *_call_row(found.get(key))])
        chart.keys.append(label)
    return chart


LINE_COLUMNS = tuple(c for c in CALL_COLUMNS if c.key != "occupancy")  # operators answer every line


def calls_by_line(period: Period, now: dt.datetime) -> Chart:
    """The call figures per line (热线): the main 12345 line and the integrated lines."""
    rows = call_figures(*_period_bounds(period), by="line", now=now)
    columns = [Column("line", _("热线"), "text"), *LINE_COLUMNS]
    chart = Chart("calls_by_line", chart_title("calls_by_line", period), "table", columns)
    for figures in rows:
        chart.rows.append([figures.label, *_call_row(figures, LINE_COLUMNS)])
        chart.keys.append(figures.key or 0)
    return chart


RANKING_COLUMNS: tuple[Column, ...] = (
    Column("rank", _("排名")),
    Column("unit", _("承办单位"), "text"),
    Column("volume", _("主办受理量")),
    Column("dispatched", _("派单数")),
    Column("timely_sign_rate", _("及时签收率"), "percent"),
    Column("timely_reply_rate", _("及时处办率"), "percent"),
    Column("completion_rate", _("办结率"), "percent"),
    Column("callback_reached", _("回访成功数")),
    Column("response_rate", _("响应率"), "percent"),
    Column("solution_rate", _("解决率"), "percent"),
    Column("satisfaction_rate", _("满意率"), "percent"),
    Column("return_rate", _("退单率"), "percent"),
    Column("reopen_rate", _("重办率"), "percent"),
    Column("overdue_rate", _("超期率"), "percent"),
    Column("weighted_score", _("综合得分"), "score"),
)


def units(period: Period, now: dt.datetime) -> Chart:
    """部门考评: every unit with its rates and weighted score, best score first (analytics.unit_ranking's order)."""
    ranking = unit_ranking(start=period.start, end=period.end, now=now)
    codes = dict(Unit.objects.filter(pk__in=[m.key for m in ranking]).values_list("pk", "code"))
    chart = Chart("units", chart_title("units", period), "ranking", list(RANKING_COLUMNS), series=("weighted_score",))
    for rank, m in enumerate(ranking, start=1):
        values = {"rank": rank, "unit": m.label}
        row = [values[c.key] if c.key in values else _value(c.kind, getattr(m, c.key)) for c in RANKING_COLUMNS]
        chart.rows.append(row)
        chart.keys.append(m.key)
        chart.links.append(_search(unit=codes.get(m.key), **_dates(period.start, period.end)))
    return chart


CHARTS: dict[str, Callable[[Period, dt.datetime], Chart]] = {
    "headline": headline,
    "volume_hours": volume_hours,
    "volume_days": volume_days,
    "by_type": by_type,
    "by_category": by_category,
    "by_area": by_area,
    "by_channel": by_channel,
    "calls": calls,
    "calls_trend": calls_trend,
    "calls_by_line": calls_by_line,
    "units": units,
}


def _header(column: Column) -> str:
    """A column's title with its unit where the number alone would not say it: 接通率（%）, 平均等待时长（秒）."""
    unit = {"percent": "%", "seconds": gettext("秒")}.get(column.kind)
    return f"{column.label}（{unit}）" if unit else str(column.label)


def _export_url(name: str, period: Period) -> str:
    return reverse("console:dashboard-export") + "?" + urlencode({"chart": name, **period.query})


def _data_url(name: str, period: Period) -> str:
    return reverse("console:dashboard-data") + "?" + urlencode({"chart": name, **period.query})


def chart_build(name: str, period: Period, now: dt.datetime | None = None) -> Chart:
    """The chart `name` for the period (KeyError for an unknown name)."""
    return CHARTS[name](period, now or timezone.now())


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
             "url": _search(**_dates(period.start, period.end)) if name == "volume" else ""} for name in names]


def _panels(period: Period, names) -> list[dict]:
    return [{"name": name, "size": size, "title": chart_title(name, period), "export_url": _export_url(name, period),
             "data_url": _data_url(name, period)} for name, size in names]


def _texts(period: Period) -> dict[str, str]:
    """What dashboards.js writes on the page, translated here (the script itself holds no words).

    Today's 环比 compares today so far with the whole of yesterday (the metrics' previous period), and says so.
    """
    return {
        "loading": gettext("加载中…"),
        "empty": gettext("本时段暂无数据。"),
        "error": gettext("数据加载失败，请稍后刷新页面。"),
        "updated": gettext("更新于"),
        "mom": gettext("较昨日全天") if period.key == "today" else gettext("环比"),
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
    """统计分析: the period picker, the headline cards and the overview's charts (filled by dashboards.js)."""
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
        "panels": _panels(period, OVERVIEW),
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
    export_url = _export_url("units", period)
    return render(request, "console/dashboard_units.html", {
        "period": period,
        **_picker(request, period),
        "chart": chart,
        "rows": [{"cells": [{"value": value, "kind": column.kind}
                            for value, column in zip(row, chart.columns, strict=True)],
                  "link": link} for row, link in zip(chart.rows, chart.links, strict=True)],
        "chart_json": chart.as_json(export_url),
        "export_url": export_url,
        "overview_url": reverse("console:dashboard") + "?" + urlencode(period.query),
        "texts": _texts(period),
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
        "chart": chart.as_json(_export_url(name, period)),
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
        return render(request, "400.html", {"reason": gettext("未知的图表「%(chart)s」。") % {"chart": name}},
                      status=400)
    try:
        period = parse_period(request.GET, today=timezone.localdate())
    except BadPeriod as error:
        return render(request, "400.html", {"reason": str(error)}, status=400)
    chart = chart_build(name, period)
    header = [_header(c) for c in chart.columns]
    body = workbook_bytes(sheet_name=str(chart.title), header=header, rows=chart.rows,
                          widths=[24 if c.kind == "text" else 12 for c in chart.columns])
    filename = f"{chart.title}_{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"
    return response


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
