"""The texts sent to a caller, on the order's page: for the centre's staff, never the number."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rexian.knowledge.models import Article
from rexian.knowledge.services import article_mark_used
from rexian.orders.transitions import State
from rexian.sms import selectors, services
from tests.console.conftest import signed_in  # noqa: F401 (a fixture)
from tests.knowledge.conftest import kb  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def texted(settings, make_order, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND, settings.SMS_SIGN = "log", "泰兴12345"
    with django_capture_on_commit_callbacks(execute=True):
        return make_order(State.DISPATCHED)


def test_the_centre_s_staff_see_the_receipt_on_the_order_page(signed_in, cast, texted):  # noqa: F811
    page = signed_in(cast.operator).get(reverse("console:order", args=[texted.number]))
    assert [m.kind for m in page.context["sms_messages"]] == ["receipt"]
    body = page.content.decode()
    assert "受理回执" in body and "已发送" in body and f"工单号{texted.number}" in body


def test_a_unit_s_staff_see_no_texts(signed_in, cast, texted):  # noqa: F811
    page = signed_in(cast.housing_handler).get(reverse("console:order", args=[texted.number]))
    assert page.status_code == 200 and page.context["sms_messages"] == []
    assert "受理回执" not in page.content.decode()


def test_the_articles_that_may_be_texted_are_those_answered_with_that_have_an_sms_text_not_sent_yet(
        settings, cast, make_order, kb):  # noqa: F811
    settings.SMS_BACKEND, settings.SMS_SIGN = "log", "泰兴12345"
    Article.objects.filter(pk__in=[kb.ss_card.pk, kb.pension.pk]).update(sms_text="见江苏智慧人社App。")
    order = make_order()
    for article in (kb.ss_card, kb.fund_loan, kb.pension):
        article_mark_used(actor=cast.operator, article=article, order_number=order.number, order_id=order.pk)
    kb.pension.refresh_from_db()
    assert selectors.answer_articles(user=cast.operator, order=order) == [kb.ss_card, kb.pension]
    services.sms_answer(actor=cast.operator, order=order, article=kb.pension)
    assert selectors.answer_articles(user=cast.supervisor, order=order) == [kb.ss_card]
    assert selectors.answer_articles(user=cast.dispatcher, order=order) == []  # they do not send texts
    settings.SMS_BACKEND = "off"
    assert selectors.answer_articles(user=cast.operator, order=order) == []
