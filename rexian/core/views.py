import re

from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from rexian.core.health import readiness

# get_object_or_404's report ("No WorkOrder matches the given query."), which Django never translates.
LOOKUP_REPORT = re.compile(r"No \w+ matches the given query\.")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@never_cache
@require_GET
def health(request):
    """Liveness: nginx, gunicorn and Django answer (no database query)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def health_ready(request):
    """Readiness for the monitoring system: 200 when the database answers, a worker runs and the task queue keeps
    up, else 503; each check's finding either way (rexian.core.health)."""
    ready, answer = readiness()
    return JsonResponse(answer, status=200 if ready else 503)


def csrf_failure(request, reason=""):
    """Our page instead of Django's developer one when a form's CSRF check fails (e.g. an expired page)."""
    return render(request, "403.html", {"reason": gettext("页面已过期或来源无法验证，请刷新页面后重新提交。")}, status=403)


def _message(exception) -> str:
    """The exception's own message when it was written for the user; otherwise nothing.

    Rexian raises Http404 and PermissionDenied with a message for the user (「找不到该工单。」), translated as it is
    raised, so it is in the user's language (Chinese, or English for a user who chose it). Django's own messages
    are a developer's: a URL resolver's report (a dict), get_object_or_404's, and on a Chinese page any message
    without Chinese.
    """
    argument = exception.args[0] if exception is not None and exception.args else None
    if argument is None or isinstance(argument, dict):
        return ""
    message = str(argument)
    if LOOKUP_REPORT.fullmatch(message):
        return ""
    english = (translation.get_language() or "").startswith("en")
    return message if english or CHINESE.search(message) else ""


def permission_denied(request, exception=None):
    """403 with the reason the code gave (e.g. 「您无权查看该工单。」), in the site's own page."""
    return render(request, "403.html", {"reason": _message(exception)}, status=403)


def page_not_found(request, exception=None):
    """404 with the reason the code gave (e.g. 「找不到该工单。」), never a developer's resolver report."""
    return render(request, "404.html", {"reason": _message(exception)}, status=404)


def favicon(request):
    """/favicon.ico, which browsers ask for on pages without an icon link (admin, error pages): the site's SVG icon."""
    return HttpResponseRedirect(static("rexian/favicon.svg"))
