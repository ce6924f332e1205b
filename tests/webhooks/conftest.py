"""A tiny HTTP receiver on 127.0.0.1 for the webhook tests (never any other address).

    receiver.url            where to point an endpoint
    receiver.requests       what arrived: Received(path, headers, body)
    receiver.status         the status code it answers (200 unless a test changes it)
    receiver.delay          seconds it waits before answering (for timeouts)
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rexian.webhooks import services


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    port: int
    status: int = 200
    delay: float = 0.0
    location: str = ""
    requests: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/rexian?city=taixing"


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that timed out and hung up is expected here


@pytest.fixture(autouse=True)
def _allow_local_receivers(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def receiver():
    state: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            target: Receiver = state["receiver"]
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            target.requests.append(Received(self.path, dict(self.headers.items()), body))
            if target.delay:
                time.sleep(target.delay)
            self.send_response(target.status)
            if target.location:
                self.send_header("Location", target.location)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    state["receiver"] = Receiver(port=server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state["receiver"]
    server.shutdown()
    server.server_close()


@pytest.fixture
def endpoint(db, receiver):
    return services.endpoint_create(name="区大数据局", url=receiver.url)
