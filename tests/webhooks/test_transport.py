"""The POST itself: connected to the address that was checked, every time (DNS rebinding)."""

from __future__ import annotations

import socket
import threading

import pytest

from rexian.webhooks import transport


@pytest.fixture
def dns(monkeypatch):
    """Answers that change between look-ups: the first from `first`, every later one from `later`."""
    answers = {"first": None, "later": None, "calls": 0}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "hooks.example.test":
            return real(host, port, *args, **kwargs)
        answers["calls"] += 1
        address = answers["first"] if answers["calls"] == 1 else answers["later"]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def test_the_request_goes_to_the_address_that_was_checked(receiver, dns, monkeypatch):
    # A rebinding name: checked as 127.0.0.1 (allowed in the tests), then pointing elsewhere.
    dns["first"], dns["later"] = "127.0.0.1", "192.0.2.1"
    monkeypatch.setattr("rexian.webhooks.destinations.LOCAL_HOSTS", frozenset({"hooks.example.test"}))
    response = transport.post(f"http://hooks.example.test:{receiver.port}/in", body=b"{}", headers={}, timeout=2)
    assert response.status == 200
    assert dns["calls"] == 1
    assert receiver.requests[0].headers["Host"] == f"hooks.example.test:{receiver.port}"


def test_a_name_that_now_resolves_to_a_private_address_is_not_contacted(settings, dns, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    dns["first"] = "10.0.0.7"

    def no_connection(*args, **kwargs):
        raise AssertionError("connected to a refused address")

    monkeypatch.setattr(socket, "create_connection", no_connection)
    with pytest.raises(transport.DeliveryError, match="10.0.0.7"):
        transport.post("https://hooks.example.test/in", body=b"{}", headers={})


def test_a_non_http_answer_is_a_delivery_error():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]

        def answer_garbage():
            connection, _ = server.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(b"\x00\x01 not http\r\n\r\n")

        thread = threading.Thread(target=answer_garbage, daemon=True)
        thread.start()
        with pytest.raises(transport.DeliveryError, match="HTTP"):
            transport.post(f"http://127.0.0.1:{port}/", body=b"{}", headers={}, timeout=2)
        thread.join(2)
