"""一企来 enterprise desk: enterprises' requests (企业诉求), enterprise profiles (企业档案) and policies (涉企政策).

The centre's staff see the desk; operators, supervisors and admins keep the profiles and tell an enterprise of a
policy; supervisors and admins enter, publish, withdraw and push policies. The views parse the form, call one
service of `rexian.enterprise.services` (or a selector) and redirect; a refused form comes back with its message
beside the field (400), a step the user may not take is 403.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rexian.console.forms import ConsoleForm, page_field
from rexian.console.responses import bad_request
from rexian.enterprise import selectors, services
from rexian.enterprise.models import Enterprise, Industry, Policy, PolicyPush, Size
from rexian.orders import selectors as order_selectors
from rexian.units.models import Unit
from rexian.units.selectors import area_towns

QUEUE_TABS = (("open", _("未办结")), ("overdue", _("已超期")), ("all", _("全部")))
POLICY_TABS = (("in_force", _("有效")), ("draft", _("草稿")), ("ended", _("已失效/撤回")))
EXPIRY_NOTICE_DAYS = 30
def _refused(form: forms.Form, refused: services.EnterpriseError) -> None:
    form.add_error(refused.field if refused.field in form.fields else None, refused.message)


# --- 企业诉求: the desk's queue -------------------------------------------------------------------------------------


class QueueForm(ConsoleForm):
    tab = forms.ChoiceField(choices=QUEUE_TABS, required=False)
    page = page_field()


@login_required
@require_GET
def enterprise_queue(request):
    """Enterprises' orders: the open ones nearest their deadline first (`?tab=overdue`, `?tab=all`)."""
    selectors.require_viewer(request.user)
    form = QueueForm(request.GET)
    if not form.is_valid():
        return bad_request(request, gettext("筛选条件不正确。"))
    tab = form.cleaned_data["tab"] or "open"
    found = order_selectors.enterprise_queue(user=request.user, tab=tab, page=form.cleaned_data["page"] or 1)
    chips = [
        {"label": label, "count": found.counts.get(slug), "query": f"tab={slug}", "current": slug == tab,
         "tone": "overdue" if slug == "overdue" else ""}
        for slug, label in QUEUE_TABS
    ]
    context = {"chips": chips, "rows": found.rows, "page": found.page, "has_next": found.has_next, "section": "queue"}
    return render(request, "console/enterprise_queue.html", context)


# --- 企业档案: profiles ---------------------------------------------------------------------------------------------


class EnterpriseFilterForm(ConsoleForm):
    q = forms.CharField(label=_("企业名称或信用代码"), max_length=100, required=False)
    industry = forms.ChoiceField(label=_("行业门类"), choices=[("", _("全部")), *Industry.choices], required=False)
    size = forms.ChoiceField(label=_("企业规模"), choices=[("", _("全部")), *Size.choices], required=False)
    area = forms.ModelChoiceField(label=_("所属区域"), queryset=Unit.objects.none(), required=False,
                                  empty_label=_("全部"))
    page = page_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = area_towns()


@login_required
@require_GET
def enterprise_list(request):
    """企业档案: profiles by name, with how many requests each made and how many are open."""
    selectors.require_viewer(request.user)
    form = EnterpriseFilterForm(request.GET)
    context = {"form": form, "rows": [], "page": 1, "has_next": False, "section": "profiles",
               "may_edit": services.may_edit_profiles(request.user)}
    if not form.is_valid():
        return render(request, "console/enterprise_list.html", context, status=400)
    d = form.cleaned_data
    found = selectors.enterprise_page(
        user=request.user, query=d["q"], industry=d["industry"], size=d["size"], area=d["area"], page=d["page"] or 1
    )
    context.update(rows=found.rows, page=found.page, has_next=found.has_next)
    return render(request, "console/enterprise_list.html", context)


class ProfileForm(ConsoleForm):
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, min_length=18)
    name = forms.CharField(label=_("企业名称"), max_length=100)
    industry = forms.ChoiceField(label=_("行业门类"), choices=[("", "—"), *Industry.choices], required=False)
    size = forms.ChoiceField(label=_("企业规模"), choices=[("", "—"), *Size.choices], required=False)
    area = forms.ModelChoiceField(label=_("所属区域"), queryset=Unit.objects.none(), required=False, empty_label="—")
    address = forms.CharField(label=_("经营地址"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    note = forms.CharField(label=_("备注"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, enterprise: Enterprise | None = None, **kwargs):
        if enterprise is not None:  # the contact is not put in the page: it is shown masked, its reading logged
            kwargs.setdefault("initial", {
                "name": enterprise.name, "industry": enterprise.industry, "size": enterprise.size,
                "area": enterprise.area_id, "address": enterprise.address, "note": enterprise.note,
            })
        super().__init__(*args, **kwargs)
        self.enterprise = enterprise
        self.fields["area"].queryset = area_towns()
        if enterprise is not None:
            del self.fields["credit_code"]
            for name in ("contact_name", "contact_phone"):
                self.fields[name].help_text = gettext("留空则保持不变。")

    def profile(self) -> services.ProfileFields:
        d = self.cleaned_data
        kept = self.enterprise
        return services.ProfileFields(
            name=d["name"], industry=d["industry"], size=d["size"], area=d["area"], address=d["address"],
            contact_name=d["contact_name"] or (kept.contact_name if kept else ""),
            contact_phone=d["contact_phone"] or (kept.contact_phone if kept else ""),
            note=d["note"],
        )


def _require_profile_editor(user) -> None:
    if not services.may_edit_profiles(user):
        raise PermissionDenied(gettext("只有话务员、值班长和系统管理员可以维护企业档案。"))


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_new(request):
    """建档: a profile for an enterprise the desk does not know yet."""
    _require_profile_editor(request.user)
    form = ProfileForm(request.POST or None, initial={"credit_code": request.GET.get("code", "")[:18]})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                made = services.enterprise_create(
                    actor=request.user, credit_code=form.cleaned_data["credit_code"], fields=form.profile()
                )
            except services.EnterpriseError as refused:
                _refused(form, refused)
            else:
                messages.success(request, gettext("已建档：%(name)s。") % {"name": made.name})
                return HttpResponseRedirect(reverse("console:enterprise", args=[made.credit_code]))
    return render(request, "console/enterprise_new.html", {"form": form, "section": "profiles"}, status=status)


class PageForm(ConsoleForm):
    page = page_field()


def _page_number(request) -> int:
    """The `?page=` of a list under a page's main content (a profile's orders, a policy's targets); 1 if unreadable."""
    pager = PageForm(request.GET)
    return (pager.cleaned_data["page"] or 1) if pager.is_valid() else 1


def _profile_page(request, enterprise: Enterprise, *, form: ProfileForm | None = None, status: int = 200):
    orders = order_selectors.enterprise_orders(
        user=request.user, credit_code=enterprise.credit_code, page=_page_number(request)
    )
    may_edit = services.may_edit_profiles(request.user)
    contact_name, contact_phone = selectors.masked_contact(enterprise)
    context = {
        "enterprise": enterprise,
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "may_read_contact": request.user.role in selectors.CONTACT_READERS and bool(enterprise.contact_phone),
        "may_edit": may_edit,
        "form": form or (ProfileForm(enterprise=enterprise) if may_edit else None),
        "policies": list(selectors.policies_for(enterprise)[:50]),
        "pushes": selectors.enterprise_pushes(enterprise),
        "channels": PolicyPush.Channel.choices,
        "rows": orders.rows,
        "counts": orders.counts,
        "page": orders.page,
        "has_next": orders.has_next,
        "section": "profiles",
    }
    return render(request, "console/enterprise_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_detail(request, code: str):
    """One enterprise: its profile (editable by the desk), the policies that apply to it, and its requests."""
    enterprise = selectors.enterprise_get(user=request.user, credit_code=code)
    if request.method == "GET":
        return _profile_page(request, enterprise)
    _require_profile_editor(request.user)
    form = ProfileForm(request.POST, enterprise=enterprise)
    if form.is_valid():
        try:
            services.enterprise_update(actor=request.user, enterprise=enterprise, fields=form.profile())
        except services.EnterpriseError as refused:
            _refused(form, refused)
        else:
            messages.success(request, gettext("企业档案已保存。"))
            return HttpResponseRedirect(reverse("console:enterprise", args=[enterprise.credit_code]))
    return _profile_page(request, enterprise, form=form, status=400)


@login_required
@require_POST
def enterprise_contact(request, code: str):
    """「显示号码」: the contact's full number in place of the masked one (the read is logged)."""
    enterprise = selectors.enterprise_get(user=request.user, credit_code=code)
    phone = selectors.enterprise_contact_phone(user=request.user, enterprise=enterprise)
    return HttpResponse(format_html('<span class="num" id="enterprise-phone">{}</span>', phone))


class TellForm(ConsoleForm):
    channel = forms.ChoiceField(label=_("推送方式"), choices=PolicyPush.Channel.choices)


@login_required
@require_POST
def enterprise_tell(request, code: str, policy_pk: int):
    """告知: record that the enterprise was told of one policy (on the phone, by SMS …), then back to its page."""
    enterprise = selectors.enterprise_get(user=request.user, credit_code=code)
    policy = selectors.policy_get(user=request.user, pk=policy_pk)
    form = TellForm(request.POST)
    if not form.is_valid():
        return bad_request(request, " ".join(e for errors in form.errors.values() for e in errors))
    try:
        services.policy_push_one(
            actor=request.user, policy=policy, enterprise=enterprise, channel=form.cleaned_data["channel"]
        )
    except services.EnterpriseError as refused:
        return bad_request(request, refused.message)
    messages.success(request, gettext("已记录向%(name)s推送「%(title)s」。") % {"name": enterprise.name,
                                                                      "title": policy.title})
    return HttpResponseRedirect(reverse("console:enterprise", args=[enterprise.credit_code]) + "#policies")


# --- 涉企政策: policies ---------------------------------------------------------------------------------------------


class PolicyFilterForm(ConsoleForm):
    tab = forms.ChoiceField(choices=POLICY_TABS, required=False)
    q = forms.CharField(label=_("政策名称、文号或要点"), max_length=100, required=False)
    page = page_field()


@login_required
@require_GET
def policy_list(request):
    """涉企政策: in force, drafts, or ended; each with how many enterprises were told."""
    selectors.require_viewer(request.user)
    form = PolicyFilterForm(request.GET)
    context = {"form": form, "rows": [], "page": 1, "has_next": False, "section": "policies", "chips": [],
               "may_manage": services.may_manage_policies(request.user)}
    if not form.is_valid():
        return render(request, "console/policy_list.html", context, status=400)
    d = form.cleaned_data
    tab = d["tab"] or "in_force"
    found = selectors.policy_page(user=request.user, tab=tab, query=d["q"], page=d["page"] or 1)
    chips = [
        {"label": label, "count": None, "query": f"tab={slug}", "current": slug == tab} for slug, label in POLICY_TABS
    ]
    # 即将到期: in force and ending within EXPIRY_NOTICE_DAYS, for the desk to tell enterprises or look for a successor.
    soon = timezone.localdate() + dt.timedelta(days=EXPIRY_NOTICE_DAYS)
    context.update(rows=found.rows, page=found.page, has_next=found.has_next, chips=chips, tab=tab, expiring_by=soon)
    return render(request, "console/policy_list.html", context)


class PolicyForm(ConsoleForm):
    title = forms.CharField(label=_("政策名称"), max_length=200)
    document_number = forms.CharField(label=_("文号"), max_length=60, required=False)
    issuer = forms.ModelChoiceField(label=_("发布单位"), queryset=Unit.objects.none(), required=False, empty_label="—")
    summary = forms.CharField(label=_("政策要点"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6}))
    link = forms.URLField(label=_("原文链接"), max_length=300, required=False, assume_scheme="https")
    valid_from = forms.DateField(label=_("生效日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    industries = forms.MultipleChoiceField(
        label=_("适用行业"), choices=Industry.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("不选则适用于所有行业。"),
    )
    sizes = forms.MultipleChoiceField(
        label=_("适用规模"), choices=Size.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("不选则适用于所有规模。"),
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("适用区域"), queryset=Unit.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("不选则全市适用。"),
    )

    def __init__(self, *args, policy: Policy | None = None, **kwargs):
        if policy is not None:
            kwargs.setdefault("initial", {
                "title": policy.title, "document_number": policy.document_number, "issuer": policy.issuer_id,
                "summary": policy.summary, "link": policy.link, "valid_from": policy.valid_from,
                "valid_until": policy.valid_until, "industries": policy.industry_list, "sizes": policy.size_list,
                "areas": [area.pk for area in policy.areas.all()],
            })
        super().__init__(*args, **kwargs)
        self.fields["issuer"].queryset = Unit.objects.filter(
            kind__in=(Unit.Kind.BUREAU, Unit.Kind.CITY, Unit.Kind.CENTRE), is_active=True
        ).order_by("path")
        self.fields["areas"].queryset = area_towns()

    def fields_for_service(self) -> services.PolicyFields:
        d = self.cleaned_data
        return services.PolicyFields(
            title=d["title"], summary=d["summary"], document_number=d["document_number"], issuer=d["issuer"],
            link=d["link"], valid_from=d["valid_from"], valid_until=d["valid_until"],
            industries=tuple(d["industries"]), sizes=tuple(d["sizes"]), areas=tuple(d["areas"]),
        )


def _require_policy_manager(user) -> None:
    if not services.may_manage_policies(user):
        raise PermissionDenied(gettext("只有值班长和系统管理员可以维护涉企政策。"))


def _policy_form_page(request, *, policy: Policy | None):
    _require_policy_manager(request.user)
    form = PolicyForm(request.POST or None, policy=policy)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                if policy is None:
                    policy = services.policy_create(actor=request.user, fields=form.fields_for_service())
                    done = gettext("已录入政策草稿，核对后发布。")
                else:
                    services.policy_update(actor=request.user, policy=policy, fields=form.fields_for_service())
                    done = gettext("政策已保存。")
            except services.EnterpriseError as refused:
                _refused(form, refused)
            else:
                messages.success(request, done)
                return HttpResponseRedirect(reverse("console:policy", args=[policy.pk]))
    context = {"form": form, "policy": policy, "section": "policies"}
    return render(request, "console/policy_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def policy_new(request):
    """录入政策: a draft, published from its page once checked."""
    return _policy_form_page(request, policy=None)


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request, pk: int):
    return _policy_form_page(request, policy=selectors.policy_get(user=request.user, pk=pk))


@login_required
@require_GET
def policy_detail(request, pk: int):
    """One policy: its text and tags, how many enterprises it reaches and has told, its steps, and the targets."""
    policy = selectors.policy_get(user=request.user, pk=pk)
    targets = selectors.policy_targets(policy, page=_page_number(request))
    context = {
        "policy": policy,
        "reach": selectors.policy_reach(policy),
        "rows": targets.rows,
        "page": targets.page,
        "has_next": targets.has_next,
        "batches": selectors.policy_push_batches(policy),
        "may_manage": services.may_manage_policies(request.user),
        "in_force": policy.is_in_force(timezone.localdate()),
        "channels": PolicyPush.Channel.choices,
        "section": "policies",
    }
    return render(request, "console/policy_detail.html", context)


DONE = {"publish": _("政策已发布。"), "withdraw": _("政策已撤回。")}


@login_required
@require_POST
def policy_step(request, pk: int, step: str):
    """发布, 撤回 or 推送 a policy, then back to its page with what was done."""
    policy = selectors.policy_get(user=request.user, pk=pk)
    try:
        if step == "publish":
            services.policy_publish(actor=request.user, policy=policy)
            messages.success(request, DONE[step])
        elif step == "withdraw":
            services.policy_withdraw(actor=request.user, policy=policy)
            messages.success(request, DONE[step])
        elif step == "push":
            form = TellForm(request.POST)
            if not form.is_valid():
                return bad_request(request, " ".join(e for errors in form.errors.values() for e in errors))
            told = services.policy_push(actor=request.user, policy=policy, channel=form.cleaned_data["channel"])
            messages.success(request, gettext("已向 %(n)d 家企业推送。") % {"n": told} if told
                             else gettext("没有尚未推送的适用企业。"))
        else:
            return bad_request(request, gettext("未知的操作。"))
    except services.EnterpriseError as refused:
        return bad_request(request, refused.message)
    return HttpResponseRedirect(reverse("console:policy", args=[policy.pk]))
