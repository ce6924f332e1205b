"""督办 and 批示: each step of an item's loop, who may take it, and whom it tells."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from rexian.notifications.models import Notification
from rexian.orders.transitions import State
from rexian.supervision.models import Supervision, SupervisionStep
from rexian.supervision.services import (
    SupervisionError,
    issuable_units,
    may_issue_on,
    supervision_acknowledge,
    supervision_close,
    supervision_issue,
    supervision_overdue_scan,
    supervision_report,
    supervision_return,
)

Kind = Supervision.Kind
Status = Supervision.Status


def _issue(cast, order, **fields):
    fields = {"actor": cast.supervisor, "kind": Kind.SUPERVISION, "content": "请于三日内修复电梯并回复。", **fields}
    return supervision_issue(order=order, **fields)


def _notified(user, kind=Notification.Kind.SUPERVISION) -> list[str]:
    return list(Notification.objects.filter(recipient=user, kind=kind).values_list("text", flat=True))


def test_a_supervisor_s_item_goes_to_the_lead_unit_which_acknowledges_and_reports(cast, make_order):
    order = make_order(State.IN_PROGRESS)
    item = _issue(cast, order)
    assert (item.unit, item.status, item.issued_by) == (cast.housing, Status.ISSUED, cast.supervisor)
    assert item.due_at > item.issued_at  # three working days by default
    assert _notified(cast.housing_handler) and _notified(cast.housing_admin)
    assert not _notified(cast.urban_handler)

    item = supervision_acknowledge(actor=cast.housing_handler, supervision=item)
    assert item.status == Status.ACKNOWLEDGED and item.acknowledged_at
    item = supervision_report(actor=cast.housing_handler, supervision=item, report="电梯已于昨日修复。")
    assert item.status == Status.REPORTED and item.report == "电梯已于昨日修复。"
    assert any("已反馈" in text for text in _notified(cast.supervisor))

    item = supervision_close(actor=cast.supervisor, supervision=item)
    assert item.status == Status.CLOSED and item.closed_at
    steps = list(item.steps.values_list("action", "actor__username"))
    assert steps == [
        ("issue", "supervisor"), ("acknowledge", "housing_handler"), ("report", "housing_handler"),
        ("close", "supervisor"),
    ]
    order.refresh_from_db()
    assert order.state == State.IN_PROGRESS  # an item never moves the order


def test_only_a_leader_gives_an_instruction_and_a_supervisor_may_close_it(cast, make_order):
    order = make_order(State.CLOSED)  # an instruction may follow up a closed order
    with pytest.raises(PermissionDenied):
        _issue(cast, order, kind=Kind.INSTRUCTION)
    for user in (cast.operator, cast.dispatcher, cast.housing_handler, cast.admin):
        with pytest.raises(PermissionDenied):
            _issue(cast, order, actor=user)
    item = _issue(cast, order, actor=cast.leader, kind=Kind.INSTRUCTION, content="请住建局举一反三，排查全市老旧电梯。")
    item = supervision_report(actor=cast.housing_handler, supervision=item, report="已排查全市电梯 320 部。")
    assert item.acknowledged_at and item.status == Status.REPORTED  # reporting acknowledges too
    with pytest.raises(PermissionDenied):
        supervision_close(actor=cast.dispatcher, supervision=item)
    assert supervision_close(actor=cast.supervisor, supervision=item).status == Status.CLOSED


def test_a_returned_report_goes_back_to_the_unit_and_stays_in_the_steps(cast, make_order):
    item = _issue(cast, make_order(State.IN_PROGRESS))
    item = supervision_report(actor=cast.housing_handler, supervision=item, report="已处理。")
    with pytest.raises(SupervisionError):
        supervision_return(actor=cast.supervisor, supervision=item, reason="  ")
    item = supervision_return(actor=cast.supervisor, supervision=item, reason="请说明修复时间和整改措施。")
    assert item.status == Status.ACKNOWLEDGED and item.reported_at is None
    assert any("退回" in text for text in _notified(cast.housing_handler))
    item = supervision_report(actor=cast.housing_handler, supervision=item, report="电梯3月2日修复，物业已整改。")
    reports = item.steps.filter(action=SupervisionStep.Action.REPORT).values_list("note", flat=True)
    assert list(reports) == ["已处理。", "电梯3月2日修复，物业已整改。"]


def test_only_the_item_s_unit_acts_on_it(cast, make_order):
    order = make_order(State.IN_PROGRESS, assisting=[cast.urban])
    item = _issue(cast, order, unit=cast.urban)
    for user in (cast.housing_handler, cast.supervisor, cast.community_handler):
        with pytest.raises(PermissionDenied):
            supervision_acknowledge(actor=user, supervision=item)
    assert supervision_acknowledge(actor=cast.urban_handler, supervision=item).status == Status.ACKNOWLEDGED


def test_a_unit_admin_acts_for_the_units_below(cast, make_order):
    order = make_order(State.IN_PROGRESS, assisting=[cast.community])
    item = _issue(cast, order, unit=cast.community)
    town_admin = type(cast.housing_admin).objects.create(username="town_admin", role="unit_admin", unit=cast.town)
    assert supervision_acknowledge(actor=town_admin, supervision=item).status == Status.ACKNOWLEDGED


def test_the_unit_must_have_handled_the_order(cast, make_order):
    with pytest.raises(SupervisionError, match="没有主办单位"):
        _issue(cast, make_order(State.PENDING_DISPATCH))
    with pytest.raises(SupervisionError, match="没有承办该工单"):
        _issue(cast, make_order(State.IN_PROGRESS), unit=cast.urban)


def test_a_unit_whose_return_was_approved_no_longer_takes_items_on_the_order(cast, make_order):
    from rexian.orders import services as orders

    order = make_order(State.IN_PROGRESS)
    assert may_issue_on(cast.leader, order) and list(issuable_units(order)) == [cast.housing]
    orders.return_request(actor=cast.housing_handler, order=order, reason="不属于本单位职责。")
    orders.return_approve(actor=cast.dispatcher, order=order)
    order.refresh_from_db()
    assert not issuable_units(order).exists() and not may_issue_on(cast.leader, order)
    with pytest.raises(SupervisionError, match="没有承办该工单"):
        _issue(cast, order, kind=Kind.INSTRUCTION, actor=cast.leader, unit=cast.housing)
    assert not Supervision.objects.exists()


def test_the_report_deadline_is_at_most_ninety_days_out(cast, make_order):
    order = make_order(State.IN_PROGRESS)
    with pytest.raises(SupervisionError, match="最长为 90 天") as refused:
        _issue(cast, order, due_at=timezone.now() + dt.timedelta(days=91))
    assert refused.value.field == "due_at"
    assert _issue(cast, order, due_at=timezone.now() + dt.timedelta(days=89)).status == Status.ISSUED


def test_bad_input_is_refused_with_a_message(cast, make_order):
    order = make_order(State.IN_PROGRESS)
    with pytest.raises(SupervisionError, match="请填写督办意见") as refused:
        _issue(cast, order, content=" ")
    assert refused.value.field == "content"
    with pytest.raises(SupervisionError, match="不能超过"):
        _issue(cast, order, content="督" * 1001)
    with pytest.raises(SupervisionError, match="晚于现在"):
        _issue(cast, order, due_at=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(SupervisionError, match="未知的类型"):
        _issue(cast, order, kind="praise")
    assert not Supervision.objects.exists()


def test_merged_and_voided_orders_take_no_item(cast, make_order):
    from rexian.orders import services

    order = make_order(State.IN_PROGRESS)
    services.order_void(actor=cast.supervisor, order=order, reason="测试工单")
    with pytest.raises(SupervisionError, match="作废"):
        _issue(cast, order)


def test_steps_out_of_order_are_refused(cast, make_order):
    item = _issue(cast, make_order(State.IN_PROGRESS))
    with pytest.raises(SupervisionError, match="已下发"):
        supervision_return(actor=cast.supervisor, supervision=item, reason="不行")
    item = supervision_acknowledge(actor=cast.housing_handler, supervision=item)
    with pytest.raises(SupervisionError, match="已签收"):
        supervision_acknowledge(actor=cast.housing_handler, supervision=item)
    with pytest.raises(SupervisionError, match="请填写办结说明"):  # closing an unreported item needs a reason
        supervision_close(actor=cast.supervisor, supervision=item)
    item = supervision_close(actor=cast.supervisor, supervision=item, note="工单已办结，无需再反馈。")
    assert any("已办结" in text for text in _notified(cast.housing_handler))
    with pytest.raises(SupervisionError, match="已办结"):
        supervision_report(actor=cast.housing_handler, supervision=item, report="迟到的反馈")


def test_an_item_is_overdue_while_the_unit_has_not_reported_past_its_deadline(cast, make_order):
    item = _issue(cast, make_order(State.IN_PROGRESS), due_at=timezone.now() + dt.timedelta(minutes=5))
    assert not item.is_overdue
    Supervision.objects.filter(pk=item.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    item.refresh_from_db()
    assert item.is_overdue
    item = supervision_report(actor=cast.housing_handler, supervision=item, report="已修复。")
    assert not item.is_overdue  # the centre's turn now


# --- Overdue (超期催办) ---


def _overdue(item, *, minutes=1):
    Supervision.objects.filter(pk=item.pk).update(due_at=timezone.now() - dt.timedelta(minutes=minutes))


def test_the_overdue_scan_reminds_the_unit_and_tells_the_issuer_once(cast, make_order):
    late = _issue(cast, make_order(State.IN_PROGRESS), content="请尽快修复路灯。")
    on_time = _issue(cast, make_order(State.IN_PROGRESS), content="请核实噪声扰民情况。")
    _overdue(late)

    assert supervision_overdue_scan() == 1
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.escalated_at is not None and on_time.escalated_at is None
    escalations = Notification.objects.filter(key=f"supervision-overdue:{late.pk}")
    assert {n.recipient for n in escalations} == {cast.housing_handler, cast.housing_admin, cast.supervisor}
    to_unit = escalations.get(recipient=cast.housing_handler).text
    assert to_unit.startswith("督办已超期（时限 ") and to_unit.endswith("请尽快反馈：请尽快修复路灯。")
    to_issuer = escalations.get(recipient=cast.supervisor)
    assert to_issuer.text.startswith("督办超期未反馈（住建局，时限 ")
    assert to_issuer.link == f"/console/supervision/{late.pk}/"

    assert supervision_overdue_scan() == 0  # once per item
    assert Notification.objects.filter(key=f"supervision-overdue:{late.pk}").count() == 3


def test_a_reported_or_closed_item_is_not_escalated(cast, make_order):
    reported = _issue(cast, make_order(State.IN_PROGRESS))
    supervision_report(actor=cast.housing_handler, supervision=reported, report="已修复。")
    closed = _issue(cast, make_order(State.IN_PROGRESS))
    supervision_close(actor=cast.supervisor, supervision=closed, note="已另行处理。")
    acknowledged = _issue(cast, make_order(State.IN_PROGRESS))
    supervision_acknowledge(actor=cast.housing_handler, supervision=acknowledged)
    for item in (reported, closed, acknowledged):
        _overdue(item)
    assert supervision_overdue_scan() == 1  # only the acknowledged one still owes its report
    assert list(Supervision.objects.exclude(escalated_at=None).values_list("pk", flat=True)) == [acknowledged.pk]


def test_the_overdue_scan_runs_every_quarter_hour_in_the_worker():
    from rexian.core.scheduler import _task, jobs

    job = next(job for job in jobs() if job.name == "supervision_overdue")
    assert job.every == dt.timedelta(minutes=15) and job.at is None
    assert _task(job.task_path).name == "supervision_overdue_scan_task"


# --- In the recipient's language (界面语言) ---


def _english(*users):
    for user in users:
        user.language = "en"
        user.save(update_fields=["language"])


def _due(item) -> str:
    return timezone.localtime(item.due_at).strftime("%Y-%m-%d %H:%M")


def test_each_step_is_told_in_the_recipients_own_language(cast, make_order):
    _english(cast.housing_handler, cast.supervisor)
    item = _issue(cast, make_order(State.IN_PROGRESS))
    assert _notified(cast.housing_handler) == [
        f"Supervision issued to your unit; report back by {_due(item)}: 请于三日内修复电梯并回复。"
    ]
    assert _notified(cast.housing_admin) == [f"新督办，请于 {_due(item)} 前反馈：请于三日内修复电梯并回复。"]

    item = supervision_report(actor=cast.housing_admin, supervision=item, report="电梯已于昨日修复。")
    assert _notified(cast.supervisor) == ["Supervision reported back; awaiting your review: 电梯已于昨日修复。"]

    supervision_return(actor=cast.supervisor, supervision=item, reason="请附维修记录。")
    assert "Supervision report sent back; please report again: 请附维修记录。" in _notified(cast.housing_handler)
    assert "督办反馈被退回，请重新反馈：请附维修记录。" in _notified(cast.housing_admin)


def test_the_overdue_reminders_are_in_each_recipients_language(cast, make_order):
    _english(cast.housing_admin, cast.supervisor)
    late = _issue(cast, make_order(State.IN_PROGRESS), content="请尽快修复路灯。")
    _overdue(late)
    supervision_overdue_scan()
    late.refresh_from_db()
    escalations = Notification.objects.filter(key=f"supervision-overdue:{late.pk}")
    assert escalations.get(recipient=cast.housing_admin).text == (
        f"Supervision overdue (due {_due(late)}); please report back promptly: 请尽快修复路灯。"
    )
    assert escalations.get(recipient=cast.housing_handler).text == f"督办已超期（时限 {_due(late)}），请尽快反馈：请尽快修复路灯。"
    assert escalations.get(recipient=cast.supervisor).text == (
        f"Supervision not reported back in time (住建局, due {_due(late)}): 请尽快修复路灯。"
    )
