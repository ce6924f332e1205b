"""The life of a delivery: created on commit, sent, retried with back-off, given up, sent once."""

from __future__ import annotations

import datetime as dt
import json
import socket

import pytest
from django.utils import timezone

from rexian.orders import services as orders
from rexian.orders.transitions import Action
from rexian.webhooks import services, signing, transport
from rexian.webhooks.models import WebhookDelivery
from tests.conftest import register

Status = WebhookDelivery.Status


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a step of the lifecycle and its on-commit announcements, as a real request would."""

    def run(step):
        with django_capture_on_commit_callbacks(execute=True):
            return step()

    return run


@pytest.fixture
def failing(cast, endpoint, receiver, committed):
    """A delivery whose first attempt (on commit) got a 500."""
    receiver.status = 500
    order = committed(lambda: register(cast))
    return WebhookDelivery.objects.get(order_number=order.number)


@pytest.fixture
def clock(monkeypatch):
    """Set the time the services and the tasks they queue see (`clock(when)`)."""

    def set_time(when: dt.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: when)

    return set_time


# --- Created on commit, for the endpoints that want the action -------------------------


def test_a_delivery_is_created_only_when_the_event_commits(cast, endpoint, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        register(cast)
    assert WebhookDelivery.objects.count() == 0
    for callback in callbacks:
        callback()
    assert WebhookDelivery.objects.count() == 1


def test_each_endpoint_gets_only_the_actions_it_asked_for(cast, receiver, committed):
    everything = services.endpoint_create(name="全部", url=receiver.url)
    dispatch_only = services.endpoint_create(name="只要派单", url=receiver.url, events=[Action.DISPATCH])
    services.endpoint_create(name="已停用", url=receiver.url, active=False)
    order = committed(lambda: register(cast))
    order = committed(lambda: orders.order_send_to_dispatch(actor=cast.operator, order=order))
    committed(lambda: orders.order_dispatch(actor=cast.dispatcher, order=order, lead_unit=cast.housing))
    assert list(everything.deliveries.order_by("id").values_list("action", flat=True)) == [
        Action.REGISTER, Action.SEND_TO_DISPATCH, Action.DISPATCH,
    ]
    assert list(dispatch_only.deliveries.values_list("action", flat=True)) == [Action.DISPATCH]
    assert WebhookDelivery.objects.count() == 4
    assert len(receiver.requests) == 4


def test_an_event_announced_twice_is_delivered_once(cast, endpoint, receiver, committed):
    order = committed(lambda: register(cast))
    event_id = WebhookDelivery.objects.get().event_id
    assert services.deliveries_create(event_id=event_id) == []
    assert WebhookDelivery.objects.filter(order_number=order.number).count() == 1
    assert len(receiver.requests) == 1


def test_no_endpoint_means_no_delivery_and_no_event_query(cast, committed, django_assert_max_num_queries):
    order = register(cast)
    event_id = order.events.get().pk
    with django_assert_max_num_queries(1):
        assert services.deliveries_create(event_id=event_id) == []


def test_a_failure_to_create_deliveries_does_not_fail_the_users_step(cast, endpoint, committed, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(services, "deliveries_create", broken)
    order = committed(lambda: register(cast))
    assert order.pk is not None


# --- Sent, signed ----------------------------------------------------------------------


def test_a_delivery_is_posted_signed_and_logged_as_succeeded(cast, endpoint, receiver, committed):
    order = committed(lambda: register(cast))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.SUCCEEDED, 1, 200)
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None
    [request] = receiver.requests
    assert request.path == "/hooks/rexian?city=taixing"
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.headers["X-Rexian-Event"] == "register"
    assert request.headers["X-Rexian-Delivery"] == str(delivery.pk)
    assert json.loads(request.body)["order"]["number"] == order.number


def test_the_signature_verifies_with_the_endpoints_secret(cast, endpoint, receiver, committed):
    committed(lambda: register(cast))
    [request] = receiver.requests
    timestamp, header = request.headers["X-Rexian-Timestamp"], request.headers["X-Rexian-Signature"]
    assert header.startswith("sha256=")
    assert signing.verify(endpoint.secret, timestamp=timestamp, body=request.body, signature_header=header)
    assert not signing.verify("another-secret", timestamp=timestamp, body=request.body, signature_header=header)


def test_a_rotated_secret_signs_the_next_deliveries(cast, endpoint, receiver, committed):
    old = endpoint.secret
    new = services.endpoint_rotate_secret(endpoint=endpoint)
    committed(lambda: register(cast))
    [request] = receiver.requests
    headers = request.headers
    kwargs = {
        "timestamp": headers["X-Rexian-Timestamp"],
        "body": request.body,
        "signature_header": headers["X-Rexian-Signature"],
    }
    assert new != old
    assert signing.verify(new, **kwargs) and not signing.verify(old, **kwargs)


# --- Failures and back-off --------------------------------------------------------------


def test_a_5xx_answer_schedules_the_first_retry_a_minute_later(failing):
    assert (failing.status, failing.attempts, failing.last_status_code) == (Status.FAILED, 1, 500)
    assert failing.last_error.startswith("HTTP 500")
    assert abs(failing.next_attempt_at - failing.created_at - dt.timedelta(minutes=1)) < dt.timedelta(seconds=5)


def test_a_4xx_answer_is_a_failure_too(cast, endpoint, receiver, committed):
    receiver.status = 404
    committed(lambda: register(cast))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (Status.FAILED, 404)


def test_retries_follow_the_back_off_schedule_then_give_up(failing, receiver):
    delivery = failing
    delays = []
    while delivery.status == Status.FAILED:
        due = delivery.next_attempt_at
        assert services.delivery_attempt(delivery_id=delivery.pk, now=due) in (Status.FAILED, Status.GAVE_UP)
        delivery.refresh_from_db()
        if delivery.next_attempt_at:
            delays.append(delivery.next_attempt_at - due)
    assert delays == [dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2), dt.timedelta(hours=6)]
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (Status.GAVE_UP, 6, None)
    assert len(receiver.requests) == services.OUTBOX.max_attempts == 6


def test_a_retry_succeeds_once_the_receiver_recovers(failing, receiver):
    receiver.status = 204
    assert services.delivery_attempt(delivery_id=failing.pk, now=failing.next_attempt_at) == Status.SUCCEEDED
    failing.refresh_from_db()
    assert (failing.attempts, failing.last_status_code, failing.last_error) == (2, 204, "")


def test_a_delivery_is_not_sent_before_its_retry_is_due(failing, receiver):
    early = failing.next_attempt_at - dt.timedelta(seconds=1)
    assert services.delivery_attempt(delivery_id=failing.pk, now=early) is None
    assert len(receiver.requests) == 1


def test_a_retry_is_queued_for_when_it_is_due(failing, queued_tasks):
    services.delivery_attempt(delivery_id=failing.pk, now=failing.next_attempt_at)
    failing.refresh_from_db()
    [queued] = queued_tasks.results
    assert queued.task.name == "webhook_deliver" and queued.kwargs == {"delivery_id": failing.pk}
    assert queued.task.run_after == failing.next_attempt_at


def test_a_timeout_is_a_failure_with_a_clear_error(cast, endpoint, receiver, committed, monkeypatch):
    monkeypatch.setattr(transport, "TIMEOUT_SECONDS", 0.2)
    receiver.delay = 1.0
    committed(lambda: register(cast))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (Status.FAILED, None)
    assert "超时" in delivery.last_error


def test_a_refused_connection_is_a_failure_with_a_clear_error(cast, committed):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    services.endpoint_create(name="已下线的接收方", url=f"http://127.0.0.1:{port}/hooks")
    committed(lambda: register(cast))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (Status.FAILED, None)
    assert "连接被拒绝" in delivery.last_error


def test_a_redirect_is_not_followed(cast, endpoint, receiver, committed):
    receiver.status, receiver.location = 302, "http://127.0.0.1:1/internal"
    committed(lambda: register(cast))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (Status.FAILED, 302)
    assert "重定向" in delivery.last_error
    assert len(receiver.requests) == 1


def test_an_unexpected_error_is_logged_as_a_failed_attempt_not_retried_forever(failing, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("bug")

    monkeypatch.setattr(transport, "post", broken)
    assert services.delivery_attempt(delivery_id=failing.pk, now=failing.next_attempt_at) == Status.FAILED
    failing.refresh_from_db()
    assert failing.attempts == 2 and failing.last_error


def test_a_deactivated_endpoint_gives_up_its_pending_deliveries(failing, endpoint, receiver):
    endpoint.active = False
    endpoint.save()
    assert services.delivery_attempt(delivery_id=failing.pk, now=failing.next_attempt_at) == Status.GAVE_UP
    assert len(receiver.requests) == 1


# --- Never twice at once ------------------------------------------------------------------


def test_a_second_worker_does_not_send_a_delivery_being_sent(failing, receiver, monkeypatch):
    second_worker = []
    real_post = transport.post

    def post_while_another_worker_tries(*args, **kwargs):
        # The other worker runs the same delivery's task while this one is still waiting for the answer.
        second_worker.append(services.delivery_attempt(delivery_id=failing.pk, now=failing.next_attempt_at))
        return real_post(*args, **kwargs)

    monkeypatch.setattr(transport, "post", post_while_another_worker_tries)
    services.delivery_attempt(delivery_id=failing.pk, now=failing.next_attempt_at)
    assert second_worker == [None]
    assert len(receiver.requests) == 2  # the first attempt on commit, and this one
    failing.refresh_from_db()
    assert failing.attempts == 2


def test_a_finished_delivery_is_never_sent_again(cast, endpoint, receiver, committed):
    committed(lambda: register(cast))
    delivery = WebhookDelivery.objects.get()
    later = timezone.now() + dt.timedelta(days=1)
    assert services.delivery_attempt(delivery_id=delivery.pk, now=later) is None
    assert len(receiver.requests) == 1


def test_a_claim_left_by_a_crashed_worker_expires(failing, receiver):
    due = failing.next_attempt_at
    WebhookDelivery.objects.filter(pk=failing.pk).update(claimed_until=due + services.OUTBOX.claim_for)
    assert services.delivery_attempt(delivery_id=failing.pk, now=due) is None
    after_the_claim = due + services.OUTBOX.claim_for + dt.timedelta(seconds=1)
    assert services.delivery_attempt(delivery_id=failing.pk, now=after_the_claim) == Status.FAILED
    assert len(receiver.requests) == 2


def test_the_late_answer_of_a_worker_whose_claim_expired_is_not_recorded(failing, receiver, monkeypatch):
    real_post = transport.post
    due = failing.next_attempt_at

    def slow_post(*args, **kwargs):
        # While this worker hangs past its claim, another one takes the delivery over and succeeds.
        monkeypatch.setattr(transport, "post", real_post)
        receiver.status = 200
        services.delivery_attempt(delivery_id=failing.pk, now=due + services.OUTBOX.claim_for * 2)
        receiver.status = 500
        return real_post(*args, **kwargs)

    monkeypatch.setattr(transport, "post", slow_post)
    services.delivery_attempt(delivery_id=failing.pk, now=due)
    failing.refresh_from_db()
    assert (failing.status, failing.attempts, failing.last_status_code) == (Status.SUCCEEDED, 3, 200)


# --- The safety net -------------------------------------------------------------------


def test_the_safety_net_sends_an_overdue_retry(failing, receiver, clock):
    receiver.status = 200
    clock(failing.next_attempt_at)
    assert services.webhook_redeliver_due() == 1
    failing.refresh_from_db()
    assert failing.status == Status.SUCCEEDED
    assert len(receiver.requests) == 2


def test_the_safety_net_leaves_deliveries_not_yet_due(failing, receiver):
    assert services.webhook_redeliver_due(now=failing.next_attempt_at - dt.timedelta(seconds=1)) == 0
    assert len(receiver.requests) == 1


def test_the_safety_net_leaves_a_delivery_being_sent(failing, receiver):
    due = failing.next_attempt_at
    WebhookDelivery.objects.filter(pk=failing.pk).update(claimed_until=due + dt.timedelta(seconds=30))
    assert services.webhook_redeliver_due(now=due) == 0


def test_with_a_deferring_backend_the_safety_net_requeues_only_lost_deliveries(failing, queued_tasks):
    due = failing.next_attempt_at
    # Queued for its due time a moment ago: the worker will get to it.
    WebhookDelivery.objects.filter(pk=failing.pk).update(enqueued_at=due - dt.timedelta(minutes=1))
    assert services.webhook_redeliver_due(now=due + dt.timedelta(minutes=1)) == 0
    # Still not sent well after it was due: lost; queued again, but only once per grace period.
    lost = due + services.REDELIVER_GRACE + dt.timedelta(seconds=1)
    assert services.webhook_redeliver_due(now=lost) == 1
    assert services.webhook_redeliver_due(now=lost + dt.timedelta(minutes=1)) == 0
    assert [result.kwargs for result in queued_tasks.results] == [{"delivery_id": failing.pk}]


def test_the_safety_net_task_runs_the_safety_net(failing, receiver, clock):
    from rexian.webhooks.tasks import webhook_redeliver_due_task

    clock(failing.next_attempt_at + dt.timedelta(seconds=1))
    assert webhook_redeliver_due_task.enqueue().return_value == 1
    assert len(receiver.requests) == 2


# --- Administrators' actions and housekeeping ---------------------------------------------


def test_sending_again_gives_a_given_up_delivery_one_more_attempt(failing, receiver, committed):
    WebhookDelivery.objects.filter(pk=failing.pk).update(status=Status.GAVE_UP, attempts=6, next_attempt_at=None)
    receiver.status = 200
    assert committed(lambda: services.deliveries_retry(delivery_ids=[failing.pk])) == 1
    failing.refresh_from_db()
    assert (failing.status, failing.attempts) == (Status.SUCCEEDED, 7)


def test_sending_again_skips_deliveries_that_succeeded(cast, endpoint, receiver, committed):
    committed(lambda: register(cast))
    everything = WebhookDelivery.objects.values_list("pk", flat=True)
    assert committed(lambda: services.deliveries_retry(delivery_ids=everything)) == 0
    assert len(receiver.requests) == 1


def test_pruning_drops_only_old_finished_deliveries(failing, cast, endpoint, receiver, committed):
    receiver.status = 200
    committed(lambda: register(cast, title="另一个工单"))
    WebhookDelivery.objects.update(created_at=timezone.now() - dt.timedelta(days=91))
    WebhookDelivery.objects.filter(pk=failing.pk).update(status=Status.FAILED)
    assert services.deliveries_prune(days=90) == 1
    assert list(WebhookDelivery.objects.values_list("pk", flat=True)) == [failing.pk]


# --- With the worker's database queue -------------------------------------------------------


@pytest.fixture
def database_queue(settings, monkeypatch):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    # The worker closes connections between tasks; inside the test's transaction that would end the test.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)


def test_the_worker_sends_queued_deliveries_and_defers_the_retry(
    cast, endpoint, receiver, committed, database_queue
):
    from django_tasks_db.models import DBTaskResult

    from rexian.core.management.commands.worker import make_worker

    receiver.status = 500
    committed(lambda: register(cast))
    assert receiver.requests == []  # queued, not sent by the request
    make_worker(batch=True, interval=0).run()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, len(receiver.requests)) == (Status.FAILED, 1)
    [retry] = DBTaskResult.objects.filter(status="READY")
    assert retry.task_path == "rexian.webhooks.tasks.webhook_deliver"
    assert retry.args_kwargs["kwargs"] == {"delivery_id": delivery.pk}
    assert retry.run_after == delivery.next_attempt_at
    assert not DBTaskResult.objects.ready().exists()  # deferred: the worker leaves it until it is due
