from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static


def csrf_failure(request, reason=""):
    """A Chinese page instead of Django's English one when a form's CSRF check fails (e.g. an expired page)."""
    return render(request, "403.html", {"reason": "页面已过期或来源无法验证，请刷新页面后重新提交。"}, status=403)


def _message(exception) -> str:
    """The exception's own message when it was written for the user (in Chinese); otherwise nothing."""
    message = str(exception.args[0]) if exception is not None and exception.args else ""
    if isinstance(exception.args[0] if exception is not None and exception.args else None, dict):
        return ""  # a URL resolver's report, meant for developers
    return message if any("\u4e00" <= ch <= "\u9fff" for ch in message) else ""


def permission_denied(request, exception=None):
    """403 with the reason the code gave (e.g. 「您无权查看该工单。」), in the site's own page."""
    return render(request, "403.html", {"reason": _message(exception)}, status=403)


def page_not_found(request, exception=None):
    """404 with the reason the code gave (e.g. 「找不到该工单。」), never a developer's resolver report."""
    return render(request, "404.html", {"reason": _message(exception)}, status=404)


def favicon(request):
    """/favicon.ico, which browsers ask for on pages without an icon link (admin, error pages): the site's SVG icon."""
    return HttpResponseRedirect(static("rexian/favicon.svg"))
