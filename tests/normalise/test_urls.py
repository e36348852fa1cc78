"""Refanging and URL canonicalisation: canonical forms, clear errors, and properties over arbitrary input."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitewarden.normalise.urls import InvalidInput, canonical_url, host_of, path_of, refang


@pytest.mark.parametrize(
    ("defanged", "plain"),
    [
        ("hxxp://evil[.]top/login", "http://evil.top/login"),
        ("hXXps[:]//paypal-login(.)example{.}com", "https://paypal-login.example.com"),
        ("evil[dot]top", "evil.top"),
        ("hxxps[://]icbc(dot)com(dot)cn", "https://icbc.com.cn"),
        ("http://clean.example/", "http://clean.example/"),
    ],
)
def test_refang(defanged: str, plain: str) -> None:
    assert refang(defanged) == plain


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("Example.COM", "http://example.com/"),
        ("  https://Example.com/A?b=1#frag ", "https://example.com/A?b=1"),
        ("example.com:8080/x", "http://example.com:8080/x"),
        ("http://example.com:80/", "http://example.com/"),
        ("https://example.com:443", "https://example.com/"),
        ("http://example.com:443/", "http://example.com:443/"),
        ("http://user:secret@example.com/", "http://example.com/"),
        ("http://工商银行.com/登录", "http://xn--czr93rq40bruk.com/%E7%99%BB%E5%BD%95"),
        ("http://example.com./a b", "http://example.com/a%20b"),
        ("//example.com/x", "http://example.com/x"),
        ("hxxp://evil[.]top", "http://evil.top/"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("http://example.com/%41%zz", "http://example.com/%41%zz"),
        ("http://example.com\\path", "http://example.com/path"),
    ],
)
def test_canonical_url(raw: str, canonical: str) -> None:
    assert canonical_url(raw) == canonical


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty input"),
        ("   ", "empty input"),
        ("javascript:alert(1)", "unsupported scheme 'javascript'"),
        ("ftp://example.com/", "unsupported scheme 'ftp'"),
        ("mailto:a@example.com", "unsupported scheme 'mailto'"),
        ("http:example.com", "no '//'"),
        ("http://", "empty host"),
        ("http://a..b/", "invalid label ''"),
        ("http://exa mple.com/", "invalid label"),
        ("http://example.com:99999/", "Port out of range"),
        ("http://example.com:0/", "port 0"),
        ("http://example.com:abc/", "URL"),
        ("http://exa\x00mple.com/", "control character"),
        ("http://[::1/", "URL"),
        ("http://[zz::1]/", "does not appear to be an IPv4 or IPv6 address"),
        ("http://xn--zz.com/", "not valid punycode"),
        ("http://" + "a" * 64 + ".com/", "invalid label"),
        ("http://" + "a." * 130 + "com/", "at most 253"),
        ("http://a_b!.com/", "invalid label"),
    ],
)
def test_bad_input_is_named(raw: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)):
        canonical_url(raw)


def test_host_and_path_of() -> None:
    assert host_of("HTTPS://WWW.ICBC.COM.CN/icbc/perbank/index.jsp") == "www.icbc.com.cn"
    assert host_of("icbc.com.cn") == "icbc.com.cn"
    assert host_of("evil[.]top:8443") == "evil.top"
    assert host_of("支付宝.COM") == host_of("xn--bnq242a7nh.com") == "xn--bnq242a7nh.com"
    assert path_of("http://evil.top/www.paypal.com/signin?x=1") == "/www.paypal.com/signin?x=1"
    assert path_of("evil.top") == "/"


_label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12).filter(
    lambda s: not s.startswith("-") and not s.endswith("-") and s[2:4] != "--"
)
_unicode_label = st.text(alphabet="abcxyz工商银行支付宝中国аеорсÄéß", min_size=1, max_size=8)
_hosts = st.lists(st.one_of(_label, _unicode_label), min_size=1, max_size=4).map(".".join)
_paths = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=20)


@settings(max_examples=300, deadline=None)
@given(host=_hosts, path=_paths, scheme=st.sampled_from(["", "http://", "https://", "hxxps://"]))
def test_canonical_url_is_idempotent(host: str, path: str, scheme: str) -> None:
    try:
        once = canonical_url(f"{scheme}{host}/{path}")
    except InvalidInput:
        return
    assert canonical_url(once) == once
    assert once.startswith(("http://", "https://"))
    assert once.isascii()


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_arbitrary_unicode_only_raises_invalid_input(text: str) -> None:
    try:
        url = canonical_url(text)
    except InvalidInput as exc:
        assert str(exc)
    else:
        assert url.isascii()
        assert host_of(url) == host_of(text)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=60), st.sampled_from(["utf-8", "latin-1", "utf-16"]))
def test_bytes_decoded_text_only_raises_invalid_input(raw: bytes, encoding: str) -> None:
    text = raw.decode(encoding, errors="replace")
    try:
        canonical_url(text)
        host_of(text)
    except InvalidInput:
        pass
