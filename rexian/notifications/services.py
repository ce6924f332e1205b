"""Writes of the notifications app: notifications made from order events and the deadline scan; marking read.

Notifications are made by the services, never by the pages: `notifications_for_event`
runs when a lifecycle step commits (the `order_event` signal), `deadline_soon_scan`
every 5 minutes in the worker. Each notification has a key unique per recipient
(`Notification.key`), so announcing an event twice, or two workers scanning at
once, creates nothing new.

Who is told what (接收人):

- dispatch 派单 → new_order 新工单: the handlers and unit admins of the lead unit and of each
  assisting unit (a re-dispatch after a return tells the new unit the same way);
- rehandle 重办 → reopened 工单重办: the lead unit's staff (the order is back in their inbox), with the
  dispatcher's note (重办要求: what the unit must redo);
- approve / reject return 退单审核 → return_decided: the staff of the unit that asked (the lead);
- approve / reject extension 延期审核 → extension_decided: the lead unit's staff (only the lead asks);
- reject reply 审核退回 → reply_rejected: the lead unit's staff;
- escalate 催办 (the overdue scan) → escalated: the staff of the unit whose deadline passed (no one
  for the callback deadline, which is the centre's);
- dissatisfied callback 回访不满意 → callback_dissatisfied: whoever last dispatched the order, if
  still an active dispatcher or supervisor, else every active dispatcher: the one who chose the
  unit knows the case best, and decides on 重办;
- a deadline less than REXIAN_NOTIFY_DEADLINE_HOURS away → deadline_soon 时限临近: the staff of
  the unit the deadline runs against, once per order, unit and deadline.

"A unit's staff" are its active users with the unit handler or unit admin role; the
person who took the step is never told about it.

Each notification is written in its recipient's language (界面语言, `User.language`; empty is the
centre's default) when it is made, and stored finished: the recipients are grouped by language
(`by_language`) and the text written once per group. The order's own words (title, notes) stay
as they were entered.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from rexian.catalog.models import DeadlineKind
from rexian.notifications.models import Notification
from rexian.orders import access
from rexian.orders.models import Assignment, OrderEvent, WorkOrder
from rexian.orders.transitions import Action, State
from rexian.units.models import UNIT_ROLES, Role, User

Kind = Notification.Kind
A = Action

TEXT_LENGTH = Notification._meta.get_field("text").max_length
# Candidates one scan handles; the rest wait for the next run five minutes later.
SCAN_BATCH = 5_000
# States in which a unit's clock runs (签收, 首次响应, 办结): the deadlines a unit is told about.
UNIT_CLOCK_STATES = (State.DISPATCHED, State.IN_PROGRESS)
DISPATCHING_ROLES = (Role.DISPATCHER, Role.SUPERVISOR)


@dataclass
class _Notice:
    """One message for the staff of some units, or for some users, written in each recipient's language."""

    kind: str
    message: str  # the untranslated text (a msgid marked with gettext_noop), filled with `values`
    values: dict
    unit_ids: list[int] = field(default_factory=list)
    users: list[tuple[int, str]] = field(default_factory=list)  # (user id, language)

    def text(self) -> str:
        """The message in the active language."""
        return (_(self.message) % self.values)[:TEXT_LENGTH]


def _short(text: str, length: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _local(moment: dt.datetime | str | None) -> str:
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return timezone.localtime(moment).strftime("%m-%d %H:%M") if moment else ""


def by_language(users: Iterable[tuple[int, str]]) -> dict[str, list[int]]:
    """(user id, console language) pairs grouped by the language their notifications are written in:
    {language: [user ids]}, an empty language counting as the centre's default (settings.LANGUAGE_CODE)."""
    groups: dict[str, list[int]] = defaultdict(list)
    for user_id, language in users:
        groups[language or settings.LANGUAGE_CODE].append(user_id)
    return groups


def recipient_languages(user_ids: Iterable[int]) -> dict[int, str]:
    """The console language of each user, in one query: {user id: language}, empty for the default.

    For the other apps' notifications (supervision, reports), whose callers have chosen the recipients already;
    group them with `by_language`."""
    ids = set(user_ids)
    return dict(User.objects.filter(pk__in=ids).values_list("pk", "language")) if ids else {}


def notifications_send(told: list[tuple[Iterable[int], str, dict]], *, kind: str, link: str, key: str,
                       at: dt.datetime, order_id: int | None = None, order_number: str = "") -> int:
    """One notification per recipient of each (recipient ids, message, values) in `told`, written in the recipient's
    language (the message is a msgid, the values go in as they are: a lazy label is translated for each), once per
    recipient and `key`; for the notifications other apps make (a report, a 督办 step, a roster, a shift), about an
    order when `order_id` is given. Returns how many were made."""
    told = [(list(recipients), message, values) for recipients, message, values in told]
    languages = recipient_languages(pk for recipients, _message, _values in told for pk in recipients)
    length = Notification._meta.get_field("text").max_length
    made = []
    for recipients, message, values in told:
        for language, user_ids in by_language((pk, languages.get(pk, "")) for pk in recipients).items():
            with translation.override(language):
                text = (_(message) % values)[:length]
            made += [Notification(recipient_id=pk, kind=kind, text=text, link=link, created_at=at, key=key,
                                  order_id=order_id, order_number=order_number)
                     for pk in user_ids]
    return len(Notification.objects.bulk_create(made, ignore_conflicts=True))


def _unit_staff(unit_ids: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
    """Active handlers and unit admins of each unit, with their language: {unit id: [(user id, language)]}."""
    staff: dict[int, list[tuple[int, str]]] = defaultdict(list)
    unit_ids = {pk for pk in unit_ids if pk}
    if unit_ids:
        rows = User.objects.filter(unit_id__in=unit_ids, role__in=UNIT_ROLES, is_active=True).values_list(
            "unit_id", "pk", "language"
        )
        for unit_id, user_id, language in rows:
            staff[unit_id].append((user_id, language))
    return staff


# --- From order events ----------------------------------------------------------------------


def _dissatisfied_dispatchers(event: OrderEvent) -> list[tuple[int, str]]:
    """(user id, language) of who decides on 重办 (see the module's table)."""
    last_dispatch = (
        OrderEvent.objects.filter(order_id=event.order_id, action=A.DISPATCH).order_by("-seq").values("actor_id")[:1]
    )
    chosen = User.objects.filter(pk__in=last_dispatch, role__in=DISPATCHING_ROLES, is_active=True)
    chosen = list(chosen.values_list("pk", "language"))
    return chosen or list(User.objects.filter(role=Role.DISPATCHER, is_active=True).values_list("pk", "language"))


def _notices(event: OrderEvent) -> list[_Notice]:
    """What the event means to whom (see the module's table); the texts are written later, per language."""
    title = _short(event.order.title, 40)
    note = _short(event.note)
    unit = [event.unit_id] if event.unit_id else []
    action = event.action
    if action == A.DISPATCH:
        data = event.data or {}
        notices = [_Notice(Kind.NEW_ORDER, gettext_noop("新工单（主办）：%(title)s"), {"title": title}, [data.get("lead")])]
        if data.get("assisting"):
            message = gettext_noop("新工单（协办）：%(title)s")
            notices.append(_Notice(Kind.NEW_ORDER, message, {"title": title}, data["assisting"]))
        return notices
    if action == A.REHANDLE and unit:
        if note:  # what the dispatcher asks the unit to redo (重办要求)
            message = gettext_noop("回访不满意，工单重办，请重新办理：%(title)s。重办要求：%(note)s")
        else:
            message = gettext_noop("回访不满意，工单重办，请重新办理：%(title)s")
        return [_Notice(Kind.REOPENED, message, {"title": title, "note": note}, unit)]
    if action == A.APPROVE_RETURN:
        message = gettext_noop("退单申请已同意，工单已退回热线中心：%(title)s")
        return [_Notice(Kind.RETURN_DECIDED, message, {"title": title}, unit)]
    if action == A.REJECT_RETURN:
        return [_Notice(Kind.RETURN_DECIDED, gettext_noop("退单申请被驳回，请继续办理：%(note)s"), {"note": note}, unit)]
    if action == A.APPROVE_EXTENSION:
        message = gettext_noop("延期申请已同意，办结时限延至 %(to)s")
        return [_Notice(Kind.EXTENSION_DECIDED, message, {"to": _local((event.data or {}).get("to"))}, unit)]
    if action == A.REJECT_EXTENSION:
        message = gettext_noop("延期申请被驳回，办结时限不变：%(note)s")
        return [_Notice(Kind.EXTENSION_DECIDED, message, {"note": note}, unit)]
    if action == A.REJECT_REPLY:
        return [_Notice(Kind.REPLY_REJECTED, gettext_noop("办结回复被退回：%(note)s"), {"note": note}, unit)]
    if action == A.ESCALATE and unit:
        data = event.data or {}
        values = {"kind": _deadline_label(data.get("kind")), "deadline": _local(data.get("deadline")), "title": title}
        return [_Notice(Kind.ESCALATED, gettext_noop("%(kind)s已超期（%(deadline)s），请尽快办理：%(title)s"), values, unit)]
    if action == A.CALLBACK and event.to_state == State.REOPENED:
        message = gettext_noop("回访不满意，待决定是否重办：%(title)s")
        return [_Notice(Kind.CALLBACK_DISSATISFIED, message, {"title": title}, users=_dissatisfied_dispatchers(event))]
    return []


def _deadline_label(kind: str | None):
    """The deadline's name (签收时限, 办结时限…), translated when the text is written."""
    return DeadlineKind(kind).label if kind in DeadlineKind.values else gettext_lazy("时限")


def notifications_for_event(*, event_id: int) -> int:
    """Notify the people a committed order event concerns (see the module's table), each in their language;
    returns how many were made.

    Called by the `order_event` receiver after the step's transaction commits. Announcing
    the same event twice creates nothing new (key "event:<id>" per recipient).
    """
    event = OrderEvent.objects.select_related("order").filter(pk=event_id).first()
    if event is None:
        return 0
    notices = _notices(event)
    if not notices:
        return 0
    staff = _unit_staff(pk for notice in notices for pk in notice.unit_ids)
    now = timezone.now()
    made: dict[int, Notification] = {}
    for notice in notices:  # a user concerned twice (lead and assisting) is told by the first
        users = [*notice.users, *(user for unit_id in notice.unit_ids for user in staff.get(unit_id, []))]
        for language, user_ids in by_language(users).items():
            with translation.override(language):
                text = notice.text()
            for user_id in user_ids:
                if user_id == event.actor_id or user_id in made:
                    continue
                made[user_id] = Notification(
                    recipient_id=user_id,
                    kind=notice.kind,
                    order_id=event.order_id,
                    order_number=event.order.number,
                    text=text,
                    created_at=now,
                    key=f"event:{event.pk}",
                )
    Notification.objects.bulk_create(made.values(), ignore_conflicts=True)
    return len(made)


# --- Deadlines coming up -------------------------------------------------------------------


def deadline_soon_scan(*, now: dt.datetime | None = None) -> int:
    """时限临近: tell each unit about its deadlines less than REXIAN_NOTIFY_DEADLINE_HOURS away.

    Two indexed range queries: unsigned parts' sign deadlines (the partial index on open
    assignments' (status, sign_deadline)), and the orders' live reply or first-response
    deadline (the index on (state, due_at)) for the lead unit. Each (order, unit, deadline) is
    told once: candidates already told are skipped through the notification's order
    index, and the unique key keeps two concurrent scans from telling twice. Runs every 5
    minutes in the worker; returns how many notifications it made.
    """
    now = now or timezone.now()
    horizon = now + dt.timedelta(hours=settings.NOTIFY_DEADLINE_HOURS)
    told = Notification.objects.filter(kind=Kind.DEADLINE_SOON)
    # (order id, unit id, deadline kind, deadline, order number, title)
    due: list[tuple] = list(
        Assignment.objects.filter(
            is_open=True,
            status=Assignment.Status.DISPATCHED,
            sign_deadline__gt=now,
            sign_deadline__lte=horizon,
            order__state__in=UNIT_CLOCK_STATES,
        )
        .exclude(
            Exists(
                told.filter(
                    order_id=OuterRef("order_id"),
                    deadline=OuterRef("sign_deadline"),
                    recipient__unit_id=OuterRef("unit_id"),
                )
            )
        )
        .order_by("sign_deadline")
        .values_list("order_id", "unit_id", "sign_deadline", "order__number", "order__title")[:SCAN_BATCH]
    )
    due = [(order_id, unit_id, DeadlineKind.SIGN, at, number, title) for order_id, unit_id, at, number, title in due]
    # The sign deadline is the parts' (above); the order's live clock adds first response and reply.
    due += list(
        WorkOrder.objects.filter(
            state__in=UNIT_CLOCK_STATES, due_at__gt=now, due_at__lte=horizon, lead_unit__isnull=False
        )
        .exclude(due_kind=DeadlineKind.SIGN)
        .exclude(Exists(told.filter(order_id=OuterRef("pk"), deadline=OuterRef("due_at"))))
        .order_by("due_at")
        .values_list("pk", "lead_unit_id", "due_kind", "due_at", "number", "title")[:SCAN_BATCH]
    )
    if not due:
        return 0
    staff = _unit_staff(row[1] for row in due)
    notifications = []
    for order_id, unit_id, kind, at, number, title in due:
        values = {"kind": _deadline_label(kind), "deadline": _local(at), "title": _short(title, 40)}
        key = f"due:{order_id}:{kind}:{unit_id}:{at.astimezone(dt.timezone.utc).isoformat()}"
        for language, user_ids in by_language(staff.get(unit_id, [])).items():
            with translation.override(language):
                text = (_("%(kind)s临近（%(deadline)s）：%(title)s") % values)[:TEXT_LENGTH]
            notifications += [
                Notification(
                    recipient_id=user_id,
                    kind=Kind.DEADLINE_SOON,
                    order_id=order_id,
                    order_number=number,
                    text=text,
                    deadline=at,
                    created_at=now,
                    key=key,
                )
                for user_id in user_ids
            ]
    Notification.objects.bulk_create(notifications, ignore_conflicts=True, batch_size=1000)
    return len(notifications)


# --- Reading --------------------------------------------------------------------------------


def notification_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own unread notifications read: those in `ids`, or all of them when `ids` is None.

    Anyone signed in may call it; another user's notifications are never touched. Returns how many changed.
    """
    unread = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


@dataclass(frozen=True)
class Opened:
    """Where a followed notification leads: its order (when the user may still see it), or its link."""

    order_number: str | None = None
    link: str = ""


def notification_open(*, user, notification_id: int) -> Opened | None:
    """Follow one of the user's notifications: mark it read and say where it leads.

    Returns None when the notification is not the user's. The order number is None when the
    notification has no order or the user may no longer see it (a unit whose return was approved, 退单).
    """
    notification = Notification.objects.filter(pk=notification_id, recipient_id=user.pk).first()
    if notification is None:
        return None
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    if notification.order_id is None:
        return Opened(link=notification.link)
    visible = access.orders_visible_to(user, WorkOrder.objects.filter(pk=notification.order_id))
    return Opened(order_number=notification.order_number if visible.exists() else None, link=notification.link)
