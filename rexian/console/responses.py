"""Answers the console's views share."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render


def bad_request(request, reason: str) -> HttpResponse:
    """A 400 on the site's error page (in the user's language) saying what was wrong with the request."""
    return render(request, "400.html", {"reason": reason}, status=400)
