"""Background work of the webhooks app, run by `rexian worker`."""

from django_tasks import task

from rexian.webhooks import services


@task()
def webhook_deliver(delivery_id: int) -> str | None:
    """One attempt at one delivery (queued on commit, and again for each retry when it is due)."""
    return services.delivery_attempt(delivery_id=delivery_id)


@task()
def webhook_redeliver_due_task() -> int:
    """The safety net, scheduled every minute: re-queue overdue deliveries a lost task left behind."""
    return services.webhook_redeliver_due()


@task()
def webhook_prune_deliveries(days: int = 90) -> int:
    """Housekeeping, scheduled daily: drop finished deliveries older than `days` from the log."""
    return services.deliveries_prune(days=days)
