"""Writes of the 一企来 enterprise desk: enterprise profiles (企业档案), policies (涉企政策) and their pushes (推送).

Who does what:

- the desk's staff (operators, supervisors, admins) create and edit profiles; a profile is also made on its own
  from the first order that gives a valid credit code (`enterprise_note_order`, after the order commits), and for
  every enterprise the orders name by `rexian enterprise-sync` (`enterprises_sync`, for orders imported in bulk);
- supervisors and admins enter policies, publish or withdraw them, and push them: once to every enterprise a
  published policy in force applies to that has not been told yet (`policy_push`), or to one enterprise, such as
  the one on the line (`policy_push_one`). Each push is one `PolicyPush` row; the same enterprise is never pushed
  the same policy twice.

Errors a user can cause are `PermissionDenied` or `EnterpriseError` (bad input, or a step the policy's status does
not allow: `PolicyStepError`), with a message in Chinese and the form field at fault.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rexian.core import credit_code as credit_codes
from rexian.core.errors import InputError
from rexian.enterprise.models import Enterprise, Industry, Policy, PolicyPush, Size, join_codes
from rexian.enterprise.selectors import policy_matches
from rexian.orders import selectors as order_selectors
from rexian.privacy import crypto
from rexian.units.models import Role, Unit
from rexian.units.selectors import area_towns_of

PROFILE_EDITORS = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN})
POLICY_EDITORS = frozenset({Role.SUPERVISOR, Role.ADMIN})
PUSH_BATCH = 1000
Status = Policy.Status


class EnterpriseError(InputError):
    """A profile or policy cannot be saved as given; `field` names the form field."""


class PolicyStepError(EnterpriseError):
    """The policy's status (or its validity today) does not allow the step: someone else took one first, or it is
    not in force; look again."""


def may_edit_profiles(user) -> bool:
    return user.is_authenticated and user.is_active and user.role in PROFILE_EDITORS


def may_manage_policies(user) -> bool:
    return user.is_authenticated and user.is_active and user.role in POLICY_EDITORS


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _text(value, *, label: str, field: str, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise EnterpriseError(_("请填写%(label)s。") % {"label": label}, field=field)
    if len(value) > limit:
        raise EnterpriseError(_("%(label)s不能超过 %(limit)d 字。") % {"label": label, "limit": limit}, field=field)
    return value


# --- Profiles (企业档案) ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileFields:
    """What the desk records about an enterprise (its credit code aside, which never changes)."""

    name: str
    industry: str = ""
    size: str = ""
    area: Unit | None = None
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    note: str = ""

    def cleaned(self) -> dict:
        if self.industry not in ("", *Industry.values):
            raise EnterpriseError(_("行业门类不正确。"), field="industry")
        if self.size not in ("", *Size.values):
            raise EnterpriseError(_("企业规模不正确。"), field="size")
        if self.area is not None and self.area.kind not in (Unit.Kind.TOWN, Unit.Kind.COMMUNITY):
            raise EnterpriseError(_("所属区域应为镇（街道）或村（社区）。"), field="area")
        phone = _text(self.contact_phone, label=_("联系电话"), field="contact_phone", limit=20)
        digits = crypto.normalize_phone(phone)
        if phone and (not digits.isdigit() or not 5 <= len(digits) <= 15):
            raise EnterpriseError(_("联系电话格式不正确。"), field="contact_phone")
        return {
            "name": _text(self.name, label=_("企业名称"), field="name", limit=100, required=True),
            "industry": self.industry,
            "size": self.size,
            "area": self.area,
            "address": _text(self.address, label=_("经营地址"), field="address", limit=200),
            "contact_name": _text(self.contact_name, label=_("联系人"), field="contact_name", limit=40),
            "contact_phone": phone,
            "note": _text(self.note, label=_("备注"), field="note", limit=500),
        }


def _clean_code(credit_code: str) -> str:
    code = credit_codes.normalize(credit_code)
    if not code:
        raise EnterpriseError(_("请填写统一社会信用代码。"), field="credit_code")
    if len(code) != credit_codes.LENGTH:
        raise EnterpriseError(_("统一社会信用代码应为18位。"), field="credit_code")
    if not credit_codes.is_valid(code):
        raise EnterpriseError(_("统一社会信用代码校验不通过，请核对。"), field="credit_code")
    return code


def enterprise_create(*, actor, credit_code: str, fields: ProfileFields) -> Enterprise:
    """建档: a profile for an enterprise the desk does not know yet. Operators, supervisors and admins.

    Raises `EnterpriseError` for a bad or already registered credit code or a bad field."""
    _require(may_edit_profiles(actor), _("只有话务员、值班长和系统管理员可以维护企业档案。"))
    code = _clean_code(credit_code)
    values = fields.cleaned()
    if Enterprise.objects.filter(credit_code=code).exists():
        raise EnterpriseError(_("该统一社会信用代码已建档。"), field="credit_code")
    try:
        with transaction.atomic():
            return Enterprise.objects.create(credit_code=code, **values)
    except IntegrityError:  # created between the check and the insert (an order's own profile, another agent)
        raise EnterpriseError(_("该统一社会信用代码已建档。"), field="credit_code") from None


@transaction.atomic
def enterprise_update(*, actor, enterprise: Enterprise, fields: ProfileFields) -> Enterprise:
    """Edit a profile (the credit code stays). Operators, supervisors and admins; raises `EnterpriseError`."""
    _require(may_edit_profiles(actor), _("只有话务员、值班长和系统管理员可以维护企业档案。"))
    values = fields.cleaned()
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    for name, value in values.items():
        setattr(locked, name, value)
    locked.updated_at = timezone.now()
    locked.save()
    return locked


def _town(area_id: int | None, towns: dict[int, int]) -> int | None:
    return towns.get(area_id) if area_id is not None else None


def enterprise_note_order(*, order_id: int) -> Enterprise | None:
    """After an order naming an enterprise commits: make its profile if it has none (name and area from the
    order). A profile the desk keeps is left as it is. Orders whose code fails its check make none."""
    seen = order_selectors.enterprise_of_order(order_id)
    if seen is None or not credit_codes.is_valid(seen.credit_code):
        return None
    existing = Enterprise.objects.filter(credit_code=seen.credit_code).first()
    if existing is not None:
        return existing
    town = _town(seen.area_id, area_towns_of([seen.area_id] if seen.area_id else []))
    try:
        with transaction.atomic():
            return Enterprise.objects.create(
                credit_code=seen.credit_code, name=(seen.name or seen.credit_code)[:100], area_id=town,
                created_at=seen.first_at, updated_at=seen.first_at,
            )
    except IntegrityError:
        return Enterprise.objects.filter(credit_code=seen.credit_code).first()


def enterprises_sync() -> int:
    """Profiles for every enterprise the orders name and the desk has none of (valid credit codes only), e.g.
    after `rexian import-orders`: name and area as the latest order has them. Returns how many were made."""
    known = set(Enterprise.objects.values_list("credit_code", flat=True))
    seen = [s for s in order_selectors.enterprises_on_orders(exclude_codes=known) if credit_codes.is_valid(s.credit_code)]
    towns = area_towns_of({s.area_id for s in seen if s.area_id})
    profiles = [
        Enterprise(
            credit_code=s.credit_code, name=(s.name or s.credit_code)[:100], area_id=_town(s.area_id, towns),
            created_at=s.first_at, updated_at=s.first_at,
        )
        for s in seen
    ]
    Enterprise.objects.bulk_create(profiles, batch_size=1000, ignore_conflicts=True)
    return len(profiles)


# --- Policies (涉企政策) ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyFields:
    title: str
    summary: str
    document_number: str = ""
    issuer: Unit | None = None
    link: str = ""
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    industries: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    areas: tuple[Unit, ...] = ()

    def cleaned(self) -> dict:
        if any(code not in Industry.values for code in self.industries):
            raise EnterpriseError(_("适用行业不正确。"), field="industries")
        if any(code not in Size.values for code in self.sizes):
            raise EnterpriseError(_("适用规模不正确。"), field="sizes")
        if any(area.kind != Unit.Kind.TOWN for area in self.areas):
            raise EnterpriseError(_("适用区域应为镇（街道）。"), field="areas")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise EnterpriseError(_("截止日期不能早于生效日期。"), field="valid_until")
        link = _text(self.link, label=_("原文链接"), field="link", limit=300)
        if link and not link.startswith(("https://", "http://")):
            raise EnterpriseError(_("原文链接应以 http:// 或 https:// 开头。"), field="link")
        return {
            "title": _text(self.title, label=_("政策名称"), field="title", limit=200, required=True),
            "summary": _text(self.summary, label=_("政策要点"), field="summary", limit=4000, required=True),
            "document_number": _text(self.document_number, label=_("文号"), field="document_number", limit=60),
            "issuer": self.issuer,
            "link": link,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
            "industries": join_codes(self.industries),
            "sizes": join_codes(self.sizes),
        }


@transaction.atomic
def policy_create(*, actor, fields: PolicyFields) -> Policy:
    """录入政策: a draft policy. Supervisors and admins; raises `EnterpriseError`."""
    _require(may_manage_policies(actor), _("只有值班长和系统管理员可以维护涉企政策。"))
    values = fields.cleaned()
    policy = Policy.objects.create(created_by=actor, **values)
    policy.areas.set(fields.areas)
    return policy


def _lock(policy: Policy) -> Policy:
    return Policy.objects.select_for_update().get(pk=policy.pk)


@transaction.atomic
def policy_update(*, actor, policy: Policy, fields: PolicyFields) -> Policy:
    """Edit a draft or published policy (a withdrawn one stays as it was). New tags change whom the next push
    reaches; the enterprises already told stay recorded. Supervisors and admins; raises `EnterpriseError`."""
    _require(may_manage_policies(actor), _("只有值班长和系统管理员可以维护涉企政策。"))
    values = fields.cleaned()
    locked = _lock(policy)
    if locked.status == Status.WITHDRAWN:
        raise PolicyStepError(_("已撤回的政策不能修改。"))
    for name, value in values.items():
        setattr(locked, name, value)
    locked.updated_at = timezone.now()
    locked.save()
    locked.areas.set(fields.areas)
    return locked


@transaction.atomic
def policy_publish(*, actor, policy: Policy, now: dt.datetime | None = None) -> Policy:
    """发布: a draft becomes published, so it can be pushed and the desk finds it for an enterprise."""
    _require(may_manage_policies(actor), _("只有值班长和系统管理员可以发布涉企政策。"))
    locked = _lock(policy)
    if locked.status != Status.DRAFT:
        raise PolicyStepError(_("只有草稿可以发布（当前为「%(status)s」）。") % {"status": locked.get_status_display()})
    locked.status, locked.published_at = Status.PUBLISHED, now or timezone.now()
    locked.save(update_fields=["status", "published_at"])
    return locked


@transaction.atomic
def policy_withdraw(*, actor, policy: Policy) -> Policy:
    """撤回: a published policy is no longer offered or pushed (what was pushed stays recorded)."""
    _require(may_manage_policies(actor), _("只有值班长和系统管理员可以撤回涉企政策。"))
    locked = _lock(policy)
    if locked.status != Status.PUBLISHED:
        raise PolicyStepError(_("只有已发布的政策可以撤回。"))
    locked.status = Status.WITHDRAWN
    locked.save(update_fields=["status"])
    return locked


def _require_pushable(policy: Policy, channel: str, today: dt.date) -> None:
    if channel not in PolicyPush.Channel.values:
        raise EnterpriseError(_("请选择推送方式。"), field="channel")
    if not policy.is_in_force(today):
        raise PolicyStepError(_("只有已发布且在有效期内的政策可以推送。"))


@transaction.atomic
def policy_push(*, actor, policy: Policy, channel: str, now: dt.datetime | None = None) -> int:
    """推送: record the push of a published policy in force to every enterprise it applies to that has not been
    told yet; returns how many were. Supervisors and admins; raises `EnterpriseError`."""
    _require(may_manage_policies(actor), _("只有值班长和系统管理员可以推送涉企政策。"))
    now = now or timezone.now()
    locked = _lock(policy)  # two pushes of one policy at once would count the same enterprises twice
    _require_pushable(locked, channel, timezone.localdate(now))
    told = PolicyPush.objects.filter(policy=locked).values("enterprise_id")
    ids = list(policy_matches(locked).exclude(pk__in=told).values_list("pk", flat=True))
    for start in range(0, len(ids), PUSH_BATCH):
        PolicyPush.objects.bulk_create(
            PolicyPush(policy=locked, enterprise_id=pk, channel=channel, pushed_by=actor, pushed_at=now)
            for pk in ids[start : start + PUSH_BATCH]
        )
    return len(ids)


@transaction.atomic
def policy_push_one(
    *, actor, policy: Policy, enterprise: Enterprise, channel: str, now: dt.datetime | None = None
) -> PolicyPush:
    """Tell one enterprise of a published policy in force (告知, e.g. while it is on the line), whether or not the
    policy's tags name it. The desk's staff; raises `EnterpriseError` if it was told already."""
    _require(may_edit_profiles(actor), _("只有话务员、值班长和系统管理员可以推送涉企政策。"))
    now = now or timezone.now()
    locked = _lock(policy)
    _require_pushable(locked, channel, timezone.localdate(now))
    if PolicyPush.objects.filter(policy=locked, enterprise=enterprise).exists():
        raise PolicyStepError(_("已向该企业推送过此政策。"))
    return PolicyPush.objects.create(
        policy=locked, enterprise=enterprise, channel=channel, pushed_by=actor, pushed_at=now
    )
