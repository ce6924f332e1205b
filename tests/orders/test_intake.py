"""`order_intake` (受理): register and answer / send to dispatch / leave registered, all or nothing."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from rexian.knowledge.models import ArticleUse, Section
from rexian.knowledge.services import article_create
from rexian.orders.intake import INTAKE_ACTIONS, order_intake
from rexian.orders.models import OrderEvent, OrderNumberSequence, WorkOrder
from rexian.orders.services import AlreadyRegistered, OrderInputError
from rexian.orders.transitions import Action, State
from rexian.telephony.models import CallOrder
from tests import factories as f
from tests.telephony.conftest import apply, ev

pytestmark = pytest.mark.django_db


def intake(cast, action="dispatch", **overrides):
    fields = dict(
        actor=cast.operator,
        action=action,
        channel=f.channel("phone"),
        appeal_type=f.appeal_type("consult"),
        category=cast.property_service,
        title="物业费收费标准咨询",
        description="想了解住宅小区物业费的政府指导价。",
        caller_phone="13912345678",
    )
    fields.update(overrides)
    return order_intake(**fields)


@pytest.fixture
def article(cast):
    section = Section.objects.create(code="general", name="综合")
    return article_create(
        actor=cast.supervisor, section=section, kind="qa", title="住宅物业费收费标准", question="物业费怎么收",
        body="普通住宅前期物业服务收费实行政府指导价。", publish=True,
    )


def test_send_to_dispatch_registers_and_hands_over(cast):
    order = intake(cast)
    assert order.state == State.PENDING_DISPATCH
    assert list(order.events.values_list("action", flat=True)) == [Action.REGISTER, Action.SEND_TO_DISPATCH]


def test_register_only_leaves_the_order_registered(cast):
    assert intake(cast, action="register").state == State.REGISTERED


def test_answer_on_the_spot_closes_the_order(cast, settings):
    settings.DIRECT_ANSWER_CALLBACK_SAMPLE = 0
    order = intake(cast, action="answer", answer="已告知政府指导价标准。")
    assert order.state == State.CLOSED and order.answer == "已告知政府指导价标准。"


def test_the_knowledge_article_answered_with_is_recorded(cast, article):
    order = intake(cast, action="answer", answer=article.body, knowledge_article_id=article.pk)
    use = ArticleUse.objects.get()
    assert (use.article, use.order_number, use.order_id) == (article, order.number, order.pk)
    assert use.used_by == cast.operator


def test_a_failed_answer_undoes_the_registration(cast):
    with pytest.raises(OrderInputError) as raised:
        intake(cast, action="answer", answer="")
    assert raised.value.field == "answer"
    assert not WorkOrder.objects.exists() and not OrderEvent.objects.exists()
    assert not OrderNumberSequence.objects.filter(last__gt=0).exists()  # the number is not used up either


def test_a_lapsed_article_undoes_the_whole_intake(cast, article):
    article.valid_until = timezone.localdate() - dt.timedelta(days=1)
    article.save()
    with pytest.raises(OrderInputError) as raised:
        intake(cast, action="answer", answer="…", knowledge_article_id=article.pk)
    assert raised.value.field == "answer"
    assert not WorkOrder.objects.exists() and not ArticleUse.objects.exists()


def test_an_unknown_action_saves_nothing(cast):
    with pytest.raises(OrderInputError):
        intake(cast, action="dispatch_now")
    assert not WorkOrder.objects.exists()


def test_bad_register_input_names_its_field(cast):
    with pytest.raises(OrderInputError) as raised:
        intake(cast, title="  ")
    assert raised.value.field == "title"


def test_unit_staff_may_not_take_calls(cast):
    with pytest.raises(PermissionDenied):
        intake(cast, actor=cast.housing_handler)
    assert not WorkOrder.objects.exists()


def test_an_order_taken_during_a_call_is_linked_to_the_call(cast):
    cast.operator.agent_number = "1001"
    cast.operator.save()
    now = timezone.now()
    apply([ev("offered", now - dt.timedelta(seconds=30), "c1", caller="13912345678", line="12345"),
           ev("answered", now - dt.timedelta(seconds=20), "c1", agent="1001")])
    order = intake(cast)
    assert CallOrder.objects.get().order == order


def test_no_link_without_a_call(cast):
    intake(cast)
    assert not CallOrder.objects.exists()


# --- The page's once-only token: one order however often the page is saved --------------------------------------


@pytest.mark.parametrize("again", INTAKE_ACTIONS)
def test_a_page_saved_again_registers_nothing_whatever_the_action(cast, settings, again):
    settings.DIRECT_ANSWER_CALLBACK_SAMPLE = 0
    token = uuid.uuid4().hex
    first = intake(cast, intake_token=token)
    with pytest.raises(AlreadyRegistered) as repeated:
        intake(cast, action=again, answer="已答复。", intake_token=token)
    assert repeated.value.order == first
    assert WorkOrder.objects.count() == 1
    assert list(first.events.values_list("action", flat=True)) == [Action.REGISTER, Action.SEND_TO_DISPATCH]


def test_a_merge_saved_again_registers_nothing(cast, make_order):
    master, token = make_order(State.PENDING_DISPATCH), uuid.uuid4().hex
    merged = intake(cast, merge_into=master.pk, intake_token=token)
    with pytest.raises(AlreadyRegistered) as repeated:
        intake(cast, merge_into=master.pk, intake_token=token)
    assert repeated.value.order == merged and merged.state == State.MERGED
    assert WorkOrder.objects.count() == 2


def test_a_refused_intake_leaves_the_token_for_the_corrected_one(cast):
    token = uuid.uuid4().hex
    with pytest.raises(OrderInputError):
        intake(cast, action="answer", answer="", intake_token=token)  # registered, then undone
    order = intake(cast, action="answer", answer="已告知政府指导价标准。", intake_token=token)
    assert WorkOrder.objects.get() == order and order.intake_token == token


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_saves_of_one_page_at_the_same_instant_make_one_order(cast):
    if connection.vendor == "sqlite":
        # The in-memory test database's shared cache answers "table is locked" at once instead of waiting.
        pytest.skip("needs a database that lets concurrent writers wait: run on PostgreSQL")
    token, saves = uuid.uuid4().hex, 4
    barrier, outcomes = threading.Barrier(saves), [None] * saves

    def save(i):
        try:
            barrier.wait()
            outcomes[i] = intake(cast, intake_token=token)
        except AlreadyRegistered as repeated:
            outcomes[i] = repeated.order
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(saves)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    order = WorkOrder.objects.get()
    assert outcomes == [order] * saves
    assert order.events.count() == 2 and OrderNumberSequence.objects.get().last == 1
