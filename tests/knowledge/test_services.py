"""Writing the knowledge base: who may, what is checked, and that the index follows every write."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from rexian.knowledge import search, selectors, services
from rexian.knowledge.models import Article, ArticleUse, ReviewReminder
from rexian.knowledge.services import KnowledgeInputError
from rexian.knowledge.tasks import knowledge_review_scan_task
from rexian.units.models import Role
from tests import factories as f
from tests.knowledge.conftest import write


def found(query: str, **kwargs) -> set[int]:
    return {hit.id for hit in selectors.article_search(query=query, limit=50, **kwargs)}


# --- Writing articles ---------------------------------------------------------------------------


def test_a_supervisor_writes_a_draft_that_operators_do_not_see_until_published(kb, cast):
    article = services.article_create(
        actor=cast.supervisor, section=kb.general, title="居住证办理条件", question="外地人怎么办居住证？",
        body="在江安市居住半年以上，有合法稳定就业、住所或就读的，可以申领居住证。",
    )
    assert article.status == Article.Status.DRAFT and article.created_by == cast.supervisor
    assert article.code == f"KB{article.pk:06d}"
    assert article.id not in found("居住证")
    services.article_publish(actor=cast.supervisor, article=article)
    assert article.id in found("居住证")


def test_operators_and_unit_staff_cannot_write_articles(kb, cast):
    for actor in (cast.operator, cast.housing_admin, cast.dispatcher):
        with pytest.raises(PermissionDenied):
            services.article_create(actor=actor, section=kb.general, title="标题", question="问？", body="正文")


def test_a_question_and_answer_needs_the_callers_question(kb, cast):
    with pytest.raises(KnowledgeInputError) as error:
        services.article_create(actor=cast.admin, section=kb.general, title="标题", body="正文", kind="qa")
    assert error.value.field == "question" and "常见问法" in error.value.message


def test_validity_cannot_end_before_it_starts(kb, cast):
    today = timezone.localdate()
    with pytest.raises(KnowledgeInputError) as error:
        write(cast, kb.general, "标题", "正文", valid_from=today, valid_until=today - dt.timedelta(days=1))
    assert error.value.field == "valid_until"


def test_a_title_and_an_answer_are_required(kb, cast):
    with pytest.raises(KnowledgeInputError, match="标题"):
        write(cast, kb.general, "  ", "正文", question="问？")
    with pytest.raises(KnowledgeInputError, match="答复口径"):
        write(cast, kb.general, "标题", " ")


def test_a_code_is_used_once(kb, cast):
    write(cast, kb.general, "标题一", "正文", code="GJJ-001")
    with pytest.raises(KnowledgeInputError) as error:
        write(cast, kb.general, "标题二", "正文", code="GJJ-001")
    assert error.value.field == "code"


def test_an_update_is_searchable_at_once_and_the_old_words_are_gone(kb, cast):
    services.article_update(
        actor=cast.admin, article=kb.fund_loan, title="住房公积金组合贷款", keywords="组合贷款",
        body="商业贷款与公积金贷款组合使用。",
    )
    assert kb.fund_loan.id in found("组合贷款")
    assert kb.fund_loan.id not in found("足额缴存")
    assert Article.objects.get(pk=kb.fund_loan.pk).updated_by == cast.admin


def test_the_owner_units_admin_corrects_its_own_article_but_not_others(kb, cast):
    services.article_update(actor=cast.housing_admin, article=kb.fund_withdraw, body="购房提取须在购房后2年内申请。")
    assert "2年内" in Article.objects.get(pk=kb.fund_withdraw.pk).body
    with pytest.raises(PermissionDenied):
        services.article_update(actor=cast.housing_admin, article=kb.fund_loan, body="改")
    with pytest.raises(PermissionDenied):
        services.article_update(actor=cast.housing_admin, article=kb.fund_withdraw, owner_unit=cast.urban)
    with pytest.raises(PermissionDenied):
        services.article_update(actor=cast.housing_handler, article=kb.fund_withdraw, body="改")


def test_the_sms_text_is_written_trimmed_and_at_most_300_characters(kb, cast):
    article = write(cast, kb.general, "居住证申领", body="满半年后到派出所申领。", sms_text=" 居住证：到派出所申领。 ")
    assert Article.objects.get(pk=article.pk).sms_text == "居住证：到派出所申领。"
    services.article_update(actor=cast.housing_admin, article=kb.fund_withdraw, sms_text="购房提取：见公积金公众号。")
    assert Article.objects.get(pk=kb.fund_withdraw.pk).sms_text == "购房提取：见公积金公众号。"
    with pytest.raises(KnowledgeInputError) as refused:
        services.article_update(actor=cast.admin, article=kb.fund_loan, sms_text="长" * 301)
    assert refused.value.field == "sms_text"


def test_an_update_refuses_fields_it_does_not_know(kb, cast):
    with pytest.raises(KnowledgeInputError):
        services.article_update(actor=cast.admin, article=kb.fund_loan, status="published")


def test_publishing_sets_the_next_review_and_refuses_a_lapsed_article(kb, cast):
    assert kb.fund_loan.review_due == timezone.localdate() + dt.timedelta(days=services.REVIEW_INTERVAL_DAYS)
    with pytest.raises(KnowledgeInputError, match="已发布"):
        services.article_publish(actor=cast.admin, article=kb.fund_loan)
    services.article_archive(actor=cast.admin, article=kb.expired)
    with pytest.raises(KnowledgeInputError, match="有效期"):
        services.article_publish(actor=cast.admin, article=kb.expired)
    with pytest.raises(PermissionDenied):
        services.article_publish(actor=cast.operator, article=kb.draft)


def test_archiving_hides_the_article_and_settles_its_reminders(kb, cast):
    Article.objects.filter(pk=kb.fund_loan.pk).update(review_due=timezone.localdate())
    services.knowledge_review_scan()
    services.article_archive(actor=cast.admin, article=kb.fund_loan)
    assert kb.fund_loan.id not in found("公积金贷款")
    assert not selectors.reminders_open().filter(article=kb.fund_loan).exists()
    with pytest.raises(KnowledgeInputError):
        services.article_archive(actor=cast.admin, article=kb.fund_loan)


def test_deleting_removes_the_article_from_the_index(kb, cast):
    article_id = kb.draft.pk
    services.article_delete(actor=cast.admin, article=kb.draft)
    assert not Article.objects.filter(pk=article_id).exists()
    assert search.indexed_ids([article_id]) == set()
    assert article_id not in found("公积金提取", user=cast.admin, include_inactive=True)


def test_an_article_operators_answered_with_cannot_be_deleted(kb, cast):
    services.article_mark_used(actor=cast.operator, article=kb.fund_loan, order_number="20260301-000001")
    with pytest.raises(KnowledgeInputError, match="归档"):
        services.article_delete(actor=cast.admin, article=kb.fund_loan)


# --- Operators' marks -----------------------------------------------------------------------------


def test_an_operator_marks_the_article_they_answered_with_once_per_order(kb, cast):
    use = services.article_mark_used(actor=cast.operator, article=kb.ss_card, order_number="20260301-000007", order_id=7)
    again = services.article_mark_used(actor=cast.supervisor, article=kb.ss_card, order_number="20260301-000007")
    assert again.pk == use.pk and use.used_by == cast.operator and use.order_id == 7
    assert ArticleUse.objects.count() == 1


def test_only_call_takers_mark_articles(kb, cast):
    for actor in (cast.housing_handler, cast.dispatcher, cast.leader):
        with pytest.raises(PermissionDenied):
            services.article_mark_used(actor=actor, article=kb.ss_card, order_number="20260301-000007")


def test_a_lapsed_or_unpublished_article_is_not_an_answer(kb, cast):
    for article in (kb.expired, kb.draft):
        with pytest.raises(KnowledgeInputError, match="未发布或已过有效期"):
            services.article_mark_used(actor=cast.operator, article=article, order_number="20260301-000007")


def test_marking_needs_the_orders_number(kb, cast):
    with pytest.raises(KnowledgeInputError) as error:
        services.article_mark_used(actor=cast.operator, article=kb.ss_card, order_number="  ")
    assert error.value.field == "order_number"


def test_a_mark_is_taken_back_by_its_author_or_a_supervisor(kb, cast):
    use = services.article_mark_used(actor=cast.operator, article=kb.ss_card, order_number="20260301-000007")
    other = f.UserFactory(username="op2", role=Role.OPERATOR, unit=cast.centre)
    with pytest.raises(PermissionDenied):
        services.article_unmark_used(actor=other, use=use)
    services.article_unmark_used(actor=cast.supervisor, use=use)
    assert not ArticleUse.objects.exists()


# --- Reviews -------------------------------------------------------------------------------------------


def test_the_review_scan_reminds_owners_once_per_due_date(kb, cast):
    today = timezone.localdate()
    Article.objects.filter(pk=kb.fund_withdraw.pk).update(review_due=today - dt.timedelta(days=3))
    Article.objects.filter(pk=kb.pension.pk).update(valid_until=today + dt.timedelta(days=5))
    Article.objects.filter(pk=kb.draft.pk).update(review_due=today - dt.timedelta(days=3))
    assert services.knowledge_review_scan(today=today) == {"review_due": 1, "expiring": 1}
    assert services.knowledge_review_scan(today=today + dt.timedelta(days=1)) == {"review_due": 0, "expiring": 0}
    due = ReviewReminder.objects.get(reason="review_due")
    assert (due.article_id, due.unit_id, due.due_on) == (kb.fund_withdraw.pk, cast.housing.pk, today - dt.timedelta(days=3))
    assert list(selectors.reminders_open(unit=cast.housing)) == [due]
    assert ReviewReminder.objects.get(reason="expiring").unit_id is None  # the centre keeps that article


def test_reviewing_moves_the_date_and_settles_the_reminder(kb, cast):
    today = timezone.localdate()
    Article.objects.filter(pk=kb.fund_withdraw.pk).update(review_due=today)
    services.knowledge_review_scan()
    article = services.article_mark_reviewed(
        actor=cast.housing_admin, article=kb.fund_withdraw, next_review_on=today + dt.timedelta(days=90)
    )
    assert article.review_due == today + dt.timedelta(days=90) and article.reviewed_at is not None
    reminder = ReviewReminder.objects.get(article=kb.fund_withdraw)
    assert reminder.resolved_by == cast.housing_admin and reminder.resolved_at is not None
    with pytest.raises(PermissionDenied):
        services.article_mark_reviewed(actor=cast.urban_handler, article=kb.fund_withdraw)
    with pytest.raises(KnowledgeInputError):
        services.article_mark_reviewed(actor=cast.admin, article=kb.fund_withdraw, next_review_on=today)


def test_renewing_the_validity_settles_the_expiry_reminder(kb, cast):
    today = timezone.localdate()
    Article.objects.filter(pk=kb.pension.pk).update(valid_until=today + dt.timedelta(days=5))
    services.knowledge_review_scan()
    services.article_update(actor=cast.admin, article=kb.pension, valid_until=today + dt.timedelta(days=365))
    assert not selectors.reminders_open().exists()


def test_the_review_scan_runs_as_a_task(kb, cast):
    Article.objects.filter(pk=kb.fund_loan.pk).update(review_due=timezone.localdate())
    result = knowledge_review_scan_task.enqueue()
    assert result.return_value == {"review_due": 1, "expiring": 0}


def test_the_index_can_be_rebuilt_after_a_bulk_load(kb, cast):
    article = Article(section=kb.general, title="批量导入的条目", body="批量写入的答复口径。", status="published")
    article.refresh_search_text()
    Article.objects.bulk_create([article])
    assert search.index_rebuild() == Article.objects.count()
    assert Article.objects.get(title="批量导入的条目").id in found("批量导入")


def test_the_reindex_command_recuts_and_reindexes_every_article(kb):
    Article.objects.filter(pk=kb.ss_card.pk).update(search_title="", search_body="")  # a restore without the words
    search.index_rebuild()
    assert kb.ss_card.id not in found("社保卡")
    out = io.StringIO()
    call_command("knowledge-reindex", stdout=out)
    assert kb.ss_card.id in found("社保卡")
    assert f"reindexed {Article.objects.count()} articles" in out.getvalue()
