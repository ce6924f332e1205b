"""Where a webhook may be sent: the guard against server-side request forgery.

A webhook URL is typed by an administrator, but the request is made by the
server, from inside the city's network. Without a guard, an endpoint pointed
at `http://10.0.0.5/` or at a cloud metadata address would let anyone with
admin access probe internal services. So only http(s) URLs are accepted,
plain http only for the local machine, and every address the host resolves to
must be public unless `settings.WEBHOOK_ALLOW_PRIVATE` is on (tests, a
receiver on the same private network). The check runs when an endpoint is
saved and again before every delivery, on the addresses actually connected to
(a name that resolved to a public address yesterday may resolve to a private
one today: DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Plain http is for a receiver on this very machine (development, tests); anything else needs TLS.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_URL_LENGTH = 500


class UnsafeDestination(Exception):
    """The URL or an address its host resolves to may not receive webhooks."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE", False))


def parse(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an acceptable webhook URL; raises UnsafeDestination otherwise."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeDestination(_("地址过长（最多 %(max)d 个字符）。") % {"max": MAX_URL_LENGTH})
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeDestination(_("地址格式不正确。")) from None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not host:
        raise UnsafeDestination(_("只能推送到 http(s) 地址，例如 https://example.org/hooks/rexian 。"))
    if parts.username is not None or parts.password is not None:
        raise UnsafeDestination(_("地址中不能包含用户名或密码，请用签名密钥验证来源。"))
    if parts.fragment:
        raise UnsafeDestination(_("地址中不能包含“#”片段。"))
    if scheme == "http" and host not in LOCAL_HOSTS:
        raise UnsafeDestination(_("必须使用 https 地址（http 只允许本机 127.0.0.1 / localhost，用于测试）。"))
    return scheme, host, port or (443 if scheme == "https" else 80)


def check_address(address: str) -> None:
    """Refuse an address that is not on the public internet (unless private ones are allowed)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # "::ffff:10.0.0.1" is 10.0.0.1
    if ip.is_unspecified or ip.is_multicast:
        raise UnsafeDestination(_("地址 %(ip)s 不能接收推送。") % {"ip": ip})
    if not ip.is_global and not allow_private():
        raise UnsafeDestination(
            _("地址 %(ip)s 是内网、本机或保留地址，不能接收推送（如确需推送到内网，请由运维开启 REXIAN_WEBHOOK_ALLOW_PRIVATE）。")
            % {"ip": ip}
        )


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, each checked; raises UnsafeDestination if any is refused."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeDestination(_("无法解析主机名 %(host)s。") % {"host": host}) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise UnsafeDestination(_("无法解析主机名 %(host)s。") % {"host": host})
    # One refused address refuses the name: a host that answers with a public and a private
    # address is exactly what a rebinding attack looks like.
    for address in addresses:
        check_address(address)
    return addresses


def validate_webhook_url(url: str) -> None:
    """Model/form validator: the URL's shape, and the addresses its host resolves to now."""
    try:
        _scheme, host, port = parse(url)
        resolve(host, port)
    except UnsafeDestination as error:
        raise ValidationError(error.message, code="unsafe_destination") from None
