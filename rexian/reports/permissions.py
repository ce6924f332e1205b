"""Who may do what with reports. Reports hold no caller data: access is by role alone.

- supervisors (值班长) and admins: generate, correct drafts, publish, read everything;
- leaders (领导): read what has been published;
- everyone else: nothing (the pages answer 403).

The orders a report lists were read, when it was built, through `rexian.orders.access` as
its readers see them (see builders.py).
"""

from __future__ import annotations

from rexian.units.models import Role

MANAGER_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
# Roles whose reading list receives every published report.
READER_ROLES = frozenset({Role.LEADER, Role.SUPERVISOR})
VIEWER_ROLES = MANAGER_ROLES | {Role.LEADER}


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def may_manage(user) -> bool:
    """Generate, edit and publish reports."""
    return _active(user) and user.role in MANAGER_ROLES


def may_view_reports(user) -> bool:
    """Open the report centre at all."""
    return _active(user) and user.role in VIEWER_ROLES


def may_read(user, report) -> bool:
    """Open this report: managers any, leaders the published ones."""
    if may_manage(user):
        return True
    return may_view_reports(user) and report.status == report.Status.PUBLISHED
