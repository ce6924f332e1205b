"""Writes of the reports app: generate a report, correct a draft, publish it to the leaders, mark it read.

Who may do what (`permissions.py`): supervisors (值班长) and admins generate, edit and
publish; leaders (领导) read what was published to them; the worker generates and publishes
the 工作日报 each morning and the 简报 each month without a user (`by=None`).

Publishing gives the report its issue number 第N期 (per kind, per year of publication,
taken under a row lock of `ReportSequence` so two publications never share one), puts it
on the reading list of every active leader and supervisor (`ReportDelivery`) and tells
them with a notification (通知) once the transaction commits. A report whose kind, period
and topic were published already goes out only as a correction (更正), saying so.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from rexian.core.dates import day_in_range, out_of_range_message
from rexian.core.replicas import replica_reads
from rexian.notifications.models import Notification
from rexian.notifications.services import notifications_send
from rexian.reports import builders, selectors
from rexian.reports.builders import ReportError
from rexian.reports.content import paragraph
from rexian.reports.models import Report, ReportDelivery, ReportSequence
from rexian.reports.permissions import READER_ROLES, may_manage
from rexian.units.models import User

logger = logging.getLogger(__name__)

Kind = Report.Kind
MAX_TEXT = 5000  # an edited paragraph
MAX_CORRECTION = 500  # the note a corrected re-issue (更正) carries
CORRECTED = "（更正）"  # after the title of a corrected re-issue (the report's language, as its title is)


class ReportAlreadyPublished(ReportError):
    """The same report (kind, period and topic) is published already: another issue must say what it corrects."""

    def __init__(self, earlier: Report):
        self.earlier = earlier
        super().__init__(
            _(
                "%(kind)s（统计期 %(period)s）已于 %(at)s 发布为%(issue)s。再次发布将作为新的一期送达领导；"
                "如确需更正，请填写更正说明后再发布。"
            )
            % {
                "kind": earlier.get_kind_display(), "period": earlier.period_label, "issue": earlier.issue_label,
                "at": timezone.localtime(earlier.published_at).strftime("%Y-%m-%d %H:%M"),
            }
        )


def _require_manager(by) -> None:
    if by is not None and not may_manage(by):
        raise PermissionDenied(_("只有值班长和系统管理员可以生成、修改和发布报告。"))


def _today(now: dt.datetime) -> dt.date:
    return timezone.localtime(now, timezone.get_default_timezone()).date()


def _parse_date(value, what: str) -> dt.date:
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            raise ReportError(
                _("%(what)s「%(value)s」不是有效日期（格式：2026-03-05）。") % {"what": what, "value": value}
            ) from None
    if not day_in_range(day):  # a year 0001 is a typo the metrics cannot even compute (the period before it)
        raise ReportError(out_of_range_message(what))
    return day


def _parse_month(value) -> dt.date:
    if isinstance(value, dt.date):
        first = value.replace(day=1)
    else:
        try:
            year, month = str(value).split("-")[:2]
            first = dt.date(int(year), int(month), 1)
        except ValueError:
            raise ReportError(_("月份「%(value)s」无效（格式：2026-03）。") % {"value": value}) from None
    if not day_in_range(first):
        raise ReportError(out_of_range_message(_("月份")))
    return first


@dataclass(frozen=True)
class _Plan:
    """What a report request resolves to before anything is built: its parameters, its period, its builder."""

    params: dict
    period: tuple[dt.date, dt.date] | None  # known before building except for a 快报
    build: Callable[[], dict]

    def content(self) -> dict:
        """Build the report. Building only reads (the metrics, the orders it cites): from a replica where there
        is one (rexian.core.replicas); the report is written to the primary afterwards."""
        with replica_reads():
            return self.build()


def _plan(kind, *, by, day=None, month=None, start=None, end=None, category=None, area=None, keyword: str = "",
          issue=None, surge=None, now: dt.datetime) -> _Plan:
    """Check a report request (who asks, which period or topic) and say how to build it, without building it."""
    _require_manager(by)
    today = _today(now)
    viewer = by or builders.LeaderView()
    if kind == Kind.DAILY:
        day = _parse_date(day, _("日期")) if day else today - dt.timedelta(days=1)
        if day >= today:
            raise ReportError(_("工作日报只能针对已经结束的日期（今天之前）。"))
        return _Plan({"day": day.isoformat()}, (day, day), lambda: builders.build_daily(day, now=now, viewer=viewer))
    if kind == Kind.MONTHLY:
        first = _parse_month(month) if month else (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        if first > today:
            raise ReportError(_("简报的月份尚未开始。"))
        last = (first + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)
        return _Plan(
            {"month": f"{first:%Y-%m}"}, (first, last), lambda: builders.build_monthly(first, now=now, viewer=viewer)
        )
    if kind == Kind.SPECIAL:
        if not start or not end:
            raise ReportError(_("专报需要统计起止日期。"))
        start, end = _parse_date(start, _("起始日")), _parse_date(end, _("截止日"))
        if end < start:
            raise ReportError(_("统计截止日早于起始日。"))
        if (end - start).days > 366 * 3:
            raise ReportError(_("专报的统计期不能超过三年。"))
        topic = builders.resolve_topic(category=category, area=area, keyword=keyword)
        params = {"start": start.isoformat(), "end": end.isoformat(), "keyword": topic.keyword,
                  "category": topic.category.code if topic.category else "",
                  "area": topic.area.code if topic.area else ""}
        return _Plan(
            params, (start, end), lambda: builders.build_special(start, end, topic=topic, now=now, viewer=viewer)
        )
    if kind == Kind.QUICK:
        if bool(issue) == bool(surge):
            raise ReportError(_("快报需要指定一个热点问题或一个预警（二选一）。"))
        found_issue = selectors.hot_issue(issue) if issue else None
        found_surge = selectors.surge(surge) if surge else None
        params = {"issue": found_issue.pk} if found_issue else {"surge": found_surge.pk}
        return _Plan(
            params, None, lambda: builders.build_quick(issue=found_issue, surge=found_surge, now=now, viewer=viewer)
        )
    raise ReportError(_("未知的报告类型：%(kind)s") % {"kind": kind})


def _fill(report: Report, content: dict) -> None:
    report.title = content["title"][:200]
    report.period_start = dt.date.fromisoformat(content["period_start"])
    report.period_end = dt.date.fromisoformat(content["period_end"])
    report.content = content


def report_generate(kind: str, *, by=None, now: dt.datetime | None = None, **fields) -> Report:
    """Build a report from the metrics now and store it as a draft (草稿): the worker's schedule, the command.

    kind "daily": `day` (default yesterday); "monthly": `month` (a date or "YYYY-MM", default
    last month); "special": `start`, `end` and at least one of `category`, `area` (codes or ids)
    and `keyword`; "quick": `issue` (a HotIssue id) or `surge` (a Surge id). `by` is the
    supervisor or admin who asks (None: the worker). Raises PermissionDenied for anyone else
    and ReportError, with a message for the user, for what cannot make a report.
    """
    now = now or timezone.now()
    plan = _plan(kind, by=by, now=now, **fields)
    report = Report(kind=kind, params=plan.params, created_by=by, created_at=now)
    _fill(report, plan.content())
    report.save()
    return report


def report_request(kind: str, *, by, now: dt.datetime | None = None, **fields) -> Report:
    """A supervisor asks for a report in the console: checked now, built by the worker (`report_build_task`).

    At a big city's volume a month's or a year's report takes tens of seconds to build, longer than a page
    should wait: the request is checked at once (same arguments and errors as `report_generate`) and stored
    as 生成中 (building), with its period and a provisional title, and the worker builds it into a draft or
    marks it 生成失败 (failed), saying why (`Report.Failure`). A 快报 reads a few hundred stored orders of one
    hot issue: it is built at once, as `report_generate` does.
    """
    now = now or timezone.now()
    if kind == Kind.QUICK:
        return report_generate(kind, by=by, now=now, **fields)
    plan = _plan(kind, by=by, now=now, **fields)
    start, end = plan.period
    report = Report.objects.create(
        kind=kind, title=_("%(kind)s（生成中）") % {"kind": Kind(kind).label}, period_start=start, period_end=end,
        params=plan.params, content={}, status=Report.Status.BUILDING, created_by=by, created_at=now,
    )
    from rexian.reports.tasks import report_build_task

    # Enqueued in the request's transaction: the worker's database queue sees the task when the report is there.
    report_build_task.enqueue(report.pk)
    return report


def report_build(report_id: int) -> Report | None:
    """The worker's half of `report_request`: build a 生成中 report into a draft, or mark it failed (`_fail`).

    The request is checked again as it stands now (the asker may have lost the right: `Failure.DENIED`; a
    category may be gone: `REJECTED`), with the time it was asked at as "now"; anything else that goes wrong is
    logged and is an `ERROR`. Returns None when there is no such report still building.
    """
    report = Report.objects.select_related("created_by").filter(pk=report_id, status=Report.Status.BUILDING).first()
    if report is None:
        return None
    try:
        plan = _plan(report.kind, by=report.created_by, now=report.created_at, **report.params)
        _fill(report, plan.content())
        report.status, report.failure, report.error = Report.Status.DRAFT, "", ""
    except PermissionDenied as error:
        _fail(report, Report.Failure.DENIED, str(error))
    except ReportError as error:
        _fail(report, Report.Failure.REJECTED, str(error))
    except Exception as error:
        logger.exception("report %s could not be built", report_id)
        _fail(report, Report.Failure.ERROR, f"{type(error).__name__}: {error}")
    report.save(update_fields=["title", "period_start", "period_end", "content", "status", "failure", "error"])
    return report


def _fail(report: Report, failure: str, detail: str) -> None:
    """Mark a report 生成失败: its page says `failure` in the reader's language; `detail` is kept for support only
    (written in the worker's language, or the exception's own words). Its provisional title 「…（生成中）」 becomes the
    kind's name, in the report's language as a built title is."""
    report.status, report.failure, report.error = Report.Status.FAILED, failure, detail[:500]
    with translation.override(settings.LANGUAGE_CODE):
        report.title = str(Kind(report.kind).label)


def report_update_text(*, report: Report, by, title: str | None = None, texts: dict[str, str]) -> Report:
    """Correct a draft before it is published: its title and the paragraphs marked editable (by their key).

    Supervisors and admins only; raises ReportError for a published report, an unknown
    paragraph or an empty text.
    """
    _require_manager(by)
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.is_unfinished:
            raise ReportError(_("报告尚未生成完成，不能修改。"))
        if not report.is_draft:
            raise ReportError(_("报告已发布，不能再修改。"))
        content = dict(report.content)
        blocks = [dict(block) for block in content.get("blocks", [])]
        editable = {block["key"]: block for block in blocks if block.get("editable")}
        unknown = set(texts) - set(editable)
        if unknown:
            raise ReportError(_("报告中没有可修改的段落：%(keys)s") % {"keys": "、".join(sorted(unknown))})
        for key, text in texts.items():
            text = (text or "").strip()
            if not text:
                raise ReportError(_("段落内容不能为空。"))
            if len(text) > MAX_TEXT:
                raise ReportError(_("段落不能超过 %(n)s 个字。") % {"n": MAX_TEXT})
            editable[key]["text"] = text
        if title is not None:
            title = title.strip()
            if not title:
                raise ReportError(_("标题不能为空。"))
            content["title"] = title[:200]
            report.title = title[:200]
        content["blocks"] = blocks
        report.content = content
        report.save(update_fields=["title", "content"])
    return report


def _next_number(kind: str, year: int) -> int:
    """The next 第N期 of the kind in the year, taken under the sequence row's lock (call inside a transaction)."""
    ReportSequence.objects.get_or_create(kind=kind, year=year)
    sequence = ReportSequence.objects.select_for_update().get(kind=kind, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return sequence.last


def _readers():
    """Who receives a published report: every active leader and supervisor."""
    return User.objects.filter(role__in=READER_ROLES, is_active=True)


def _mark_correction(report: Report, earlier: Report, note: str) -> None:
    """Make the draft say it corrects `earlier`: 「（更正）」 after its title, the note as its first paragraph."""
    content = dict(report.content)
    title = content.get("title") or report.title
    if not title.endswith(CORRECTED):
        title = title[: 200 - len(CORRECTED)] + CORRECTED
    with translation.override(settings.LANGUAGE_CODE):  # the report's language, whoever publishes it
        text = _("更正说明：本期更正%(issue)s（%(at)s发布）。%(note)s") % {
            "issue": earlier.issue_label, "at": timezone.localtime(earlier.published_at).strftime("%Y-%m-%d %H:%M"),
            "note": note,
        }
    content["title"] = report.title = title
    content["blocks"] = [paragraph(text)] + list(content.get("blocks", []))
    content["corrects"] = earlier.pk
    report.content = content


def report_publish(report: Report, *, by=None, now: dt.datetime | None = None, correction: str = "") -> Report:
    """Publish a draft: number it (第N期), deliver it to every active leader and supervisor, notify them.

    When a report of the same kind, period and topic is published already, the draft goes out only as its
    correction (更正): `correction` says what it corrects, and is put first in the report, with 「（更正）」 after
    its title. `by` is the supervisor or admin who publishes (None: the worker). Raises PermissionDenied for
    anyone else, ReportAlreadyPublished when the same report is out and no correction is given, and ReportError
    when the report is already published or the note is too long.
    """
    _require_manager(by)
    now = now or timezone.now()
    correction = (correction or "").strip()
    if len(correction) > MAX_CORRECTION:
        raise ReportError(_("更正说明不能超过 %(n)s 个字。") % {"n": MAX_CORRECTION})
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.is_unfinished:
            raise ReportError(_("报告尚未生成完成，不能发布。"))
        if not report.is_draft:
            raise ReportError(_("该报告已经发布（%(issue)s）。") % {"issue": report.issue_label})
        report.year = _today(now).year
        # Publications of a kind queue on its sequence row: one published meanwhile is seen here.
        report.number = _next_number(report.kind, report.year)
        earlier = selectors.published_like(report)
        if earlier is not None:
            if not correction:
                raise ReportAlreadyPublished(earlier)
            _mark_correction(report, earlier, correction)
        report.status = Report.Status.PUBLISHED
        report.published_by = by
        report.published_at = now
        report.save(update_fields=["year", "number", "status", "published_by", "published_at", "title", "content"])
        readers = list(_readers().values_list("pk", flat=True))
        ReportDelivery.objects.bulk_create(
            [ReportDelivery(report=report, user_id=pk, delivered_at=now) for pk in readers], ignore_conflicts=True
        )
        transaction.on_commit(lambda: _notify(report.pk, [pk for pk in readers if by is None or pk != by.pk]))
    return report


REPORT_PUBLISHED = gettext_noop("新报告：%(title)s（%(kind)s %(issue)s），请在「报告」中阅读。")


def _notify(report_id: int, user_ids: list[int]) -> int:
    """Tell the readers a report is on their reading list (once per reader: key "report:<id>"), each in their own
    language; the report's title stays as it was written."""
    report = Report.objects.filter(pk=report_id).first()
    if report is None or not user_ids:
        return 0
    # The kind and the issue number read in each reader's language: lazy, so they are said as each text is written.
    issue = lazy(lambda: report.issue_label, str)()
    values = {"title": report.title, "kind": Report.Kind(report.kind).label, "issue": issue}
    return notifications_send([(user_ids, REPORT_PUBLISHED, values)], kind=Notification.Kind.REPORT,
                              link=reverse("console:report", args=[report.pk]), key=f"report:{report.pk}",
                              at=report.published_at)


def report_mark_read(*, report: Report, user, now: dt.datetime | None = None) -> bool:
    """Mark the report read on the user's reading list; True when it was unread. Anyone may mark their own."""
    now = now or timezone.now()
    changed = ReportDelivery.objects.filter(report=report, user_id=user.pk, read_at__isnull=True).update(read_at=now)
    if changed:
        Notification.objects.filter(recipient_id=user.pk, key=f"report:{report.pk}", read_at__isnull=True).update(
            read_at=now
        )
    return bool(changed)


def report_generate_and_publish(kind: str, *, by=None, now: dt.datetime | None = None, **params) -> Report:
    """Generate a report and publish it at once (the worker's schedule, the demo, `rexian report --publish`)."""
    report = report_generate(kind, by=by, now=now, **params)
    return report_publish(report, by=by, now=now)
