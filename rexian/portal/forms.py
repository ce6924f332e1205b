"""The portal's forms: they parse and check what a citizen typed; the rules of the hotline stay in the services."""

from __future__ import annotations

import os
import re
import unicodedata

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from rexian.catalog.models import AppealType, Category
from rexian.orders.models import Satisfaction
from rexian.privacy import crypto
from rexian.units.models import Unit

MAX_PHOTOS = 3
PHOTO_MAX_BYTES_DEFAULT = 5 * 1024 * 1024
# extension -> accepted leading bytes (the storage check in rexian.orders.attachments runs again on save)
PHOTO_TYPES: dict[str, tuple[bytes, ...]] = {
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".webp": (b"RIFF",),
}
ORDER_NUMBER = re.compile(r"^\d{8}-\d{1,12}$")


def photo_max_bytes() -> int:
    """The portal's cap on one photo: PORTAL_PHOTO_MAX_BYTES, never above the site-wide ATTACHMENT_MAX_BYTES."""
    return min(getattr(settings, "PORTAL_PHOTO_MAX_BYTES", PHOTO_MAX_BYTES_DEFAULT), settings.ATTACHMENT_MAX_BYTES)


def _required(label: str) -> dict[str, str]:
    return {"required": f"请填写{label}。"}


def _check_phone(value: str) -> str:
    value = unicodedata.normalize("NFKC", value or "").strip()
    digits = crypto.normalize_phone(value)
    if not digits.isdigit() or not 7 <= len(digits) <= 15:
        raise ValidationError("请填写正确的手机号码或固定电话（可含区号）。")
    return value


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to MAX_PHOTOS images (JPG, PNG, WebP), each within the portal's size cap, checked by content."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise ValidationError(f"最多上传 {MAX_PHOTOS} 张照片，请重新选择。")
        limit = photo_max_bytes()
        for upload in files:
            super().clean(upload, initial)
            name = os.path.basename(upload.name or "")
            ext = os.path.splitext(name)[1].lower()
            if ext not in PHOTO_TYPES:
                raise ValidationError(f"「{name}」不是 JPG、PNG 或 WebP 格式的图片，请重新选择照片。")
            if not upload.size:
                raise ValidationError(f"「{name}」是空文件，请重新选择照片。")
            if upload.size > limit:
                raise ValidationError(
                    f"「{name}」超过 {limit / 1024 / 1024:.0f} MB，请压缩后重新选择照片。"
                )
            upload.seek(0)
            head = upload.read(16)
            upload.seek(0)
            looks_right = any(head.startswith(sig) for sig in PHOTO_TYPES[ext])
            if ext == ".webp":
                looks_right = looks_right and head[8:12] == b"WEBP"
            if not looks_right:
                raise ValidationError(f"「{name}」的内容不是有效的图片，请重新选择照片。")
        return files


def _leaf_category_choices() -> list:
    """Leaf categories grouped under their level-1 category, for a select with option groups."""
    leaves = (
        Category.objects.filter(is_active=True, children__isnull=True)
        .select_related("parent__parent")
        .order_by("code")
    )
    groups: dict[str, list] = {}
    for leaf in leaves:
        chain = [leaf]
        while chain[-1].parent_id:
            chain.append(chain[-1].parent)
        top = chain[-1]
        label = " / ".join(c.name for c in reversed(chain[:-1])) or leaf.name
        groups.setdefault(top.name, []).append((str(leaf.pk), label))
    return [("", "不确定（由工作人员分类）")] + list(groups.items())


def _town_choices() -> list:
    towns = Unit.objects.filter(kind=Unit.Kind.TOWN, is_active=True).order_by("code").values_list("pk", "name")
    return [("", "不清楚")] + [(str(pk), name) for pk, name in towns]


class SubmitForm(forms.Form):
    """我要反映: a citizen's request."""

    appeal_type = forms.ModelChoiceField(
        label="诉求类型",
        queryset=AppealType.objects.filter(is_active=True).order_by("sort_order", "code"),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "请选择诉求类型。", "invalid_choice": "请选择诉求类型。"},
        help_text="举报人的身份信息严格保密。",
    )
    category = forms.ChoiceField(
        label="问题分类",
        required=False,
        error_messages={"invalid_choice": "请从列表中选择问题分类。"},
        help_text="不确定可不选，由工作人员分类。",
    )
    title = forms.CharField(
        label="标题（选填）",
        required=False,
        max_length=60,
        help_text="不填则取诉求内容的开头作为标题。",
        error_messages={"max_length": "标题不能超过 %(limit_value)d 个字。"},
    )
    description = forms.CharField(
        label="诉求内容",
        min_length=10,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="请写明发生的时间、地点、经过和您的诉求（10～2000字）。",
        error_messages={
            **_required("诉求内容"),
            "min_length": "诉求内容至少 %(limit_value)d 个字，请写得具体一些。",
            "max_length": "诉求内容不能超过 %(limit_value)d 个字。",
        },
    )
    area = forms.ChoiceField(
        label="所在镇（街道）", required=False, error_messages={"invalid_choice": "请从列表中选择镇（街道）。"}
    )
    address = forms.CharField(
        label="详细地址",
        max_length=200,
        help_text="如：××路××号××小区×号楼。",
        error_messages={**_required("详细地址"), "max_length": "详细地址不能超过 %(limit_value)d 个字。"},
    )
    photos = PhotosField(
        label="现场照片（选填）",
        required=False,
        help_text=f"最多 {MAX_PHOTOS} 张，JPG、PNG 或 WebP 格式。",
    )
    caller_name = forms.CharField(
        label="姓名",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={**_required("姓名"), "max_length": "姓名不能超过 %(limit_value)d 个字。"},
    )
    caller_phone = forms.CharField(
        label="联系电话",
        max_length=24,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
        help_text="用于查询进度和回访，请准确填写。",
        error_messages={**_required("联系电话"), "max_length": "请填写正确的手机号码或固定电话。"},
    )
    confidential = forms.BooleanField(
        label="要求保密",
        required=False,
        help_text="勾选后，您的姓名和电话不会告知承办单位。",
    )
    # Honeypot: hidden from people by the page's CSS; bots that fill every field give themselves away.
    website = forms.CharField(label="网址（请勿填写）", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _leaf_category_choices()
        self.fields["area"].choices = _town_choices()
        self.fields["photos"].widget.attrs.update({"accept": "image/jpeg,image/png,image/webp"})
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website", "").strip())

    def clean_category(self) -> Category | None:
        value = self.cleaned_data["category"]
        return Category.objects.get(pk=value) if value else None

    def clean_area(self) -> Unit | None:
        value = self.cleaned_data["area"]
        return Unit.objects.get(pk=value) if value else None

    def clean_caller_phone(self) -> str:
        return _check_phone(self.cleaned_data["caller_phone"])

    def clean(self):
        if self.is_bot:
            raise ValidationError("提交未成功，请刷新页面后重试。")
        return super().clean()


def normalize_order_number(value: str) -> str:
    """Order numbers as people type them: full-width digits and dashes, spaces, a long dash."""
    value = unicodedata.normalize("NFKC", value or "")
    value = re.sub(r"\s+", "", value).replace("—", "-").replace("－", "-").replace("‐", "-")
    return value


class TrackForm(forms.Form):
    """进度查询: an order number and the phone it was filed with."""

    number = forms.CharField(
        label="工单编号",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "placeholder": "如 20261126-000123"}),
        error_messages=_required("工单编号"),
    )
    phone = forms.CharField(
        label="提交时填写的联系电话",
        max_length=24,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
        error_messages={**_required("联系电话"), "max_length": "请填写正确的手机号码或固定电话。"},
    )

    def clean_number(self) -> str:
        value = normalize_order_number(self.cleaned_data["number"])
        if not ORDER_NUMBER.match(value):
            raise ValidationError("工单编号格式应为“日期-序号”，如 20261126-000123。")
        return value

    def clean_phone(self) -> str:
        return _check_phone(self.cleaned_data["phone"])


YES_NO = [("yes", "是"), ("no", "否")]


def _yes(value: str) -> bool:
    return value == "yes"


class RatingForm(forms.Form):
    """评价: the citizen's verdict on the handling, recorded as a callback."""

    token = forms.CharField(widget=forms.HiddenInput)
    satisfaction = forms.ChoiceField(
        label="您对办理结果是否满意？",
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择满意程度。", "invalid_choice": "请选择满意程度。"},
    )
    solved = forms.TypedChoiceField(
        label="您反映的问题是否已解决？",
        choices=YES_NO,
        coerce=_yes,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择问题是否已解决。", "invalid_choice": "请选择问题是否已解决。"},
    )
    responded_in_time = forms.TypedChoiceField(
        label="承办单位是否及时与您联系？",
        choices=YES_NO,
        coerce=_yes,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择承办单位是否及时联系。", "invalid_choice": "请选择承办单位是否及时联系。"},
    )
    comment = forms.CharField(
        label="意见建议（选填）",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "意见建议不能超过 %(limit_value)d 个字。"},
    )
