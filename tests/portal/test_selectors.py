"""What a citizen reads of their order: public milestones only, found only with the right number and phone."""

from __future__ import annotations

import pytest

from rexian.orders import services
from rexian.orders.transitions import State
from rexian.portal.selectors import PUBLIC_STATUS, order_track
from rexian.units.models import Role
from tests import factories as f
from tests.conftest import advance, register

pytestmark = pytest.mark.django_db

S = State
PHONE = "13812348000"


def labels(progress) -> list[str]:
    return [m.label for m in progress.milestones]


def test_every_state_has_a_citizens_status():
    assert set(PUBLIC_STATUS) == set(S.values)


def test_a_wrong_phone_finds_nothing(make_order):
    order = make_order()
    assert order_track(number=order.number, phone="13900000000") is None


def test_a_wrong_number_finds_nothing(make_order):
    make_order()
    assert order_track(number="20000101-000001", phone=PHONE) is None


def test_the_ordinary_path_gives_the_public_milestones(make_order):
    progress = order_track(number=make_order(S.CLOSED).number, phone=PHONE)
    assert labels(progress) == ["已受理", "已派单", "办理中", "已答复", "已评价", "已办结"]
    assert progress.reply == "已督促物业修复电梯。" and progress.reply_unit == "住建局"
    assert progress.status == "已办结" and not progress.awaiting_rating


def test_a_return_and_redispatch_show_only_the_dispatches(cast):
    order = register(cast)
    services.order_send_to_dispatch(actor=cast.operator, order=order)
    services.order_dispatch(actor=cast.dispatcher, order=order, lead_unit=cast.urban)
    services.return_request(actor=cast.urban_handler, order=order, reason="不属于本单位职责")
    services.return_approve(actor=cast.dispatcher, order=order, note="同意")
    services.order_dispatch(actor=cast.dispatcher, order=order, lead_unit=cast.housing)
    progress = order_track(number=order.number, phone=PHONE)
    assert labels(progress) == ["已受理", "已派单", "已派单"]
    assert [m.detail for m in progress.milestones[1:]] == ["已派单至城管局办理。", "已派单至住建局办理。"]
    assert all("职责" not in m.detail for m in progress.milestones)


def test_an_assisting_units_signature_and_reply_are_not_milestones(cast):
    order = advance(cast, register(cast), S.DISPATCHED, assisting=[cast.town])
    town_handler = f.UserFactory(username="town_handler", role=Role.UNIT_HANDLER, unit=cast.town)
    services.order_sign(actor=town_handler, order=order)
    services.order_reply(actor=town_handler, order=order, result="协办单位意见")
    progress = order_track(number=order.number, phone=PHONE)
    assert labels(progress) == ["已受理", "已派单"]
    assert progress.reply == "" and "协办单位意见" not in str(progress)


def test_a_dissatisfied_callback_and_rehandling_show_as_reopened(cast):
    order = advance(cast, register(cast), S.AWAITING_CALLBACK)
    services.callback_record(
        actor=cast.operator, order=order, satisfaction="dissatisfied", solved=False, responded_in_time=True,
        note="市民表示问题仍未解决。",
    )
    services.order_rehandle(actor=cast.dispatcher, order=order, note="内部：重办")
    progress = order_track(number=order.number, phone=PHONE)
    assert labels(progress)[-3:] == ["已评价", "复核中", "重新办理"]
    assert progress.milestones[-1].detail == "已交住建局重新办理。"
    assert progress.status == "办理中"


def test_a_dissatisfied_order_closed_as_handled_says_so_without_the_internal_reason(cast):
    order = advance(cast, register(cast), S.AWAITING_CALLBACK)
    services.callback_record(
        actor=cast.operator, order=order, satisfaction="dissatisfied", solved=False, responded_in_time=True,
        note="市民表示问题仍未解决。",
    )
    assert order_track(number=order.number, phone=PHONE).status == "复核中"  # no re-handling promised yet
    services.order_uphold(actor=cast.dispatcher, order=order, reason="内部：诉求无政策依据")
    progress = order_track(number=order.number, phone=PHONE)
    assert labels(progress)[-4:] == ["已评价", "复核中", "维持办理结果", "已办结"]
    assert progress.milestones[-2].detail == "经热线中心复核，维持原办理结果。"
    assert progress.status == "已办结"
    assert "内部" not in str(progress)


def test_an_answer_on_the_call_is_the_reply(cast):
    order = register(cast)
    services.order_answer_on_spot(actor=cast.operator, order=order, answer="物业维修资金可向住建局申请。", sample_for_callback=False)
    progress = order_track(number=order.number, phone=PHONE)
    assert labels(progress) == ["已受理", "已答复", "已办结"]
    assert progress.reply == "物业维修资金可向住建局申请。"


def test_a_merged_order_does_not_reveal_its_master(cast):
    master = register(cast, caller_phone="13700000000", title="主工单")
    order = register(cast)
    services.order_merge(actor=cast.operator, order=order, master=master, note="重复来电")
    progress = order_track(number=order.number, phone=PHONE)
    assert progress.status == "已合并办理"
    assert master.number not in str(progress) and "重复来电" not in str(progress)


def test_a_voided_order_does_not_show_the_reason(cast):
    order = register(cast)
    services.order_void(actor=cast.supervisor, order=order, reason="骚扰电话")
    progress = order_track(number=order.number, phone=PHONE)
    assert progress.status == "已作废" and "骚扰" not in str(progress)
