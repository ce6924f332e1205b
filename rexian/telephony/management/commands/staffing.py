"""`rexian staffing --from YYYY-MM-DD [--days 7] [--target-sl 0.8 --target-seconds 15 --aht 240 …]`.

Forecasts the calls per half hour from the call history, works out the operators needed for the
service-level target and plans the shifts. A thin shell over rexian.telephony.staffing: every
rule lives there; `rexian.telephony.selectors.staffing_plan` reads the call history and runs the three steps,
as the console's 排班 page does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rexian.telephony import selectors, staffing

WEEKDAYS = "一二三四五六日"


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"“{value}”不是日期，请写成 YYYY-MM-DD。") from None


def _numbers(value: str) -> tuple[float, ...]:
    try:
        return tuple(float(item) for item in value.split(",") if item.strip())
    except ValueError:
        raise CommandError(f"“{value}”不是用逗号分隔的数字。") from None


def _times(value: str) -> tuple[dt.time, ...]:
    try:
        return tuple(dt.time.fromisoformat(item.strip()) for item in value.split(",") if item.strip())
    except ValueError:
        raise CommandError(f"“{value}”不是用逗号分隔的时刻（如 08:00,20:00）。") from None


class Command(BaseCommand):
    help = "排班：按历史来电预测每半小时话务量，用 Erlang C/A 计算所需坐席，并生成 7x24 排班表。"

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first_day", required=True, help="计划的第一天 YYYY-MM-DD")
        parser.add_argument("--days", type=int, default=7, help="计划天数（默认 7）")
        parser.add_argument("--target-sl", type=float, default=0.8, help="服务水平目标，如 0.8")
        parser.add_argument("--target-seconds", type=float, default=15.0, help="服务水平的应答秒数（默认 15）")
        parser.add_argument("--aht", type=float, default=240.0, help="平均处理时长（秒，默认 240）")
        parser.add_argument("--max-asa", type=float, default=None, help="平均应答速度上限（秒，可选）")
        parser.add_argument("--max-occupancy", type=float, default=None, help="坐席占用率上限（可选，如 0.85）")
        parser.add_argument(
            "--patience",
            type=float,
            default=getattr(settings, "STAFFING_PATIENCE_SECONDS", None),
            help="来电者平均等待耐心（秒）；给出时改用 Erlang A（计入放弃）",
        )
        parser.add_argument("--connection-rate", type=float, default=None, help="接通率目标，如 0.95（需 --patience）")
        parser.add_argument(
            "--shrinkage",
            type=float,
            default=getattr(settings, "STAFFING_SHRINKAGE", 0.3),
            help="缩减率：休息、培训、会议等占排班时间的比例（默认 0.3）",
        )
        parser.add_argument("--min-agents", type=int, default=1, help="任何时段至少在线的坐席数（默认 1）")
        parser.add_argument("--history-weeks", type=int, default=8, help="用于预测的历史周数（默认 8）")
        parser.add_argument("--operators", type=int, default=None, help="按 N 名话务员排班（默认：系统中在职的话务员）")
        parser.add_argument("--shift-hours", default=None, help="允许的班次时长（小时），如 8 或 8,12")
        parser.add_argument("--start-every", type=int, default=None, help="班次开始时刻的间隔（分钟，如 30、60）")
        parser.add_argument("--start-times", default=None, help="只允许的开班时刻，如 08:00,20:00")
        parser.add_argument("--min-rest-hours", type=float, default=None, help="两班之间最少休息小时数")
        parser.add_argument("--max-consecutive-days", type=int, default=None, help="最多连续上班天数")
        parser.add_argument("--days-off", type=int, default=None, help="任意 7 天内至少休息天数")
        parser.add_argument("--max-week-hours", type=float, default=None, help="任意 7 天内最多工作小时数（0 为不限）")

    def handle(self, *args, **options):
        first_day = _date(options["first_day"])
        days = options["days"]
        if not 1 <= days <= 31:
            raise CommandError("--days 须在 1 到 31 之间。")
        if options["history_weeks"] < 1:
            raise CommandError("--history-weeks 至少为 1。")
        target = self._target(options)
        rules = self._rules(options)
        if not 0 <= options["shrinkage"] < 1:
            raise CommandError("--shrinkage 须在 [0, 1) 之间。")
        operators = self._operators(options["operators"])

        try:
            result = selectors.staffing_plan(
                first_day=first_day, days=days, target=target, aht=options["aht"], shrinkage=options["shrinkage"],
                operators=operators, history_weeks=options["history_weeks"], min_agents=options["min_agents"],
                rules=rules,
            )
        except staffing.NoHistory:
            start = first_day - dt.timedelta(weeks=options["history_weeks"])
            raise CommandError(
                f"{start:%Y-%m-%d} 至 {first_day - dt.timedelta(days=1):%Y-%m-%d} 没有来电记录，无法预测话务量。"
            ) from None
        forecast, requirements, plan = result.forecast, result.requirements, result.plan

        self._print_forecast(result)
        self._print_hourly("每小时所需在线坐席（两个半小时中较大者）", result.hourly("agents"), first_day)
        self._print_hourly(f"每小时需排班人数（缩减率 {options['shrinkage']:.0%}）", result.hourly("staff"), first_day)
        self._print_shifts(result)
        self._print_roster(result)
        self._print_uncovered(plan)
        lowest = staffing.lowest_daily_connection_rate(requirements) if target.patience else None
        if lowest is not None:
            self.stdout.write(f"任意 24 小时的最低预计接通率：{lowest:.4f}")
        self.stdout.write(
            f"forecast_calls={forecast.total:.0f} peak_agents={max(r.agents for r in requirements)} "
            f"scheduled_hours={plan.staff_hours:.1f} shifts={sum(n for _, n in plan.shift_counts())} "
            f"operators={sum(1 for shifts in plan.roster.values() if shifts)} uncovered_slots={len(plan.uncovered)}"
        )

    # Options -------------------------------------------------------------------------------

    def _target(self, options) -> staffing.ServiceTarget:
        try:
            return staffing.ServiceTarget(
                service_level=options["target_sl"],
                seconds=options["target_seconds"],
                max_asa=options["max_asa"],
                max_occupancy=options["max_occupancy"],
                connection_rate=options["connection_rate"],
                patience=options["patience"],
            )
        except ValueError as error:
            raise CommandError(f"服务水平目标有误：{error}") from None

    def _rules(self, options) -> staffing.ShiftRules:
        try:
            rules = staffing.rules_from_settings()
            changes = {}
            if options["shift_hours"]:
                changes["shift_hours"] = _numbers(options["shift_hours"])
            if options["start_every"] is not None:
                changes["start_every_minutes"] = options["start_every"]
            if options["start_times"]:
                changes["start_times"] = _times(options["start_times"])
            for option, name in [
                ("min_rest_hours", "min_rest_hours"),
                ("max_consecutive_days", "max_consecutive_days"),
                ("days_off", "days_off_per_week"),
                ("max_week_hours", "max_hours_per_week"),
            ]:
                if options[option] is not None:
                    changes[name] = options[option]
            if changes.get("max_hours_per_week") == 0:
                changes["max_hours_per_week"] = None
            return dataclasses.replace(rules, **changes)
        except ValueError as error:
            raise CommandError(f"排班规则有误：{error}") from None

    def _operators(self, count: int | None) -> list[str]:
        if count is not None:
            if count < 1:
                raise CommandError("--operators 至少为 1。")
            width = len(str(count))
            return [f"话务员{i:0{width}d}" for i in range(1, count + 1)]
        names = selectors.active_operator_names()
        if not names:
            raise CommandError("系统中没有在职的话务员；可用 --operators N 按 N 人排班。")
        return names

    # Output --------------------------------------------------------------------------------

    def _print_forecast(self, result: selectors.StaffingPlan) -> None:
        forecast, first_day = result.forecast, result.first_day
        self.stdout.write(
            f"话务预测 {first_day} 至 {first_day + dt.timedelta(days=result.days - 1)}，"
            f"依据 {forecast.history_first} 至 {forecast.history_last} 的来电，近期水平系数 {forecast.level:.2f}"
        )
        self.stdout.write("日期        星期 类型    预计来电  高峰时段     高峰来电 高峰坐席 在线坐席·时 排班人·时")
        for d in result.day_summaries():
            peak = d.peak_start
            self.stdout.write(
                f"{d.day}  {WEEKDAYS[d.day.weekday()]}   {'工作日' if d.workday else '休息日'}  {d.calls:8.0f}  "
                f"{peak:%H:%M}-{peak + dt.timedelta(minutes=30):%H:%M}  {d.peak_calls:8.1f} {d.peak_agents:8d} "
                f"{d.agent_hours:10.1f} {d.staff_hours:9.1f}"
            )
        self.stdout.write("")

    def _print_hourly(self, title: str, days: list[list[int]], first_day: dt.date) -> None:
        self.stdout.write(title)
        self.stdout.write("日期       " + "".join(f"{hour:>5d}" for hour in range(24)))
        for offset, hourly in enumerate(days):
            self.stdout.write(f"{first_day + dt.timedelta(days=offset)} " + "".join(f"{v:>5d}" for v in hourly))
        self.stdout.write("")

    def _print_shifts(self, result: selectors.StaffingPlan) -> None:
        self.stdout.write("班次（开始-结束 × 人数）")
        for day, shifts in sorted(result.shifts_by_day().items()):
            texts = [f"{start:%H:%M}-{end:%H:%M}×{count}" for start, end, count in shifts]
            self.stdout.write(f"{day} {WEEKDAYS[day.weekday()]}  " + "  ".join(texts))
        self.stdout.write("")

    def _print_roster(self, result: selectors.StaffingPlan) -> None:
        roster = result.roster_by_day()
        first_day = result.first_day
        first_column = min([first_day, *(day for days in roster.values() for day in days)])
        columns = [first_column + dt.timedelta(days=i) for i in range((first_day - first_column).days + result.days)]
        self.stdout.write("排班表（“休”为当天不开班）")
        name_width = max(8, *(len(str(key)) for key in roster))
        self.stdout.write(" " * name_width + "".join(f"  {day:%m-%d} {WEEKDAYS[day.weekday()]}  " for day in columns))
        for key, days in roster.items():
            cells = {day: f"{start:%H:%M}-{end:%H:%M}" for day, (start, end) in days.items()}
            self.stdout.write(
                f"{key!s:<{name_width}}" + "".join(f" {cells.get(day, '    休     '):<11}" for day in columns)
            )
        self.stdout.write("")

    def _print_uncovered(self, plan: staffing.ShiftPlan) -> None:
        if plan.covered:
            self.stdout.write("每个半小时都已排足人员。")
            return
        missing = sum(slot.missing for slot in plan.uncovered)
        self.stdout.write(
            self.style.WARNING(
                f"人员不足：{len(plan.uncovered)} 个半小时未排足，共缺 {missing} 人·半小时（{missing / 2:g} 人·时）："
            )
        )
        for slot in plan.uncovered:
            local = timezone.localtime(slot.start)
            self.stdout.write(f"  {local:%Y-%m-%d %H:%M}  需要 {slot.required}  已排 {slot.planned}  缺 {slot.missing}")
        self.stdout.write("")
