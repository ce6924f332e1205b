import pytest


@pytest.fixture(autouse=True)
def _on_commit(monkeypatch, django_capture_on_commit_callbacks):
    """Run the services' on-commit notifications at once, as a committed transaction would (tests roll back)."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())
