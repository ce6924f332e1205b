"""Searching the knowledge base: on SQLite (FTS5) or PostgreSQL (tsvector), whichever DATABASE_URL names."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from rexian.knowledge import search, selectors, services
from rexian.knowledge.models import Article, ArticleUse
from tests.knowledge.conftest import write


def titles(hits) -> list[str]:
    return [hit.title for hit in hits]


def test_search_finds_the_provident_fund_article_for_公积金提取(kb, cast):
    hits = selectors.article_search(query="公积金提取", user=cast.operator)
    assert hits[0].id == kb.fund_withdraw.id


def test_a_question_in_callers_words_finds_the_answer(kb, cast):
    assert titles(selectors.article_search(query="社保卡丢了怎么补办？", user=cast.operator))[0] == kb.ss_card.title


def test_lapsed_articles_are_hidden_from_operators(kb, cast):
    found = {hit.id for hit in selectors.article_search(query="公积金提取", user=cast.operator)}
    assert kb.expired.id not in found and kb.fund_withdraw.id in found


def test_an_article_is_shown_from_its_validity_date(kb, cast):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    later = write(cast, kb.general, "公积金提取到账时间", body="提取住房公积金三个工作日内到账。", valid_from=tomorrow)
    assert later.id not in {h.id for h in selectors.article_search(query="公积金到账", user=cast.operator)}
    on_the_day = selectors.article_search(query="公积金到账", user=cast.operator, valid_on=tomorrow)
    assert later.id in {h.id for h in on_the_day}


def test_drafts_and_archived_articles_are_hidden_from_operators(kb, cast):
    services.article_archive(actor=cast.admin, article=kb.fund_loan)
    found = {hit.id for hit in selectors.article_search(query="公积金", user=cast.operator, limit=50)}
    assert kb.draft.id not in found and kb.fund_loan.id not in found


def test_managers_may_include_inactive_articles(kb, cast):
    hits = selectors.article_search(query="公积金提取", user=cast.supervisor, include_inactive=True, limit=50)
    by_id = {hit.id: hit for hit in hits}
    assert {kb.expired.id, kb.draft.id, kb.fund_withdraw.id} <= set(by_id)
    assert by_id[kb.draft.id].is_current is False and by_id[kb.draft.id].status == "draft"
    assert by_id[kb.fund_withdraw.id].is_current is True


def test_an_operator_asking_for_inactive_articles_still_sees_current_ones_only(kb, cast):
    found = {h.id for h in selectors.article_search(query="公积金提取", user=cast.operator, include_inactive=True)}
    assert kb.draft.id not in found and kb.expired.id not in found


def test_section_narrows_the_search(kb, cast):
    assert titles(selectors.article_search(query="补办", section=kb.hr)) == [kb.ss_card.title]
    assert selectors.article_search(query="社保卡", section=kb.general.pk) == []


def test_a_title_match_ranks_above_a_mention_in_the_body(kb, cast):
    mention = write(cast, kb.general, "离职人员档案转移", body="离职后档案转移，与社保卡补办无关，社保卡另行办理。")
    hits = selectors.article_search(query="社保卡补办")
    assert hits[0].id == kb.ss_card.id
    assert mention.id in {h.id for h in hits}


def test_articles_with_all_words_come_before_articles_with_some(kb, cast):
    hits = selectors.article_search(query="公积金贷款额度")
    assert hits[0].id == kb.fund_loan.id
    assert kb.fund_withdraw.id in {h.id for h in hits[1:]}  # 公积金 alone


def test_a_long_word_matches_a_text_where_its_parts_stand_apart(kb, cast):
    apart = write(cast, kb.general, "失业人员待遇", body="失业期间可继续参加养老和医疗保险。")
    assert apart.id in {h.id for h in selectors.article_search(query="养老保险", limit=20)}


def test_a_query_without_meaningful_words_finds_nothing(kb):
    assert selectors.article_search(query="") == []
    assert selectors.article_search(query="  ？！…  ") == []


def test_search_syntax_in_a_query_is_taken_as_text(kb):
    for query in ['公积金" OR "', "公积金' | '社保", "NEAR(公积金 提取)", "公积金 AND", "*", "a:b", "\\"]:
        selectors.article_search(query=query)  # no syntax error on either database


def test_snippet_marks_the_words_and_escapes_the_rest(kb, cast):
    write(cast, kb.general, "网上办事指南", body="在<script>alert(1)</script>页面提交“公积金提取”申请。")
    hit = next(h for h in selectors.article_search(query="公积金提取 网上办事") if h.title == "网上办事指南")
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet
    assert "<mark>公积金提取</mark>" in hit.snippet
    assert "<mark>" in hit.title_html


def test_the_snippet_starts_near_the_first_match_in_a_long_answer(kb, cast):
    body = "本条说明若干事项。" * 30 + "退休人员可申请提取全部住房公积金余额。"
    write(cast, kb.general, "退休销户", body=body)
    hit = next(h for h in selectors.article_search(query="退休 提取") if h.title == "退休销户")
    assert hit.snippet.startswith("…") and "<mark>退休</mark>" in hit.snippet
    assert len(hit.snippet) < 260


def test_a_hit_carries_what_a_result_list_shows(kb, cast):
    hit = selectors.article_search(query="公积金提取")[0]
    assert hit.section_name == "综合知识"
    assert hit.owner_unit_name == cast.housing.name
    assert hit.kind == "qa" and hit.kind_label == "问答"
    assert hit.code == kb.fund_withdraw.code and hit.score > 0 and hit.valid_until is None


def test_suggestions_for_the_order_being_recorded(kb):
    hits = selectors.articles_suggested_for(
        title="咨询购房提取公积金",
        description="来电人上个月在滨江镇购买了商品房，咨询如何提取住房公积金、需要准备哪些材料。",
    )
    assert hits and hits[0].id == kb.fund_withdraw.id
    assert kb.expired.id not in {h.id for h in hits} and kb.draft.id not in {h.id for h in hits}


def test_suggestions_favour_the_section_of_the_line_the_order_came_in_on(kb, cast):
    text = dict(title="社保卡补办", description="市民社保卡遗失，咨询补办社保卡。")
    plain = {hit.id: hit.score for hit in selectors.articles_suggested_for(**text)}
    on_line = selectors.articles_suggested_for(**text, line=kb.hr.line)
    assert on_line[0].section_id == kb.hr.id
    assert on_line[0].score == pytest.approx(plain[on_line[0].id] * selectors.LINE_SECTION_BOOST, rel=1e-4)


def test_an_article_sharing_only_a_word_of_its_body_or_the_place_is_not_suggested(kb, cast):
    from tests.knowledge.conftest import write

    parking = write(
        cast, kb.general, "小区停车位收费标准",
        body="住宅小区停车位收费由物业服务企业按备案标准执行，医疗机构周边停车另行规定。", keywords="停车收费",
    )
    text = dict(title="小区路灯不亮", description="来电人反映小区门口路灯坏了一个月，晚上出行不便。")
    assert parking.id not in {hit.id for hit in selectors.articles_suggested_for(**text)}  # 小区 says where, not what
    # 医疗 only in its body: one shared word, and not in the title, is no reason to show it.
    medical = selectors.articles_suggested_for(title="看病报销", description="咨询医疗费用报销比例。")
    assert parking.id not in {hit.id for hit in medical}
    # One key word in the title is enough (社保卡 here).
    assert kb.ss_card.id in {hit.id for hit in selectors.articles_suggested_for(title="社保卡", description="社保卡丢失")}


def test_no_suggestions_for_an_empty_order(kb):
    assert selectors.articles_suggested_for(title="", description="   ") == []


def test_browsing_a_section_lists_its_current_articles(kb, cast):
    listed = selectors.article_browse(section=kb.general, user=cast.operator)
    assert {h.id for h in listed} == {kb.fund_withdraw.id, kb.fund_loan.id}
    everything = selectors.article_browse(section=kb.general, user=cast.admin, include_inactive=True)
    assert {kb.draft.id, kb.expired.id} <= {h.id for h in everything}


def test_article_get_hides_what_operators_may_not_see(kb, cast):
    assert selectors.article_get(article_id=kb.draft.id, user=cast.operator) is None
    assert selectors.article_get(article_id=kb.draft.id, user=cast.admin) == kb.draft
    assert selectors.article_get(article_id=kb.ss_card.id, user=cast.operator) == kb.ss_card


def test_section_for_line(kb):
    assert selectors.section_for_line(kb.hr.line) == kb.hr
    assert selectors.section_for_line(None) is None


def test_most_used_articles_are_counted(kb, cast):
    for number in ("20260101-000001", "20260101-000002"):
        services.article_mark_used(actor=cast.operator, article=kb.ss_card, order_number=number)
    services.article_mark_used(actor=cast.operator, article=kb.fund_loan, order_number="20260101-000003")
    ranked = selectors.articles_most_used(since=timezone.now() - dt.timedelta(days=1))
    assert [(article.id, n) for article, n in ranked] == [(kb.ss_card.id, 2), (kb.fund_loan.id, 1)]
    assert selectors.articles_most_used(since=timezone.now() - dt.timedelta(days=1), section=kb.general) == [
        (kb.fund_loan, 1)
    ]
    uses = selectors.article_uses_for_order(order_number="20260101-000001")
    assert [use.article_id for use in uses] == [kb.ss_card.id]
    assert ArticleUse.objects.count() == 3


def test_the_articles_an_order_was_answered_with_and_those_that_may_be_texted(kb, cast):
    Article.objects.filter(pk__in=[kb.ss_card.pk, kb.fund_withdraw.pk]).update(sms_text="见江苏智慧人社App。")
    for article in (kb.ss_card, kb.fund_loan, kb.fund_withdraw):
        services.article_mark_used(actor=cast.operator, article=article, order_number="20260101-000001")
    services.article_mark_used(actor=cast.operator, article=kb.pension, order_number="20260101-000002")
    Article.objects.filter(pk=kb.fund_withdraw.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    answered = selectors.articles_answered_with(order_number="20260101-000001")
    assert answered == [kb.ss_card, kb.fund_loan, kb.fund_withdraw]  # first marked first
    # 公积金贷款 has no 短信口径; 公积金提取 lapsed since it was used.
    assert selectors.articles_answered_with(order_number="20260101-000001", textable=True) == [kb.ss_card]
    assert selectors.articles_answered_with(order_number="20260101-000003") == []


def test_articles_due_for_review_and_expiring(kb, cast):
    today = timezone.localdate()
    Article.objects.filter(pk=kb.fund_loan.pk).update(review_due=today - dt.timedelta(days=2))
    Article.objects.filter(pk=kb.draft.pk).update(review_due=today - dt.timedelta(days=2))
    Article.objects.filter(pk=kb.pension.pk).update(valid_until=today + dt.timedelta(days=10))
    assert list(selectors.articles_due_for_review(on=today)) == [kb.fund_loan]
    assert list(selectors.articles_expiring(on=today)) == [kb.pension]
    assert list(selectors.articles_due_for_review(on=today, unit=cast.housing)) == []


def test_the_index_holds_every_article_written_through_the_services(kb):
    ids = list(Article.objects.values_list("pk", flat=True))
    assert search.indexed_ids(ids) == set(ids)


def test_full_text_runs_on_the_database_in_use(kb):
    """On PostgreSQL the generated tsvector columns and their GIN indexes exist; on SQLite the FTS5 table."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'knowledge_article'")
            indexes = dict(cursor.fetchall())
            for name in ("knowledge_article_search_vector", "knowledge_article_title_vector"):
                assert "gin" in indexes[name]
        else:
            cursor.execute("SELECT count(*) FROM knowledge_article_fts")
            assert cursor.fetchone()[0] == Article.objects.count()
