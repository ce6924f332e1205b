"""The catalogue in Django admin: every page renders in Chinese, and a sheet goes out and comes back in."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

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
from rexian.units.models import User

MODELS = [AppealType, Category, Urgency, Channel, Line, HotTopic, DeadlineRule, DispatchRule, CalendarDay]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def url(model, view: str, *args) -> str:
    return reverse(f"admin:catalog_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def root(cast, client):
    """A logged-in superuser's browser (the cast's own `admin` is a hotline role, not a Django superuser)."""
    user = User.objects.create_superuser("root", "root@example.invalid", "not-a-real-password-1")
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_renders_in_chinese_with_import_and_export_buttons(root, model):
    response = root.get(url(model, "changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    assert str(model._meta.verbose_name_plural) in page
    assert "导入" in page and "导出" in page


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_add_page_renders(root, model):
    response = root.get(url(model, "add"))
    assert response.status_code == 200
    assert "保存" in response.content.decode()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_search_renders(root, model):
    assert root.get(url(model, "changelist"), {"q": "物业"}).status_code == 200


def test_change_page_of_a_dispatch_rule_offers_unit_autocomplete(root, cast):
    rule = DispatchRule.objects.get(category=cast.property_service)
    response = root.get(url(DispatchRule, "change", rule.pk))
    assert response.status_code == 200
    assert response.content.decode().count("admin-autocomplete") >= 4  # category, area, lead and assisting units
    response = root.get(
        reverse("admin:autocomplete"),
        {"app_label": "catalog", "model_name": "dispatchrule", "field_name": "lead_unit", "term": "住建"},
    )
    assert [item["text"] for item in response.json()["results"]] == ["住建局"]


def test_category_parent_is_chosen_by_autocomplete(root, cast):
    response = root.get(
        reverse("admin:autocomplete"),
        {"app_label": "catalog", "model_name": "category", "field_name": "parent", "term": "0101"},
    )
    assert [item["text"] for item in response.json()["results"]] == ["城乡建设/物业管理", "城乡建设/物业管理/物业服务"]


def test_the_english_name_of_a_channel_is_edited_in_the_admin(root):
    channel = Channel.objects.get(code="phone")
    page = root.get(url(Channel, "change", channel.pk)).content.decode()
    assert 'name="name_en"' in page and 'value="Phone"' in page and "英文名称" in page

    response = root.post(url(Channel, "change", channel.pk), {"code": "phone", "name": "电话", "name_en": "Telephone",
                                                              "is_active": "on"})

    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.name_en == "Telephone"


def test_a_fourth_level_category_is_refused_on_the_form(root, cast):
    response = root.post(url(Category, "add"), {"code": "01010101", "name": "太深", "parent": cast.property_service.pk})
    assert response.status_code == 200
    assert "分类最多三级" in response.content.decode()
    assert not Category.objects.filter(code="01010101").exists()


def test_a_category_cannot_be_its_own_parent(root, cast):
    category = Category.objects.get(code="01")
    response = root.post(url(Category, "change", category.pk), {"code": "01", "name": "城乡建设", "parent": category.pk})
    assert response.status_code == 200
    assert "上级分类不能是本分类" in response.content.decode()
    category.refresh_from_db()
    assert category.parent_id is None


def test_export_endpoint_returns_an_xlsx_with_chinese_headers(root):
    fields = ["code", "name", "is_active"]
    response = root.post(
        url(Channel, "export"),
        {"format": "0", "resource": "0", **{f"channelresource_{name}": "on" for name in fields}},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("编码", "名称", "启用")
    assert ("phone", "电话", "是") in rows


def test_import_through_the_admin_creates_rows_after_confirmation(root):
    workbook = openpyxl.Workbook()
    workbook.active.append(["编码", "名称", "启用"])
    workbook.active.append(["fax", "传真", "否"])
    workbook.active.append(["phone", "电话", "是"])
    upload = io.BytesIO()
    workbook.save(upload)
    upload.seek(0)
    upload.name = "channels.xlsx"

    response = root.post(url(Channel, "import"), {"format": "0", "resource": "0", "import_file": upload})
    assert response.status_code == 200
    confirm = response.context["confirm_form"]
    assert confirm is not None, response.context["result"].invalid_rows
    assert not Channel.objects.filter(code="fax").exists()  # the first step is a dry run

    response = root.post(url(Channel, "process_import"), {**confirm.initial, "format": "0", "resource": "0"})
    assert response.status_code == 302
    assert Channel.objects.get(code="fax").is_active is False


def test_admin_import_shows_the_spreadsheet_row_of_a_bad_row(root):
    workbook = openpyxl.Workbook()
    workbook.active.append(["编码", "名称", "上级编码"])
    workbook.active.append(["0102", "物业收费", "01"])
    workbook.active.append(["0301", "错位", "01"])
    upload = io.BytesIO()
    workbook.save(upload)
    upload.seek(0)
    upload.name = "categories.xlsx"

    response = root.post(url(Category, "import"), {"format": "0", "resource": "0", "import_file": upload})
    result = response.context["result"]
    assert [row.number for row in result.invalid_rows] == [3]
    assert "下级分类编码须以上级编码开头" in response.content.decode()
    assert not Category.objects.filter(code="0102").exists()


def test_a_workday_rule_without_an_amount_is_a_form_error_not_a_crash(root):
    response = root.post(url(DeadlineRule, "add"), {"kind": "reply", "amount": "", "unit": "workdays"})
    assert response.status_code == 200
    assert "amount" in response.context["adminform"].form.errors
