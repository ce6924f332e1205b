"""Forms of the console's own pages (sign-in), and the field messages every console form shares; each role's work
forms live beside their views."""

from __future__ import annotations

from functools import cache

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from rexian.core.paging import MAX_PAGE

# Django's stock messages ("该字段是必填项。", "确保该变量包含不超过 120 字符") in the hotline staff's words, each
# naming the field by its label ({label}); Django fills in the %(...)d of a length or value limit. By the kind of
# field, the most specific first: a choice is chosen (请选择), a text is filled in (请填写).
FILE_MESSAGES = {
    "required": _("请选择要上传的{label}。"),
    "missing": _("{label}未能上传，请重新选择文件。"),
    "invalid": _("{label}未能上传，请重新选择文件。"),
    "empty": _("{label}：所选文件是空的。"),
}
MODEL_CHOICE_MESSAGES = {
    "required": _("请选择{label}。"),
    "invalid_choice": _("所选{label}不存在或已停用。"),
    "invalid_list": _("所选{label}不存在或已停用。"),
    "invalid_pk_value": _("所选{label}不存在或已停用。"),
}
CHOICE_MESSAGES = {
    "required": _("请选择{label}。"),
    "invalid_choice": _("{label}：请从列表中选择。"),
    "invalid_list": _("{label}：请从列表中选择。"),
}
DATETIME_MESSAGES = {
    "required": _("请填写{label}。"),
    "invalid": _("{label}请按“年-月-日 时:分”填写，如 2026-11-27 21:30。"),
}
DATE_MESSAGES = {"required": _("请填写{label}。"), "invalid": _("{label}请按“年-月-日”填写，如 2026-11-27。")}
INTEGER_MESSAGES = {
    "required": _("请填写{label}。"),
    "invalid": _("{label}须填整数。"),
    "min_value": _("{label}不能小于 %(limit_value)s。"),
    "max_value": _("{label}不能大于 %(limit_value)s。"),
}
BOOLEAN_MESSAGES = {"required": _("请勾选{label}。")}
TEXT_MESSAGES = {
    "required": _("请填写{label}。"),
    "min_length": _("{label}至少 %(limit_value)d 个字，现有 %(show_value)d 个字。"),
    "max_length": _("{label}最多 %(limit_value)d 个字，现有 %(show_value)d 个字。"),
    "null_characters_not_allowed": _("{label}含有不可见的空字符，请删去后再提交。"),
}
MESSAGES_BY_KIND = (
    (forms.FileField, FILE_MESSAGES),
    (forms.ModelChoiceField, MODEL_CHOICE_MESSAGES),  # ModelMultipleChoiceField too
    (forms.ChoiceField, CHOICE_MESSAGES),  # typed and multiple too
    (forms.DateTimeField, DATETIME_MESSAGES),
    (forms.DateField, DATE_MESSAGES),
    (forms.IntegerField, INTEGER_MESSAGES),
    (forms.BooleanField, BOOLEAN_MESSAGES),
    (forms.CharField, TEXT_MESSAGES),
)


@cache
def _stock_messages(field_class: type[forms.Field]) -> dict:
    """The error messages a field of this class has when its declaration names none (as Field.__init__ merges them)."""
    messages = {}
    for klass in reversed(field_class.__mro__):
        messages.update(getattr(klass, "default_error_messages", {}))
    return messages


def name_field_errors(field: forms.Field) -> None:
    """Give `field` the console's messages in place of Django's stock ones, naming it by its label.

    A message the field's declaration sets itself stays, and so does every message of a field without a label
    (a hidden field): a sentence about a nameless field says nothing.
    """
    if not field.label:
        return
    stock = _stock_messages(type(field))
    for kind, templates in MESSAGES_BY_KIND:
        if isinstance(field, kind):
            for code, template in templates.items():
                current = field.error_messages.get(code)
                if current is None or current is stock.get(code):
                    field.error_messages[code] = format_lazy(template, label=field.label)
            return


class StaffMessagesMixin:
    """A form whose fields' errors read in the staff's words (`name_field_errors`), set once its fields are built."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            name_field_errors(field)


class ConsoleForm(StaffMessagesMixin, forms.Form):
    """The base of the console's forms."""


def page_field() -> forms.IntegerField:
    """A list's `?page=`, carried by its filter form: a whole number from 1 to the deepest page a list serves."""
    return forms.IntegerField(
        label=_("页码"), required=False, min_value=1, max_value=MAX_PAGE, widget=forms.HiddenInput
    )


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。"),
        "inactive": _("该账号已停用，请联系系统管理员。"),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        for field in self.fields.values():  # named by the labels just set
            name_field_errors(field)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        # Service accounts act through the API only; they never sign in to the console.
        if user.role == "integration":
            raise forms.ValidationError(_("接口账号不能登录工作台。"), code="integration")


class LanguageForm(ConsoleForm):
    language = forms.ChoiceField(label=_("界面语言"), choices=[("zh-hans", "简体中文"), ("en", "English")])
