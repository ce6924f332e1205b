"""Changes to the organisation's people: a unit admin (承办单位管理员) manages the handlers (承办人) of their unit.

The system administrator manages every user in the Django admin; these services are what a unit admin may do
from the console's 本单位人员 page: add a handler to their own unit, stop (停用) and restart (启用) one, and set
a new password for one. Each checks the actor's right itself and writes a line to the server log
(`rexian.units.services`) naming who did what to whom; no password ever reaches the log.
"""

from __future__ import annotations

import logging

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from rexian.core.errors import InputError
from rexian.units.models import Role, User

logger = logging.getLogger(__name__)

USERNAME_MAX = User._meta.get_field("username").max_length
DISPLAY_NAME_MAX = User._meta.get_field("display_name").max_length
AGENT_NUMBER_MAX = User._meta.get_field("agent_number").max_length


class StaffError(InputError):
    """A change to a unit's staff that cannot be made as asked; `field` names the form field at fault."""


def may_manage_unit_staff(user) -> bool:
    """Whether `user` may manage the staff of a unit: an active unit admin with a unit, for that unit only."""
    return bool(
        user.is_authenticated and user.is_active and user.role == Role.UNIT_ADMIN and user.unit_id is not None
    )


def _check_manager(actor) -> None:
    if not may_manage_unit_staff(actor):
        raise PermissionDenied(_("只有承办单位管理员可以管理本单位人员。"))


def manageable_handler(*, actor: User, user: User | int, lock: bool = False) -> User:
    """The handler `user` of the actor's unit (locked for a change with `lock`); PermissionDenied for anyone else.

    A page that refuses a form about `user` asks it too, so that it shows the form again only to the person's
    unit admin.
    """
    _check_manager(actor)
    pk = user.pk if isinstance(user, User) else int(user)
    people = User.objects.select_for_update() if lock else User.objects
    handler = people.filter(pk=pk).first()
    if handler is None or handler.unit_id != actor.unit_id:
        raise PermissionDenied(_("只能管理本单位的承办人。"))
    if handler.pk == actor.pk:
        raise PermissionDenied(_("不能停用或修改自己的账号。"))
    if handler.role != Role.UNIT_HANDLER:
        raise PermissionDenied(_("只能管理本单位的承办人，其他管理员的账号请联系系统管理员。"))
    return handler


def _check_password(password: str, password2: str, *, user: User) -> None:
    """The two typed passwords agree and pass the site's password rules (AUTH_PASSWORD_VALIDATORS)."""
    if not password:
        raise StaffError(_("请填写密码。"), field="password1")
    if password != password2:
        raise StaffError(_("两次输入的密码不一致。"), field="password2")
    try:
        password_validation.validate_password(password, user)
    except ValidationError as invalid:
        raise StaffError(" ".join(invalid.messages), field="password1") from invalid


@transaction.atomic
def unit_handler_create(
    *, actor: User, username: str, display_name: str, agent_number: str = "", password: str, password2: str
) -> User:
    """新增承办人: add an active handler to the actor's own unit, with an initial password.

    Only a unit admin may call it, and the new user is always a `Role.UNIT_HANDLER` of the admin's unit.
    Raises PermissionDenied for anyone else, StaffError (with the field) for a missing or taken username,
    a missing name, or a password typed differently twice or too weak.
    """
    _check_manager(actor)
    username = (username or "").strip()
    display_name = (display_name or "").strip()
    agent_number = (agent_number or "").strip()
    if not username:
        raise StaffError(_("请填写用户名。"), field="username")
    if len(username) > USERNAME_MAX:
        raise StaffError(_("用户名最多 %(limit)d 个字符。") % {"limit": USERNAME_MAX}, field="username")
    try:
        User.username_validator(username)
    except ValidationError as invalid:
        raise StaffError(_("用户名只能包含字母、数字和 @ . + - _ 字符。"), field="username") from invalid
    if User.objects.filter(username__iexact=username).exists():
        raise StaffError(_("用户名“%(username)s”已被使用，请换一个。") % {"username": username}, field="username")
    if not display_name:
        raise StaffError(_("请填写姓名。"), field="display_name")
    if len(display_name) > DISPLAY_NAME_MAX:
        raise StaffError(_("姓名最多 %(limit)d 个字。") % {"limit": DISPLAY_NAME_MAX}, field="display_name")
    if len(agent_number) > AGENT_NUMBER_MAX:
        raise StaffError(_("工号最多 %(limit)d 个字符。") % {"limit": AGENT_NUMBER_MAX}, field="agent_number")
    handler = User(
        username=username,
        display_name=display_name,
        agent_number=agent_number,
        role=Role.UNIT_HANDLER,
        unit_id=actor.unit_id,
        is_active=True,
        is_staff=False,
        is_superuser=False,
    )
    _check_password(password, password2, user=handler)
    handler.set_password(password)
    try:
        with transaction.atomic():
            handler.save()
    except IntegrityError as taken:  # the same name added by someone else a moment ago
        raise StaffError(_("用户名“%(username)s”已被使用，请换一个。") % {"username": username}, field="username") from taken
    logger.info(
        "unit staff: %s (id %s) added handler %s (id %s) to unit %s", actor.username, actor.pk, handler.username,
        handler.pk, actor.unit_id,
    )
    return handler


@transaction.atomic
def unit_handler_set_active(*, actor: User, user: User | int, active: bool) -> User:
    """停用 / 启用: stop a handler of the actor's unit from signing in, or let them again.

    A stopped account keeps its orders and history; it only cannot sign in. Only a unit admin may call it,
    for a handler of their own unit (never themself, another admin or another unit's user: PermissionDenied).
    """
    handler = manageable_handler(actor=actor, user=user, lock=True)
    if handler.is_active != active:
        handler.is_active = active
        handler.save(update_fields=["is_active"])
        logger.info(
            "unit staff: %s (id %s) %s handler %s (id %s) of unit %s", actor.username, actor.pk,
            "reactivated" if active else "deactivated", handler.username, handler.pk, actor.unit_id,
        )
    return handler


@transaction.atomic
def unit_handler_set_password(*, actor: User, user: User | int, password: str, password2: str) -> User:
    """重置密码: give a handler of the actor's unit a new password (typed twice, checked by the password rules).

    Only a unit admin may call it, for a handler of their own unit (PermissionDenied otherwise); StaffError
    (field password1 or password2) for passwords that differ or are too weak. The handler's other sessions end.
    """
    handler = manageable_handler(actor=actor, user=user, lock=True)
    _check_password(password, password2, user=handler)
    handler.set_password(password)
    handler.save(update_fields=["password"])
    logger.info(
        "unit staff: %s (id %s) reset the password of handler %s (id %s) of unit %s", actor.username, actor.pk,
        handler.username, handler.pk, actor.unit_id,
    )
    return handler
