"""What a citizen may read of their own order: its progress, never its internals.

A citizen proves an order is theirs with its number and the phone it was filed
with; nothing else is shown, and only the public milestones of its history
(受理, 派单, 办理, 答复, 办结): no internal note, no staff name, no caller data,
nothing of other orders.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from rexian.orders.models import OrderEvent, Satisfaction, WorkOrder
from rexian.orders.transitions import Action, State
from rexian.privacy import crypto

A = Action
S = State

# The state as a citizen understands it: (label, one-line explanation).
PUBLIC_STATUS: dict[str, tuple[str, str]] = {
    S.REGISTERED: ("已受理", "您的诉求已登记，工作人员正在审核并转交承办单位。"),
    S.PENDING_DISPATCH: ("已受理", "您的诉求已登记，工作人员正在审核并转交承办单位。"),
    S.DISPATCHED: ("已派单", "您的诉求已转交承办单位办理。"),
    S.IN_PROGRESS: ("办理中", "承办单位正在办理您的诉求。"),
    S.RETURN_REQUESTED: ("办理中", "承办单位正在办理您的诉求。"),
    S.REPLIED: ("办理中", "承办单位已提交办理结果，热线中心正在审核。"),
    S.AWAITING_CALLBACK: ("已答复", "承办单位已答复，欢迎您对办理结果进行评价。"),
    # A dispatcher decides: re-handle (重办), or keep the result (维持办结). Nothing is promised before.
    S.REOPENED: ("复核中", "根据您的评价，热线中心正在复核办理结果，决定是否重新办理。"),
    S.CLOSED: ("已办结", "您的诉求已办结，感谢您的支持。"),
    S.MERGED: ("已合并办理", "您的诉求与相同问题的诉求合并办理。"),
    S.VOIDED: ("已作废", "该工单已作废（如重复提交等）。如有疑问请拨打12345。"),
}

# The actions whose events can make a public milestone; everything else stays internal.
MILESTONE_ACTIONS = (
    A.REGISTER, A.ANSWER_ON_SPOT, A.DISPATCH, A.SIGN, A.REPLY, A.ACCEPT_REPLY, A.CALLBACK, A.CALLBACK_FAILED,
    A.REHANDLE, A.UPHOLD, A.MERGE, A.VOID,
)


@dataclass(frozen=True)
class Milestone:
    at: dt.datetime
    label: str
    detail: str = ""


@dataclass(frozen=True)
class Progress:
    """One order as its citizen sees it."""

    number: str
    version: int
    state: str
    status: str
    status_hint: str
    title: str
    appeal_type: str
    category: str
    registered_at: dt.datetime
    milestones: list[Milestone]
    reply: str  # the answer the centre accepted (the lead unit's result, or the answer given on the call)
    reply_unit: str
    awaiting_rating: bool


def order_track(*, number: str, phone: str) -> Progress | None:
    """The progress of order `number` if it was filed with `phone` (any format), else None.

    A wrong number and a wrong phone take the same single query and give the
    same None, so the answer tells nothing about which one was wrong.
    """
    digest = crypto.phone_hash(phone)
    order = (
        WorkOrder.objects.select_related("appeal_type", "category")
        .filter(number=number.strip(), caller_phone_hash=digest or "-")  # an order filed without a phone never matches
        .first()
    )
    if order is None:
        return None
    return _progress(order)


def order_progress(*, number: str) -> Progress:
    """The progress of an order whose ownership the citizen proved earlier (see the portal's rating token)."""
    return _progress(WorkOrder.objects.select_related("appeal_type", "category").get(number=number))


def _progress(order: WorkOrder) -> Progress:
    events = list(
        OrderEvent.objects.filter(order=order, action__in=MILESTONE_ACTIONS)
        .select_related("unit")
        .only("action", "from_state", "to_state", "at", "note", "data", "unit__name")
        .order_by("seq")
    )
    milestones, reply, reply_unit = _milestones(order, events)
    status, hint = PUBLIC_STATUS[order.state]
    return Progress(
        number=order.number,
        version=order.version,
        state=order.state,
        status=_(status),
        status_hint=_(hint),
        title=order.title,
        appeal_type=order.appeal_type.name,
        category=order.category.name if order.category_id else "",
        registered_at=order.registered_at,
        milestones=milestones,
        reply=reply,
        reply_unit=reply_unit,
        awaiting_rating=order.state == S.AWAITING_CALLBACK,
    )


def _milestones(order: WorkOrder, events: list[OrderEvent]) -> tuple[list[Milestone], str, str]:
    """Public milestones from the event history, and the latest accepted reply.

    A unit's reply is shown only once the centre accepted it (审核通过): a reply
    sent back for more work was never the centre's answer to the citizen.
    """
    milestones: list[Milestone] = []
    pending_reply, pending_unit = "", ""
    reply, reply_unit = "", ""
    satisfaction_labels = dict(Satisfaction.choices)

    def add(event, label, detail=""):
        milestones.append(Milestone(at=event.at, label=str(label), detail=str(detail)))

    for event in events:
        unit_name = event.unit.name if event.unit_id else ""
        if event.action == A.REGISTER:
            add(event, _("已受理"), _("您的诉求已登记受理。"))
        elif event.action == A.ANSWER_ON_SPOT:
            reply, reply_unit = order.answer, _("12345热线")
            add(event, _("已答复"), order.answer)
        elif event.action == A.DISPATCH:
            add(event, _("已派单"), _("已派单至%(unit)s办理。") % {"unit": unit_name})
        elif event.action == A.SIGN and event.from_state == S.DISPATCHED and event.to_state == S.IN_PROGRESS:
            add(event, _("办理中"), _("%(unit)s已签收，正在办理。") % {"unit": unit_name})
        elif event.action == A.REPLY and event.to_state == S.REPLIED:  # the lead unit's reply
            pending_reply, pending_unit = event.note, unit_name
        elif event.action == A.ACCEPT_REPLY:
            reply, reply_unit = pending_reply, pending_unit or unit_name
            add(event, _("已答复"), _("%(unit)s已答复办理结果。") % {"unit": reply_unit})
        elif event.action == A.CALLBACK:
            label = satisfaction_labels.get(event.data.get("satisfaction"), "")
            add(event, _("已评价"), _("评价结果：%(label)s") % {"label": label})
            if event.to_state == S.REOPENED:
                add(event, _("复核中"), _("根据您的评价，热线中心将复核办理结果，决定是否重新办理。"))
        elif event.action == A.REHANDLE:
            detail = _("已交%(unit)s重新办理。") % {"unit": unit_name} if unit_name else _("正在重新派单。")
            add(event, _("重新办理"), detail)
        elif event.action == A.UPHOLD:  # the dispatcher's reason is internal, as every note is
            add(event, _("维持办理结果"), _("经热线中心复核，维持原办理结果。"))
        elif event.action == A.MERGE:
            add(event, _("已合并办理"), _("您的诉求与相同问题的诉求合并办理。"))
        elif event.action == A.VOID:
            add(event, _("已作废"))
        if event.to_state == S.CLOSED and event.from_state != S.CLOSED:
            add(event, _("已办结"))
    return milestones, reply, reply_unit
