"""The hourly scan (rexian/hotspots/services.py): stored issues, the surge test, sensitive flags, pruning.

`month` is four weeks of a quiet city: six property complaints and one noise complaint in
every day's window, then eight noise complaints about one building site in the last day.
Expected figures are computed by hand in each test.
"""

from __future__ import annotations

import datetime as dt

import pytest

from rexian.hotspots.models import HotIssue, HotspotRun, SensitiveWord, Surge
from rexian.hotspots.services import hotspot_prune, hotspot_scan, is_surge, surge_p_value
from tests.hotspots.conftest import DAY, NOW

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)
LIFT = "小区电梯长期故障无人维修"
NOISE = "工地夜间施工噪声扰民"
BURST = "幸福家园小区旁工地夜间施工噪声扰民"
# P(X ≥ 8) for X ~ Poisson(1) = 1 − e⁻¹·(1 + 1 + 1/2 + 1/6 + 1/24 + 1/120 + 1/720 + 1/5040)
P_8_OF_1 = 1.0249e-05


@pytest.fixture
def month(cast, orders):
    """Day k's window is [NOW − (k+1) days, NOW − k days); every order stands in the middle of its day's window."""
    for k in range(30):
        orders(6, at=NOW - k * DAY - 12 * HOUR, title=LIFT, text="电梯停运，物业不修，老人上下楼困难")
    for k in range(1, 30):
        orders(1, at=NOW - k * DAY - 12 * HOUR, title=NOISE, category=cast.noise)
    return orders(8, at=NOW - 3 * HOUR, title=BURST, text=f"{BURST}，影响居民休息", category=cast.noise)


def test_the_scan_stores_the_issues_of_72_hours_and_of_30_days(month):
    run = hotspot_scan(now=NOW)
    assert run.window_hours == 72 and run.computed_at == NOW
    assert set(HotspotRun.objects.values_list("window_hours", flat=True)) == {72, 720}
    # 72 hours: the noise complaints (8 today, 1 on each of the two days before; 3 in the 72 hours before)
    # grew, the lift complaints (6 a day: 18, and 18 before) did not, so the noise ranks first:
    # (ln 11 + ½ ln 11)·(1 + ¼·log2(11/4)) = 4.909 against (ln 19 + ½ ln 19)·1 = 4.417.
    issues = list(run.issues.order_by("rank"))
    assert [(i.rank, i.count, i.previous_count) for i in issues] == [(1, 10, 3), (2, 18, 18)]
    noise, lift = issues
    assert noise.growth == pytest.approx(10 / 3 - 1, abs=1e-3) and lift.growth == 0.0
    assert noise.score == pytest.approx(4.9088, abs=1e-3) and lift.score == pytest.approx(4.4167, abs=1e-3)
    assert noise.place == "幸福家园小区" and noise.attention == 10
    assert noise.order_ids[:8] == [o.pk for o in month]  # newest first: the burst was written newest first
    # 30 days: 6 lift complaints on each of 30 days, and 29 + 8 noise complaints; nothing in the 30 days before.
    long_run = HotspotRun.objects.get(window_hours=720)
    assert [(i.count, i.previous_count, i.growth) for i in long_run.issues.order_by("rank")] == [
        (180, 0, None), (37, 0, None)
    ]


def test_a_category_above_its_baseline_surges_and_a_steady_one_does_not(month, cast):
    run = hotspot_scan(now=NOW)
    surges = {(s.dimension, s.label): s for s in run.surges.all()}
    # Noise: 8 today against 28 in the 28 days before, a baseline of 1.0 a day; the weekday factor is 1
    # (every day's window holds 7 orders). P(X ≥ 8 | 1) ≈ 1.02e-5 < 0.001.
    leaf = surges[(Surge.Dimension.CATEGORY, cast.noise.full_name)]
    assert (leaf.count, leaf.baseline, leaf.window_hours) == (8, 1.0, 24)
    assert leaf.p_value == pytest.approx(P_8_OF_1, rel=1e-3)
    assert (Surge.Dimension.CATEGORY, "生态环境") in surges  # its level-1 category, with the same figures
    # Lift complaints: 6 against a baseline of 6.0, P(X ≥ 6 | 6) ≈ 0.55: no surge. The town: 14 against 7.0,
    # P(X ≥ 14 | 7) ≈ 0.013 > 0.001: no surge either.
    assert (Surge.Dimension.CATEGORY, cast.property_service.full_name) not in surges
    assert (Surge.Dimension.CATEGORY, "城乡建设") not in surges
    assert not [s for s in surges.values() if s.dimension == Surge.Dimension.AREA]
    issue = next(s for s in surges.values() if s.dimension == Surge.Dimension.ISSUE)
    assert (issue.count, issue.baseline, issue.issue.rank) == (8, 1.0, 1)
    assert issue.p_value == pytest.approx(P_8_OF_1, rel=1e-3)


def test_the_town_surges_when_its_whole_day_jumps(month, orders, cast):
    orders(10, at=NOW - 5 * HOUR, title="幸福社区门口道路积水严重", category=cast.property_service)
    run = hotspot_scan(now=NOW)
    town = run.surges.get(dimension=Surge.Dimension.AREA)
    # 6 + 8 + 10 = 24 today against 7.0 a day: P(X ≥ 24 | 7) is about 1e-6.
    assert (town.label, town.count, town.baseline) == ("城东街道", 24, 7.0)
    assert town.p_value == pytest.approx(surge_p_value(24, 7.0)) and town.p_value < 1e-5


def test_the_test_is_one_sided_poisson_with_a_floor_and_a_minimum_count(settings):
    assert surge_p_value(8, 1.0) == pytest.approx(P_8_OF_1, rel=1e-3)
    # A category never seen before is tested against the floor of 0.5, not 0: P(X ≥ 5 | 0.5) ≈ 1.7e-4.
    assert surge_p_value(5, 0.0) == pytest.approx(1.7212e-4, rel=1e-3)
    assert is_surge(5, 1.7e-4) and not is_surge(4, 1e-9)  # at least REXIAN_HOTSPOT_SURGE_MIN_COUNT (5)
    settings.HOTSPOT_SURGE_P_VALUE = 1e-4
    assert not is_surge(5, 1.7e-4)


def test_without_a_week_of_history_nothing_is_tested(cast, orders):
    orders(8, at=NOW - 3 * HOUR, title=BURST, category=cast.noise)
    orders(3, at=NOW - 3 * DAY, title=NOISE, category=cast.noise)
    run = hotspot_scan(now=NOW)
    assert run.issues.count() == 1 and not run.surges.exists()


def test_sensitive_words_flag_the_issue_and_its_surges(month, orders, cast):
    orders(2, at=NOW - 2 * HOUR, title=BURST, text=f"{BURST}，业主们说再不解决就集体上访", category=cast.noise)
    run = hotspot_scan(now=NOW)
    noise = run.issues.get(rank=1)
    assert noise.sensitive_words == ["上访", "集体"]
    assert run.surges.get(dimension=Surge.Dimension.CATEGORY, label="生态环境").sensitive_words == ["上访", "集体"]
    assert run.issues.get(rank=2).sensitive_words == []


def test_a_word_switched_off_in_the_admin_no_longer_flags(month, orders, cast):
    orders(2, at=NOW - 2 * HOUR, title=BURST, text=f"{BURST}，业主们说再不解决就集体上访", category=cast.noise)
    SensitiveWord.objects.filter(word="上访").update(active=False)
    assert hotspot_scan(now=NOW).issues.get(rank=1).sensitive_words == ["集体"]


def test_the_default_sensitive_words_are_installed():
    words = set(SensitiveWord.objects.filter(active=True).values_list("word", flat=True))
    assert {"群体", "上访", "聚集", "维权", "媒体曝光", "自杀", "跳楼", "死亡", "爆炸", "火灾", "食物中毒", "拖欠工资",
            "农民工工资", "集体", "堵路"} <= words


def test_voided_orders_are_not_requests(cast, orders):
    voided = orders(4, at=NOW - 2 * HOUR, title=BURST, category=cast.noise, state="voided")
    assert voided and not hotspot_scan(now=NOW).issues.exists()


def test_only_the_newest_runs_are_kept(month, settings):
    settings.HOTSPOT_KEEP_RUNS = 2
    runs = [hotspot_scan(now=NOW + k * HOUR) for k in range(3)]
    assert list(HotspotRun.objects.filter(window_hours=72).order_by("computed_at")) == runs[1:]
    assert HotspotRun.objects.filter(window_hours=720).count() == 2
    assert not HotIssue.objects.filter(run_id=runs[0].pk).exists()
    assert hotspot_prune(keep=1) == 2
