"""The dispatchers' pages (派遣): the pending queue with an inline dispatch form, and the requests awaiting review.

Every inline form posts to the order's action (`console:order-action`) with `next` pointing back here, so the
lifecycle rules, the version check and the messages are the order detail page's own.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from rexian.catalog.models import AppealType, Category, Channel, Urgency
from rexian.console.actions import unit_choices
from rexian.console.forms import ConsoleForm, page_field
from rexian.core.dates import validate_day
from rexian.orders import selectors
from rexian.units.models import Unit

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DispatchFilterForm(ConsoleForm):
    """The pending queue's filters; every one optional. Codes in the URL keep links readable (?channel=portal)."""

    channel = forms.ModelChoiceField(
        label=_("受理渠道"), queryset=Channel.objects.order_by("code"), to_field_name="code", required=False,
        empty_label=_("全部"),
    )
    appeal_type = forms.ModelChoiceField(
        label=_("诉求类型"), queryset=AppealType.objects.all(), to_field_name="code", required=False,
        empty_label=_("全部"),
    )
    category = forms.ModelChoiceField(
        label=_("诉求分类"), queryset=Category.objects.all(), to_field_name="code", required=False,
        empty_label=_("全部"),
    )
    urgency = forms.ModelChoiceField(
        label=_("紧急程度"), queryset=Urgency.objects.all(), to_field_name="code", required=False,
        empty_label=_("全部"),
    )
    area = forms.ModelChoiceField(
        label=_("区域（镇/街道）"), queryset=Unit.objects.filter(kind=Unit.Kind.TOWN, is_active=True),
        to_field_name="code", required=False, empty_label=_("全部"),
    )
    # Within rexian.core.dates' FIRST_DAY … LAST_DAY: a typo's year 0002 or 9999 is no filter.
    registered_from = forms.DateField(label=_("登记日期自"), required=False, widget=DATE_INPUT, validators=[validate_day])
    registered_to = forms.DateField(label=_("登记日期至"), required=False, widget=DATE_INPUT, validators=[validate_day])
    keyword = forms.CharField(
        label=_("标题关键词"), required=False, max_length=60, widget=forms.TextInput(attrs={"type": "search"})
    )
    page = page_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Level-1 categories (the whole branch) and, grouped under them, the leaves: one query for the tree.
        categories = list(Category.objects.filter(is_active=True).select_related("parent").order_by("code"))
        leaves: dict[int, list] = {}
        for node in categories:
            if node.level == 3 and node.parent is not None:
                leaves.setdefault(node.parent.parent_id, []).append((node.code, f"{node.parent.name} › {node.name}"))
        choices: list = [("", _("全部"))]
        for top in (node for node in categories if node.level == 1):
            group = [(top.code, _("%(name)s（全部）") % {"name": top.name})] + leaves.get(top.pk, [])
            choices.append((top.name, group))
        self.fields["category"].choices = choices

    def clean(self):
        data = super().clean()
        start, end = data.get("registered_from"), data.get("registered_to")
        if start and end and end < start:
            self.add_error("registered_to", _("结束日期不能早于开始日期。"))
        return data

    def filters(self) -> dict:
        data = dict(self.cleaned_data)
        data["page"] = data.get("page") or 1
        data["keyword"] = (data.get("keyword") or "").strip()
        return data


def _require(user, roles) -> None:
    if user.role not in roles:
        raise PermissionDenied(_("您的角色无权查看该页面。"))


@login_required
def dispatch_queue(request):
    """The pending-dispatch queue (待派单), oldest first, each row with the catalogue's units preselected."""
    _require(request.user, selectors.DISPATCH_ROLES)
    form = DispatchFilterForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "rows": [], "page": 1, "has_next": False, "units": []}
        return render(request, "console/dispatch_queue.html", context, status=400)
    result = selectors.dispatch_queue_filtered(user=request.user, **form.filters())
    context = {
        "form": form,
        "rows": result.rows,
        "page": result.page,
        "has_next": result.has_next,
        "units": list(unit_choices()) if result.rows else [],
        "filtered": any(value for key, value in form.cleaned_data.items() if key != "page"),
    }
    return render(request, "console/dispatch_queue.html", context)


REQUEST_TABS = (
    ("return", _("退单申请")),
    ("extension", _("延期申请")),
    ("reply", _("办结回复")),
    ("reopened", _("不满意待重办")),
)


class RequestsForm(ConsoleForm):
    kind = forms.ChoiceField(label=_("类别"), choices=REQUEST_TABS, required=False)
    page = forms.IntegerField(label=_("页码"), required=False, min_value=1, max_value=selectors.QUEUE_MAX_PAGE)


@login_required
def review_requests(request):
    """Returns, extensions, replies and reopened orders awaiting a dispatcher (审核), one tab per kind."""
    _require(request.user, selectors.DISPATCH_ROLES)
    form = RequestsForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "chips": [], "rows": [], "page": 1, "has_next": False, "kind": ""}
        return render(request, "console/review_requests.html", context, status=400)
    result = selectors.review_requests(
        user=request.user, kind=form.cleaned_data["kind"] or None, page=form.cleaned_data["page"] or 1
    )
    chips = [
        {"label": label, "count": result.counts[kind], "query": f"kind={kind}", "current": kind == result.kind}
        for kind, label in REQUEST_TABS
    ]
    context = {
        "form": form,
        "chips": chips,
        "kind": result.kind,
        "kind_label": dict(REQUEST_TABS)[result.kind],
        "rows": result.rows,
        "page": result.page,
        "has_next": result.has_next,
    }
    return render(request, "console/review_requests.html", context)
