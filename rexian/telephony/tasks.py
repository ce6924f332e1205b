"""Background work of the telephony app, run by `rexian worker` (registered in rexian/core/scheduler.py)."""

from django_tasks import task

from rexian.telephony.rollups import call_rollup_reconcile


@task()
def call_rollup_reconcile_task() -> dict:
    """Nightly: count the last days of the call rollups again (everything, when the rollups are stale)."""
    result = call_rollup_reconcile()
    if result is None:
        return {"calls": 0}
    return {"days": result.days, "calls": result.calls, "rows": result.rows, "seconds": round(result.seconds, 1)}
