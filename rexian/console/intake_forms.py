"""The intake form (受理登记): the five elements of a request as the operator types them during a call.

Only the shape of the input is checked here (types, choices, what the chosen
action needs); the rules of registering are `rexian.orders.intake.order_intake`'s,
and its errors are shown beside the field they name.
"""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.db.models import Case, When
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from rexian.catalog.models import SELF_SERVICE_CHANNELS, AppealType, Category, Channel, HotTopic, Line, Urgency
from rexian.catalog.selectors import category_hit
from rexian.console.forms import ConsoleForm
from rexian.orders.intake import ANSWER, DISPATCH, REGISTER
from rexian.orders.models import Gender
from rexian.units.models import Unit
from rexian.units.selectors import area_communities, area_towns

TEXTAREA = forms.Textarea(attrs={"rows": 4})
# A plain text box: a datetime-local picker costs six Tab stops in Chromium, too many in the middle of a call.
DATETIME_INPUT = forms.DateTimeInput(
    attrs={"placeholder": _("如 2026-11-27 21:30"), "autocomplete": "off", "inputmode": "numeric"},
    format="%Y-%m-%d %H:%M",
)
DATETIME_FORMATS = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d"]
ACTION_CHOICES = [(ANSWER, _("直接办结")), (DISPATCH, _("转派遣")), (REGISTER, _("仅登记"))]
STALE_PAGE = _("页面已失效，请重新打开受理登记页面后再填写。")
INVALID_TEXT = _("所登记的短信来信无效，请从短信来信列表重新打开。")


def new_intake_token() -> str:
    """A once-only token for one showing of the intake page (`order_register`'s `intake_token`)."""
    return uuid.uuid4().hex


class OrderRecordForm(ConsoleForm):
    """What the record says the request is about and where: the intake form's fields that 补充登记 (amend,
    `rexian.console.actions.AmendForm`) corrects later, with their choices and checks, kept in one place."""

    appeal_type = forms.ModelChoiceField(
        label=_("诉求类型"),
        queryset=AppealType.objects.none(),
        empty_label=_("请选择"),
        error_messages={"required": _("请选择诉求类型。")},
    )
    urgency = forms.ModelChoiceField(label=_("紧急程度"), queryset=Urgency.objects.none(), empty_label=None)
    title = forms.CharField(label=_("标题"), max_length=120, error_messages={"required": _("请填写标题。")})
    category = forms.ModelChoiceField(
        label=_("诉求分类"),
        queryset=Category.objects.none(),
        widget=forms.HiddenInput,
        error_messages={"required": _("请选择诉求分类。"), "invalid_choice": _("所选诉求分类不存在或已停用，请重新选择。")},
    )
    town = forms.ModelChoiceField(label=_("镇/街道"), queryset=Unit.objects.none(), required=False, empty_label=_("—"))
    community = forms.ModelChoiceField(
        label=_("村/社区"), queryset=Unit.objects.none(), required=False, empty_label=_("—"),
        # The choices are the chosen town's communities (see __init__): any other is not in that town.
        error_messages={"invalid_choice": _("所选村/社区不在所选镇/街道内，或已停用，请重新选择。")},
    )
    address = forms.CharField(label=_("详细地址"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        f = self.fields
        f["appeal_type"].queryset = AppealType.objects.filter(is_active=True)
        f["urgency"].queryset = Urgency.objects.all()
        f["category"].queryset = Category.objects.filter(is_active=True)
        f["town"].queryset = area_towns()
        # Choosing a town fills this form's community select with its communities.
        f["town"].widget.attrs.update(
            {
                "hx-get": reverse_lazy("console:intake-areas"),
                "hx-target": f"#{self['community'].auto_id}",
                "hx-trigger": "change",
            }
        )
        # The communities of the chosen town only; the town's select fills this list again when it changes.
        town = self.data.get(self.add_prefix("town")) if self.is_bound else self.initial.get("town")
        try:
            f["community"].queryset = area_communities(town=town or None)
        except (TypeError, ValueError):
            f["community"].queryset = Unit.objects.none()

    def chosen_category(self):
        """The category the form holds now (as the picker shows it, with its path), or None."""
        value = self["category"].value()
        try:
            return category_hit(category_id=int(value)) if value else None
        except (TypeError, ValueError):
            return None

    @staticmethod
    def place_initial(area: Unit | None) -> dict:
        """The town and community selects' initial values for an order's area."""
        if area is None:
            return {"town": None, "community": None}
        if area.kind == Unit.Kind.COMMUNITY:
            return {"town": area.parent, "community": area}
        return {"town": area if area.kind == Unit.Kind.TOWN else None, "community": None}


class IntakeForm(OrderRecordForm):
    field_order = [
        "caller_phone", "caller_name", "caller_gender", "confidential", "caller_is_enterprise", "enterprise_name",
        "enterprise_credit_code", "channel", "line", "appeal_type", "urgency", "title", "occurred_at",
        "description", "category", "hot_topics", "town", "community", "address", "answer", "knowledge_article",
        "sms_answer", "action", "intake_token",
    ]

    # Who (诉求人).
    caller_phone = forms.CharField(
        label=_("来电号码"),
        max_length=30,
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "autocomplete": "off",
                "inputmode": "tel",
                "autofocus": True,
                "accesskey": "t",
                "hx-get": reverse_lazy("console:intake-caller"),
                "hx-trigger": "input changed delay:300ms, load",
                "hx-target": "#caller-panel",
                "hx-sync": "this:replace",
            }
        ),
    )
    caller_name = forms.CharField(label=_("姓名"), max_length=40, required=False)
    caller_gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices, required=False)
    confidential = forms.BooleanField(label=_("要求保密"), required=False)
    caller_is_enterprise = forms.BooleanField(label=_("企业诉求"), required=False)
    enterprise_name = forms.CharField(label=_("企业名称"), max_length=100, required=False)
    enterprise_credit_code = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=18,
        required=False,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                # 企业档案 below the fields once the code is typed (a mistyped one is said at once).
                "hx-get": reverse_lazy("console:intake-enterprise"),
                "hx-trigger": "input changed delay:300ms, load",
                "hx-target": "#enterprise-panel",
                "hx-sync": "this:replace",
            }
        ),
    )
    # How it came in (the type, urgency, title, category and place are the record's: OrderRecordForm).
    channel = forms.ModelChoiceField(label=_("受理渠道"), queryset=Channel.objects.none(), empty_label=None)
    line = forms.ModelChoiceField(label=_("热线"), queryset=Line.objects.none(), required=False, empty_label=_("—"))
    # When, and what and how (诉求内容).
    occurred_at = forms.DateTimeField(
        label=_("发生时间"),
        required=False,
        widget=DATETIME_INPUT,
        input_formats=DATETIME_FORMATS,
        error_messages={"invalid": _("请按“年-月-日 时:分”填写，如 2026-11-27 21:30。")},
    )
    description = forms.CharField(
        label=_("诉求内容"), max_length=4000, widget=TEXTAREA, error_messages={"required": _("请填写诉求内容。")}
    )
    hot_topics = forms.ModelMultipleChoiceField(
        label=_("热点标签"), queryset=HotTopic.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    # The answer given on the call (直接办结) and the knowledge article it came from.
    answer = forms.CharField(label=_("答复内容"), max_length=4000, required=False, widget=TEXTAREA)
    knowledge_article = forms.IntegerField(
        required=False, min_value=1, widget=forms.HiddenInput,
        error_messages={"invalid": _("引用的知识库条目无效，请重新引用。"), "min_value": _("引用的知识库条目无效，请重新引用。")},
    )
    # 知识答复: once the order is answered on the call, text the caller the quoted article's 短信口径 (only while the
    # centre sends texts: the field is left out otherwise).
    sms_answer = forms.BooleanField(label=_("短信发送所引用条目的口径"), required=False)
    # The caller's text (短信来信) the page was opened from: saving marks it registered as the new order.
    incoming_sms = forms.IntegerField(
        required=False, min_value=1, widget=forms.HiddenInput,
        error_messages={"invalid": INVALID_TEXT, "min_value": INVALID_TEXT},
    )
    # Which submit button was pressed.
    action = forms.ChoiceField(
        choices=ACTION_CHOICES,
        error_messages={"required": _("请选择办理方式。"), "invalid_choice": _("请选择办理方式。")},
    )
    # New with each empty form and kept by a refused one: saving the same page twice registers one order. A page
    # without it (or with a mangled one) comes from before this field or from elsewhere: it must be opened again.
    intake_token = forms.CharField(
        widget=forms.HiddenInput,
        initial=new_intake_token,
        validators=[RegexValidator(r"\A[0-9a-f]{32}\Z", message=STALE_PAGE)],
        error_messages={"required": STALE_PAGE},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        f = self.fields
        # What an operator records: not the portal's or Open311's own channels; the phone, most calls, first.
        f["channel"].queryset = (
            Channel.objects.filter(is_active=True)
            .exclude(code__in=SELF_SERVICE_CHANNELS)
            .order_by(Case(When(code="phone", then=0), default=1), "code")
        )
        f["line"].queryset = Line.objects.filter(is_active=True)
        if settings.SMS_BACKEND == "off":
            del f["sms_answer"]
        f["hot_topics"].queryset = HotTopic.objects.filter(is_active=True)
        # Typing the title or the description asks the knowledge base for articles that may answer it.
        suggest = {
            "hx-get": reverse_lazy("console:intake-knowledge"),
            "hx-trigger": "input changed delay:800ms",
            "hx-target": "#kb-results",
            "hx-include": "#id_title, #id_description, #id_line, #id_kb_q",
        }
        f["title"].widget.attrs.update(suggest)
        f["description"].widget.attrs.update(suggest)

    def clean(self):
        data = super().clean()
        if data.get("action") == ANSWER and not (data.get("answer") or "").strip():
            self.add_error("answer", _("直接办结须填写答复内容。"))
        if data.get("caller_is_enterprise") and not (data.get("enterprise_name") or "").strip():
            self.add_error("enterprise_name", _("企业诉求请填写企业名称。"))
        return data

    def register_fields(self) -> dict:
        """The cleaned input as `order_register`'s keyword arguments."""
        d = self.cleaned_data
        return {
            "channel": d["channel"],
            "line": d["line"],
            "appeal_type": d["appeal_type"],
            "urgency": d["urgency"],
            "category": d["category"],
            "title": d["title"],
            "description": d["description"],
            "occurred_at": d["occurred_at"],
            "caller_phone": d["caller_phone"],
            "caller_name": d["caller_name"],
            "caller_gender": d["caller_gender"],
            "confidential": d["confidential"],
            "caller_is_enterprise": d["caller_is_enterprise"],
            "enterprise_name": d["enterprise_name"] if d["caller_is_enterprise"] else "",
            "enterprise_credit_code": d["enterprise_credit_code"] if d["caller_is_enterprise"] else "",
            "area": d["community"] or d["town"],
            "address": d["address"],
            "hot_topics": list(d["hot_topics"]),
            "intake_token": d["intake_token"],
        }


def initial_intake() -> dict:
    """An empty form's defaults: a phone call, of ordinary urgency."""
    return {
        "channel": Channel.objects.filter(code="phone").first(),
        "urgency": Urgency.objects.order_by("rank").first(),
    }


def initial_from_text(incoming) -> dict:
    """An empty form's defaults for registering a caller's text (短信来信): channel 短信 (where the centre has it),
    their number and their words, and the text itself, so that saving marks it registered."""
    initial = initial_intake()
    initial["channel"] = Channel.objects.filter(code="sms", is_active=True).first() or initial["channel"]
    initial.update(caller_phone=incoming.phone, description=incoming.text, incoming_sms=incoming.pk)
    return initial
