"""The master-data workbook (基础数据工作簿): export, all-or-nothing import, and the command."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rexian.catalog import calendar, selectors
from rexian.catalog.management.commands.masterdata import Command
from rexian.catalog.models import (
    AppealType,
    CalendarDay,
    Category,
    Channel,
    DeadlineRule,
    DispatchRule,
    HotTopic,
    Line,
    Urgency,
)
from rexian.catalog.services import (
    SHEETS,
    MasterdataFileError,
    RejectedRow,
    masterdata_export,
    masterdata_import,
)
from rexian.units.models import Unit
from tests import factories as f

SHEET_TITLES = ["单位", "诉求类型", "紧急程度", "受理渠道", "热线", "热点标签", "诉求分类", "时限规则", "派单目录", "工作日历调整"]


@pytest.fixture
def master(cast):
    """The cast's master data, plus one row of every kind the cast lacks."""
    HotTopic.objects.create(name="电梯安全")
    HotTopic.objects.create(name="=1+1 不是公式")  # text, even though Excel would read it as a formula
    CalendarDay.objects.create(date=dt.date(2030, 10, 12), is_workday=True, note="国庆调休")
    DeadlineRule.objects.create(
        kind="reply", appeal_type=f.appeal_type("complaint"), category=cast.property_service, amount=5, unit="workdays"
    )
    f.dispatch_rule(cast.noise, cast.town, [cast.community], area=cast.town)
    Line.objects.filter(code="12319").update(owner_unit=cast.housing)
    Unit.objects.filter(pk=cast.housing.pk).update(short_name="住建", contact_phone="0523-1234567")
    return cast


def snapshot() -> dict[str, list]:
    """All master data by natural keys, independent of the exporter."""

    def rows(queryset, *fields):
        return sorted(queryset.values_list(*fields), key=repr)

    return {
        "units": rows(
            Unit.objects, "code", "name", "short_name", "kind", "parent__code", "accepts_orders", "is_active",
            "contact_phone",
        ),
        "appeal_types": rows(
            AppealType.objects, "code", "name", "name_en", "protects_identity", "sort_order", "is_active"
        ),
        "urgencies": rows(Urgency.objects, "code", "name", "name_en", "rank"),
        "channels": rows(Channel.objects, "code", "name", "name_en", "is_active"),
        "lines": rows(Line.objects, "code", "number", "name", "mode", "owner_unit__code", "is_active"),
        "hot_topics": rows(HotTopic.objects, "name", "is_active"),
        "categories": rows(Category.objects, "code", "name", "parent__code", "level", "is_active"),
        "deadline_rules": rows(
            DeadlineRule.objects, "kind", "appeal_type__code", "urgency__code", "category__code", "amount", "unit",
            "note",
        ),
        "dispatch_rules": sorted(
            [
                (
                    rule.category.code,
                    rule.area.code if rule.area else None,
                    rule.lead_unit.code,
                    sorted(unit.code for unit in rule.assisting_units.all()),
                    rule.note,
                )
                for rule in DispatchRule.objects.all()
            ],
            key=repr,
        ),
        "calendar_days": rows(CalendarDay.objects, "date", "is_workday", "note"),
    }


def assert_unit_paths_are_correct():
    for unit in Unit.objects.select_related("parent"):
        expected = f"{unit.parent.path if unit.parent else '/'}{unit.pk}/"
        assert unit.path == expected, unit.code


def write_workbook(path, sheets: dict[str, list[list]]):
    """A hand-written workbook: {sheet title: [header row, data rows...]}."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        worksheet = workbook.create_sheet(title)
        for row in rows:
            worksheet.append(row)
    workbook.save(path)
    return path


@pytest.fixture
def exported(master, tmp_path):
    path = tmp_path / "masterdata.xlsx"
    masterdata_export(path)
    return path


# --- export -------------------------------------------------------------------------


def test_export_writes_one_sheet_per_kind_with_chinese_headers(exported):
    workbook = openpyxl.load_workbook(exported)
    assert workbook.sheetnames == SHEET_TITLES == [sheet.title for sheet in SHEETS]
    units = list(workbook["单位"].iter_rows(values_only=True))
    assert units[0] == ("编码", "名称", "简称", "类型", "上级编码", "可承办工单", "启用", "联系电话")
    assert ("C-CD-01", "幸福社区", None, "村/社区", "C-CD", "是", "是", None) in units
    rules = list(workbook["派单目录"].iter_rows(values_only=True))
    assert ("020101", "生态环境/噪声污染/施工噪声", "C-CD", "C-CD", "C-CD-01", None) in rules


def test_export_writes_the_english_names_beside_the_chinese(exported):
    workbook = openpyxl.load_workbook(exported)
    channels = list(workbook["受理渠道"].iter_rows(values_only=True))
    assert channels[0] == ("编码", "名称", "英文名称", "启用")
    assert ("phone", "电话", "Phone", "是") in channels
    assert list(workbook["紧急程度"].iter_rows(values_only=True))[0] == ("编码", "名称", "英文名称", "等级")
    assert ("report", "举报", "Whistle-blowing", "是", 4, "是") in workbook["诉求类型"].iter_rows(values_only=True)


def test_export_writes_to_a_stream(master):
    stream = io.BytesIO()
    counts = dict(masterdata_export(stream))
    assert counts["单位"] == 6 and counts["派单目录"] == 3
    assert openpyxl.load_workbook(io.BytesIO(stream.getvalue())).sheetnames == SHEET_TITLES


# --- import ----------------------------------------------------------------------------


def test_round_trip_restores_altered_and_deleted_master_data(master, exported):
    before = snapshot()
    Unit.objects.filter(pk=master.housing.pk).update(name="改了名的住建局")
    master.community.parent = master.housing  # moved to the wrong branch
    master.community.save()
    DispatchRule.objects.all().delete()
    Category.objects.filter(code="020101").delete()
    CalendarDay.objects.all().delete()
    HotTopic.objects.all().delete()
    Channel.objects.filter(code="phone").update(name="座机", is_active=False)
    DeadlineRule.objects.filter(kind="reply", appeal_type=None, urgency=None, category=None).update(amount=7)
    Line.objects.filter(code="12319").update(owner_unit=None, mode="seated")
    AppealType.objects.filter(code="consult").update(protects_identity=True)
    AppealType.objects.filter(code="help").update(name_en="Help")
    Urgency.objects.filter(code="critical").update(name_en="")
    assert snapshot() != before

    report = masterdata_import(exported)

    assert report.ok and report.written, report.as_text()
    assert snapshot() == before
    assert_unit_paths_are_correct()
    assert Unit.objects.get(code="C-CD-01").path.startswith(Unit.objects.get(code="C-CD").path)


def test_english_names_are_written_and_cleared_by_import(db, tmp_path):
    path = write_workbook(tmp_path / "names.xlsx", {
        "受理渠道": [["编码", "名称", "英文名称", "启用"], ["phone", "电话", "Telephone", "是"], ["web", "网站", "", "是"]],
    })

    report = masterdata_import(path)

    assert report.ok, report.as_text()
    names = dict(Channel.objects.values_list("code", "name_en"))
    assert (names["phone"], names["web"], names["sms"]) == ("Telephone", "", "SMS")


def test_a_sheet_without_the_english_name_column_leaves_the_english_names_alone(db, tmp_path):
    # A workbook exported before the column existed.
    path = write_workbook(tmp_path / "old.xlsx", {"受理渠道": [["编码", "名称", "启用"], ["phone", "座机", "是"]]})

    report = masterdata_import(path)

    assert report.ok, report.as_text()
    assert Channel.objects.filter(code="phone").values_list("name", "name_en").get() == ("座机", "Phone")


def test_reimporting_the_same_workbook_changes_nothing(exported):
    before = snapshot()
    with CaptureQueriesContext(connection) as queries:
        report = masterdata_import(exported)
    assert report.ok
    assert all(s.new == 0 and s.updated == 0 for s in report.sheets), report.as_text()
    assert sum(s.unchanged for s in report.sheets) > 0
    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    assert snapshot() == before


def test_import_saves_parents_before_children_whatever_the_row_order(db, tmp_path):
    path = write_workbook(
        tmp_path / "new.xlsx",
        {
            "单位": [
                ["编码", "名称", "类型", "上级编码"],
                ["T-1-1", "一号社区", "村/社区", "T-1"],
                ["T-1", "一号街道", "镇/街道", "T"],
                ["T", "新城", "city", ""],
            ],
            "诉求分类": [
                ["编码", "名称", "上级编码"],
                ["990101", "三级", "9901"],
                ["99", "一级", None],
                ["9901", "二级", "99"],
            ],
        },
    )
    report = masterdata_import(path)
    assert report.ok, report.as_text()
    assert [s.new for s in report.sheets] == [3, 3]
    assert_unit_paths_are_correct()
    assert Unit.objects.get(code="T-1-1").depth == 2
    assert Unit.objects.get(code="T").kind == Unit.Kind.CITY
    assert Category.objects.get(code="990101").level == 3


def test_dry_run_reports_changes_but_writes_nothing(exported):
    before = snapshot()
    Channel.objects.filter(code="phone").update(name="座机")
    altered = snapshot()
    report = masterdata_import(exported, dry_run=True)
    assert report.ok and not report.written
    assert next(s for s in report.sheets if s.sheet == "受理渠道").updated == 1
    assert snapshot() == altered != before


def test_a_new_rule_is_read_with_blank_keys_meaning_any(cast, tmp_path):
    path = write_workbook(
        tmp_path / "rules.xlsx",
        {
            "时限规则": [
                ["时限类别", "诉求类型编码", "紧急程度编码", "分类编码", "时长", "计时单位", "说明"],
                ["回访时限", "", "", "010101", 3, "工作日", "物业类回访"],
                ["callback", None, None, None, "2", "workdays", None],  # the default rule, unchanged
            ],
            "派单目录": [
                ["分类编码", "区域编码", "主办单位编码", "协办单位编码"],
                ["010101", "C-CD", "C-CD", "C-CD-01，C-ZJJ"],
            ],
        },
    )
    report = masterdata_import(path)
    assert report.ok, report.as_text()
    rule = DeadlineRule.objects.get(kind="callback", category=cast.property_service)
    assert (rule.appeal_type, rule.urgency, rule.amount, rule.note) == (None, None, Decimal(3), "物业类回访")
    assert [s.unchanged for s in report.sheets if s.sheet == "时限规则"] == [1]
    local = DispatchRule.objects.get(category=cast.property_service, area=cast.town)
    assert sorted(u.code for u in local.assisting_units.all()) == ["C-CD-01", "C-ZJJ"]


def test_import_forgets_cached_deadline_rules_and_calendar(exported):
    cache.set(selectors._RULES_CACHE_KEY, ["stale"])
    cache.set(calendar._CACHE_KEY, {"stale": True})
    masterdata_import(exported)  # nothing changes, so no signal fires
    assert cache.get(selectors._RULES_CACHE_KEY) is None
    assert cache.get(calendar._CACHE_KEY) is None


def test_an_imported_rule_takes_effect_at_once(master, exported):
    def reply_days():
        rule = selectors.deadline_rule_for(
            kind="reply", appeal_type=f.appeal_type("complaint"), urgency=None, category=master.noise
        )
        return rule.amount

    assert reply_days() == 10
    DeadlineRule.objects.filter(kind="reply", appeal_type=None, urgency=None, category=None).update(amount=7)
    cache.clear()
    assert reply_days() == 7  # cached from here on
    masterdata_import(exported)
    assert reply_days() == 10


# --- refusals: every rejected row is listed, and nothing is written -------------------------

NEW_CHANNEL = {"受理渠道": [["编码", "名称", "启用"], ["fax", "传真", "是"]]}

REFUSALS = {
    "unknown lead unit": (
        {"派单目录": [["分类编码", "区域编码", "主办单位编码", "协办单位编码"], ["010101", "", "C-ZJJ", ""],
                     ["020101", "", "C-NOPE", ""]]},
        RejectedRow("派单目录", 3, "主办单位编码：未知的单位编码“C-NOPE”。"),
    ),
    "unknown assisting unit": (
        {"派单目录": [["分类编码", "区域编码", "主办单位编码", "协办单位编码"], ["010101", "", "C-ZJJ", "C-CD, C-NOPE"]]},
        RejectedRow("派单目录", 2, "协办单位编码：未知的单位编码“C-NOPE”。"),
    ),
    "unknown parent unit": (
        {"单位": [["编码", "名称", "类型", "上级编码"], ["C-X", "新单位", "委办局", "C-NOPE"]]},
        RejectedRow("单位", 2, "上级编码：未知的单位编码“C-NOPE”。"),
    ),
    "unit under its own descendant": (
        {"单位": [["编码", "名称", "类型", "上级编码"], ["C-CD", "城东街道", "镇/街道", "C-CD-01"]]},
        RejectedRow("单位", 2, "上级编码：上级单位不能是本单位或其下级单位。"),
    ),
    "category as its own parent": (
        {"诉求分类": [["编码", "名称", "上级编码"], ["01", "城乡建设", "01"]]},
        RejectedRow("诉求分类", 2, "上级编码：上级分类不能是本分类或其下级分类。"),
    ),
    "category deeper than three levels": (
        {"诉求分类": [["编码", "名称", "上级编码"], ["01010101", "太深的分类", "010101"]]},
        RejectedRow("诉求分类", 2, "上级编码：分类最多三级。"),
    ),
    "child code not prefixed by the parent's": (
        {"诉求分类": [["编码", "名称", "上级编码"], ["0301", "错位的分类", "01"]]},
        RejectedRow("诉求分类", 2, "编码：下级分类编码须以上级编码开头。"),
    ),
    "workday rule with fractional days": (
        {"时限规则": [["时限类别", "诉求类型编码", "紧急程度编码", "分类编码", "时长", "计时单位"],
                     ["办结时限", "complaint", "", "", 1.5, "工作日"]]},
        RejectedRow("时限规则", 2, "时长：按工作日计的时限须为整数。"),
    ),
    "rule with no time at all": (
        {"时限规则": [["时限类别", "诉求类型编码", "紧急程度编码", "分类编码", "时长", "计时单位"],
                     ["办结时限", "complaint", "", "", 0, "小时"]]},
        RejectedRow("时限规则", 2, "时长：须大于零。"),
    ),
    "rule for an unknown category": (
        {"时限规则": [["时限类别", "诉求类型编码", "紧急程度编码", "分类编码", "时长", "计时单位"],
                     ["办结时限", "", "", "99", 3, "工作日"]]},
        RejectedRow("时限规则", 2, "分类编码：未知的诉求分类编码“99”。"),
    ),
    "unknown deadline kind": (
        {"时限规则": [["时限类别", "诉求类型编码", "紧急程度编码", "分类编码", "时长", "计时单位"],
                     ["月报时限", "", "", "", 3, "工作日"]]},
        RejectedRow("时限规则", 2, "时限类别：“月报时限”不是有效的选项，可选：签收时限、首次响应时限、办结时限、回访时限。"),
    ),
    "same key twice in a sheet": (
        {"热点标签": [["名称", "启用"], ["电梯", "是"], [None, None], ["电梯", "否"]]},
        RejectedRow("热点标签", 4, "与本表前面的行重复（名称“电梯”），每条只能出现一次。"),
    ),
    "blank code": (
        {"诉求类型": [["编码", "名称"], [None, "无编码"]]},
        RejectedRow("诉求类型", 2, "编码：不能为空。"),
    ),
    "yes/no cell that is neither": (
        {"热点标签": [["名称", "启用"], ["电梯", "也许"]]},
        RejectedRow("热点标签", 2, "启用：“也许”不是有效的是/否值，请填写“是”或“否”。"),
    ),
    "date that is no date": (
        {"工作日历调整": [["日期", "是工作日", "说明"], ["2030-13-45", "是", ""]]},
        RejectedRow("工作日历调整", 2, "日期：“2030-13-45”不是有效的日期，请写成 2025-10-01。"),
    ),
    "sheet without its key column": (
        {"热线": [["名称", "号码"], ["新热线", "12399"]]},
        RejectedRow("热线", None, "缺少必需的列：编码。"),
    ),
}


@pytest.mark.parametrize("sheets, expected", REFUSALS.values(), ids=REFUSALS.keys())
def test_a_rejected_row_is_reported_and_nothing_is_written(cast, tmp_path, sheets, expected):
    before = snapshot()
    path = write_workbook(tmp_path / "bad.xlsx", {**NEW_CHANNEL, **sheets})
    report = masterdata_import(path)
    assert report.rejected == [expected]
    assert not report.written
    assert snapshot() == before
    assert not Channel.objects.filter(code="fax").exists()


def test_every_rejected_row_is_listed_in_sheet_order(cast, tmp_path):
    path = write_workbook(
        tmp_path / "bad.xlsx",
        {
            "诉求分类": [["编码", "名称", "上级编码"], ["0301", "错位", "01"], ["0102", "正常", "01"], ["01010101", "太深", "010101"]],
            "单位": [["编码", "名称", "类型", "上级编码"], ["C-X", "新单位", "部门", "C"]],
        },
    )
    report = masterdata_import(path)
    assert [(r.sheet, r.row) for r in report.rejected] == [("单位", 2), ("诉求分类", 2), ("诉求分类", 4)]
    assert "类型：“部门”不是有效的选项" in report.rejected[0].reason
    assert "导入已全部撤销" in report.as_text()
    assert not Category.objects.filter(code="0102").exists()


def test_every_problem_of_a_row_is_reported_at_once(cast, tmp_path):
    rule_header = ["时限类别", "诉求类型编码", "紧急程度编码", "分类编码", "时长", "计时单位", "说明"]
    path = write_workbook(
        tmp_path / "bad.xlsx",
        {
            "时限规则": [rule_header, ["办结时限", "zzz", "", "", "abc", "年", "坏"]],
            "派单目录": [
                ["分类编码", "区域编码", "主办单位编码", "协办单位编码"],
                ["020101", "", "C-CGJ", ""],
                ["020101", "", "C-NOPE", "C-ZJJ,C-ALSO-NOPE"],
            ],
            "工作日历调整": [["日期", "是工作日", "说明"], ["明天", "也许", ""]],
        },
    )
    report = masterdata_import(path)
    assert report.rejected == [
        RejectedRow(
            "时限规则", 2,
            "诉求类型编码：未知的诉求类型编码“zzz”。；时长：“abc”不是数字。；计时单位：“年”不是有效的选项，可选：小时、工作日。",
        ),
        RejectedRow(
            "派单目录", 3,
            "与本表前面的行重复（分类编码“020101”，区域编码“（空）”），每条只能出现一次。；"
            "主办单位编码：未知的单位编码“C-NOPE”。；协办单位编码：未知的单位编码“C-ALSO-NOPE”。",
        ),
        RejectedRow(
            "工作日历调整", 2,
            "日期：“明天”不是有效的日期，请写成 2025-10-01。；是工作日：“也许”不是有效的是/否值，请填写“是”或“否”。",
        ),
    ]


def test_row_numbers_are_the_sheets_own_after_parents_are_moved_first(cast, tmp_path):
    path = write_workbook(
        tmp_path / "bad.xlsx",
        {
            "单位": [
                ["编码", "名称", "类型", "上级编码"],
                ["N-1", "子单位", "委办局", "N"],
                [],
                ["N-2", "另一个", "委办局", "C-NOPE"],
                ["N", "父单位", "委办局", "C"],
            ]
        },
    )
    report = masterdata_import(path)
    assert report.rejected == [RejectedRow("单位", 4, "上级编码：未知的单位编码“C-NOPE”。")]


def test_a_file_that_is_not_a_workbook_is_refused(db, tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("这不是工作簿")
    with pytest.raises(MasterdataFileError, match="不是有效的 Excel 工作簿"):
        masterdata_import(path)
    with pytest.raises(MasterdataFileError, match="找不到文件"):
        masterdata_import(tmp_path / "missing.xlsx")


def test_unknown_sheets_are_ignored_and_named(cast, tmp_path):
    path = write_workbook(tmp_path / "extra.xlsx", {**NEW_CHANNEL, "说明": [["随便写写"]]})
    report = masterdata_import(path)
    assert report.ok and report.ignored_sheets == ["说明"]
    assert Channel.objects.filter(code="fax", name="传真").exists()


# --- the command ------------------------------------------------------------------------------


def test_command_exports_and_imports(master, tmp_path, capsys):
    path = tmp_path / "md.xlsx"
    call_command("masterdata", "export", str(path))
    call_command("masterdata", "import", str(path), "--dry-run")
    call_command("masterdata", "import", str(path))
    out = capsys.readouterr().out
    assert "已导出到" in out and "试导入通过" in out and "导入完成" in out


def test_command_fails_with_a_message_on_rejected_rows(cast, tmp_path, capsys):
    path = write_workbook(tmp_path / "bad.xlsx", {"诉求分类": [["编码", "名称", "上级编码"], ["0301", "错位", "01"]]})
    with pytest.raises(CommandError, match="导入被拒绝：1 处错误"):
        call_command("masterdata", "import", str(path))
    assert "【诉求分类】第 2 行：编码：下级分类编码须以上级编码开头。" in capsys.readouterr().out


@pytest.mark.parametrize("content", [None, "not a workbook"], ids=["missing", "not xlsx"])
def test_command_exits_non_zero_without_a_traceback(db, tmp_path, capsys, monkeypatch, content):
    path = tmp_path / "input.xlsx"
    if content is not None:
        path.write_text(content)
    # run_from_argv closes connections when done; the test database must stay open.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(["rexian", "masterdata", "import", str(path)])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "CommandError: " in err and "Traceback" not in err
