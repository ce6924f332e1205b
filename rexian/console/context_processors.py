from __future__ import annotations

import functools

from rexian.console.navigation import menu_for
from rexian.sms import selectors as sms_selectors


def console(request):
    """The menu for the signed-in user, so every console page renders the same header, with the count of texts
    waiting in 短信来信 beside its entry: one COUNT, made only when a page shows that entry (a callable, which the
    template calls; a fragment never does)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not request.path.startswith("/console/"):
        return {}
    return {
        "console_menu": menu_for(user),
        "incoming_sms_waiting": functools.partial(sms_selectors.incoming_open_count, user=user),
    }
