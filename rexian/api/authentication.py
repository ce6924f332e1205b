"""Who is calling: a system with `Authorization: Token <key>`, or a signed-in browser (session + CSRF)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from rexian.api.services import TokenRejected, api_token_authenticate

KEYWORD = "Token"


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>` with a key issued as an `ApiToken` (only its SHA-256 is stored)."""

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("请求头格式应为 Authorization: Token <令牌>。"))
        try:
            key = parts[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("令牌无效。")) from None
        try:
            token = api_token_authenticate(key)
        except TokenRejected as rejected:
            raise exceptions.AuthenticationFailed(rejected.message) from None
        return token.user, token

    def authenticate_header(self, request) -> str:
        return KEYWORD


class IsActiveUser(permissions.BasePermission):
    """Every endpoint needs a signed-in, active user; what they may do is asked of rexian.orders.access."""

    message = gettext_lazy("请先登录或提供有效的接口令牌。")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "rexian.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Authorization: Token <key>`: a key issued in the admin site or by "
            "`rexian api-token create` (shown once).",
        }
