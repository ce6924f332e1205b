"""Forms of the console's own pages (sign-in); each role's work forms live beside their views."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。"),
        "inactive": _("该账号已停用，请联系系统管理员。"),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        # Service accounts act through the API only; they never sign in to the console.
        if user.role == "integration":
            raise forms.ValidationError(_("接口账号不能登录工作台。"), code="integration")


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("界面语言"), choices=[("zh-hans", "简体中文"), ("en", "English")])
