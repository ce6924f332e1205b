"""The declared lifecycle of a work order (PRODUCT.md, "The lifecycle").

`TRANSITIONS[action][from_state]` is the set of states that action may lead
to from that state. A service that asks for anything else gets
`InvalidTransition`. Actions that record something without moving the order
(an assisting unit signing, a failed callback attempt, an escalation) are
declared too, with the same state on both sides, and so is correcting the
record before dispatch (补充登记).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class State(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    PENDING_DISPATCH = "pending_dispatch", _("待派单")
    DISPATCHED = "dispatched", _("已派单")
    IN_PROGRESS = "in_progress", _("办理中")
    RETURN_REQUESTED = "return_requested", _("退单待审")
    REPLIED = "replied", _("已回复待审")
    AWAITING_CALLBACK = "awaiting_callback", _("待回访")
    REOPENED = "reopened", _("待重办")
    CLOSED = "closed", _("已办结")
    MERGED = "merged", _("已并单")
    VOIDED = "voided", _("已作废")


class Action(models.TextChoices):
    REGISTER = "register", pgettext_lazy("action", "登记")  # the step, "Register" (not the state 已登记)
    AMEND = "amend", _("补充登记")
    ANSWER_ON_SPOT = "answer_on_spot", _("直接办结")
    SEND_TO_DISPATCH = "send_to_dispatch", _("转派遣")
    DISPATCH = "dispatch", _("派单")
    SIGN = "sign", _("签收")
    RESPOND = "respond", _("首次响应")
    REQUEST_RETURN = "request_return", _("申请退单")
    APPROVE_RETURN = "approve_return", _("同意退单")
    REJECT_RETURN = "reject_return", _("驳回退单")
    REQUEST_EXTENSION = "request_extension", _("申请延期")
    APPROVE_EXTENSION = "approve_extension", _("同意延期")
    REJECT_EXTENSION = "reject_extension", _("驳回延期")
    REPLY = "reply", _("办结回复")
    ACCEPT_REPLY = "accept_reply", _("审核通过")
    REJECT_REPLY = "reject_reply", _("审核退回")
    CALLBACK = "callback", _("回访")
    CALLBACK_FAILED = "callback_failed", _("回访未成功")
    REHANDLE = "rehandle", _("重办")
    UPHOLD = "uphold", _("维持办结")
    MERGE = "merge", _("并单")
    VOID = "void", _("作废")
    ESCALATE = "escalate", _("催办")
    ATTACH = "attach", _("上传附件")


S = State
A = Action

OPEN_STATES = frozenset(
    {
        S.REGISTERED,
        S.PENDING_DISPATCH,
        S.DISPATCHED,
        S.IN_PROGRESS,
        S.RETURN_REQUESTED,
        S.REPLIED,
        S.AWAITING_CALLBACK,
        S.REOPENED,
    }
)
FINAL_STATES = frozenset({S.CLOSED, S.MERGED, S.VOIDED})

TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    A.REGISTER: {"": frozenset({S.REGISTERED})},
    A.ANSWER_ON_SPOT: {S.REGISTERED: frozenset({S.AWAITING_CALLBACK, S.CLOSED})},
    A.SEND_TO_DISPATCH: {S.REGISTERED: frozenset({S.PENDING_DISPATCH})},
    A.DISPATCH: {S.PENDING_DISPATCH: frozenset({S.DISPATCHED})},
    # 补充登记: the record is completed or corrected while the order waits for review or for dispatch.
    A.AMEND: {S.REGISTERED: frozenset({S.REGISTERED}), S.PENDING_DISPATCH: frozenset({S.PENDING_DISPATCH})},
    # The lead unit's signature starts the handling; an assisting unit's leaves the state as it is.
    A.SIGN: {S.DISPATCHED: frozenset({S.IN_PROGRESS, S.DISPATCHED}), S.IN_PROGRESS: frozenset({S.IN_PROGRESS})},
    A.RESPOND: {S.DISPATCHED: frozenset({S.DISPATCHED}), S.IN_PROGRESS: frozenset({S.IN_PROGRESS})},
    A.REQUEST_RETURN: {
        S.DISPATCHED: frozenset({S.RETURN_REQUESTED}),
        S.IN_PROGRESS: frozenset({S.RETURN_REQUESTED}),
    },
    A.APPROVE_RETURN: {S.RETURN_REQUESTED: frozenset({S.PENDING_DISPATCH})},
    A.REJECT_RETURN: {S.RETURN_REQUESTED: frozenset({S.DISPATCHED, S.IN_PROGRESS})},
    A.REQUEST_EXTENSION: {S.IN_PROGRESS: frozenset({S.IN_PROGRESS})},
    A.APPROVE_EXTENSION: {S.IN_PROGRESS: frozenset({S.IN_PROGRESS})},
    A.REJECT_EXTENSION: {S.IN_PROGRESS: frozenset({S.IN_PROGRESS})},
    # The lead unit's reply ends the handling; an assisting unit's reply is recorded beside it.
    A.REPLY: {S.IN_PROGRESS: frozenset({S.REPLIED, S.IN_PROGRESS}), S.DISPATCHED: frozenset({S.DISPATCHED})},
    A.ACCEPT_REPLY: {S.REPLIED: frozenset({S.AWAITING_CALLBACK})},
    A.REJECT_REPLY: {S.REPLIED: frozenset({S.IN_PROGRESS})},
    A.CALLBACK: {S.AWAITING_CALLBACK: frozenset({S.CLOSED, S.REOPENED})},
    A.CALLBACK_FAILED: {S.AWAITING_CALLBACK: frozenset({S.AWAITING_CALLBACK, S.CLOSED})},
    # Back to the lead unit; an order answered on the spot has none and goes to the dispatchers.
    A.REHANDLE: {S.REOPENED: frozenset({S.IN_PROGRESS, S.PENDING_DISPATCH})},
    # 维持办结: the dispatcher's other decision on a dissatisfied answer: no re-handling, the order closes.
    A.UPHOLD: {S.REOPENED: frozenset({S.CLOSED})},
    A.MERGE: {state: frozenset({S.MERGED}) for state in OPEN_STATES},
    A.VOID: {state: frozenset({S.VOIDED}) for state in OPEN_STATES},
    A.ESCALATE: {state: frozenset({state}) for state in OPEN_STATES},
    A.ATTACH: {state: frozenset({state}) for state in OPEN_STATES | {S.CLOSED}},
}


class InvalidTransition(Exception):
    """An action was asked of an order in a state where the lifecycle does not allow it."""

    def __init__(self, *, number: str, action: str, from_state: str, to_state: str | None = None):
        self.number = number
        self.action = action
        self.from_state = from_state
        self.to_state = to_state
        state_label = State(from_state).label if from_state in State.values else (from_state or _("新建"))
        message = _("工单 %(number)s 当前状态为「%(state)s」，不能执行「%(action)s」。") % {
            "number": number,
            "state": state_label,
            "action": Action(action).label if action in Action.values else action,
        }
        super().__init__(str(message))
        self.message = str(message)


def allowed_actions(state: str) -> list[str]:
    """The actions the lifecycle allows from `state` (before any permission check)."""
    return [action for action, table in TRANSITIONS.items() if state in table]


def check_transition(*, number: str, action: str, from_state: str, to_state: str) -> None:
    allowed = TRANSITIONS.get(action, {}).get(from_state)
    if not allowed or to_state not in allowed:
        raise InvalidTransition(number=number, action=action, from_state=from_state, to_state=to_state)


def replay(events) -> str:
    """The state an order reaches by applying its events in order; raises on an undeclared step.

    `events` are (action, from_state, to_state) triples or objects with those attributes.
    """
    state = ""
    for event in events:
        action, from_state, to_state = (
            event if isinstance(event, tuple) else (event.action, event.from_state, event.to_state)
        )
        if from_state != state:
            raise InvalidTransition(number="?", action=action, from_state=state, to_state=to_state)
        check_transition(number="?", action=action, from_state=from_state, to_state=to_state)
        state = to_state
    return state
