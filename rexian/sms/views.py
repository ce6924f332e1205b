"""The endpoints the SMS gateway posts to (docs/sms.md, "Replies and delivery reports"): callers' texts and
delivery reports. Thin: check the request is the gateway's (signed with REXIAN_SMS_SECRET like Rexian's own
requests to it), parse JSON, hand each item to the services, answer JSON. A client's mistake is a 4xx that says
what to fix; nothing posted makes a 500.
"""

from __future__ import annotations

import functools
import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from rexian.sms import services
from rexian.webhooks.signing import verify

MAX_ITEMS = 100


def _error(status: int, code: str, message: str, **extra) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, **extra}, status=status,
                        json_dumps_params={"ensure_ascii": False})


def _items(request) -> list | JsonResponse:
    """The posted object or list of objects, or the error response that says why there is none."""
    try:
        body = request.body
    except RequestDataTooBig:
        return _error(413, "too_large", "请求体过大，请分批发送。The request body is too large: send fewer items.")
    if not verify(settings.SMS_SECRET or "", timestamp=request.headers.get("X-Rexian-Timestamp", ""), body=body,
                  signature_header=request.headers.get("X-Rexian-Signature", "")):
        return _error(401, "bad_signature", "签名无效或时间戳超出 5 分钟。The signature does not match "
                      "(HMAC-SHA256 of '<timestamp>.<body>' with REXIAN_SMS_SECRET) or the timestamp is over "
                      "5 minutes off.")
    if request.content_type != "application/json":
        return _error(415, "unsupported_media_type", "请以 application/json 发送。Send Content-Type: application/json.")
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return _error(400, "malformed_json", "请求体不是合法的 JSON。The body is not valid JSON.")
    items = payload if isinstance(payload, list) else [payload]
    if not items or len(items) > MAX_ITEMS or not all(isinstance(item, dict) for item in items):
        return _error(400, "bad_items", f"请发送一个对象或 1–{MAX_ITEMS} 个对象的数组。"
                      f"Send one JSON object or an array of 1 to {MAX_ITEMS} objects.")
    return items


def _when(value) -> tuple[object, bool]:
    """An optional ISO 8601 time with its offset: (datetime or None, whether it was acceptable)."""
    if value in (None, ""):
        return None, True
    when = parse_datetime(value) if isinstance(value, str) else None
    return when, when is not None and when.tzinfo is not None


def post_only(view):
    @functools.wraps(view)
    def wrapped(request):
        if request.method != "POST":
            response = _error(405, "method_not_allowed", "只接受 POST。Only POST is accepted.")
            response["Allow"] = "POST"
            return response
        return view(request)

    return wrapped


def _disabled() -> JsonResponse:
    return _error(404, "replies_off", "本中心未开通短信回复。Replies by text are off (REXIAN_SMS_REPLIES).")


@csrf_exempt
@post_only
def incoming_receive(request):
    """POST a caller's text (`{"id", "from", "text", "received_at"?}`) or a list of them; answers how many were
    taken and how many had been taken before. All or none: one bad item stores nothing."""
    if not settings.SMS_REPLIES:
        return _disabled()
    items = _items(request)
    if isinstance(items, JsonResponse):
        return items
    errors, texts = [], []
    for index, item in enumerate(items):
        received_at, ok = _when(item.get("received_at"))
        if not ok:
            errors.append({"index": index, "field": "received_at",
                           "message": "时间格式应为带时区的 ISO 8601。Use ISO 8601 with an offset."})
        texts.append((index, item, received_at))
    if errors:
        return _error(400, "invalid_items", "部分短信无效，均未保存。Some items are invalid; none was stored.",
                      errors=errors)
    try:
        taken = services.sms_receive_many(
            [dict(reference=str(item.get("id") or ""), phone=str(item.get("from") or ""),
                  text=str(item.get("text") or ""), received_at=received_at) for _index, item, received_at in texts])
    except services.IncomingInputError as error:
        return _error(400, "invalid_items", "部分短信无效，均未保存。Some items are invalid; none was stored.",
                      errors=[{"index": error.index, "field": error.field, "message": error.message}])
    return JsonResponse({"accepted": sum(1 for one in taken if one), "duplicates": sum(1 for one in taken if not one)})


@csrf_exempt
@post_only
def delivery_report(request):
    """POST a delivery report (`{"id": <Rexian's message id>, "delivered": true|false, "error"?, "at"?}`) or a list
    of them; answers how many matched a sent message."""
    items = _items(request)
    if isinstance(items, JsonResponse):
        return items
    reports, errors = [], []
    for index, item in enumerate(items):
        at, ok = _when(item.get("at"))
        message_id = item.get("id")
        if not isinstance(message_id, int) or isinstance(message_id, bool):
            errors.append({"index": index, "field": "id", "message": "id 应为 Rexian 发送时给出的整数编号。"
                           "id is the integer Rexian sent the message with."})
        elif not isinstance(item.get("delivered"), bool):
            errors.append({"index": index, "field": "delivered", "message": "delivered 应为 true 或 false。"})
        elif not ok:
            errors.append({"index": index, "field": "at", "message": "时间格式应为带时区的 ISO 8601。Use ISO 8601 "
                           "with an offset."})
        else:
            reports.append(dict(message_id=message_id, delivered=item["delivered"], at=at,
                                error=str(item.get("error") or "")))
    if errors:
        return _error(400, "invalid_items", "部分回执无效，均未保存。Some items are invalid; none was stored.",
                      errors=errors)
    matched = services.sms_delivery_reports(reports)
    return JsonResponse({"matched": matched, "unknown": len(reports) - matched})
