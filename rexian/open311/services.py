"""Writes for Open311: API keys, and turning a POSTed request into an ordinary work order.

A request is registered by the Open311 service account (role integration, username
"open311") through `rexian.orders.services.order_register`, on the "open311" channel, and
sent on to the dispatchers (转派遣) when the account's role may do so: no operator reads
an Open311 request before a dispatcher does. From there it flows like any other order.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from rexian.catalog.models import AppealType, Channel, DeadlineKind, Urgency
from rexian.catalog.selectors import deadline_rule_for
from rexian.core.dates import day_in_range
from rexian.open311 import selectors
from rexian.open311.errors import Open311Error, date_out_of_range
from rexian.open311.models import ApiKey, Submission, key_digest
from rexian.orders import access
from rexian.orders import services as order_services
from rexian.orders.models import WorkOrder
from rexian.orders.transitions import Action
from rexian.units.models import Role

logger = logging.getLogger(__name__)

ACCOUNT_USERNAME = "open311"
CHANNEL_CODE = "open311"
DEMO_KEY = "demo-key"
TITLE_MAX = 120


# --- API keys (API密钥) ----------------------------------------------------------------------


def api_key_new_secret(key: ApiKey) -> str:
    """Give an unsaved key its secret: sets the hash and prefix and returns the key, which is never stored."""
    raw = secrets.token_urlsafe(24)
    key.key_hash, key.prefix = key_digest(raw), raw[:6]
    return raw


def api_key_create(*, name: str, note: str = "") -> tuple[ApiKey, str]:
    """Issue a new key; returns the record and the key itself, to be shown once."""
    key = ApiKey(name=name, note=note)
    raw = api_key_new_secret(key)
    key.save()
    return key, raw


def api_key_check(raw: str) -> ApiKey:
    """The active key `raw` is, or Open311Error 403 (the spec's answer to a missing or wrong api_key)."""
    raw = (raw or "").strip()
    if not raw:
        raise Open311Error(403, _("缺少 api_key，提交诉求需要API密钥。"))
    key = ApiKey.objects.filter(key_hash=key_digest(raw), is_active=True).first()
    if key is None:
        raise Open311Error(403, _("api_key 无效或已停用，无法提交诉求。"))
    return key


def open311_demo_key_install() -> ApiKey:
    """The demo city's key "demo-key" (docs/open311.md); creating it again changes nothing."""
    key, _created = ApiKey.objects.get_or_create(
        key_hash=key_digest(DEMO_KEY),
        defaults={"name": "演示密钥", "prefix": DEMO_KEY[:6], "note": "演示数据自带的公开密钥，正式环境请停用。"},
    )
    return key


def _unavailable() -> str:
    """What a citizen's app shows when Rexian, not the request, is at fault (the cause goes to the log)."""
    return _("Open311 接口暂不可用，请稍后再试或拨打12345。")


# --- The service account (接口账号) ---------------------------------------------------------


def integration_account():
    """The Open311 service account, created on first use (role integration, no usable password).

    An existing user of that name with another role is refused rather than used:
    Open311 must never act with a staff member's rights.
    """
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=ACCOUNT_USERNAME, defaults={"role": Role.INTEGRATION, "display_name": "Open311接口"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if user.role != Role.INTEGRATION or not user.is_active:
        logger.error("User %r exists but is not an active integration account; Open311 cannot submit.", user.username)
        raise Open311Error(503, _unavailable())
    return user


# --- POST requests -------------------------------------------------------------------------


def parse_w3_datetime(value: str) -> dt.datetime | None:
    """A W3C date-time (2010-01-01T00:00:00Z or +08:00), or a bare date; local time when no offset is given."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            day = parse_date(value)
            parsed = dt.datetime.combine(day, dt.time.min) if day else None
    except ValueError:
        parsed = None
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


@dataclass(frozen=True)
class RequestInput:
    """A POSTed service request, parsed (rexian.open311.forms) but not yet checked against the rules."""

    service_code: str
    description: str
    lat: Decimal | None = None
    long: Decimal | None = None
    address_string: str = ""
    address_id: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    media_url: str = ""
    attributes: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Submitted:
    order: WorkOrder
    submission: Submission
    service_notice: str


_CJK = re.compile(r"^[\u3400-\u9fff\u00b7·]+$")


def caller_name(first_name: str, last_name: str) -> str:
    """Chinese names read family name first (张 + 三 → 张三); others "first last"."""
    first, last = first_name.strip(), last_name.strip()
    if first and last and _CJK.match(first) and _CJK.match(last):
        return last + first
    return " ".join(part for part in (first, last) if part)


def _title(service_name: str, description: str) -> str:
    first_line = description.strip().splitlines()[0].strip() if description.strip() else ""
    title = f"{service_name}：{first_line}" if first_line else service_name
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"


def _single(attributes: dict[str, list[str]], code: str) -> str:
    values = attributes.get(code) or []
    if len(values) > 1:
        raise Open311Error(400, _("attribute[%(code)s] 只能有一个值。") % {"code": code})
    return values[0] if values else ""


def _attribute_values(data: RequestInput) -> tuple[AppealType, bool, dt.datetime | None]:
    """The answers to the service definition's attributes: appeal type, confidentiality, time of the event."""
    type_code = _single(data.attributes, "appeal_type") or selectors.DEFAULT_APPEAL_TYPE
    appeal_type = AppealType.objects.filter(code=type_code, is_active=True).first()
    if appeal_type is None:
        if "appeal_type" in data.attributes:
            raise Open311Error(400, _("attribute[appeal_type] 的取值「%(value)s」无效。") % {"value": type_code})
        appeal_type = AppealType.objects.filter(is_active=True).order_by("sort_order", "code").first()
        if appeal_type is None:
            raise Open311Error(503, _unavailable())
    confidential = _single(data.attributes, "confidential").lower()
    if confidential not in ("", "true", "false"):
        raise Open311Error(400, _("attribute[confidential] 只能是 true 或 false。"))
    occurred_raw = _single(data.attributes, "occurred_at")
    occurred_at = parse_w3_datetime(occurred_raw) if occurred_raw else None
    if occurred_raw and occurred_at is None:
        raise Open311Error(400, _("attribute[occurred_at] 不是有效的日期时间。"))
    if occurred_at is not None and not day_in_range(occurred_at):
        raise date_out_of_range("attribute[occurred_at]")
    return appeal_type, confidential == "true", occurred_at


def _check_location(data: RequestInput) -> None:
    if (data.lat is None) != (data.long is None):
        raise Open311Error(400, _("lat 和 long 须同时提供。"))
    if data.lat is None and not data.address_string:
        if data.address_id:
            raise Open311Error(400, _("本市未提供地址库，无法识别 address_id，请提供 lat/long 或 address_string。"))
        raise Open311Error(400, _("请提供诉求地点：lat 和 long，或 address_string。"))


def _service_notice(order: WorkOrder) -> str:
    notice = _("诉求已受理，工单编号 %(number)s。") % {"number": order.number}
    rule = deadline_rule_for(
        kind=DeadlineKind.REPLY, appeal_type=order.appeal_type, urgency=order.urgency, category=order.category
    )
    if rule is not None:
        unit = _("个工作日") if rule.unit == "workdays" else _("小时")
        amount = format(rule.amount.normalize(), "f")  # 10, 0.5: never "1E+1"
        notice += _("承办单位一般在派单后 %(amount)s%(unit)s内答复。") % {"amount": amount, "unit": unit}
    return notice


@transaction.atomic
def request_submit(*, api_key: ApiKey, data: RequestInput) -> Submitted:
    """POST requests: register the citizen's request as a work order and send it to the dispatchers.

    Checks the service code (404 when it names no open leaf category), the location
    and the attributes (400), then registers through `order_register` as the
    Open311 service account on the "open311" channel. Raises Open311Error;
    order_register's OrderInputError (e.g. a malformed phone) is turned into a 400.
    """
    if not data.service_code:
        raise Open311Error(400, _("缺少 service_code。"))
    category = selectors.service_category(data.service_code)
    if category is None:
        raise Open311Error(404, _("service_code「%(code)s」不存在。") % {"code": data.service_code})
    _check_location(data)
    if not data.description:
        raise Open311Error(400, _("请填写 description（诉求内容）。"))
    appeal_type, confidential, occurred_at = _attribute_values(data)
    channel = Channel.objects.filter(code=CHANNEL_CODE).first()
    if channel is None:
        logger.error("Channel %r is missing; Open311 cannot submit.", CHANNEL_CODE)
        raise Open311Error(503, _unavailable())
    account = integration_account()
    description = data.description
    if data.media_url:
        description += "\n\n" + _("附图链接：%(url)s") % {"url": data.media_url}
    try:
        order = order_services.order_register(
            actor=account,
            channel=channel,
            appeal_type=appeal_type,
            urgency=Urgency.objects.filter(code=selectors.DEFAULT_URGENCY).first(),
            category=category,
            title=_title(category.name, data.description),
            description=description,
            caller_name=caller_name(data.first_name, data.last_name),
            caller_phone=data.phone,
            confidential=confidential,
            address=data.address_string,
            latitude=data.lat,
            longitude=data.long,
            occurred_at=occurred_at,
        )
    except order_services.OrderInputError as error:
        field_name = {"caller_phone": "phone", "occurred_at": "attribute[occurred_at]"}.get(error.field, error.field)
        raise Open311Error(400, f"{field_name}: {error.message}" if field_name else error.message) from None
    except PermissionDenied as error:
        logger.error("The Open311 account may not register orders: %s", error)
        raise Open311Error(503, _unavailable()) from None
    if access.may(account, Action.SEND_TO_DISPATCH, order):
        order = order_services.order_send_to_dispatch(
            actor=account, order=order, note=_("Open311 提交，无需话务员复核。"), expected_version=order.version
        )
    now = timezone.now()
    submission = Submission.objects.create(
        order=order,
        api_key=api_key,
        token=secrets.token_urlsafe(18),
        submitted_at=now,
        email=data.email,
        device_id=data.device_id,
        account_id=data.account_id,
        media_url=data.media_url,
        attributes={code: values for code, values in data.attributes.items() if code in selectors.ATTRIBUTE_CODES},
    )
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    return Submitted(order=order, submission=submission, service_notice=_service_notice(order))
