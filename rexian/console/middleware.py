"""Per-user console language: a signed-in user's choice wins over the browser's."""

from __future__ import annotations

from django.utils import translation


class UserLanguageMiddleware:
    """Activate the language a signed-in user chose (界面语言); runs after authentication.

    LocaleMiddleware has already picked one from the session, cookie or
    browser; a user who chose explicitly gets theirs on every device.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language:
            response.headers.setdefault("Content-Language", language)
        return response
