"""Errors as JSON: `{"code": ..., "message": ..., "fields": {...}}`, in the caller's language.

The services raise domain errors with Chinese messages (kept as they are);
this module maps them, and DRF's own errors, to a status and a stable code:

    InputError 400 invalid_input        StaleVersion 409 stale_version
      (OrderInputError, SupervisionError, QualityError)
    SupervisionStepError, PolicyStepError, IncomingHandled 409 invalid_step
    PermissionDenied 403 permission_denied  InvalidTransition 409 invalid_transition
    unknown order 404 not_found          Idempotency-Key reused 422 idempotency_key_reused
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response

from rexian.orders.services import StaleVersion
from rexian.orders.transitions import InvalidTransition
from rexian.core.errors import InputError
from rexian.enterprise.services import PolicyStepError
from rexian.sms.services import IncomingHandled
from rexian.supervision.services import SupervisionStepError

NON_FIELD = "non_field_errors"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = gettext_lazy("该 Idempotency-Key 已用于内容不同的请求，请为新请求使用新的键。")
    default_code = "idempotency_key_reused"


class OrderNotFound(exceptions.NotFound):
    default_detail = gettext_lazy("工单不存在。")


# DRF exception class -> our code (the class's own default_code where it is already right).
_CODES = {
    exceptions.ValidationError: "invalid",
    exceptions.ParseError: "malformed_request",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"code": code, "message": str(message), "fields": fields or {}}


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"field": [messages]}, nested fields joined with dots ("assisting_units.1")."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = str(key) if not prefix else f"{prefix}.{key}"
            for field, messages in flatten_errors(value, name).items():
                out.setdefault(field, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out.setdefault(prefix or NON_FIELD, []).extend(str(item) for item in detail)
        else:
            for index, item in enumerate(detail):
                if item:
                    for field, messages in flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)).items():
                        out.setdefault(field, []).extend(messages)
    else:
        out.setdefault(prefix or NON_FIELD, []).append(str(detail))
    return out


def _summary(fields: dict[str, list[str]]) -> str:
    """One line for people: the first field and its first message."""
    for field, messages in fields.items():
        if messages:
            if field == NON_FIELD:
                return _("提交的数据有误：%(message)s") % {"message": messages[0]}
            return _("提交的数据有误（%(field)s）：%(message)s") % {"field": field, "message": messages[0]}
    return _("提交的数据有误。")


def exception_handler(exc, context):
    """The API's one exception handler (set on the API's views, not globally)."""
    if isinstance(exc, StaleVersion):
        message = str(exc.message)
        return Response(error_body("stale_version", message, {"version": [message]}), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, InvalidTransition):
        return Response(error_body("invalid_transition", exc.message), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, (SupervisionStepError, PolicyStepError, IncomingHandled)):
        return Response(error_body("invalid_step", exc.message), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, InputError):
        message = str(exc.message)
        return Response(
            error_body("invalid_input", message, {exc.field: [message]} if exc.field else {}),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, (Http404, ObjectDoesNotExist)):
        exc = exceptions.NotFound()
    elif isinstance(exc, exceptions.ParseError):
        # The parsers' detail is English and technical ("JSON parse error - Expecting property name …"): tell the
        # caller what is wrong in their language, without the parser's words.
        request = context.get("request")
        if "json" in (getattr(request, "content_type", "") or "").lower():
            message = _("请求内容不是有效的 JSON。")
        else:
            message = _("请求内容无法解析，请检查其格式。")
        return Response(error_body("malformed_request", message), status=status.HTTP_400_BAD_REQUEST)
    elif isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("request_too_large", _("请求内容过大。")), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
        )
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: let Django log it and answer 500

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    code = next((code for cls, code in _CODES.items() if type(exc) is cls), None)
    code = code or next((code for cls, code in _CODES.items() if isinstance(exc, cls)), None)
    code = code or exc.default_code
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten_errors(exc.detail)
        return Response(error_body(code, _summary(fields), fields), status=exc.status_code, headers=headers)
    return Response(error_body(code, str(exc.detail)), status=exc.status_code, headers=headers)
