"""Console tests sign in as the cast (tests/conftest.py) through Django's test client."""

from __future__ import annotations

import pytest


@pytest.fixture
def signed_in(client):
    """signed_in(user) -> the test client, signed in as `user`."""

    def sign_in(user):
        # Fresh from the database: the factory's in-memory user carries a password hash never saved,
        # which would make the session's auth hash disagree with the stored user.
        client.force_login(type(user).objects.get(pk=user.pk))
        return client

    return sign_in
