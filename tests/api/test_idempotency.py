"""Registering with an Idempotency-Key: a retry returns the first result and never makes a second order."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from rexian.api.models import IdempotencyKey
from rexian.api.services import idempotency_keys_prune
from rexian.api.tasks import idempotency_keys_prune_task
from rexian.orders.models import WorkOrder
from tests.api.conftest import client_for

ORDER = {
    "channel": "phone",
    "appeal_type": "complaint",
    "category": "010101",
    "title": "路灯不亮",
    "description": "幸福路路灯连续三晚不亮。",
    "caller_phone": "13812348000",
}


def register(client, body=ORDER, key="3f1c9a52-retry"):
    return client.post("/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retry_with_the_same_key_returns_the_first_result_and_makes_no_second_order(cast):
    client = client_for(cast.operator)
    first = register(client)
    retry = register(client, body=dict(reversed(list(ORDER.items()))))  # same content, other key order
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert retry["Location"] == first["Location"]
    assert WorkOrder.objects.count() == 1


def test_the_same_key_with_a_different_body_is_refused(cast):
    client = client_for(cast.operator)
    register(client)
    response = register(client, body={**ORDER, "title": "另一件事"})
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert WorkOrder.objects.count() == 1


def test_keys_are_per_user(cast):
    register(client_for(cast.operator))
    assert register(client_for(cast.supervisor)).status_code == 201
    assert WorkOrder.objects.count() == 2


def test_a_refused_request_leaves_its_key_free_for_the_corrected_one(cast):
    client = client_for(cast.operator)
    assert register(client, body={**ORDER, "channel": "pigeon"}).status_code == 400
    assert register(client).status_code == 201
    assert WorkOrder.objects.count() == 1


def test_a_key_older_than_a_day_no_longer_counts(cast):
    client = client_for(cast.operator)
    register(client)
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert register(client).status_code == 201
    assert WorkOrder.objects.count() == 2


def test_the_stored_result_holds_no_personal_data(cast):
    register(client_for(cast.operator))
    assert set(IdempotencyKey.objects.get().response_body) == {"number", "state", "version", "url"}


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "键"])
def test_a_malformed_key_is_refused(cast, key):
    response = client_for(cast.operator).post(
        "/api/v1/orders/", ORDER, format="json", HTTP_IDEMPOTENCY_KEY=key.encode().decode("latin-1")
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["Idempotency-Key"]
    assert not WorkOrder.objects.exists()


def test_the_database_holds_one_record_per_user_and_key(cast):
    IdempotencyKey.objects.create(user=cast.operator, key="k", request_hash="a", status_code=201)
    with pytest.raises(IntegrityError), transaction.atomic():
        IdempotencyKey.objects.create(user=cast.operator, key="k", request_hash="b", status_code=201)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_first_tries_of_one_key_make_one_order(cast):
    if connection.vendor == "sqlite":
        # The in-memory test database's shared cache answers "table is locked" at once instead of waiting.
        pytest.skip("needs a database that lets concurrent writers wait: run on PostgreSQL")
    clients = [client_for(cast.operator) for _ in range(4)]
    barrier = threading.Barrier(len(clients))
    responses = [None] * len(clients)

    def retry(i):
        try:
            barrier.wait()
            responses[i] = register(clients[i], key="concurrent-key")
        finally:
            connection.close()

    threads = [threading.Thread(target=retry, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in responses] == [201] * len(clients)
    assert len({r.json()["number"] for r in responses}) == 1
    assert WorkOrder.objects.count() == 1


def test_the_worker_prunes_keys_older_than_a_day(cast):
    now = timezone.now()
    for hours in (1, 23, 25, 48):
        IdempotencyKey.objects.create(
            user=cast.operator,
            key=f"k{hours}",
            request_hash="h",
            status_code=201,
            created_at=now - dt.timedelta(hours=hours),
        )
    assert idempotency_keys_prune(now=now) == 2
    assert sorted(IdempotencyKey.objects.values_list("key", flat=True)) == ["k1", "k23"]
    assert idempotency_keys_prune_task.enqueue().return_value == 0
