"""The supervisor's live board (rexian/console/views/board.py): who sees it, its figures and their links.

The page uses the real clock; the figures' arithmetic is tested with a fixed one in
tests/orders/test_selectors_board.py. Here every order's clock is set relative to now.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from rexian.orders import services
from rexian.orders.models import WorkOrder
from rexian.orders.transitions import State

pytestmark = pytest.mark.django_db
S = State
BOARD = reverse("console:board")
FIGURES = reverse("console:board-figures")
SEARCH = reverse("console:search")
HOUR = dt.timedelta(hours=1)


def set_clock(order, *, overdue=False, near=False, **fields):
    now = timezone.now()
    due = now + (HOUR if near else dt.timedelta(days=5))
    WorkOrder.objects.filter(pk=order.pk).update(
        is_overdue=overdue, due_at=now - HOUR if overdue else due, due_warn_at=due - 2 * HOUR, **fields
    )


def card(page: str, label: str) -> tuple[str, str]:
    """(href, count) of the card with `label`."""
    match = re.search(rf'<a class="card[^"]*" href="([^"]*)"><span class="card__count">(\d+)</span>{label}</a>', page)
    assert match, f"no card {label}"
    return match.group(1).replace("&amp;", "&"), match.group(2)


@pytest.fixture
def floor(cast, make_order):
    make_order()  # registered today
    make_order()
    set_clock(make_order(S.DISPATCHED), overdue=True)
    set_clock(make_order(S.IN_PROGRESS), near=True)
    set_clock(make_order(S.IN_PROGRESS), overdue=True, lead_unit=cast.urban)


@pytest.mark.parametrize("who", ["supervisor", "leader"])
def test_supervisors_and_leaders_see_the_board(signed_in, cast, who):
    response = signed_in(getattr(cast, who)).get(BOARD)
    assert response.status_code == 200
    assert "值班看板" in response.content.decode()


@pytest.mark.parametrize("who", ["operator", "dispatcher", "inspector", "admin", "housing_handler", "housing_admin"])
def test_other_roles_get_403(signed_in, cast, who):
    client = signed_in(getattr(cast, who))
    assert client.get(BOARD).status_code == 403
    assert client.get(FIGURES).status_code == 403


def test_the_board_needs_a_sign_in(client):
    assert client.get(BOARD).status_code == 302


def test_the_figures_after_the_session_ended_are_204(client):
    assert client.get(FIGURES).status_code == 204


def test_cards_count_today_open_near_and_overdue(signed_in, cast, floor):
    page = signed_in(cast.supervisor).get(BOARD).content.decode()
    assert card(page, "今日受理") == (f"{SEARCH}?period=today&exclude_voided=1", "5")
    assert card(page, "在办工单")[1] == "5"
    assert card(page, "临近时限") == (f"{SEARCH}?deadline=near", "1")
    assert card(page, "当前超期在办") == (f"{SEARCH}?deadline=overdue", "2")


def test_todays_intake_leaves_out_a_voided_order_and_its_link_finds_as_many(signed_in, cast, floor, make_order):
    services.order_void(actor=cast.supervisor, order=make_order(), reason="测试工单。")
    client = signed_in(cast.supervisor)
    link, count = card(client.get(BOARD).content.decode(), "今日受理")
    assert count == "5"
    assert "共 5 条" in client.get(link).content.decode()


def test_the_overdue_card_says_it_counts_open_orders_now(signed_in, cast, floor):
    page = signed_in(cast.leader).get(BOARD).content.decode()
    assert card(page, "当前超期在办")[1] == "2"
    assert not re.search(r'card__count">\d+</span>(已超期|超期件数)<', page)  # no card a leader could take for the other


def test_each_state_links_to_its_search(signed_in, cast, floor):
    page = signed_in(cast.supervisor).get(BOARD).content.decode()
    assert f'href="{SEARCH}?state=in_progress">2</a>' in page
    assert f'href="{SEARCH}?state=in_progress&amp;deadline=overdue">1</a>' in page
    assert f'href="{SEARCH}?state=in_progress&amp;deadline=near">1</a>' in page


def test_a_supervisor_gets_a_link_to_act_on_each_queue(signed_in, cast, make_order):
    make_order(S.PENDING_DISPATCH)
    page = signed_in(cast.supervisor).get(BOARD).content.decode()
    assert f'href="{reverse("console:dispatch")}"' in page


def test_a_leader_gets_no_queue_links(signed_in, cast, make_order):
    make_order(S.PENDING_DISPATCH)
    page = signed_in(cast.leader).get(BOARD).content.decode()
    assert f'href="{reverse("console:dispatch")}"' not in page


def test_units_link_to_their_overdue_and_near_orders(signed_in, cast, floor):
    page = signed_in(cast.supervisor).get(BOARD).content.decode()
    housing, urban = cast.housing.code, cast.urban.code
    assert f'href="{SEARCH}?unit={housing}&amp;deadline=overdue">1</a>' in page
    assert f'href="{SEARCH}?unit={housing}&amp;deadline=near">1</a>' in page
    assert f'href="{SEARCH}?unit={urban}&amp;deadline=overdue">1</a>' in page
    assert page.index("住建局") < page.index("城管局")


def test_the_page_refreshes_its_figures_every_minute(signed_in, cast):
    page = signed_in(cast.supervisor).get(BOARD).content.decode()
    assert f'hx-get="{FIGURES}" hx-trigger="every 60s"' in page


def test_the_figures_fragment_is_only_the_figures(signed_in, cast, floor):
    page = signed_in(cast.leader).get(FIGURES).content.decode()
    assert card(page, "当前超期在办")[1] == "2"
    assert "<html" not in page
