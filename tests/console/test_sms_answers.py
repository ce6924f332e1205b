"""知识答复 in the console: texting the caller a knowledge-base article's 短信口径, from the intake page (a box beside
the referenced article, sent when the order is answered on the call) and from the order page (「短信发送」 for each
article the order was answered with). The service itself (`sms_answer`) is tested in tests/sms/test_answers.py."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from rexian.knowledge.models import Article
from rexian.knowledge.services import article_mark_used
from rexian.orders.models import WorkOrder
from rexian.orders.transitions import State
from rexian.sms.models import SmsMessage
from tests.console.test_intake import form_data
from tests.knowledge.conftest import kb  # noqa: F401 (a fixture)
from tests.sms.conftest import SMS_TEXT, article, texting  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

INTAKE = reverse("console:intake")
ANSWER = SmsMessage.Kind.ANSWER



def client_for(user) -> Client:
    client = Client()
    client.force_login(type(user).objects.get(pk=user.pk))
    return client


def status_text(page: str) -> str:
    """The messages above the page, as text."""
    found = re.search(r'<div class="messages" role="status">(.*?)</div>', page, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else ""


def answers() -> list[SmsMessage]:
    return list(SmsMessage.objects.filter(kind=ANSWER))


# --- The intake page -------------------------------------------------------------------------------------------------


def answered_from(article, cast, **overrides) -> dict:
    """The intake form of a request answered on the call (直接办结) from `article`."""
    return form_data(cast, action="answer", answer=article.body, knowledge_article=article.pk, **overrides)


def test_the_box_is_on_the_intake_page_only_while_the_centre_sends_texts(cast, settings):
    page = client_for(cast.operator).get(INTAKE)
    assert "sms_answer" not in page.context["form"].fields and 'id="id_sms_answer"' not in page.content.decode()
    settings.SMS_BACKEND = "log"
    page = client_for(cast.operator).get(INTAKE).content.decode()
    assert 'id="id_sms_answer"' in page and "短信发送所引用条目的口径" in page
    assert re.search(r'<p id="sms-answer-box" hidden>', page)  # until an article is quoted


def test_an_article_opened_in_the_knowledge_panel_shows_its_sms_text(cast, article):
    page = client_for(cast.operator).get(reverse("console:intake-article"), {"id": article.pk}).content.decode()
    assert "短信口径：" in page and SMS_TEXT in page
    assert re.search(rf'data-quote-article="{article.pk}"[^>]* data-quote-sms', page)


def test_an_article_without_sms_text_shows_none(cast, kb):  # noqa: F811
    page = client_for(cast.operator).get(reverse("console:intake-article"), {"id": kb.fund_loan.pk}).content.decode()
    assert "短信口径" not in page and "data-quote-sms" not in page


def test_answering_from_an_article_with_the_box_ticked_texts_the_caller(cast, texting, article):
    response = client_for(cast.operator).post(INTAKE, answered_from(article, cast, sms_answer="on"), follow=True)
    order = WorkOrder.objects.get()
    assert order.state in (State.CLOSED, State.AWAITING_CALLBACK)
    [message] = answers()
    assert (message.order, message.article, message.requested_by, message.phone) == (
        order, article, cast.operator, "13912345678")
    assert message.text == f"【泰兴12345】{SMS_TEXT}"
    said = status_text(response.content.decode())
    assert "已直接办结" in said and f"已向来电人发送短信：{article.title}" in said


def test_without_the_box_nothing_is_texted(cast, texting, article):
    response = client_for(cast.operator).post(INTAKE, answered_from(article, cast), follow=True)
    assert WorkOrder.objects.get().state in (State.CLOSED, State.AWAITING_CALLBACK)
    assert answers() == []
    assert "短信" not in status_text(response.content.decode())


def test_a_landline_caller_keeps_the_order_and_the_operator_is_told_why(cast, texting, article):
    data = answered_from(article, cast, sms_answer="on", caller_phone="0523-87654321")
    response = client_for(cast.operator).post(INTAKE, data, follow=True)
    assert response.redirect_chain[-1] == (INTAKE, 302)
    assert WorkOrder.objects.get().state in (State.CLOSED, State.AWAITING_CALLBACK)
    assert answers() == []
    said = status_text(response.content.decode())
    assert "已直接办结" in said and "短信未发送：来电号码不是手机号，无法发送短信。" in said
    assert 'class="message message--warning"' in response.content.decode()


def test_the_box_without_a_quoted_article_sends_nothing_and_says_so(cast, texting):
    data = form_data(cast, action="answer", answer="已告知办理地点。", sms_answer="on")
    response = client_for(cast.operator).post(INTAKE, data, follow=True)
    assert WorkOrder.objects.exists() and answers() == []
    assert "未引用知识库条目，短信未发送。" in status_text(response.content.decode())


def test_the_box_is_ignored_when_the_order_is_dispatched(cast, texting, article):
    data = form_data(cast, knowledge_article=article.pk, sms_answer="on")
    response = client_for(cast.operator).post(INTAKE, data, follow=True)
    assert WorkOrder.objects.get().state == State.PENDING_DISPATCH
    assert answers() == [] and "短信" not in status_text(response.content.decode())


def test_a_box_sent_while_texts_are_off_is_ignored(cast, article):
    response = client_for(cast.operator).post(INTAKE, answered_from(article, cast, sms_answer="on"), follow=True)
    assert WorkOrder.objects.exists() and answers() == []
    assert "短信" not in status_text(response.content.decode())


# --- The order page --------------------------------------------------------------------------------------------------


@pytest.fixture
def answered(cast, make_order, article, kb):  # noqa: F811
    """An order answered with 社保卡补办 (which has a 短信口径) and 公积金贷款 (which has none)."""
    order = make_order(State.DISPATCHED)  # its caller has a mobile number; the housing bureau's handler sees it
    for used in (article, kb.fund_loan):
        article_mark_used(actor=cast.operator, article=used, order_number=order.number, order_id=order.pk)
    return order


def order_url(order) -> str:
    return reverse("console:order", args=[order.number])


def send_url(order) -> str:
    return reverse("console:order-sms-answer", args=[order.number])


def test_the_order_page_offers_to_text_the_article_the_order_was_answered_with(cast, texting, answered, article):
    response = client_for(cast.operator).get(order_url(answered))
    assert response.context["sms_answer_articles"] == [article]  # not 公积金贷款: it has no 短信口径
    page = response.content.decode()
    assert f'action="{send_url(answered)}"' in page and f'name="article" value="{article.pk}"' in page
    assert "短信发送" in page and SMS_TEXT in page


def test_sending_it_texts_the_caller_and_the_offer_goes(cast, texting, answered, article):
    client = client_for(cast.supervisor)
    response = client.post(send_url(answered), {"article": article.pk})
    assert response.status_code == 302 and response["Location"].startswith(order_url(answered))
    [message] = answers()
    assert (message.order, message.article, message.requested_by, message.phone) == (
        answered, article, cast.supervisor, "13812348000")
    page = client.get(order_url(answered))
    assert f"已向来电人发送短信：{article.title}" in status_text(page.content.decode())
    assert page.context["sms_answer_articles"] == []
    assert "知识答复" in page.content.decode() and f"【泰兴12345】{SMS_TEXT}" in page.content.decode()


def test_sending_it_twice_says_it_went_already(cast, texting, answered, article):
    client = client_for(cast.operator)
    client.post(send_url(answered), {"article": article.pk})
    again = client.post(send_url(answered), {"article": article.pk}, follow=True)  # a second tab, a stale page
    assert "该条目的短信口径已发给本工单的来电人。" in status_text(again.content.decode())
    assert 'class="message message--error"' in again.content.decode()
    assert len(answers()) == 1


def test_a_caller_who_cannot_be_texted_is_said_on_the_order_page(cast, texting, make_order, article):
    order = make_order(caller_phone="0523-87654321")
    article_mark_used(actor=cast.operator, article=article, order_number=order.number, order_id=order.pk)
    response = client_for(cast.operator).post(send_url(order), {"article": article.pk}, follow=True)
    assert "来电号码不是手机号，无法发送短信。" in status_text(response.content.decode())
    assert answers() == []


@pytest.mark.parametrize("posted", ["kb.expired", "0", "abc", ""])
def test_an_article_not_in_force_or_unknown_is_not_sent(cast, texting, answered, kb, posted):  # noqa: F811
    if posted.startswith("kb."):  # an article with a 短信口径 whose validity has ended
        Article.objects.filter(pk=kb.expired.pk).update(sms_text="已过期的口径。")
        posted = kb.expired.pk
    response = client_for(cast.operator).post(send_url(answered), {"article": posted}, follow=True)
    assert response.status_code == 200
    assert "知识条目不存在或已不在有效期内。" in status_text(response.content.decode())
    assert answers() == []


def test_another_article_in_force_may_be_sent_too(cast, texting, answered, kb):  # noqa: F811
    """The page offers the order's answer articles; the rule is the service's, the same as the API's."""
    Article.objects.filter(pk=kb.fund_withdraw.pk).update(sms_text="公积金提取：见公积金中心网站。")
    response = client_for(cast.operator).post(send_url(answered), {"article": kb.fund_withdraw.pk}, follow=True)
    assert "已向来电人发送短信" in status_text(response.content.decode())
    assert kb.fund_withdraw.pk in [message.article_id for message in answers()]


@pytest.mark.parametrize("who", ["dispatcher", "housing_handler"])
def test_staff_who_do_not_take_calls_get_no_form_and_may_not_send(cast, texting, answered, article, who):
    client = client_for(getattr(cast, who))
    page = client.get(order_url(answered))
    assert page.status_code == 200 and page.context["sms_answer_articles"] == []
    assert send_url(answered) not in page.content.decode()
    assert client.post(send_url(answered), {"article": article.pk}).status_code == 403
    assert answers() == []


def test_no_form_while_the_centre_sends_no_texts(cast, answered, article):
    client = client_for(cast.operator)
    page = client.get(order_url(answered))
    assert page.context["sms_answer_articles"] == [] and send_url(answered) not in page.content.decode()
    response = client.post(send_url(answered), {"article": article.pk}, follow=True)
    assert "本中心未开通短信发送。" in status_text(response.content.decode())
    assert answers() == []


def test_opening_the_send_address_goes_back_to_the_order(cast, texting, answered):
    response = client_for(cast.operator).get(send_url(answered))
    assert (response.status_code, response["Location"]) == (302, order_url(answered))
    assert answers() == []
