"""Enterprise profiles (企业档案) as spreadsheets (django-import-export), for the admin's import/export buttons: a
centre loads its enterprise registry (from the market regulator's records, say) and exports the desk's profiles.

Rows are keyed by the credit code, which must pass its check; the area is a town's unit code. Contacts are
personal data and stay out of the sheet: they are kept on the desk's pages.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields

from rexian.core import credit_code as credit_codes
from rexian.enterprise.models import Enterprise, Industry, Size
from rexian.units.models import Unit
from rexian.units.resources import ChoiceWidget, CodeWidget, MasterDataResource, TextWidget, cell_text


class EnterpriseResource(MasterDataResource):  # 企业档案
    credit_code = fields.Field(attribute="credit_code", column_name="统一社会信用代码", widget=TextWidget())
    name = fields.Field(attribute="name", column_name="企业名称", widget=TextWidget())
    industry = fields.Field(attribute="industry", column_name="行业门类", widget=ChoiceWidget(Industry.choices))
    size = fields.Field(attribute="size", column_name="企业规模", widget=ChoiceWidget(Size.choices))
    area = fields.Field(attribute="area", column_name="所属区域编码", widget=CodeWidget(Unit))
    address = fields.Field(attribute="address", column_name="经营地址", widget=TextWidget())
    note = fields.Field(attribute="note", column_name="备注", widget=TextWidget())

    class Meta(MasterDataResource.Meta):
        model = Enterprise
        name = "企业档案"
        fields = ["credit_code", "name", "industry", "size", "area", "address", "note"]
        import_id_fields = ["credit_code"]

    def get_queryset(self):
        return Enterprise.objects.select_related("area")

    def before_import_row(self, row, **kwargs):
        column = self.fields["credit_code"].column_name
        code = credit_codes.normalize(cell_text(row.get(column)))
        if not code:
            raise ValidationError({"credit_code": [ValidationError(_("不能为空。"), code="required")]})
        if not credit_codes.is_valid(code):
            raise ValidationError({"credit_code": [ValidationError(_("统一社会信用代码校验不通过，请核对。"))]})
        row[column] = code  # the key as stored, so "91…b" updates the profile "91…B"
        super().before_import_row(row, **kwargs)

    def before_save_instance(self, instance, row, **kwargs):
        instance.updated_at = timezone.now()
        super().before_save_instance(instance, row, **kwargs)
