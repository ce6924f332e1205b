"""Reads of the sms app: the texts sent to a caller, on the order's page (for the centre's staff, never the number);
the articles that may be texted; the dashboards' 短信统计."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rexian.knowledge.models import Article
from rexian.knowledge.services import article_mark_used
from rexian.orders.transitions import State
from rexian.sms import selectors, services
from rexian.sms.models import IncomingSms, SmsOptOut
from tests.analytics.conftest import at
from tests.console.conftest import signed_in  # noqa: F401 (a fixture)
from tests.knowledge.conftest import kb  # noqa: F401 (a fixture)
from tests.sms.conftest import MON, PHONE, WED, Kind, Status, message

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


# --- 短信统计: the dashboards' figures (sms_figures), on tests/sms/conftest.py's `sms_story` -------------------------


def test_the_period_s_texts_by_kind_and_what_became_of_them(sms_story):
    figures = selectors.sms_figures(start=MON, end=WED)
    assert (figures.receipts, figures.results, figures.answers, figures.made) == (4, 5, 1, 10)
    assert (figures.sent, figures.delivered, figures.undelivered) == (7, 3, 2)
    assert (figures.failed, figures.pending) == (2, 1)  # failing or given up; not sent yet
    assert figures.sent + figures.failed + figures.pending == figures.made
    assert figures.delivery_rate == 3 / 5  # of the texts the gateway reported on


def test_the_rating_invitations_sent_and_the_ratings_texted_back(sms_story):
    figures = selectors.sms_figures(start=MON, end=WED)
    # Sent (or delivered) in the period, one made the day before included; undelivered and never sent left out.
    assert figures.invitations == 4
    assert figures.invitations_answered == 2  # o1 (twice) and o2 texted back; o5 and o6 did not
    assert figures.rated == 3  # recorded twice, and once kept after the callback (评价未记入)
    assert figures.rating_rate == 2 / 4


def test_satisfaction_by_text_counts_the_callbacks_recorded_from_ratings(sms_story, settings):
    settings.METRICS_BASIC_COUNTS_AS_SATISFIED = True
    figures = selectors.sms_figures(start=MON, end=WED)
    assert (figures.rated_callbacks, figures.rated_satisfied) == (3, 2)  # satisfied, basic; dissatisfied
    assert figures.satisfaction_rate == 2 / 3
    settings.METRICS_BASIC_COUNTS_AS_SATISFIED = False
    figures = selectors.sms_figures(start=MON, end=WED)
    assert (figures.rated_callbacks, figures.rated_satisfied, figures.satisfaction_rate) == (3, 1, 1 / 3)


def test_the_texts_callers_sent_those_waiting_registered_and_the_opt_outs(sms_story):
    figures = selectors.sms_figures(start=MON, end=WED)
    assert figures.incoming == 8  # 3 ratings, 2 waiting, 1 registered, 1 dismissed, 1 TD
    assert (figures.incoming_open, figures.incoming_registered, figures.opt_outs) == (2, 1, 1)


def test_one_day_counts_its_own(sms_story):
    tuesday = selectors.sms_figures(start=at(2025, 11, 4, 0), end=WED)
    assert (tuesday.receipts, tuesday.results, tuesday.answers) == (2, 3, 1)
    assert (tuesday.sent, tuesday.delivered, tuesday.undelivered, tuesday.failed, tuesday.pending) == (3, 1, 1, 2, 1)
    assert (tuesday.invitations, tuesday.invitations_answered, tuesday.rated) == (1, 1, 2)
    assert (tuesday.incoming, tuesday.incoming_open) == (5, 0)
    assert (tuesday.rated_callbacks, tuesday.rated_satisfied, tuesday.opt_outs) == (2, 1, 1)


def test_a_period_without_texts_has_zeros_and_no_rates(db):
    figures = selectors.sms_figures(start=MON, end=WED)
    assert figures == selectors.SmsFigures()
    assert figures.made == 0
    assert figures.delivery_rate is figures.rating_rate is figures.satisfaction_rate is None


def test_no_delivery_rate_without_a_delivery_report(cast, make_order):
    message(make_order(), Kind.RECEIPT, Status.SENT, at(2025, 11, 3, 9), sent=at(2025, 11, 3, 9))
    figures = selectors.sms_figures(start=MON, end=WED)
    assert (figures.sent, figures.delivery_rate) == (1, None)


def test_no_rating_rate_without_an_invitation_and_no_satisfaction_without_a_rating_recorded(cast, make_order):
    order = make_order()
    message(order, Kind.RESULT, Status.UNDELIVERED, at(2025, 11, 3, 9), sent=at(2025, 11, 3, 9), survey=True)
    IncomingSms.objects.create(reference="late", phone=PHONE, phone_hash="h", text="1", status="rated_late",
                               received_at=at(2025, 11, 3, 10), order=order)
    figures = selectors.sms_figures(start=MON, end=WED)
    assert (figures.invitations, figures.rated, figures.rating_rate) == (0, 1, None)
    assert (figures.rated_callbacks, figures.satisfaction_rate) == (0, None)


def test_a_year_of_figures_is_five_queries(sms_story, django_assert_num_queries):
    with django_assert_num_queries(5):
        selectors.sms_figures(start=at(2024, 11, 5, 0), end=WED)


def test_the_dashboards_show_texts_where_the_gateway_is_on_or_there_were_texts(settings, cast, make_order):
    settings.SMS_BACKEND = "off"
    assert not selectors.sms_in_use()
    settings.SMS_BACKEND = "log"
    assert selectors.sms_in_use()
    settings.SMS_BACKEND = "off"
    services.sms_opt_out(phone="13900002222", source="admin")
    assert selectors.sms_in_use()  # an opt-out entered in the admin
    SmsOptOut.objects.all().delete()
    IncomingSms.objects.create(reference="r", phone=PHONE, phone_hash="h", text="你好", status="open",
                               received_at=MON)
    assert selectors.sms_in_use()  # a text received
    IncomingSms.objects.all().delete()
    message(make_order(), Kind.RECEIPT, Status.SENT, MON)
    assert selectors.sms_in_use()  # a text sent before it was turned off
