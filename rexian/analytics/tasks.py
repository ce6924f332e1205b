"""Background work of the analytics app, run by `rexian worker` (registered in rexian/core/scheduler.py)."""

from django_tasks import task

from rexian.analytics.rollups import rollup_reconcile


@task()
def rollup_reconcile_task() -> dict:
    """Nightly: recompute the facts and rollups of the recent orders (REXIAN_METRICS_RECONCILE_DAYS)."""
    result = rollup_reconcile()
    if result is None:
        return {"orders": 0}
    return {"orders": result.orders, "facts": result.facts, "seconds": round(result.seconds, 1)}
