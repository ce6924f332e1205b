"""The console's work queues: the dispatch queue with filters, requests awaiting review, the unit inbox with
filters, the registrations awaiting review and the callback queue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from rexian.catalog.selectors import dispatch_suggestion, dispatch_suggestions
from rexian.orders import selectors, services
from rexian.orders.models import Assignment, WorkOrder
from rexian.orders.transitions import State
from rexian.units.models import Role
from tests import factories as f
from tests.conftest import advance, register

T0 = dt.datetime(2025, 11, 3, 9, 0, tzinfo=dt.timezone.utc)


def numbers(page) -> list[str]:
    return [row.order.number for row in page.rows]


def set_fields(order, **fields):
    WorkOrder.objects.filter(pk=order.pk).update(**fields)


def pending(cast, **overrides):
    order = register(cast, **overrides)
    return advance(cast, order, State.PENDING_DISPATCH)


def dispatched_to(cast, lead, assisting=(), **overrides) -> WorkOrder:
    order = pending(cast, **overrides)
    services.order_dispatch(actor=cast.dispatcher, order=order, lead_unit=lead, assisting_units=assisting)
    order.refresh_from_db()
    return order


# --- dispatch_queue_filtered ---------------------------------------------------------------------------------------


def test_dispatch_queue_is_oldest_first(cast):
    newer, older = pending(cast), pending(cast)
    set_fields(newer, registered_at=T0 + dt.timedelta(minutes=5))
    set_fields(older, registered_at=T0)
    assert numbers(selectors.dispatch_queue_filtered(user=cast.dispatcher)) == [older.number, newer.number]


def test_dispatch_queue_puts_the_most_urgent_first_then_the_oldest(cast):
    old, urgent, critical, newer_critical = (
        pending(cast), pending(cast, urgency=f.urgency("urgent")), pending(cast, urgency=f.urgency("critical")),
        pending(cast, urgency=f.urgency("critical")),
    )
    for minutes, order in enumerate((old, urgent, critical, newer_critical)):
        set_fields(order, registered_at=T0 + dt.timedelta(minutes=minutes))
    expected = [critical.number, newer_critical.number, urgent.number, old.number]
    assert numbers(selectors.dispatch_queue_filtered(user=cast.dispatcher)) == expected
    assert [row.order.number for row in selectors.dispatch_queue(user=cast.dispatcher)] == expected


def test_dispatch_queue_holds_only_orders_waiting_for_dispatch(cast, make_order):
    waiting = pending(cast)
    make_order(State.REGISTERED)
    make_order(State.DISPATCHED)
    assert numbers(selectors.dispatch_queue_filtered(user=cast.supervisor)) == [waiting.number]


@pytest.mark.parametrize("role", ["operator", "inspector", "leader", "admin", "housing_handler"])
def test_dispatch_queue_is_refused_to_other_roles(cast, role):
    with pytest.raises(PermissionDenied):
        selectors.dispatch_queue_filtered(user=getattr(cast, role))


def test_dispatch_queue_filters_by_channel(cast):
    portal = pending(cast, channel=f.channel("portal"))
    pending(cast)
    page = selectors.dispatch_queue_filtered(user=cast.dispatcher, channel=f.channel("portal"))
    assert numbers(page) == [portal.number]


def test_dispatch_queue_filters_by_appeal_type(cast):
    help_ = pending(cast, appeal_type=f.appeal_type("help"))
    pending(cast)
    page = selectors.dispatch_queue_filtered(user=cast.dispatcher, appeal_type=f.appeal_type("help"))
    assert numbers(page) == [help_.number]


def test_dispatch_queue_filters_by_urgency(cast):
    urgent = pending(cast, urgency=f.urgency("urgent"))
    pending(cast)
    page = selectors.dispatch_queue_filtered(user=cast.dispatcher, urgency=f.urgency("urgent"))
    assert numbers(page) == [urgent.number]


def test_a_level_one_category_takes_in_its_leaves(cast):
    property_order = pending(cast)
    pending(cast, category=cast.noise)
    top = cast.property_service.parent.parent
    assert numbers(selectors.dispatch_queue_filtered(user=cast.dispatcher, category=top)) == [property_order.number]


def test_a_leaf_category_matches_itself(cast):
    pending(cast)
    noise = pending(cast, category=cast.noise)
    assert numbers(selectors.dispatch_queue_filtered(user=cast.dispatcher, category=cast.noise)) == [noise.number]


def test_a_town_takes_in_its_communities(cast):
    in_community = pending(cast, area=cast.community)
    pending(cast, area=cast.housing)
    assert numbers(selectors.dispatch_queue_filtered(user=cast.dispatcher, area=cast.town)) == [in_community.number]


def test_dispatch_queue_filters_by_registration_dates_inclusive(cast):
    tz = timezone.get_current_timezone()
    day = dt.date(2025, 11, 3)
    before, first, last, after = (pending(cast) for _ in range(4))
    set_fields(before, registered_at=dt.datetime(2025, 11, 2, 23, 59, tzinfo=tz))
    set_fields(first, registered_at=dt.datetime(2025, 11, 3, 0, 0, tzinfo=tz))
    set_fields(last, registered_at=dt.datetime(2025, 11, 4, 23, 59, tzinfo=tz))
    set_fields(after, registered_at=dt.datetime(2025, 11, 5, 0, 0, tzinfo=tz))
    page = selectors.dispatch_queue_filtered(
        user=cast.dispatcher, registered_from=day, registered_to=day + dt.timedelta(days=1)
    )
    assert numbers(page) == [first.number, last.number]


def test_dispatch_queue_searches_titles(cast):
    lift = pending(cast, title="小区电梯故障")
    pending(cast, title="道路积水")
    assert numbers(selectors.dispatch_queue_filtered(user=cast.dispatcher, keyword="电梯")) == [lift.number]


def test_dispatch_queue_is_paginated_with_a_next_flag(cast):
    orders = [pending(cast) for _ in range(3)]
    for minutes, order in enumerate(orders):
        set_fields(order, registered_at=T0 + dt.timedelta(minutes=minutes))
    first = selectors.dispatch_queue_filtered(user=cast.dispatcher, page_size=2)
    second = selectors.dispatch_queue_filtered(user=cast.dispatcher, page=2, page_size=2)
    assert (numbers(first), first.has_next) == ([orders[0].number, orders[1].number], True)
    assert (numbers(second), second.has_next) == ([orders[2].number], False)


def test_each_row_carries_the_catalogue_suggestion(cast):
    property_order = pending(cast)
    noise_order = pending(cast, category=cast.noise)
    rows = {row.order.pk: row for row in selectors.dispatch_queue_filtered(user=cast.dispatcher).rows}
    assert rows[property_order.pk].suggestion.lead_unit == cast.housing
    assert rows[property_order.pk].suggestion.assisting_units == [cast.town]
    assert rows[noise_order.pk].suggestion.lead_unit == cast.urban


def test_a_row_without_a_category_has_no_suggestion(cast):
    # Sent to dispatch before 转派遣 required a category (or re-handled after an on-the-spot answer without one).
    set_fields(pending(cast), category=None)
    [row] = selectors.dispatch_queue_filtered(user=cast.dispatcher).rows
    assert row.suggestion is None


def test_dispatch_queue_masks_the_caller(cast):
    pending(cast)
    [row] = selectors.dispatch_queue_filtered(user=cast.dispatcher).rows
    assert row.caller.phone == "138****8000"


def test_a_page_of_fifty_costs_a_fixed_number_of_queries(cast, django_assert_max_num_queries):
    extra = f.CategoryFactory(code="020102", name="夜间施工", parent=cast.noise.parent)
    f.dispatch_rule(extra, cast.urban, [cast.housing], area=cast.town)
    for i in range(50):
        category = (cast.property_service, cast.noise, extra)[i % 3]
        pending(cast, category=category, area=(cast.community, None)[i % 2])
    with django_assert_max_num_queries(4):
        page = selectors.dispatch_queue_filtered(user=cast.dispatcher)
    assert len(page.rows) == 50


# --- dispatch_suggestions: the catalogue's answers for a page at once -----------------------------------------------


def test_the_bulk_suggestions_agree_with_the_single_lookup(cast):
    f.dispatch_rule(cast.property_service, cast.community, area=cast.town)
    f.dispatch_rule(cast.noise.parent, cast.housing)
    uncatalogued = f.CategoryFactory(code="03", name="其他")
    pairs = [
        (cast.property_service, None),
        (cast.property_service, cast.community),  # the town's own entry wins over the city-wide one
        (cast.property_service, cast.housing),
        (cast.noise, cast.community),
        (uncatalogued, None),
        (None, cast.community),
    ]
    answers = dispatch_suggestions(pairs=pairs)
    for category, area in pairs:
        single = dispatch_suggestion(category=category, area=area)
        bulk = answers[(category.pk if category else None, area.pk if area else None)]
        assert (bulk and (bulk.lead_unit, bulk.assisting_units)) == (
            single and (single.lead_unit, single.assisting_units)
        )
    assert answers[(cast.property_service.pk, cast.community.pk)].lead_unit == cast.community


# --- review_requests ------------------------------------------------------------------------------------------------


def return_requested(cast):
    order = dispatched_to(cast, cast.housing)
    services.return_request(actor=cast.housing_handler, order=order, reason="不属于本单位职责。")
    order.refresh_from_db()
    return order


def extension_requested(cast, make_order):
    order = make_order(State.IN_PROGRESS)
    services.extension_request(
        actor=cast.housing_handler, order=order, new_deadline=order.reply_deadline + dt.timedelta(days=5),
        reason="需协调多个部门。",
    )
    order.refresh_from_db()
    return order


def reopened(cast, make_order):
    order = make_order(State.AWAITING_CALLBACK)
    services.callback_record(
        actor=cast.operator, order=order, satisfaction="dissatisfied", solved=False, responded_in_time=True,
        note="电梯仍未修好。",
    )
    order.refresh_from_db()
    return order


def test_returns_come_with_the_pending_request(cast):
    order = return_requested(cast)
    page = selectors.review_requests(user=cast.dispatcher, kind="return")
    [row] = page.rows
    assert row.order == order
    assert (row.request.unit, row.request.reason) == (cast.housing, "不属于本单位职责。")


def test_extensions_come_with_the_requested_deadline(cast, make_order):
    order = extension_requested(cast, make_order)
    [row] = selectors.review_requests(user=cast.dispatcher, kind="extension").rows
    assert row.order == order
    assert row.request.requested_deadline == order.reply_deadline + dt.timedelta(days=5)


def test_replies_come_with_the_units_result(cast, make_order):
    make_order(State.REPLIED)
    [row] = selectors.review_requests(user=cast.dispatcher, kind="reply").rows
    assert [(part.unit, part.result) for part in row.replies] == [(cast.housing, "已督促物业修复电梯。")]


def test_the_lead_units_reply_comes_first(cast, make_order):
    order = dispatched_to(cast, cast.housing, assisting=[cast.urban])
    services.order_sign(actor=cast.urban_handler, order=order)
    services.order_reply(actor=cast.urban_handler, order=order, result="已配合检查。")
    services.order_sign(actor=cast.housing_handler, order=order)
    services.order_reply(actor=cast.housing_handler, order=order, result="已修复。")
    [row] = selectors.review_requests(user=cast.dispatcher, kind="reply").rows
    assert [part.unit for part in row.replies] == [cast.housing, cast.urban]


def test_reopened_orders_come_with_the_dissatisfied_callback(cast, make_order):
    order = reopened(cast, make_order)
    [row] = selectors.review_requests(user=cast.dispatcher, kind="reopened").rows
    assert row.order == order
    assert row.callback.note == "电梯仍未修好。"


def test_review_counts_every_kind(cast, make_order):
    return_requested(cast)
    extension_requested(cast, make_order)
    make_order(State.REPLIED)
    make_order(State.REPLIED)
    page = selectors.review_requests(user=cast.dispatcher)
    assert page.counts == {"return": 1, "extension": 1, "reply": 2, "reopened": 0}


def test_review_opens_the_first_kind_with_something_waiting(cast, make_order):
    make_order(State.REPLIED)
    assert selectors.review_requests(user=cast.dispatcher).kind == "reply"


def test_review_opens_returns_when_nothing_waits(cast):
    page = selectors.review_requests(user=cast.supervisor)
    assert (page.kind, page.rows) == ("return", [])


def test_a_decided_extension_leaves_the_review(cast, make_order):
    order = extension_requested(cast, make_order)
    services.extension_reject(actor=cast.dispatcher, order=order, reason="理由不充分。")
    assert selectors.review_requests(user=cast.dispatcher, kind="extension").rows == []


@pytest.mark.parametrize("role", ["operator", "leader", "housing_handler"])
def test_review_is_refused_to_other_roles(cast, role):
    with pytest.raises(PermissionDenied):
        selectors.review_requests(user=getattr(cast, role))


def test_a_review_page_of_fifty_costs_a_fixed_number_of_queries(cast, make_order, django_assert_max_num_queries):
    for _ in range(50):
        make_order(State.REPLIED)
    with django_assert_max_num_queries(6):
        page = selectors.review_requests(user=cast.dispatcher, kind="reply")
    assert len(page.rows) == 50


# --- unit_inbox_filtered --------------------------------------------------------------------------------------------


def test_inbox_holds_the_units_parts_and_never_another_units(cast):
    mine = dispatched_to(cast, cast.housing)
    dispatched_to(cast, cast.urban)
    assert numbers(selectors.unit_inbox_filtered(user=cast.housing_handler)) == [mine.number]


def test_inbox_shows_the_part_as_lead_or_assisting(cast):
    dispatched_to(cast, cast.housing, assisting=[cast.urban])
    [lead] = selectors.unit_inbox_filtered(user=cast.housing_handler).rows
    [assist] = selectors.unit_inbox_filtered(user=cast.urban_handler).rows
    assert (lead.is_lead, assist.is_lead) == (True, False)


def test_inbox_filters_parts_to_sign_and_in_work(cast):
    to_sign = dispatched_to(cast, cast.housing)
    signed = dispatched_to(cast, cast.housing)
    services.order_sign(actor=cast.housing_handler, order=signed)
    handler = cast.housing_handler
    assert numbers(selectors.unit_inbox_filtered(user=handler, status="dispatched")) == [to_sign.number]
    assert numbers(selectors.unit_inbox_filtered(user=handler, status="signed")) == [signed.number]


def test_inbox_filters_by_deadline_colour(cast):
    now = timezone.now()
    green, yellow, red = (dispatched_to(cast, cast.housing) for _ in range(3))
    hour = dt.timedelta(hours=1)
    set_fields(green, is_overdue=False, due_from=now - hour, due_warn_at=now + 5 * hour, due_at=now + 6 * hour)
    set_fields(yellow, is_overdue=False, due_from=now - 9 * hour, due_warn_at=now - hour, due_at=now + hour)
    set_fields(red, is_overdue=True, due_from=now - 9 * hour, due_warn_at=now - 3 * hour, due_at=now - hour)
    handler = cast.housing_handler
    assert numbers(selectors.unit_inbox_filtered(user=handler, deadline="near", now=now)) == [yellow.number]
    assert numbers(selectors.unit_inbox_filtered(user=handler, deadline="overdue", now=now)) == [red.number]


def test_inbox_counts_every_filter(cast):
    now = timezone.now()
    dispatched_to(cast, cast.housing)
    signed = dispatched_to(cast, cast.housing)
    services.order_sign(actor=cast.housing_handler, order=signed)
    set_fields(signed, is_overdue=True)
    dispatched_to(cast, cast.urban)
    page = selectors.unit_inbox_filtered(user=cast.housing_handler, now=now)
    assert page.counts == {"all": 2, "dispatched": 1, "signed": 1, "replied": 0, "near": 0, "overdue": 1}


@pytest.fixture
def parts_in_every_status(cast):
    """The housing bureau's parts: one to sign, one in work, and two replied awaiting the centre's review: the
    lead unit's reply (the order waits in 已回复) and its reply as an assisting unit (the lead still works)."""
    handler = cast.housing_handler
    dispatched_to(cast, cast.housing)
    services.order_sign(actor=handler, order=dispatched_to(cast, cast.housing))
    led = dispatched_to(cast, cast.housing)
    services.order_sign(actor=handler, order=led)
    services.order_reply(actor=handler, order=led, result="已督促物业修复电梯。")
    assisted = dispatched_to(cast, cast.urban, assisting=[cast.housing])
    services.order_sign(actor=handler, order=assisted)
    services.order_reply(actor=handler, order=assisted, result="已配合现场核查。")
    return led, assisted


def test_inbox_status_counts_add_up_to_all(cast, parts_in_every_status):
    counts = selectors.unit_inbox_filtered(user=cast.housing_handler).counts
    assert (counts["all"], counts["dispatched"], counts["signed"], counts["replied"]) == (4, 1, 1, 2)
    assert sum(counts[key] for key in selectors.INBOX_STATUSES) == counts["all"]


def test_inbox_filters_parts_replied_awaiting_review(cast, parts_in_every_status):
    led, assisted = parts_in_every_status
    page = selectors.unit_inbox_filtered(user=cast.housing_handler, status="replied")
    assert sorted(numbers(page)) == sorted([led.number, assisted.number])
    assert {row.part.status for row in page.rows} == {Assignment.Status.REPLIED}


def test_a_units_home_counts_in_work_what_the_inbox_tabs_add_up_to(cast, parts_in_every_status):
    home = selectors.workload_counts(user=cast.housing_handler)
    assert (home["in_work"], home["to_sign"]) == (4, 1)


def test_inbox_searches_titles(cast):
    lift = dispatched_to(cast, cast.housing, title="电梯停运")
    dispatched_to(cast, cast.housing, title="路灯不亮")
    assert numbers(selectors.unit_inbox_filtered(user=cast.housing_handler, keyword="电梯")) == [lift.number]


def test_inbox_is_nearest_deadline_first_and_paginated(cast):
    orders = [dispatched_to(cast, cast.housing) for _ in range(3)]
    for hours, order in zip((30, 2, 10), orders):
        set_fields(order, due_at=T0 + dt.timedelta(hours=hours))
    first = selectors.unit_inbox_filtered(user=cast.housing_handler, page_size=2)
    second = selectors.unit_inbox_filtered(user=cast.housing_handler, page=2, page_size=2)
    assert (numbers(first), first.has_next) == ([orders[1].number, orders[2].number], True)
    assert (numbers(second), second.has_next) == ([orders[0].number], False)


def test_inbox_offers_signing_only_for_a_part_to_sign(cast):
    order = dispatched_to(cast, cast.housing)
    [row] = selectors.unit_inbox_filtered(user=cast.housing_handler).rows
    assert row.actions == {"sign", "request_return"}
    services.order_sign(actor=cast.housing_handler, order=order)
    [row] = selectors.unit_inbox_filtered(user=cast.housing_handler).rows
    assert row.actions == {"reply", "request_return", "request_extension"}


def test_an_assisting_unit_is_not_offered_return_or_extension(cast):
    order = dispatched_to(cast, cast.housing, assisting=[cast.urban])
    services.order_sign(actor=cast.urban_handler, order=order)
    [row] = selectors.unit_inbox_filtered(user=cast.urban_handler).rows
    assert row.actions == {"reply"}


def test_the_actions_offered_agree_with_the_authorization_module(cast, make_order):
    from rexian.orders import access

    orders = [dispatched_to(cast, cast.housing, assisting=[cast.urban]), make_order(State.IN_PROGRESS)]
    services.extension_request(
        actor=cast.housing_handler, order=orders[1], new_deadline=orders[1].reply_deadline + dt.timedelta(days=1),
        reason="等待材料。",
    )
    for user in (cast.housing_handler, cast.urban_handler):
        for row in selectors.unit_inbox_filtered(user=user).rows:
            for action in row.actions:
                assert access.may(user, action, row.order), (user, action)


def test_a_whistleblower_is_hidden_in_the_inbox(cast):
    dispatched_to(cast, cast.housing, appeal_type=f.appeal_type("report"))
    [row] = selectors.unit_inbox_filtered(user=cast.housing_handler).rows
    assert (row.caller.name, row.caller.phone) == ("（保密）", "（保密）")


def test_a_unit_admin_sees_the_units_below_but_acts_only_for_the_own_unit(cast):
    order = dispatched_to(cast, cast.community)
    town_admin = f.UserFactory(username="town_admin", role=Role.UNIT_ADMIN, unit=cast.town)
    [row] = selectors.unit_inbox_filtered(user=town_admin).rows
    assert (row.order, row.part.unit, row.actions) == (order, cast.community, frozenset())


def test_a_closed_part_leaves_the_inbox(cast, make_order):
    make_order(State.AWAITING_CALLBACK)
    assert selectors.unit_inbox_filtered(user=cast.housing_handler).rows == []


@pytest.mark.parametrize("role", ["operator", "dispatcher", "supervisor", "leader"])
def test_inbox_is_refused_to_centre_staff(cast, role):
    with pytest.raises(PermissionDenied):
        selectors.unit_inbox_filtered(user=getattr(cast, role))


def test_an_inbox_page_of_fifty_costs_a_fixed_number_of_queries(cast, django_assert_max_num_queries):
    for _ in range(50):
        dispatched_to(cast, cast.housing, assisting=[cast.urban])
    admin = cast.housing_admin
    admin = type(admin).objects.get(pk=admin.pk)  # a fresh user, as a request has
    with django_assert_max_num_queries(4):
        page = selectors.unit_inbox_filtered(user=admin)
    assert len(page.rows) == 50


# --- workload_counts (home pages) -----------------------------------------------------------------------------------


def test_the_operators_intake_today_leaves_out_voided_orders(cast):
    register(cast)
    services.order_void(actor=cast.supervisor, order=register(cast), reason="测试工单。")
    assert selectors.workload_counts(user=cast.operator)["registered_today_by_me"] == 1


def test_the_centres_overdue_count_is_open_orders_past_a_deadline_now(cast, make_order):
    late_to_sign = dispatched_to(cast, cast.housing)
    late_callback = make_order(State.AWAITING_CALLBACK)
    closed = make_order(State.CLOSED)
    for order in (late_to_sign, late_callback, closed):
        set_fields(order, is_overdue=True)
    counts = selectors.workload_counts(user=cast.leader)
    assert counts["overdue_open"] == 2 and "overdue" not in counts


# --- registered_queue -----------------------------------------------------------------------------------------------


def test_registrations_wait_oldest_first(cast):
    newer, older = register(cast), register(cast, channel=f.channel("portal"))
    set_fields(newer, registered_at=T0 + dt.timedelta(minutes=5))
    set_fields(older, registered_at=T0)
    assert numbers(selectors.registered_queue(user=cast.operator)) == [older.number, newer.number]


def test_an_urgent_registration_waits_before_older_ordinary_ones(cast):
    older, urgent = register(cast), register(cast, urgency=f.urgency("urgent"))
    set_fields(older, registered_at=T0)
    set_fields(urgent, registered_at=T0 + dt.timedelta(minutes=5))
    assert numbers(selectors.registered_queue(user=cast.operator)) == [urgent.number, older.number]


def test_registrations_filter_by_channel_and_count_per_channel(cast):
    portal = register(cast, channel=f.channel("portal"))
    register(cast, channel=f.channel("open311"))
    register(cast, channel=f.channel("open311"))
    pending(cast, channel=f.channel("portal"))
    page = selectors.registered_queue(user=cast.operator, channel=f.channel("portal"))
    assert numbers(page) == [portal.number]
    assert page.counts == {"portal": 1, "open311": 2, "all": 3}


@pytest.mark.parametrize("role", ["dispatcher", "leader", "housing_handler"])
def test_registrations_are_refused_to_other_roles(cast, role):
    with pytest.raises(PermissionDenied):
        selectors.registered_queue(user=getattr(cast, role))


# --- callback_queue -------------------------------------------------------------------------------------------------


def test_callbacks_are_nearest_deadline_first_with_the_units_reply(cast, make_order):
    later, sooner = make_order(State.AWAITING_CALLBACK), make_order(State.AWAITING_CALLBACK)
    set_fields(later, due_at=T0 + dt.timedelta(days=2))
    set_fields(sooner, due_at=T0 + dt.timedelta(days=1))
    page = selectors.callback_queue(user=cast.operator)
    assert numbers(page) == [sooner.number, later.number]
    assert page.rows[0].reply.result == "已督促物业修复电梯。"
    assert page.rows[0].caller.phone == "138****8000"


def test_callbacks_filter_overdue_and_count_them(cast, make_order):
    make_order(State.AWAITING_CALLBACK)
    late = make_order(State.AWAITING_CALLBACK)
    set_fields(late, is_overdue=True)
    page = selectors.callback_queue(user=cast.operator, overdue=True)
    assert numbers(page) == [late.number]
    assert page.counts == {"all": 2, "overdue": 1}


@pytest.mark.parametrize("role", ["dispatcher", "inspector", "housing_handler"])
def test_callbacks_are_refused_to_other_roles(cast, role):
    with pytest.raises(PermissionDenied):
        selectors.callback_queue(user=getattr(cast, role))


def test_a_callback_page_of_fifty_costs_a_fixed_number_of_queries(cast, make_order, django_assert_max_num_queries):
    for _ in range(50):
        make_order(State.AWAITING_CALLBACK)
    with django_assert_max_num_queries(3):
        page = selectors.callback_queue(user=cast.operator)
    assert len(page.rows) == 50
    assert all(row.reply is not None for row in page.rows)


def test_assignment_roles_sort_lead_last_alphabetically():
    # review_requests orders replies by "-role" to put the lead first: that relies on "lead" > "assist".
    assert Assignment.Role.LEAD > Assignment.Role.ASSIST
