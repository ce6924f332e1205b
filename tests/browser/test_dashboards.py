"""The dashboards in the browser: ECharts draws every chart from its JSON, the cards fill, the big screen runs."""

from __future__ import annotations

import pytest

from rexian.orders.transitions import State
from tests.browser.support import exclusive_db

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHARTS = ("volume_hours", "volume_days", "by_type", "by_channel", "by_category", "by_area", "calls_trend")


@pytest.fixture
def today(cast, make_order):
    """Five orders registered today through the services (committed: the rollups follow the order events)."""
    with exclusive_db():
        make_order()
        make_order(State.DISPATCHED)
        make_order(State.IN_PROGRESS, category=cast.noise)
        make_order(State.AWAITING_CALLBACK)
        make_order(State.CLOSED)


def test_the_overview_draws_every_chart_and_fills_the_cards(page, sign_in, shot, cast, today):
    sign_in(page, cast.leader)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="统计分析", exact=True).click()
    for name in CHARTS:
        page.locator(f'[data-chart="{name}"] [data-canvas] canvas').first.wait_for()
    volume = page.locator('[data-metric="volume"] [data-value]')
    page.wait_for_function("() => document.querySelector('[data-metric=volume] [data-value]').textContent !== '—'")
    assert volume.inner_text() == "5"
    assert page.locator('[data-metric="satisfaction_rate"] [data-value]').inner_text() == "100.00%"
    assert page.locator('[data-chart="calls_by_line"] table').count() == 1
    shot(page, "dashboard-today")

    page.get_by_label("统计时段", exact=True).select_option("month")
    page.get_by_role("button", name="查看").click()
    page.locator('[data-chart="volume_days"] [data-canvas] canvas').first.wait_for()
    shot(page, "dashboard-month")


def test_the_unit_ranking_and_the_big_screen(page, sign_in, shot, cast, today):
    sign_in(page, cast.supervisor)
    page.goto("/console/dashboard/units/?period=month")
    page.locator('[data-chart="units"] [data-canvas] canvas').first.wait_for()
    assert page.get_by_role("link", name="住建局").get_attribute("href").startswith("/console/search/?unit=C-ZJJ")
    shot(page, "units-month")

    page.goto("/console/bigscreen/")
    for name in ("volume_hours", "by_type", "units"):
        page.locator(f'[data-chart="{name}"] [data-canvas] canvas').first.wait_for()
    page.wait_for_function("() => document.querySelector('[data-metric=volume] [data-value]').textContent === '5'")
    assert page.locator(".topbar").count() == 0
    shot(page, "bigscreen")


# The pixel positions of a chart's value-axis ticks, from ECharts' own model of the drawn chart.
TICKS = """name => {
  const chart = echarts.getInstanceByDom(document.querySelector(`[data-chart="${name}"] [data-canvas]`));
  return chart.getModel().getComponent("xAxis", 0).axis.getTicksCoords().map(tick => tick.coord);
}"""


def test_the_big_screens_bar_axes_leave_room_between_their_numbers(page, sign_in, shot, cast, today):
    sign_in(page, cast.leader)
    page.goto("/console/bigscreen/")  # 1366x768: the ranking's column is a fifth of the screen
    for name in ("units", "by_category", "by_area"):
        page.locator(f'[data-chart="{name}"] [data-canvas] canvas').first.wait_for()
        ticks = page.evaluate(TICKS, name)
        assert len(ticks) >= 2, name
        gaps = [right - left for left, right in zip(ticks, ticks[1:])]
        assert min(gaps) >= 36, (name, ticks)  # "100" is about 21 px wide at the axis's 12 px
    shot(page, "bigscreen")
