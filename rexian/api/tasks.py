"""Background work of the REST API, run by `rexian worker`."""

from django_tasks import task

from rexian.api.services import idempotency_keys_prune


@task()
def idempotency_keys_prune_task() -> int:
    """Forget Idempotency-Key results older than 24 hours (schedule hourly)."""
    return idempotency_keys_prune()
