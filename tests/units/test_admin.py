"""Units and users in Django admin: refusals in Chinese, beside the field at fault, and the unit sheet's import."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse

from rexian.units.models import Role, Unit, User

ADD_USER = reverse("admin:units_user_add")


@pytest.fixture
def root(cast, client):
    """A logged-in superuser's browser (the cast's own `admin` is a hotline role, not a Django superuser)."""
    user = User.objects.create_superuser("root", "root@example.invalid", "not-a-real-password-1")
    client.force_login(user)
    return client


def _new_user(**fields) -> dict:
    return {
        "username": "handler2",
        "usable_password": "true",
        "password1": "a-long-enough-secret-7",
        "password2": "a-long-enough-secret-7",
        "role": Role.UNIT_HANDLER,
        **fields,
    }


def test_a_unit_handler_without_a_unit_is_refused_beside_the_unit_field(root):
    response = root.post(ADD_USER, _new_user())
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["unit"] == ["承办人和承办单位管理员必须选择所属单位。"]
    assert "unit_staff_have_a_unit" not in response.content.decode()
    assert not User.objects.filter(username="handler2").exists()


def test_a_unit_handler_with_a_unit_is_added(root, cast):
    response = root.post(ADD_USER, _new_user(unit=cast.housing.pk))
    assert response.status_code == 302
    assert User.objects.get(username="handler2").unit == cast.housing


def test_the_constraint_itself_speaks_chinese(cast):
    user = User(username="handler3", role=Role.UNIT_ADMIN)
    with pytest.raises(ValidationError) as refused:
        user.validate_constraints()
    assert refused.value.messages == ["承办人和承办单位管理员必须选择所属单位。"]


def test_a_short_password_is_refused_in_chinese(root, cast):
    response = root.post(ADD_USER, _new_user(unit=cast.housing.pk, password1="x7#kq", password2="x7#kq"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["password2"]
    assert "密码太短，至少需要 10 个字符。" in errors
    assert "too short" not in response.content.decode()


def test_the_add_user_page_is_chinese(root):
    page = root.get(ADD_USER).content.decode()
    assert "创建用户后，可以编辑更多用户选项。" in page and "After you" not in page


def test_a_unit_sheet_without_its_code_column_is_one_message_without_a_traceback(root):
    workbook = openpyxl.Workbook()
    workbook.active.append(["名称", "上级编码"])
    workbook.active.append(["新单位", "C"])
    upload = io.BytesIO()
    workbook.save(upload)
    upload.seek(0)
    upload.name = "units.xlsx"
    formats = [f().get_title() for f in admin.site._registry[Unit].get_import_formats()]
    response = root.post(
        reverse("admin:units_unit_import"),
        {"format": str(formats.index("xlsx")), "resource": "0", "import_file": upload},
    )
    page = response.content.decode()
    assert "缺少必需的列：编码。" in page and "Traceback" not in page
    assert not Unit.objects.filter(name="新单位").exists()
