"""Background work of the hot spots, run by `rexian worker` (registered in rexian/core/scheduler.py)."""

from django_tasks import task

from rexian.hotspots.services import hotspot_scan


@task()
def hotspot_scan_task() -> dict:
    """Hourly: the hot issues of the last 72 hours and 30 days, and the surges (see `hotspot_scan`)."""
    run = hotspot_scan()
    return {"run": run.pk, "issues": run.issues.count(), "surges": run.surges.count(), "seconds": run.seconds}
