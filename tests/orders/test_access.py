"""The one authorization module (rexian.orders.access) and the selectors that use it.

The issue's requirement: a unit handler cannot see another unit's order nor a
whistle-blower's phone, in lists or detail.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from rexian.orders import access, selectors, services
from rexian.orders.models import WorkOrder
from rexian.orders.transitions import Action, State
from rexian.privacy.models import PersonalDataAccess
from rexian.units.models import Role
from tests import factories as f
from tests.conftest import register

HIDDEN = "（保密）"  # what a withheld caller reads as, in the default language

PHONE = "13812348000"
MASKED_PHONE = "138****8000"
ID_NUMBER = "32128319800101123X"


def dispatched_to(cast, lead, assisting=(), **overrides) -> WorkOrder:
    """An order registered by the operator and dispatched to `lead` (and `assisting`)."""
    order = register(cast, **overrides)
    services.order_send_to_dispatch(actor=cast.operator, order=order)
    services.order_dispatch(actor=cast.dispatcher, order=order, lead_unit=lead, assisting_units=assisting)
    order.refresh_from_db()
    return order


def numbers(rows) -> set[str]:
    return {row.order.number for row in rows}


def logged(user) -> list[str]:
    return list(PersonalDataAccess.objects.filter(user=user).values_list("fields", flat=True))


@pytest.fixture
def housing_order(cast):
    return dispatched_to(cast, cast.housing)


@pytest.fixture
def urban_order(cast):
    return dispatched_to(cast, cast.urban, title="工地夜间施工噪声扰民", category=cast.noise)


@pytest.fixture
def whistleblower_order(cast):
    return dispatched_to(cast, cast.housing, appeal_type=f.appeal_type("report"), title="举报物业公司挪用维修基金")


@pytest.fixture
def confidential_order(cast):
    return dispatched_to(cast, cast.housing, confidential=True)


@pytest.fixture
def town_admin(cast):
    return f.UserFactory(username="town_admin", role=Role.UNIT_ADMIN, unit=cast.town)


@pytest.fixture
def town_handler(cast):
    return f.UserFactory(username="town_handler", role=Role.UNIT_HANDLER, unit=cast.town)


# --- Which orders a user sees --------------------------------------------------------------


def test_unit_handler_sees_own_units_order(cast, housing_order):
    assert access.can_view(cast.housing_handler, housing_order)
    assert list(access.orders_visible_to(cast.housing_handler)) == [housing_order]


def test_unit_handler_cannot_see_another_units_order(cast, housing_order, urban_order):
    assert not access.can_view(cast.urban_handler, housing_order)
    assert housing_order not in access.orders_visible_to(cast.urban_handler)


def test_unit_handler_sees_order_where_unit_assists(cast):
    order = dispatched_to(cast, cast.housing, assisting=[cast.urban])
    assert access.can_view(cast.urban_handler, order)
    assert order in access.orders_visible_to(cast.urban_handler)


def test_unit_handler_does_not_see_an_undispatched_order(cast):
    order = register(cast)
    assert not access.can_view(cast.housing_handler, order)
    assert not access.orders_visible_to(cast.housing_handler).exists()


def test_unit_handler_still_sees_order_after_it_is_done(cast, make_order):
    order = make_order(State.CLOSED)
    assert access.can_view(cast.housing_handler, order)


def test_unit_admin_sees_orders_of_units_below(cast, town_admin):
    order = dispatched_to(cast, cast.community)
    assert access.can_view(town_admin, order)
    assert list(access.orders_visible_to(town_admin)) == [order]


def test_unit_admin_does_not_see_other_branches(cast, town_admin, housing_order):
    assert not access.can_view(town_admin, housing_order)
    assert not access.orders_visible_to(town_admin).exists()


def test_unit_handler_of_a_town_does_not_see_its_communities_orders(cast, town_handler):
    order = dispatched_to(cast, cast.community)
    assert not access.can_view(town_handler, order)
    assert not access.orders_visible_to(town_handler).exists()


def test_community_handler_does_not_see_the_towns_orders(cast):
    order = dispatched_to(cast, cast.town)
    assert not access.can_view(cast.community_handler, order)


@pytest.mark.parametrize("role", ["operator", "dispatcher", "supervisor", "inspector", "leader", "admin"])
def test_centre_staff_see_every_order(cast, housing_order, urban_order, role):
    user = getattr(cast, role)
    assert access.can_view(user, housing_order)
    assert set(access.orders_visible_to(user)) == {housing_order, urban_order}


def test_inactive_user_sees_nothing(cast, housing_order):
    cast.housing_handler.is_active = False
    cast.supervisor.is_active = False
    for user in (cast.housing_handler, cast.supervisor):
        assert not access.can_view(user, housing_order)
        assert not access.orders_visible_to(user).exists()
        assert not access.may(user, Action.VOID, housing_order)
        assert selectors.order_list(user=user) == []


def test_anonymous_user_sees_nothing(housing_order):
    anonymous = AnonymousUser()
    assert not access.can_view(anonymous, housing_order)
    assert not access.orders_visible_to(anonymous).exists()
    assert not access.may(anonymous, Action.REGISTER)


def test_orders_visible_to_only_narrows_the_given_queryset(cast, housing_order, urban_order):
    queryset = WorkOrder.objects.filter(pk=urban_order.pk)
    assert not access.orders_visible_to(cast.housing_handler, queryset).exists()


# --- Lists and detail through the selectors -----------------------------------------------------


def test_order_list_shows_a_unit_handler_only_own_units_orders(cast, housing_order, urban_order):
    assert numbers(selectors.order_list(user=cast.housing_handler)) == {housing_order.number}
    assert numbers(selectors.order_list(user=cast.urban_handler)) == {urban_order.number}


def test_order_detail_of_another_units_order_is_denied(cast, housing_order):
    with pytest.raises(PermissionDenied):
        selectors.order_detail(user=cast.urban_handler, number=housing_order.number)


def test_order_detail_of_unknown_number_is_does_not_exist(cast):
    with pytest.raises(WorkOrder.DoesNotExist):
        selectors.order_detail(user=cast.operator, number="20000101-999999")


def test_unit_inbox_holds_only_own_units_orders(cast, housing_order, urban_order):
    assert numbers(selectors.unit_inbox(user=cast.urban_handler)) == {urban_order.number}


def test_caller_history_hides_another_units_orders(cast, housing_order, urban_order):
    assert numbers(selectors.caller_history(user=cast.urban_handler, phone=PHONE)) == {urban_order.number}
    assert numbers(selectors.caller_history(user=cast.operator, phone=PHONE)) == {
        housing_order.number, urban_order.number,
    }


def test_denied_detail_logs_no_personal_data_access(cast, housing_order):
    with pytest.raises(PermissionDenied):
        selectors.order_detail(user=cast.urban_handler, number=housing_order.number)
    assert logged(cast.urban_handler) == []


# --- Whistle-blowers (举报人) and confidential callers ---------------------------------------------


def test_unit_handler_cannot_see_whistleblower_in_detail(cast, whistleblower_order):
    caller = selectors.order_detail(user=cast.housing_handler, number=whistleblower_order.number).caller
    assert (caller.name, caller.phone, caller.id_number) == (HIDDEN, HIDDEN, HIDDEN)
    assert caller.hidden


def test_unit_handler_cannot_see_whistleblower_phone_in_lists(cast, whistleblower_order):
    for rows in (
        selectors.order_list(user=cast.housing_handler),
        selectors.unit_inbox(user=cast.housing_handler),
    ):
        [row] = rows
        assert (row.caller.name, row.caller.phone, row.caller.id_number) == (HIDDEN, HIDDEN, HIDDEN)


def test_a_units_caller_history_search_does_not_confirm_a_whistleblowers_phone(cast, whistleblower_order):
    assert selectors.caller_history(user=cast.housing_handler, phone=PHONE) == []
    assert [row.order for row in selectors.caller_history(user=cast.operator, phone=PHONE)] == [whistleblower_order]


def test_whistleblower_phone_appears_nowhere_in_a_units_detail(cast, whistleblower_order):
    detail = selectors.order_detail(user=cast.housing_handler, number=whistleblower_order.number)
    assert PHONE not in repr(detail.caller)
    assert "8000" not in detail.caller.phone


def test_unit_admin_cannot_see_whistleblower(cast, whistleblower_order):
    caller = access.caller_view(cast.housing_admin, whistleblower_order)
    assert caller.hidden and caller.phone == HIDDEN


def test_assisting_unit_cannot_see_whistleblower(cast):
    order = dispatched_to(cast, cast.housing, assisting=[cast.urban], appeal_type=f.appeal_type("report"))
    assert access.caller_view(cast.urban_handler, order).phone == HIDDEN


def test_unit_handler_cannot_see_confidential_caller(cast, confidential_order):
    caller = selectors.order_detail(user=cast.housing_handler, number=confidential_order.number).caller
    assert (caller.name, caller.phone, caller.id_number) == (HIDDEN, HIDDEN, HIDDEN)
    [row] = selectors.order_list(user=cast.housing_handler)
    assert row.caller.phone == HIDDEN


@pytest.mark.parametrize("role", ["operator", "dispatcher", "supervisor"])
def test_centre_staff_who_contact_citizens_see_whistleblower(cast, whistleblower_order, role):
    caller = selectors.order_detail(user=getattr(cast, role), number=whistleblower_order.number).caller
    assert (caller.name, caller.phone, caller.id_number) == ("张三", PHONE, ID_NUMBER)
    assert not caller.hidden and not caller.masked


@pytest.mark.parametrize("role", ["leader", "inspector", "admin"])
def test_other_centre_staff_see_whistleblower_phone_masked(cast, whistleblower_order, role):
    caller = selectors.order_detail(user=getattr(cast, role), number=whistleblower_order.number).caller
    assert caller.phone == MASKED_PHONE
    assert caller.id_number == "3212**********123X"
    assert caller.masked and not caller.hidden


def test_whistleblower_view_of_a_unit_is_not_logged(cast, whistleblower_order):
    selectors.order_detail(user=cast.housing_handler, number=whistleblower_order.number)
    assert logged(cast.housing_handler) == []


# --- Ordinary callers --------------------------------------------------------------------------------


def test_unit_handler_sees_an_ordinary_callers_phone_to_contact_them(cast, housing_order):
    caller = selectors.order_detail(user=cast.housing_handler, number=housing_order.number).caller
    assert (caller.name, caller.phone) == ("张三", PHONE)
    assert not caller.masked


def test_unit_handler_sees_an_ordinary_callers_id_number_masked(cast, housing_order):
    caller = access.caller_view(cast.housing_handler, housing_order)
    assert caller.id_number == "3212**********123X"


def test_unit_admin_sees_an_ordinary_callers_phone_masked(cast, housing_order):
    caller = access.caller_view(cast.housing_admin, housing_order)
    assert caller.phone == MASKED_PHONE and caller.masked


@pytest.mark.parametrize("role", ["leader", "inspector", "admin"])
def test_leader_inspector_and_admin_see_phone_masked(cast, housing_order, role):
    caller = access.caller_view(getattr(cast, role), housing_order)
    assert caller.phone == MASKED_PHONE
    assert caller.masked


@pytest.mark.parametrize("role", ["operator", "dispatcher", "supervisor"])
def test_operator_dispatcher_supervisor_see_phone_and_id_in_full(cast, housing_order, role):
    caller = access.caller_view(getattr(cast, role), housing_order)
    assert (caller.phone, caller.id_number) == (PHONE, ID_NUMBER)


def test_caller_view_of_an_invisible_order_is_denied(cast, housing_order):
    with pytest.raises(PermissionDenied):
        access.caller_view(cast.urban_handler, housing_order)


@pytest.mark.parametrize("role", ["operator", "supervisor", "leader", "housing_handler"])
def test_lists_always_mask_the_caller(cast, housing_order, role):
    [row] = selectors.order_list(user=getattr(cast, role))
    assert (row.caller.name, row.caller.phone, row.caller.id_number) == ("张*", MASKED_PHONE, "3212**********123X")
    assert row.caller.masked


def test_masked_caller_for_centre_staff_does_not_hide_a_whistleblower(cast, whistleblower_order):
    caller = access.masked_caller(cast.operator, whistleblower_order)
    assert caller.phone == MASKED_PHONE and not caller.hidden


# --- The personal-data access log (个人信息查看记录) ---------------------------------------------------


def test_unmasked_detail_read_is_logged(cast, housing_order):
    selectors.order_detail(user=cast.dispatcher, number=housing_order.number)
    record = PersonalDataAccess.objects.get(user=cast.dispatcher)
    assert (record.subject_type, record.subject_id) == ("order", housing_order.number)
    assert record.fields == "id_number,name,phone"


def test_unit_handlers_read_logs_name_and_phone_but_not_the_masked_id(cast, housing_order):
    selectors.order_detail(user=cast.housing_handler, number=housing_order.number)
    assert logged(cast.housing_handler) == ["name,phone"]


def test_masked_phone_is_not_logged_as_read(cast, housing_order):
    access.caller_view(cast.leader, housing_order)
    assert logged(cast.leader) == ["name"]


def test_list_views_are_not_logged(cast, housing_order):
    selectors.order_list(user=cast.operator)
    selectors.unit_inbox(user=cast.housing_handler)
    selectors.caller_history(user=cast.dispatcher, phone=PHONE)
    assert not PersonalDataAccess.objects.exists()


def test_caller_view_can_skip_the_log(cast, housing_order):
    access.caller_view(cast.operator, housing_order, log=False)
    assert not PersonalDataAccess.objects.exists()


def test_every_unmasked_read_is_a_new_log_row(cast, housing_order):
    selectors.order_detail(user=cast.operator, number=housing_order.number)
    selectors.order_detail(user=cast.operator, number=housing_order.number)
    assert PersonalDataAccess.objects.filter(user=cast.operator).count() == 2


# --- What each role may do ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, allowed",
    [
        ("supervisor", True),
        ("operator", False),
        ("dispatcher", False),
        ("inspector", False),
        ("leader", False),
        ("admin", False),
        ("housing_handler", False),
        ("housing_admin", False),
    ],
)
def test_only_supervisor_may_void(cast, housing_order, role, allowed):
    assert access.may(getattr(cast, role), Action.VOID, housing_order) is allowed


@pytest.mark.parametrize(
    "role, allowed",
    [("operator", True), ("supervisor", True), ("dispatcher", False), ("leader", False), ("housing_handler", False)],
)
def test_who_may_register(cast, role, allowed):
    assert access.may(getattr(cast, role), Action.REGISTER) is allowed


@pytest.mark.parametrize(
    "role, allowed",
    [("dispatcher", True), ("supervisor", True), ("operator", False), ("inspector", False), ("housing_handler", False)],
)
def test_who_may_dispatch(cast, housing_order, role, allowed):
    assert access.may(getattr(cast, role), Action.DISPATCH, housing_order) is allowed


@pytest.mark.parametrize(
    "action",
    [Action.APPROVE_RETURN, Action.REJECT_RETURN, Action.APPROVE_EXTENSION, Action.REJECT_EXTENSION,
     Action.ACCEPT_REPLY, Action.REJECT_REPLY, Action.REHANDLE],
)
def test_reviews_belong_to_dispatchers_not_operators(cast, housing_order, action):
    assert access.may(cast.dispatcher, action, housing_order)
    assert not access.may(cast.operator, action, housing_order)


@pytest.mark.parametrize("action", [Action.CALLBACK, Action.CALLBACK_FAILED])
def test_callbacks_belong_to_operators_not_dispatchers(cast, housing_order, action):
    assert access.may(cast.operator, action, housing_order)
    assert not access.may(cast.dispatcher, action, housing_order)


@pytest.mark.parametrize("role", ["inspector", "leader", "admin"])
def test_viewing_roles_may_take_no_action(cast, housing_order, role):
    user = getattr(cast, role)
    assert not [action for action in Action if access.may(user, action, housing_order)]


@pytest.mark.parametrize("action", [Action.SIGN, Action.RESPOND, Action.REQUEST_RETURN, Action.REQUEST_EXTENSION,
                                    Action.REPLY, Action.ATTACH])
def test_lead_units_handler_may_take_unit_actions(cast, housing_order, action):
    assert access.may(cast.housing_handler, action, housing_order)


@pytest.mark.parametrize("action", [Action.SIGN, Action.REPLY, Action.ATTACH])
def test_other_units_handler_may_not_act_on_the_order(cast, housing_order, action):
    assert not access.may(cast.urban_handler, action, housing_order)


@pytest.mark.parametrize("action", [Action.SIGN, Action.REPLY, Action.ATTACH])
def test_assisting_unit_may_sign_and_reply(cast, action):
    order = dispatched_to(cast, cast.housing, assisting=[cast.urban])
    assert access.may(cast.urban_handler, action, order)


@pytest.mark.parametrize("action", [Action.REQUEST_RETURN, Action.REQUEST_EXTENSION, Action.RESPOND])
def test_only_the_lead_unit_may_request_return_or_extension_or_respond(cast, action):
    order = dispatched_to(cast, cast.housing, assisting=[cast.urban])
    assert not access.may(cast.urban_handler, action, order)


def test_unit_handler_may_not_act_without_an_order(cast):
    assert not access.may(cast.housing_handler, Action.SIGN)


def test_unit_may_no_longer_act_once_its_assignment_is_closed(cast, make_order):
    order = make_order(State.AWAITING_CALLBACK)
    assert not access.may(cast.housing_handler, Action.REPLY, order)
    assert access.can_view(cast.housing_handler, order)


@pytest.mark.parametrize(
    "action", [Action.REGISTER, Action.DISPATCH, Action.ACCEPT_REPLY, Action.CALLBACK, Action.VOID, Action.MERGE]
)
def test_unit_staff_may_not_take_centre_actions(cast, housing_order, action):
    assert not access.may(cast.housing_handler, action, housing_order)
    assert not access.may(cast.housing_admin, action, housing_order)


def test_require_on_another_units_order_says_it_cannot_be_seen(cast, housing_order):
    with pytest.raises(PermissionDenied, match="无权查看"):
        access.require(cast.urban_handler, Action.SIGN, housing_order)


def test_require_names_the_refused_action(cast, housing_order):
    with pytest.raises(PermissionDenied, match="作废"):
        access.require(cast.dispatcher, Action.VOID, housing_order)


def test_require_passes_silently_when_allowed(cast, housing_order):
    access.require(cast.supervisor, Action.VOID, housing_order)


def test_dispatcher_may_not_register_through_the_service(cast):
    with pytest.raises(PermissionDenied):
        register(cast, actor=cast.dispatcher)
    assert not WorkOrder.objects.exists()


def test_other_units_handler_cannot_sign_through_the_service(cast, housing_order):
    with pytest.raises(PermissionDenied):
        services.order_sign(actor=cast.urban_handler, order=housing_order)


def test_detail_offers_only_the_actions_the_user_may_take(cast, housing_order):
    detail = selectors.order_detail(user=cast.housing_handler, number=housing_order.number)
    assert Action.SIGN in detail.allowed_actions
    assert Action.VOID not in detail.allowed_actions
    assert Action.DISPATCH not in detail.allowed_actions


def test_detail_offers_a_leader_no_actions(cast, housing_order):
    assert selectors.order_detail(user=cast.leader, number=housing_order.number).allowed_actions == []


def test_an_integration_account_may_attach_only_to_orders_it_registered(cast):
    from rexian.orders import access
    from rexian.orders.transitions import Action
    from rexian.units.models import Role
    from tests.conftest import register

    portal = f.UserFactory(username="portal", role=Role.INTEGRATION)
    own = register(cast, actor=portal)
    other = register(cast)
    assert access.may(portal, Action.ATTACH, own)
    assert not access.may(portal, Action.ATTACH, other)
    assert not access.can_view(portal, own)
