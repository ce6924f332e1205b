"""The console's middleware: the user's own language, and actions opened with GET (after signing in again)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext


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


# The page each console action (a URL that only takes POST) belongs to: (its URL name, the action's URL
# arguments it needs). An action opened with GET is sent back there.
ACTION_PAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "order-action": ("console:order", ("number",)),  # /console/orders/<number>/<action>/
    "order-sms-answer": ("console:order", ("number",)),  # /console/orders/<number>/sms-answer/ (知识答复)
    "supervision-step": ("console:supervision", ("pk",)),  # /console/supervision/<id>/<step>/
    "notifications-read": ("console:notifications", ()),
    "hotspots-recompute": ("console:hotspots", ()),
    "policy-step": ("console:policy", ("pk",)),  # /console/enterprises/policies/<id>/<step>/
    "enterprise-tell": ("console:enterprise", ("code",)),
}


def _known_action(match) -> bool:
    """Whether an order action's address names an action that exists (/console/orders/<number>/<action>/)."""
    if match.url_name != "order-action":
        return True
    from rexian.console.actions import BY_SLUG

    return match.kwargs["slug"] in BY_SLUG


class MethodNotAllowedMiddleware:
    """A 405 in the console: an action opened with GET goes back to its page with a word why; any other 405 is a
    short readable page instead of an empty one.

    Opening an action happens after a session expired on a page: the form's POST was sent to the login
    page, whose `next` the browser then GETs once the user has signed in again. The action's view answers
    405 (require_POST), with an empty body, so the user would see a blank page and not know whether the
    action was taken. Runs inside MessageMiddleware (the message is stored) and UserLanguageMiddleware
    (the words are the user's language).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = request.resolver_match
        if response.status_code != 405 or match is None or match.namespace != "console":
            return response
        page = ACTION_PAGES.get(match.url_name)
        if page is not None and not _known_action(match):
            raise Http404(gettext("没有这项操作。"))  # a made-up action address: as its POST would answer
        if request.method == "GET" and page is not None:
            name, arguments = page
            messages.warning(request, gettext("会话已过期或页面已刷新：该操作未执行，请在页面上重新操作。"))
            return HttpResponseRedirect(reverse(name, kwargs={key: match.kwargs[key] for key in arguments}))
        readable = render(
            request, "405.html", {"method": request.method, "home": reverse("console:home")}, status=405
        )
        if "Allow" in response.headers:
            readable.headers["Allow"] = response.headers["Allow"]
        return readable
