"""Order search (工单查询) for every staff role, and its Excel export.

Both pages read the same GET filters through `SearchForm` and ask one selector
(`order_search` for a page, `order_search_export` for the file); what a user may see is
decided there, through `rexian.orders.access`. A bad filter re-renders the form with the
message beside the field and a 400.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.forms.utils import flatatt
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rexian.catalog.models import AppealType, Category
from rexian.console.forms import ConsoleForm
from rexian.console.xlsx import workbook_bytes, xlsx_response
from rexian.core.dates import validate_day
from rexian.orders import selectors
from rexian.orders.search import query_terms
from rexian.orders.transitions import State
from rexian.privacy import crypto
from rexian.units.models import Role, Unit
from rexian.units.selectors import dispatch_units

logger = logging.getLogger(__name__)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# A whole number (20261126-000123) or its beginning, with or without the hyphen (which follows the date).
NUMBER = re.compile(r"^([0-9]{1,8}|[0-9]{8}-[0-9]*|[0-9]{9,})$")
PERIODS = (("", _("不限")), ("today", _("今日")), ("week", _("近7日")), ("month", _("近30日")))
PERIOD_DAYS = {"today": 0, "week": 6, "month": 29}
DEADLINES = (("", _("不限")), ("near", _("临近时限")), ("overdue", _("已超期")))


class FastSelect(forms.Select):
    """A <select> written in Python rather than one template per option: the search form's selects hold
    a few hundred options (the category tree, the units), which Django's widget templates take about 20 ms of a
    2-core server's time to render on every page."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        selected = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((key, mark_safe(" selected") if str(key) == selected else "", label) for key, label in self._flat()),
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(attrs), options)

    def _flat(self):
        for key, label in self.choices:
            if isinstance(label, (list, tuple)):  # an optgroup: flattened, the tree is in the labels
                yield from label
            else:
                yield getattr(key, "value", key), label


class SearchForm(ConsoleForm):
    """The search filters, all optional; codes in the URL keep links readable (?category=0101&unit=C-ZJJ)."""

    words = forms.CharField(
        label=_("关键词"), required=False, max_length=100,
        help_text=_("标题或诉求内容中的文字，多个词用空格分开"),
        widget=forms.TextInput(attrs={"type": "search", "data-search-box": "", "placeholder": _("按 / 键定位到这里")}),
    )
    number = forms.CharField(
        label=_("工单编号"), required=False, max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "20261126-000123"}),
    )
    phone = forms.CharField(label=_("来电号码"), required=False, max_length=20, widget=forms.TextInput(attrs={"type": "tel"}))
    period = forms.ChoiceField(label=_("时间段"), choices=PERIODS, required=False, widget=FastSelect)
    # Within rexian.core.dates' FIRST_DAY … LAST_DAY: a typed year 0001 cannot even be converted to UTC.
    date_from = forms.DateField(label=_("登记日期自"), required=False, widget=DATE_INPUT, validators=[validate_day])
    date_to = forms.DateField(label=_("登记日期至"), required=False, widget=DATE_INPUT, validators=[validate_day])
    state = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部"))] + list(State.choices), required=False, widget=FastSelect
    )
    appeal_type = forms.ModelChoiceField(
        label=_("诉求类型"), queryset=AppealType.objects.all(), to_field_name="code", required=False,
        empty_label=_("全部"), widget=FastSelect,
    )
    category = forms.ModelChoiceField(
        label=_("诉求分类"), queryset=Category.objects.all(), to_field_name="code", required=False,
        empty_label=_("全部"), help_text=_("含下级分类"), widget=FastSelect,
    )
    unit = forms.ModelChoiceField(
        label=_("承办单位"), queryset=Unit.objects.none(), to_field_name="code", required=False,
        empty_label=_("全部"), help_text=_("主办或协办"), widget=FastSelect,
    )
    lead_only = forms.BooleanField(label=_("仅看主办"), required=False, help_text=_("该承办单位现为主办的工单"))
    deadline = forms.ChoiceField(label=_("时限"), choices=DEADLINES, required=False, widget=FastSelect)
    overdue = forms.BooleanField(label=_("仅看超期"), required=False)
    mine = forms.BooleanField(label=_("仅看我登记的"), required=False)
    exclude_voided = forms.BooleanField(label=_("不含作废件"), required=False)
    page = forms.IntegerField(label=_("页码"), required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # The category tree as indented options, one query (ordered by code: children follow their parent).
        self.fields["category"].choices = [("", _("全部"))] + [
            (c.code, "\u3000" * (c.level - 1) + c.name) for c in Category.objects.order_by("code")
        ]
        self.fields["unit"].queryset = _unit_choices(user)
        if user.role not in (Role.OPERATOR, Role.SUPERVISOR):
            del self.fields["mine"]  # only those who register orders have orders of their own

    def clean_number(self) -> str:
        number = unicodedata.normalize("NFKC", self.cleaned_data["number"]).strip()  # full-width digits too
        if number and not NUMBER.match(number):
            raise forms.ValidationError(_("工单编号由数字和一个连字符组成，如 20261126-000123，可只填前几位。"))
        return number

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone:
            digits = crypto.normalize_phone(phone)
            if not digits.isdigit() or not 5 <= len(digits) <= 15:
                raise forms.ValidationError(_("请输入完整的电话号码（5至15位数字）。"))
        return phone

    def clean_words(self) -> str:
        words = self.cleaned_data["words"].strip()
        if words and not query_terms(words):
            raise forms.ValidationError(_("请输入要查找的文字或数字。"))
        return words

    def clean(self):
        data = super().clean()
        start, end, period = data.get("date_from"), data.get("date_to"), data.get("period")
        if period and (start or end):
            self.add_error("period", _("时间段和起止日期只能选用一种。"))
        elif start and end and end < start:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return data

    def filters(self) -> selectors.SearchFilters:
        """What the selector filters on."""
        data = self.cleaned_data
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if data.get("period"):
            today = timezone.localdate()
            date_from, date_to = today - dt.timedelta(days=PERIOD_DAYS[data["period"]]), today
        return selectors.SearchFilters(
            number=data.get("number", ""),
            phone=data.get("phone", ""),
            words=data.get("words", ""),
            date_from=date_from,
            date_to=date_to,
            state=data.get("state", ""),
            appeal_type=data.get("appeal_type"),
            category=data.get("category"),
            unit=data.get("unit"),
            lead_only=bool(data.get("lead_only")),
            overdue=True if data.get("overdue") else None,
            deadline=data.get("deadline", ""),
            mine=bool(data.get("mine")),
            exclude_voided=bool(data.get("exclude_voided")),
        )

    @property
    def page_number(self) -> int:
        return self.cleaned_data.get("page") or 1

    @property
    def advanced_open(self) -> bool:
        """Show the "more filters" panel open when one of its filters is set or wrong."""
        advanced = (
            "period", "date_from", "date_to", "appeal_type", "category", "unit", "lead_only", "deadline", "overdue",
            "mine", "exclude_voided",
        )
        return any(self.data.get(name) for name in advanced) or any(name in self.errors for name in advanced)


def _unit_choices(user):
    """The units a user may filter by: every unit that takes orders, or for unit staff their own (and, for a
    unit admin, those below it). Only a convenience: what the user may see is decided by the selector."""
    units = dispatch_units(active_only=False)
    if user.role in (Role.UNIT_HANDLER, Role.UNIT_ADMIN):
        if user.unit_id is None:
            return units.none()
        if user.role == Role.UNIT_ADMIN:
            return units.filter(path__startswith=user.unit.path)
        return units.filter(pk=user.unit_id)
    return units


def _bad_filters(request, form):
    context = {
        "form": form, "rows": [], "page": 1, "has_next": False, "total": None, "searched": True, "export_query": "",
    }
    return render(request, "console/search.html", context, status=400)


@login_required
def search(request):
    """工单查询: the filter form and one page of results (50 rows), newest first."""
    form = SearchForm(request.GET, user=request.user)
    if not form.is_valid():
        return _bad_filters(request, form)
    result = selectors.order_search(user=request.user, filters=form.filters(), page=form.page_number)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "rows": result.rows,
        "page": result.page,
        "has_next": result.has_next,
        "total": result.total,
        "total_exceeds": result.total_exceeds,
        "searched": bool(query),
        "export_query": query.urlencode(),
        "export_max_rows": settings.EXPORT_MAX_ROWS,
    }
    return render(request, "console/search.html", context)


EXPORT_COLUMNS = (
    _("工单编号"), _("登记时间"), _("受理渠道"), _("诉求类型"), _("诉求分类"), _("紧急程度"), _("状态"), _("标题"),
    _("诉求内容"), _("诉求人"), _("联系电话"), _("所属区域"), _("地址"), _("主办单位"), _("当前时限"), _("是否超期"),
)
EXPORT_WIDTHS = (17, 17, 8, 8, 26, 8, 10, 30, 60, 8, 13, 12, 24, 14, 17, 8)


@login_required
def export(request):
    """The same filters as the search page, as an .xlsx of at most REXIAN_EXPORT_MAX_ROWS orders, newest first.

    Callers' names and phones are masked for every role (access.masked_caller), so the
    file holds no personal data in clear and its download is not a personal-data access
    (nothing for the access log); it is logged here as an application event instead.
    """
    form = SearchForm(request.GET, user=request.user)
    if not form.is_valid():
        return _bad_filters(request, form)
    rows = selectors.order_search_export(user=request.user, filters=form.filters(), limit=settings.EXPORT_MAX_ROWS)
    yes, no = gettext("是"), gettext("否")
    count = 0

    def cells():
        nonlocal count
        for row in rows:
            o = row.order
            count += 1
            yield (
                o.number, _local(o.registered_at), row.channel, o.appeal_type.name, row.category_path, row.urgency,
                row.state, o.title, o.description, row.caller.name, row.caller.phone, row.area, o.address,
                row.lead_unit, _local(o.due_at), yes if o.is_overdue else no,
            )

    body = workbook_bytes(
        sheet_name=gettext("工单"), header=[str(title) for title in EXPORT_COLUMNS], rows=cells(), widths=EXPORT_WIDTHS
    )
    logger.info("order search export by %s: %d rows, filters %s", request.user.username, count, request.GET.urlencode())
    filename = f"{gettext('工单查询')}_{timezone.localdate():%Y%m%d}.xlsx"
    return xlsx_response(body, filename)


def _local(value: dt.datetime | None) -> str:
    """Local time as text (2026-11-26 14:05): sorts as a date would, and Excel has no time zones anyway."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""
