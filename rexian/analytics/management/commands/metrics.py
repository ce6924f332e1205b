"""`rexian metrics --from YYYY-MM-DD --to YYYY-MM-DD [--unit CODE] [--type T] …`: every metric of a period.

Prints one `name=value` line per metric, in the order of
`rexian.analytics.metrics.METRICS`: counts as integers, rates and changes as
fractions with four decimals, the daily average with two; an empty value
where a metric is undefined (a rate whose denominator is 0, call figures for a
unit or type slice).
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from rexian.analytics.metrics import METRICS, UnknownSlice, period_metrics
from rexian.core.replicas import replica_reads


def parse_day(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} 应为 YYYY-MM-DD 格式的日期 (a date as YYYY-MM-DD), not {value!r}.") from None


def format_value(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == "count":
        return str(value)
    if kind == "average":
        return f"{value:.2f}"
    return f"{value:.4f}"


class Command(BaseCommand):
    help = "打印一个时段的全部指标。Print every metric of a period, one name=value line each."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, help="last day (included), YYYY-MM-DD")
        parser.add_argument("--unit", help="unit code (承办单位编码)")
        parser.add_argument("--type", dest="appeal_type", help="appeal type code (诉求类型编码), e.g. complaint")
        parser.add_argument("--category", help="category code (诉求分类编码); includes the categories below it")
        parser.add_argument("--area", help="area code (区域单位编码); a town includes its communities")
        parser.add_argument("--line", help="line code or number (热线)")
        parser.add_argument("--channel", help="channel code (受理渠道)")
        parser.add_argument("--operator", help="operator username (话务员)")

    def handle(self, *args, start: str, end: str, **options):
        first, last = parse_day(start, "--from"), parse_day(end, "--to")
        if last < first:
            raise CommandError("--to 不能早于 --from. --to must not be before --from.")
        slices = {name: options.get(name) for name in
                  ("unit", "appeal_type", "category", "area", "line", "channel", "operator")}
        try:
            with replica_reads():
                metrics = period_metrics(start=first, end=last, **slices)
        except UnknownSlice as error:
            raise CommandError(str(error)) from None
        values = metrics.as_dict()
        for info in METRICS:
            self.stdout.write(f"{info.name}={format_value(values[info.name], info.kind)}")
