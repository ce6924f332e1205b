"""The dashboards in the browser: ECharts draws every chart from its JSON, the cards fill, the big screen runs; the
pages fit a 1366x768 window in both languages, and a date typed in the period picker chooses 自定义."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rexian.orders.models import WorkOrder
from rexian.orders.transitions import State
from rexian.units.models import Unit
from tests import factories as f
from tests.browser.conftest import VIEWPORT
from tests.browser.support import exclusive_db
from tests.telephony.conftest import abandoned_call, answered_call, apply

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


# --- 短信统计 ---------------------------------------------------------------------------------------------------

# The 短信统计 table as the page wrote it: each row's cells' text.
SMS_TABLE = """() => [...document.querySelectorAll('[data-chart="sms"] [data-table] tbody tr')]
  .map((tr) => [...tr.children].map((cell) => cell.textContent.trim()))"""


def test_the_sms_panel_writes_its_figures_counts_whole_and_rates_to_two_decimals(page, sign_in, shot, cast, today,
                                                                                  settings):
    from rexian.sms.models import SmsMessage

    Kind, Status = SmsMessage.Kind, SmsMessage.Status
    with exclusive_db():
        first, second = WorkOrder.objects.order_by("pk")[:2]
        now = timezone.now()
        for order, kind, status in ((first, Kind.RECEIPT, Status.DELIVERED), (first, Kind.RESULT, Status.SENT),
                                    (second, Kind.RECEIPT, Status.FAILED)):
            SmsMessage.objects.create(order=order, kind=kind, status=status, phone="13812348000", text="【泰兴12345】…",
                                      survey=kind == Kind.RESULT, sent_at=None if status == Status.FAILED else now)
    settings.SMS_BACKEND = "log"
    sign_in(page, cast.leader)
    page.goto("/console/dashboard/")
    page.locator('[data-chart="sms"] [data-table] table').wait_for()  # a table of figures: open by itself
    rows = {row[0]: row[1:] for row in page.evaluate(SMS_TABLE)}
    assert rows["发送短信"] == ["3", "条"] and rows["其中：受理回执"] == ["2", "条"]
    assert rows["送达率"] == ["100.00", "%"] and rows["参评率"] == ["0.00", "%"]
    assert rows["短信满意率"] == ["—", "%"]  # no rating recorded
    shot(page, "dashboard-sms")
    _fits(page, "dashboard")


# --- At 1366x768, in both languages -----------------------------------------------------------------------------


def _speaks(user, language: str) -> None:
    with exclusive_db():
        type(user).objects.filter(pk=user.pk).update(language=language)


# How wide the page is, and the panels whose content spills out of them (a table wider than its panel).
SPILLS = """() => ({
  width: document.documentElement.scrollWidth,
  spilling: [...document.querySelectorAll('.panel')]
    .filter((panel) => panel.scrollWidth > panel.clientWidth + 1)
    .map((panel) => panel.getAttribute('data-chart') || panel.getAttribute('aria-labelledby') || panel.className),
})"""


# The ranking's 综合得分: its heading and the first unit's score, and the table's visible box.
SCORE = """() => {
  const table = document.querySelector('.dash-ranking');
  const heads = [...table.querySelectorAll('thead th')];
  const index = heads.findIndex((th) => th.dataset.column === 'weighted_score');
  const box = table.closest('.dash-table-wrap').getBoundingClientRect();
  const cells = [heads[index], table.querySelector('tbody tr').children[index]].map((cell) => {
    const rect = cell.getBoundingClientRect();
    return { text: cell.textContent.trim(), left: rect.left, right: rect.right };
  });
  return { label: heads[index].textContent.trim(), cells, left: box.left, right: box.right };
}"""


def _fits(page, name: str) -> None:
    found = page.evaluate(SPILLS)
    assert found["width"] <= VIEWPORT["width"], (name, found)
    assert found["spilling"] == [], (name, found)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_dashboards_fit_a_1366_px_window_with_their_tables_open(page, sign_in, shot, cast, today, language):
    with exclusive_db():
        Unit.objects.filter(pk=cast.housing.pk).update(name="泰兴市住房和城乡建设局")  # as long as a real centre's
        start = timezone.now() - dt.timedelta(minutes=5)
        apply([*answered_call("c1", start, wait=3, talk=30), *answered_call("c2", start, wait=20, talk=30, line="12333"),
               *abandoned_call("c3", start, wait=30)])  # a row for each line in 各热线话务
    _speaks(cast.leader, language)
    sign_in(page, cast.leader)
    page.goto("/console/dashboard/?period=month")
    page.locator('[data-chart="calls_by_line"] table').wait_for()  # its 数据表 opens by itself
    page.locator('[data-chart="calls_trend"] [data-table] table').wait_for(state="attached")
    page.evaluate("() => document.querySelectorAll('details.dash-panel__data').forEach((d) => { d.open = true; })")
    shot(page, "dashboard-tables-open")
    _fits(page, "dashboard")

    page.goto("/console/dashboard/units/?period=month")
    page.locator('[data-chart="units"] [data-canvas] canvas').first.wait_for()
    shot(page, "units")
    _fits(page, "units")
    # The column the page ranks by is in sight without scrolling the table sideways.
    score = page.evaluate(SCORE)
    assert [cell["text"] for cell in score["cells"]] == [score["label"], "100.00"]
    for cell in score["cells"]:
        assert score["left"] <= cell["left"] and cell["right"] <= min(score["right"], VIEWPORT["width"]), score


# --- The big screen's pie and header ------------------------------------------------------------------------------


@pytest.fixture
def many_types(cast, make_order, today):
    """Today's orders of five appeal types (7 求助, 6 咨询, 5 投诉, 2 举报, 1 建议): slices of every size."""
    with exclusive_db():
        for code, count in (("help", 7), ("consult", 6), ("report", 2), ("suggestion", 1)):
            for _ in range(count):
                make_order(appeal_type=f.appeal_type(code))


# Every text ECharts drew in a chart (the lines as drawn: a label cut short ends in "…") with its box in the
# chart, and the box of the pie's slices.
DRAWN = """name => {
  const chart = echarts.getInstanceByDom(document.querySelector(`[data-chart="${name}"] [data-canvas]`));
  const box = (el) => {
    const rect = el.getBoundingRect().clone();
    const transform = el.getComputedTransform();
    if (transform) rect.applyTransform(transform);
    return { x: rect.x, y: rect.y, right: rect.x + rect.width, bottom: rect.y + rect.height };
  };
  const drawn = chart.getZr().storage.getDisplayList(true).filter((el) => !el.ignore && !el.invisible);
  const slices = drawn.filter((el) => el.type === 'sector').map(box);
  return {
    width: chart.getWidth(),
    height: chart.getHeight(),
    texts: drawn.filter((el) => el.type === 'tspan' && el.style.text).map((el) => ({ text: el.style.text, ...box(el) })),
    ring: slices.length ? {
      x: Math.min(...slices.map((b) => b.x)), y: Math.min(...slices.map((b) => b.y)),
      right: Math.max(...slices.map((b) => b.right)), bottom: Math.max(...slices.map((b) => b.bottom)),
    } : null,
    rows: chart.__rexianChart.rows,
  };
}"""
# The lines an element's text takes: its boxes grouped where they share a height (a <kbd> on the line counts once).
LINES = """selector => {
  const range = document.createRange();
  range.selectNodeContents(document.querySelector(selector));
  const boxes = [...range.getClientRects()].filter((r) => r.width > 0).sort((a, b) => a.top - b.top);
  let lines = 0, bottom = -Infinity;
  for (const box of boxes) {
    if (box.top >= bottom - 2) { lines += 1; }
    bottom = Math.max(bottom, box.bottom);
  }
  return lines;
}"""


def _overlap(a: dict, b: dict) -> bool:
    return a["x"] < b["right"] - 1 and b["x"] < a["right"] - 1 and a["y"] < b["bottom"] - 1 and b["y"] < a["bottom"] - 1


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=["1366", "1920"])
def test_the_big_screen_names_every_slice_with_its_share_and_its_header_is_one_line(
    page, sign_in, shot, cast, many_types, language, size
):
    _speaks(cast.leader, language)
    sign_in(page, cast.leader)
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto("/console/bigscreen/")
    for name in ("volume_hours", "volume_days", "by_type", "units", "by_category", "by_area", "calls_trend"):
        page.locator(f'[data-chart="{name}"] [data-canvas] canvas').first.wait_for()
    page.wait_for_function("() => document.querySelector('[data-metric=volume] [data-value]').textContent === '21'")
    shot(page, "bigscreen")

    drawn = page.evaluate(DRAWN, "by_type")
    total = sum(row[1] for row in drawn["rows"])
    assert len(drawn["rows"]) == 5 and total == 21
    texts = drawn["texts"]
    for name, volume in drawn["rows"]:
        share = round(volume * 100 / total, 2)
        said = [t["text"] for t in texts if t["text"].startswith(name)]
        assert len(said) == 1, (name, texts)
        assert said[0].endswith("%") and abs(float(said[0][len(name):-1]) - share) <= 0.011, (name, said)
    for text in texts:
        assert "…" not in text["text"] and "..." not in text["text"], text  # zrender cuts a label with "..."
        assert 0 <= text["x"] and text["right"] <= drawn["width"], text
        assert 0 <= text["y"] and text["bottom"] <= drawn["height"], text
        assert not _overlap(text, drawn["ring"]), (text, drawn["ring"])
        assert not any(_overlap(text, other) for other in texts if other is not text), text

    for selector in (".bigscreen__head h1", ".bigscreen__clock", ".bigscreen__updated", ".bigscreen__button"):
        assert page.evaluate(LINES, selector) == 1, selector
    for selector in (".bigscreen__head", ".bigscreen__head h1"):  # nothing cut off: the title whole, without "…"
        assert page.locator(selector).evaluate("(el) => el.scrollWidth <= el.clientWidth"), selector
    tops = [page.locator(s).bounding_box() for s in (".bigscreen__back", ".bigscreen__head h1", ".bigscreen__clock")]
    assert max(box["y"] + box["height"] for box in tops) - min(box["y"] for box in tops) <= 48  # one row
    assert page.evaluate("() => document.documentElement.scrollWidth") <= size[0]


# --- The period picker ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/console/dashboard/", "/console/dashboard/units/"])
def test_typing_a_date_chooses_the_custom_period(page, sign_in, shot, cast, path):
    today = timezone.localdate()
    start, end = (today - dt.timedelta(days=9)).isoformat(), (today - dt.timedelta(days=2)).isoformat()
    sign_in(page, cast.leader)
    page.goto(f"{path}?period=month")
    period = page.get_by_label("统计时段", exact=True)
    assert period.input_value() == "month"
    page.get_by_label("开始日期").fill(start)
    assert period.input_value() == "custom"  # the dates typed are the ones the page will show
    page.get_by_label("结束日期").fill(end)
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(f"**period=custom&date_from={start}&date_to={end}")
    shot(page, "custom")
    assert period.input_value() == "custom"
    assert page.get_by_label("开始日期").input_value() == start and page.get_by_label("结束日期").input_value() == end
    assert f"{start} — {end}" in page.locator(".page-head").inner_text()

    page.get_by_label("统计时段", exact=True).select_option("week")  # a named period chosen after the dates wins
    page.get_by_role("button", name="查看").click()
    page.wait_for_url("**period=week**")
    assert page.get_by_label("统计时段", exact=True).input_value() == "week"

    page.goto(f"{path}?period=decade")  # a bad period's page (400, no charts) has the picker working too
    page.get_by_label("结束日期").fill(end)
    assert page.get_by_label("统计时段", exact=True).input_value() == "custom"


def test_the_period_picker_works_without_scripts(browser, live_server, sign_in, shot, cast):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", base_url=live_server.url,
                                  java_script_enabled=False)
    try:
        tab = context.new_page()
        sign_in(tab, cast.leader)
        tab.goto("/console/dashboard/?period=month")
        tab.get_by_label("统计时段", exact=True).select_option("custom")
        today = timezone.localdate().isoformat()
        tab.get_by_label("开始日期").fill(today)
        tab.get_by_label("结束日期").fill(today)
        tab.get_by_role("button", name="查看").click()
        tab.wait_for_url(f"**period=custom&date_from={today}&date_to={today}")
        shot(tab, "custom-without-scripts")
        assert f"{today} — {today}" in tab.locator(".page-head").inner_text()
    finally:
        context.close()
