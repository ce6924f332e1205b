"""The one authorization module: may this user see, or do this to, this order?

Lists, detail pages, the API and the services all ask here, so the answer is
the same everywhere (`orders_visible_to` for querysets, `can_view` for one
order, `require` before every action, `caller_view` for the caller's
personal data).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from rexian.orders.models import Assignment, WorkOrder
from rexian.orders.transitions import Action, State
from rexian.privacy import crypto
from rexian.privacy.services import personal_data_access_log
from rexian.units.models import Role

A = Action

CENTRE_ACTIONS: dict[str, frozenset[str]] = {
    # Integration accounts register for citizens (portal, Open311, partner apps) and record their ratings.
    A.REGISTER: frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.INTEGRATION}),
    A.ANSWER_ON_SPOT: frozenset({Role.OPERATOR, Role.SUPERVISOR}),
    A.SEND_TO_DISPATCH: frozenset({Role.OPERATOR, Role.SUPERVISOR}),
    # 补充登记: the roles of the queue the order waits in (narrowed by state in STATE_ROLES).
    A.AMEND: frozenset({Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR}),
    A.DISPATCH: frozenset({Role.DISPATCHER, Role.SUPERVISOR}),
    A.APPROVE_RETURN: frozenset({Role.DISPATCHER, Role.SUPERVISOR}),
    A.REJECT_RETURN: frozenset({Role.DISPATCHER, Role.SUPERVISOR}),
    A.APPROVE_EXTENSION: frozenset({Role.DISPATCHER, Role.SUPERVISOR}),
    A.REJECT_EXTENSION: frozenset({Role.DISPATCHER, Role.SUPERVISOR}),
    A.ACCEPT_REPLY: frozenset({Role.DISPATCHER, Role.SUPERVISOR}),
    A.REJECT_REPLY: frozenset({Role.DISPATCHER, Role.SUPERVISOR}),
    A.REHANDLE: frozenset({Role.DISPATCHER, Role.SUPERVISOR}),
    A.UPHOLD: frozenset({Role.DISPATCHER, Role.SUPERVISOR}),
    A.CALLBACK: frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.INTEGRATION}),
    A.CALLBACK_FAILED: frozenset({Role.OPERATOR, Role.SUPERVISOR}),
    A.MERGE: frozenset({Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR}),
    A.VOID: frozenset({Role.SUPERVISOR}),
    A.ATTACH: frozenset({Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR}),
}
# Centre actions whose roles depend on where the order waits: an order in the operators' review queue
# (registered) is completed by operators, one in the dispatch queue by dispatchers (who often correct the
# category before dispatching); supervisors run the floor and do both.
STATE_ROLES: dict[str, dict[str, frozenset[str]]] = {
    A.AMEND: {
        State.REGISTERED: frozenset({Role.OPERATOR, Role.SUPERVISOR}),
        State.PENDING_DISPATCH: frozenset({Role.DISPATCHER, Role.SUPERVISOR}),
    },
}
# Actions a unit's staff take on their own unit's part of an order.
UNIT_ACTIONS = frozenset({A.SIGN, A.RESPOND, A.REQUEST_RETURN, A.REQUEST_EXTENSION, A.REPLY, A.ATTACH})
# Of those, the ones only the lead unit (主办) may take.
LEAD_ONLY_ACTIONS = frozenset({A.REQUEST_RETURN, A.REQUEST_EXTENSION, A.RESPOND})

# Roles that see every order of the centre.
CENTRE_VIEWERS = frozenset({Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.INSPECTOR, Role.LEADER, Role.ADMIN})
# Roles that see callers' full phone numbers and ID numbers: they call citizens or handle their case.
FULL_CONTACT_ROLES = frozenset({Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR})


def unit_ids(user) -> list[int]:
    """The units a unit's staff answer for and whose orders they see: a handler their own, a unit admin its subtree."""
    if user.unit_id is None:
        return []
    if user.role == Role.UNIT_ADMIN:
        from rexian.units.models import Unit

        return list(Unit.objects.filter(path__startswith=user.unit.path).values_list("pk", flat=True))
    return [user.unit_id]


def _unit_assignments(units: list[int]) -> QuerySet:
    """A unit's parts in orders; a part withdrawn by an approved return (退单) no longer opens the order to it."""
    return Assignment.objects.filter(unit_id__in=units).exclude(status=Assignment.Status.WITHDRAWN)


def orders_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """The orders `user` may see, as a queryset (filter it further, never widen it)."""
    queryset = WorkOrder.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.role in CENTRE_VIEWERS:
        return queryset
    if user.role in (Role.UNIT_HANDLER, Role.UNIT_ADMIN):
        units = unit_ids(user)
        return queryset.filter(Exists(_unit_assignments(units).filter(order=OuterRef("pk"))))
    return queryset.none()


def can_view(user, order: WorkOrder) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.role in CENTRE_VIEWERS:
        return True
    if user.role in (Role.UNIT_HANDLER, Role.UNIT_ADMIN):
        return _unit_assignments(unit_ids(user)).filter(order=order).exists()
    return False


def acting_assignment(user, order: WorkOrder) -> Assignment | None:
    """The open assignment through which a unit's staff member acts on the order, if any."""
    if user.role not in (Role.UNIT_HANDLER, Role.UNIT_ADMIN) or user.unit_id is None:
        return None
    return (
        Assignment.objects.filter(order=order, unit_id=user.unit_id, is_open=True)
        .select_related("unit")
        .order_by("-role")  # "lead" > "assist": a unit that is both acts as the lead
        .first()
    )


def may(user, action: str, order: WorkOrder | None = None) -> bool:
    """Whether `user`'s role (and, for unit actions, unit) allows `action` on `order`."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.role in CENTRE_ACTIONS.get(action, ()):
        by_state = STATE_ROLES.get(action, {})
        if order is not None and order.state in by_state:
            return user.role in by_state[order.state]
        return True
    # A service account adds attachments (a citizen's photos) only to the orders it registered itself.
    if action == A.ATTACH and user.role == Role.INTEGRATION and order is not None:
        return order.registered_by_id == user.pk
    if action in UNIT_ACTIONS and user.role in (Role.UNIT_HANDLER, Role.UNIT_ADMIN) and order is not None:
        assignment = acting_assignment(user, order)
        if assignment is None:
            return False
        if action in LEAD_ONLY_ACTIONS and assignment.role != Assignment.Role.LEAD:
            return False
        return True
    return False


def require(user, action: str, order: WorkOrder | None = None) -> None:
    """Raise PermissionDenied, with a message for the user, unless `may(user, action, order)`."""
    if not may(user, action, order):
        label = Action(action).label
        if order is not None and not can_view(user, order):
            raise PermissionDenied(_("您无权查看该工单。"))
        raise PermissionDenied(_("您的角色无权对该工单执行「%(action)s」。") % {"action": label})


@dataclass(frozen=True)
class CallerView:
    """The caller's personal data as one viewer may see it."""

    name: str
    phone: str
    id_number: str
    hidden: bool  # identity withheld entirely (whistle-blower or confidentiality)
    masked: bool  # phone shown masked


def _withheld() -> CallerView:
    """A caller whose identity is withheld from the viewer: （保密） in the viewer's language."""
    hidden = _("（保密）")
    return CallerView(name=hidden, phone=hidden, id_number=hidden, hidden=True, masked=True)


def identity_withheld(user, order: WorkOrder) -> bool:
    """Whether `user` is kept from knowing who the order's caller is: unit staff, on a whistle-blower's (举报人)
    order or one whose caller asked for confidentiality. Then nothing that leads to the caller is shown either: not
    the name or numbers, nor the caller's other orders (关联工单), whose own pages would name them."""
    return user.role in (Role.UNIT_HANDLER, Role.UNIT_ADMIN) and order.protects_identity


def caller_view(user, order: WorkOrder, *, log: bool = True) -> CallerView:
    """What `user` may see of the order's caller; logs every read of unmasked data.

    Unit staff never see the identity of a whistle-blower (举报人) or of a
    caller who asked for confidentiality. Phone and ID numbers are shown in
    full only to the roles that contact citizens or handle the case: centre
    operators, dispatchers and supervisors, and the handler of an assigned
    unit for an ordinary order (the unit must be able to call the citizen).
    """
    if not can_view(user, order):
        raise PermissionDenied(_("您无权查看该工单。"))
    if identity_withheld(user, order):
        return _withheld()

    full_contact = user.role in FULL_CONTACT_ROLES or user.role == Role.UNIT_HANDLER
    shown_fields = ["name"] if order.caller_name else []
    if full_contact:
        view = CallerView(
            name=order.caller_name,
            phone=order.caller_phone,
            id_number=order.caller_id_number
            if user.role in FULL_CONTACT_ROLES
            else crypto.mask_id_number(order.caller_id_number),
            hidden=False,
            masked=False,
        )
        shown_fields += [f for f, v in (("phone", order.caller_phone), ("id_number", order.caller_id_number)) if v]
        if user.role not in FULL_CONTACT_ROLES and "id_number" in shown_fields:
            shown_fields.remove("id_number")
    else:
        view = CallerView(
            name=order.caller_name,
            phone=crypto.mask_phone(order.caller_phone),
            id_number=crypto.mask_id_number(order.caller_id_number),
            hidden=False,
            masked=True,
        )
    if log:
        personal_data_access_log(user=user, subject_type="order", subject_id=order.number, fields=shown_fields)
    return view


def masked_caller(user, order: WorkOrder) -> CallerView:
    """The caller as shown in lists: never unmasked, so nothing to log."""
    if identity_withheld(user, order):
        return _withheld()
    return CallerView(
        name=crypto.mask_name(order.caller_name),
        phone=crypto.mask_phone(order.caller_phone),
        id_number=crypto.mask_id_number(order.caller_id_number),
        hidden=False,
        masked=True,
    )
