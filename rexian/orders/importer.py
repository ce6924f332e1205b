"""Historical import of work orders (历史工单导入): `rexian import-orders FILE`.

A centre moving from an old system brings its orders with their whole history,
so that the metrics of past months, the caller histories and the search reach
back before the switch. The file format (one row per order, Chinese or English
headers) and how each column becomes states, events, assignments and callbacks
are documented in docs/import.md; this module is its implementation.

Why not call the services row by row: they stamp every step with the current
time and check the acting user's unit, and a historical step happened years
ago at a unit whose staff are not Rexian users. So, as the demo loader does,
each row's life is simulated in memory and written in bulk, following the
services step by step so the rows read as if the services had written them:

* every step is checked against the declared table (`check_transition`) as it
  is recorded, so the events replay to the order's state;
* deadlines come from the deadline rules and the working-day calendar
  (`deadline_compute`) at the original times, unless the file gives the old
  system's own deadlines, and the live clock is set by `refresh_due`;
* assignments, extension requests and callbacks open and close as the
  services open and close them.

Rows are read one at a time (csv module; openpyxl in read-only mode), checked,
and written a batch at a time, each batch in one transaction. A row that
cannot be imported is rejected with its row number and a reason in Chinese;
the other rows of the file still import. A row whose old number (原工单号) is
already stored is skipped as already imported, so importing a file again adds
and changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from rexian.catalog import calendar as workcal
from rexian.catalog.models import AppealType, Category, Channel, DeadlineKind, DeadlineRule, Line, Urgency
from rexian.catalog.selectors import deadline_rule_for
from rexian.orders import access
from rexian.orders.deadlines import refresh_due
from rexian.orders.models import (
    Assignment,
    Callback,
    CloseReason,
    ExtensionRequest,
    Gender,
    OrderEvent,
    OrderNumberSequence,
    Satisfaction,
    WorkOrder,
)
from rexian.orders.search import order_text_reindex
from rexian.orders.transitions import Action, InvalidTransition, State, check_transition
from rexian.privacy import crypto
from rexian.units.models import Unit, User

A = Action
S = State
DEFAULT_BATCH = 500
# The centre actions a historical order's life contains: whoever imports must be allowed all of them.
IMPORT_ACTIONS = (A.REGISTER, A.DISPATCH, A.ACCEPT_REPLY, A.CALLBACK, A.MERGE, A.VOID)
LEGACY_NUMBER_MAX = 40


# --- The file format -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of the import file: its field, the header names accepted, and whether every row needs it."""

    field: str
    headers: tuple[str, ...]  # Chinese names first (the first one is used in messages), then the English name
    required: bool = False

    @property
    def label(self) -> str:
        return self.headers[0]


COLUMNS: tuple[Column, ...] = (
    Column("legacy_number", ("原工单号", "原编号", "legacy_number"), required=True),
    Column("registered_at", ("登记时间", "受理时间", "registered_at"), required=True),
    Column("registered_by", ("登记人", "registered_by")),
    Column("channel", ("渠道", "受理渠道", "channel"), required=True),
    Column("line", ("热线", "热线号码", "line")),
    Column("caller_name", ("来电人", "诉求人", "caller_name")),
    Column("caller_phone", ("电话", "联系电话", "caller_phone")),
    Column("caller_id_number", ("证件号码", "身份证号", "caller_id_number")),
    Column("caller_gender", ("性别", "gender")),
    Column("enterprise_name", ("企业名称", "enterprise_name")),
    Column("enterprise_credit_code", ("统一社会信用代码", "credit_code")),
    Column("confidential", ("保密", "是否保密", "confidential")),
    Column("appeal_type", ("诉求类型", "appeal_type"), required=True),
    Column("urgency", ("紧急程度", "urgency")),
    Column("category", ("分类", "诉求分类", "category")),
    Column("area", ("区域", "所属区域", "area")),
    Column("address", ("地址", "address")),
    Column("occurred_at", ("发生时间", "occurred_at")),
    Column("title", ("标题", "title"), required=True),
    Column("description", ("内容", "诉求内容", "description"), required=True),
    Column("units", ("派遣单位", "承办单位", "units")),
    Column("dispatched_at", ("派遣时间", "派单时间", "dispatched_at")),
    Column("sign_deadline", ("签收时限", "sign_deadline")),
    Column("reply_deadline", ("办结时限", "reply_deadline")),
    Column("signed_at", ("签收时间", "signed_at")),
    Column("extended_to", ("延期至", "extended_to")),
    Column("extended_at", ("延期时间", "extended_at")),
    Column("replied_at", ("答复时间", "replied_at")),
    Column("reply", ("答复内容", "reply")),
    Column("accepted_at", ("审核时间", "accepted_at")),
    Column("callback_at", ("回访时间", "callback_at")),
    Column("callback_reached", ("是否联系上", "callback_reached")),
    Column("satisfaction", ("满意度", "satisfaction")),
    Column("solved", ("是否解决", "solved")),
    Column("responded_in_time", ("是否按时响应", "responded_in_time")),
    Column("callback_note", ("回访记录", "callback_note")),
    Column("closed_at", ("办结时间", "closed_at")),
    Column("voided_at", ("作废时间", "voided_at")),
    Column("void_reason", ("作废原因", "void_reason")),
    Column("merged_into", ("并入工单号", "merged_into")),
    Column("merged_at", ("并单时间", "merged_at")),
)
COLUMN_BY_FIELD = {column.field: column for column in COLUMNS}
UNIT_SEPARATORS = (";", "；")
TRUE_WORDS = frozenset({"是", "有", "已联系", "已解决", "y", "yes", "true", "1", "√", "✓"})
FALSE_WORDS = frozenset({"否", "无", "未联系", "未解决", "n", "no", "false", "0", "×", "✗"})
SATISFACTION_WORDS = {
    "满意": Satisfaction.SATISFIED,
    "satisfied": Satisfaction.SATISFIED,
    "基本满意": Satisfaction.BASIC,
    "basic": Satisfaction.BASIC,
    "basically satisfied": Satisfaction.BASIC,
    "不满意": Satisfaction.DISSATISFIED,
    "dissatisfied": Satisfaction.DISSATISFIED,
}
GENDER_WORDS = {"男": Gender.MALE, "m": Gender.MALE, "male": Gender.MALE, "女": Gender.FEMALE, "f": Gender.FEMALE,
                "female": Gender.FEMALE, "未知": Gender.UNKNOWN}
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")
END_OF_DAY = dt.time(23, 59, 59)


def _header_key(text) -> str:
    """Headers match whatever their case, spacing and a trailing required-mark (原工单号*, Legacy Number)."""
    key = str(text or "").strip().rstrip("*＊").strip().lower()
    return key.replace(" ", "_").replace("-", "_")


_HEADER_FIELDS = {_header_key(name): column.field for column in COLUMNS for name in column.headers}


# --- Results and errors ---------------------------------------------------------------------------------------


class ImportFileError(Exception):
    """The file cannot be imported at all (unreadable, unknown kind, a required column missing)."""


class RowRejected(Exception):
    """A row that cannot be imported; the message says why, in Chinese."""


@dataclass(frozen=True)
class RowReport:
    row: int  # the row as a spreadsheet shows it: the header is row 1
    legacy_number: str
    reason: str


@dataclass
class ImportResult:
    """What an import did: every row is counted once, as imported, skipped or rejected."""

    dry_run: bool = False
    rows: int = 0
    imported: int = 0
    skipped: int = 0
    rejected: int = 0
    rejections: list[RowReport] = field(default_factory=list)
    skips: list[RowReport] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    first_day: dt.date | None = None  # registration days of the orders imported or found imported
    last_day: dt.date | None = None
    seconds: float = 0.0

    @property
    def summary(self) -> str:
        return f"imported={self.imported} skipped={self.skipped} rejected={self.rejected}"

    def _days(self, *days: dt.date) -> None:
        for day in days:
            self.first_day = day if self.first_day is None else min(self.first_day, day)
            self.last_day = day if self.last_day is None else max(self.last_day, day)


# --- Reading the file -----------------------------------------------------------------------------------------


@dataclass
class Sheet:
    """The file's columns (field → position) and its data rows, read lazily."""

    columns: dict[str, int]
    ignored: list[str]
    rows: Iterator[tuple[int, list]]


def _columns(header: list) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, name in enumerate(header):
        if name is None or not str(name).strip():
            continue
        found = _HEADER_FIELDS.get(_header_key(name))
        if found is None:
            ignored.append(str(name).strip())
            continue
        if found in columns:
            raise ImportFileError(
                _("列「%(name)s」与第 %(n)d 列重复（都是「%(label)s」）。")
                % {"name": str(name).strip(), "n": columns[found] + 1, "label": COLUMN_BY_FIELD[found].label}
            )
        columns[found] = index
    missing = [column.label for column in COLUMNS if column.required and column.field not in columns]
    if missing:
        raise ImportFileError(_("缺少必需的列：%(columns)s。") % {"columns": "、".join(missing)})
    return columns, ignored


def _blank(values) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


def _csv_rows(path: Path, encoding: str) -> Sheet:
    handle = open(path, encoding=encoding, newline="")  # noqa: SIM115 - closed by the generator
    reader = csv.reader(handle)
    try:
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error) as error:
        handle.close()
        raise _unreadable(path, encoding, error) from None
    if header is None:
        handle.close()
        raise ImportFileError(_("文件是空的。"))
    columns, ignored = _columns(header)

    def rows() -> Iterator[tuple[int, list]]:
        try:
            for number, values in enumerate(reader, start=2):
                if not _blank(values):
                    yield number, values
        except (UnicodeDecodeError, csv.Error) as error:
            raise _unreadable(path, encoding, error) from None
        finally:
            handle.close()

    return Sheet(columns, ignored, rows())


def _unreadable(path: Path, encoding: str, error: Exception) -> ImportFileError:
    if isinstance(error, UnicodeDecodeError):
        return ImportFileError(
            _("文件不是 %(encoding)s 编码，请用 --encoding 指定（例如 gbk）。") % {"encoding": encoding}
        )
    return ImportFileError(_("无法读取 CSV 文件：%(error)s") % {"error": error})


def _xlsx_rows(path: Path) -> Sheet:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise ImportFileError(_("无法读取 Excel 文件：%(error)s") % {"error": error}) from None
    sheet = book.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    header = next(values, None)
    if header is None:
        book.close()
        raise ImportFileError(_("文件是空的。"))
    columns, ignored = _columns(list(header))

    def rows() -> Iterator[tuple[int, list]]:
        try:
            for number, row in enumerate(values, start=2):
                if not _blank(row):
                    yield number, list(row)
        finally:
            book.close()

    return Sheet(columns, ignored, rows())


def read_sheet(path: str | Path, *, encoding: str = "utf-8-sig") -> Sheet:
    """Open an import file (.csv or .xlsx) and read its header; rows are read as they are consumed."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(_("找不到文件 %(path)s。") % {"path": path})
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path, encoding)
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path)
    raise ImportFileError(_("只能导入 .xlsx 或 .csv 文件（旧版 .xls 请另存为 .xlsx）。"))


# --- Master data, looked up by code or name ----------------------------------------------------------------------


class _Lookups:
    """The master data a file names, loaded once per import (a few hundred rows at most)."""

    def __init__(self):
        self.channels = self._by(Channel.objects.all(), "code", "name")
        self.types = self._by(AppealType.objects.all(), "code", "name")
        self.urgencies = self._by(Urgency.objects.all(), "code", "name")
        self.lines = self._by(Line.objects.all(), "code", "number")
        self.default_urgency = Urgency.objects.order_by("rank").first()
        units = list(Unit.objects.all())
        self.units_by_code = {u.code.lower(): u for u in units}
        self.units_by_name: dict[str, list[Unit]] = {}
        for unit in units:
            for name in {unit.name, unit.short_name} - {""}:
                self.units_by_name.setdefault(name, []).append(unit)
        categories = {c.pk: c for c in Category.objects.all()}
        self.parents = {c.parent_id for c in categories.values() if c.parent_id}
        self.categories_by_code = {c.code.lower(): c for c in categories.values()}
        self.categories_by_path: dict[str, Category] = {}
        self.categories_by_name: dict[str, list[Category]] = {}
        for category in categories.values():
            names, node = [category.name], category
            while node.parent_id:
                node = categories[node.parent_id]
                names.append(node.name)
            self.categories_by_path["/".join(reversed(names))] = category
            self.categories_by_name.setdefault(category.name, []).append(category)
        self.users: dict[str, User | None] = {}

    @staticmethod
    def _by(queryset, *keys: str) -> dict[str, object]:
        found = {}
        for obj in queryset:
            for key in keys:
                found.setdefault(str(getattr(obj, key)).strip().lower(), obj)
        return found

    def unit(self, value: str) -> Unit:
        unit = self.units_by_code.get(value.lower())
        if unit is None:
            named = self.units_by_name.get(value, [])
            if len(named) > 1:
                raise ValueError(_("单位名称「%(name)s」不唯一，请填写单位编码。") % {"name": value})
            unit = named[0] if named else None
        if unit is None:
            raise ValueError(_("未知的单位「%(name)s」。") % {"name": value})
        return unit

    def category(self, value: str) -> Category:
        path = "/".join(part.strip() for part in value.replace("／", "/").replace(">", "/").split("/"))
        category = self.categories_by_code.get(value.lower()) or self.categories_by_path.get(path)
        if category is None:
            named = self.categories_by_name.get(value, [])
            if len(named) > 1:
                raise ValueError(_("分类名称「%(name)s」不唯一，请填写分类编码或完整路径。") % {"name": value})
            category = named[0] if named else None
        if category is None:
            raise ValueError(_("未知的诉求分类「%(name)s」。") % {"name": value})
        if category.pk in self.parents:
            raise ValueError(_("诉求分类「%(name)s」不是最末一级分类。") % {"name": value})
        return category

    def user(self, username: str) -> User | None:
        if username not in self.users:
            self.users[username] = User.objects.filter(username=username).first()
        return self.users[username]


# --- One row, parsed ----------------------------------------------------------------------------------------------


@dataclass
class LegacyOrder:
    """One row of the file as typed values, before its life is simulated."""

    row: int
    legacy_number: str
    registered_at: dt.datetime
    registered_by: User | None
    channel: Channel
    line: Line | None
    caller_name: str
    caller_phone: str
    caller_id_number: str
    caller_gender: str
    enterprise_name: str
    enterprise_credit_code: str
    confidential: bool
    appeal_type: AppealType
    urgency: Urgency
    category: Category | None
    area: Unit | None
    address: str
    occurred_at: dt.datetime | None
    title: str
    description: str
    lead_unit: Unit | None
    assisting_units: list[Unit]
    dispatched_at: dt.datetime | None
    sign_deadline: dt.datetime | None
    reply_deadline: dt.datetime | None
    signed_at: dt.datetime | None
    extended_to: dt.datetime | None
    extended_at: dt.datetime | None
    replied_at: dt.datetime | None
    reply: str
    accepted_at: dt.datetime | None
    callback_at: dt.datetime | None
    callback_reached: bool | None
    satisfaction: str
    solved: bool | None
    responded_in_time: bool | None
    callback_note: str
    closed_at: dt.datetime | None
    voided_at: dt.datetime | None
    void_reason: str
    merged_into: str
    merged_at: dt.datetime | None


def cell_text(value) -> str:
    """A cell as text: numbers typed into Excel (a phone, an old number) lose the ".0" Excel gives them."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def _display(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M:%S}"


class _RowParser:
    """Turns one row into a LegacyOrder, collecting every problem of the row before rejecting it."""

    def __init__(self, lookups: _Lookups, columns: dict[str, int], now: dt.datetime):
        self.lookups, self.columns, self.now = lookups, columns, now
        self.tz = timezone.get_default_timezone()

    def parse(self, number: int, values: list) -> LegacyOrder:
        self.values, self.errors = values, []
        get = self._text
        legacy_number = get("legacy_number", required=True, max_length=LEGACY_NUMBER_MAX)
        units = [part.strip() for part in self._split_units(get("units")) if part.strip()]
        lead, assisting = None, []
        for index, name in enumerate(units):
            unit = self._lookup("units", self.lookups.unit, name)
            if unit is None:
                continue
            if not unit.is_active or not unit.accepts_orders:
                self.errors.append(_("%(unit)s 不承办工单。") % {"unit": unit.name})
            elif index == 0:
                lead = unit
            elif lead is not None and unit.pk == lead.pk:
                self.errors.append(_("主办单位不能同时作为协办单位。"))
            elif all(unit.pk != other.pk for other in assisting):
                assisting.append(unit)
        registered_by_name = get("registered_by")
        registered_by = None
        if registered_by_name:
            registered_by = self.lookups.user(registered_by_name)
            if registered_by is None:
                self.errors.append(_("未知的登记人账号「%(name)s」。") % {"name": registered_by_name})
        credit_code = get("enterprise_credit_code").upper()
        if credit_code and len(credit_code) != 18:
            self.errors.append(_("统一社会信用代码应为18位。"))
        phone = get("caller_phone")
        if phone:
            digits = crypto.normalize_phone(phone)
            if not digits.isdigit() or not 5 <= len(digits) <= 15:
                self.errors.append(_("联系电话格式不正确。"))
        urgency_name = get("urgency")
        category_name = get("category")
        area_name = get("area")
        line_name = get("line")
        legacy = LegacyOrder(
            row=number,
            legacy_number=legacy_number,
            registered_at=self._time("registered_at", required=True),
            registered_by=registered_by,
            channel=self._choice("channel", self.lookups.channels, _("受理渠道"), required=True),
            line=self._choice("line", self.lookups.lines, _("热线")) if line_name else None,
            caller_name=get("caller_name"),
            caller_phone=phone,
            caller_id_number=get("caller_id_number"),
            caller_gender=self._gender(),
            enterprise_name=get("enterprise_name", max_length=100),
            enterprise_credit_code=credit_code,
            confidential=bool(self._boolean("confidential")),
            appeal_type=self._choice("appeal_type", self.lookups.types, _("诉求类型"), required=True),
            urgency=(self._choice("urgency", self.lookups.urgencies, _("紧急程度")) if urgency_name
                     else self.lookups.default_urgency),
            category=self._lookup("category", self.lookups.category, category_name) if category_name else None,
            area=self._lookup("area", self.lookups.unit, area_name) if area_name else None,
            address=get("address", max_length=200),
            occurred_at=self._time("occurred_at"),
            title=get("title", required=True, max_length=120),
            description=get("description", required=True),
            lead_unit=lead,
            assisting_units=assisting,
            dispatched_at=self._time("dispatched_at"),
            sign_deadline=self._time("sign_deadline", deadline=True),
            reply_deadline=self._time("reply_deadline", deadline=True),
            signed_at=self._time("signed_at"),
            extended_to=self._time("extended_to", deadline=True),
            extended_at=self._time("extended_at"),
            replied_at=self._time("replied_at"),
            reply=get("reply"),
            accepted_at=self._time("accepted_at"),
            callback_at=self._time("callback_at"),
            callback_reached=self._boolean("callback_reached"),
            satisfaction=self._satisfaction(),
            solved=self._boolean("solved"),
            responded_in_time=self._boolean("responded_in_time"),
            callback_note=get("callback_note"),
            closed_at=self._time("closed_at"),
            voided_at=self._time("voided_at"),
            void_reason=get("void_reason"),
            merged_into=get("merged_into", max_length=LEGACY_NUMBER_MAX),
            merged_at=self._time("merged_at"),
        )
        if self.errors:
            raise RowRejected("；".join(self.errors))
        return legacy

    @staticmethod
    def _split_units(text: str) -> list[str]:
        for separator in UNIT_SEPARATORS[1:]:
            text = text.replace(separator, UNIT_SEPARATORS[0])
        return text.split(UNIT_SEPARATORS[0]) if text else []

    def _raw(self, name: str):
        index = self.columns.get(name)
        if index is None or index >= len(self.values):
            return None
        return self.values[index]

    def _text(self, name: str, *, required: bool = False, max_length: int | None = None) -> str:
        text = cell_text(self._raw(name))
        label = COLUMN_BY_FIELD[name].label
        if required and not text:
            self.errors.append(_("请填写「%(label)s」。") % {"label": label})
        if max_length and len(text) > max_length:
            self.errors.append(_("「%(label)s」不能超过 %(n)d 个字。") % {"label": label, "n": max_length})
        return text

    def _lookup(self, name: str, find: Callable[[str], object], value: str):
        try:
            return find(value)
        except ValueError as error:
            self.errors.append(str(error))
            return None

    def _choice(self, name: str, table: dict, what: str, *, required: bool = False):
        text = self._text(name, required=required)
        if not text:
            return None
        found = table.get(text.lower())
        if found is None:
            self.errors.append(_("未知的%(what)s「%(value)s」。") % {"what": what, "value": text})
        return found

    def _time(self, name: str, *, required: bool = False, deadline: bool = False) -> dt.datetime | None:
        """A local time ("2025-03-03 09:30", an Excel date-time); a date alone only for a deadline (end of day)."""
        raw = self._raw(name)
        label = COLUMN_BY_FIELD[name].label
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if required:
                self.errors.append(_("请填写「%(label)s」。") % {"label": label})
            return None
        value = None
        if isinstance(raw, dt.datetime):
            value = raw
        elif isinstance(raw, dt.date):
            value = dt.datetime.combine(raw, END_OF_DAY) if deadline else None
        else:
            text = cell_text(raw)
            for pattern in _TIME_FORMATS:
                try:
                    value = dt.datetime.strptime(text, pattern)
                    break
                except ValueError:
                    pass
            if value is None:
                for pattern in _DATE_FORMATS:
                    try:
                        day = dt.datetime.strptime(text, pattern).date()
                    except ValueError:
                        continue
                    if not deadline:
                        self.errors.append(
                            _("「%(label)s」须写到时刻（如 2025-03-03 09:30）：%(value)s") % {"label": label, "value": text}
                        )
                        return None
                    value = dt.datetime.combine(day, END_OF_DAY)
                    break
            if value is None:
                try:
                    value = dt.datetime.fromisoformat(text)
                except ValueError:
                    self.errors.append(_("「%(label)s」不是有效的时间：%(value)s") % {"label": label, "value": text[:40]})
                    return None
        if value is None:
            self.errors.append(_("「%(label)s」不是有效的时间：%(value)s") % {"label": label, "value": raw})
            return None
        if timezone.is_naive(value):
            value = timezone.make_aware(value, self.tz)
        if not deadline and value > self.now:
            self.errors.append(
                _("「%(label)s」晚于当前时间：%(value)s") % {"label": label, "value": _display(value)}
            )
        return value

    def _boolean(self, name: str) -> bool | None:
        raw = self._raw(name)
        if isinstance(raw, bool):
            return raw
        text = cell_text(raw).lower()
        if not text:
            return None
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        self.errors.append(
            _("「%(label)s」应填“是”或“否”：%(value)s") % {"label": COLUMN_BY_FIELD[name].label, "value": text[:20]}
        )
        return None

    def _satisfaction(self) -> str:
        text = self._text("satisfaction")
        if not text:
            return ""
        found = SATISFACTION_WORDS.get(text.lower())
        if found is None:
            self.errors.append(_("「满意度」应为满意、基本满意或不满意：%(value)s") % {"value": text[:20]})
            return ""
        return found

    def _gender(self) -> str:
        text = self._text("caller_gender")
        if not text:
            return Gender.UNKNOWN
        found = GENDER_WORDS.get(text.lower())
        if found is None:
            self.errors.append(_("「性别」应为男或女：%(value)s") % {"value": text[:20]})
            return Gender.UNKNOWN
        return found


# --- One order's life, simulated -------------------------------------------------------------------------------


class Deadlines:
    """`catalog.selectors.deadline_compute`, memoised for one import.

    Equal to it for every input (the tests check it): the rule per (kind, type,
    urgency, category) and the working-day arithmetic per (day, working days)
    are worked out once, where they would otherwise be read from the cache for
    every step of every order (half of an import's time without the memo).
    A rule changed while an import runs applies to the next import.
    """

    def __init__(self):
        self._rules: dict[tuple, object] = {}
        self._days: dict[tuple[dt.date, int], tuple[dt.date, bool]] = {}

    def __call__(self, *, kind: str, start: dt.datetime, appeal_type: AppealType, urgency: Urgency,
                 category: Category | None) -> dt.datetime | None:
        key = (kind, appeal_type.pk, urgency.pk, category.pk if category else None)
        if key not in self._rules:
            self._rules[key] = deadline_rule_for(kind=kind, appeal_type=appeal_type, urgency=urgency,
                                                 category=category)
        rule = self._rules[key]
        if rule is None:
            return None
        if rule.unit != DeadlineRule.Unit.WORKDAYS:
            return workcal.add_duration(start, rule.amount, rule.unit)
        local = timezone.localtime(start)
        days = (local.date(), int(rule.amount))
        if days not in self._days:
            noon = dt.datetime.combine(local.date(), dt.time(12), tzinfo=local.tzinfo)
            self._days[days] = (workcal.add_workdays(noon, days[1]).date(), workcal.is_workday(local.date()))
        target, starts_on_workday = self._days[days]
        # As add_workdays: the same clock time on a working day, the end of the day from a rest day.
        clock = local.time() if starts_on_workday else workcal.END_OF_DAY
        return dt.datetime.combine(target, clock, tzinfo=local.tzinfo)


@dataclass
class _Master:
    """What a merge needs to know of the order it joins (already stored, or earlier in this import)."""

    state: str
    registered_at: dt.datetime
    closed_at: dt.datetime | None
    pk: int | None = None
    number: str = ""
    history: _History | None = None  # when it is in the batch not yet written


class _History:
    """One order's life, built step by step the way the services would have written it."""

    def __init__(self, legacy: LegacyOrder, *, importer: User, deadlines: Deadlines):
        self.legacy, self.importer, self.deadlines = legacy, importer, deadlines
        self.events: list[OrderEvent] = []
        self.assignments: list[Assignment] = []
        self.extensions: list[ExtensionRequest] = []
        self.callbacks: list[Callback] = []
        self.master: _Master | None = None
        self.lead: Assignment | None = None
        self.t: dt.datetime = legacy.registered_at
        r = legacy
        self.o = WorkOrder(
            number="",
            legacy_number=r.legacy_number,
            state="",
            version=0,
            channel=r.channel,
            line=r.line,
            caller_name=r.caller_name,
            caller_phone=r.caller_phone,
            caller_phone_hash=crypto.phone_hash(r.caller_phone),
            caller_id_number=r.caller_id_number,
            caller_id_hash=crypto.id_number_hash(r.caller_id_number),
            caller_gender=r.caller_gender,
            caller_is_enterprise=bool(r.enterprise_name or r.enterprise_credit_code),
            enterprise_name=r.enterprise_name,
            enterprise_credit_code=r.enterprise_credit_code,
            confidential=r.confidential,
            occurred_at=r.occurred_at,
            area=r.area,
            address=r.address,
            title=r.title,
            description=r.description,
            appeal_type=r.appeal_type,
            category=r.category,
            urgency=r.urgency,
            registered_at=r.registered_at,
            registered_by=r.registered_by,
        )

    # Mechanics.

    def _deadline(self, kind: str, start: dt.datetime) -> dt.datetime | None:
        o = self.o
        return self.deadlines(kind=kind, start=start, appeal_type=o.appeal_type, urgency=o.urgency,
                              category=o.category)

    def emit(self, t: dt.datetime, action: str, to_state: str, *, actor=None, unit: Unit | None = None,
             note: str = "", data: dict | None = None) -> None:
        """Record one step (the services' `_transition`): check the table, move, refresh the clock, append."""
        o = self.o
        from_state = o.state
        try:
            check_transition(number=self.legacy.legacy_number, action=action, from_state=from_state,
                             to_state=to_state)
        except InvalidTransition as error:
            raise RowRejected(error.message) from None
        o.state = to_state
        o.version += 1
        if action != A.REGISTER:
            refresh_due(o, t)
        self.events.append(OrderEvent(seq=len(self.events) + 1, action=action, from_state=from_state,
                                      to_state=to_state, actor=actor, unit=unit, at=t, note=note, data=data or {}))
        self.t = t

    @staticmethod
    def _iso(value: dt.datetime | None) -> str | None:
        return value.isoformat() if value else None

    def _end_handling(self, t: dt.datetime) -> None:
        """As the services' `_end_handling` (merge, void): units' parts are done, the order stops."""
        for a in self.assignments:
            if a.is_open:
                a.is_open, a.status = False, Assignment.Status.DONE
        self.o.closed_at = t
        self.o.pending_extension = False
        self.o.state_before_return = ""

    # The life.

    def build(self, master: _Master | None) -> None:
        r, o = self.legacy, self.o
        self._check_order_of_times()
        self.emit(r.registered_at, A.REGISTER, S.REGISTERED, actor=r.registered_by,
                  note=_("历史数据导入，原工单号 %(number)s") % {"number": r.legacy_number},
                  data={"legacy_number": r.legacy_number, "imported_by": self.importer.pk})
        if r.lead_unit is not None:
            self.emit(r.registered_at, A.SEND_TO_DISPATCH, S.PENDING_DISPATCH)
            self.dispatch()
            if r.signed_at:
                self.sign()
            if r.extended_to:
                self.extend()
            if r.replied_at:
                self.reply()
        elif r.reply:
            self.answer_on_spot()
        if r.callback_at:
            self.callback()
        if r.closed_at and o.state != S.CLOSED:
            raise RowRejected(self._why_not_closed())
        if r.merged_into:
            self.merge(master)
        elif r.voided_at:
            self._end_handling(r.voided_at)
            self.emit(r.voided_at, A.VOID, S.VOIDED, note=r.void_reason)

    def _check_order_of_times(self) -> None:
        """Missing steps and times out of order, each with the columns it concerns."""
        r = self.legacy
        label = {c.field: c.label for c in COLUMNS}
        needs = [  # (filled, missing, message): a step needs the one before it
            (r.lead_unit is not None, r.dispatched_at is None, "dispatched_at"),
            (r.dispatched_at is not None, r.lead_unit is None, "units"),
            (r.signed_at is not None, r.dispatched_at is None, "dispatched_at"),
            (r.extended_to is not None, r.signed_at is None, "signed_at"),
            (r.extended_at is not None, r.extended_to is None, "extended_to"),
            (r.replied_at is not None and r.lead_unit is not None, r.signed_at is None, "signed_at"),
            (r.replied_at is not None, not r.reply, "reply"),
            (r.reply != "" and r.lead_unit is not None, r.replied_at is None, "replied_at"),
            (r.accepted_at is not None and r.lead_unit is not None, r.replied_at is None, "replied_at"),
            (r.callback_at is not None, not r.reply, "reply"),
            (any(v is not None for v in (r.callback_reached, r.solved, r.responded_in_time)) or bool(r.satisfaction),
             r.callback_at is None, "callback_at"),
            (r.void_reason != "", r.voided_at is None, "voided_at"),
            (r.voided_at is not None, not r.void_reason, "void_reason"),
            (r.merged_at is not None, not r.merged_into, "merged_into"),
        ]
        problems = []
        for filled, missing, needed in needs:
            if filled and missing:
                message = _("缺少「%(label)s」。") % {"label": label[needed]}
                if message not in problems:
                    problems.append(message)
        if r.accepted_at is not None and r.lead_unit is None:
            problems.append(_("直接办结的工单没有审核步骤，请删去「审核时间」。"))
        if r.voided_at is not None and r.merged_into:
            problems.append(_("一张工单不能既作废又并单。"))
        if r.callback_at is not None:
            if r.callback_reached is None and not r.satisfaction:
                problems.append(_("请填写「是否联系上」或「满意度」。"))
            elif r.callback_reached is not False and not r.satisfaction:
                problems.append(_("联系上的回访须填写「满意度」。"))
            elif r.callback_reached is False and (r.satisfaction or r.solved is not None):
                problems.append(_("未联系上的回访不能填写满意度或是否解决。"))
        if problems:
            raise RowRejected("；".join(problems))
        steps = [
            ("registered_at", r.registered_at),
            ("dispatched_at", r.dispatched_at),
            ("signed_at", r.signed_at),
            ("extended_at", r.extended_at),
            ("replied_at", r.replied_at),
            ("accepted_at", r.accepted_at),
            ("callback_at", r.callback_at),
            ("closed_at", r.closed_at),
        ]
        present = [(name, value) for name, value in steps if value is not None]
        ends = [("voided_at", r.voided_at), ("merged_at", r.merged_at)]
        for name, value in ends:
            if value is not None and present:
                present.append((name, value))
        for (before, earlier), (after, later) in zip(present, present[1:]):
            if later < earlier:
                raise RowRejected(
                    _("「%(after)s」（%(later)s）早于「%(before)s」（%(earlier)s）。")
                    % {"after": label[after], "later": _display(later), "before": label[before],
                       "earlier": _display(earlier)}
                )
        for name, value in (("sign_deadline", r.sign_deadline), ("reply_deadline", r.reply_deadline)):
            if value is not None and r.dispatched_at is None:
                raise RowRejected(_("缺少「%(label)s」。") % {"label": label["dispatched_at"]})
            if value is not None and value < r.dispatched_at:
                raise RowRejected(_("「%(label)s」须晚于「派遣时间」。") % {"label": label[name]})

    def _why_not_closed(self) -> str:
        r = self.legacy
        if r.satisfaction == Satisfaction.DISSATISFIED:
            return _("回访不满意的工单进入待重办，不能同时填写「办结时间」。")
        if r.callback_at is None and (r.replied_at is not None or r.reply):
            return _("工单须经回访（或回访未联系上）方可办结：请填写「回访时间」和回访结果，或删去「办结时间」。")
        return _("工单尚未答复，不能办结：请填写答复，或删去「办结时间」。")

    def answer_on_spot(self) -> None:
        """直接办结: the operator's answer on the call; with a callback it waits for it, as a sampled answer."""
        r, o = self.legacy, self.o
        t = r.replied_at or r.registered_at
        o.answer = r.reply
        if r.callback_at:
            o.accepted_at = t
            o.callback_deadline = self._deadline(DeadlineKind.CALLBACK, t)
            self.emit(t, A.ANSWER_ON_SPOT, S.AWAITING_CALLBACK, actor=r.registered_by)
        else:
            o.closed_at, o.close_reason = t, CloseReason.ANSWERED
            self.emit(t, A.ANSWER_ON_SPOT, S.CLOSED, actor=r.registered_by)

    def dispatch(self) -> None:
        r, o = self.legacy, self.o
        t = r.dispatched_at
        o.lead_unit = r.lead_unit
        o.dispatched_at = t
        o.signed_at = o.first_responded_at = None
        o.sign_deadline = r.sign_deadline or self._deadline(DeadlineKind.SIGN, t)
        o.first_response_deadline = self._deadline(DeadlineKind.FIRST_RESPONSE, t)
        o.reply_deadline = r.reply_deadline or self._deadline(DeadlineKind.REPLY, t)
        for unit, role in [(r.lead_unit, Assignment.Role.LEAD)] + [(u, Assignment.Role.ASSIST)
                                                                   for u in r.assisting_units]:
            assignment = Assignment(unit=unit, role=role, status=Assignment.Status.DISPATCHED, is_open=True,
                                    dispatched_at=t, sign_deadline=o.sign_deadline)
            self.assignments.append(assignment)
            if role == Assignment.Role.LEAD:
                self.lead = assignment
        self.emit(t, A.DISPATCH, S.DISPATCHED, unit=r.lead_unit,
                  data={"lead": r.lead_unit.pk, "assisting": [u.pk for u in r.assisting_units]})

    def sign(self) -> None:
        """签收 by the lead unit; its signature is its first response when none was recorded."""
        t, o, lead = self.legacy.signed_at, self.o, self.lead
        lead.status, lead.signed_at = Assignment.Status.SIGNED, t
        o.signed_at = t
        if not o.first_responded_at:
            o.first_responded_at = t
        self.emit(t, A.SIGN, S.IN_PROGRESS, unit=lead.unit,
                  data={"role": lead.role, "in_time": bool(lead.sign_deadline is None or t <= lead.sign_deadline)})

    def extend(self) -> None:
        """延期: an extension the old system granted, as a request and its approval at the same moment."""
        r, o = self.legacy, self.o
        t = r.extended_at or r.signed_at
        if o.reply_deadline is None:
            raise RowRejected(_("该工单没有办结时限，无需延期。"))
        if r.extended_to <= o.reply_deadline:
            raise RowRejected(
                _("「延期至」（%(to)s）须晚于原办结时限（%(deadline)s）。")
                % {"to": _display(r.extended_to), "deadline": _display(o.reply_deadline)}
            )
        reason = _("历史数据导入：原系统批准的延期")
        self.extensions.append(
            ExtensionRequest(unit=r.lead_unit, requested_by=self.importer, requested_at=t,
                             previous_deadline=o.reply_deadline, requested_deadline=r.extended_to,
                             reason=reason, status=ExtensionRequest.Status.APPROVED, decided_at=t)
        )
        o.pending_extension = True
        self.emit(t, A.REQUEST_EXTENSION, S.IN_PROGRESS, unit=r.lead_unit, note=reason,
                  data={"requested_deadline": self._iso(r.extended_to)})
        old = o.reply_deadline
        o.reply_deadline, o.pending_extension = r.extended_to, False
        self.emit(t, A.APPROVE_EXTENSION, S.IN_PROGRESS, unit=r.lead_unit,
                  data={"from": self._iso(old), "to": self._iso(r.extended_to)})

    def reply(self) -> None:
        """办结回复 by the lead unit, then 审核通过 (at 审核时间, or at once): the order waits for its callback."""
        r, o, lead = self.legacy, self.o, self.lead
        t = r.replied_at
        lead.status, lead.replied_at, lead.result = Assignment.Status.REPLIED, t, r.reply
        o.replied_at = t
        self.emit(t, A.REPLY, S.REPLIED, unit=lead.unit, note=r.reply,
                  data={"role": lead.role, "measures": "", "deadline": self._iso(o.reply_deadline),
                        "in_time": bool(o.reply_deadline is None or t <= o.reply_deadline)})
        accepted = r.accepted_at or t
        o.accepted_at = accepted
        o.callback_deadline = self._deadline(DeadlineKind.CALLBACK, accepted)
        for a in self.assignments:
            a.is_open = False
        self.emit(accepted, A.ACCEPT_REPLY, S.AWAITING_CALLBACK, unit=lead.unit)

    def callback(self) -> None:
        """回访: reached (closed, or reopened when dissatisfied) or not (closed as unreachable with 办结时间)."""
        r, o = self.legacy, self.o
        t = r.callback_at
        note = r.callback_note
        deadline = o.callback_deadline
        if r.callback_reached is False:
            self.callbacks.append(Callback(operator=self.importer, at=t, reached=False, note=note))
            o.callback_attempts += 1
            closes = r.closed_at is not None or o.callback_attempts >= settings.CALLBACK_MAX_ATTEMPTS
            if closes:
                o.closed_at, o.close_reason = t, CloseReason.UNREACHABLE
            self.emit(t, A.CALLBACK_FAILED, S.CLOSED if closes else o.state, note=note,
                      data={"attempt": o.callback_attempts})
            return
        self.callbacks.append(Callback(operator=self.importer, at=t, reached=True, satisfaction=r.satisfaction,
                                       solved=r.solved, responded_in_time=r.responded_in_time, note=note))
        dissatisfied = r.satisfaction == Satisfaction.DISSATISFIED
        if not dissatisfied:
            o.closed_at, o.close_reason = t, CloseReason.CALLBACK
        self.emit(t, A.CALLBACK, S.REOPENED if dissatisfied else S.CLOSED, note=note,
                  data={"satisfaction": str(r.satisfaction), "solved": r.solved,
                        "responded_in_time": r.responded_in_time,
                        "in_time": bool(deadline is None or t <= deadline)})

    def merge(self, master: _Master | None) -> None:
        """并单 into an order stored before or imported earlier in this file, open at the time of the merge."""
        r = self.legacy
        t = r.merged_at or self.t
        if r.merged_into == r.legacy_number:
            raise RowRejected(_("不能将工单并入自身。"))
        if master is None:
            raise RowRejected(_("并入的主工单「%(number)s」不存在（主工单须在本行之前导入）。") % {"number": r.merged_into})
        if master.state in (S.MERGED, S.VOIDED):
            raise RowRejected(
                _("主工单「%(number)s」已%(state)s，不能并入。") % {"number": r.merged_into, "state": State(master.state).label}
            )
        if master.registered_at > t:
            raise RowRejected(_("并单时主工单「%(number)s」尚未登记。") % {"number": r.merged_into})
        if master.closed_at is not None and master.closed_at <= t:
            raise RowRejected(_("主工单 %(number)s 已结束，不能并入。") % {"number": r.merged_into})
        self.master = master
        self._end_handling(t)
        self.emit(t, A.MERGE, S.MERGED, data={"master": master.number})

    def as_master(self) -> _Master:
        o = self.o
        return _Master(state=o.state, registered_at=o.registered_at, closed_at=o.closed_at, history=self)


# --- Writing -----------------------------------------------------------------------------------------------------


def _reserve_numbers(day: dt.date, count: int) -> int:
    """Reserve `count` consecutive order numbers of `day` (as `services._next_number` hands out one)."""
    updated = OrderNumberSequence.objects.filter(day=day).update(last=F("last") + count)
    if not updated:
        try:
            with transaction.atomic():
                OrderNumberSequence.objects.create(day=day, last=count)
        except IntegrityError:
            OrderNumberSequence.objects.filter(day=day).update(last=F("last") + count)
    return OrderNumberSequence.objects.get(day=day).last - count + 1


def _write(histories: list[_History]) -> list[int]:
    """Store the orders and everything of their lives, numbered as new orders are. Call inside a transaction."""
    by_day: dict[dt.date, list[_History]] = {}
    for history in histories:
        history.o.pk = None  # a retry after a failed batch starts afresh
        by_day.setdefault(timezone.localtime(history.o.registered_at).date(), []).append(history)
    for day, group in by_day.items():
        first = _reserve_numbers(day, len(group))
        for offset, history in enumerate(sorted(group, key=lambda h: h.o.registered_at)):
            history.o.number = f"{day:%Y%m%d}-{first + offset:0{settings.ORDER_NUMBER_DIGITS}d}"
    for history in histories:
        master = history.master
        if master is not None and master.history is not None:
            if master.history.o.pk is None and master.history not in histories:
                raise RowRejected(_("主工单「%(number)s」未能导入。") % {"number": history.legacy.merged_into})
            master.number = master.history.o.number
        if master is not None:
            history.events[-1].data = {"master": master.number}
        history.o.event_count = len(history.events)
    orders = WorkOrder.objects.bulk_create([h.o for h in histories])
    rows: dict[type, list] = {OrderEvent: [], Assignment: [], ExtensionRequest: [], Callback: []}
    merged = []
    for history in histories:
        for model, group in ((OrderEvent, history.events), (Assignment, history.assignments),
                             (ExtensionRequest, history.extensions), (Callback, history.callbacks)):
            for row in group:
                row.pk = None
                row.order = history.o
            rows[model].extend(group)
        if history.master is not None:
            history.o.master_id = history.master.pk or history.master.history.o.pk
            merged.append(history.o)
    for model, group in rows.items():
        model.objects.bulk_create(group)
    if merged:
        WorkOrder.objects.bulk_update(merged, ["master"])
    ids = [order.pk for order in orders]
    # The orders were written in bulk, without order_register's full-text indexing.
    order_text_reindex(order_ids=ids)
    return ids


# --- The import ------------------------------------------------------------------------------------------------


def _stored_master(reference: str) -> _Master | None:
    """The stored order `reference` names: by its old number first, else by its Rexian number."""
    fields = ("pk", "number", "state", "registered_at", "closed_at")
    row = WorkOrder.objects.filter(legacy_number=reference).values(*fields).first()
    row = row or WorkOrder.objects.filter(number=reference).values(*fields).first()
    if row is None:
        return None
    return _Master(state=row["state"], registered_at=row["registered_at"], closed_at=row["closed_at"],
                   pk=row["pk"], number=row["number"])


class _Importer:
    """Reads the rows a batch at a time: skip what is stored, check and simulate the rest, write the batch."""

    def __init__(self, *, actor: User, sheet: Sheet, dry_run: bool, batch_size: int,
                 progress: Callable[[int], None] | None):
        self.actor, self.sheet, self.dry_run = actor, sheet, dry_run
        self.batch_size, self.progress = batch_size, progress
        self.result = ImportResult(dry_run=dry_run, ignored_columns=list(sheet.ignored))
        self.parser = _RowParser(_Lookups(), sheet.columns, timezone.now())
        self.deadlines = Deadlines()
        # Orders of this import not yet stored (the current batch; every one in a dry run), by old number.
        self.pending: dict[str, _Master] = {}

    def run(self) -> ImportResult:
        batch: list[tuple[int, list]] = []
        for row in self.sheet.rows:
            batch.append(row)
            if len(batch) >= self.batch_size:
                self._batch(batch)
                batch = []
        if batch:
            self._batch(batch)
        return self.result

    def _legacy_number(self, values: list) -> str:
        index = self.sheet.columns["legacy_number"]
        return cell_text(values[index]) if index < len(values) else ""

    def _batch(self, rows: list[tuple[int, list]]) -> None:
        result = self.result
        numbers = {self._legacy_number(values) for _, values in rows} - {""}
        stored = dict(
            WorkOrder.objects.filter(legacy_number__in=numbers).values_list("legacy_number", "registered_at")
        )
        histories: list[_History] = []
        for number, values in rows:
            result.rows += 1
            legacy_number = self._legacy_number(values)
            if legacy_number in stored or legacy_number in self.pending:
                result.skipped += 1
                result.skips.append(RowReport(number, legacy_number, _("原工单号 %(number)s 已导入。")
                                              % {"number": legacy_number}))
                if legacy_number in stored:
                    result._days(timezone.localtime(stored[legacy_number]).date())
                continue
            try:
                history = self._history(number, values)
            except RowRejected as error:
                result.rejected += 1
                result.rejections.append(RowReport(number, legacy_number, str(error)))
                continue
            histories.append(history)
            self.pending[legacy_number] = history.as_master()
        if histories and not self.dry_run:
            self._store(histories)
        if not self.dry_run:
            self.pending.clear()  # stored now: later rows find them in the database
        else:
            for history in histories:  # a dry run keeps what a merge needs, not whole histories
                self.pending[history.legacy.legacy_number].history = None
        result.imported += len(histories)
        result._days(*(timezone.localtime(h.o.registered_at).date() for h in histories))
        if self.progress is not None:
            self.progress(len(rows))

    def _history(self, number: int, values: list) -> _History:
        legacy = self.parser.parse(number, values)
        master = None
        if legacy.merged_into:
            master = self.pending.get(legacy.merged_into) or _stored_master(legacy.merged_into)
        history = _History(legacy, importer=self.actor, deadlines=self.deadlines)
        history.build(master)
        return history

    def _store(self, histories: list[_History]) -> None:
        """Write a batch in one transaction; if another import stored one of its orders meanwhile, row by row."""
        try:
            with transaction.atomic():
                _write(histories)
            return
        except IntegrityError:
            pass
        for history in list(histories):
            try:
                with transaction.atomic():
                    _write([history])
            except (IntegrityError, RowRejected) as error:
                histories.remove(history)
                row = history.legacy
                if isinstance(error, IntegrityError):
                    self.result.skipped += 1
                    self.result.skips.append(RowReport(row.row, row.legacy_number, _("原工单号 %(number)s 已导入。")
                                                       % {"number": row.legacy_number}))
                else:
                    self.result.rejected += 1
                    self.result.rejections.append(RowReport(row.row, row.legacy_number, str(error)))


def orders_import(
    *,
    actor: User,
    path: str | Path,
    dry_run: bool = False,
    encoding: str = "utf-8-sig",
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import an old system's orders with their history from a .csv or .xlsx file (docs/import.md).

    `actor` must be allowed every centre step a history contains (register,
    dispatch, accept replies, call back, merge, void: in the default roles, a
    supervisor 值班长); it stands in as the callback operator and extension
    requester the database requires. With `dry_run` every row is checked and
    nothing is written. Afterwards the metrics' rollups of the days touched are
    rebuilt. `progress(n)` is called after each batch with its number of rows.
    Raises PermissionDenied, or ImportFileError when the file cannot be read.
    """
    for action in IMPORT_ACTIONS:
        access.require(actor, action)
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    started = time.perf_counter()
    sheet = read_sheet(path, encoding=encoding)
    result = _Importer(actor=actor, sheet=sheet, dry_run=dry_run, batch_size=batch_size, progress=progress).run()
    if not dry_run and result.imported:
        _rollups_rebuild(result)
    result.seconds = time.perf_counter() - started
    return result


def _rollups_rebuild(result: ImportResult) -> None:
    """The imported orders bypassed the order events that keep the metrics' rollups current: rebuild their days,
    and the repeat-call window after them (a later order from the same phone may now be a repeat call)."""
    from rexian.analytics.rollups import rollup_rebuild

    today = timezone.localdate(timezone=timezone.get_default_timezone())
    end = min(today, result.last_day + dt.timedelta(days=settings.METRICS_REPEAT_CALL_DAYS))
    rollup_rebuild(result.first_day, max(end, result.first_day))
