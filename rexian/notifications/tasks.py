"""Background work of the notifications app, run by `rexian worker`."""

from django_tasks import task

from rexian.notifications.services import deadline_soon_scan


@task()
def deadline_soon_scan_task() -> int:
    """Scheduled every 5 minutes: tell units about deadlines less than REXIAN_NOTIFY_DEADLINE_HOURS away."""
    return deadline_soon_scan()
