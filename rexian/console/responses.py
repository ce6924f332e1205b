"""Answers the console's views share."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render


def bad_request(request, reason: str) -> HttpResponse:
    """A 400 on the site's error page (in the user's language) saying what was wrong with the request."""
    return render(request, "400.html", {"reason": reason}, status=400)


def redirect_back(request, fallback: str) -> HttpResponseRedirect:
    """Back to the console page a form's `next` names (where the action was taken), else to `fallback`.

    Only a path inside the console is followed: never another site, nor a scheme-relative "//host".
    """
    next_url = request.POST.get("next", "")
    if next_url.startswith("/console/") and "//" not in next_url:
        return HttpResponseRedirect(next_url)
    return HttpResponseRedirect(fallback)
