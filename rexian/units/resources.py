"""The organisation tree as a spreadsheet (django-import-export), and the plain-spoken
cell widgets every master-data sheet shares.

Sheets name rows by their natural keys (a unit's `code`, its parent's code), never by
database ids, so a workbook moves between installations and survives a re-install.
Headers and cell values are Chinese ("编码", "是"/"否", "委办局") because the people
who fill them in are a hotline centre's administrators; imports also accept the English
attribute names and the stored choice values, so a workbook written by a script works too.

The widgets live here rather than in the catalogue because the catalogue depends on
units, never the other way round.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from import_export import fields, resources, results, widgets

from rexian.units.models import Unit

logger = logging.getLogger(__name__)

#: The first data row of a sheet is row 2 in Excel (row 1 holds the headers).
FIRST_DATA_ROW = 2


class SheetError(ValueError):
    """A mistake in a sheet as a whole (a required column is missing), in words its author can act on."""


class ImportProblem(results.Error):
    """An error of an import as people see it (the admin's import page shows `message`, never a traceback).

    A SheetError is the author's to fix and says so; anything else is a fault of ours: its traceback goes
    to the log and the page says only that the import failed.
    """

    def __init__(self, error, row=None, number=None):
        super().__init__(error, row=row, number=number)
        if not isinstance(error, SheetError):
            logger.error("master-data import failed", exc_info=error)

    @property
    def message(self) -> str:
        if isinstance(self.error, SheetError):
            return str(self.error)
        return _("导入时发生意外错误，没有导入任何数据。请稍后重试；如仍出错，请联系技术支持。")


def cell_text(value) -> str:
    """A cell as trimmed text.

    Excel hands back numbers for codes typed as numbers (12345 → 12345.0), so an
    integral float loses its ".0"; a leading zero Excel already dropped cannot be recovered.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    return str(value).strip()


class TextWidget(widgets.Widget):
    """Text cells, trimmed; blank cells become "" (the model decides whether blank is allowed)."""

    def clean(self, value, row=None, **kwargs):
        return cell_text(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class YesNoWidget(widgets.Widget):  # 是/否
    """Booleans written 是/否; 1/0, true/false, yes/no and Excel's own TRUE/FALSE are read too."""

    TRUE = frozenset({"是", "1", "true", "t", "yes", "y", "√", "✓", "启用", "上班"})
    FALSE = frozenset({"否", "0", "false", "f", "no", "n", "×", "✗", "停用", "休息"})

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = cell_text(value).lower()
        if not text:
            return None
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(_("“%(value)s”不是有效的是/否值，请填写“是”或“否”。") % {"value": cell_text(value)})

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "是" if value else "否"


class ChoiceWidget(widgets.Widget):
    """A choice written as its Chinese label ("委办局"); the stored value ("bureau") is read too."""

    def __init__(self, choices, **kwargs):
        self.choices = [(str(value), str(label)) for value, label in choices]
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return ""
        for stored, label in self.choices:
            if text in (stored, label):
                return stored
        raise ValueError(
            _("“%(value)s”不是有效的选项，可选：%(options)s。")
            % {"value": text, "options": "、".join(label for _, label in self.choices)}
        )

    def render(self, value, obj=None, **kwargs):
        return dict(self.choices).get(value, value or "")


class IntegerWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number != int(number):
            raise ValueError(_("“%(value)s”不是整数。") % {"value": text})
        return int(number)

    def render(self, value, obj=None, **kwargs):
        return value


class NumberWidget(widgets.Widget):
    """Decimals, written as plain numbers so Excel can sort and sum them."""

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("“%(value)s”不是数字。") % {"value": text}) from None
        if not number.is_finite():
            raise ValueError(_("“%(value)s”不是数字。") % {"value": text})
        return number

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return int(value) if value == int(value) else float(value)


class DateWidget(widgets.Widget):
    """Dates as Excel date cells; text in 2025-10-01, 2025/10/01 or 2025年10月1日 form is read too."""

    FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = cell_text(value)
        if not text:
            return None
        for fmt in self.FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise ValueError(_("“%(value)s”不是有效的日期，请写成 2025-10-01。") % {"value": text})

    def render(self, value, obj=None, **kwargs):
        return value if value is not None else ""


class CodeWidget(widgets.ForeignKeyWidget):
    """A foreign key written as the related row's code (its natural key)."""

    def __init__(self, model, field: str = "code", **kwargs):
        super().__init__(model, field=field, **kwargs)

    def clean(self, value, row=None, **kwargs):
        code = cell_text(value)
        if not code:
            return None
        try:
            return self.model.objects.get(**{self.field: code})
        except self.model.DoesNotExist:
            raise ValueError(
                _("未知的%(model)s编码“%(code)s”。") % {"model": self.model._meta.verbose_name, "code": code}
            ) from None

    def render(self, value, obj=None, **kwargs):
        rendered = super().render(value, obj, **kwargs)
        return "" if rendered is None else rendered


class CodeListWidget(widgets.ManyToManyWidget):
    """A many-to-many relation written as codes separated by commas (",", "，", "、" or ";")."""

    SEPARATORS = re.compile(r"[,，、;；\s]+")

    def __init__(self, model, field: str = "code", **kwargs):
        super().__init__(model, separator=",", field=field, **kwargs)

    def codes(self, value) -> list[str]:
        return [code for code in self.SEPARATORS.split(cell_text(value)) if code]

    def clean(self, value, row=None, **kwargs):
        codes = self.codes(value)
        if not codes:
            return self.model.objects.none()
        found = self.model.objects.filter(**{f"{self.field}__in": codes})
        known = {getattr(obj, self.field) for obj in found}
        missing = [code for code in dict.fromkeys(codes) if code not in known]
        if missing:
            raise ValueError(
                _("未知的%(model)s编码“%(codes)s”。")
                % {"model": self.model._meta.verbose_name, "codes": "、".join(missing)}
            )
        return found

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return self.separator.join(sorted(str(getattr(item, self.field)) for item in value.all()))


class MasterDataResource(resources.ModelResource):
    """A master-data sheet: natural keys, whole-row validation, parents before children.

    Subclasses declare their fields with Chinese `column_name`s and set
    `Meta.import_id_fields` to the natural key. For a tree, `tree` names the
    (code, parent code) fields; rows are imported parents first whatever their
    order in the sheet, because a child's parent must exist when the child is saved.

    After an import, the row numbers in the result (invalid and failed rows) are
    the rows of the spreadsheet as its author sees them (the header is row 1),
    even though blank rows were dropped and the tree was reordered.
    """

    tree: tuple[str, str] | None = None

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        #: For each imported row, its 0-based position in the dataset as it was handed in.
        self.source_rows: list[int] = []
        self._seen_keys: set[tuple] = set()

    def get_error_result_class(self):
        return ImportProblem

    # --- reading the sheet -----------------------------------------------------------

    def column_of(self, name: str) -> str:
        """The sheet header of a field, by field name or attribute; the model's verbose name otherwise."""
        field = self.fields.get(name)
        if field is None:
            field = next((f for f in self.fields.values() if f.attribute == name), None)
        if field is not None:
            return str(field.column_name)
        try:
            return str(self._meta.model._meta.get_field(name).verbose_name)
        except Exception:
            return name

    def normalise_headers(self, headers) -> list[str]:
        """Trimmed headers, with English attribute names ("code") renamed to the Chinese column ("编码")."""
        columns = {str(f.column_name) for f in self.fields.values()}
        aliases = {}
        for name, field in self.fields.items():
            for alias in (name, field.attribute):
                if alias and alias not in columns:
                    aliases[alias] = str(field.column_name)
        normalised = []
        for header in headers or []:
            text = cell_text(header)
            normalised.append(aliases.get(text, text))
        return normalised

    def missing_columns(self, headers) -> list[str]:
        """The natural-key columns a sheet lacks: without them no row can be matched."""
        present = set(self.normalise_headers(headers))
        required = [str(self.fields[name].column_name) for name in self.get_import_id_fields()]
        return [column for column in required if column not in present]

    def before_import(self, dataset, **kwargs):
        self.source_rows = list(range(len(dataset)))
        self._seen_keys = set()
        dataset.headers = self.normalise_headers(dataset.headers)
        missing = self.missing_columns(dataset.headers)
        if missing:
            # No row can be matched without its key: drop them, so this is the one message the author gets.
            headers = dataset.headers
            dataset.wipe()
            dataset.headers = headers
            raise SheetError(_("缺少必需的列：%(columns)s。") % {"columns": "、".join(missing)})
        rows = list(dataset)
        order = [i for i, row in enumerate(rows) if any(cell_text(v) for v in row)]
        if self.tree:
            order = self._parents_first(dataset.headers, rows, order)
        if order != list(range(len(rows))):
            headers = dataset.headers
            dataset.wipe()
            dataset.headers = headers
            for i in order:
                dataset.append(rows[i])
        self.source_rows = order

    def _parents_first(self, headers, rows, order) -> list[int]:
        """`order` sorted by depth in the sheet's own tree (stable, so siblings keep their order).

        Depth counts parent steps inside the sheet, plus one for a parent outside it
        (which must already exist). Rows caught in a cycle sort last and are refused
        when their parent is checked.
        """
        code_column, parent_column = (self.column_of(name) for name in self.tree)
        code_at = headers.index(code_column)
        parent_at = headers.index(parent_column) if parent_column in headers else None
        parent_of = {}
        for i in order:
            code = cell_text(rows[i][code_at])
            parent_of.setdefault(code, cell_text(rows[i][parent_at]) if parent_at is not None else "")

        def depth(code: str) -> int:
            seen = set()
            level = 0
            while parent_of.get(code):
                if code in seen:
                    return len(parent_of) + 1
                seen.add(code)
                code = parent_of[code]
                level += 1
            return level

        return sorted(order, key=lambda i: depth(cell_text(rows[i][code_at])))

    def row_label(self, number: int) -> int:
        """The spreadsheet row of the `number`-th (1-based) imported row."""
        if 0 < number <= len(self.source_rows):
            return self.source_rows[number - 1] + FIRST_DATA_ROW
        return number + FIRST_DATA_ROW - 1

    # --- one row ----------------------------------------------------------------------

    def before_import_row(self, row, **kwargs):
        """Refuse a row whose natural key is blank, unknown or repeated, with every other mistake in its cells.

        A row that cannot be matched is not imported, but its other cells are checked all the same, so the
        author sees every mistake of the row at once (checks that need the saved row, such as the model's
        own rules, wait until the key is right).
        """
        key_names = self.get_import_id_fields()
        key = tuple(cell_text(row.get(self.fields[name].column_name)) for name in key_names)
        errors: dict[str, list[ValidationError]] = {}
        for name, value in zip(key_names, key):
            field = self.fields[name]
            if not value:
                # A blank key cell means "any" only where the model allows it (a rule's urgency, a
                # catalogue entry's area); a blank code would otherwise pass as an unchanged new row.
                if not self._meta.model._meta.get_field(field.attribute).null:
                    errors[field.attribute] = [ValidationError(_("不能为空。"), code="required")]
                continue
            try:
                field.clean(row)  # an unknown code in the key is the author's mistake, not a crash
            except ValueError as exc:
                errors[field.attribute] = [ValidationError(str(exc), code="invalid")]
        if not any(error.code == "required" for messages in errors.values() for error in messages):
            if key in self._seen_keys:
                described = "，".join(
                    f"{self.fields[name].column_name}“{value or '（空）'}”" for name, value in zip(key_names, key)
                )
                errors[NON_FIELD_ERRORS] = [
                    ValidationError(_("与本表前面的行重复（%(key)s），每条只能出现一次。") % {"key": described})
                ]
            self._seen_keys.add(key)
        if errors:
            raise ValidationError({**errors, **self.cell_errors(row, skip=set(key_names))})

    def cell_errors(self, row, skip=frozenset()) -> dict[str, list[ValidationError]]:
        """The cells of `row` that cannot be read (bad numbers, dates, choices, unknown codes), by attribute."""
        errors = {}
        for name, field in self.fields.items():
            if name in skip or field.readonly or not field.attribute or field.column_name not in row:
                continue
            try:
                field.clean(row)
            except ValueError as exc:
                errors[field.attribute] = [ValidationError(str(exc), code="invalid")]
        return errors

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        # Many-to-many cells are only written after the save; check their codes now
        # so an unknown code is reported with the rest of the row.
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row:
                try:
                    field.clean(row)
                except ValueError as exc:
                    errors[field.attribute] = [ValidationError(str(exc), code="invalid")]
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if self._meta.clean_model_instances:
            # Like a ModelForm: fields the user cannot edit (a unit's path, a category's level) are derived.
            derived = {f.name for f in instance._meta.concrete_fields if not f.editable}
            try:
                instance.full_clean(exclude=set(errors) | derived, validate_unique=validate_unique)
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def import_row(self, row, instance_loader, **kwargs):
        # One savepoint per row: a row that fails in the database (on PostgreSQL this
        # aborts the transaction) is undone alone, so the rows after it are still checked.
        in_transaction = transaction.get_connection(self.get_db_connection_name()).in_atomic_block
        savepoint = transaction.savepoint(using=self.get_db_connection_name()) if in_transaction else None
        row_result = super().import_row(row, instance_loader, **kwargs)
        if savepoint is not None:
            if row_result.errors or row_result.validation_error:
                transaction.savepoint_rollback(savepoint, using=self.get_db_connection_name())
            else:
                transaction.savepoint_commit(savepoint, using=self.get_db_connection_name())
        return row_result

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        for invalid in result.invalid_rows:
            invalid.number = self.row_label(invalid.number)
            # Named by the sheet's headers in the sheet's order, as its author wrote them.
            invalid.error_dict = self.by_column(invalid.error_dict)
            invalid.values = tuple(cell_text(value) for value in invalid.values)
        for failed in result.error_rows:
            failed.number = self.row_label(failed.number)
            for error in failed.errors:
                error.number = failed.number
        # Parents were imported first; the author reads the sheet top to bottom.
        result.invalid_rows.sort(key=lambda invalid: invalid.number)
        result.error_rows.sort(key=lambda failed: failed.number)

    def by_column(self, error_dict: dict) -> dict:
        """A row's errors keyed by column header ("上级编码") instead of attribute, whole-row errors first."""
        order = {str(field.column_name): i for i, field in enumerate(self.fields.values())}
        named = {}
        for key, messages in error_dict.items():
            column = key if key == NON_FIELD_ERRORS else self.column_of(key)
            named.setdefault(column, []).extend(messages)
        order[NON_FIELD_ERRORS] = -1
        return dict(sorted(named.items(), key=lambda item: order.get(item[0], len(order))))

    def row_reason(self, error_dict: dict) -> str:
        """A row's errors as one line: "上级编码：未知的单位编码“X”。；名称：该字段不能为空。".

        The keys are column headers (after the import) or attributes; whole-row errors come without a name.
        """
        parts = []
        for key, messages in error_dict.items():
            text = "".join(str(m) for m in messages)
            parts.append(text if key == NON_FIELD_ERRORS else f"{self.column_of(key)}：{text}")
        return "；".join(parts)


class UnitResource(MasterDataResource):  # 单位
    tree = ("code", "parent")

    code = fields.Field(attribute="code", column_name="编码", widget=TextWidget())
    name = fields.Field(attribute="name", column_name="名称", widget=TextWidget())
    short_name = fields.Field(attribute="short_name", column_name="简称", widget=TextWidget())
    kind = fields.Field(attribute="kind", column_name="类型", widget=ChoiceWidget(Unit.Kind.choices))
    parent = fields.Field(attribute="parent", column_name="上级编码", widget=CodeWidget(Unit))
    accepts_orders = fields.Field(
        attribute="accepts_orders", column_name="可承办工单", widget=YesNoWidget(), default=True
    )
    is_active = fields.Field(attribute="is_active", column_name="启用", widget=YesNoWidget(), default=True)
    contact_phone = fields.Field(attribute="contact_phone", column_name="联系电话", widget=TextWidget())

    class Meta(MasterDataResource.Meta):
        model = Unit
        name = "单位"
        fields = ["code", "name", "short_name", "kind", "parent", "accepts_orders", "is_active", "contact_phone"]
        import_id_fields = ["code"]

    def get_queryset(self):
        return Unit.objects.select_related("parent")
