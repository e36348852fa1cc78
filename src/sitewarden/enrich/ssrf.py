"""Address policy of the SSRF guard: which IP addresses the crawler and the renderer may connect to.

Judges the address a connection would actually reach, never the host string: numeric hosts are parsed
the way the OS parses them (`127.1`, `2130706433`, `0x7f.1`, `0177.0.0.1` are all loopback) and IPv6
addresses that embed an IPv4 one (IPv4-mapped, 6to4, NAT64, Teredo) are judged by the embedded address.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Any

from sitewarden.enrich.dns import ResolveError, resolve

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud metadata endpoints stay blocked even when private addresses are allowed for a demo:
# reaching them from a scan would leak the scanner's own credentials.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean ...
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.169.253",  # AWS VPC DNS
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud (classic)
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "fd00:ec2::253",
    )
)
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class Refused(Exception):
    """Why a fetch stops (a refused destination, a bad URL, a limit hit); `kind` is its error_kind."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class BlockedAddress(Refused):
    """The destination address is not allowed by the policy; the message says which and why."""

    def __init__(self, message: str) -> None:
        super().__init__("blocked_address", message)


def parse_ip(host: str) -> IPAddress | None:
    """The address a numeric host reaches, parsed with the OS's own rules; None for a DNS name.

    `getaddrinfo(AI_NUMERICHOST)` accepts exactly what `connect()` would: inet_aton's legacy IPv4 forms
    and IPv6 literals (a zone suffix is dropped). `ipaddress` alone would miss `127.1`.
    """
    host = host.strip("[]")
    if not host or host != host.strip():
        return None
    try:
        infos = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError, ValueError):
        return None
    return ipaddress.ip_address(str(infos[0][4][0]).split("%", 1)[0])


def embedded_ipv4(addr: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address delivers to (mapped, 6to4, NAT64, Teredo client), if any."""
    if isinstance(addr, ipaddress.IPv4Address):
        return None
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr.sixtofour is not None:
        return addr.sixtofour
    if addr.teredo is not None:
        return addr.teredo[1]
    if any(addr in net for net in _NAT64):
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    # IPv4-compatible ::a.b.c.d (deprecated, but some stacks still route it)
    if int(addr) >> 32 == 0 and int(addr) > 1:
        return ipaddress.IPv4Address(int(addr))
    return None


def _category(addr: IPAddress) -> str | None:
    """Why an address is not a public unicast one (None when it is)."""
    if addr in METADATA_ADDRESSES:
        return "metadata"
    if addr.is_unspecified:
        return "unspecified"
    if addr.is_multicast:
        return "multicast"
    if addr.is_loopback:
        return "loopback"
    if addr.is_link_local:
        return "link-local"
    if isinstance(addr, ipaddress.IPv4Address) and addr in _CGNAT:
        return "cgnat"
    if addr.is_reserved:
        return "reserved"
    if addr.is_private or (isinstance(addr, ipaddress.IPv6Address) and addr.is_site_local):
        return "private"
    if not addr.is_global:
        return "reserved"
    return None


# Categories `fetch_allow_private` opens; metadata, unspecified, multicast and reserved never open by it.
_PRIVATE_CATEGORIES = frozenset({"loopback", "link-local", "cgnat", "private"})


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which destinations are allowed. Explicit `allowed_networks` win over every category."""

    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_settings(cls, settings: Any) -> AddressPolicy:
        return cls(
            allow_private=bool(settings.fetch_allow_private),
            allowed_networks=parse_networks(getattr(settings, "fetch_allowed_networks", []) or []),
        )

    def reason(self, ip: str | IPAddress) -> str | None:
        """None when `ip` may be connected to, else a short reason naming the address and its kind."""
        addr = ipaddress.ip_address(ip.split("%", 1)[0]) if isinstance(ip, str) else ip
        inner = embedded_ipv4(addr)
        judged = inner or addr
        if self._explicitly_allowed(addr, judged):
            return None
        # A wrapper prefix (::ffff:0:0/96, 2002::/16 ...) says nothing; the embedded address is reached.
        category = _category(judged)
        if category is None or (category in _PRIVATE_CATEGORIES and self.allow_private):
            return None
        via = f" (embeds {inner})" if inner else ""
        return f"{addr}{via} is {category}"

    def check(self, ip: str | IPAddress) -> None:
        """Raise BlockedAddress when `ip` is not allowed."""
        why = self.reason(ip)
        if why:
            raise BlockedAddress(why)

    def _explicitly_allowed(self, addr: IPAddress, judged: IPAddress) -> bool:
        return any(
            a.version == net.version and a in net for net in self.allowed_networks for a in (addr, judged)
        )


def parse_networks(values: list[str] | tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """Parse CIDR strings; a bad entry raises ValueError naming it."""
    nets = []
    for value in values:
        try:
            nets.append(ipaddress.ip_network(str(value).strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"fetch_allowed_networks: {value!r} is not a CIDR network ({exc})") from None
    return tuple(nets)


def port_allowed(port: int, settings: Any) -> bool:
    return bool(settings.fetch_allow_any_port) or port in settings.fetch_allowed_ports


async def vet(host: str, port: int, settings: Any, *, pin_ip: str | None = None) -> list[str]:
    """Resolve `host` once (or take `pin_ip`), check the port and every answer; return the addresses.

    Raises Refused (blocked_port, blocked_address, dns). Callers connect only to the returned addresses.
    """
    if not port_allowed(port, settings):
        raise Refused("blocked_port", f"port {port} of {host} is not in fetch_allowed_ports")
    literal = parse_ip(host)
    if literal is not None:
        addrs = [str(literal)]
    elif pin_ip is not None:
        pinned = parse_ip(pin_ip)
        if pinned is None:
            raise Refused("invalid_url", f"pin_ip {pin_ip!r} is not an IP address")
        addrs = [str(pinned)]
    else:
        try:
            addrs = await resolve(host, settings)
        except ResolveError as exc:
            raise Refused("dns", str(exc)) from None
    policy = AddressPolicy.from_settings(settings)
    for addr in addrs:
        why = policy.reason(addr)
        if why:
            raise BlockedAddress(f"{host} -> {why}")
    return addrs
