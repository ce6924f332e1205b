"""质检 pages (rexian/console/views/quality.py): the queue, scoring one order, the weekly review, the monthly table,
and the two tables' exports."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import unquote

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from rexian.orders.models import Callback, Satisfaction
from rexian.quality.models import QualityInspection
from rexian.quality.services import quality_score

pytestmark = pytest.mark.django_db
QUEUE = reverse("console:quality")
WEEKLY = reverse("console:quality-weekly")
MONTHLY = reverse("console:quality-monthly")
WEEKLY_EXPORT = reverse("console:quality-weekly-export")
MONTHLY_EXPORT = reverse("console:quality-monthly-export")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FULL = {"greeting": 10, "five_elements": 30, "classification": 20, "knowledge": 20, "attitude": 20}


def _form(scores: dict, comment: str = "") -> dict:
    return {**{f"score_{code}": points for code, points in scores.items()}, "comment": comment}


@pytest.fixture
def inspection(cast, make_order):
    order = make_order()
    return QualityInspection.objects.create(order=order, operator=cast.operator, sampled_on=timezone.localdate())


def _page(item) -> str:
    return reverse("console:quality-inspection", args=[item.pk])


def test_the_queue_lists_pending_orders_with_a_link_to_score_each(signed_in, cast, inspection):
    page = signed_in(cast.inspector).get(QUEUE)
    body = page.content.decode()
    assert page.status_code == 200
    assert inspection.order.number in body and _page(inspection) in body


@pytest.mark.parametrize("role", ["operator", "dispatcher", "leader", "housing_handler"])
def test_other_roles_may_not_open_the_quality_pages(signed_in, cast, inspection, role):
    client = signed_in(getattr(cast, role))
    for url in (QUEUE, _page(inspection), WEEKLY, MONTHLY, WEEKLY_EXPORT, MONTHLY_EXPORT):
        assert client.get(url).status_code == 403
    assert client.post(_page(inspection), _form(FULL)).status_code == 403


def test_the_inspection_page_shows_the_record_with_the_caller_masked(signed_in, cast, inspection):
    body = signed_in(cast.supervisor).get(_page(inspection)).content.decode()
    order = inspection.order
    assert order.title in body and order.description in body and "物业服务" in body
    assert "13812348000" not in body and "138****8000" in body
    assert 'name="score_five_elements"' in body


def test_scoring_saves_and_returns_to_the_queue(signed_in, cast, inspection):
    done = signed_in(cast.inspector).post(_page(inspection), _form({**FULL, "attitude": 18}))
    assert done.status_code == 302 and done["Location"] == QUEUE
    inspection.refresh_from_db()
    assert (inspection.status, inspection.total, inspection.inspector) == ("scored", 98, cast.inspector)


def test_a_refused_score_comes_back_with_the_message_and_what_was_typed(signed_in, cast, inspection):
    refused = signed_in(cast.inspector).post(_page(inspection), _form({**FULL, "five_elements": 5}, "  "))
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "请填写点评" in body and 'value="5"' in body
    refused = signed_in(cast.inspector).post(_page(inspection), _form({**FULL, "greeting": 11}, "语速过快"))
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "0 到 10 分之间" in body and 'value="11"' in body and "语速过快" in body
    assert QualityInspection.objects.get(pk=inspection.pk).status == "pending"


def test_every_wrong_score_is_marked_beside_its_field(signed_in, cast, inspection):
    typed = {**FULL, "greeting": -1, "five_elements": "abc", "classification": 999, "knowledge": "1.5"}
    refused = signed_in(cast.inspector).post(_page(inspection), _form(typed, "语速过快"))
    assert refused.status_code == 400
    body = refused.content.decode()
    expected = {
        "score_greeting": "「问候语规范」的得分须在 0 到 10 分之间。",
        "score_five_elements": "「受理五要素完整」的得分须为整数。",
        "score_classification": "「诉求类型/分类准确」的得分须在 0 到 20 分之间。",
        "score_knowledge": "「知识库答复正确」的得分须为整数。",
    }
    for field, message in expected.items():
        assert f'name="{field}"' in body
        assert f'aria-invalid="true" aria-describedby="id_{field}_error"' in body
        assert f'<p class="field-error" id="id_{field}_error">{message}</p>' in body
        assert f'<a href="#id_{field}">{message}</a>' in body  # the summary above the form
    assert body.count('aria-invalid="true"') == 4  # 服务态度 (full marks) and the comment are not marked
    assert 'value="abc"' in body and 'value="999"' in body and "语速过快" in body
    assert QualityInspection.objects.get(pk=inspection.pk).status == "pending"


def test_the_weekly_review_shows_each_operator_and_the_comments(signed_in, cast, inspection):
    quality_score(actor=cast.inspector, inspection=inspection, scores={**FULL, "knowledge": 0}, comment="政策答复错误。")
    page = signed_in(cast.inspector).get(WEEKLY, {"week": timezone.localdate().isoformat()})
    body = page.content.decode()
    assert page.status_code == 200
    assert "政策答复错误。" in body and "知识库答复正确" in body and str(cast.operator) in body


def test_the_monthly_assessment_ranks_the_operators(signed_in, cast, inspection):
    quality_score(actor=cast.inspector, inspection=inspection, scores=FULL)
    today = timezone.localdate()
    page = signed_in(cast.supervisor).get(MONTHLY, {"month": today.strftime("%Y-%m")})
    assert page.status_code == 200
    [row] = page.context["rows"]
    assert (row.operator, row.quality, row.volume) == (cast.operator, 100.0, 1)


@pytest.mark.parametrize(
    "url, query, message",
    [
        (WEEKLY, {"week": "2026-13-01"}, "周次「2026-13-01」无法识别"),
        (WEEKLY, {"week": "last"}, "周次「last」无法识别"),
        (MONTHLY, {"month": "2026-13"}, "月份「2026-13」无法识别"),
        (MONTHLY, {"month": "03/2026"}, "月份「03/2026」无法识别"),
        (WEEKLY, {"week": "9999-12-31"}, "周次「9999-12-31」无法识别"),
        (MONTHLY, {"month": "0001-01"}, "月份「0001-01」无法识别"),
        (WEEKLY_EXPORT, {"week": "2026-02-30"}, "周次「2026-02-30」无法识别"),
        (MONTHLY_EXPORT, {"month": "2026-00"}, "月份「2026-00」无法识别"),
    ],
)
def test_a_bad_week_or_month_is_answered_with_a_message(signed_in, cast, url, query, message):
    page = signed_in(cast.inspector).get(url, query)
    assert page.status_code == 400 and message in page.content.decode()


def _sheet(response) -> list[tuple]:
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    return list(load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(values_only=True))


def test_the_weekly_review_exports_its_table_as_xlsx(signed_in, cast, inspection):
    quality_score(actor=cast.inspector, inspection=inspection, scores={**FULL, "knowledge": 0}, comment="政策答复错误。")
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    client = signed_in(cast.supervisor)
    assert f"{WEEKLY_EXPORT}?week={monday.isoformat()}" in client.get(WEEKLY).content.decode()
    export = client.get(WEEKLY_EXPORT, {"week": today.isoformat()})
    assert _sheet(export) == [
        ("话务员", "已质检", "平均分", "不合格", "失分较多的质检项", "点评"),
        (str(cast.operator), 1, 80, 0, "知识库答复正确 0.0/20", f"{inspection.order.number} 80 政策答复错误。"),
    ]
    sunday = monday + dt.timedelta(days=6)
    assert f"每周点评_{monday:%Y%m%d}-{sunday:%Y%m%d}.xlsx" in unquote(export["Content-Disposition"])


def test_the_monthly_assessment_exports_its_table_as_xlsx(signed_in, cast, inspection):
    quality_score(actor=cast.inspector, inspection=inspection, scores={**FULL, "attitude": 10})  # 90
    Callback.objects.create(order=inspection.order, operator=cast.operator, at=timezone.now(), reached=True,
                            satisfaction=Satisfaction.SATISFIED)
    Callback.objects.create(order=inspection.order, operator=cast.operator, at=timezone.now(), reached=True,
                            satisfaction=Satisfaction.DISSATISFIED)
    month = timezone.localdate().strftime("%Y-%m")
    client = signed_in(cast.inspector)
    assert f"{MONTHLY_EXPORT}?month={month}" in client.get(MONTHLY).content.decode()
    export = client.get(MONTHLY_EXPORT, {"month": month})
    assert _sheet(export) == [
        ("排名", "话务员", "质检件数", "质检均分", "受理量", "受理量得分", "回访成功数", "回访满意率（%）", "综合得分"),
        (1, str(cast.operator), 1, 90, 1, 100, 2, 50, 0.5 * 90 + 0.2 * 100 + 0.3 * 50),
    ]
    assert f"每月考核_{month.replace('-', '')}.xlsx" in unquote(export["Content-Disposition"])


def test_the_week_defaults_to_this_week(signed_in, cast):
    page = signed_in(cast.inspector).get(WEEKLY)
    today = timezone.localdate()
    assert page.status_code == 200 and page.context["monday"] == today - dt.timedelta(days=today.weekday())


def test_the_menu_has_quality_for_inspectors_and_supervisors_only(signed_in, cast):
    for user, shown in ((cast.inspector, True), (cast.supervisor, True), (cast.operator, False), (cast.leader, False)):
        body = signed_in(user).get(reverse("console:home")).content.decode()
        assert (f'href="{QUEUE}"' in body) is shown, user.username


def test_the_inspector_s_home_counts_the_pending_inspections(signed_in, cast, inspection):
    cards = signed_in(cast.inspector).get(reverse("console:home")).context["cards"]
    assert {"label": "待质检", "count": 1, "url": QUEUE, "tone": ""} in [
        {**card, "label": str(card["label"])} for card in cards
    ]


def test_an_english_inspector_scores_against_the_checklist_in_english(signed_in, cast, inspection):
    type(cast.inspector).objects.filter(pk=cast.inspector.pk).update(language="en")
    client = signed_in(cast.inspector)
    body = client.get(_page(inspection)).content.decode()
    assert "Five elements recorded（0–30）" in body and "受理五要素完整" not in body
    assert "Time, place, person, event and request recorded" in body
    refused = client.post(_page(inspection), _form({**FULL, "greeting": 11}, "Too fast."))
    assert refused.status_code == 400 and "Greeting and closing" in refused.content.decode()
    quality_score(actor=cast.inspector, inspection=inspection, scores={**FULL, "knowledge": 0}, comment="Wrong policy.")
    weekly = client.get(WEEKLY, {"week": timezone.localdate().isoformat()}).content.decode()
    assert "Answer agrees with the knowledge base" in weekly and "知识库答复正确" not in weekly


def test_a_criterion_without_an_english_name_shows_its_chinese_one_in_english(signed_in, cast, inspection):
    from rexian.quality.models import QualityCriterion

    QualityCriterion.objects.filter(code="attitude").update(name="服务态度与情绪安抚", name_en="", description_en="")
    type(cast.inspector).objects.filter(pk=cast.inspector.pk).update(language="en")
    body = signed_in(cast.inspector).get(_page(inspection)).content.decode()
    assert "服务态度与情绪安抚（0–20）" in body and "Service attitude" not in body
