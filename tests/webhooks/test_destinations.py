"""Only public http(s) receivers: the guard against server-side request forgery, at save and at send time."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ValidationError

from rexian.webhooks import destinations, services

PUBLIC = "93.184.216.34"


@pytest.fixture
def private_refused(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False


@pytest.fixture
def dns(monkeypatch):
    """Answer name look-ups from a table ({name: [address, ...]}); unknown names do not resolve."""
    table: dict[str, list[str]] = {}

    def getaddrinfo(host, port, *args, **kwargs):
        if host in table:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in table[host]]
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        except OSError:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (host, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


def create(url: str):
    return services.endpoint_create(name="接收方", url=url)


def test_a_public_https_url_is_accepted(db, private_refused, dns):
    dns["hooks.example.org"] = [PUBLIC]
    assert create("https://hooks.example.org/rexian").pk


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.5/hooks",
        "https://192.168.1.1/hooks",
        "https://172.16.0.1/hooks",
        "https://100.64.0.1/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[fd00::1]/hooks",
        "https://[::ffff:10.0.0.1]/hooks",
        "http://127.0.0.1:8000/hooks",
        "http://localhost/hooks",
        "http://[::1]/hooks",
    ],
)
def test_a_private_loopback_or_link_local_address_is_refused(db, private_refused, dns, url):
    dns["localhost"] = ["127.0.0.1"]
    with pytest.raises(ValidationError) as refused:
        create(url)
    assert "url" in refused.value.message_dict


def test_private_addresses_are_accepted_when_the_setting_allows_them(db, dns):
    assert create("https://10.0.0.5/hooks").pk
    assert create("http://127.0.0.1:8000/hooks").pk


def test_a_name_resolving_to_a_private_address_is_refused(db, private_refused, dns):
    dns["intranet.example.org"] = [PUBLIC, "10.1.2.3"]
    with pytest.raises(ValidationError):
        create("https://intranet.example.org/hooks")


def test_a_name_that_does_not_resolve_is_refused(db, private_refused, dns):
    with pytest.raises(ValidationError, match="无法解析"):
        create("https://no-such-host.example.org/hooks")


@pytest.mark.parametrize(
    "url, message",
    [
        ("http://hooks.example.org/rexian", "https"),
        ("ftp://hooks.example.org/rexian", "http(s)"),
        ("file:///etc/passwd", "http(s)"),
        ("https://user:pass@hooks.example.org/rexian", "用户名或密码"),
        ("https://hooks.example.org:99999/", "格式"),
        ("https://hooks.example.org/" + "a" * 500, "过长"),
    ],
)
def test_a_malformed_or_plain_http_url_is_refused(db, dns, url, message):
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        create(url)


def test_multicast_is_refused_even_when_private_addresses_are_allowed():
    with pytest.raises(destinations.UnsafeDestination):
        destinations.check_address("224.0.0.1")


def test_an_unknown_action_in_the_event_filter_is_refused(db):
    with pytest.raises(ValidationError) as refused:
        services.endpoint_create(name="接收方", url="http://127.0.0.1:9/", events=["dispatch", "hack"])
    assert "events" in refused.value.message_dict
