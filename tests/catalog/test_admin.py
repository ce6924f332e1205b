"""The catalogue in Django admin: every page renders in Chinese, and a sheet goes out and comes back in."""

from __future__ import annotations

import io
import re
from urllib.parse import unquote

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from rexian.catalog import resources
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
from tests.spreadsheets import xlsx_upload

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
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("编码", "名称", "启用")
    assert ("phone", "电话", "是") in rows
    # The sheet and the file are named as the list is, the file with the centre's local date (the library's is UTC).
    assert sheet.title == "受理渠道"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert unquote(disposition.split("''", 1)[1]) == f"受理渠道-{timezone.localdate():%Y-%m-%d}.xlsx"


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


# --- a broken file is answered in Chinese, never with a traceback --------------------------------------------


def _xlsx(*rows, name="categories.xlsx"):
    return xlsx_upload(rows, name=name)


def _upload(client, model, upload, file_format="0"):
    return client.post(url(model, "import"), {"format": file_format, "resource": "0", "import_file": upload})


def _content(response) -> str:
    """The page's main text, without the tags."""
    page = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page[page.index('id="content"'):]))


def test_a_sheet_without_its_key_column_is_one_message_without_a_traceback(root):
    response = _upload(root, Category, _xlsx(["foo", "bar"], ["1", "2"]))
    assert response.status_code == 200
    text = _content(response)
    assert "缺少必需的列：编码。" in text
    assert "Traceback" not in text and ".py" not in text
    assert "confirm_form" not in response.context


@pytest.mark.parametrize(
    "upload, file_format, message",
    [
        (io.BytesIO("这不是工作簿".encode()), "0", "无法读取文件：它不是有效的 .xlsx 文件。请确认所选格式与上传的文件一致。"),
        (io.BytesIO("编码,名称\n09,测试\n".encode("gbk")), "1", "CSV 文件须为 UTF-8 编码"),
        (_xlsx(["编码", "名称"]), "0", "文件中没有可导入的数据：第一行须为表头（列名），其下至少有一行数据。"),
    ],
    ids=["not a workbook", "GBK csv", "header only"],
)
def test_a_file_that_cannot_be_read_is_refused_in_chinese(root, upload, file_format, message):
    upload.name = getattr(upload, "name", "categories.xlsx")
    response = _upload(root, Category, upload, file_format)
    assert response.status_code == 200
    assert message in response.context["form"].errors["import_file"][0]
    text = _content(response)
    assert "encountered" not in text and "No valid data" not in text and "Error" not in text


def test_row_errors_name_the_sheet_s_columns_and_every_problem_of_a_row(root):
    response = _upload(root, Category, _xlsx(["编码", "名称", "上级编码", "启用"], ["0301", "错位", "01", "也许"],
                                            [None, "无编码", None, "是"]))
    result = response.context["result"]
    assert [(row.number, list(row.field_specific_errors)) for row in result.invalid_rows] == [
        (2, ["编码", "启用"]),
        (3, ["编码"]),
    ]
    text = _content(response)
    assert "以下行未通过校验" in text and "某些行验数据证失败" not in text
    assert "编码 下级分类编码须以上级编码开头。 启用 “也许”不是有效的是/否值" in text
    assert "is_active" not in text and "None" not in text


def test_a_duplicate_row_is_reported_as_a_whole_row_with_its_other_mistakes(root, cast):
    response = _upload(
        root,
        DispatchRule,
        _xlsx(["分类编码", "区域编码", "主办单位编码", "协办单位编码"], ["020101", None, "C-CGJ", None],
              ["020101", None, "C-NOPE", "C-ZJJ,C-ALSO-NOPE"], name="rules.xlsx"),
    )
    (row,) = response.context["result"].invalid_rows
    assert row.number == 3
    assert list(row.error_dict) == ["__all__", "主办单位编码", "协办单位编码"]
    text = _content(response)
    assert "整行 与本表前面的行重复（分类编码“020101”，区域编码“（空）”）" in text
    assert "未知的单位编码“C-NOPE”" in text and "未知的单位编码“C-ALSO-NOPE”" in text


def test_an_unexpected_failure_is_a_plain_message_and_the_traceback_goes_to_the_log(root, monkeypatch, caplog):
    def broken(self, instance, is_create, row, **kwargs):
        raise RuntimeError("database on fire at /srv/rexian/secret.py")

    monkeypatch.setattr(resources.ChannelResource, "save_instance", broken)
    response = _upload(root, Channel, _xlsx(["编码", "名称"], ["fax", "传真"], name="channels.xlsx"))
    text = _content(response)
    assert "导入时发生意外错误，没有导入任何数据。" in text and "行号: 2" in text
    assert "on fire" not in text and "Traceback" not in text
    assert "database on fire" in caplog.text


def test_an_export_link_with_a_query_that_is_no_filter_exports_every_row(root, cast):
    page = root.get(url(Category, "export") + "?format=0")
    assert page.status_code == 200
    assert "链接中的筛选条件无法识别，已忽略：将导出全部记录。" in page.content.decode()
    fields = {f"categoryresource_{name}": "on" for name in ["code", "name"]}
    response = root.post(url(Category, "export") + "?format=0", {"format": "0", "resource": "0", **fields})
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1 + Category.objects.count()


def test_an_export_link_keeps_the_list_s_filters(root, cast):
    Category.objects.filter(code="02").update(is_active=False)
    fields = {f"categoryresource_{name}": "on" for name in ["code", "name"]}
    response = root.post(url(Category, "export") + "?is_active__exact=0", {"format": "0", "resource": "0", **fields})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows == [("编码", "名称"), ("02", "生态环境")]
