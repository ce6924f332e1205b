"""The console's hot-spot page (/console/hotspots/): who sees it, what it shows, 重新计算."""

from __future__ import annotations

import datetime as dt
import html
from types import SimpleNamespace

import pytest
from django.urls import reverse

from rexian.hotspots.models import HotspotRun
from rexian.hotspots.services import hotspot_scan
from tests.hotspots.conftest import DAY, NOW

pytestmark = pytest.mark.django_db
PAGE = reverse("console:hotspots")
RECOMPUTE = reverse("console:hotspots-recompute")
HOUR = dt.timedelta(hours=1)
BURST = "幸福家园小区旁工地夜间施工噪声扰民"


@pytest.fixture
def scanned(cast, orders):
    """A week of one noise complaint a day, then eight about one building site today; scanned at NOW."""
    for k in range(1, 9):
        orders(1, at=NOW - k * DAY - 12 * HOUR, title="工地夜间施工噪声扰民", category=cast.noise)
    burst = orders(8, at=NOW - 3 * HOUR, title=BURST, text=f"{BURST}，业主准备集体上访", category=cast.noise)
    run = hotspot_scan(now=NOW)
    return run, burst


@pytest.mark.parametrize("who", ["supervisor", "leader", "inspector", "admin"])
def test_supervisors_leaders_inspectors_and_admins_see_the_page(signed_in, cast, scanned, who):
    response = signed_in(getattr(cast, who)).get(PAGE)
    assert response.status_code == 200
    assert BURST in response.content.decode()


@pytest.mark.parametrize("who", ["operator", "dispatcher", "housing_handler", "housing_admin"])
def test_other_roles_are_refused_with_a_reason(signed_in, cast, who):
    response = signed_in(getattr(cast, who)).get(PAGE)
    assert response.status_code == 403
    assert "只有值班长、领导、质检员和系统管理员可以查看热点" in response.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and reverse("console:login") in response["Location"]


def test_the_page_lists_the_issue_its_orders_and_the_surges_with_their_test_figures(signed_in, cast, scanned):
    run, burst = scanned
    page = signed_in(cast.supervisor).get(PAGE).content.decode()
    issue = run.issues.get(rank=1)
    assert issue.count == 10 and issue.place == "幸福家园小区"  # the burst and the two earlier days in 72 hours
    assert reverse("console:order", args=[burst[0].number]) in page
    assert "共 10 件" in page  # eight order numbers are shown, the count says how many there are
    assert "上访" in page and "集体" in page  # the sensitive words
    # The noise category surged: 8 today against 1.0 a day (p ≈ 1.0e-05); so did the issue.
    assert "生态环境/噪声污染/施工噪声" in page and "1.0e-05" in page
    assert html.escape(f"{reverse('console:report-new')}?kind=quick&issue={issue.pk}") in page
    surge = run.surges.get(dimension="category", label="生态环境/噪声污染/施工噪声")
    assert html.escape(f"{reverse('console:report-new')}?kind=quick&surge={surge.pk}") in page


def test_a_leader_reads_the_page_without_the_quick_report_drafts_they_may_not_make(signed_in, cast, scanned):
    client = signed_in(cast.leader)
    page = client.get(PAGE).content.decode()
    assert "幸福家园小区" in page and "kind=quick" not in page and "起草快报" not in page
    issue = scanned[0].issues.get(rank=1)
    assert client.get(reverse("console:report-new"), {"kind": "quick", "issue": issue.pk}).status_code == 403


def test_the_30_day_tab_shows_the_30_day_run(signed_in, cast, scanned):
    page = signed_in(cast.leader).get(PAGE, {"window": "30d"}).content.decode()
    long_run = HotspotRun.objects.get(window_hours=720)
    assert long_run.issues.get(rank=1).count == 16  # 8 earlier days + today's 8
    assert "共 16 件" in page and 'aria-current="page">近 30 天' in page


def test_an_unknown_window_is_a_clear_400(signed_in, cast):
    response = signed_in(cast.supervisor).get(PAGE, {"window": "7d"})
    assert response.status_code == 400 and "时段参数不正确" in response.content.decode()


def test_before_any_run_the_page_says_so(signed_in, cast):
    page = signed_in(cast.supervisor).get(PAGE).content.decode()
    assert "尚未计算" in page and "该时段未发现热点问题" in page and "最近时段没有激增预警" in page


def test_a_supervisor_has_the_worker_recompute(signed_in, cast, scanned):
    client = signed_in(cast.supervisor)
    assert "重新计算" in client.get(PAGE).content.decode()
    response = client.post(RECOMPUTE, follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    assert "已提交重新计算" in response.content.decode()
    # The suite's task backend runs the job at once; the worker runs it within seconds.
    assert HotspotRun.objects.filter(window_hours=72).count() == 2


def test_recompute_only_enqueues_the_scan(signed_in, cast, monkeypatch):
    from rexian.console.views import hotspots as view

    enqueued = []
    monkeypatch.setattr(view, "hotspot_scan_task", SimpleNamespace(enqueue=lambda *args: enqueued.append(args)))
    response = signed_in(cast.supervisor).post(RECOMPUTE)
    assert response.status_code == 302 and enqueued == [()]
    assert not HotspotRun.objects.exists()


@pytest.mark.parametrize("who", ["leader", "inspector", "operator"])
def test_only_a_supervisor_may_recompute(signed_in, cast, who):
    client = signed_in(getattr(cast, who))
    assert client.post(RECOMPUTE).status_code == 403
    assert not HotspotRun.objects.exists()


def test_opening_recompute_computes_nothing_and_goes_back_to_the_page(signed_in, cast, monkeypatch):
    from rexian.console.views import hotspots as view

    enqueued = []
    monkeypatch.setattr(view, "hotspot_scan_task", SimpleNamespace(enqueue=lambda *args: enqueued.append(args)))
    response = signed_in(cast.supervisor).get(RECOMPUTE)
    assert (response.status_code, response["Location"], enqueued) == (302, PAGE, [])


def test_the_menu_shows_hot_spots_to_supervisors_and_leaders_only(signed_in, cast):
    for user, shown in ((cast.supervisor, True), (cast.leader, True), (cast.operator, False)):
        page = signed_in(user).get(reverse("console:home")).content.decode()
        assert (f'href="{PAGE}"' in page) is shown
