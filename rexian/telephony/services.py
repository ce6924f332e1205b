"""Writes of the telephony app: events from a switch, links from calls to orders, missed-call callbacks, rosters.

Calls themselves are never written here: they are rebuilt from their events
(`rexian.telephony.events`).
"""

from __future__ import annotations

import datetime as dt
import math

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from rexian.core.errors import InputError
from rexian.notifications.models import Notification
from rexian.notifications.services import notifications_send
from rexian.orders import access
from rexian.orders.models import WorkOrder
from rexian.telephony import staffing
from rexian.telephony.events import ApplyResult, Event, caller_number, events_apply
from rexian.telephony.models import (
    AGENT_KINDS,
    Call,
    CallbackOutcome,
    CallOrder,
    CtiSource,
    EventKind,
    MissedCallCallback,
    Outcome,
    Roster,
    RosterShift,
    ShiftRequest,
    token_digest,
)
from rexian.telephony.selectors import (
    ROSTER_MAX_DAYS,
    NoOperators,
    centre_staffing_plan,
    current_call_for,
    may_plan_staffing,
    may_request_for,
    roster_days_in_force,
    shifts_in_force,
)
from rexian.units.models import Role, User

K = EventKind
# Event types the HTTP API accepts (a CDR line comes only from a file).
API_KINDS = frozenset(EventKind.values) - {K.CDR}
CALL_API_KINDS = API_KINDS - AGENT_KINDS
CENTRE_CALLBACK_ROLES = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN})
_TEXT_FIELDS = {"line": 40, "queue": 40, "target": 80, "reason": 40}
_SECONDS_FIELDS = ("wait_seconds", "talk_seconds", "wrap_seconds")
_EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class EventInputError(Exception):
    """Some posted events are invalid; `errors` lists each as {"index", "id", "field", "message"}."""

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(f"#{e['index']} {e['message']}" for e in errors))
        self.errors = errors


class _Invalid(ValueError):
    """One posted event is invalid. The message starts with the field's name, which `field` repeats."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = message.split(" ", 1)[0] if field is None else field


class TelephonyInputError(ValueError):
    """A telephony action cannot be done with what was given; the message says why, for the user."""


# --- CTI sources --------------------------------------------------------------------------------------------------


def cti_source_create(*, code: str, name: str) -> tuple[CtiSource, str]:
    """Register a switch/CTI allowed to post events; returns it and its token (shown once, stored hashed)."""
    if CtiSource.objects.filter(code=code).exists():
        raise TelephonyInputError(_("接入源编码 %(code)s 已存在。") % {"code": code})
    source = CtiSource(code=code, name=name)
    token = CtiSource.generate_token()
    source.set_token(token)
    source.full_clean()
    source.save()
    return source, token


def cti_source_rotate(*, source: CtiSource) -> str:
    """Give a source a new token; the old one stops working at once."""
    token = CtiSource.generate_token()
    source.set_token(token)
    source.save(update_fields=["token_hash", "token_prefix"])
    return token


def cti_source_authenticate(token: str) -> CtiSource | None:
    """The active source whose token this is (and note when it was last used), or None."""
    if not token:
        return None
    source = CtiSource.objects.filter(token_hash=token_digest(token), is_active=True).first()
    if source is not None:
        now = timezone.now()
        # One write a minute at most: a busy switch posts many times a second.
        if source.last_used_at is None or now - source.last_used_at > dt.timedelta(minutes=1):
            CtiSource.objects.filter(pk=source.pk).update(last_used_at=now)
    return source


# --- Events from the API -----------------------------------------------------------------------------------------


def _parse_at(value, now: dt.datetime) -> dt.datetime:
    if isinstance(value, bool):
        raise _Invalid("at must be an ISO 8601 time or a Unix timestamp")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise _Invalid("at must be a finite number")
        try:
            at = dt.datetime.fromtimestamp(value, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            raise _Invalid("at is not a plausible time (before 2000 or more than a day ahead)") from None
    elif isinstance(value, str):
        try:
            at = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise _Invalid("at must be an ISO 8601 time, e.g. 2026-03-18T08:00:05+08:00") from None
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
    else:
        raise _Invalid("at must be an ISO 8601 time or a Unix timestamp")
    if at < _EARLIEST or at > now + dt.timedelta(days=1):
        raise _Invalid("at is not a plausible time (before 2000 or more than a day ahead)")
    return at


def _text(item: dict, name: str, limit: int, *, required: bool = False) -> str:
    value = item.get(name)
    if value is None or value == "":
        if required:
            raise _Invalid(f"{name} is required")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _Invalid(f"{name} must be a string")
    value = str(value).strip()
    if len(value) > limit:
        raise _Invalid(f"{name} is longer than {limit} characters")
    return value


def event_from_payload(item, *, now: dt.datetime) -> Event:
    """One posted event → an `Event`; raises _Invalid (a ValueError) saying which field is wrong and why."""
    if not isinstance(item, dict):
        raise _Invalid("each event must be a JSON object", field="")
    event_id = _text(item, "id", 100, required=True)
    kind = _text(item, "type", 20, required=True)
    if kind not in API_KINDS:
        raise _Invalid(f"type must be one of {', '.join(sorted(API_KINDS))}")
    if "at" not in item:
        raise _Invalid("at is required")
    at = _parse_at(item["at"], now)
    is_call = kind in CALL_API_KINDS
    call_id = _text(item, "call_id", 64, required=is_call)
    agent = _text(item, "agent", 40, required=kind in AGENT_KINDS or kind == K.RINGING)
    caller = caller_number(_text(item, "caller", 40)) if is_call else ""
    data: dict = {}
    for name, limit in _TEXT_FIELDS.items():
        value = _text(item, name, limit)
        if value:
            data[name] = value
    for name in _SECONDS_FIELDS:
        value = item.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 86400:
            raise _Invalid(f"{name} must be a number of seconds between 0 and 86400")
        data[name] = value
    return Event(event_id=event_id, kind=kind, at=at, call_id=call_id if is_call else "", agent=agent,
                 caller=caller, data=data)


def call_events_ingest(*, source: CtiSource, events: list) -> ApplyResult:
    """Store the events a switch posted and rebuild the calls and agents they touch.

    All or nothing: when any event is invalid, EventInputError lists every
    invalid one and nothing is stored. Events already stored (same source and
    id) are duplicates: counted, and they change nothing. Unknown fields are
    not stored, so a CTI that sends more than Rexian needs leaves no personal
    data behind; the caller's number is stored only encrypted.
    """
    now = timezone.now()
    parsed, errors = [], []
    for index, item in enumerate(events):
        try:
            parsed.append(event_from_payload(item, now=now))
        except _Invalid as error:
            event_id = item.get("id") if isinstance(item, dict) else None
            errors.append({"index": index, "id": event_id, "field": error.field, "message": str(error)})
    if errors:
        raise EventInputError(errors)
    with transaction.atomic():
        return events_apply(source=source.code, events=parsed, now=now)


# --- Calls and orders -----------------------------------------------------------------------------------------------


def call_link_order(*, call: Call, order: WorkOrder, actor=None) -> CallOrder:
    """Record that `order` was taken during `call` (idempotent: linking twice keeps one link).

    `actor` is the operator doing it; None when the system links (an order
    registered through a service during the operator's call). Raises
    PermissionDenied when the actor may not see the order.
    """
    if actor is not None and not access.can_view(actor, order):
        raise PermissionDenied(_("您无权查看该工单。"))
    link, _created = CallOrder.objects.get_or_create(
        call=call, order=order, defaults={"linked_by": actor, "linked_at": timezone.now()}
    )
    return link


def call_link_current(*, actor, order: WorkOrder) -> CallOrder | None:
    """Link `order` to the call the operator is on now, if any (for the intake page after registering)."""
    call = current_call_for(actor)
    if call is None:
        return None
    return call_link_order(call=call, order=order, actor=actor)


# --- Missed-call callbacks (漏接回拨) -------------------------------------------------------------------------------


def missed_call_callback_record(
    *, actor, call: Call, outcome: str, note: str = "", at: dt.datetime | None = None
) -> MissedCallCallback:
    """Record an attempt to call back a caller who could not get through (漏接回拨).

    Centre operators, supervisors and admins may record it. Raises
    PermissionDenied for other roles and TelephonyInputError when the call was
    answered, has no caller number, or the outcome is unknown.
    """
    if actor.role not in CENTRE_CALLBACK_ROLES:
        raise PermissionDenied(_("只有话务员和值班长可以登记漏接回拨。"))
    if outcome not in CallbackOutcome.values:
        raise TelephonyInputError(_("回拨结果取值不正确。"))
    if call.outcome not in (Outcome.ABANDONED, Outcome.UNANSWERED):
        raise TelephonyInputError(_("该来电已接通，不是漏接来电。"))
    if not call.caller_hash:
        raise TelephonyInputError(_("该来电没有主叫号码，无法回拨。"))
    at = at or timezone.now()
    missed_at = call.abandoned_at or call.offered_at
    if at < missed_at:
        raise TelephonyInputError(_("回拨时间不能早于漏接时间。"))
    return MissedCallCallback.objects.create(call=call, operator=actor, at=at, outcome=outcome, note=(note or "")[:200])


# --- Rosters (排班表) ----------------------------------------------------------------------------------------------


class RosterError(InputError):
    """A roster cannot be published, or a shift handed over, as asked; the message says why, for the user."""


@transaction.atomic
def roster_publish(
    *, actor, first_day: dt.date, days: int, target: staffing.ServiceTarget, aht: float, shrinkage: float,
    note: str = "", now: dt.datetime | None = None,
) -> Roster:
    """发布排班: plan `days` days from `first_day` for the active operators, as the 排班 page shows it
    (`selectors.staffing_plan`), and keep the plan as the roster in force for those days.

    Supervisors and admins may. Refused (RosterError): a first day before today (the plan of days gone by is not
    rewritten, as a shift that has begun is not handed over), more than ROSTER_MAX_DAYS days, no active operator,
    no calls in the weeks the forecast reads. An earlier roster covering the same days stays on record and is replaced
    for those days (`selectors.rosters_in_force`).
    """
    if not may_plan_staffing(actor):
        raise PermissionDenied(_("只有值班长和系统管理员可以发布排班。"))
    if not 1 <= days <= ROSTER_MAX_DAYS:
        raise RosterError(_("排班天数应在 1 至 %(n)d 天之间。") % {"n": ROSTER_MAX_DAYS}, field="days")
    now = now or timezone.now()
    if first_day < timezone.localtime(now).date():  # what was planned for the days gone by stays as it was
        raise RosterError(_("只能为今天及以后的日子发布排班。"), field="first_day")
    try:
        plan = centre_staffing_plan(first_day=first_day, days=days, target=target, aht=aht, shrinkage=shrinkage)
    except NoOperators:
        raise RosterError(_("系统中没有在职的话务员，无法排班。")) from None
    except staffing.NoHistory:
        raise RosterError(_("第一天之前的 8 周没有来电记录，无法预测话务量。"), field="first_day") from None
    users = {user.username: user for user in User.objects.filter(username__in=list(plan.plan.roster))}
    roster = Roster.objects.create(
        first_day=plan.first_day, days=plan.days, service_level=target.service_level,
        target_seconds=round(target.seconds), aht=round(aht), shrinkage=shrinkage,
        calls=[round(r.calls, 2) for r in plan.requirements], agents=[r.agents for r in plan.requirements],
        staff=[r.staff for r in plan.requirements], note=(note or "").strip()[:200], published_by=actor,
        published_at=now,
    )
    RosterShift.objects.bulk_create(
        RosterShift(roster=roster, day=timezone.localtime(shift.start).date(), starts_at=shift.start,
                    ends_at=shift.end, operator=users[key])
        for key, shifts in plan.plan.roster.items() for shift in shifts
    )
    transaction.on_commit(lambda: _tell_published(roster.pk))
    return roster


@transaction.atomic
def roster_shift_reassign(
    *, actor, shift: RosterShift, operator, reason: str, now: dt.datetime | None = None
) -> RosterShift:
    """调班: hand a shift that has not started to another active operator who has no shift in force at that time.

    The operator first planned for it, who changed it, when and why are kept on the shift. Supervisors and admins
    may; a shift of a roster a later one has replaced for that day is refused too (look at the roster in force).
    """
    if not may_plan_staffing(actor):
        raise PermissionDenied(_("只有值班长和系统管理员可以调班。"))
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise RosterError(_("请填写调班原因。"), field="reason")
    locked = _open_shift(shift, now)
    _check_cover(locked, operator, field="operator")
    if locked.planned_operator_id is None:
        locked.planned_operator_id = locked.operator_id
    previous = locked.operator
    locked.operator, locked.changed_by, locked.changed_at = operator, actor, now
    locked.change_reason = reason[:200]
    locked.save(update_fields=["operator", "planned_operator", "changed_by", "changed_at", "change_reason"])
    transaction.on_commit(lambda: _tell_reassigned(locked, previous))
    return locked


def _check_cover(shift: RosterShift, operator, *, field: str) -> None:
    """RosterError unless `operator` may take `shift` (locked): an active operator, not the one on it, with no shift in
    force at that time. Holds the operator's row until the transaction ends, so two hand-overs to them at once
    cannot both pass."""
    if operator is None or operator.role != Role.OPERATOR or not operator.is_active:
        raise RosterError(_("只能调给在职话务员。"), field=field)
    if operator.pk == shift.operator_id:
        raise RosterError(_("该班次已由此人值班。"), field=field)
    User.objects.select_for_update().filter(pk=operator.pk).first()
    around = shifts_in_force(shift.day - dt.timedelta(days=1), shift.day + dt.timedelta(days=1), operator=operator)
    if any(other.starts_at < shift.ends_at and shift.starts_at < other.ends_at for other in around):
        raise RosterError(_("%(name)s 在该时段已有班次。") % {"name": operator}, field=field)


# --- 换班/请假申请: an operator asks to be relieved of a shift ---------------------------------------------------


def _open_shift(shift: RosterShift, now: dt.datetime) -> RosterShift:
    """The shift, locked, if it can still change hands: not begun, of a day its roster is still in force for."""
    locked = RosterShift.objects.select_for_update().select_related("roster", "operator").get(pk=shift.pk)
    if locked.starts_at <= now:
        raise RosterError(_("已开始或已结束的班次不能调班。"))
    if locked.day not in roster_days_in_force(locked.roster):
        raise RosterError(_("该日的排班已被之后发布的排班表取代，请在新排班表中调班。"))
    return locked


def _locked_request(request: ShiftRequest) -> ShiftRequest:
    # `of`: the request's row only (the colleague is an outer join, which PostgreSQL will not lock).
    return (ShiftRequest.objects.select_for_update(of=("self",)).select_related("requested_by", "colleague")
            .get(pk=request.pk))


@transaction.atomic
def shift_request_create(*, actor, shift: RosterShift, colleague=None, reason: str,
                         now: dt.datetime | None = None) -> ShiftRequest:
    """换班 (with `colleague`, who is asked first) or 请假 (no colleague: straight to the supervisors) for one of the
    actor's own shifts that has not begun. One open request per shift."""
    now = now or timezone.now()
    locked = _open_shift(shift, now)
    if not may_request_for(actor, locked):
        raise PermissionDenied(_("只能为自己的班次申请换班或请假。"))
    reason = (reason or "").strip()
    if not reason:
        raise RosterError(_("请填写原因。"), field="reason")
    if colleague is not None:
        _check_cover(locked, colleague, field="colleague")
    if locked.requests.filter(status__in=ShiftRequest.OPEN).exists():
        raise RosterError(_("该班次已有待处理的申请。"))
    request = ShiftRequest.objects.create(
        shift=locked, requested_by=actor, colleague=colleague, reason=reason[:200], created_at=now,
        status=ShiftRequest.Status.ASKING_COLLEAGUE if colleague else ShiftRequest.Status.PENDING,
    )
    if colleague is not None:
        transaction.on_commit(lambda: _tell_request(request, [colleague.pk], SWAP_ASKED, "console:my-shifts"))
    else:
        transaction.on_commit(lambda: _tell_planners(request))
    return request


@transaction.atomic
def shift_request_answer(*, actor, request: ShiftRequest, accept: bool,
                         now: dt.datetime | None = None) -> ShiftRequest:
    """The colleague asked agrees (on to the supervisors) or declines (the request ends; the requester is told)."""
    now = now or timezone.now()
    locked = _locked_request(request)
    if locked.colleague_id != actor.pk:
        raise PermissionDenied(_("只有被请求接班的同事可以答复。"))
    if locked.status != ShiftRequest.Status.ASKING_COLLEAGUE:
        raise RosterError(_("该申请已不需要您答复（%(status)s）。") % {"status": locked.get_status_display()})
    shift = _open_shift(locked.shift, now)
    if accept:
        _check_cover(shift, actor, field="colleague")
    locked.status = ShiftRequest.Status.PENDING if accept else ShiftRequest.Status.DECLINED
    locked.answered_at = now
    locked.save(update_fields=["status", "answered_at"])
    if accept:
        transaction.on_commit(lambda: _tell_planners(locked))
    else:
        requester = [locked.requested_by_id]
        transaction.on_commit(lambda: _tell_request(locked, requester, SWAP_DECLINED, "console:my-shifts"))
    return locked


@transaction.atomic
def shift_request_withdraw(*, actor, request: ShiftRequest, now: dt.datetime | None = None) -> ShiftRequest:
    """The requester takes back a request nobody has decided yet."""
    locked = _locked_request(request)
    if locked.requested_by_id != actor.pk:
        raise PermissionDenied(_("只能撤回自己的申请。"))
    if not locked.is_open:
        raise RosterError(_("该申请已办理（%(status)s），不能撤回。") % {"status": locked.get_status_display()})
    locked.status, locked.decided_at = ShiftRequest.Status.WITHDRAWN, now or timezone.now()
    locked.save(update_fields=["status", "decided_at"])
    return locked


@transaction.atomic
def shift_request_decide(*, actor, request: ShiftRequest, approve: bool, operator=None, note: str = "",
                         now: dt.datetime | None = None) -> ShiftRequest:
    """A supervisor or admin approves (the shift goes to the colleague, or for 请假 to `operator`, by 调班) or
    rejects (with `note`, the requester and the colleague told) a request waiting for them."""
    if not may_plan_staffing(actor):
        raise PermissionDenied(_("只有值班长和系统管理员可以审批换班申请。"))
    now = now or timezone.now()
    locked = _locked_request(request)
    if locked.status != ShiftRequest.Status.PENDING:
        raise RosterError(_("该申请不在待审批状态（%(status)s）。") % {"status": locked.get_status_display()})
    note = (note or "").strip()
    if approve:
        shift = _open_shift(locked.shift, now)
        if shift.operator_id != locked.requested_by_id:
            raise RosterError(_("该班次已调整，不再由申请人值班：请驳回此申请。"))
        cover = locked.colleague or operator
        if cover is None:
            raise RosterError(_("请假申请请选择接班的话务员。"), field="operator")
        kind = "换班" if locked.is_swap else "请假"  # kept on the shift, as its reason is, in the centre's language
        roster_shift_reassign(actor=actor, shift=shift, operator=cover, now=now, reason=f"{kind}：{locked.reason}"[:200])
    elif not note:
        raise RosterError(_("驳回请填写审批意见。"), field="note")
    locked.status = ShiftRequest.Status.APPROVED if approve else ShiftRequest.Status.REJECTED
    locked.decided_by, locked.decided_at, locked.decision_note = actor, now, note[:200]
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if not approve:  # an approval is told by the 调班 itself, to both operators
        told = [locked.requested_by_id, *([locked.colleague_id] if locked.colleague_id else [])]
        transaction.on_commit(lambda: _tell_request(locked, told, REQUEST_REJECTED, "console:my-shifts"))
    return locked


# What the operators are told (msgids, written in each one's language by `notifications_send`).
ROSTER_PUBLISHED = gettext_noop("新排班已发布：%(first)s 至 %(last)s，您有 %(n)d 个班次，请查看我的排班。")
SHIFT_TAKEN = gettext_noop("调班：%(when)s 的班次改由您值班（%(reason)s）。")
SHIFT_GIVEN = gettext_noop("调班：您 %(when)s 的班次改由 %(name)s 值班（%(reason)s）。")


def _tell_published(roster_id: int) -> int:
    """Tell each operator on a newly published roster how many shifts they have (once per roster)."""
    roster = Roster.objects.filter(pk=roster_id).first()
    if roster is None:
        return 0
    counts = roster.shifts.values("operator").annotate(n=Count("pk")).values_list("operator", "n")
    dates = {"first": f"{roster.first_day:%m-%d}", "last": f"{roster.last_day:%m-%d}"}
    told = [([operator], ROSTER_PUBLISHED, {**dates, "n": n}) for operator, n in counts]
    return notifications_send(told, kind=Notification.Kind.ROSTER, link=reverse("console:my-shifts"),
                              key=f"roster:{roster.pk}", at=roster.published_at)


SWAP_ASKED = gettext_noop("换班：%(name)s 请您接替 %(when)s 的班次（%(reason)s），请在我的排班中答复。")
SWAP_DECLINED = gettext_noop("换班：%(colleague)s 未同意接替您 %(when)s 的班次。")
REQUEST_PENDING = gettext_noop("%(name)s 申请%(kind)s：%(when)s 的班次（%(reason)s），待审批。")
REQUEST_REJECTED = gettext_noop("%(name)s %(when)s 班次的%(kind)s申请已驳回：%(note)s")


def _tell_request(request: ShiftRequest, recipients: list[int], message: str, link_name: str) -> int:
    """Tell `recipients` about a step of the request (once per request, message and recipient)."""
    values = {"name": str(request.requested_by), "colleague": str(request.colleague or ""),
              "when": request.shift.span, "reason": request.reason, "note": request.decision_note,
              "kind": gettext_lazy("换班") if request.is_swap else gettext_lazy("请假")}
    return notifications_send([(recipients, message, values)], kind=Notification.Kind.ROSTER,
                              link=reverse(link_name), key=f"shift-request:{request.pk}:{request.status}",
                              at=timezone.now())


def _tell_planners(request: ShiftRequest) -> int:
    """A request now waits for a decision: tell the active supervisors."""
    supervisors = list(User.objects.filter(role=Role.SUPERVISOR, is_active=True).values_list("pk", flat=True))
    return _tell_request(request, supervisors, REQUEST_PENDING, "console:shift-requests")


def _tell_reassigned(shift: RosterShift, previous) -> int:
    """Tell the operator who takes a shift, and the one who no longer works it (once per change)."""
    values = {"when": shift.span, "reason": shift.change_reason, "name": str(shift.operator)}
    told = [([shift.operator_id], SHIFT_TAKEN, values), ([previous.pk], SHIFT_GIVEN, values)]
    return notifications_send(told, kind=Notification.Kind.ROSTER, link=reverse("console:my-shifts"),
                              key=f"roster-shift:{shift.pk}:{shift.changed_at:%Y%m%d%H%M%S}", at=shift.changed_at)
