"""Each role's home page in the browser: its menu, its counts and the head of its queue."""

from __future__ import annotations

import pytest

from rexian.console.navigation import menu_for
from rexian.console.views.home import CARDS
from rexian.orders import selectors
from rexian.orders.transitions import State
from rexian.quality.selectors import quality_pending_count
from tests.browser.support import exclusive_db

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROLES = ["operator", "dispatcher", "supervisor", "inspector", "leader", "admin", "housing_handler", "housing_admin"]
# A count each role must see for the orders made below, besides agreeing with workload_counts.
EXPECTED = {
    "operator": {"待审核登记": 1, "待回访": 1, "我今日登记": 4},
    "dispatcher": {"待派单": 1, "回复待审": 0},
    "supervisor": {"待审核登记": 1, "待派单": 1, "今日受理": 4},
    "inspector": {"待质检": 0},
    "leader": {"今日受理": 4},
    "admin": {},
    "housing_handler": {"待签收": 1},
    "housing_admin": {"待签收": 1},
}
# A title the role's queue on the home page lists.
LISTED = {
    "operator": "物业费收取不合理",  # awaiting callback
    "dispatcher": "路灯不亮",  # pending dispatch
    "supervisor": "路灯不亮",
    "housing_handler": "小区电梯长期故障无人维修",  # dispatched to housing
    "housing_admin": "小区电梯长期故障无人维修",
}


def _cards(page) -> dict[str, int]:
    """The cards as {label: count}, read off the page."""
    found = {}
    for card in page.locator(".cards a").all():
        count = card.locator(".card__count").inner_text()
        found[card.inner_text().replace(count, "", 1).strip()] = int(count)
    return found


@pytest.fixture
def orders(make_order):
    make_order(State.REGISTERED, title="噪声扰民待审核")
    make_order(State.PENDING_DISPATCH, title="路灯不亮")
    make_order(State.DISPATCHED)
    make_order(State.AWAITING_CALLBACK, title="物业费收取不合理")


@pytest.mark.parametrize("role", ROLES)
def test_home_page_shows_the_roles_counts_and_queue(page, sign_in, cast, orders, role):
    user = getattr(cast, role)
    sign_in(page, user)

    assert page.get_by_role("heading", level=1).inner_text().endswith("您好")
    assert user.get_role_display() in page.locator("main").inner_text()
    menu = page.get_by_role("navigation", name="主菜单")
    for item in menu_for(user):
        assert menu.get_by_role("link", name=str(item.label), exact=True).is_visible()
    cards = _cards(page)
    with exclusive_db():
        counts = selectors.workload_counts(user=user)
        if role == "inspector":  # the inspector's own work: the sampled orders waiting for a score (质检)
            counts["quality_pending"] = quality_pending_count(user=user)
    expected = {str(CARDS[key].label): count for key, count in counts.items()}
    assert cards == expected
    for label, count in EXPECTED[role].items():
        assert cards[label] == count, label
    if role in LISTED:
        assert page.get_by_role("link", name="查看全部").is_visible()
        assert page.get_by_role("cell", name=LISTED[role]).is_visible()


def test_a_unit_home_never_lists_another_units_order(page, sign_in, cast, orders):
    sign_in(page, cast.urban_handler)
    assert _cards(page)["待签收"] == 0
    assert page.get_by_text("小区电梯长期故障无人维修").count() == 0
