"""The desk's profiles in Django admin: the registry's Excel import and the export, contacts kept out."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from rexian.enterprise.models import Enterprise, Policy, PolicyPush
from rexian.units.models import User
from tests.enterprise.conftest import CODES
from tests.spreadsheets import xlsx_upload

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["统一社会信用代码", "企业名称", "行业门类", "企业规模", "所属区域编码", "经营地址", "备注"]


def url(model, view: str, *args) -> str:
    return reverse(f"admin:enterprise_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def root(cast, client):
    client.force_login(User.objects.create_superuser("root", "root@example.invalid", "not-a-real-password-1"))
    return client


def workbook(rows) -> io.BytesIO:
    return xlsx_upload(rows, name="enterprises.xlsx")


def _import(root, rows):
    response = root.post(url(Enterprise, "import"), {"format": "0", "resource": "0", "import_file": workbook(rows)})
    confirm = response.context.get("confirm_form")  # none when a row is refused
    if confirm is not None:
        root.post(url(Enterprise, "process_import"), {**confirm.initial, "format": "0", "resource": "0"})
    return response


@pytest.mark.parametrize("model", [Enterprise, Policy, PolicyPush], ids=lambda m: m.__name__)
def test_changelist_renders_in_chinese(root, model):
    response = root.get(url(model, "changelist"))
    assert response.status_code == 200 and str(model._meta.verbose_name_plural) in response.content.decode()


def test_the_registry_is_imported_by_label_and_unit_code(root, cast):
    _import(root, [HEADER, [CODES[0].lower(), "泰兴精工机械有限公司", "制造业", "小型", "C-CD", "城东路1号", ""]])
    made = Enterprise.objects.get()
    assert (made.credit_code, made.industry, made.size, made.area) == (CODES[0], "C", "small", cast.town)


def test_importing_again_updates_the_profile_by_its_code(root, cast, factory_maker):
    _import(root, [HEADER, [CODES[0], "泰兴精工机械股份有限公司", "C", "medium", "", "", "规模以上工业企业"]])
    factory_maker.refresh_from_db()
    assert (factory_maker.name, factory_maker.size, factory_maker.note) == ("泰兴精工机械股份有限公司", "medium", "规模以上工业企业")
    assert factory_maker.contact_phone == "13900001111"  # not in the sheet, so kept


def test_a_row_whose_code_fails_its_check_is_refused(root, cast):
    response = _import(root, [HEADER, ["91350100M000100Y44", "某公司", "", "", "", "", ""]])
    assert [row.number for row in response.context["result"].invalid_rows] == [2]
    assert "校验不通过" in response.content.decode()
    assert not Enterprise.objects.exists()


def test_the_export_keeps_the_contacts_out(root, cast, factory_maker):
    fields = ["credit_code", "name", "industry", "size", "area"]
    response = root.post(
        url(Enterprise, "export"),
        {"format": "0", "resource": "0", **{f"enterpriseresource_{n}": "on" for n in fields}},
    )
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("统一社会信用代码", "企业名称", "行业门类", "企业规模", "所属区域编码")
    assert rows[1] == (CODES[0], "泰兴精工机械有限公司", "制造业", "小型", "C-CD")
    assert "13900001111" not in response.content.decode("latin-1")


def test_the_profile_form_shows_no_contact(root, factory_maker):
    page = root.get(url(Enterprise, "change", factory_maker.pk)).content.decode()
    assert "泰兴精工机械有限公司" in page and "13900001111" not in page and "王经理" not in page
