"""Name resolution for the crawler: dnspython against `settings.dns_resolver`, else the system resolver.

The crawler resolves each host once, here, and connects to the answers it checked; nothing downstream
resolves again. A dedicated resolver keeps scans off the provider's internal split-horizon DNS.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any

import dns.asyncresolver
import dns.exception
import dns.resolver


class ResolveError(Exception):
    """The name has no usable address (NXDOMAIN, no answer, resolver timeout)."""


def parse_nameserver(value: str) -> tuple[str, int]:
    """`1.2.3.4`, `1.2.3.4:5353`, `::1` or `[::1]:5353` -> (ip, port); ValueError names the setting."""
    text = value.strip()
    host, port = text, 53
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            port = _port(rest.removeprefix(":"), value)
    elif text.count(":") == 1:
        host, _, rest = text.partition(":")
        port = _port(rest, value)
    try:
        return str(ipaddress.ip_address(host)), port
    except ValueError:
        raise ValueError(f"dns_resolver: {value!r} is not an IP address (optionally with :port)") from None


def _port(text: str, value: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"dns_resolver: bad port in {value!r}")
    return int(text)


async def resolve(host: str, settings: Any) -> list[str]:
    """All A and AAAA answers for `host`, de-duplicated, IPv4 first; raises ResolveError."""
    timeout = float(settings.fetch_connect_timeout_seconds)
    if settings.dns_resolver:
        return await _resolve_dnspython(host, parse_nameserver(settings.dns_resolver), timeout)
    return await _resolve_system(host, timeout)


async def _resolve_dnspython(host: str, nameserver: tuple[str, int], timeout: float) -> list[str]:
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = [nameserver[0]]
    resolver.port = nameserver[1]
    resolver.lifetime = timeout

    async def query(rdtype: str) -> list[str]:
        try:
            answer = await resolver.resolve(host, rdtype, search=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        return [rr.address for rr in answer]

    try:
        v4, v6 = await asyncio.gather(query("A"), query("AAAA"))
    except dns.exception.Timeout:
        raise ResolveError(f"{host}: resolver {nameserver[0]} timed out") from None
    except dns.exception.DNSException as exc:
        raise ResolveError(f"{host}: {exc}") from None
    if not v4 and not v6:
        raise ResolveError(f"{host}: no A/AAAA records")
    return list(dict.fromkeys(v4 + v6))


async def _resolve_system(host: str, timeout: float) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except TimeoutError:
        raise ResolveError(f"{host}: system resolver timed out") from None
    except (socket.gaierror, UnicodeError) as exc:
        raise ResolveError(f"{host}: {exc}") from None
    addrs = [str(info[4][0]).split("%", 1)[0] for info in infos]
    return sorted(dict.fromkeys(addrs), key=lambda a: ":" in a)
