"""Writes to work orders: one function per step of the lifecycle.

Every transition (1) locks the order row, (2) checks the actor's right through
`rexian.orders.access`, (3) checks the declared table in
`rexian.orders.transitions`, (4) writes the new state, the deadlines and an
`OrderEvent`, all in one transaction, and (5) announces the committed event
with the `order_event` signal (`transaction.on_commit`) for notifications.

Errors a user can cause are raised as `PermissionDenied` (not allowed),
`InvalidTransition` (not in this state) or `OrderInputError` (bad input),
each with a message in Chinese for the user.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rexian.catalog.models import AppealType, Category, Channel, DeadlineKind, HotTopic, Line, Urgency
from rexian.catalog.selectors import category_hit, deadline_compute
from rexian.core import credit_code as credit_codes
from rexian.core.errors import InputError
from rexian.orders import access
from rexian.orders.deadlines import refresh_due
from rexian.orders.models import (
    Assignment,
    Callback,
    CloseReason,
    ExtensionRequest,
    Gender,
    OrderEvent,
    OrderNumberSequence,
    ReturnRequest,
    Satisfaction,
    WorkOrder,
)
from rexian.orders.search import order_text_index, order_text_update
from rexian.orders.signals import order_event
from rexian.orders.transitions import OPEN_STATES, Action, State, check_transition
from rexian.privacy import crypto
from rexian.units.models import Unit

A = Action
S = State


class OrderInputError(InputError):
    """Input a user gave for an order step cannot be accepted; `field` names the form field when there is one."""


class StaleVersion(Exception):
    """The user acted on an out-of-date view of the order: someone else changed it meanwhile."""

    def __init__(self, *, number: str, expected: int, current: int):
        self.number, self.expected, self.current = number, expected, current
        self.message = _(
            "工单 %(number)s 已被他人更新（版本 %(current)d，您提交的是版本 %(expected)d），请刷新后重试。"
        ) % {
            "number": number,
            "current": current,
            "expected": expected,
        }
        super().__init__(self.message)


class AlreadyRegistered(Exception):
    """The intake page was saved again: its once-only token already registered `order` (a double Ctrl+Enter, a resent
    POST), so no second order is made."""

    def __init__(self, order: WorkOrder):
        self.order = order
        super().__init__(order.number)


# --- Internals -----------------------------------------------------------------------


def _now() -> dt.datetime:
    return timezone.now()


def _lock(order: WorkOrder | int) -> WorkOrder:
    """Lock the order's row for the rest of this transaction."""
    pk = order.pk if isinstance(order, WorkOrder) else order
    return (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("appeal_type", "urgency", "category", "lead_unit")
        .get(pk=pk)
    )


# A unit's steps on its own part (签收, 首次响应, 办结回复, 申请退单, 申请延期). The lead and the assisting units work
# on the same order at the same time, and each step bumps the order's version: checked against the version, the
# assisting unit's 签收 would be refused because the lead unit signed a minute earlier. These steps are checked
# against what they depend on instead: the order's state (the transition), the acting unit's part (signed,
# replied) and the pending requests, each of which the step verifies itself.
PART_STEPS = frozenset({A.SIGN, A.RESPOND, A.REPLY, A.REQUEST_RETURN, A.REQUEST_EXTENSION})


def _require(actor, action: str, order: WorkOrder, expected_version: int | None) -> None:
    """The actor may act, and acted on the order as it is now (for a unit's step on its part: see PART_STEPS).
    Permission first: a stale-version answer would tell someone who may not see the order its current version."""
    access.require(actor, action, order)
    if expected_version is not None and order.version != expected_version and action not in PART_STEPS:
        raise StaleVersion(number=order.number, expected=expected_version, current=order.version)


def _deadline(order: WorkOrder, kind: str, start: dt.datetime) -> dt.datetime | None:
    return deadline_compute(
        kind=kind, start=start, appeal_type=order.appeal_type, urgency=order.urgency, category=order.category
    )


def _append_event(
    order: WorkOrder,
    *,
    action: str,
    from_state: str,
    actor,
    at: dt.datetime,
    unit: Unit | None = None,
    note: str = "",
    data: dict | None = None,
) -> OrderEvent:
    order.event_count += 1
    event = OrderEvent.objects.create(
        order=order,
        seq=order.event_count,
        action=action,
        from_state=from_state,
        to_state=order.state,
        actor=actor,
        unit=unit,
        at=at,
        note=note,
        data=data or {},
    )
    transaction.on_commit(lambda: order_event.send(sender=WorkOrder, order_id=order.pk, event_id=event.pk))
    return event


def _transition(
    order: WorkOrder,
    *,
    action: str,
    to_state: str,
    actor,
    now: dt.datetime,
    unit: Unit | None = None,
    note: str = "",
    data: dict | None = None,
    update_fields: Iterable[str] = (),
) -> WorkOrder:
    """Move a locked order to `to_state` (after checking the table), refresh its clock, save and record."""
    from_state = order.state
    check_transition(number=order.number, action=action, from_state=from_state, to_state=to_state)
    order.state = to_state
    order.version += 1
    refresh_due(order, now)
    _append_event(order, action=action, from_state=from_state, actor=actor, at=now, unit=unit, note=note, data=data)
    order.save(
        update_fields=[
            "state",
            "version",
            "event_count",
            "due_kind",
            "due_from",
            "due_at",
            "due_warn_at",
            "due_escalated",
            "is_overdue",
            *update_fields,
        ]
    )
    return order


def _required_text(value: str, field: str, label: str, max_length: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise OrderInputError(_("请填写%(label)s。") % {"label": label}, field=field)
    if max_length and len(value) > max_length:
        raise OrderInputError(_("%(label)s不能超过 %(n)d 个字。") % {"label": label, "n": max_length}, field=field)
    return value


def _next_number(at: dt.datetime) -> str:
    day = timezone.localtime(at).date()
    updated = OrderNumberSequence.objects.filter(day=day).update(last=F("last") + 1)
    if not updated:
        try:
            with transaction.atomic():
                OrderNumberSequence.objects.create(day=day, last=1)
        except IntegrityError:
            OrderNumberSequence.objects.filter(day=day).update(last=F("last") + 1)
    last = OrderNumberSequence.objects.get(day=day).last
    return f"{day:%Y%m%d}-{last:0{settings.ORDER_NUMBER_DIGITS}d}"


def _close_assignments(order: WorkOrder, *, status: str | None = None) -> None:
    updates = {"is_open": False}
    if status:
        updates["status"] = status
    order.assignments.filter(is_open=True).update(**updates)


def _withdraw_pending_extension(order: WorkOrder) -> None:
    """A pending extension request lapses when the order leaves the unit's hands."""
    ExtensionRequest.objects.filter(order=order, status=ExtensionRequest.Status.PENDING).update(
        status=ExtensionRequest.Status.WITHDRAWN
    )
    order.pending_extension = False


def _end_handling(order: WorkOrder, now: dt.datetime) -> None:
    """The order stops being worked on (merged or voided): close units' parts and pending requests."""
    _close_assignments(order, status=Assignment.Status.DONE)
    _withdraw_pending_extension(order)
    ReturnRequest.objects.filter(order=order, status=ReturnRequest.Status.PENDING).update(
        status=ReturnRequest.Status.REJECTED, decided_at=now
    )
    order.closed_at = now
    order.state_before_return = ""


def _validate_phone(phone: str) -> str:
    phone = (phone or "").strip()
    if phone:
        digits = crypto.normalize_phone(phone)
        if not digits.isdigit() or not 5 <= len(digits) <= 15:
            raise OrderInputError(_("联系电话格式不正确。"), field="caller_phone")
    return phone


# --- Register and answer ---------------------------------------------------------------


def _refuse_repeated_intake(intake_token: str) -> None:
    order = WorkOrder.objects.filter(intake_token=intake_token).first()
    if order is not None:
        raise AlreadyRegistered(order)


@transaction.atomic
def order_register(
    *,
    actor,
    channel: Channel,
    appeal_type: AppealType,
    title: str,
    description: str,
    urgency: Urgency | None = None,
    category: Category | None = None,
    line: Line | None = None,
    caller_name: str = "",
    caller_phone: str = "",
    caller_id_number: str = "",
    caller_gender: str = "",
    caller_is_enterprise: bool = False,
    enterprise_name: str = "",
    enterprise_credit_code: str = "",
    confidential: bool = False,
    area: Unit | None = None,
    address: str = "",
    latitude=None,
    longitude=None,
    occurred_at: dt.datetime | None = None,
    hot_topics: Iterable[HotTopic] = (),
    intake_token: str | None = None,
) -> WorkOrder:
    """登记: record a new request as a work order and give it its number.

    Operators and supervisors register orders; the portal, Open311 and partner
    systems register through a service account with the integration role.
    `intake_token` is the once-only token of the intake page being saved: the
    order keeps it, and saving with it again registers nothing but raises
    AlreadyRegistered with the order it made, also when both saves run at once
    (the second waits on the unique column for the first to commit). A refused
    registration keeps nothing, so the token stays usable.
    Raises PermissionDenied, AlreadyRegistered or OrderInputError.
    """
    access.require(actor, A.REGISTER)
    if intake_token is not None:
        _refuse_repeated_intake(intake_token)
    title = _required_text(title, "title", _("标题"), 120)
    description = _required_text(description, "description", _("诉求内容"))
    caller_phone = _validate_phone(caller_phone)
    if caller_gender not in Gender.values:
        raise OrderInputError(_("性别取值不正确。"), field="caller_gender")
    if category is not None and category.children.exists():
        raise OrderInputError(_("请选择最末一级的诉求分类。"), field="category")
    enterprise_credit_code = credit_codes.normalize(enterprise_credit_code)
    if enterprise_credit_code and len(enterprise_credit_code) != credit_codes.LENGTH:
        raise OrderInputError(_("统一社会信用代码应为18位。"), field="enterprise_credit_code")
    if enterprise_credit_code and not credit_codes.is_valid(enterprise_credit_code):
        # A mistyped code would file the request under another enterprise's profile (or none).
        raise OrderInputError(_("统一社会信用代码校验不通过，请核对。"), field="enterprise_credit_code")
    if urgency is None:
        urgency = Urgency.objects.order_by("rank").first()
    now = _now()
    if occurred_at is not None and occurred_at > now + dt.timedelta(minutes=5):
        raise OrderInputError(_("发生时间不能晚于当前时间。"), field="occurred_at")
    order = WorkOrder(
        number=_next_number(now),
        state=S.REGISTERED,
        channel=channel,
        line=line,
        caller_name=(caller_name or "").strip(),
        caller_phone=caller_phone,
        caller_phone_hash=crypto.phone_hash(caller_phone),
        caller_id_number=(caller_id_number or "").strip(),
        caller_id_hash=crypto.id_number_hash(caller_id_number),
        caller_gender=caller_gender,
        caller_is_enterprise=caller_is_enterprise or bool(enterprise_credit_code),
        enterprise_name=enterprise_name.strip(),
        enterprise_credit_code=enterprise_credit_code,
        confidential=confidential,
        occurred_at=occurred_at,
        area=area,
        address=address.strip(),
        latitude=latitude,
        longitude=longitude,
        title=title,
        description=description,
        appeal_type=appeal_type,
        category=category,
        urgency=urgency,
        registered_at=now,
        registered_by=actor,
        intake_token=intake_token,
    )
    check_transition(number=order.number, action=A.REGISTER, from_state="", to_state=S.REGISTERED)
    if intake_token is None:
        order.save()
    else:
        try:
            with transaction.atomic():
                order.save()
        except IntegrityError:
            _refuse_repeated_intake(intake_token)  # the same page's save committed while this one was running
            raise
    if hot_topics:
        order.hot_topics.set(hot_topics)
    order_text_index(order)  # the full-text index of title and description, in this transaction
    _append_event(order, action=A.REGISTER, from_state="", actor=actor, at=now)
    WorkOrder.objects.filter(pk=order.pk).update(event_count=order.event_count)
    return order


@transaction.atomic
def order_answer_on_spot(
    *,
    actor,
    order: WorkOrder,
    answer: str,
    sample_for_callback: bool | None = None,
    expected_version: int | None = None,
) -> WorkOrder:
    """直接办结: the operator answered the request on the call.

    A share of such orders (REXIAN_DIRECT_ANSWER_CALLBACK_SAMPLE) is sampled for
    callback and waits for it; the rest close at once. Pass `sample_for_callback`
    to decide explicitly.
    """
    order = _lock(order)
    _require(actor, A.ANSWER_ON_SPOT, order, expected_version)
    answer = _required_text(answer, "answer", _("答复内容"))
    now = _now()
    if sample_for_callback is None:
        sample_for_callback = random.random() < settings.DIRECT_ANSWER_CALLBACK_SAMPLE
    order.answer = answer
    fields = ["answer"]
    if sample_for_callback:
        order.accepted_at = now
        order.callback_deadline = _deadline(order, DeadlineKind.CALLBACK, now)
        fields += ["accepted_at", "callback_deadline"]
        to_state = S.AWAITING_CALLBACK
    else:
        order.closed_at, order.close_reason = now, CloseReason.ANSWERED
        fields += ["closed_at", "close_reason"]
        to_state = S.CLOSED
    return _transition(order, action=A.ANSWER_ON_SPOT, to_state=to_state, actor=actor, now=now, update_fields=fields)


@transaction.atomic
def order_send_to_dispatch(
    *, actor, order: WorkOrder, note: str = "", expected_version: int | None = None
) -> WorkOrder:
    """转派遣: the operator hands the order to the dispatchers.

    The order must have its category (诉求分类): without one the dispatch catalogue finds no unit, smart
    dispatch has nothing to go on, and the order is missing from the figures by category. A request that came
    without one (the portal's category is optional) is completed first with `order_amend` (补充登记).
    Raises PermissionDenied, StaleVersion, InvalidTransition or OrderInputError (no category).
    """
    order = _lock(order)
    _require(actor, A.SEND_TO_DISPATCH, order, expected_version)
    check_transition(
        number=order.number, action=A.SEND_TO_DISPATCH, from_state=order.state, to_state=S.PENDING_DISPATCH
    )
    if order.category_id is None:
        raise OrderInputError(_("该工单尚未选择诉求分类，请先补充登记诉求分类，再转派遣。"), field="category")
    return _transition(
        order, action=A.SEND_TO_DISPATCH, to_state=S.PENDING_DISPATCH, actor=actor, now=_now(), note=note
    )


KEEP = object()  # an `order_amend` argument left out: that part of the record stays as it is


def _choosable_category(category: Category | None) -> Category:
    """The category, if the intake picker offers it: an active leaf under active parents."""
    if category is None:
        raise OrderInputError(_("请选择诉求分类。"), field="category")
    hit = category_hit(category_id=category.pk)
    if hit is None:
        raise OrderInputError(_("所选诉求分类已停用，请重新选择。"), field="category")
    if not hit.is_leaf:
        raise OrderInputError(_("请选择最末一级的诉求分类。"), field="category")
    return category


# The parts of the record 补充登记 may correct; of these, the ones that name master data (foreign keys).
AMENDABLE = ("title", "appeal_type", "urgency", "category", "area", "address")
_AMENDABLE_REFERENCES = frozenset({"appeal_type", "urgency", "category", "area"})


def _amend_changes(order: WorkOrder, given: dict[str, object]) -> dict[str, object]:
    """The checked new values of the fields given to `order_amend` that differ from the order's."""
    if "title" in given:
        given["title"] = _required_text(given["title"], "title", _("标题"), 120)
    if "appeal_type" in given and given["appeal_type"] is None:
        raise OrderInputError(_("请选择诉求类型。"), field="appeal_type")
    if "urgency" in given and given["urgency"] is None:
        raise OrderInputError(_("请选择紧急程度。"), field="urgency")
    if "category" in given:
        given["category"] = _choosable_category(given["category"])
    if "address" in given:
        given["address"] = (given["address"] or "").strip()
        if len(given["address"]) > 200:
            raise OrderInputError(_("%(label)s不能超过 %(n)d 个字。") % {"label": _("地址"), "n": 200}, field="address")

    def key(name: str, value):
        return getattr(value, "pk", None) if name in _AMENDABLE_REFERENCES else value

    return {name: value for name, value in given.items() if key(name, value) != key(name, getattr(order, name))}


def _amend_record(order: WorkOrder, changes: dict[str, object]) -> tuple[str, dict]:
    """What 补充登记 changes, old → new: the history's note in words, the event's data in codes.

    The address is said to have changed, without its text: a place can be the caller's home, and the
    history travels further (units' pages, webhooks) than the order's own fields.
    """
    labels = {
        "title": _("标题"), "appeal_type": _("诉求类型"), "urgency": _("紧急程度"), "category": _("诉求分类"),
        "area": _("所属区域"),
    }

    def words(name: str, value) -> str:
        if name == "title":
            return f"「{value}」"
        if value is None:
            return _("（无）")
        return value.full_name if name == "category" else value.name

    def code(name: str, value):
        return value if name == "title" else getattr(value, "code", None)

    parts, before, after = [], {}, {}
    for name, new in changes.items():
        if name == "address":
            parts.append(_("详细地址已更正"))
            continue
        old = getattr(order, name)
        parts.append(f"{labels[name]}：{words(name, old)} → {words(name, new)}")
        before[name], after[name] = code(name, old), code(name, new)
    return "；".join(parts), {"changed": list(changes), "from": before, "to": after}


@transaction.atomic
def order_amend(
    *,
    actor,
    order: WorkOrder,
    title: str = KEEP,
    appeal_type: AppealType = KEEP,
    urgency: Urgency = KEEP,
    category: Category = KEEP,
    area: Unit | None = KEEP,
    address: str = KEEP,
    expected_version: int | None = None,
) -> WorkOrder:
    """补充登记: complete or correct the record of an order before it is dispatched; the state stays.

    Operators and supervisors amend an order waiting for review (`registered`: the portal's and Open311's
    requests, often without a category and with a title cut from the description); dispatchers and
    supervisors one waiting for dispatch (`pending_dispatch`: they often correct the category first). The
    title, appeal type, urgency, category (an active leaf, as the intake picker offers) and the place (area,
    address) may change; an argument left out keeps its field, `area=None` clears the area. No deadline
    runs yet in these states (the dispatch computes them from the amended type, urgency and category);
    the live clock is refreshed. The event's note says what changed, old → new, never the caller's data.

    Raises PermissionDenied, StaleVersion, InvalidTransition or OrderInputError (bad input, or nothing
    changed).
    """
    order = _lock(order)
    _require(actor, A.AMEND, order, expected_version)
    check_transition(number=order.number, action=A.AMEND, from_state=order.state, to_state=order.state)
    given = dict(title=title, appeal_type=appeal_type, urgency=urgency, category=category, area=area, address=address)
    changes = _amend_changes(order, {name: value for name, value in given.items() if value is not KEEP})
    if not changes:
        raise OrderInputError(_("没有需要更正的内容：补充登记前后一致。"))
    with translation.override(settings.LANGUAGE_CODE):  # the history is written in the centre's language
        note, data = _amend_record(order, changes)
    old_title = order.title
    for name, value in changes.items():
        setattr(order, name, value)
    if "title" in changes:
        order_text_update(order, title=old_title, description=order.description)
    return _transition(
        order,
        action=A.AMEND,
        to_state=order.state,
        actor=actor,
        now=_now(),
        note=note,
        data=data,
        update_fields=list(changes),
    )


# --- Dispatch and handling -------------------------------------------------------------


@transaction.atomic
def order_dispatch(
    *,
    actor,
    order: WorkOrder,
    lead_unit: Unit,
    assisting_units: Iterable[Unit] = (),
    note: str = "",
    expected_version: int | None = None,
) -> WorkOrder:
    """派单: send the order to a lead unit (主办) and optional assisting units (协办).

    Starts the sign, first-response (特急) and reply clocks. Raises OrderInputError for an order without its
    category (one queued before 转派遣 required it: the dispatcher completes it with 补充登记 first), a unit
    that cannot take orders or a lead listed as assisting.
    """
    order = _lock(order)
    _require(actor, A.DISPATCH, order, expected_version)
    if order.category_id is None:
        raise OrderInputError(_("该工单尚未选择诉求分类，请先补充登记诉求分类，再派单。"), field="category")
    assisting = list({unit.pk: unit for unit in assisting_units}.values())
    for unit, field in [(lead_unit, "lead_unit"), *[(u, "assisting_units") for u in assisting]]:
        if not unit.is_active or not unit.accepts_orders:
            raise OrderInputError(_("%(unit)s 不承办工单。") % {"unit": unit.name}, field=field)
    if any(unit.pk == lead_unit.pk for unit in assisting):
        raise OrderInputError(_("主办单位不能同时作为协办单位。"), field="assisting_units")
    now = _now()
    check_transition(number=order.number, action=A.DISPATCH, from_state=order.state, to_state=S.DISPATCHED)
    order.lead_unit = lead_unit
    order.dispatched_at = now
    order.signed_at = None
    order.first_responded_at = None
    order.sign_deadline = _deadline(order, DeadlineKind.SIGN, now)
    order.first_response_deadline = _deadline(order, DeadlineKind.FIRST_RESPONSE, now)
    order.reply_deadline = _deadline(order, DeadlineKind.REPLY, now)
    Assignment.objects.bulk_create(
        [
            Assignment(
                order=order,
                unit=unit,
                role=role,
                dispatched_at=now,
                dispatched_by=actor,
                sign_deadline=order.sign_deadline,
            )
            for unit, role in [(lead_unit, Assignment.Role.LEAD)] + [(u, Assignment.Role.ASSIST) for u in assisting]
        ]
    )
    return _transition(
        order,
        action=A.DISPATCH,
        to_state=S.DISPATCHED,
        actor=actor,
        now=now,
        unit=lead_unit,
        note=note,
        data={"lead": lead_unit.pk, "assisting": [u.pk for u in assisting]},
        update_fields=[
            "lead_unit",
            "dispatched_at",
            "signed_at",
            "first_responded_at",
            "sign_deadline",
            "first_response_deadline",
            "reply_deadline",
        ],
    )


@transaction.atomic
def order_sign(*, actor, order: WorkOrder, expected_version: int | None = None) -> WorkOrder:
    """签收: a unit's handler takes the order on. The lead unit's signature starts the handling."""
    order = _lock(order)
    _require(actor, A.SIGN, order, expected_version)
    assignment = access.acting_assignment(actor, order)
    if assignment.status != Assignment.Status.DISPATCHED:
        raise OrderInputError(_("本单位已签收该工单。"))
    now = _now()
    is_lead = assignment.role == Assignment.Role.LEAD
    to_state = S.IN_PROGRESS if is_lead else order.state
    check_transition(number=order.number, action=A.SIGN, from_state=order.state, to_state=to_state)
    assignment.status, assignment.signed_at, assignment.signed_by = Assignment.Status.SIGNED, now, actor
    assignment.save(update_fields=["status", "signed_at", "signed_by"])
    fields = []
    if is_lead:
        order.signed_at = now
        fields.append("signed_at")
        if not order.first_responded_at:
            order.first_responded_at = now
            fields.append("first_responded_at")
    return _transition(
        order,
        action=A.SIGN,
        to_state=to_state,
        actor=actor,
        now=now,
        unit=assignment.unit,
        data={
            "role": assignment.role,
            "in_time": bool(assignment.sign_deadline is None or now <= assignment.sign_deadline),
        },
        update_fields=fields,
    )


@transaction.atomic
def order_respond(*, actor, order: WorkOrder, note: str, expected_version: int | None = None) -> WorkOrder:
    """首次响应: the lead unit reports its first contact or arrival (counts for 特急 orders' 30-minute clock)."""
    order = _lock(order)
    _require(actor, A.RESPOND, order, expected_version)
    note = _required_text(note, "note", _("响应情况"))
    if order.first_responded_at:
        raise OrderInputError(_("该工单已记录首次响应。"))
    now = _now()
    order.first_responded_at = now
    assignment = access.acting_assignment(actor, order)
    return _transition(
        order,
        action=A.RESPOND,
        to_state=order.state,
        actor=actor,
        now=now,
        unit=assignment.unit,
        note=note,
        update_fields=["first_responded_at"],
    )


@transaction.atomic
def return_request(*, actor, order: WorkOrder, reason: str, expected_version: int | None = None) -> ReturnRequest:
    """申请退单: the lead unit says the order is not its business and asks the dispatcher to take it back."""
    order = _lock(order)
    _require(actor, A.REQUEST_RETURN, order, expected_version)
    reason = _required_text(reason, "reason", _("退单理由"))
    assignment = access.acting_assignment(actor, order)
    now = _now()
    request = ReturnRequest(order=order, unit=assignment.unit, requested_by=actor, requested_at=now, reason=reason)
    order.state_before_return = order.state
    _transition(
        order,
        action=A.REQUEST_RETURN,
        to_state=S.RETURN_REQUESTED,
        actor=actor,
        now=now,
        unit=assignment.unit,
        note=reason,
        update_fields=["state_before_return"],
    )
    request.save()
    return request


def _pending(model, order: WorkOrder, message: str):
    pending = model.objects.filter(order=order, status="pending").order_by("-requested_at").first()
    if pending is None:
        raise OrderInputError(message)
    return pending


@transaction.atomic
def return_approve(*, actor, order: WorkOrder, note: str = "", expected_version: int | None = None) -> WorkOrder:
    """同意退单: the dispatcher takes the order back; it waits for a new dispatch."""
    order = _lock(order)
    _require(actor, A.APPROVE_RETURN, order, expected_version)
    check_transition(number=order.number, action=A.APPROVE_RETURN, from_state=order.state, to_state=S.PENDING_DISPATCH)
    request = _pending(ReturnRequest, order, _("该工单没有待审核的退单申请。"))
    now = _now()
    request.decide(status="approved", actor=actor, at=now, note=note)
    # The lead unit gives the order back; an assisting unit that already replied keeps its (finished) part.
    order.assignments.filter(is_open=True, status=Assignment.Status.REPLIED, role=Assignment.Role.ASSIST).update(
        is_open=False
    )
    _close_assignments(order, status=Assignment.Status.WITHDRAWN)
    _withdraw_pending_extension(order)
    returned_unit = order.lead_unit
    order.lead_unit = None
    order.return_count += 1
    order.state_before_return = ""
    order.sign_deadline = order.first_response_deadline = order.reply_deadline = None
    order.dispatched_at = order.signed_at = order.first_responded_at = None
    return _transition(
        order,
        action=A.APPROVE_RETURN,
        to_state=S.PENDING_DISPATCH,
        actor=actor,
        now=now,
        unit=returned_unit,
        note=note,
        update_fields=[
            "lead_unit",
            "return_count",
            "pending_extension",
            "state_before_return",
            "sign_deadline",
            "first_response_deadline",
            "reply_deadline",
            "dispatched_at",
            "signed_at",
            "first_responded_at",
        ],
    )


@transaction.atomic
def return_reject(*, actor, order: WorkOrder, reason: str, expected_version: int | None = None) -> WorkOrder:
    """驳回退单: the dispatcher keeps the order with the unit; it goes back to where it was."""
    order = _lock(order)
    _require(actor, A.REJECT_RETURN, order, expected_version)
    reason = _required_text(reason, "reason", _("驳回理由"))
    back_to = order.state_before_return or S.DISPATCHED
    check_transition(number=order.number, action=A.REJECT_RETURN, from_state=order.state, to_state=back_to)
    request = _pending(ReturnRequest, order, _("该工单没有待审核的退单申请。"))
    now = _now()
    request.decide(status="rejected", actor=actor, at=now, note=reason)
    order.state_before_return = ""
    return _transition(
        order,
        action=A.REJECT_RETURN,
        to_state=back_to,
        actor=actor,
        now=now,
        unit=order.lead_unit,
        note=reason,
        update_fields=["state_before_return"],
    )


@transaction.atomic
def extension_request(
    *, actor, order: WorkOrder, new_deadline: dt.datetime, reason: str, expected_version: int | None = None
) -> ExtensionRequest:
    """申请延期: the lead unit asks for a later reply deadline."""
    order = _lock(order)
    _require(actor, A.REQUEST_EXTENSION, order, expected_version)
    reason = _required_text(reason, "reason", _("延期理由"))
    check_transition(number=order.number, action=A.REQUEST_EXTENSION, from_state=order.state, to_state=order.state)
    if order.pending_extension:
        raise OrderInputError(_("已有待审核的延期申请。"))
    if order.reply_deadline is None:
        raise OrderInputError(_("该工单没有办结时限，无需延期。"))
    if new_deadline <= order.reply_deadline:
        raise OrderInputError(_("申请的时限须晚于当前办结时限。"), field="new_deadline")
    if new_deadline > order.reply_deadline + dt.timedelta(days=90):
        raise OrderInputError(_("单次延期不能超过90天。"), field="new_deadline")
    assignment = access.acting_assignment(actor, order)
    now = _now()
    request = ExtensionRequest.objects.create(
        order=order,
        unit=assignment.unit,
        requested_by=actor,
        requested_at=now,
        previous_deadline=order.reply_deadline,
        requested_deadline=new_deadline,
        reason=reason,
    )
    order.pending_extension = True
    _transition(
        order,
        action=A.REQUEST_EXTENSION,
        to_state=order.state,
        actor=actor,
        now=now,
        unit=assignment.unit,
        note=reason,
        data={"requested_deadline": new_deadline.isoformat()},
        update_fields=["pending_extension"],
    )
    return request


@transaction.atomic
def extension_approve(*, actor, order: WorkOrder, note: str = "", expected_version: int | None = None) -> WorkOrder:
    """同意延期: the reply deadline moves to the requested date."""
    order = _lock(order)
    _require(actor, A.APPROVE_EXTENSION, order, expected_version)
    check_transition(number=order.number, action=A.APPROVE_EXTENSION, from_state=order.state, to_state=order.state)
    request = _pending(ExtensionRequest, order, _("该工单没有待审核的延期申请。"))
    now = _now()
    request.decide(status="approved", actor=actor, at=now, note=note)
    old = order.reply_deadline
    order.reply_deadline = request.requested_deadline
    order.pending_extension = False
    return _transition(
        order,
        action=A.APPROVE_EXTENSION,
        to_state=order.state,
        actor=actor,
        now=now,
        unit=order.lead_unit,
        note=note,
        data={"from": old.isoformat() if old else None, "to": request.requested_deadline.isoformat()},
        update_fields=["reply_deadline", "pending_extension"],
    )


@transaction.atomic
def extension_reject(*, actor, order: WorkOrder, reason: str, expected_version: int | None = None) -> WorkOrder:
    """驳回延期: the reply deadline stays as it was."""
    order = _lock(order)
    _require(actor, A.REJECT_EXTENSION, order, expected_version)
    reason = _required_text(reason, "reason", _("驳回理由"))
    check_transition(number=order.number, action=A.REJECT_EXTENSION, from_state=order.state, to_state=order.state)
    request = _pending(ExtensionRequest, order, _("该工单没有待审核的延期申请。"))
    now = _now()
    request.decide(status="rejected", actor=actor, at=now, note=reason)
    order.pending_extension = False
    return _transition(
        order,
        action=A.REJECT_EXTENSION,
        to_state=order.state,
        actor=actor,
        now=now,
        unit=order.lead_unit,
        note=reason,
        update_fields=["pending_extension"],
    )


@transaction.atomic
def order_reply(
    *, actor, order: WorkOrder, result: str, measures: str = "", expected_version: int | None = None
) -> WorkOrder:
    """办结回复: a unit reports what it did. The lead unit's reply sends the order for review."""
    order = _lock(order)
    _require(actor, A.REPLY, order, expected_version)
    result = _required_text(result, "result", _("办理结果"))
    assignment = access.acting_assignment(actor, order)
    if assignment.status == Assignment.Status.DISPATCHED:
        raise OrderInputError(_("请先签收工单再回复。"))
    if assignment.status == Assignment.Status.REPLIED:
        raise OrderInputError(_("本单位已回复该工单。"))
    now = _now()
    is_lead = assignment.role == Assignment.Role.LEAD
    to_state = S.REPLIED if is_lead else order.state
    check_transition(number=order.number, action=A.REPLY, from_state=order.state, to_state=to_state)
    assignment.status, assignment.replied_at, assignment.replied_by = Assignment.Status.REPLIED, now, actor
    assignment.result, assignment.measures = result, measures.strip()
    assignment.save(update_fields=["status", "replied_at", "replied_by", "result", "measures"])
    fields = []
    if is_lead:
        order.replied_at = now
        fields.append("replied_at")
        if order.pending_extension:
            _withdraw_pending_extension(order)
            fields.append("pending_extension")
    return _transition(
        order,
        action=A.REPLY,
        to_state=to_state,
        actor=actor,
        now=now,
        unit=assignment.unit,
        note=result,
        data={
            "role": assignment.role,
            "measures": measures.strip(),
            "deadline": order.reply_deadline.isoformat() if order.reply_deadline else None,
            "in_time": bool(order.reply_deadline is None or now <= order.reply_deadline),
        },
        update_fields=fields,
    )


@transaction.atomic
def reply_accept(*, actor, order: WorkOrder, note: str = "", expected_version: int | None = None) -> WorkOrder:
    """审核通过: the dispatcher accepts the unit's reply; the order waits for the callback."""
    order = _lock(order)
    _require(actor, A.ACCEPT_REPLY, order, expected_version)
    check_transition(number=order.number, action=A.ACCEPT_REPLY, from_state=order.state, to_state=S.AWAITING_CALLBACK)
    now = _now()
    order.accepted_at = now
    order.callback_deadline = _deadline(order, DeadlineKind.CALLBACK, now)
    _close_assignments(order, status=None)
    return _transition(
        order,
        action=A.ACCEPT_REPLY,
        to_state=S.AWAITING_CALLBACK,
        actor=actor,
        now=now,
        unit=order.lead_unit,
        note=note,
        update_fields=["accepted_at", "callback_deadline"],
    )


@transaction.atomic
def reply_reject(*, actor, order: WorkOrder, reason: str, expected_version: int | None = None) -> WorkOrder:
    """审核退回: the dispatcher sends the reply back to the lead unit; the reply deadline does not move."""
    order = _lock(order)
    _require(actor, A.REJECT_REPLY, order, expected_version)
    reason = _required_text(reason, "reason", _("退回理由"))
    check_transition(number=order.number, action=A.REJECT_REPLY, from_state=order.state, to_state=S.IN_PROGRESS)
    now = _now()
    order.assignments.filter(role=Assignment.Role.LEAD, is_open=True).update(status=Assignment.Status.SIGNED)
    order.replied_at = None
    return _transition(
        order,
        action=A.REJECT_REPLY,
        to_state=S.IN_PROGRESS,
        actor=actor,
        now=now,
        unit=order.lead_unit,
        note=reason,
        update_fields=["replied_at"],
    )


# --- Callback, re-handling, merge, void ------------------------------------------------


@transaction.atomic
def callback_record(
    *,
    actor,
    order: WorkOrder,
    satisfaction: str,
    solved: bool | None,
    responded_in_time: bool | None,
    note: str = "",
    expected_version: int | None = None,
) -> Callback:
    """回访: the operator reached the citizen. Dissatisfied answers reopen the order for a dispatcher (重办), and
    need what the citizen is dissatisfied with (`note`): the dispatcher decides on it and the unit redoes it."""
    order = _lock(order)
    _require(actor, A.CALLBACK, order, expected_version)
    if satisfaction not in Satisfaction.values:
        raise OrderInputError(_("请选择满意度。"), field="satisfaction")
    now = _now()
    dissatisfied = satisfaction == Satisfaction.DISSATISFIED
    if dissatisfied and not (note or "").strip():
        raise OrderInputError(_("回访不满意时，请填写市民不满意的原因。"), field="note")
    to_state = S.REOPENED if dissatisfied else S.CLOSED
    check_transition(number=order.number, action=A.CALLBACK, from_state=order.state, to_state=to_state)
    callback = Callback.objects.create(
        order=order,
        operator=actor,
        at=now,
        reached=True,
        satisfaction=satisfaction,
        solved=solved,
        responded_in_time=responded_in_time,
        note=note.strip(),
    )
    fields = []
    if not dissatisfied:
        order.closed_at, order.close_reason = now, CloseReason.CALLBACK
        fields = ["closed_at", "close_reason"]
    _transition(
        order,
        action=A.CALLBACK,
        to_state=to_state,
        actor=actor,
        now=now,
        note=note.strip(),
        data={
            "satisfaction": satisfaction,
            "solved": solved,
            "responded_in_time": responded_in_time,
            "in_time": bool(order.callback_deadline is None or now <= order.callback_deadline),
        },
        update_fields=fields,
    )
    return callback


@transaction.atomic
def callback_fail(*, actor, order: WorkOrder, note: str = "", expected_version: int | None = None) -> Callback:
    """回访未成功: the citizen could not be reached. After REXIAN_CALLBACK_MAX_ATTEMPTS tries the order closes."""
    order = _lock(order)
    _require(actor, A.CALLBACK_FAILED, order, expected_version)
    now = _now()
    attempts = order.callback_attempts + 1
    to_state = S.CLOSED if order.callback_attempt_is_last else order.state
    check_transition(number=order.number, action=A.CALLBACK_FAILED, from_state=order.state, to_state=to_state)
    callback = Callback.objects.create(order=order, operator=actor, at=now, reached=False, note=note.strip())
    order.callback_attempts = attempts
    fields = ["callback_attempts"]
    if to_state == S.CLOSED:
        order.closed_at, order.close_reason = now, CloseReason.UNREACHABLE
        fields += ["closed_at", "close_reason"]
    _transition(
        order,
        action=A.CALLBACK_FAILED,
        to_state=to_state,
        actor=actor,
        now=now,
        note=note.strip(),
        data={"attempt": attempts},
        update_fields=fields,
    )
    return callback


@transaction.atomic
def order_rehandle(*, actor, order: WorkOrder, note: str, expected_version: int | None = None) -> WorkOrder:
    """重办: after a dissatisfied callback the dispatcher sends the order back to its lead unit, with what it must
    redo (`note`, required: the unit reads it in its notification and the order's history).

    The unit gets a fresh reply deadline, and the reopening counts against it.
    An order answered on the spot has no unit: it goes to the dispatch queue.
    """
    order = _lock(order)
    _require(actor, A.REHANDLE, order, expected_version)
    note = _required_text(note, "note", _("重办要求"))
    lead = (
        order.assignments.filter(role=Assignment.Role.LEAD)
        .exclude(status=Assignment.Status.WITHDRAWN)
        .order_by("-dispatched_at")
        .first()
    )
    to_state = S.IN_PROGRESS if lead else S.PENDING_DISPATCH
    check_transition(number=order.number, action=A.REHANDLE, from_state=order.state, to_state=to_state)
    now = _now()
    order.reopen_count += 1
    order.replied_at = order.accepted_at = order.callback_deadline = None
    order.callback_attempts = 0
    order.first_response_deadline = None
    fields = [
        "reopen_count",
        "replied_at",
        "accepted_at",
        "callback_deadline",
        "callback_attempts",
        "first_response_deadline",
    ]
    if lead:
        lead.status, lead.is_open, lead.reopen_count = Assignment.Status.SIGNED, True, lead.reopen_count + 1
        lead.save(update_fields=["status", "is_open", "reopen_count"])
        order.dispatched_at = now
        order.reply_deadline = _deadline(order, DeadlineKind.REPLY, now)
        fields += ["dispatched_at", "reply_deadline"]
    return _transition(
        order,
        action=A.REHANDLE,
        to_state=to_state,
        actor=actor,
        now=now,
        unit=lead.unit if lead else None,
        note=note,
        update_fields=fields,
    )


@transaction.atomic
def order_uphold(*, actor, order: WorkOrder, reason: str, expected_version: int | None = None) -> WorkOrder:
    """维持办结: after a dissatisfied callback the dispatcher decides against re-handling and closes the order.

    For a demand that has no legal or policy basis, or that the unit met as far as the law allows. Dispatchers
    and supervisors decide; the reason is required and recorded. The dissatisfied callback stays on record
    (the satisfaction figures count it) and, unlike 重办, nothing counts against the unit.
    Raises PermissionDenied, StaleVersion, InvalidTransition or OrderInputError (no reason).
    """
    order = _lock(order)
    _require(actor, A.UPHOLD, order, expected_version)
    reason = _required_text(reason, "reason", _("维持办结理由"))
    check_transition(number=order.number, action=A.UPHOLD, from_state=order.state, to_state=S.CLOSED)
    now = _now()
    order.closed_at, order.close_reason = now, CloseReason.UPHELD
    return _transition(
        order,
        action=A.UPHOLD,
        to_state=S.CLOSED,
        actor=actor,
        now=now,
        unit=order.lead_unit,
        note=reason,
        update_fields=["closed_at", "close_reason"],
    )


@transaction.atomic
def order_merge(
    *, actor, order: WorkOrder, master: WorkOrder, note: str = "", expected_version: int | None = None
) -> WorkOrder:
    """并单: a repeated request joins an earlier (master) order and stops being worked on its own."""
    order = _lock(order)
    _require(actor, A.MERGE, order, expected_version)
    master = WorkOrder.objects.select_for_update().get(pk=master.pk)
    if master.pk == order.pk:
        raise OrderInputError(_("不能将工单并入自身。"), field="master")
    if master.state not in OPEN_STATES:
        raise OrderInputError(_("主工单 %(number)s 已结束，不能并入。") % {"number": master.number}, field="master")
    if order.merged_orders.exists():
        raise OrderInputError(_("已有工单并入本工单，请改为将其他工单并入本工单。"), field="master")
    now = _now()
    check_transition(number=order.number, action=A.MERGE, from_state=order.state, to_state=S.MERGED)
    order.master = master
    _end_handling(order, now)
    return _transition(
        order,
        action=A.MERGE,
        to_state=S.MERGED,
        actor=actor,
        now=now,
        note=note,
        data={"master": master.number},
        update_fields=["master", "closed_at", "pending_extension", "state_before_return"],
    )


@transaction.atomic
def order_void(*, actor, order: WorkOrder, reason: str, expected_version: int | None = None) -> WorkOrder:
    """作废: a supervisor cancels an order recorded by mistake (prank, test, duplicate call)."""
    order = _lock(order)
    _require(actor, A.VOID, order, expected_version)
    reason = _required_text(reason, "reason", _("作废理由"))
    now = _now()
    check_transition(number=order.number, action=A.VOID, from_state=order.state, to_state=S.VOIDED)
    _end_handling(order, now)
    return _transition(
        order,
        action=A.VOID,
        to_state=S.VOIDED,
        actor=actor,
        now=now,
        note=reason,
        update_fields=["closed_at", "pending_extension", "state_before_return"],
    )
