"""Background work of the orders app, run by `rexian worker`."""

from django_tasks import task

from rexian.orders.deadlines import deadline_scan


@task()
def deadline_scan_task() -> dict:
    result = deadline_scan()
    return {"marked_overdue": result.marked_overdue, "escalations": result.escalations}
