"""Texts at chosen moments, for the dashboards' 短信统计 (rexian.sms.selectors.sms_figures, the chart `sms`).

`sms_story`: Monday 3 and Tuesday 4 November 2025 in the centre's time zone, [Mon 00:00, Wed 00:00), told beside
each text below. Counted by hand for the two days:

    made 10: 受理回执 4, 办结通知 5, 知识答复 1; sent 7 (delivered 3, undelivered 2), failing or given up 2, pending 1;
    送达率 3 ÷ 5 = 60%
    rating invitations 4 (one made the day before, sent in the period), 2 of them answered (o1, o2); ratings texted
    back 3 (o1 twice); 参评率 2 ÷ 4 = 50%
    ratings recorded as callbacks 3: satisfied, basic, dissatisfied; 短信满意率 2 ÷ 3 = 66.67% (basic counted)
    texts received 8: 3 ratings, 2 waiting, 1 registered, 1 dismissed, 1 TD; opt-outs 1

tests/sms/test_selectors.py uses the fixture; tests/analytics/test_charts.py and tests/console/test_dashboards.py
tell the story with `sms_story_told`.
"""

from __future__ import annotations

import pytest

from rexian.orders import services as order_services
from rexian.orders.models import Callback, Satisfaction
from rexian.orders.transitions import State
from rexian.portal.services import integration_account
from rexian.privacy import crypto
from rexian.sms import services
from rexian.sms.models import SmsMessage
from rexian.knowledge.models import Article
from tests.analytics.conftest import Clock, at
from tests.knowledge.conftest import kb  # noqa: F401 (a fixture)

Kind, Status = SmsMessage.Kind, SmsMessage.Status
SMS_TEXT = "社保卡补办：到任一合作银行网点即时补领，或在江苏智慧人社App申请邮寄。咨询12333。"
MON, WED = at(2025, 11, 3, 0), at(2025, 11, 5, 0)
PHONE = "13812348000"  # the factories' caller


def message(order, kind, status, created, *, sent=None, survey=False, rated_by=False) -> SmsMessage:
    """A text as the worker leaves it; `rated_by`: the caller's number is on it, so a reply can answer it."""
    return SmsMessage.objects.create(order=order, kind=kind, status=status, created_at=created, sent_at=sent,
                                     survey=survey, phone=PHONE, text="【泰兴12345】…",
                                     phone_hash=crypto.phone_hash(PHONE) if rated_by else "")


def sms_story_told(cast, make_order, monkeypatch) -> None:
    """The story of the module docstring. The orders are registered on 1 November; ratings by text are recorded
    as callbacks at the moment they came (the orders' clock follows)."""
    clock = Clock(at(2025, 11, 1))
    monkeypatch.setattr(order_services, "_now", clock)
    o1, o2 = make_order(State.AWAITING_CALLBACK), make_order(State.AWAITING_CALLBACK)
    o3, o4, o5, o6 = (make_order() for _n in range(4))
    R, X, A = Kind.RECEIPT, Kind.RESULT, Kind.ANSWER
    # Made in the period.
    message(o1, R, Status.DELIVERED, MON)  # the period's first moment
    message(o1, X, Status.SENT, at(2025, 11, 3, 10), sent=at(2025, 11, 3, 10), survey=True, rated_by=True)  # invites
    message(o1, A, Status.SENT, at(2025, 11, 4, 12), sent=at(2025, 11, 4, 12))
    message(o2, R, Status.UNDELIVERED, at(2025, 11, 3, 11), sent=at(2025, 11, 3, 11))
    message(o2, X, Status.DELIVERED, at(2025, 11, 4, 9), sent=at(2025, 11, 4, 9), survey=True, rated_by=True)  # invites
    message(o3, R, Status.FAILED, at(2025, 11, 4, 10))
    message(o3, X, Status.GAVE_UP, at(2025, 11, 4, 11), survey=True)  # never sent: no invitation
    message(o4, R, Status.PENDING, at(2025, 11, 4, 23, 59))  # the period's last minute
    message(o4, X, Status.UNDELIVERED, at(2025, 11, 4, 12), sent=at(2025, 11, 4, 12), survey=True)  # not received
    message(o6, X, Status.DELIVERED, at(2025, 11, 3, 9), sent=at(2025, 11, 3, 9), survey=True)  # invites
    # Made around it.
    message(o5, R, Status.SENT, at(2025, 11, 2, 23, 59), sent=at(2025, 11, 2, 23, 59))
    message(o5, X, Status.SENT, at(2025, 11, 2, 23), sent=at(2025, 11, 3, 8), survey=True)  # sent in it: invites
    message(o6, R, Status.DELIVERED, WED, sent=WED)

    def receive(text, when, *, phone=PHONE):
        clock.now = when
        return services.sms_receive(reference=f"gw-{when:%d%H%M}-{phone}", phone=phone, text=text, received_at=when)

    rated = receive("1", at(2025, 11, 3, 12))  # o1's callback, satisfied: o1 closes
    late = receive("3，还是没修", at(2025, 11, 4, 8))  # o1 was called back already: kept, not recorded
    basic = receive("2", at(2025, 11, 4, 10))  # o2's callback, basically satisfied
    assert (rated.status, late.status, basic.status) == ("rated", "rated_late", "rated")
    receive("你好，小区路灯坏了", at(2025, 11, 3, 9))  # waits
    receive("1", at(2025, 11, 3, 15), phone="13900001111")  # a rating nobody asked for: waits
    registered = receive("楼道堆放杂物", at(2025, 11, 4, 15))
    services.incoming_registered(actor=cast.operator, incoming_id=registered.pk, order=o3)
    dismissed = receive("谢谢", at(2025, 11, 4, 16))
    services.incoming_dismiss(actor=cast.operator, incoming_id=dismissed.pk, note="致谢")
    assert receive("TD", at(2025, 11, 4, 20)).status == "opted_out"  # and an opt-out in the period
    receive("在吗", at(2025, 11, 2, 23, 59))  # before the period
    receive("在吗", WED)  # after it
    services.sms_opt_out(phone="13900002222", source="admin", at=WED)  # after it
    # Callbacks: one more by text in the period, dissatisfied (at its last minute); one after it; one unreached;
    # an operator's own is not a rating by text.
    account = integration_account(services.SMS_ACCOUNT, "短信回访")
    Callback.objects.create(order=o1, operator=account, at=at(2025, 11, 4, 23, 59), reached=True,
                            satisfaction=Satisfaction.DISSATISFIED)
    Callback.objects.create(order=o1, operator=account, at=WED, reached=True, satisfaction=Satisfaction.SATISFIED)
    Callback.objects.create(order=o1, operator=account, at=at(2025, 11, 4, 9), reached=False)
    Callback.objects.create(order=o2, operator=cast.operator, at=at(2025, 11, 3, 9), reached=True,
                            satisfaction=Satisfaction.SATISFIED)


@pytest.fixture
def sms_story(cast, make_order, monkeypatch) -> None:
    sms_story_told(cast, make_order, monkeypatch)


# --- 知识答复: tests/sms/test_answers.py, tests/console/test_sms_answers.py, tests/api/test_sms_answers.py ---------


@pytest.fixture
def texting(settings):
    """The log gateway, replies off."""
    settings.SMS_BACKEND, settings.SMS_SIGN, settings.SMS_REPLIES = "log", "泰兴12345", False
    return settings


@pytest.fixture
def article(kb):  # noqa: F811 (the fixture imported above)
    """社保卡补办 (tests/knowledge/conftest.py), with a 短信口径."""
    Article.objects.filter(pk=kb.ss_card.pk).update(sms_text=SMS_TEXT)
    kb.ss_card.refresh_from_db()
    return kb.ss_card

