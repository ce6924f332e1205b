"""Background work of the 一企来 desk, run by `rexian worker` (registered in rexian/core/scheduler.py)."""

from __future__ import annotations

from django_tasks import task

from rexian.enterprise.services import enterprises_sync


@task()
def enterprises_sync_task() -> dict:
    """Nightly: profiles for the enterprises that orders name and the desk has none of (orders imported in bulk, or
    a profile the order's commit could not make)."""
    return {"made": enterprises_sync()}
