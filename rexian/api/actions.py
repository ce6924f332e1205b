"""The staff actions of the lifecycle as API operations: one row per action, one service each.

`POST /api/v1/orders/{number}/<slug>/` with the order's `version` in the body
calls the service with `expected_version=`; the view (rexian.api.views) is
the same for all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rest_framework import serializers

from rexian.api import serializers as s
from rexian.orders import services
from rexian.orders.transitions import Action

A = Action


@dataclass(frozen=True)
class ActionSpec:
    action: str
    request: type[serializers.Serializer]
    summary: str
    # (actor, order, validated data) -> the service's result; the version is passed by the view.
    perform: Callable

    @property
    def slug(self) -> str:
        return s.SLUG_BY_ACTION[self.action]


ACTIONS: list[ActionSpec] = [
    ActionSpec(
        A.ANSWER_ON_SPOT,
        s.AnswerOnSpotSerializer,
        "直接办结 Answer on the call (operator)",
        lambda actor, order, d, v: services.order_answer_on_spot(
            actor=actor, order=order, answer=d["answer"], expected_version=v
        ),
    ),
    ActionSpec(
        A.SEND_TO_DISPATCH,
        s.NoteSerializer,
        "转派遣 Send to the dispatchers (operator)",
        lambda actor, order, d, v: services.order_send_to_dispatch(
            actor=actor, order=order, note=d["note"], expected_version=v
        ),
    ),
    ActionSpec(
        A.AMEND,
        s.AmendSerializer,
        "补充登记 Complete or correct the record before dispatch (operator: registered; dispatcher: pending dispatch)",
        lambda actor, order, d, v: services.order_amend(
            actor=actor, order=order, expected_version=v, **{name: d[name] for name in services.AMENDABLE if name in d}
        ),
    ),
    ActionSpec(
        A.DISPATCH,
        s.DispatchSerializer,
        "派单 Dispatch to a lead unit and assisting units (dispatcher)",
        lambda actor, order, d, v: services.order_dispatch(
            actor=actor,
            order=order,
            lead_unit=d["lead_unit"],
            assisting_units=d["assisting_units"],
            note=d["note"],
            expected_version=v,
        ),
    ),
    ActionSpec(
        A.SIGN,
        s.VersionSerializer,
        "签收 Sign for the order (unit)",
        lambda actor, order, d, v: services.order_sign(actor=actor, order=order, expected_version=v),
    ),
    ActionSpec(
        A.RESPOND,
        s.RequiredNoteSerializer,
        "首次响应 Record the first response (lead unit)",
        lambda actor, order, d, v: services.order_respond(actor=actor, order=order, note=d["note"], expected_version=v),
    ),
    ActionSpec(
        A.REQUEST_RETURN,
        s.ReasonSerializer,
        "申请退单 Ask the dispatchers to take the order back (lead unit)",
        lambda actor, order, d, v: services.return_request(
            actor=actor, order=order, reason=d["reason"], expected_version=v
        ),
    ),
    ActionSpec(
        A.APPROVE_RETURN,
        s.NoteSerializer,
        "同意退单 Approve a return (dispatcher)",
        lambda actor, order, d, v: services.return_approve(
            actor=actor, order=order, note=d["note"], expected_version=v
        ),
    ),
    ActionSpec(
        A.REJECT_RETURN,
        s.ReasonSerializer,
        "驳回退单 Reject a return (dispatcher)",
        lambda actor, order, d, v: services.return_reject(
            actor=actor, order=order, reason=d["reason"], expected_version=v
        ),
    ),
    ActionSpec(
        A.REQUEST_EXTENSION,
        s.ExtensionRequestSerializer,
        "申请延期 Ask for a later reply deadline (lead unit)",
        lambda actor, order, d, v: services.extension_request(
            actor=actor, order=order, new_deadline=d["new_deadline"], reason=d["reason"], expected_version=v
        ),
    ),
    ActionSpec(
        A.APPROVE_EXTENSION,
        s.NoteSerializer,
        "同意延期 Approve an extension (dispatcher)",
        lambda actor, order, d, v: services.extension_approve(
            actor=actor, order=order, note=d["note"], expected_version=v
        ),
    ),
    ActionSpec(
        A.REJECT_EXTENSION,
        s.ReasonSerializer,
        "驳回延期 Reject an extension (dispatcher)",
        lambda actor, order, d, v: services.extension_reject(
            actor=actor, order=order, reason=d["reason"], expected_version=v
        ),
    ),
    ActionSpec(
        A.REPLY,
        s.ReplySerializer,
        "办结回复 Reply with the result (unit)",
        lambda actor, order, d, v: services.order_reply(
            actor=actor, order=order, result=d["result"], measures=d["measures"], expected_version=v
        ),
    ),
    ActionSpec(
        A.ACCEPT_REPLY,
        s.NoteSerializer,
        "审核通过 Accept the unit's reply (dispatcher)",
        lambda actor, order, d, v: services.reply_accept(actor=actor, order=order, note=d["note"], expected_version=v),
    ),
    ActionSpec(
        A.REJECT_REPLY,
        s.ReasonSerializer,
        "审核退回 Send the reply back to the unit (dispatcher)",
        lambda actor, order, d, v: services.reply_reject(
            actor=actor, order=order, reason=d["reason"], expected_version=v
        ),
    ),
    ActionSpec(
        A.CALLBACK,
        s.CallbackSerializer,
        "回访 Record the citizen's rating (operator, integration)",
        lambda actor, order, d, v: services.callback_record(
            actor=actor,
            order=order,
            satisfaction=d["satisfaction"],
            solved=d["solved"],
            responded_in_time=d["responded_in_time"],
            note=d["note"],
            expected_version=v,
        ),
    ),
    ActionSpec(
        A.CALLBACK_FAILED,
        s.NoteSerializer,
        "回访未成功 Record a callback that did not reach the citizen (operator)",
        lambda actor, order, d, v: services.callback_fail(actor=actor, order=order, note=d["note"], expected_version=v),
    ),
    ActionSpec(
        A.REHANDLE,
        s.NoteSerializer,
        "重办 Send a reopened order back for handling (dispatcher)",
        lambda actor, order, d, v: services.order_rehandle(
            actor=actor, order=order, note=d["note"], expected_version=v
        ),
    ),
    ActionSpec(
        A.UPHOLD,
        s.ReasonSerializer,
        "维持办结 Close a reopened order without re-handling, with the reason (dispatcher)",
        lambda actor, order, d, v: services.order_uphold(
            actor=actor, order=order, reason=d["reason"], expected_version=v
        ),
    ),
    ActionSpec(
        A.MERGE,
        s.MergeSerializer,
        "并单 Merge into an earlier (master) order",
        lambda actor, order, d, v: services.order_merge(
            actor=actor, order=order, master=d["master"], note=d["note"], expected_version=v
        ),
    ),
    ActionSpec(
        A.VOID,
        s.ReasonSerializer,
        "作废 Void an order recorded by mistake (supervisor)",
        lambda actor, order, d, v: services.order_void(
            actor=actor, order=order, reason=d["reason"], expected_version=v
        ),
    ),
]
