"""Writes to the master data: the whole-workbook exchange (基础数据导入导出).

A centre's administrators keep the organisation tree and the catalogue in one Excel
workbook, one sheet per kind of row. `masterdata_export` writes it; `masterdata_import`
reads it back all or nothing: sheets are imported in dependency order (units before
categories before rules) inside one transaction, and a single rejected row rolls
everything back. Importing never deletes: a row missing from the workbook stays as it is.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass, field
from typing import IO

import openpyxl
import tablib
from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from rexian.catalog import resources as catalog
from rexian.catalog.calendar import forget_overrides
from rexian.catalog.selectors import forget_deadline_rules
from rexian.units.resources import MasterDataResource, UnitResource, cell_text


@dataclass(frozen=True)
class Sheet:
    key: str  # the English name, also accepted as a sheet title
    resource: type[MasterDataResource]

    @property
    def title(self) -> str:
        return str(self.resource._meta.name)


#: The workbook's sheets, in the order they are imported: every sheet refers only to sheets above it.
SHEETS = [
    Sheet("units", UnitResource),
    Sheet("appeal_types", catalog.AppealTypeResource),
    Sheet("urgencies", catalog.UrgencyResource),
    Sheet("channels", catalog.ChannelResource),
    Sheet("lines", catalog.LineResource),
    Sheet("hot_topics", catalog.HotTopicResource),
    Sheet("categories", catalog.CategoryResource),
    Sheet("deadline_rules", catalog.DeadlineRuleResource),
    Sheet("dispatch_rules", catalog.DispatchRuleResource),
    Sheet("calendar_days", catalog.CalendarDayResource),
]


class MasterdataFileError(Exception):
    """The file is not a workbook we can read (missing, not .xlsx, damaged)."""


@dataclass(frozen=True)
class RejectedRow:  # 被拒绝的行
    sheet: str
    row: int | None  # the spreadsheet row (header = 1); None when the whole sheet is refused
    reason: str

    def __str__(self) -> str:
        if self.row is None:
            return f"【{self.sheet}】{self.reason}"
        return f"【{self.sheet}】第 {self.row} 行：{self.reason}"


@dataclass(frozen=True)
class SheetSummary:
    sheet: str
    new: int
    updated: int
    unchanged: int


@dataclass
class MasterdataImportReport:
    dry_run: bool
    sheets: list[SheetSummary] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    ignored_sheets: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected

    @property
    def written(self) -> bool:
        """Whether the import changed the database (it did not if it was a dry run or was refused)."""
        return self.ok and not self.dry_run

    def as_text(self) -> str:
        lines = [
            f"{s.sheet}：新增 {s.new}，更新 {s.updated}，未变 {s.unchanged}" for s in self.sheets
        ]
        if self.ignored_sheets:
            lines.append(_("未识别的工作表（已忽略）：%(names)s") % {"names": "、".join(self.ignored_sheets)})
        if self.rejected:
            lines.append(_("被拒绝的行（共 %(count)d 条）：") % {"count": len(self.rejected)})
            lines.extend(f"  {row}" for row in self.rejected)
            lines.append(_("导入已全部撤销，未写入任何数据。"))
        elif self.dry_run:
            lines.append(_("试导入通过，未写入任何数据。"))
        else:
            lines.append(_("导入完成。"))
        return "\n".join(lines)


def masterdata_export(target: str | os.PathLike | IO[bytes]) -> list[tuple[str, int]]:
    """Write all master data to one .xlsx workbook, one sheet per kind; return (sheet, rows) pairs.

    For administrators (the admin site and the `rexian masterdata export` command);
    raises OSError when `target` cannot be written.
    """
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    counts = []
    with translation.override(settings.LANGUAGE_CODE):
        for sheet in SHEETS:
            dataset = sheet.resource().export()
            _write_sheet(workbook.create_sheet(sheet.title), dataset)
            counts.append((sheet.title, len(dataset)))
    workbook.save(target)
    return counts


def _write_sheet(worksheet, dataset: tablib.Dataset) -> None:
    worksheet.append(list(dataset.headers))
    for row in dataset:
        worksheet.append(list(row))
    widths = [0] * len(dataset.headers)
    for row in worksheet.iter_rows():
        for i, cell in enumerate(row):
            if cell.data_type == "f":
                # A name that starts with "=" is text, not a formula: keep it as typed.
                cell.data_type = "s"
            text = cell_text(cell.value)
            widths[i] = max(widths[i], sum(2 if ord(ch) > 0x2E7F else 1 for ch in text))
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    for i, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 50)
    worksheet.freeze_panes = "A2"


def masterdata_import(source: str | os.PathLike | IO[bytes], *, dry_run: bool = False) -> MasterdataImportReport:
    """Import a master-data workbook all or nothing, and report every rejected row.

    Sheets are recognised by title (Chinese, as exported, or the English key) and may be
    left out; rows are matched by natural key, created or updated, never deleted.
    Any rejected row, or `dry_run`, rolls the whole import back. Re-importing the same
    workbook changes nothing. For administrators; raises MasterdataFileError when the
    file cannot be read as a workbook.
    """
    datasets = _read_workbook(source)
    report = MasterdataImportReport(dry_run=dry_run)
    with translation.override(settings.LANGUAGE_CODE):
        try:
            with transaction.atomic():
                for sheet in SHEETS:
                    dataset = datasets.pop(sheet.title, None)
                    if dataset is None:
                        dataset = datasets.pop(sheet.key, None)
                    if dataset is not None:
                        _import_sheet(sheet, dataset, report)
                if dry_run or report.rejected:
                    transaction.set_rollback(True)
        finally:
            # Rows are saved one by one, so signals already forgot the caches, but a
            # rolled-back import must not leave values cached from inside the transaction.
            forget_deadline_rules()
            forget_overrides()
    report.ignored_sheets = [str(dataset.title) for dataset in datasets.values()]
    return report


def _import_sheet(sheet: Sheet, dataset: tablib.Dataset, report: MasterdataImportReport) -> None:
    resource = sheet.resource()
    if not dataset.headers and not len(dataset):
        report.sheets.append(SheetSummary(sheet.title, new=0, updated=0, unchanged=0))
        return
    missing = resource.missing_columns(dataset.headers)
    if missing:
        report.rejected.append(
            RejectedRow(sheet.title, None, _("缺少必需的列：%(columns)s。") % {"columns": "、".join(missing)})
        )
        return
    # The caller's transaction is the only one: dry runs and refusals roll it back whole.
    result = resource.import_data(dataset, dry_run=False, use_transactions=False, raise_errors=False)
    for error in result.base_errors:
        report.rejected.append(RejectedRow(sheet.title, None, str(error.error)))
    failures = [(invalid.number, resource.row_reason(invalid.error_dict)) for invalid in result.invalid_rows]
    failures += [
        (failed.number, "；".join(str(error.error) for error in failed.errors)) for failed in result.error_rows
    ]
    report.rejected.extend(RejectedRow(sheet.title, number, reason) for number, reason in sorted(failures))
    report.sheets.append(
        SheetSummary(
            sheet.title,
            new=result.totals["new"],
            updated=result.totals["update"],
            unchanged=result.totals["skip"],
        )
    )


def _read_workbook(source) -> dict[str, tablib.Dataset]:
    """Every sheet of an .xlsx file as a dataset (header row first, blank rows kept so row numbers hold)."""
    name = os.fspath(source) if isinstance(source, (str, os.PathLike)) else getattr(source, "name", "")
    try:
        workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except FileNotFoundError:
        raise MasterdataFileError(_("找不到文件“%(name)s”。") % {"name": name}) from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise MasterdataFileError(
            _("无法读取“%(name)s”：不是有效的 Excel 工作簿（.xlsx）。（%(error)s）") % {"name": name, "error": exc}
        ) from None
    datasets = {}
    try:
        for worksheet in workbook.worksheets:
            rows = list(worksheet.iter_rows(values_only=True))
            headers = [cell_text(h) for h in rows[0]] if rows else []
            while headers and not headers[-1]:
                headers.pop()
            dataset = tablib.Dataset(headers=headers or None, title=worksheet.title)
            width = len(headers)
            for row in rows[1:]:
                if width:
                    dataset.append((list(row) + [None] * width)[:width])
            datasets[cell_text(worksheet.title)] = dataset
    except Exception as exc:  # a damaged part inside a valid zip; openpyxl raises many kinds
        raise MasterdataFileError(
            _("无法读取“%(name)s”：工作簿已损坏。（%(error)s）") % {"name": name, "error": exc}
        ) from None
    finally:
        workbook.close()
    return datasets
