"""Parsing Open311 arguments: the form fields of POST requests and the filters of GET requests.

Each form turns the raw strings into typed values or into a list of Open311 errors (one per
bad field, in Chinese); the rules of what a request must contain live in
`rexian.open311.services`.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _

from rexian.core.dates import day_in_range
from rexian.open311.errors import Open311Error, date_out_of_range
from rexian.open311.selectors import DEFAULT_WINDOW, MAX_REQUESTS, RequestFilter
from rexian.open311.services import RequestInput, parse_w3_datetime

DESCRIPTION_MAX = 4000  # the spec's limit for description
# Characters XML 1.0 cannot carry; a client that sends them gets them dropped, not an unreadable order.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,50})\](\[\])?$")
MAX_ATTRIBUTES = 50  # codes per request, and values per code
ATTRIBUTE_VALUE_MAX = 200


def _clean_text(value: str) -> str:
    return _CONTROL.sub("", value or "").strip()


class ServiceRequestForm(forms.Form):
    """POST requests: the spec's arguments other than api_key, jurisdiction_id and attribute[...]."""

    service_code = forms.CharField(max_length=20, required=False)
    lat = forms.CharField(max_length=30, required=False)
    long = forms.CharField(max_length=30, required=False)
    address_string = forms.CharField(max_length=200, required=False)
    address_id = forms.CharField(max_length=100, required=False)
    email = forms.EmailField(max_length=254, required=False)
    device_id = forms.CharField(max_length=100, required=False)
    account_id = forms.CharField(max_length=100, required=False)
    first_name = forms.CharField(max_length=50, required=False)
    last_name = forms.CharField(max_length=50, required=False)
    phone = forms.CharField(max_length=30, required=False)
    description = forms.CharField(max_length=DESCRIPTION_MAX, required=False, strip=False)
    media_url = forms.URLField(max_length=1000, required=False, assume_scheme="https")

    def _coordinate(self, name: str, limit: int) -> Decimal | None:
        raw = (self.cleaned_data.get(name) or "").strip()
        if not raw:
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise forms.ValidationError(_("%(name)s 不是有效的数字。") % {"name": name}) from None
        if not value.is_finite() or not -limit <= value <= limit:
            raise forms.ValidationError(
                _("%(name)s 应在 -%(limit)d 到 %(limit)d 之间。") % {"name": name, "limit": limit}
            )
        return value.quantize(Decimal("0.000001"))

    def clean_lat(self):
        return self._coordinate("lat", 90)

    def clean_long(self):
        return self._coordinate("long", 180)

    def clean_description(self):
        return _clean_text(self.cleaned_data.get("description"))

    def clean_media_url(self):
        url = self.cleaned_data.get("media_url") or ""
        if url and not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(_("media_url 须为 http 或 https 链接。"))
        return url

    def to_input(self, attributes: dict[str, list[str]]) -> RequestInput:
        data = self.cleaned_data
        return RequestInput(
            service_code=_clean_text(data["service_code"]),
            lat=data["lat"],
            long=data["long"],
            address_string=_clean_text(data["address_string"]),
            address_id=_clean_text(data["address_id"]),
            email=data["email"],
            device_id=_clean_text(data["device_id"]),
            account_id=_clean_text(data["account_id"]),
            first_name=_clean_text(data["first_name"]),
            last_name=_clean_text(data["last_name"]),
            phone=_clean_text(data["phone"]),
            description=data["description"],
            media_url=data["media_url"],
            attributes=attributes,
        )


def _form_errors(form: forms.Form) -> list[Open311Error]:
    errors = []
    for name, messages in form.errors.items():
        for message in messages:
            errors.append(Open311Error(400, f"{name}: {message}"))
    return errors


def parse_attributes(data) -> dict[str, list[str]]:
    """attribute[code]=value and attribute[code][]=value1&attribute[code][]=value2 → {code: [values]}."""
    attributes: dict[str, list[str]] = {}
    for key in data:
        match = _ATTRIBUTE.match(key)
        if not match:
            continue
        values = [_clean_text(v) for v in data.getlist(key)]
        collected = attributes.setdefault(match.group(1), [])
        collected.extend(v for v in values if v)
        if len(attributes) > MAX_ATTRIBUTES or len(collected) > MAX_ATTRIBUTES:
            raise Open311Error(400, _("attribute 参数过多。"))
        if any(len(v) > ATTRIBUTE_VALUE_MAX for v in collected):
            raise Open311Error(
                400, _("attribute[%(code)s] 的值不能超过 %(n)d 个字符。") % {"code": match.group(1), "n": ATTRIBUTE_VALUE_MAX}
            )
    return attributes


def parse_service_request(data) -> RequestInput:
    """The POSTed form as a RequestInput; raises Open311Error (one per bad field) on malformed values."""
    form = ServiceRequestForm(data)
    if not form.is_valid():
        raise Open311Error.many(_form_errors(form))
    return form.to_input(parse_attributes(data))


def _split(value: str, limit: int = MAX_REQUESTS) -> tuple[str, ...]:
    items = [item.strip() for item in (value or "").split(",")]
    return tuple(dict.fromkeys(item for item in items if item))[:limit]


def parse_request_filter(data, *, now: dt.datetime | None = None) -> RequestFilter:
    """GET requests' filters. Dates default to the last 90 days and may not span more; see the spec."""
    errors: list[Open311Error] = []
    ids = _split(",".join(data.getlist("service_request_id")))
    codes = _split(",".join(data.getlist("service_code")))
    statuses = _split(",".join(data.getlist("status")).lower())
    for status in statuses:
        if status not in ("open", "closed"):
            errors.append(Open311Error(400, _("status 只能是 open 或 closed。")))
            break
    dates = {}
    for name in ("start_date", "end_date"):
        raw = (data.get(name) or "").strip()
        dates[name] = parse_w3_datetime(raw)
        if raw and dates[name] is None:
            message = _("%(name)s 不是有效的 W3C 日期时间（例如 2026-01-01T00:00:00+08:00）。") % {"name": name}
            errors.append(Open311Error(400, message))
        elif dates[name] is not None and not day_in_range(dates[name]):
            errors.append(date_out_of_range(name))
    page = _positive_int(data, "page", 1, errors)
    page_size = _positive_int(data, "page_size", MAX_REQUESTS, errors)
    if errors:
        raise Open311Error.many(errors)
    start, end = dates["start_date"], dates["end_date"]
    now = now or timezone.now()
    if start is None and end is None:
        end = now
        start = end - DEFAULT_WINDOW
    elif start is None:
        start = end - DEFAULT_WINDOW
    elif end is None:
        end = start + DEFAULT_WINDOW
    if end < start:
        raise Open311Error(400, _("end_date 不能早于 start_date。"))
    if end - start > DEFAULT_WINDOW:
        raise Open311Error(400, _("start_date 与 end_date 的跨度不能超过90天。"))
    return RequestFilter(
        service_request_ids=ids, service_codes=codes, start=start, end=end, statuses=statuses,
        page=page, page_size=min(page_size, MAX_REQUESTS),
    )


def _positive_int(data, name: str, default: int, errors: list) -> int:
    raw = (data.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1 or len(raw) > 9:
        errors.append(Open311Error(400, _("%(name)s 应为正整数。") % {"name": name}))
        return default
    return int(raw)
