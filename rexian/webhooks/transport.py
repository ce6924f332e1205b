"""One HTTP POST to a webhook endpoint, to an address checked just before connecting.

Built on `http.client` (what `urllib.request` itself uses) rather than on
`urllib.request`, because a safe webhook sender needs three things urllib
does by itself and would have to be talked out of: it resolves the host again
when connecting (so the address checked is not necessarily the one reached),
it follows redirects (a public URL redirecting to an internal one), and it
honours the `*_proxy` environment variables (which would make the address
check meaningless). Here the connection goes to the address that
`destinations.resolve` accepted, with the host name kept for the `Host`
header, TLS SNI and certificate verification; a redirect is an ordinary
failed delivery.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from rexian.webhooks import destinations

TIMEOUT_SECONDS = 5.0
MAX_RESPONSE_SNIPPET = 300


class DeliveryError(Exception):
    """The request did not produce an HTTP response (refused, timed out, TLS, unsafe address...)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Response:
    status: int
    snippet: str  # the start of the body, for the delivery log


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the host name, not the address we pinned.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float = TIMEOUT_SECONDS) -> Response:
    """POST `body` to `url`; any HTTP status is returned, everything else raises DeliveryError."""
    try:
        scheme, host, port = destinations.parse(url)
        address = destinations.resolve(host, port)[0]
    except destinations.UnsafeDestination as error:
        raise DeliveryError(error.message) from None
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, port, address=address, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        snippet = response.read(MAX_RESPONSE_SNIPPET).decode("utf-8", errors="replace")
        return Response(status=response.status, snippet=" ".join(snippet.split()))
    except TimeoutError:
        raise DeliveryError(_("等待 %(seconds)g 秒无响应（超时）。") % {"seconds": timeout}) from None
    except ConnectionRefusedError:
        raise DeliveryError(_("连接被拒绝（%(address)s 端口 %(port)d）。") % {"address": address, "port": port}) from None
    except ssl.SSLError as error:
        raise DeliveryError(_("TLS 握手或证书校验失败：%(error)s") % {"error": error}) from None
    except http.client.HTTPException as error:
        raise DeliveryError(_("对方返回的不是有效的 HTTP 响应：%(error)s") % {"error": type(error).__name__}) from None
    except OSError as error:
        raise DeliveryError(_("网络错误：%(error)s") % {"error": error}) from None
    finally:
        connection.close()
