"""The unit's inbox (承办): open parts with deadline colours, filters with counts, signing from the list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from rexian.orders import services
from rexian.orders.models import Assignment, WorkOrder
from rexian.orders.transitions import State
from rexian.units.models import Role
from tests import factories as f

pytestmark = pytest.mark.django_db

INBOX = reverse("console:inbox")


def _sign(order):
    return reverse("console:order-action", args=[order.number, "sign"])


@pytest.mark.parametrize("role", ["operator", "dispatcher", "supervisor", "leader", "admin"])
def test_centre_staff_get_403_on_the_inbox(signed_in, cast, role):
    assert signed_in(getattr(cast, role)).get(INBOX).status_code == 403


def test_the_inbox_lists_the_units_orders_with_a_link_to_each(signed_in, cast, make_order):
    order = make_order(State.DISPATCHED)
    page = signed_in(cast.housing_handler).get(INBOX).content.decode()
    assert reverse("console:order", args=[order.number]) in page
    assert "小区电梯长期故障无人维修" in page


def test_another_unit_never_sees_the_order(signed_in, cast, make_order):
    make_order(State.DISPATCHED, title="住建局的工单")
    response = signed_in(cast.urban_handler).get(INBOX)
    assert response.context["rows"] == []
    assert "住建局的工单" not in response.content.decode()


def test_the_inbox_shows_the_deadline_colour_and_time_left(signed_in, cast, make_order):
    make_order(State.DISPATCHED)
    page = signed_in(cast.housing_handler).get(INBOX).content.decode()
    assert "deadline--green" in page
    assert "剩余" in page


def test_an_overdue_order_is_red(signed_in, cast, make_order):
    order = make_order(State.IN_PROGRESS)
    WorkOrder.objects.filter(pk=order.pk).update(is_overdue=True, due_at=timezone.now() - dt.timedelta(hours=3))
    page = signed_in(cast.housing_handler).get(INBOX).content.decode()
    assert "deadline--red" in page
    assert "超期 3小时" in page


def test_the_assisting_role_is_shown(signed_in, cast, make_order):
    make_order(State.DISPATCHED, assisting=[cast.urban])
    lead = signed_in(cast.housing_handler).get(INBOX).content.decode()
    assist = signed_in(cast.urban_handler).get(INBOX).content.decode()
    assert 'class="tag tag--lead">主办' in lead
    assert '<span class="tag">协办</span>' in assist


def test_a_whistleblower_is_hidden_from_the_unit(signed_in, cast, make_order):
    make_order(State.DISPATCHED, appeal_type=f.appeal_type("report"))
    page = signed_in(cast.housing_handler).get(INBOX).content.decode()
    assert "（保密）" in page
    assert "张" not in page.split("<tbody>")[1]
    assert "8000" not in page


def test_a_withheld_caller_reads_confidential_in_english(signed_in, cast, make_order):
    order = make_order(State.DISPATCHED, appeal_type=f.appeal_type("report"))
    type(cast.housing_handler).objects.filter(pk=cast.housing_handler.pk).update(language="en")
    client = signed_in(cast.housing_handler)
    for url in (INBOX, reverse("console:order", args=[order.number])):
        page = client.get(url).content.decode()
        assert "(confidential)" in page and "（保密）" not in page and "8000" not in page


def test_the_counts_on_top_link_to_their_filters(signed_in, cast, make_order):
    make_order(State.DISPATCHED)
    make_order(State.IN_PROGRESS)
    response = signed_in(cast.housing_handler).get(INBOX)
    chips = {chip["label"]: (chip["count"], chip["query"]) for chip in response.context["chips"]}
    assert chips == {
        "全部": (2, ""), "待签收": (1, "status=dispatched"), "办理中": (1, "status=signed"),
        "已回复待审核": (0, "status=replied"), "临近时限": (0, "deadline=near"), "已超期": (0, "deadline=overdue"),
    }
    assert 'href="/console/inbox/?status=dispatched"' in response.content.decode()


def test_the_status_chips_add_up_to_all_with_the_replies_awaiting_review(signed_in, cast, make_order):
    make_order(State.DISPATCHED)
    make_order(State.IN_PROGRESS)
    replied = make_order(State.REPLIED)  # the unit replied; the centre has not reviewed the reply yet
    client = signed_in(cast.housing_handler)
    chips = {chip["label"]: chip["count"] for chip in client.get(INBOX).context["chips"]}
    assert (chips["待签收"], chips["办理中"], chips["已回复待审核"]) == (1, 1, 1)
    assert chips["待签收"] + chips["办理中"] + chips["已回复待审核"] == chips["全部"] == 3
    assert [row.order for row in client.get(INBOX, {"status": "replied"}).context["rows"]] == [replied]


def test_the_status_filter_shows_only_parts_to_sign(signed_in, cast, make_order):
    to_sign = make_order(State.DISPATCHED)
    make_order(State.IN_PROGRESS)
    response = signed_in(cast.housing_handler).get(INBOX, {"status": "dispatched"})
    assert [row.order for row in response.context["rows"]] == [to_sign]


def test_the_deadline_filter_shows_only_overdue_parts(signed_in, cast, make_order):
    make_order(State.IN_PROGRESS)
    late = make_order(State.IN_PROGRESS)
    WorkOrder.objects.filter(pk=late.pk).update(is_overdue=True)
    response = signed_in(cast.housing_handler).get(INBOX, {"deadline": "overdue"})
    assert [row.order for row in response.context["rows"]] == [late]


def test_the_keyword_searches_titles(signed_in, cast, make_order):
    make_order(State.DISPATCHED)
    lamp = make_order(State.DISPATCHED, title="路灯不亮")
    response = signed_in(cast.housing_handler).get(INBOX, {"keyword": "路灯"})
    assert [row.order for row in response.context["rows"]] == [lamp]


def test_a_bad_filter_value_is_a_400_beside_the_field(signed_in, cast):
    response = signed_in(cast.housing_handler).get(INBOX, {"status": "lost"})
    assert response.status_code == 400
    assert 'id="id_status_error"' in response.content.decode()


def test_signing_inline_comes_back_to_the_inbox_and_starts_the_handling(signed_in, cast, make_order):
    order = make_order(State.DISPATCHED)
    back = f"{INBOX}?status=dispatched"
    client = signed_in(cast.housing_handler)
    assert f'action="{_sign(order)}"' in client.get(back).content.decode()
    response = client.post(_sign(order), {"version": order.version, "next": back})
    assert (response.status_code, response["Location"]) == (302, back)
    order.refresh_from_db()
    assert order.state == State.IN_PROGRESS
    assert order.assignments.get().status == Assignment.Status.SIGNED
    assert "已签收。" in client.get(back).content.decode()


def test_an_assisting_unit_signs_inline_without_moving_the_order(signed_in, cast, make_order):
    order = make_order(State.DISPATCHED, assisting=[cast.urban])
    response = signed_in(cast.urban_handler).post(_sign(order), {"version": order.version, "next": INBOX})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == State.DISPATCHED
    assert order.assignments.get(unit=cast.urban).status == Assignment.Status.SIGNED


def test_a_signed_part_offers_reply_extension_and_return_on_the_detail_page(signed_in, cast, make_order):
    order = make_order(State.IN_PROGRESS)
    page = signed_in(cast.housing_handler).get(INBOX).content.decode()
    detail = reverse("console:order", args=[order.number])
    assert f'href="{detail}#action-reply"' in page
    assert f'href="{detail}#action-extension-request"' in page
    assert f'href="{detail}#action-return-request"' in page
    assert f'action="{_sign(order)}"' not in page


def test_a_unit_admin_sees_the_units_below_without_signing_for_them(signed_in, cast, make_order):
    order = register_for_community(cast)
    town_admin = f.UserFactory(username="town_admin", role=Role.UNIT_ADMIN, unit=cast.town)
    page = signed_in(town_admin).get(INBOX).content.decode()
    assert reverse("console:order", args=[order.number]) in page
    assert "幸福社区" in page
    assert f'action="{_sign(order)}"' not in page


def register_for_community(cast):
    from tests.conftest import advance, register

    order = advance(cast, register(cast), State.PENDING_DISPATCH)
    services.order_dispatch(actor=cast.dispatcher, order=order, lead_unit=cast.community)
    order.refresh_from_db()
    return order


def test_the_inbox_is_paginated(signed_in, cast, make_order, monkeypatch):
    monkeypatch.setattr("rexian.orders.selectors.queues.QUEUE_PAGE_SIZE", 2)
    for _ in range(3):
        make_order(State.DISPATCHED)
    client = signed_in(cast.housing_handler)
    first = client.get(INBOX)
    assert (len(first.context["rows"]), first.context["has_next"]) == (2, True)
    second = client.get(INBOX, {"page": 2})
    assert (len(second.context["rows"]), second.context["has_next"]) == (1, False)


def test_the_inbox_costs_a_fixed_number_of_queries(signed_in, cast, make_order, django_assert_max_num_queries):
    for _ in range(50):
        make_order(State.DISPATCHED, assisting=[cast.urban])
    client = signed_in(cast.housing_handler)
    with django_assert_max_num_queries(10):
        response = client.get(INBOX)
    assert len(response.context["rows"]) == 50
