"""The dashboards' charts (统计图表) as tables: one definition of each, for the pages, their Excel exports and reports.

A chart is a table (`Chart`: columns, rows, and beside each row its key) built from
`rexian.analytics.metrics` (orders), `rexian.telephony.figures.call_figures` (calls) and
`rexian.sms.selectors.sms_figures` (text messages). The builders
only choose what a chart shows and lay it out, so a dashboard, its export and a report can never
disagree on a number: rates arrive as percentages to two decimals, scores as points.

The period is a run of local calendar days named the way the dashboards' picker names it (`Period`,
`parse_period`): at most a year (366 days), which the rollups answer in bounded time (see
docs/performance.md). Each builder is a handful of rollup queries and never reads the orders tables.

Pure reading, and no presentation: where a row's orders can be found (the console's search links) and
how a chart is sent to the browser are the console's (rexian/console/views/dashboards.py); a row gives
its key and, for an appeal type, a category or a unit, its code, which is how the search names it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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
from rexian.core.dates import FIRST_DAY, local_midnight
from rexian.core.replicas import replica_reads
from rexian.sms.selectors import sms_figures
from rexian.telephony.figures import CallFigures, call_figures
from rexian.units.models import Unit

MAX_DAYS = 366  # a year, leap years included: the longest period the rollups are sized for

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


# --- Periods ----------------------------------------------------------------------------------------


class BadPeriod(ValueError):
    """A period the user asked for that cannot be shown; the message is for the user (a 400)."""


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
        """The parameters that name this period again for `parse_period` (named periods move with the calendar)."""
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
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise BadPeriod(
            gettext("%(what)s「%(value)s」不是有效的日期，请按 2026-03-01 的格式填写。") % {"what": what, "value": value}
        ) from None
    # A year 0001 is a typing mistake, and the period before it (环比) cannot even be computed. A day after today is
    # refused by parse_period, whichever field it is in.
    if day < FIRST_DAY:
        raise BadPeriod(gettext("%(what)s不能早于 %(first)s。") % {"what": what, "first": FIRST_DAY.isoformat()})
    return day


def parse_period(data: Mapping[str, str], *, today: dt.date) -> Period:
    """The period named by `period` (today … year) or by `date_from` / `date_to`; today when nothing is given.

    `data` is a request's query (a QueryDict) or any mapping with those keys. Raises BadPeriod, with a
    message for the user, for an unknown name, a missing or malformed date, a date before FIRST_DAY
    (rexian.core.dates), an end before the start or after today, and a span longer than a year.
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


# --- Charts as tables -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # "text", "count" (orders), "calls" (a count of calls), "texts" (a count of text messages), "percent" (0-100),
    # "seconds", "score" (0-100 points), "number" (the daily average)
    kind: str = "count"


@dataclass
class Chart:
    """One chart's data: a table whose rows a page draws and an export writes, cell for cell.

    `keys` names each row (a metric name, a date, an id). `codes` gives, by key, the code of what a row
    counts where it is an appeal type, a category or a unit: the code names it in a URL (the console's
    search filters by code), so a caller can point at the row's orders without another query. Neither
    is exported.
    """

    name: str
    title: str
    draw: str  # how dashboards.js draws it: "cards", "line", "bar", "hbar", "pie", "calls", "ranking", "table"
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    keys: list = field(default_factory=list)
    codes: dict[Any, str] = field(default_factory=dict)
    series: tuple[str, ...] = ()  # the columns plotted; the first column labels the axis
    # For a table of figures (指标, 数值, 单位: "cards", or "table" for 短信统计): each row's value kind.
    kinds: list[str] = field(default_factory=list)


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
    "sms": _("短信统计"),
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
    ("reply_overdue", _("本期超期件数"), "count"),  # late against reply deadlines in the period, not 当前超期在办
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


UNITS_OF = {"count": _("件"), "calls": _("通"), "texts": _("条"), "percent": "%", "score": _("分"),
            "number": _("件/日"), "seconds": _("秒")}


def headline(period: Period, now: dt.datetime) -> Chart:
    """受理量 with 环比/同比, 日均, 接通率 … 综合得分: the period's headline figures (one period_metrics)."""
    m = period_metrics(start=period.start, end=period.end, now=now)
    chart = Chart("headline", chart_title("headline", period), "cards", _metric_columns())
    for name, label, kind in HEADLINE:
        chart.rows.append([str(label), _value(kind, getattr(m, name)), str(UNITS_OF[kind])])
        chart.keys.append(name)
        chart.kinds.append(kind)
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
    """受理量 per day of the period (keys: ISO dates); for a single day, the seven days ending on it (a trend
    needs more than a dot)."""
    start = period.start - dt.timedelta(days=6) if period.single_day else period.start
    columns = [Column("day", _("日期"), "text"), Column("volume", _("受理量"))]
    chart = Chart("volume_days", chart_title("volume_days", period), "line", columns,
                  series=("volume",))
    for day, count in volume_by_day(start=start, end=period.end):
        chart.rows.append([day.isoformat(), count])
        chart.keys.append(day.isoformat())
    return chart


def _volume_chart(name: str, period: Period, label, draw: str, rows: list[Metrics],
                  codes: dict[Any, str] | None = None) -> Chart:
    columns = [Column("name", label, "text"), Column("volume", _("受理量"))]
    chart = Chart(name, chart_title(name, period), draw, columns, codes=codes or {}, series=("volume",))
    for m in sorted(rows, key=lambda m: (-m.volume, str(m.label))):
        chart.rows.append([m.label, m.volume])
        chart.keys.append(m.key)
    return chart


def by_type(period: Period, now: dt.datetime) -> Chart:
    """受理量 per appeal type (诉求类型), with each type's code."""
    rows = metrics_by("type", start=period.start, end=period.end, now=now)
    codes = dict(AppealType.objects.filter(pk__in=[m.key for m in rows]).values_list("pk", "code"))
    return _volume_chart("by_type", period, _("诉求类型"), "pie", rows, codes)


def by_category(period: Period, now: dt.datetime) -> Chart:
    """受理量 per level-1 category (一级分类), its subtree included, with each category's code."""
    rows = metrics_by("category", start=period.start, end=period.end, level=1, now=now)
    codes = dict(Category.objects.filter(pk__in=[m.key for m in rows]).values_list("pk", "code"))
    return _volume_chart("by_category", period, _("一级分类"), "hbar", rows, codes)


def by_area(period: Period, now: dt.datetime) -> Chart:
    """受理量 per town or street (镇/街道), its communities included. No codes: nothing finds orders by area."""
    rows = metrics_by("area", start=period.start, end=period.end, level=Unit.Kind.TOWN, now=now)
    return _volume_chart("by_area", period, _("镇/街道"), "hbar", rows)


def by_channel(period: Period, now: dt.datetime) -> Chart:
    """受理量 per channel (受理渠道). No codes: nothing finds orders by channel."""
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
    return local_midnight(period.start), local_midnight(period.end + dt.timedelta(days=1))


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


# The ranking key, 综合得分, right after the unit: the page, its export and the JSON read it first, as a leader does.
RANKING_COLUMNS: tuple[Column, ...] = (
    Column("rank", _("排名")),
    Column("unit", _("承办单位"), "text"),
    Column("weighted_score", _("综合得分"), "score"),
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
)


def units(period: Period, now: dt.datetime) -> Chart:
    """部门考评: every unit with its rates and weighted score, best score first (analytics.unit_ranking's order),
    with each unit's code."""
    ranking = unit_ranking(start=period.start, end=period.end, now=now)
    codes = dict(Unit.objects.filter(pk__in=[m.key for m in ranking]).values_list("pk", "code"))
    chart = Chart("units", chart_title("units", period), "ranking", list(RANKING_COLUMNS), codes=codes,
                  series=("weighted_score",))
    for rank, m in enumerate(ranking, start=1):
        values = {"rank": rank, "unit": m.label}
        row = [values[c.key] if c.key in values else _value(c.kind, getattr(m, c.key)) for c in RANKING_COLUMNS]
        chart.rows.append(row)
        chart.keys.append(m.key)
    return chart


# 短信统计, row by row: (key, label, value kind), the keys SmsFigures' attributes. The rows of SMS_PARTS are parts of
# the figure above them and say so (其中：受理回执): 发送短信 = 已发送 + 发送失败 + 待发送.
SMS_ROWS: tuple[tuple[str, str, str], ...] = (
    ("made", _("发送短信"), "texts"),
    ("receipts", _("受理回执"), "texts"),
    ("results", _("办结通知"), "texts"),
    ("answers", _("知识答复"), "texts"),
    ("sent", _("已发送"), "texts"),
    ("delivered", _("已送达"), "texts"),
    ("undelivered", _("未送达"), "texts"),
    ("delivery_rate", _("送达率"), "percent"),
    ("failed", _("发送失败"), "texts"),
    ("pending", _("待发送"), "texts"),
    ("invitations", _("评价邀请"), "texts"),
    ("invitations_answered", _("已回复评价"), "texts"),
    ("rated", _("短信评价"), "texts"),
    ("rating_rate", _("参评率"), "percent"),
    ("satisfaction_rate", _("短信满意率"), "percent"),
    ("incoming", _("短信来信"), "texts"),
    ("incoming_open", _("待处理"), "texts"),
    ("incoming_registered", _("已登记工单"), "texts"),
    ("opt_outs", _("退订"), "texts"),
)
SMS_PARTS = frozenset({"receipts", "results", "answers", "delivered", "undelivered", "invitations_answered",
                       "incoming_open", "incoming_registered"})


def sms(period: Period, now: dt.datetime) -> Chart:
    """短信统计: the period's texts by kind and what became of them, ratings by text and callers' texts (a table of
    figures, one a row, as the headline's)."""
    start, end = _period_bounds(period)
    figures = sms_figures(start=start, end=end)
    chart = Chart("sms", chart_title("sms", period), "table", _metric_columns())
    for key, label, kind in SMS_ROWS:
        name = gettext("其中：%(part)s") % {"part": label} if key in SMS_PARTS else str(label)
        chart.rows.append([name, _value(kind, getattr(figures, key)), str(UNITS_OF[kind])])
        chart.keys.append(key)
        chart.kinds.append(kind)
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
    "sms": sms,
}


@replica_reads()
def chart_build(name: str, period: Period, now: dt.datetime | None = None) -> Chart:
    """The chart `name` (a key of CHARTS) for the period, as of `now` (default: the current time). Read from a
    replica where there is one (rexian.core.replicas).

    Raises KeyError for an unknown name: callers check the name against CHARTS first.
    """
    return CHARTS[name](period, now or timezone.now())


@dataclass(frozen=True)
class UnitFigures:
    """本单位考评: one unit's row of 部门考评 for its own staff."""

    figures: list[tuple[Column, Any]]  # RANKING_COLUMNS but rank and name, with the unit's values
    rank: int | None  # its place in 部门考评 (units without a score come last); None: not in it this period
    ranked: int  # how many units 部门考评 lists
    scored: bool  # whether it has a weighted score (a callback reached)


@replica_reads()
def unit_figures(unit: Unit, period: Period, now: dt.datetime) -> UnitFigures:
    """The unit's figures and rank exactly as 部门考评 shows them (the same ranking, the same columns)."""
    ranking = unit_ranking(start=period.start, end=period.end, now=now)
    place = next((n for n, m in enumerate(ranking, start=1) if m.key == unit.pk), None)
    mine = ranking[place - 1] if place else None
    columns = [c for c in RANKING_COLUMNS if c.key not in ("rank", "unit")]
    return UnitFigures(
        figures=[(c, _value(c.kind, getattr(mine, c.key)) if mine else None) for c in columns],
        rank=place,
        ranked=len(ranking),
        scored=mine is not None and mine.weighted_score is not None,
    )
