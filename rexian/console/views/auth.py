"""Signing in and out, and the console language."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rexian.console.forms import LanguageForm, LoginForm
from rexian.core import ratelimit
from rexian.core.ratelimit import Limit

# Logins are throttled (PRODUCT.md, "Security and privacy"): failed attempts, per account and per client address.
LOGINS_PER_ACCOUNT = Limit("login-user", "CONSOLE_LOGINS_PER_ACCOUNT_PER_HOUR", 10)
LOGINS_PER_ADDRESS = Limit("login-ip", "CONSOLE_LOGINS_PER_ADDRESS_PER_HOUR", 60)


def _safe_next(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("console:home")


def login_view(request):
    """The staff sign-in page; after too many failed attempts for one account or address, a 429 and a wait.

    Only failures count: a right password signs in whatever the number of sign-ins, a wrong one counts against the
    account and the address; once either is spent, even the right password waits (or guessing could go on).
    """
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.user.is_authenticated and request.method == "GET":
        if next_url.startswith("/admin/") and not request.user.is_staff:
            # The admin sends signed-in staff without admin rights here; say so instead of looping.
            refusal = _("您的账号无权进入管理后台，请使用系统管理员账号登录。")
            context = {"form": LoginForm(request), "next": next_url, "refusal": refusal}
            return render(request, "console/login.html", context, status=403)
        return HttpResponseRedirect(_safe_next(request, next_url))
    form = LoginForm(request, data=request.POST or None)
    status = 200
    if request.method == "POST":
        username = (request.POST.get("username") or "").strip().lower()
        limits = [(LOGINS_PER_ACCOUNT, username), (LOGINS_PER_ADDRESS, ratelimit.client_address(request))]
        verdict = ratelimit.hit_all(limits)  # counted first: parallel guesses are all counted
        if not verdict.allowed:
            wait = _("登录尝试过于频繁，请 %(minutes)d 分钟后再试。") % {"minutes": verdict.retry_after // 60 + 1}
            context = {"form": LoginForm(request), "next": next_url, "refusal": wait}
            response = render(request, "console/login.html", context, status=429)
            response["Retry-After"] = str(verdict.retry_after)
            return response
        if form.is_valid():
            ratelimit.unhit_all(limits)  # a successful sign-in counts nothing
            user = form.get_user()
            login(request, user)
            if user.language:
                translation.activate(user.language)
            return HttpResponseRedirect(_safe_next(request, next_url))
        status = 400
    return render(request, "console/login.html", {"form": form, "next": next_url}, status=status)


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("您已安全退出。"))
    return redirect("console:login")


@require_POST
def language_switch(request):
    """Switch the console language; a signed-in user keeps the choice on every device."""
    form = LanguageForm(request.POST)
    next_url = _safe_next(request, request.POST.get("next"))
    response = HttpResponseRedirect(next_url)
    if not form.is_valid():
        messages.error(request, _("不支持该语言。"))
        return response
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        request.user.language = language
        request.user.save(update_fields=["language"])
    translation.activate(language)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax", httponly=True)
    return response
