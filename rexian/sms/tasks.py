"""Background work of the sms app, run by `rexian worker`."""

from django_tasks import task

from rexian.sms import services


@task()
def sms_send_due_task() -> int:
    """Send the text messages that are due: queued when one is made, and scheduled every minute."""
    return services.sms_send_due()
