"""Background work of the knowledge base, run by `rexian worker`."""

from django_tasks import task

from rexian.knowledge.services import knowledge_review_scan


@task()
def knowledge_review_scan_task() -> dict:
    """Daily: remind owner units of articles due for review or about to lapse (see `knowledge_review_scan`)."""
    return knowledge_review_scan()
