"""The HTTP endpoint a switch or CTI posts call events to (see docs/telephony.md, "Events API").

Thin: authenticate the source by its bearer token, parse JSON, hand the events
to `call_events_ingest`, answer JSON. Every mistake a client can make is a 4xx
with a message that says what to fix; nothing a client sends makes a 500.
"""

from __future__ import annotations

import json

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from rexian.telephony import conf
from rexian.telephony.services import EventInputError, call_events_ingest, cti_source_authenticate


def _error(status: int, code: str, message: str, **extra) -> JsonResponse:
    response = JsonResponse({"code": code, "message": message, **extra}, status=status,
                            json_dumps_params={"ensure_ascii": False})
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="rexian-telephony"'
    return response


def _bearer(request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@csrf_exempt
def events_receive(request):
    """POST one event (a JSON object) or several (a JSON array); answers the counts of new and duplicate events."""
    if request.method != "POST":
        response = _error(405, "method_not_allowed", "只接受 POST。Only POST is accepted.")
        response["Allow"] = "POST"
        return response
    token = _bearer(request)
    if not token:
        return _error(401, "not_authenticated",
                      "缺少令牌：请在 Authorization 头中发送 Bearer 令牌。Send the source's token as "
                      "'Authorization: Bearer <token>'.")
    source = cti_source_authenticate(token)
    if source is None:
        return _error(401, "authentication_failed",
                      "令牌无效或接入源已停用。The token is unknown or its source is disabled.")
    if request.content_type != "application/json":
        return _error(415, "unsupported_media_type",
                      "请以 application/json 发送。Send the events as Content-Type: application/json.")
    try:
        body = request.body
    except RequestDataTooBig:
        return _error(413, "too_large",
                      "请求体过大，请分批发送。The request body is too large: send fewer events at a time.")
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        return _error(400, "malformed_json", f"请求体不是合法的 JSON。The body is not valid JSON: {error}")
    events = payload if isinstance(payload, list) else [payload]
    if not events:
        return _error(400, "no_events", "没有事件。The list of events is empty.")
    limit = conf.cti_max_events_per_request()
    if len(events) > limit:
        return _error(413, "too_many_events", f"每次最多 {limit} 个事件。Send at most {limit} events per request.")
    try:
        result = call_events_ingest(source=source, events=events)
    except EventInputError as error:
        return _error(400, "invalid_events", "部分事件无效，均未保存。Some events are invalid; none was stored.",
                      errors=error.errors)
    return JsonResponse({"accepted": result.accepted, "duplicates": result.duplicates, "calls": result.calls,
                         "agents": result.agents})
