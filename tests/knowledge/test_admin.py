"""The knowledge base in Django admin: Chinese pages, full-text search, writes through the services, Excel."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from rexian.knowledge import search, selectors, services
from rexian.knowledge.models import Article, ArticleUse, ReviewReminder, Section
from rexian.units.models import User
from tests.spreadsheets import xlsx_upload

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def url(model, view: str, *args) -> str:
    return reverse(f"admin:knowledge_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def root(kb, client):
    user = User.objects.create_superuser("root", "root@example.invalid", "not-a-real-password-1")
    client.force_login(user)
    client.user = user
    return client


def workbook(rows) -> io.BytesIO:
    return xlsx_upload(rows, name="knowledge.xlsx")


@pytest.mark.parametrize("model", [Section, Article, ArticleUse, ReviewReminder], ids=lambda m: m.__name__)
def test_changelist_renders_in_chinese(root, model):
    response = root.get(url(model, "changelist"))
    assert response.status_code == 200
    assert str(model._meta.verbose_name_plural) in response.content.decode()


def test_the_article_form_renders(root, kb):
    assert root.get(url(Article, "add")).status_code == 200
    assert "答复口径" in root.get(url(Article, "change", kb.fund_loan.pk)).content.decode()


def test_admin_search_is_the_chinese_full_text_search_with_drafts(root, kb):
    page = root.get(url(Article, "changelist"), {"q": "公积金提取"}).content.decode()
    assert kb.fund_withdraw.title in page and kb.draft.title in page
    assert kb.ss_card.title not in page
    by_code = root.get(url(Article, "changelist"), {"q": kb.ss_card.code}).content.decode()
    assert kb.ss_card.title in by_code


def test_an_article_added_in_the_admin_is_numbered_and_searchable(root, kb):
    response = root.post(
        url(Article, "add"),
        {
            "code": "", "kind": "qa", "section": kb.general.pk, "title": "无犯罪记录证明开具",
            "question": "无犯罪记录证明去哪里开？", "body": "可在户籍地或居住地派出所申请开具无犯罪记录证明。",
            "keywords": "", "basis": "", "owner_unit": "", "valid_from": "", "valid_until": "", "review_due": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get(title="无犯罪记录证明开具")
    assert article.code == f"KB{article.pk:06d}" and article.created_by == root.user
    assert article.id in {h.id for h in selectors.article_search(query="无犯罪记录", user=root.user, include_inactive=True)}


def test_the_sms_text_is_edited_in_the_article_form(root, kb):
    article = kb.fund_loan
    page = root.get(url(Article, "change", article.pk)).content.decode()
    assert "短信口径" in page and 'name="sms_text"' in page and "<textarea" in page.split('name="sms_text"')[0][-200:]
    text = "公积金贷款：连续足额缴存6个月可申请，单方缴存最高50万元，双方缴存最高70万元。"
    response = root.post(
        url(Article, "change", article.pk),
        {
            "code": article.code, "kind": article.kind, "section": article.section_id, "title": article.title,
            "question": article.question, "body": article.body, "sms_text": f"  {text}  ", "keywords": article.keywords,
            "basis": "", "owner_unit": "", "valid_from": "", "valid_until": "", "review_due": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()
    assert article.sms_text == text and article.updated_by == root.user


def test_a_sms_text_over_300_characters_is_refused_beside_the_field(root, kb):
    article = kb.fund_loan
    response = root.post(
        url(Article, "change", article.pk),
        {
            "code": article.code, "kind": article.kind, "section": article.section_id, "title": article.title,
            "question": article.question, "body": article.body, "sms_text": "长" * 301, "keywords": "",
            "basis": "", "owner_unit": "", "valid_from": "", "valid_until": "", "review_due": "",
        },
    )
    assert response.status_code == 200 and "sms_text" in response.context["adminform"].form.errors
    article.refresh_from_db()
    assert article.sms_text == ""


def test_the_publish_action_goes_through_the_service(root, kb):
    root.post(url(Article, "changelist"), {"action": "publish", "_selected_action": [kb.draft.pk, kb.fund_loan.pk]})
    kb.draft.refresh_from_db()
    assert kb.draft.status == "published" and kb.draft.review_due is not None


def test_an_unused_article_is_deleted_and_leaves_the_index(root, kb):
    response = root.post(url(Article, "delete", kb.draft.pk), {"post": "yes"})
    assert response.status_code == 302
    assert search.indexed_ids([kb.draft.pk]) == set()


def test_an_article_operators_answered_with_is_protected_from_deletion(root, kb, cast):
    services.article_mark_used(actor=cast.operator, article=kb.ss_card, order_number="20260301-000001")
    page = root.get(url(Article, "delete", kb.ss_card.pk)).content.decode()
    assert "20260301-000001" in page  # Django lists the protected rows instead of deleting
    root.post(url(Article, "delete", kb.ss_card.pk), {"post": "yes"})
    assert Article.objects.filter(pk=kb.ss_card.pk).exists()


def test_articles_export_to_excel_with_chinese_headers(root, kb):
    fields = ["code", "title", "section", "status"]
    response = root.post(
        url(Article, "export"), {"format": "0", "resource": "0", **{f"articleresource_{n}": "on" for n in fields}}
    )
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("编号", "标题", "栏目编码", "状态")
    assert (kb.ss_card.code, kb.ss_card.title, "12333", "已发布") in rows


def test_a_file_that_is_no_workbook_is_explained_beside_the_file_field(root, kb):
    upload = io.BytesIO("这不是工作簿".encode())
    upload.name = "articles.xlsx"
    response = root.post(url(Article, "import"), {"format": "0", "resource": "0", "import_file": upload})
    page = response.content.decode()
    assert "无法读取文件：它不是有效的 .xlsx 文件。请确认所选格式与上传的文件一致。" in page
    assert "BadZipFile" not in page and "Traceback" not in page


def test_an_imported_article_is_indexed(root, kb):
    upload = workbook([
        ["编号", "类型", "标题", "常见问法", "答复口径", "栏目编码", "责任单位编码", "状态"],
        ["HJ-001", "问答", "新生儿出生登记", "小孩怎么上户口？", "新生儿出生后一个月内到派出所申报出生登记。", "general", "C-ZJJ", "已发布"],
    ])
    response = root.post(url(Article, "import"), {"format": "0", "resource": "0", "import_file": upload})
    confirm = response.context["confirm_form"]
    assert confirm is not None, response.context["result"].invalid_rows
    assert not Article.objects.filter(code="HJ-001").exists()  # the preview is rolled back
    root.post(url(Article, "process_import"), {**confirm.initial, "format": "0", "resource": "0"})
    article = Article.objects.get(code="HJ-001")
    assert article.published_at is not None and article.review_due is not None
    assert article.id in {h.id for h in selectors.article_search(query="新生儿上户口")}


def test_the_sms_text_goes_to_excel_and_back(root, kb):
    upload = workbook([
        ["编号", "类型", "标题", "常见问法", "答复口径", "短信口径", "栏目编码", "状态"],
        ["HJ-002", "问答", "居住证申领", "居住证怎么办？", "居住满半年后到居住地派出所申领居住证。",
         "居住证：居住满半年后带身份证到居住地派出所申领。", "general", "已发布"],
    ])
    response = root.post(url(Article, "import"), {"format": "0", "resource": "0", "import_file": upload})
    confirm = response.context["confirm_form"]
    assert confirm is not None, response.context["result"].invalid_rows
    root.post(url(Article, "process_import"), {**confirm.initial, "format": "0", "resource": "0"})
    assert Article.objects.get(code="HJ-002").sms_text == "居住证：居住满半年后带身份证到居住地派出所申领。"
    fields = ["code", "sms_text"]
    exported = root.post(
        url(Article, "export"), {"format": "0", "resource": "0", **{f"articleresource_{n}": "on" for n in fields}}
    )
    rows = list(openpyxl.load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("编号", "短信口径")
    assert ("HJ-002", "居住证：居住满半年后带身份证到居住地派出所申领。") in rows


def test_an_imported_row_without_a_number_is_refused(root, kb):
    upload = workbook([
        ["编号", "类型", "标题", "常见问法", "答复口径", "栏目编码"],
        ["", "问答", "标题", "问法？", "答复。", "general"],
    ])
    response = root.post(url(Article, "import"), {"format": "0", "resource": "0", "import_file": upload})
    assert [row.number for row in response.context["result"].invalid_rows] == [2]
    assert "编号" in response.content.decode()
    assert not Article.objects.filter(title="标题").exists()
