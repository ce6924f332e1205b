"""本单位人员: a unit admin's page for the people of their unit.

The list of the unit's handlers and admins, active and stopped, and the admin's changes to its handlers: add one
(新增承办人), stop or restart one (停用 / 启用), give one a new password (重置密码). Every change is a POST to the
page itself naming its `action`; the view parses the form, calls one service of `rexian.units.services` (which
checks the admin's right again) and redirects with a message. A refused form comes back as the page with the
message beside the field (400); a change the admin may not make is a 403. Passwords are never shown back.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from rexian.console.forms import ConsoleForm
from rexian.console.responses import bad_request
from rexian.units import selectors, services
from rexian.units.models import Role

PAGE_SIZE = 50


def _password_field(label) -> forms.CharField:
    return forms.CharField(
        label=label, strip=False, max_length=128,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )


class AddHandlerForm(ConsoleForm):
    username = forms.CharField(
        label=_("用户名"), max_length=services.USERNAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "off"}), help_text=_("登录用，字母、数字和 @ . + - _。"),
    )
    display_name = forms.CharField(label=_("姓名"), max_length=services.DISPLAY_NAME_MAX)
    agent_number = forms.CharField(label=_("工号"), max_length=services.AGENT_NUMBER_MAX, required=False)
    password1 = _password_field(_("初始密码"))
    password2 = _password_field(_("确认密码"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="id_add_%s", **kwargs)
        self.fields["password1"].help_text = _("须符合密码规则：不能过短，不能全是数字，不能与用户名相近。")


class ResetPasswordForm(ConsoleForm):
    password1 = _password_field(_("新密码"))
    password2 = _password_field(_("确认新密码"))

    def __init__(self, *args, person: int, **kwargs):
        # One form on each row: the row's user in the ids keeps them unique on the page.
        super().__init__(*args, auto_id=f"id_reset{person}_%s", **kwargs)


def _page_number(value) -> int:
    try:
        return max(1, int(value or 1))
    except (TypeError, ValueError):
        return 1


def _page(request, *, add_form=None, reset_form=None, reset_for: int | None = None, status: int = 200):
    actor = request.user
    page = _page_number(request.GET.get("page"))
    start = (page - 1) * PAGE_SIZE
    people = list(selectors.unit_staff(actor.unit)[start:start + PAGE_SIZE + 1])
    rows = [
        {
            "person": person,
            "is_self": person.pk == actor.pk,
            "manageable": person.role == Role.UNIT_HANDLER and person.pk != actor.pk,
            "reset_form": reset_form if person.pk == reset_for else ResetPasswordForm(person=person.pk),
        }
        for person in people[:PAGE_SIZE]
    ]
    return render(request, "console/unit_staff.html", {
        "unit": actor.unit,
        "rows": rows,
        "page": page,
        "has_next": len(people) > PAGE_SIZE,
        "add_form": add_form or AddHandlerForm(),
    }, status=status)


def _back(request) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("console:unit-staff"))


def _person_id(request) -> int | None:
    try:
        return int(request.POST.get("user", ""))
    except ValueError:
        return None


def _create(request):
    form = AddHandlerForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            handler = services.unit_handler_create(
                actor=request.user, username=data["username"], display_name=data["display_name"],
                agent_number=data["agent_number"], password=data["password1"], password2=data["password2"],
            )
        except services.StaffError as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            messages.success(request, gettext("已新增承办人 %(name)s（%(username)s）。") % {
                "name": handler.display_name, "username": handler.username,
            })
            return _back(request)
    return _page(request, add_form=form, status=400)


def _set_active(request, *, active: bool):
    pk = _person_id(request)
    if pk is None:
        return bad_request(request, gettext("请选择要操作的承办人。"))
    handler = services.unit_handler_set_active(actor=request.user, user=pk, active=active)
    done = gettext("已启用 %(name)s 的账号。") if active else gettext("已停用 %(name)s 的账号，其已不能登录。")
    messages.success(request, done % {"name": handler})
    return _back(request)


def _set_password(request):
    pk = _person_id(request)
    if pk is None:
        return bad_request(request, gettext("请选择要操作的承办人。"))
    form = ResetPasswordForm(request.POST, person=pk)
    if form.is_valid():
        try:
            handler = services.unit_handler_set_password(
                actor=request.user, user=pk,
                password=form.cleaned_data["password1"], password2=form.cleaned_data["password2"],
            )
        except services.StaffError as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            messages.success(request, gettext("已重置 %(name)s 的密码，请将新密码告知本人。") % {"name": handler})
            return _back(request)
    else:
        services.manageable_handler(actor=request.user, user=pk)  # PermissionDenied for anyone else's person
    return _page(request, reset_form=form, reset_for=pk, status=400)


ACTIONS = {
    "create": _create,
    "deactivate": lambda request: _set_active(request, active=False),
    "activate": lambda request: _set_active(request, active=True),
    "password": _set_password,
}


@login_required
@require_http_methods(["GET", "POST"])
def unit_staff(request):
    """本单位人员: the unit's staff for its admin (GET); a change to one of its handlers (POST, `action=`)."""
    if not services.may_manage_unit_staff(request.user):
        raise PermissionDenied(gettext("只有承办单位管理员可以管理本单位人员。"))
    if request.method == "GET":
        return _page(request)
    action = ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        return bad_request(request, gettext("未知的操作。"))
    return action(request)
