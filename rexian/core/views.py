from django.shortcuts import render


def csrf_failure(request, reason=""):
    """A Chinese page instead of Django's English one when a form's CSRF check fails (e.g. an expired page)."""
    return render(request, "403.html", {"reason": "页面已过期或来源无法验证，请刷新页面后重新提交。"}, status=403)
