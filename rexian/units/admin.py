from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats

from rexian.units.models import Unit, User
from rexian.units.resources import UnitResource


class SpreadsheetAdmin(ImportExportModelAdmin):
    """Import and export buttons for a master-data list, every refusal a message in the admin's language.

    The library names the exception of a file it cannot read ("'BadZipFile' encountered…"); here the admin
    is told what is wrong with the file. Its import page shows messages only, never a traceback
    (rexian/templates/admin/import_export/import.html), and texts its Chinese catalogue lacks or garbles
    are in rexian/locale/zh_Hans.
    """

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, UnicodeDecodeError):
            message = gettext(
                "无法读取文件：CSV 文件须为 UTF-8 编码。请在 Excel 中另存为“CSV UTF-8（逗号分隔）”，或直接上传 .xlsx 文件。"
            )
        else:
            chosen = self.get_import_formats()[int(form.cleaned_data["format"])]()
            message = gettext("无法读取文件：它不是有效的 .%(format)s 文件。请确认所选格式与上传的文件一致。") % {
                "format": chosen.get_title()
            }
        form.add_error("import_file", message)

    def get_export_filename(self, request, queryset, file_format):
        """<the list's name>-<the centre's local date>.<ext> (受理渠道-2026-03-01.xlsx): the library names the file by
        the model's class and dates it in UTC (yesterday's date before 08:00 in Beijing)."""
        name = str(self.model._meta.verbose_name_plural).replace("/", "-")
        return f"{name}-{timezone.localdate():%Y-%m-%d}.{file_format.get_extension()}"

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        # The library writes the name into the header as it is; a Chinese one needs RFC 6266's filename*.
        response = super()._do_file_export(file_format, request, queryset, export_form=export_form)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=self.get_export_filename(request, queryset, file_format)
        )
        return response

    def get_data_for_export(self, request, queryset, **kwargs):
        """The rows, in a sheet named as the admin's list is (诉求分类), not tablib's "Tablib Dataset"."""
        dataset = super().get_data_for_export(request, queryset, **kwargs)
        dataset.title = str(self.model._meta.verbose_name_plural)[:31]  # Excel allows 31 characters
        return dataset

    def get_export_queryset(self, request):
        # The export link carries the list's filters. Like the list itself, which answers filters it cannot
        # read with the whole list, a query string that is no filter (a hand-made "?format=0") exports
        # every row instead of failing; the export form says so before anything is downloaded.
        try:
            return super().get_export_queryset(request)
        except IncorrectLookupParameters:
            if request.method == "GET":
                messages.warning(request, gettext("链接中的筛选条件无法识别，已忽略：将导出全部记录。"))
            return self.get_queryset(request)


class WorkbookAdmin(SpreadsheetAdmin):
    """The master data's and the knowledge base's lists: Excel is what administrators use; CSV with a BOM so Excel
    opens it as UTF-8."""

    formats = [base_formats.XLSX, base_formats.CSV]
    to_encoding = "utf-8-sig"
    list_per_page = 50


@admin.register(Unit)
class UnitAdmin(SpreadsheetAdmin):
    resource_classes = [UnitResource]
    list_display = ["code", "name", "kind", "parent", "accepts_orders", "is_active"]
    list_filter = ["kind", "accepts_orders", "is_active"]
    search_fields = ["code", "name", "short_name"]
    autocomplete_fields = ["parent"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "role", "unit", "agent_number", "is_active"]
    list_filter = ["role", "is_active", "unit__kind"]
    search_fields = ["username", "display_name", "agent_number", "unit__name"]
    autocomplete_fields = ["unit"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("热线"), {"fields": ("display_name", "role", "unit", "agent_number")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("热线"), {"fields": ("display_name", "role", "unit", "agent_number")}),
    )
