"""知识答复 (rexian/sms/services.py, `sms_answer`): an operator texts the caller a knowledge-base article's 短信口径."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from rexian.knowledge.models import Article
from rexian.orders.transitions import State
from rexian.sms import services
from rexian.sms.models import SmsMessage
from tests import factories as f
from tests.knowledge.conftest import kb  # noqa: F401 (a fixture)
from tests.sms.conftest import SMS_TEXT

pytestmark = pytest.mark.django_db




def test_an_operator_texts_the_caller_the_articles_answer(texting, cast, make_order, article,
                                                         django_capture_on_commit_callbacks):
    order = make_order(State.CLOSED)
    with django_capture_on_commit_callbacks(execute=True):
        message = services.sms_answer(actor=cast.operator, order=order, article=article)
    message.refresh_from_db()
    assert (message.kind, message.article, message.requested_by, message.phone) == (
        SmsMessage.Kind.ANSWER, article, cast.operator, "13812348000")
    assert message.text == f"【泰兴12345】{SMS_TEXT}"
    assert message.status == SmsMessage.Status.SENT


def test_with_replies_on_the_answer_says_how_to_opt_out(texting, cast, make_order, article):
    texting.SMS_REPLIES = True
    message = services.sms_answer(actor=cast.operator, order=make_order(), article=article)
    assert message.text.endswith("回复TD退订")


def test_each_article_goes_once_per_order_but_the_order_keeps_its_receipt(texting, cast, make_order, article, kb):  # noqa: F811
    order = make_order()
    services.sms_answer(actor=cast.operator, order=order, article=article)
    with pytest.raises(services.SmsRefused, match="已发给本工单"):
        services.sms_answer(actor=cast.supervisor, order=order, article=article)
    Article.objects.filter(pk=kb.fund_loan.pk).update(sms_text="公积金贷款：见公积金中心网站。")
    kb.fund_loan.refresh_from_db()
    services.sms_answer(actor=cast.operator, order=order, article=kb.fund_loan)
    assert SmsMessage.objects.filter(order=order, kind=SmsMessage.Kind.ANSWER).count() == 2


@pytest.mark.parametrize(("overrides", "said"), [
    ({"caller_phone": "0523-87654321"}, "不是手机号"),
    ({"confidential": True}, "保密"),
    ({"appeal_type": "report"}, "保密"),
])
def test_who_cannot_be_texted(texting, cast, make_order, article, overrides, said):
    if "appeal_type" in overrides:
        overrides["appeal_type"] = f.appeal_type(overrides["appeal_type"])
    with pytest.raises(services.SmsRefused, match=said):
        services.sms_answer(actor=cast.operator, order=make_order(**overrides), article=article)
    assert not SmsMessage.objects.filter(kind=SmsMessage.Kind.ANSWER).exists()


def test_an_opted_out_number_is_not_texted(texting, cast, make_order, article):
    services.sms_opt_out(phone="13812348000", source="短信回复退订")
    with pytest.raises(services.SmsRefused, match="已退订"):
        services.sms_answer(actor=cast.operator, order=make_order(), article=article)


def test_an_article_without_sms_text_or_out_of_force_cannot_be_sent(texting, cast, make_order, kb):  # noqa: F811
    with pytest.raises(services.SmsRefused) as refused:
        services.sms_answer(actor=cast.operator, order=make_order(), article=kb.fund_loan)  # no 短信口径
    assert refused.value.field == "article"
    Article.objects.filter(pk=kb.expired.pk).update(sms_text="已过期的口径")
    kb.expired.refresh_from_db()
    with pytest.raises(services.SmsRefused):
        services.sms_answer(actor=cast.operator, order=make_order(), article=kb.expired)


def test_nothing_is_sent_while_the_gateway_is_off(cast, make_order, article):
    with pytest.raises(services.SmsRefused, match="未开通"):
        services.sms_answer(actor=cast.operator, order=make_order(), article=article)


def test_only_operators_and_supervisors_send_answers(texting, cast, make_order, article):
    for user in (cast.dispatcher, cast.housing_handler, cast.leader):
        with pytest.raises(PermissionDenied):
            services.sms_answer(actor=user, order=make_order(), article=article)


def test_the_longest_sms_text_goes_whole_with_the_signature_and_the_opt_out_hint(texting, cast, make_order, article):
    texting.SMS_REPLIES = True
    Article.objects.filter(pk=article.pk).update(sms_text="办" * 300)
    article.refresh_from_db()
    message = services.sms_answer(actor=cast.operator, order=make_order(), article=article)
    message.refresh_from_db()
    assert message.text == "【泰兴12345】" + "办" * 300 + "回复TD退订"
