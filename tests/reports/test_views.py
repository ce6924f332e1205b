"""The report centre in the console: who may see, generate, correct, publish and download; the reading list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rexian.reports import services
from rexian.reports.models import Report, ReportDelivery
from tests.analytics.conftest import at
from tests.console.conftest import signed_in  # noqa: F401  (fixture)

Kind = Report.Kind
REPORTS = reverse("console:reports")
INBOX = reverse("console:report-inbox")
NEW = reverse("console:report-new")
NOW = at(2025, 11, 20, 9)


def _special(**overrides) -> Report:
    params = dict(start="2025-11-01", end="2025-11-19", category="01", now=NOW)
    params.update(overrides)
    return services.report_generate(Kind.SPECIAL, **params)


@pytest.fixture
def draft(cast) -> Report:
    return _special(by=cast.supervisor)


@pytest.fixture
def published(cast) -> Report:
    return services.report_publish(_special(), now=NOW)


@pytest.mark.parametrize("role", ["operator", "dispatcher", "inspector", "housing_handler", "housing_admin"])
def test_staff_outside_supervision_and_leadership_get_403_everywhere(cast, signed_in, published, role):
    client = signed_in(getattr(cast, role))
    for url in (REPORTS, INBOX, NEW, reverse("console:report", args=[published.pk]),
                reverse("console:report-download", args=[published.pk, "xlsx"])):
        assert client.get(url).status_code == 403, url


def test_the_menu_shows_reports_to_supervisors_leaders_and_admins_only(cast, signed_in):
    for role, shown in (("supervisor", True), ("leader", True), ("admin", True), ("operator", False)):
        page = signed_in(getattr(cast, role)).get(reverse("console:home")).content.decode()
        assert (f'href="{REPORTS}" accesskey="p">报告</a>' in page) is shown, role


def test_leaders_see_published_reports_but_neither_drafts_nor_the_generate_form(cast, signed_in, draft, published):
    client = signed_in(cast.leader)

    listing = client.get(REPORTS).content.decode()
    assert published.title in listing and f'href="{reverse("console:report", args=[draft.pk])}"' not in listing
    assert client.get(reverse("console:report", args=[draft.pk])).status_code == 404
    assert client.get(NEW).status_code == 403
    response = client.post(reverse("console:report", args=[published.pk]), {"action": "publish"})
    assert response.status_code == 403


def test_the_reading_list_shows_unread_first_and_opening_a_report_marks_it_read(cast, signed_in):
    older = services.report_publish(_special(), now=NOW)
    newer = services.report_publish(_special(end="2025-11-18"), now=at(2025, 11, 20, 10))
    services.report_mark_read(report=newer, user=cast.leader)
    client = signed_in(cast.leader)

    page = client.get(INBOX).content.decode()
    position = {r.pk: page.index(reverse("console:report", args=[r.pk])) for r in (older, newer)}
    assert position[older.pk] < position[newer.pk]
    assert "1 份未读" in page

    assert client.get(reverse("console:report", args=[older.pk])).status_code == 200
    assert ReportDelivery.objects.get(report=older, user=cast.leader).read_at is not None
    assert "0 份未读" in client.get(INBOX).content.decode()


def test_a_supervisor_generates_a_draft_from_the_form(cast, signed_in):
    client = signed_in(cast.supervisor)
    assert client.get(NEW).status_code == 200

    response = client.post(NEW, {"kind": "special", "start": "2025-11-01", "end": "2025-11-19", "keyword": "电梯"})

    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("console:report", args=[report.pk])
    assert (report.kind, report.status, report.created_by) == (Kind.SPECIAL, Report.Status.DRAFT, cast.supervisor)
    assert report.params["keyword"] == "电梯"


def test_a_request_that_cannot_make_a_report_gets_400_with_the_reason(cast, signed_in):
    client = signed_in(cast.supervisor)

    response = client.post(NEW, {"kind": "special", "start": "2025-11-01", "end": "2025-11-19"})

    assert response.status_code == 400
    assert "专报需要指定诉求分类、区域或关键词中的至少一项。" in response.content.decode()
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "daily", "day": "0001-01-01"}, "day", "请填写 1900-01-01 至 2999-12-31 之间的日期。"),
        ({"kind": "monthly", "month": "0001-01"}, "month", "请填写 1900-01 至 2999-12 之间的月份。"),
        ({"kind": "monthly", "month": "2026-13"}, "month", "月份「2026-13」无效（格式：2026-03）。"),
        ({"kind": "special", "start": "0001-01-01", "end": "2025-11-19", "keyword": "电梯"}, "start",
         "请填写 1900-01-01 至 2999-12-31 之间的日期。"),
        ({"kind": "special", "start": "2025-11-01", "end": "9999-12-31", "keyword": "电梯"}, "end",
         "请填写 1900-01-01 至 2999-12-31 之间的日期。"),
    ],
)
def test_a_date_no_report_can_cover_is_refused_beside_its_field(cast, signed_in, queued_tasks, data, field, message):
    response = signed_in(cast.supervisor).post(NEW, data)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Report.objects.exists() and queued_tasks.results == []


def test_a_year_1_report_is_refused_in_english_for_english_users(cast, signed_in, queued_tasks):
    type(cast.supervisor).objects.filter(pk=cast.supervisor.pk).update(language="en")
    response = signed_in(cast.supervisor).post(NEW, {"kind": "monthly", "month": "0001-01"})
    assert response.status_code == 400
    assert response.context["form"].errors["month"] == ["Enter a month between 1900-01 and 2999-12."]


def test_the_report_frame_reads_as_it_will_be_sent_in_chinese_for_english_readers(cast, signed_in):
    daily = services.report_publish(services.report_generate(Kind.DAILY, day="2025-11-04", now=NOW), now=NOW)
    type(cast.leader).objects.filter(pk=cast.leader.pk).update(language="en")
    page = signed_in(cast.leader).get(reverse("console:report", args=[daily.pk])).content.decode()
    assert '<p class="report-masthead">12345热线工作日报</p>' in page
    assert '<p class="report-issue">2025年第1期</p>' in page
    assert "Daily work report · No. 1, 2025" in page  # the page's own heading stays in the reader's language
    assert "12345 Hotline Daily Work Report" not in page


def test_a_draft_is_corrected_and_published_from_its_page(cast, signed_in, draft):
    client = signed_in(cast.supervisor)
    url = reverse("console:report", args=[draft.pk])
    page = client.get(url).content.decode()
    assert 'name="text_advice"' in page and 'name="text_summary"' in page

    client.post(url, {"action": "save", "title": "关于物业服务的专报", "text_advice": "建议约谈物业企业。",
                      "text_summary": "十一月物业诉求增多。"})
    response = client.post(url, {"action": "publish"})

    draft.refresh_from_db()
    assert response.status_code == 302
    assert (draft.title, draft.status, draft.number) == ("关于物业服务的专报", Report.Status.PUBLISHED, 1)
    assert [b["text"] for b in draft.content["blocks"] if b.get("key") == "advice"] == ["建议约谈物业企业。"]
    assert ReportDelivery.objects.filter(report=draft, user=cast.leader, read_at=None).exists()
    page = client.get(url).content.decode()
    assert 'name="text_advice"' not in page and "建议约谈物业企业。" in page


def test_a_draft_of_a_published_period_goes_out_only_as_a_correction(cast, signed_in, published):
    again = _special(by=cast.supervisor)
    url = reverse("console:report", args=[again.pk])
    client = signed_in(cast.supervisor)

    page = client.get(url).content.decode()
    assert "本期已发布" in page and f'href="{reverse("console:report", args=[published.pk])}"' in page
    assert 'name="correction"' in page and ">发布并送达领导</button>" not in page  # only the correction form

    refused = client.post(url, {"action": "publish"})
    assert refused.status_code == 409
    assert "已于 2025-11-20 09:00 发布为2025年第1期" in refused.content.decode()
    again.refresh_from_db()
    assert again.status == Report.Status.DRAFT

    response = client.post(url, {"action": "publish", "correction": "更正了受理量。"})
    assert (response.status_code, response["Location"]) == (302, url)
    again.refresh_from_db()
    assert (again.status, again.title) == (Report.Status.PUBLISHED, "关于城乡建设诉求情况的专报（更正）")
    assert again.content["corrects"] == published.pk


def test_the_reading_list_and_the_report_list_show_the_period_each_report_covers(cast, signed_in, published):
    services.report_publish(_special(start="2025-11-19"), now=NOW)
    client = signed_in(cast.leader)
    for url in (INBOX, REPORTS):
        page = client.get(url).content.decode()
        assert "统计期</th>" in page, url
        assert '<td class="num">2025-11-01 ~ 2025-11-19</td>' in page, url
        assert '<td class="num">2025-11-19</td>' in page, url


def test_editing_a_published_report_is_refused_with_400(cast, signed_in, published):
    response = signed_in(cast.supervisor).post(reverse("console:report", args=[published.pk]),
                                               {"action": "save", "text_advice": "改"})
    assert response.status_code == 400 and "报告已发布，不能再修改。" in response.content.decode()


@pytest.mark.parametrize("fmt, content_type", [
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("pdf", "application/pdf"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_a_leader_downloads_a_published_report(cast, signed_in, published, fmt, content_type):
    response = signed_in(cast.leader).get(reverse("console:report-download", args=[published.pk, fmt]))

    assert response.status_code == 200 and response["Content-Type"] == content_type
    assert "attachment" in response["Content-Disposition"]
    assert response.content[:4] in (b"PK\x03\x04", b"%PDF")


def test_an_unknown_file_format_is_404(cast, signed_in, published):
    assert signed_in(cast.leader).get(reverse("console:report-download", args=[published.pk, "odt"])).status_code == 404


def test_a_pdf_without_a_cjk_font_answers_503_with_the_reason(cast, signed_in, published, monkeypatch):
    monkeypatch.setenv("REXIAN_REPORT_FONT", "/nonexistent/font.ttc")
    response = signed_in(cast.leader).get(reverse("console:report-download", args=[published.pk, "pdf"]))
    assert response.status_code == 503 and "REXIAN_REPORT_FONT" in response.content.decode()


def test_the_hot_spots_button_drafts_a_quick_report(cast, signed_in, elevator_issue):
    client = signed_in(cast.supervisor)
    issue = elevator_issue.issue

    page = client.get(f"{NEW}?kind=quick&issue={issue.pk}").content.decode()
    assert f"根据热点问题「{issue.title}」（3 件）起草快报。" in page
    assert f'name="issue" value="{issue.pk}"' in page and "起草快报" in page

    response = client.post(NEW, {"kind": "quick", "issue": issue.pk})
    report = Report.objects.get()
    assert response["Location"] == reverse("console:report", args=[report.pk])
    assert (report.kind, report.params) == (Kind.QUICK, {"issue": issue.pk})
    page = client.get(response["Location"]).content.decode()
    assert 'name="text_situation"' in page and 'name="text_advice"' in page


def test_a_quick_report_from_an_issue_that_is_gone_is_refused(cast, signed_in):
    client = signed_in(cast.supervisor)
    assert "热点问题 999 不存在。" in client.get(f"{NEW}?kind=quick&issue=999").content.decode()
    response = client.post(NEW, {"kind": "quick", "issue": 999})
    assert response.status_code == 400 and not Report.objects.exists()
    assert response.content.decode().count("热点问题 999 不存在。") == 1  # said once, above the form
    malformed = client.post(NEW, {"kind": "quick", "issue": "abc"})
    assert malformed.status_code == 400 and "快报来源编号无效，请从热点页面重新进入。" in malformed.content.decode()
    assert not Report.objects.exists()


# --- Built by the worker ---


def test_a_report_being_built_shows_its_state_refreshes_and_offers_nothing_to_do(cast, signed_in, queued_tasks):
    client = signed_in(cast.supervisor)
    response = client.post(NEW, {"kind": "daily", "day": "2025-11-04"})
    report = Report.objects.get()
    assert report.status == Report.Status.BUILDING
    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    assert "已提交，报告由后台生成；完成后本页自动显示草稿。" in body
    assert "报告正在由后台生成" in body and '<meta http-equiv="refresh" content="3">' in body
    assert "发布并送达领导" not in body and "下载 Word" not in body
    download = client.get(reverse("console:report-download", args=[report.pk, "docx"]))
    assert download.status_code == 409 and "报告尚未生成完成，不能下载。" in download.content.decode()
    refused = client.post(reverse("console:report", args=[report.pk]), {"action": "publish"})
    assert refused.status_code == 400 and "报告尚未生成完成，不能发布。" in refused.content.decode()

    services.report_build(report.pk)  # the worker
    done = client.get(reverse("console:report", args=[report.pk])).content.decode()
    assert "发布并送达领导" in done and 'http-equiv="refresh"' not in done


def test_a_failed_report_tells_why_and_offers_to_ask_again(cast, signed_in, queued_tasks, monkeypatch):
    from rexian.reports import builders

    client = signed_in(cast.supervisor)
    client.post(NEW, {"kind": "daily", "day": "2025-11-04"})
    report = Report.objects.get()
    monkeypatch.setattr(builders, "build_daily", lambda *a, **k: 1 / 0)
    services.report_build(report.pk)
    body = client.get(reverse("console:report", args=[report.pk])).content.decode()
    assert "报告生成失败：生成时出错，请重新生成；如仍失败，请联系系统管理员。" in body
    assert "ZeroDivisionError" not in body  # kept for support, not shown
    assert f'{NEW}?kind=daily' in body
    listing = client.get(REPORTS).content.decode()
    assert "生成失败" in listing and "生成中" not in listing


def test_a_failed_report_tells_why_in_the_reader_s_language(cast, signed_in, queued_tasks, monkeypatch):
    from rexian.reports import builders

    services.report_request(Kind.DAILY, by=cast.supervisor, day="2025-11-04", now=NOW)
    report = Report.objects.get()
    monkeypatch.setattr(builders, "build_daily", lambda *a, **k: 1 / 0)
    services.report_build(report.pk)  # the worker, in Chinese
    type(cast.supervisor).objects.filter(pk=cast.supervisor.pk).update(language="en")
    body = signed_in(cast.supervisor).get(reverse("console:report", args=[report.pk])).content.decode()
    assert ("The report could not be built: Building the report went wrong. Ask for it again; if it fails again, "
            "contact the system administrator.") in body
    assert "生成时出错" not in body and "生成中" not in body


def test_leaders_never_see_a_report_being_built(cast, signed_in, queued_tasks):
    services.report_request(Kind.DAILY, by=cast.supervisor, day="2025-11-04", now=NOW)
    report = Report.objects.get()
    leader = signed_in(cast.leader)
    assert leader.get(reverse("console:report", args=[report.pk])).status_code == 404
    assert "生成中" not in leader.get(REPORTS).content.decode()
