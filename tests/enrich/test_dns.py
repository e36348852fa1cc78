"""The crawler's resolver: honours settings.dns_resolver (a local fake here, never public DNS)."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from sitewarden.enrich.dns import ResolveError, parse_nameserver, resolve
from sitewarden.settings import load_settings
from tests.enrich.netservers import FakeDNS


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("192.0.2.53", ("192.0.2.53", 53)),
        ("127.0.0.1:5353", ("127.0.0.1", 5353)),
        ("[::1]:5353", ("::1", 5353)),
        ("::1", ("::1", 53)),
    ],
)
def test_nameserver_forms(value: str, expected: tuple[str, int]) -> None:
    assert parse_nameserver(value) == expected


@pytest.mark.parametrize("value", ["dns.example", "127.0.0.1:0", "127.0.0.1:99999", "[::1]:x"])
def test_bad_nameserver_is_named(value: str) -> None:
    with pytest.raises(ValueError, match="dns_resolver"):
        parse_nameserver(value)


def test_answers_come_from_the_configured_resolver_ipv4_first() -> None:
    with FakeDNS({"shop.test": ["2001:db8::7", "198.51.100.7"]}) as fake:
        addrs = asyncio.run(resolve("shop.test", load_settings(dns_resolver=fake.address)))
        with pytest.raises(ResolveError, match=r"missing\.test"):
            asyncio.run(resolve("missing.test", load_settings(dns_resolver=fake.address)))
    assert addrs == ["198.51.100.7", "2001:db8::7"]


def test_silent_resolver_times_out_within_the_connect_deadline() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as mute:
        mute.bind(("127.0.0.1", 0))  # receives queries, never answers
        settings = load_settings(
            dns_resolver=f"127.0.0.1:{mute.getsockname()[1]}", fetch_connect_timeout_seconds=0.5
        )
        t0 = time.monotonic()
        with pytest.raises(ResolveError, match="timed out"):
            asyncio.run(resolve("shop.test", settings))
    assert time.monotonic() - t0 < 2
