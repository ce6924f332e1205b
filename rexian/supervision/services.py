"""Writes of supervision (督办) and leaders' instructions (批示): one function per step of an item's loop.

    issue 下发 ─→ issued ─acknowledge 签收─→ acknowledged ─report 反馈─→ reported ─close 办结─→ closed
                                  ↑                            │
                                  └──────── return 退回 ───────┘

Who does what:

- a supervisor (值班长) issues a 督办, a leader (领导) a 批示, on an order they can see that is not
  voided or merged, to a unit that has handled it (its lead unit unless told otherwise: a unit
  sees only the orders dispatched to it), or on a published report they can read, to any unit that
  handles orders;
- that unit's handlers and unit admins acknowledge and report (reporting acknowledges if needed);
- a supervisor closes a 督办 or returns its report; a 批示 is closed or returned by a leader or by a
  supervisor, who tracks the leaders' instructions for them. Closing an item that was never
  reported needs a reason.

An item still unreported past its deadline is escalated once (超期催办, `supervision_overdue_scan`, every 15
minutes in the worker): its unit's staff are reminded and its issuer is told.

Each step locks the item, checks the actor and the status, writes the item and a `SupervisionStep`
in one transaction, and tells the people concerned with a notification once it commits: the unit's
staff of an issue or a return, the issuer of a report. An item never changes its order's state.
Errors a user can cause are `PermissionDenied`, `SupervisionError` (bad input) or `SupervisionStepError` (not in
this status), each with a message in Chinese.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from rexian.catalog.calendar import add_workdays
from rexian.core.errors import InputError
from rexian.notifications.models import Notification
from rexian.notifications.services import notifications_send
from rexian.orders import access
from rexian.orders.models import Assignment, WorkOrder
from rexian.orders.transitions import State
from rexian.reports import permissions as report_permissions
from rexian.reports.models import Report
from rexian.supervision.models import Supervision, SupervisionStep
from rexian.units.models import UNIT_ROLES, Role, Unit, User

Kind = Supervision.Kind
Status = Supervision.Status
Step = SupervisionStep.Action

ISSUERS = {Kind.SUPERVISION: frozenset({Role.SUPERVISOR}), Kind.INSTRUCTION: frozenset({Role.LEADER})}
CLOSERS = {Kind.SUPERVISION: frozenset({Role.SUPERVISOR}), Kind.INSTRUCTION: frozenset({Role.LEADER, Role.SUPERVISOR})}
# The steps taken on an item once issued, by `supervision_step`.
STEPS = (Step.ACKNOWLEDGE, Step.REPORT, Step.RETURN, Step.CLOSE)
DUE_MAX_DAYS = 90  # a report deadline further out is a typing mistake (as an extension's longest)
CONTENT_MAX = Supervision._meta.get_field("content").max_length
REPORT_MAX = Supervision._meta.get_field("report").max_length


class SupervisionError(InputError):
    """A step a user asked for cannot be taken (bad input, or not in this status); `field` names the form field."""


class SupervisionStepError(SupervisionError):
    """The item is not in a status that allows the step (someone else took a step first): look again."""


def _text(value: str, *, label: str, field: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise SupervisionError(_("请填写%(label)s。") % {"label": label}, field=field)
    if len(value) > limit:
        raise SupervisionError(_("%(label)s不能超过 %(limit)d 字。") % {"label": label, "limit": limit}, field=field)
    return value


def _lock(supervision: Supervision | int) -> Supervision:
    pk = supervision.pk if isinstance(supervision, Supervision) else supervision
    return (Supervision.objects.select_for_update(of=("self",)).select_related("order", "source_report", "unit")
            .get(pk=pk))


def _step(item: Supervision, action: str, actor, now: dt.datetime, note: str = "") -> SupervisionStep:
    return SupervisionStep.objects.create(supervision=item, action=action, actor=actor, at=now, note=note)


def is_unit_staff(user, item: Supervision) -> bool:
    """Whether `user` answers for the item's unit: its handlers and unit admins (a unit admin also for sub-units)."""
    if not (user.is_authenticated and user.is_active and user.role in UNIT_ROLES):
        return False
    return item.unit_id in access.unit_ids(user)


def may_close(user, item: Supervision) -> bool:
    return user.is_authenticated and user.is_active and user.role in CLOSERS[item.kind]


def may_issue(user, kind: str) -> bool:
    return user.is_authenticated and user.is_active and user.role in ISSUERS.get(kind, ())


def issuable_units(order: WorkOrder):
    """The units an item on `order` may go to: those that hold or held a part of it, except a part withdrawn by an
    approved return (退单), which no longer opens the order to that unit."""
    held = Assignment.objects.filter(order=order).exclude(status=Assignment.Status.WITHDRAWN).values("unit_id")
    return Unit.objects.filter(pk__in=held)


def may_issue_on(user, order: WorkOrder) -> bool:
    """Whether `user` may issue some item on `order` now: a supervisor or a leader, on an order that is neither
    merged nor voided and that some unit holds or held (the form then lets them choose among the kinds they may
    issue and those units)."""
    return (
        any(may_issue(user, kind) for kind in Kind.values)
        and order.state not in (State.MERGED, State.VOIDED)
        and issuable_units(order).exists()
    )


def allowed_steps(user, item: Supervision) -> frozenset[str]:
    """The steps `user` may take on the item now: what the page offers (the services check it again)."""
    steps = set()
    if is_unit_staff(user, item):
        if item.status == Status.ISSUED:
            steps |= {Step.ACKNOWLEDGE, Step.REPORT}
        elif item.status == Status.ACKNOWLEDGED:
            steps.add(Step.REPORT)
    if may_close(user, item) and item.is_open:
        steps.add(Step.CLOSE)
        if item.status == Status.REPORTED:
            steps.add(Step.RETURN)
    return frozenset(steps)


def _require_unit_staff(user, item: Supervision) -> None:
    if not is_unit_staff(user, item):
        raise PermissionDenied(_("只有责任单位（%(unit)s）的人员可以办理此件。") % {"unit": item.unit.name})


def _require_closer(user, item: Supervision) -> None:
    if not may_close(user, item):
        if item.kind == Kind.SUPERVISION:
            raise PermissionDenied(_("只有值班长可以审核督办件。"))
        raise PermissionDenied(_("只有领导或值班长可以审核批示件。"))


def _require_status(item: Supervision, *allowed: str) -> None:
    if item.status not in allowed:
        raise SupervisionStepError(
            _("此%(kind)s当前为「%(status)s」，不能执行此操作，请刷新后再看。")
            % {"kind": item.get_kind_display(), "status": item.get_status_display()}
        )


# --- Steps ------------------------------------------------------------------------------------------------------


def _issue_checks(actor, kind: str, content: str, due_at: dt.datetime | None, now: dt.datetime) -> tuple[str, dt.datetime]:
    """What every issue checks first, whatever the item is about: the kind, the issuer's right, the text and the
    deadline. Returns the content and the deadline."""
    if kind not in Kind.values:
        raise SupervisionError(_("未知的类型。"), field="kind")
    if not may_issue(actor, kind):
        raise PermissionDenied(_("只有值班长可以下发督办。") if kind == Kind.SUPERVISION else _("只有领导可以作出批示。"))
    label = _("督办意见") if kind == Kind.SUPERVISION else _("批示内容")
    content = _text(content, label=label, field="content", limit=CONTENT_MAX)
    if due_at is None:
        due_at = add_workdays(now, settings.SUPERVISION_REPORT_DAYS)
    elif due_at <= now:
        raise SupervisionError(_("反馈时限须晚于现在。"), field="due_at")
    elif due_at > now + dt.timedelta(days=DUE_MAX_DAYS):
        raise SupervisionError(_("反馈时限最长为 %(days)d 天。") % {"days": DUE_MAX_DAYS}, field="due_at")
    return content, due_at


def _issued(item: Supervision, actor, now: dt.datetime) -> Supervision:
    step = _step(item, Step.ISSUE, actor, now, item.content)
    transaction.on_commit(lambda: _notify(step.pk))
    return item


def supervision_issue(
    *,
    actor,
    order: WorkOrder,
    kind: str,
    content: str,
    unit: Unit | None = None,
    due_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Supervision:
    """下发: a supervisor's 督办 or a leader's 批示 on `order`, for `unit` (default: the order's lead unit).

    The unit must hold or have held a part of the order (`issuable_units`: lead or assisting, not withdrawn by a
    return). The report is due at `due_at` (at most DUE_MAX_DAYS ahead), or REXIAN_SUPERVISION_REPORT_DAYS
    working days from now.
    """
    now = now or timezone.now()
    content, due_at = _issue_checks(actor, kind, content, due_at, now)
    with transaction.atomic():
        # The order as it is now, held until the item is written: a merge or a void waits for it.
        order = WorkOrder.objects.select_for_update(of=("self",)).select_related("lead_unit").get(pk=order.pk)
        if not access.can_view(actor, order):
            raise PermissionDenied(_("您无权查看该工单。"))
        if order.state in (State.MERGED, State.VOIDED):
            raise SupervisionError(_("已并单或已作废的工单不能督办或批示。"))
        if unit is None:
            if order.lead_unit_id is None:
                raise SupervisionError(
                    _("该工单目前没有主办单位（未派单、当场办结或已退回），请选择责任单位，或待派单后再督办。"), field="unit"
                )
            unit = order.lead_unit
        if not issuable_units(order).filter(pk=unit.pk).exists():
            raise SupervisionError(
                _("%(unit)s没有承办该工单（或已退回），不能作为责任单位。") % {"unit": unit.name}, field="unit"
            )
        item = Supervision.objects.create(
            kind=kind, order=order, unit=unit, content=content, issued_by=actor, issued_at=now, due_at=due_at
        )
        return _issued(item, actor, now)


def report_units():
    """The units an item on a report may go to: every active unit that handles orders (a report is about the city,
    not about one unit's orders)."""
    return Unit.objects.filter(is_active=True, accepts_orders=True)


def may_issue_on_report(user, report: Report) -> bool:
    """Whether `user` may issue some item on `report`: a supervisor or a leader who may read it, once published
    (a draft may still change under the instruction)."""
    return (
        any(may_issue(user, kind) for kind in Kind.values)
        and report.status == Report.Status.PUBLISHED
        and report_permissions.may_read(user, report)
    )


def supervision_issue_on_report(
    *,
    actor,
    report: Report,
    kind: str,
    content: str,
    unit: Unit | None,
    due_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Supervision:
    """下发 on a report: a leader's 批示 (or a supervisor's 督办) written on a published report (日报, 简报, 专报,
    快报) for `unit` to act on and report back, tracked like one on an order. The unit is any active unit that
    handles orders (`report_units`); the deadline as for an order's item."""
    now = now or timezone.now()
    content, due_at = _issue_checks(actor, kind, content, due_at, now)
    if unit is None:
        raise SupervisionError(_("请选择责任单位。"), field="unit")
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).get(pk=report.pk)
        if not report_permissions.may_read(actor, report):
            raise PermissionDenied(_("您无权查看该报告。"))
        if report.status != Report.Status.PUBLISHED:
            raise SupervisionError(_("报告发布后才能批示。"))
        if not report_units().filter(pk=unit.pk).exists():
            raise SupervisionError(_("%(unit)s不是承办单位，不能作为责任单位。") % {"unit": unit.name}, field="unit")
        item = Supervision.objects.create(
            kind=kind, source_report=report, unit=unit, content=content, issued_by=actor, issued_at=now, due_at=due_at
        )
        return _issued(item, actor, now)


@transaction.atomic
def supervision_acknowledge(*, actor, supervision: Supervision, now: dt.datetime | None = None) -> Supervision:
    """签收: the unit has seen the item."""
    item = _lock(supervision)
    _require_unit_staff(actor, item)
    _require_status(item, Status.ISSUED)
    now = now or timezone.now()
    item.status, item.acknowledged_at = Status.ACKNOWLEDGED, now
    item.save(update_fields=["status", "acknowledged_at"])
    _step(item, Step.ACKNOWLEDGE, actor, now)
    return item


@transaction.atomic
def supervision_report(
    *, actor, supervision: Supervision, report: str, now: dt.datetime | None = None
) -> Supervision:
    """反馈: the unit reports what it did; an item not yet acknowledged is acknowledged by the same step."""
    item = _lock(supervision)
    _require_unit_staff(actor, item)
    _require_status(item, Status.ISSUED, Status.ACKNOWLEDGED)
    report = _text(report, label=_("办理反馈"), field="report", limit=REPORT_MAX)
    now = now or timezone.now()
    if item.status == Status.ISSUED:
        item.acknowledged_at = now
        _step(item, Step.ACKNOWLEDGE, actor, now)
    item.status, item.report, item.reported_at = Status.REPORTED, report, now
    item.save(update_fields=["status", "report", "reported_at", "acknowledged_at"])
    step = _step(item, Step.REPORT, actor, now, report)
    transaction.on_commit(lambda: _notify(step.pk))
    return item


@transaction.atomic
def supervision_return(
    *, actor, supervision: Supervision, reason: str, now: dt.datetime | None = None
) -> Supervision:
    """退回: the report does not answer the item; the unit must report again (the returned report stays in the steps)."""
    item = _lock(supervision)
    _require_closer(actor, item)
    _require_status(item, Status.REPORTED)
    reason = _text(reason, label=_("退回理由"), field="reason", limit=REPORT_MAX)
    now = now or timezone.now()
    item.status, item.reported_at = Status.ACKNOWLEDGED, None
    item.save(update_fields=["status", "reported_at"])
    step = _step(item, Step.RETURN, actor, now, reason)
    transaction.on_commit(lambda: _notify(step.pk))
    return item


@transaction.atomic
def supervision_close(
    *, actor, supervision: Supervision, note: str = "", now: dt.datetime | None = None
) -> Supervision:
    """办结: the item is settled, normally on the unit's report; closing an unreported one needs a reason."""
    item = _lock(supervision)
    _require_closer(actor, item)
    _require_status(item, Status.ISSUED, Status.ACKNOWLEDGED, Status.REPORTED)
    unreported = item.status != Status.REPORTED
    note = _text(note, label=_("办结说明"), field="note", limit=REPORT_MAX, required=unreported)
    now = now or timezone.now()
    item.status, item.closed_at = Status.CLOSED, now
    item.save(update_fields=["status", "closed_at"])
    step = _step(item, Step.CLOSE, actor, now, note)
    if unreported:
        transaction.on_commit(lambda: _notify(step.pk))
    return item


def supervision_step(*, actor, supervision: Supervision, step: str, text: str = "") -> Supervision:
    """Take the step named `step` (acknowledge, report, return, close) with its text, as the pages and the API do.

    `text` is the report, the reason for returning or the closing note; an unknown step is a SupervisionError.
    """
    if step == Step.ACKNOWLEDGE:
        return supervision_acknowledge(actor=actor, supervision=supervision)
    if step == Step.REPORT:
        return supervision_report(actor=actor, supervision=supervision, report=text)
    if step == Step.RETURN:
        return supervision_return(actor=actor, supervision=supervision, reason=text)
    if step == Step.CLOSE:
        return supervision_close(actor=actor, supervision=supervision, note=text)
    raise SupervisionError(_("未知的操作。"))


# --- Notifications ----------------------------------------------------------------------------------------------


# What each step tells (msgids, written in each recipient's language by `_tell`).
STEP_MESSAGES = {
    Step.ISSUE: gettext_noop("新%(kind)s，请于 %(due)s 前反馈：%(text)s"),
    Step.REPORT: gettext_noop("%(kind)s已反馈，待审核：%(text)s"),
    Step.RETURN: gettext_noop("%(kind)s反馈被退回，请重新反馈：%(text)s"),
    Step.CLOSE: gettext_noop("%(kind)s已办结：%(text)s"),
}


def _notify(step_id: int) -> int:
    """Tell the people a committed step concerns: the unit's staff of an issue, a return or an early close, the
    issuer of a report. Once per recipient and step (key "supervision:<step id>"); the actor is never told."""
    step = (SupervisionStep.objects.select_related("supervision__order", "supervision__source_report")
            .filter(pk=step_id).first())
    if step is None:
        return 0
    item = step.supervision
    if step.action == Step.REPORT:
        recipients = list(User.objects.filter(pk=item.issued_by_id, is_active=True).values_list("pk", flat=True))
    else:
        recipients = list(_unit_staff(item))
    recipients = [pk for pk in recipients if pk != step.actor_id]
    if not recipients:
        return 0
    values = {
        "kind": Supervision.Kind(item.kind).label,  # lazy: translated as each text is written
        "due": timezone.localtime(item.due_at).strftime("%Y-%m-%d %H:%M"),
        "text": " ".join(step.note.split())[:60] or item.subject_title,
    }
    return _tell(item, [(recipients, STEP_MESSAGES[step.action], values)], at=step.at, key=f"supervision:{step.pk}")


def _unit_staff(item: Supervision):
    return User.objects.filter(unit_id=item.unit_id, role__in=UNIT_ROLES, is_active=True).values_list("pk", flat=True)


def _tell(item: Supervision, told: list[tuple], *, at: dt.datetime, key: str) -> int:
    """One notification per recipient of each (recipient ids, message, values) in `told`, opening the item; once
    per key. The message (a msgid) is written in each recipient's language, the values as they are."""
    return notifications_send(
        told, kind=Notification.Kind.SUPERVISION, link=reverse("console:supervision", args=[item.pk]), key=key, at=at,
        order_id=item.order_id, order_number=item.order.number if item.order_id else "",
    )


# --- Overdue (超期催办) ------------------------------------------------------------------------------------------

SCAN_BATCH = 500  # items escalated per scan at most; the next scan takes the rest


def supervision_overdue_scan(*, now: dt.datetime | None = None) -> int:
    """超期催办: escalate, once each, the items still unreported (issued or acknowledged) past their deadline.

    The unit's handlers and unit admins are reminded to report, and the issuer is told which unit is late. An
    item is marked `escalated_at` by a conditional update in its own transaction with its notifications, so two
    concurrent scans never escalate it twice (the notifications' unique key "supervision-overdue:<id>" backs
    that up). Uses the (status, due_at) index; returns how many items it escalated.
    """
    now = now or timezone.now()
    waiting = (Status.ISSUED, Status.ACKNOWLEDGED)
    due = (
        Supervision.objects.filter(status__in=waiting, due_at__lt=now, escalated_at__isnull=True)
        .select_related("order", "source_report", "unit")
        .order_by("due_at")[:SCAN_BATCH]
    )
    escalated = 0
    for item in due:
        with transaction.atomic():
            marked = Supervision.objects.filter(pk=item.pk, status__in=waiting, escalated_at__isnull=True).update(
                escalated_at=now
            )
            if marked:
                _notify_overdue(item, now)
                escalated += marked
    return escalated


def _notify_overdue(item: Supervision, now: dt.datetime) -> int:
    staff = _unit_staff(item)
    issuer = User.objects.filter(pk=item.issued_by_id, is_active=True).values_list("pk", flat=True)
    values = {
        "kind": Supervision.Kind(item.kind).label,
        "unit": item.unit.name,
        "due": timezone.localtime(item.due_at).strftime("%Y-%m-%d %H:%M"),
        "text": " ".join(item.content.split())[:60],
    }
    to_unit = gettext_noop("%(kind)s已超期（时限 %(due)s），请尽快反馈：%(text)s")
    to_issuer = gettext_noop("%(kind)s超期未反馈（%(unit)s，时限 %(due)s）：%(text)s")
    told = [(staff, to_unit, values), (issuer, to_issuer, values)]
    return _tell(item, told, at=now, key=f"supervision-overdue:{item.pk}")
