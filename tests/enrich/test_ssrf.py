"""SSRF guard: the address policy on its own, then the full matrix through fetch() against real servers
that must receive nothing when blocked (and do receive the request in the allowed control case)."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitewarden.enrich.fetch import fetch
from sitewarden.enrich.ssrf import AddressPolicy, BlockedAddress, embedded_ipv4, parse_ip, parse_networks
from sitewarden.settings import SettingsError, load_settings
from tests.enrich.netservers import FakeDNS, LocalServer, page, redirect


@pytest.mark.parametrize(
    ("host", "reaches"),
    [
        ("127.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),
        ("[::]", "::"),
        ("fe80::1%lo", "fe80::1"),
        ("example.com", None),
        ("127.0.0.1.example.com", None),
    ],
)
def test_parse_ip_follows_the_os_not_the_string(host: str, reaches: str | None) -> None:
    got = parse_ip(host)
    assert (str(got) if got else None) == (str(ipaddress.ip_address(reaches)) if reaches else None)


def _spell(addr: ipaddress.IPv4Address, form: str) -> str:
    """Write an IPv4 address the way URL tricks do: decimal, hex, octal, shortened."""
    n, octets = int(addr), addr.packed
    return {
        "decimal": str(n),
        "hex": hex(n),
        "octal-dotted": ".".join(f"0{b:o}" for b in octets),
        "hex-dotted": ".".join(hex(b) for b in octets),
        "a.b.c": f"{octets[0]}.{octets[1]}.{octets[2] * 256 + octets[3]}",
        "a.b": f"{octets[0]}.{int.from_bytes(octets[1:], 'big')}",
    }[form]


@given(
    st.integers(min_value=0, max_value=2**32 - 1).map(ipaddress.IPv4Address),
    st.sampled_from(["decimal", "hex", "octal-dotted", "hex-dotted", "a.b.c", "a.b"]),
)
def test_every_spelling_of_an_address_is_judged_as_that_address(
    addr: ipaddress.IPv4Address, form: str
) -> None:
    assert parse_ip(_spell(addr, form)) == addr
    mapped = ipaddress.IPv6Address(f"::ffff:{addr}")
    assert (AddressPolicy().reason(mapped) is None) == (AddressPolicy().reason(addr) is None)


@pytest.mark.parametrize(
    ("ip", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.1.1", "link-local"),
        ("100.64.0.1", "cgnat"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("0.0.0.0", "unspecified"),
        ("169.254.169.254", "metadata"),
        ("100.100.100.200", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "metadata"),
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", "metadata"),  # NAT64 of 169.254.169.254
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),  # Teredo, client 127.0.0.1
    ],
)
def test_policy_blocks_internal_addresses(ip: str, kind: str) -> None:
    policy = AddressPolicy()
    reason = policy.reason(ip)
    assert reason is not None and reason.endswith(f"is {kind}")
    with pytest.raises(BlockedAddress):
        policy.check(ip)


@pytest.mark.parametrize(
    "ip", ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]
)
def test_policy_allows_public_addresses(ip: str) -> None:
    assert AddressPolicy().reason(ip) is None


def test_allow_private_never_opens_metadata_multicast_or_unspecified() -> None:
    policy = AddressPolicy(allow_private=True)
    for ip in ("127.0.0.1", "10.0.0.1", "100.64.0.1", "fe80::1", "::ffff:192.168.0.1"):
        assert policy.reason(ip) is None, ip
    for ip in ("169.254.169.254", "fd00:ec2::254", "0.0.0.0", "::", "224.0.0.1", "240.0.0.1"):
        assert policy.reason(ip) is not None, ip


def test_allowed_networks_open_exactly_what_they_list() -> None:
    policy = AddressPolicy(allowed_networks=parse_networks(["127.0.0.2/32", "10.8.0.0/16"]))
    assert policy.reason("127.0.0.2") is None
    assert policy.reason("::ffff:127.0.0.2") is None
    assert policy.reason("10.8.99.1") is None
    assert policy.reason("127.0.0.1") is not None
    assert policy.reason("10.9.0.1") is not None
    assert policy.reason("169.254.169.254") is not None


def test_embedded_ipv4_only_for_wrapping_prefixes() -> None:
    assert embedded_ipv4(ipaddress.ip_address("2606:4700::1111")) is None
    assert str(embedded_ipv4(ipaddress.ip_address("::ffff:10.0.0.1"))) == "10.0.0.1"


def test_bad_allowed_network_setting_is_named() -> None:
    with pytest.raises(SettingsError, match=r"fetch_allowed_networks.*'10\.0\.0\.0/33'"):
        load_settings(fetch_allowed_networks=["10.0.0.0/33"])


# --- the matrix through fetch(), against real servers -------------------------------------------------

LOOPBACK_FORMS = [
    "127.0.0.1",
    "127.1",
    "2130706433",
    "0x7f.1",
    "0177.0.0.1",
    "127.000.000.001",
    "[::ffff:127.0.0.1]",
    "[0:0:0:0:0:ffff:7f00:1]",
    "①②⑦.⓪.⓪.①",  # IDNA maps these digits to 127.0.0.1
    "localhost",
    "LOCALHOST",
]


def _run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


@pytest.fixture(scope="module")
def target():  # type: ignore[no-untyped-def]
    with LocalServer({"*": page("<title>internal</title>")}, ipv6=True) as server:
        yield server


@pytest.mark.parametrize("host", [*LOOPBACK_FORMS, "[::1]", "[::]", "0", "0x0"])
def test_loopback_in_any_form_is_blocked_and_target_receives_nothing(target: LocalServer, host: str) -> None:
    before = target.connections
    result = _run(fetch(target.url("/secret", host=host), load_settings(fetch_allow_any_port=True)))
    assert result.error_kind == "blocked_address", result.error
    assert result.status is None and result.body == b""
    assert target.connections == before


@pytest.mark.parametrize("host", [*LOOPBACK_FORMS, "[::1]"])
def test_same_forms_reach_the_server_when_private_is_allowed(target: LocalServer, host: str) -> None:
    """Control: proves the blocked cases above were stopped by the guard, not by a broken URL."""
    before = target.connections
    settings = load_settings(fetch_allow_any_port=True, fetch_allow_private=True)
    result = _run(fetch(target.url("/ok", host=host), settings))
    assert result.error is None and result.status == 200
    assert target.connections == before + 1


def test_unspecified_address_stays_blocked_even_with_private_allowed(target: LocalServer) -> None:
    before = target.connections
    settings = load_settings(fetch_allow_any_port=True, fetch_allow_private=True)
    result = _run(fetch(target.url("/", host="[::]"), settings))
    assert result.error_kind == "blocked_address" and target.connections == before


def test_port_outside_allowed_ports_is_refused(target: LocalServer) -> None:
    before = target.connections
    settings = load_settings(fetch_allow_private=True)  # ports 80/443 only
    result = _run(fetch(target.url("/"), settings))
    assert result.error_kind == "blocked_port" and str(target.port) in (result.error or "")
    assert target.connections == before


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:{port}/admin",
        "http://localhost:{port}/admin",
        "http://2130706433:{port}/admin",
        "http://[::ffff:127.0.0.1]:{port}/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://100.100.100.200/latest/meta-data/",
    ],
)
def test_redirect_from_allowed_host_to_internal_address_is_blocked(
    target: LocalServer, location: str
) -> None:
    """The allowed server (127.0.0.2, opened by fetch_allowed_networks) redirects inwards."""
    loc = location.format(port=target.port)
    with LocalServer({"/go": redirect(loc)}, host="127.0.0.2") as allowed:
        settings = load_settings(fetch_allow_any_port=True, fetch_allowed_networks=["127.0.0.2/32"])
        before = target.connections
        result = _run(fetch(allowed.url("/go"), settings))
    assert result.error_kind == "blocked_address", result.error
    assert "redirect to" in (result.error or "")
    assert result.redirects == [
        {"url": allowed.url("/go"), "status": 302, "ip": "127.0.0.2", "location": loc}
    ]
    assert allowed.connections == 1 and target.connections == before


def test_pin_to_an_internal_address_is_blocked(target: LocalServer) -> None:
    before = target.connections
    settings = load_settings(fetch_allow_any_port=True)
    result = _run(fetch(f"http://shop.example:{target.port}/", settings, pin_ip="127.0.0.1"))
    assert result.error_kind == "blocked_address" and target.connections == before


def test_proxy_environment_variables_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    with (
        LocalServer({"*": page("proxied")}, host="127.0.0.3") as proxy,
        LocalServer({"/": page("direct")}, host="127.0.0.2") as site,
    ):
        for var in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY"):
            monkeypatch.setenv(var, proxy.url("/"))
        settings = load_settings(fetch_allow_any_port=True, fetch_allowed_networks=["127.0.0.2/32"])
        result = _run(fetch(site.url("/"), settings))
    assert result.body == b"direct" and proxy.connections == 0


def test_every_dns_answer_is_checked_and_the_checked_one_is_used() -> None:
    with (
        LocalServer({"/": page("good")}, host="127.0.0.2") as site,
        FakeDNS(
            {
                "good.test": ["127.0.0.2"],
                "evil.test": ["127.0.0.1"],
                "mixed.test": ["127.0.0.2", "10.0.0.1"],
                "meta.test": ["169.254.169.254"],
            }
        ) as resolver,
    ):
        settings = load_settings(
            fetch_allow_any_port=True, fetch_allowed_networks=["127.0.0.2/32"], dns_resolver=resolver.address
        )
        good = _run(fetch(f"http://good.test:{site.port}/", settings))
        blocked = {
            name: _run(fetch(f"http://{name}:{site.port}/", settings))
            for name in ("evil.test", "mixed.test", "meta.test")
        }
        missing = _run(fetch(f"http://nowhere.test:{site.port}/", settings))
    assert good.status == 200 and good.ip == "127.0.0.2"
    assert site.requests[0].headers["host"] == f"good.test:{site.port}"
    assert {name: r.error_kind for name, r in blocked.items()} == dict.fromkeys(blocked, "blocked_address")
    assert "10.0.0.1" in (blocked["mixed.test"].error or "")
    assert site.connections == 1
    assert missing.error_kind == "dns"
    assert "good.test" in resolver.queries
