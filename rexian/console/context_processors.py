from __future__ import annotations

from rexian.console.navigation import menu_for


def console(request):
    """The menu for the signed-in user, so every console page renders the same header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not request.path.startswith("/console/"):
        return {}
    return {"console_menu": menu_for(user)}
