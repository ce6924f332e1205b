"""Generating, numbering (第N期), correcting, publishing and reading reports."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from rexian.notifications.models import Notification
from rexian.reports import services
from rexian.reports.builders import ReportError
from rexian.reports.models import Report, ReportDelivery
from rexian.units.models import Role
from tests import factories as f
from tests.analytics.conftest import at

Kind = Report.Kind
NOW = at(2025, 11, 20, 9)


def _special(**overrides):
    params = dict(start="2025-11-01", end="2025-11-19", category="01", now=NOW)
    params.update(overrides)
    return services.report_generate(Kind.SPECIAL, **params)


def test_a_generated_report_is_an_unnumbered_draft_with_its_period_and_params(cast):
    report = _special(by=cast.supervisor, keyword="电梯")

    assert report.status == Report.Status.DRAFT and report.number is None and report.issue_label == "草稿"
    assert (report.period_start, report.period_end) == (dt.date(2025, 11, 1), dt.date(2025, 11, 19))
    assert report.params == {"start": "2025-11-01", "end": "2025-11-19", "keyword": "电梯", "category": "01", "area": ""}
    assert report.title == "关于城乡建设·“电梯”诉求情况的专报"
    assert report.created_by == cast.supervisor


def test_issue_numbers_count_per_kind_and_per_year_of_publication(cast):
    first, second, other_kind = _special(), _special(end="2025-11-18"), _special()
    services.report_publish(first, now=NOW)
    services.report_publish(second, now=NOW)
    other_kind.kind = Kind.QUICK
    other_kind.save()
    services.report_publish(other_kind, now=NOW)
    next_year = services.report_publish(_special(end="2025-11-17"), now=at(2026, 1, 2, 9))

    numbers = {r.pk: (r.kind, r.year, r.number) for r in Report.objects.all()}
    assert numbers[first.pk] == (Kind.SPECIAL, 2025, 1)
    assert numbers[second.pk] == (Kind.SPECIAL, 2025, 2)
    assert numbers[other_kind.pk] == (Kind.QUICK, 2025, 1)
    assert numbers[next_year.pk] == (Kind.SPECIAL, 2026, 1)
    assert Report.objects.get(pk=second.pk).issue_label == "2025年第2期"


def test_a_draft_that_is_never_published_takes_no_number(cast):
    _special()  # thrown away
    published = services.report_publish(_special(), now=NOW)
    assert published.number == 1


def test_publishing_delivers_to_active_leaders_and_supervisors_unread_and_notifies_them(
    cast, django_capture_on_commit_callbacks
):
    second_leader = f.UserFactory(username="leader2", role=Role.LEADER, unit=cast.city)
    f.UserFactory(username="retired", role=Role.LEADER, unit=cast.city, is_active=False)
    report = _special(by=cast.supervisor)

    with django_capture_on_commit_callbacks(execute=True):
        services.report_publish(report, by=cast.supervisor, now=NOW)

    deliveries = ReportDelivery.objects.filter(report=report)
    assert sorted(d.user.username for d in deliveries) == ["leader", "leader2", "supervisor"]
    assert all(d.read_at is None and d.delivered_at == NOW for d in deliveries)
    notified = Notification.objects.filter(key=f"report:{report.pk}")
    # The supervisor who published it is not told about it.
    assert sorted(n.recipient.username for n in notified) == ["leader", "leader2"]
    told = notified.get(recipient=second_leader)
    assert "关于城乡建设诉求情况的专报" in told.text
    assert (told.kind, told.link) == (Notification.Kind.REPORT, f"/console/reports/{report.pk}/")
    report.refresh_from_db()
    assert (report.status, report.published_by, report.published_at) == (Report.Status.PUBLISHED, cast.supervisor, NOW)


def test_marking_read_changes_only_the_reader_s_own_delivery_and_its_notification(
    cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_publish(_special(), now=NOW)

    assert services.report_mark_read(report=report, user=cast.leader, now=NOW + dt.timedelta(hours=1)) is True
    assert services.report_mark_read(report=report, user=cast.leader) is False  # already read

    read = {d.user.username: d.read_at for d in ReportDelivery.objects.filter(report=report)}
    assert read == {"leader": NOW + dt.timedelta(hours=1), "supervisor": None}
    assert Notification.objects.get(recipient=cast.leader, key=f"report:{report.pk}").read_at is not None
    assert Notification.objects.get(recipient=cast.supervisor, key=f"report:{report.pk}").read_at is None


def test_a_published_report_cannot_be_published_or_edited_again(cast):
    report = services.report_publish(_special(), now=NOW)
    with pytest.raises(ReportError, match="已经发布"):
        services.report_publish(report, now=NOW)
    with pytest.raises(ReportError, match="已发布"):
        services.report_update_text(report=report, by=cast.supervisor, texts={"advice": "新的建议"})


def test_the_same_report_published_again_is_refused_without_a_correction(cast):
    earlier = services.report_publish(_special(), now=NOW)
    again = _special(by=cast.supervisor)

    with pytest.raises(services.ReportAlreadyPublished) as refused:
        services.report_publish(again, by=cast.supervisor, now=NOW + dt.timedelta(hours=2))

    assert refused.value.earlier == earlier
    assert str(refused.value).startswith("专报（统计期 2025-11-01 ~ 2025-11-19）已于 2025-11-20 09:00 发布为2025年第1期。")
    again.refresh_from_db()
    assert (again.status, again.number) == (Report.Status.DRAFT, None)
    assert services.report_publish(_special(end="2025-11-18"), now=NOW).number == 2  # the refusal took no number


def test_a_correction_goes_out_as_a_new_issue_that_says_what_it_corrects(cast):
    earlier = services.report_publish(_special(), now=NOW)
    again = _special(by=cast.supervisor)

    services.report_publish(again, by=cast.supervisor, now=NOW + dt.timedelta(hours=2), correction=" 更正了受理量。 ")

    again.refresh_from_db()
    assert (again.status, again.number) == (Report.Status.PUBLISHED, 2)
    assert again.title == again.content["title"] == "关于城乡建设诉求情况的专报（更正）"
    assert again.content["blocks"][0] == {
        "type": "paragraph", "text": "更正说明：本期更正2025年第1期（2025-11-20 09:00发布）。更正了受理量。",
    }
    assert again.content["corrects"] == earlier.pk
    earlier.refresh_from_db()
    assert (earlier.title, earlier.number) == ("关于城乡建设诉求情况的专报", 1)  # what was sent stays as it was


def test_another_topic_or_period_is_no_reissue(cast):
    services.report_publish(_special(), now=NOW)
    assert services.report_publish(_special(keyword="电梯"), now=NOW).number == 2
    assert services.report_publish(_special(start="2025-11-02"), now=NOW).number == 3


def test_a_correction_note_has_a_length_limit(cast):
    services.report_publish(_special(), now=NOW)
    with pytest.raises(ReportError, match="更正说明不能超过 500 个字"):
        services.report_publish(_special(), now=NOW, correction="改" * 501)


def test_a_draft_s_title_and_editable_paragraphs_can_be_corrected(cast):
    report = _special()

    services.report_update_text(report=report, by=cast.admin, title="关于物业服务问题的专报",
                                texts={"advice": "建议住建局约谈物业企业。"})

    report.refresh_from_db()
    assert report.title == report.content["title"] == "关于物业服务问题的专报"
    advice = [b for b in report.content["blocks"] if b.get("key") == "advice"]
    assert advice[0]["text"] == "建议住建局约谈物业企业。"
    with pytest.raises(ReportError, match="没有可修改的段落"):
        services.report_update_text(report=report, by=cast.admin, texts={"heading": "x"})
    with pytest.raises(ReportError, match="不能为空"):
        services.report_update_text(report=report, by=cast.admin, texts={"advice": "  "})


@pytest.mark.parametrize("role", ["operator", "dispatcher", "leader", "housing_handler", "inspector"])
def test_only_supervisors_and_admins_generate_and_publish(cast, role):
    user = getattr(cast, role)
    with pytest.raises(PermissionDenied):
        _special(by=user)
    report = _special(by=cast.supervisor)
    with pytest.raises(PermissionDenied):
        services.report_publish(report, by=user)


def test_what_cannot_make_a_report_is_told_in_chinese(cast):
    with pytest.raises(ReportError, match="今天之前"):
        services.report_generate(Kind.DAILY, day="2025-11-20", now=NOW)
    with pytest.raises(ReportError, match="不是有效日期"):
        services.report_generate(Kind.DAILY, day="2025-13-01", now=NOW)
    with pytest.raises(ReportError, match="月份"):
        services.report_generate(Kind.MONTHLY, month="2025/11", now=NOW)
    with pytest.raises(ReportError, match="尚未开始"):
        services.report_generate(Kind.MONTHLY, month="2025-12", now=NOW)
    with pytest.raises(ReportError, match="起止日期"):
        services.report_generate(Kind.SPECIAL, start="2025-11-01", now=NOW)
    with pytest.raises(ReportError, match="二选一"):
        services.report_generate(Kind.QUICK, now=NOW)
    with pytest.raises(ReportError, match="未知的报告类型"):
        services.report_generate("weekly", now=NOW)


# --- Asked for in the console: checked at once, built by the worker ---


def test_a_requested_report_is_stored_building_and_queued_then_built_into_a_draft(cast, queued_tasks):
    requested = services.report_request(
        Kind.SPECIAL, by=cast.supervisor, start="2025-11-01", end="2025-11-19", category="01", now=NOW
    )
    assert requested.status == Report.Status.BUILDING and requested.content == {}
    assert (requested.period_start, requested.period_end) == (dt.date(2025, 11, 1), dt.date(2025, 11, 19))
    assert requested.title == "专报（生成中）"
    [queued] = queued_tasks.results
    assert queued.task.name == "report_build_task" and queued.args == [requested.pk]

    built = services.report_build(requested.pk)
    assert built.pk == requested.pk and built.status == Report.Status.DRAFT and built.error == ""
    assert built.title == "关于城乡建设诉求情况的专报"
    assert built.content == _special(by=cast.supervisor).content  # the same report the request would have made
    assert services.report_build(requested.pk) is None  # built once: a task run twice does nothing


def test_a_monthly_report_requested_knows_its_period_before_it_is_built(cast, queued_tasks):
    report = services.report_request(Kind.MONTHLY, by=cast.supervisor, month="2025-02", now=NOW)
    assert (report.period_start, report.period_end) == (dt.date(2025, 2, 1), dt.date(2025, 2, 28))


def test_a_bad_request_is_refused_at_once_and_nothing_is_queued(cast, queued_tasks):
    with pytest.raises(ReportError, match="统计截止日早于起始日"):
        services.report_request(Kind.SPECIAL, by=cast.supervisor, start="2025-11-19", end="2025-11-01",
                                category="01", now=NOW)
    assert not Report.objects.exists() and queued_tasks.results == []


def test_a_build_that_cannot_be_made_any_more_is_marked_failed_with_the_reason(cast, queued_tasks):
    requested = services.report_request(
        Kind.SPECIAL, by=cast.supervisor, start="2025-11-01", end="2025-11-19", category="01", now=NOW
    )
    cast.supervisor.role = Role.OPERATOR  # no longer a supervisor when the worker comes to it
    cast.supervisor.save()
    failed = services.report_build(requested.pk)
    assert (failed.status, failed.failure) == (Report.Status.FAILED, Report.Failure.DENIED)
    assert failed.error == "只有值班长和系统管理员可以生成、修改和发布报告。"
    assert failed.title == "专报"  # no longer 「专报（生成中）」


def test_a_build_whose_topic_is_gone_is_marked_rejected(cast, queued_tasks):
    requested = services.report_request(
        Kind.SPECIAL, by=cast.supervisor, start="2025-11-01", end="2025-11-19", category="01", now=NOW
    )
    Report.objects.filter(pk=requested.pk).update(params={**requested.params, "category": "ZZ"})
    failed = services.report_build(requested.pk)
    assert (failed.status, failed.failure, failed.title) == (Report.Status.FAILED, Report.Failure.REJECTED, "专报")
    assert "ZZ" in failed.error


def test_an_unexpected_error_while_building_fails_the_report_without_losing_it(cast, queued_tasks, monkeypatch):
    from rexian.reports import builders

    requested = services.report_request(Kind.DAILY, by=cast.supervisor, day="2025-11-04", now=NOW)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(builders, "build_daily", broken)
    failed = services.report_build(requested.pk)
    assert (failed.status, failed.failure, failed.title) == (Report.Status.FAILED, Report.Failure.ERROR, "工作日报")
    assert failed.get_failure_display() == "生成时出错，请重新生成；如仍失败，请联系系统管理员。"
    assert failed.error == "RuntimeError: disk full"  # for support; the page says only the failure
    assert Report.objects.get(pk=requested.pk).status == Report.Status.FAILED


@pytest.mark.parametrize(
    ("kind", "fields", "message"),
    [
        (Kind.DAILY, {"day": "0001-01-01"}, "日期须在 1900-01-01 至 2999-12-31 之间。"),
        (Kind.MONTHLY, {"month": "0001-01"}, "月份须在 1900-01-01 至 2999-12-31 之间。"),
        (Kind.SPECIAL, {"start": "0001-01-01", "end": "2025-11-19", "category": "01"},
         "起始日须在 1900-01-01 至 2999-12-31 之间。"),
    ],
)
def test_a_report_on_a_year_no_data_can_hold_is_refused_at_once(cast, queued_tasks, kind, fields, message):
    with pytest.raises(ReportError, match=message):
        services.report_request(kind, by=cast.supervisor, now=NOW, **fields)
    assert not Report.objects.exists() and queued_tasks.results == []


def test_an_unfinished_report_cannot_be_edited_or_published(cast, queued_tasks):
    requested = services.report_request(Kind.DAILY, by=cast.supervisor, day="2025-11-04", now=NOW)
    with pytest.raises(ReportError, match="尚未生成完成"):
        services.report_publish(requested, by=cast.supervisor, now=NOW)
    with pytest.raises(ReportError, match="尚未生成完成"):
        services.report_update_text(report=requested, by=cast.supervisor, title="新标题", texts={})


def test_a_quick_report_is_built_at_once(cast, queued_tasks, elevator_issue):
    report = services.report_request(Kind.QUICK, by=cast.supervisor, issue=elevator_issue.issue.pk)
    assert report.status == Report.Status.DRAFT and report.content["blocks"]
    assert queued_tasks.results == []


def test_a_published_report_is_told_to_each_reader_in_their_own_language(cast, django_capture_on_commit_callbacks):
    f.UserFactory(username="leader2", role=Role.LEADER, unit=cast.city)
    cast.leader.language = "en"
    cast.leader.save(update_fields=["language"])

    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_publish(_special(), now=NOW)

    told = dict(Notification.objects.filter(key=f"report:{report.pk}").values_list("recipient__username", "text"))
    # The report's title is its own words: it stays as written.
    assert told["leader"] == "New report: 关于城乡建设诉求情况的专报 (Special report No. 1, 2025); read it under Reports."
    assert told["leader2"] == "新报告：关于城乡建设诉求情况的专报（专报 2025年第1期），请在「报告」中阅读。"
