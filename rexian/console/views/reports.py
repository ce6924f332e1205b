"""The report centre (报告中心): generate, preview, correct, publish and download reports; the leaders' reading list.

Supervisors and admins generate and publish; leaders read what was published to them (the
reading list, unread first, each marked read when opened); everyone else gets 403. Who may
do what is decided in `rexian.reports.permissions`, what a report says in its builders:
these views parse the request, call one service or selector and render.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from rexian.catalog.models import Category
from rexian.console.forms import ConsoleForm
from rexian.console.views.search import DATE_INPUT, FastSelect
from rexian.core.dates import FIRST_DAY, LAST_DAY, day_in_range, validate_day
from rexian.reports import selectors, services
from rexian.reports.builders import ReportError
from rexian.reports.content import display, editable_blocks
from rexian.reports.models import Report
from rexian.reports.permissions import may_manage, may_view_reports
from rexian.reports.render import FORMATS, MASTHEADS
from rexian.reports.render import render as render_file
from rexian.reports.render.fonts import FontMissing
from rexian.supervision import selectors as supervision_selectors
from rexian.supervision import services as supervision_services
from rexian.units.models import Unit

logger = logging.getLogger(__name__)
Kind = Report.Kind
MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")  # what <input type="month"> sends: 2026-03


def _int(value, default: int | None = None) -> int | None:
    try:
        return int(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return None


def _require_viewer(user) -> None:
    if not may_view_reports(user):
        raise PermissionDenied(gettext("只有值班长、领导和系统管理员可以查看报告。"))


def _require_manager(user) -> None:
    if not may_manage(user):
        raise PermissionDenied(gettext("只有值班长和系统管理员可以生成和发布报告。"))


def _tabs(request, current: str) -> dict:
    return {"tab": current, "unread": selectors.unread_count(user=request.user), "can_manage": may_manage(request.user)}


# --- Lists ------------------------------------------------------------------------------------------------


@login_required
@require_GET
def report_list(request):
    """报告中心: every report (leaders: the published ones), newest first, by kind."""
    _require_viewer(request.user)
    kind = request.GET.get("kind", "")
    page = _int(request.GET.get("page"), 1) or 1
    found = selectors.report_list(user=request.user, kind=kind, page=page)
    context = {
        **_tabs(request, "all"),
        "reports": found.items,
        "page": found.page,
        "has_next": found.has_next,
        "kind": kind,
        "kinds": Kind.choices,
    }
    return render(request, "console/reports.html", context)


@login_required
@require_GET
def inbox(request):
    """阅读列表: the reports delivered to the user, unread first."""
    _require_viewer(request.user)
    page = _int(request.GET.get("page"), 1) or 1
    found = selectors.reading_list(user=request.user, page=page)
    context = {**_tabs(request, "inbox"), "deliveries": found.items, "page": found.page, "has_next": found.has_next}
    return render(request, "console/reports_inbox.html", context)


# --- Generating -----------------------------------------------------------------------------------------------


class ReportForm(ConsoleForm):
    """What to report on; which fields apply depends on the kind (the service checks and explains)."""

    kind = forms.ChoiceField(label=_("报告类型"), choices=Kind.choices, widget=FastSelect)
    day = forms.DateField(
        label=_("日报日期"), required=False, widget=DATE_INPUT, help_text=_("默认昨天"), validators=[validate_day]
    )
    month = forms.CharField(
        label=_("简报月份"), required=False, max_length=7, widget=forms.TextInput(attrs={"type": "month"}),
        help_text=_("默认上月"),
    )
    start = forms.DateField(label=_("统计起始日"), required=False, widget=DATE_INPUT, validators=[validate_day])
    end = forms.DateField(label=_("统计截止日"), required=False, widget=DATE_INPUT, validators=[validate_day])
    category = forms.ChoiceField(label=_("诉求分类"), required=False, widget=FastSelect, help_text=_("含下级分类"))
    area = forms.ChoiceField(label=_("区域"), required=False, widget=FastSelect, help_text=_("含下属村（社区）"))
    keyword = forms.CharField(label=_("关键词"), required=False, max_length=40)
    issue = forms.IntegerField(required=False, widget=forms.HiddenInput)
    surge = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("不限"))] + [
            (c.code, "\u3000" * (c.level - 1) + c.name) for c in Category.objects.order_by("code")
        ]
        areas = Unit.objects.filter(kind__in=(Unit.Kind.TOWN, Unit.Kind.COMMUNITY), is_active=True).order_by("path")
        self.fields["area"].choices = [("", _("不限"))] + [
            (u.code, ("\u3000" if u.kind == Unit.Kind.COMMUNITY else "") + u.name) for u in areas
        ]

    def clean_month(self) -> str:
        month = self.cleaned_data["month"].strip()
        if not month:
            return ""
        found = MONTH.fullmatch(month)
        try:
            first = dt.date(int(found[1]), int(found[2]), 1) if found else None
        except ValueError:
            first = None
        if first is None:
            raise forms.ValidationError(gettext("月份「%(value)s」无效（格式：2026-03）。") % {"value": month})
        if not day_in_range(first):
            raise forms.ValidationError(
                gettext("请填写 %(first)s 至 %(last)s 之间的月份。")
                % {"first": f"{FIRST_DAY:%Y-%m}", "last": f"{LAST_DAY:%Y-%m}"}
            )
        return month

    def clean(self):
        # The hidden issue and surge come from the hot-spot page's link: a malformed one is said above the form
        # (a hidden field's own error would show nowhere).
        for name in ("issue", "surge"):
            if self.errors.pop(name, None):
                self.add_error(None, gettext("快报来源编号无效，请从热点页面重新进入。"))
        return super().clean()

    def params(self) -> dict:
        data = self.cleaned_data
        kind = data["kind"]
        if kind == Kind.DAILY:
            return {"day": data.get("day")}
        if kind == Kind.MONTHLY:
            return {"month": data.get("month") or None}
        if kind == Kind.SPECIAL:
            return {"start": data.get("start"), "end": data.get("end"), "category": data.get("category") or None,
                    "area": data.get("area") or None, "keyword": data.get("keyword", "")}
        return {"issue": data.get("issue"), "surge": data.get("surge")}


def _source(form: ReportForm) -> dict:
    """What a 快报 is drafted from, to show above the form: the hot issue or surge, as hot-spot detection found it."""
    kind = form.data.get("kind") if form.is_bound else form.initial.get("kind")
    if kind != Kind.QUICK:
        return {}
    values = form.data if form.is_bound else form.initial
    issue, surge = _int(values.get("issue")), _int(values.get("surge"))
    try:
        if issue:
            found = selectors.hot_issue(issue)
            return {"label": gettext("热点问题"), "title": found.title, "count": found.count}
        if surge:
            found = selectors.surge(surge)
            return {"label": gettext("预警"), "title": found.label, "count": found.count}
    except ReportError as error:
        return {"error": str(error)}
    return {}


@login_required
@require_http_methods(["GET", "POST"])
def report_new(request):
    """GET: the form (`?kind=quick&issue=<pk>` or `&surge=<pk>` to draft a 快报); POST: generate the draft."""
    _require_manager(request.user)
    if request.method == "GET":
        initial = {key: request.GET[key] for key in ("kind", "issue", "surge") if request.GET.get(key)}
        initial.setdefault("kind", Kind.DAILY)
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        initial.update(day=yesterday, start=yesterday - dt.timedelta(days=29), end=yesterday)
        form = ReportForm(initial=initial)
        return _new(request, form)
    form = ReportForm(request.POST)
    if not form.is_valid():
        return _new(request, form, status=400)
    try:
        report = services.report_request(form.cleaned_data["kind"], by=request.user, **form.params())
    except ReportError as error:
        form.add_error(None, str(error))
        return _new(request, form, status=400)
    if report.status == Report.Status.BUILDING:
        messages.success(request, gettext("已提交，报告由后台生成；完成后本页自动显示草稿。"))
    else:
        messages.success(request, gettext("已生成报告草稿，请核对后发布。"))
    return HttpResponseRedirect(reverse("console:report", args=[report.pk]))


def _new(request, form: ReportForm, status: int = 200):
    source = _source(form)
    if source.get("error") and source["error"] in form.non_field_errors():
        source["repeated"] = True  # the form's own errors say it already: once is enough
    context = {**_tabs(request, "new"), "form": form, "source": source}
    return render(request, "console/report_new.html", context, status=status)


# --- One report ----------------------------------------------------------------------------------------------------


def _bars(block: dict) -> list[dict]:
    """A chart block as CSS bars for the page (the files get matplotlib's pictures)."""
    values = [v or 0 for v in block["values"]]
    peak = max(values, default=0)
    fmt = block.get("format", "count")
    return [
        {"label": label, "value": display(value, fmt), "percent": round(value * 100 / peak) if peak else 0}
        for label, value in zip(block["labels"], values)
    ]


def _preview(report: Report) -> list[dict]:
    """The blocks, ready for the template: cells as text, charts as bars."""
    shown = []
    for block in report.content.get("blocks", []):
        block = dict(block)
        if block["type"] == "figures":
            block["cells"] = [(label, display(value, fmt)) for label, value, fmt in block["rows"]]
        elif block["type"] == "table":
            block["cells"] = [
                [(display(value, fmt), fmt != "text") for value, fmt in zip(row, block["formats"])]
                for row in block["rows"]
            ]
        elif block["type"] == "chart":
            block["bars"] = _bars(block)
        shown.append(block)
    return shown


@login_required
@require_http_methods(["GET", "POST"])
def report_detail(request, pk: int):
    """The report in the page; opening it marks it read. A manager corrects a draft (POST save) and publishes it."""
    report = selectors.report_get(user=request.user, pk=pk)
    if request.method == "POST":
        _require_manager(request.user)
        action = request.POST.get("action")
        try:
            if action == "save":
                texts = {block["key"]: request.POST.get(f"text_{block['key']}", "")
                         for block in editable_blocks(report.content) if f"text_{block['key']}" in request.POST}
                services.report_update_text(report=report, by=request.user, title=request.POST.get("title"),
                                            texts=texts)
                messages.success(request, gettext("修改已保存。"))
            elif action == "publish":
                report = services.report_publish(report, by=request.user, correction=request.POST.get("correction", ""))
                messages.success(request, gettext("已发布：%(issue)s，已送达领导阅读列表。") % {"issue": report.issue_label})
            else:
                return _detail(request, report, error=gettext("未知的操作。"), status=400)
        except services.ReportAlreadyPublished as error:
            # Published by a colleague meanwhile, or the page's warning was not read: the correction form is shown.
            return _detail(request, report, error=str(error), status=409)
        except ReportError as error:
            return _detail(request, report, error=str(error), status=400)
        return HttpResponseRedirect(reverse("console:report", args=[report.pk]))
    services.report_mark_read(report=report, user=request.user)
    return _detail(request, report)


def _detail(request, report: Report, *, error: str = "", status: int = 200):
    can_edit = may_manage(request.user) and report.is_draft
    with translation.override(settings.LANGUAGE_CODE):
        masthead, issue = str(MASTHEADS[report.kind]), report.issue_label
    context = {
        "report": report,
        # The same report is out already: this draft can go out only as its correction (更正).
        "earlier": selectors.published_like(report) if can_edit else None,
        # The report's frame reads as it will be sent, in the centre's language, whoever reads the page.
        "masthead": masthead,
        "issue": issue,
        "blocks": _preview(report),
        "can_edit": can_edit,
        "can_manage": may_manage(request.user),
        "formats": FORMATS,
        "error": error,
        # 批示与督办 written on the report (rexian.supervision), and whether this reader may write one.
        "supervisions": supervision_selectors.report_supervisions(user=request.user, report=report),
        "may_instruct": supervision_services.may_issue_on_report(request.user, report),
    }
    return render(request, "console/report_detail.html", context, status=status)


@login_required
@require_GET
def report_download(request, pk: int, fmt: str):
    """The report as Word, PDF or Excel, rendered from its content; counts as reading it."""
    if fmt not in FORMATS:
        raise Http404(gettext("没有这种文件格式。"))
    report = selectors.report_get(user=request.user, pk=pk)
    if report.is_unfinished:
        return _detail(request, report, error=gettext("报告尚未生成完成，不能下载。"), status=409)
    try:
        rendered = render_file(report, fmt)
    except FontMissing as missing:
        logger.error("report %s as %s: %s", report.pk, fmt, missing)
        return _detail(request, report, error=str(missing), status=503)
    services.report_mark_read(report=report, user=request.user)
    response = HttpResponse(rendered.data, content_type=rendered.content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=rendered.filename)
    response["Cache-Control"] = "no-store"
    return response
