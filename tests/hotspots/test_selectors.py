"""Reads of the hot spots (rexian/hotspots/selectors.py): stored runs, issues of any period, their orders."""

from __future__ import annotations

import datetime as dt

import pytest

from rexian.hotspots import selectors
from rexian.hotspots.services import hotspot_scan
from tests.hotspots.conftest import DAY, NOW

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)
LIFT = "小区电梯长期故障无人维修"
NOISE = "幸福家园小区旁工地夜间施工噪声扰民"


@pytest.fixture
def two_days(cast, orders):
    """Yesterday 3 lift complaints and 1 noise complaint; today 3 lift complaints and 5 noise complaints."""
    orders(3, at=NOW - DAY - 6 * HOUR, title=LIFT)
    orders(1, at=NOW - DAY - 5 * HOUR, title=NOISE, category=cast.noise)
    orders(3, at=NOW - 6 * HOUR, title=LIFT)
    return orders(5, at=NOW - 2 * HOUR, title=NOISE, text=f"{NOISE}，晚上无法休息", category=cast.noise)


def test_hot_issues_of_a_period_grow_against_the_period_before(two_days):
    issues = selectors.hot_issues(start=NOW - DAY, end=NOW)
    assert [(i.count, i.previous_count, i.growth) for i in issues] == [(5, 1, 4.0), (3, 3, 0.0)]
    noise = issues[0]
    assert noise.order_ids == [o.pk for o in two_days] and noise.place == "幸福家园小区"
    assert isinstance(noise, selectors.IssueSummary) and noise.keywords


def test_hot_issues_of_a_category_an_area_or_a_keyword(two_days, cast):
    window = {"start": NOW - DAY, "end": NOW}
    assert [i.count for i in selectors.hot_issues(**window, category=cast.noise)] == [5]
    assert [i.count for i in selectors.hot_issues(**window, category=cast.noise.parent.parent_id)] == [5]
    assert [i.count for i in selectors.hot_issues(**window, keyword="电梯")] == [3]
    assert [i.count for i in selectors.hot_issues(**window, area=cast.town)] == [5, 3]
    assert selectors.hot_issues(**window, area=cast.housing) == []
    assert selectors.hot_issues(start=NOW - 10 * DAY, end=NOW - 9 * DAY) == []


def test_hot_issues_refuses_an_unknown_slice_or_an_empty_period():
    with pytest.raises(TypeError, match="unit"):
        selectors.hot_issues(start=NOW - DAY, end=NOW, unit=1)
    with pytest.raises(ValueError):
        selectors.hot_issues(start=NOW, end=NOW)


def test_latest_run_issues_and_surges(two_days):
    assert selectors.latest_run() is None and selectors.latest_issues() == [] and selectors.latest_surges() == []
    hotspot_scan(now=NOW - HOUR)
    run = hotspot_scan(now=NOW)
    assert selectors.latest_run() == run and selectors.latest_run(720).computed_at == NOW
    assert [i.rank for i in selectors.latest_issues(72, limit=1)] == [1]
    assert all(i.run_id == run.pk for i in selectors.latest_issues())


def test_issue_orders_are_the_ones_the_reader_may_see(two_days, cast):
    hotspot_scan(now=NOW)
    issues = selectors.latest_issues()
    noise = next(i for i in issues if "噪声" in i.title)
    seen = selectors.issue_orders(cast.supervisor, issues, per_issue=2)
    assert [o.pk for o in seen[noise.pk]] == [o.pk for o in two_days[:2]]  # the first two, newest first
    # The housing bureau's handler has no part in these orders (none was dispatched): he sees none of them.
    assert all(found == [] for found in selectors.issue_orders(cast.housing_handler, issues).values())


def test_order_messages_read_address_callers_and_attention(cast, orders):
    order = orders(1, at=NOW - HOUR, title="路灯不亮", text="人民路路灯不亮（地址：城东街道人民路）",
                   address="城东街道人民路", phone="abc", reopen_count=1)[0]
    messages, dims = selectors.order_messages(NOW - DAY, NOW)
    (m,) = messages
    assert (m.id, m.text, m.address, m.author, m.area, m.attention) == (
        order.pk, "人民路路灯不亮", "城东街道人民路", "abc", "幸福社区", selectors.REOPEN_ATTENTION
    )
    assert dims[0] == selectors.OrderDims(
        category_id=cast.property_service.pk, category_l1_id=cast.property_service.parent.parent_id,
        town_id=cast.town.pk,
    )
