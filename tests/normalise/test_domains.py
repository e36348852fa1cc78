"""Host parsing with the shipped public suffix list: registrable domains, private suffixes, IDNA both ways."""

from __future__ import annotations

import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitewarden.normalise import domains
from sitewarden.normalise.domains import PSL_PATH, HostInfo, InvalidInput, parse_host, registrable_domain
from sitewarden.normalise.urls import canonical_url


@pytest.mark.parametrize(
    ("text", "host", "registrable", "suffix", "subdomain", "private"),
    [
        ("www.icbc.com.cn", "www.icbc.com.cn", "icbc.com.cn", "com.cn", "www", False),
        ("HTTPS://Mail.163.COM./inbox", "mail.163.com", "163.com", "com", "mail", False),
        (
            "paypal-login.vercel.app",
            "paypal-login.vercel.app",
            "paypal-login.vercel.app",
            "vercel.app",
            "",
            True,
        ),
        ("a.b.foo.github.io", "a.b.foo.github.io", "foo.github.io", "github.io", "a.b", True),
        (
            "icbc.com.cn.secure-xyz.top",
            "icbc.com.cn.secure-xyz.top",
            "secure-xyz.top",
            "top",
            "icbc.com.cn",
            False,
        ),
        ("hxxp://evil[.]co[.]uk/x", "evil.co.uk", "evil.co.uk", "co.uk", "", False),
        ("foo.bar.notatld", "foo.bar.notatld", "bar.notatld", "notatld", "foo", False),
        ("a.b.ck", "a.b.ck", "a.b.ck", "b.ck", "", False),  # wildcard rule *.ck
        ("www.ck", "www.ck", "www.ck", "ck", "", False),  # exception rule !www.ck
        ("x.city.kawasaki.jp", "x.city.kawasaki.jp", "city.kawasaki.jp", "kawasaki.jp", "x", False),
        ("com.cn", "com.cn", "com.cn", "com.cn", "", False),
        ("8.8.8.8", "8.8.8.8", "8.8.8.8", "", "", False),
        ("http://[2001:db8::1]/", "[2001:db8::1]", "[2001:db8::1]", "", "", False),
    ],
)
def test_parse_host(
    text: str, host: str, registrable: str, suffix: str, subdomain: str, private: bool
) -> None:
    info = parse_host(text)
    assert (info.host, info.registrable_domain, info.suffix, info.subdomain) == (
        host,
        registrable,
        suffix,
        subdomain,
    )
    assert info.is_private_suffix is private
    assert info.labels == tuple(host.split(".")) or info.is_ip
    assert registrable_domain(text) == registrable


def test_unicode_hosts_both_ways() -> None:
    info = parse_host("WWW.工商银行.中国")
    assert info.host.isascii() and info.host.startswith("www.xn--")
    assert info.unicode_host == "www.工商银行.中国"
    assert info.suffix == "xn--fiqs8s" and info.sld.startswith("xn--")
    assert parse_host(info.host) == info
    assert parse_host("xn--80ak6aa92e.com").unicode_host == "аррӏе.com"
    assert parse_host("ÄÖÜ.de").unicode_host == "äöü.de"  # UTS 46 mapping lower-cases
    assert parse_host("faß.de").unicode_host == "faß.de"  # non-transitional: ß stays


def test_ip_and_sld_helpers() -> None:
    assert parse_host("10.0.0.1").is_ip and parse_host("http://[2001:db8::1]:8080/").is_ip
    assert not parse_host("localhost").is_ip and not parse_host("example.com").is_ip
    assert not parse_host("10.0.0.1.example.com").is_ip
    assert parse_host("shop.paypal.co.uk").sld == "paypal"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("..", "empty host"),
        ("a..b", "invalid label"),
        ("xn--zz.com", "punycode"),
        ("\x07.com", "control"),
    ],
)
def test_bad_hosts(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_host(text)


def test_non_string_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="expected a string"):
        parse_host(b"example.com")  # type: ignore[arg-type]


def test_suffix_list_is_read_from_the_package_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    text = PSL_PATH.read_text(encoding="utf-8")
    assert "Mozilla Public" in text.splitlines()[0] + text.splitlines()[1]
    fresh = domains._SuffixList(text)
    assert fresh.split("foo.vercel.app") == ("vercel.app", True)
    assert fresh.split("foo.com.cn") == ("com.cn", False)


def test_suffix_split_agrees_with_tldextract_on_the_same_file() -> None:
    """Our lookup is a fast re-implementation; tldextract, pointed at the shipped file, is the reference."""
    import tldextract

    reference = tldextract.TLDExtract(
        suffix_list_urls=(PSL_PATH.as_uri(),), cache_dir=None, fallback_to_snapshot=False,
        include_psl_private_domains=True,
    )  # fmt: skip
    hosts = [
        "www.icbc.com.cn", "a.b.foo.github.io", "x.y.vercel.app", "www.ck", "a.b.ck", "x.city.kawasaki.jp",
        "shop.example.co.uk", "s3.us-west-2.amazonaws.com", "bucket.s3.us-west-2.amazonaws.com", "a.blogspot.com",
        "www.gov.cn", "mps.gov.cn", "x.pages.dev", "a.b.c.d.e.f.example.com", "xn--fiqs8s", "foo.xn--fiqs8s",
        "site.weeblysite.com", "my.sharepoint.com", "paypal-login.web.app", "a.b.cdn.cloudflare.net",
    ]  # fmt: skip
    for host in hosts:
        expected = reference(host)
        info = parse_host(host)
        if expected.suffix:
            assert info.suffix == expected.suffix, host
            assert info.registrable_domain == (expected.top_domain_under_public_suffix or host), host
            assert info.is_private_suffix == expected.is_private, host


_labels = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-工商银行中国аеорсé", min_size=1, max_size=10)


@settings(max_examples=300, deadline=None)
@given(st.lists(_labels, min_size=1, max_size=5).map(".".join))
def test_idna_round_trip_and_idempotence(text: str) -> None:
    try:
        info = parse_host(text)
    except InvalidInput:
        return
    assert isinstance(info, HostInfo)
    assert info.host.isascii() and info.host == info.host.lower()
    assert parse_host(info.host) == info  # idempotent on its own output
    assert parse_host(info.unicode_host) == info  # Unicode -> ASCII -> Unicode round trip
    assert info.host.endswith(info.registrable_domain)
    assert info.registrable_domain.endswith(info.suffix)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.binary(max_size=40).map(lambda b: b.decode("utf-8", errors="replace"))))
def test_arbitrary_text_only_raises_invalid_input(text: str) -> None:
    try:
        info = parse_host(text)
    except InvalidInput as exc:
        assert str(exc)
    else:
        assert info.host.isascii() and info.registrable_domain


@settings(max_examples=200, deadline=None)
@given(st.lists(_labels, min_size=1, max_size=4).map(".".join), st.sampled_from(["", "https://", "hxxp://"]))
def test_urls_and_hosts_agree(host: str, scheme: str) -> None:
    try:
        info = parse_host(host)
    except InvalidInput:
        return
    url = canonical_url(f"{scheme}{host}/path")
    assert parse_host(url) == info
    assert url.split("/")[2] == info.host
