"""fetch(): what it records for ordinary sites (redirect chain, headers, TLS, profiles, pins, limits)."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import ssl
from pathlib import Path

import pytest

from sitewarden.enrich.fetch import fetch, open_session
from sitewarden.settings import load_settings
from tests.enrich.netservers import FakeDNS, LocalServer, Request, make_certs, page, redirect, send

ALLOWED = "127.0.0.2"


def _settings(**overrides):  # type: ignore[no-untyped-def]
    base = {
        "fetch_allow_any_port": True,
        "fetch_allowed_networks": [f"{ALLOWED}/32"],
        "fetch_timeout_seconds": 5,
    }
    return load_settings(**(base | overrides))


def test_plain_page_records_status_headers_body_ip_and_timings() -> None:
    with LocalServer({"/": page("<h1>hello</h1>", {"X-Test": "1"})}, host=ALLOWED) as site:
        result = asyncio.run(fetch(site.url("/"), _settings()))
    assert result.error is None and result.status == 200
    assert result.body == b"<h1>hello</h1>" and not result.truncated
    assert result.content_type == "text/html" and result.headers["x-test"] == "1"
    assert result.ip == ALLOWED and result.final_url == site.url("/") and result.redirects == []
    assert {"resolve", "headers", "total"} <= result.timings.keys()
    assert "body" not in result.to_dict() and result.to_dict()["body_bytes"] == 14


def test_redirect_chain_is_recorded_hop_by_hop() -> None:
    with LocalServer({"/a": redirect("/b", 301), "/c": page("end")}, host=ALLOWED) as site:
        site.routes["/b"] = redirect(site.url("/c"), 307)
        result = asyncio.run(fetch(site.url("/a"), _settings()))
    assert result.status == 200 and result.body == b"end" and result.final_url == site.url("/c")
    assert result.redirects == [
        {"url": site.url("/a"), "status": 301, "ip": ALLOWED, "location": "/b"},
        {"url": site.url("/b"), "status": 307, "ip": ALLOWED, "location": site.url("/c")},
    ]


def test_cookies_set_on_a_redirect_are_sent_on_the_next_hop() -> None:
    async def gate(req: Request, writer: asyncio.StreamWriter) -> None:
        if "seen=1" in req.headers.get("cookie", ""):
            await send(writer, 200, "through")
        else:
            await send(writer, 302, b"", {"Location": "/gate", "Set-Cookie": "seen=1; Path=/"})

    with LocalServer({"/gate": gate}, host=ALLOWED) as site:
        result = asyncio.run(fetch(site.url("/gate"), _settings()))
    assert result.body == b"through" and len(result.redirects) == 1 and result.error is None


def test_mobile_profile_sends_mobile_user_agent_and_referer() -> None:
    settings = _settings()
    with LocalServer({"/": page("x")}, host=ALLOWED) as site:
        asyncio.run(fetch(site.url("/"), settings, profile="mobile", referer="https://www.baidu.com/s?wd=x"))
        asyncio.run(fetch(site.url("/"), settings))
    mobile, desktop = site.requests
    assert mobile.headers["user-agent"] == settings.fetch_mobile_user_agent
    assert mobile.headers["referer"] == "https://www.baidu.com/s?wd=x"
    assert desktop.headers["user-agent"] == settings.fetch_user_agent and "referer" not in desktop.headers


def test_pin_holds_for_the_named_host_only_and_other_hosts_resolve_normally() -> None:
    other_ip = "127.0.0.3"
    with (
        LocalServer({"/": page("other site")}, host=other_ip) as other,
        FakeDNS({"other.test": [other_ip]}) as resolver,
        LocalServer(
            {"/": redirect("/home"), "/home": redirect(f"http://other.test:{other.port}/")}, host=ALLOWED
        ) as site,
    ):
        settings = _settings(
            fetch_allowed_networks=[f"{ALLOWED}/32", f"{other_ip}/32"], dns_resolver=resolver.address
        )
        result = asyncio.run(fetch(f"http://customer-shop.test:{site.port}/", settings, pin_ip=ALLOWED))
    assert result.error is None and result.body == b"other site"
    assert [r["ip"] for r in result.redirects] == [ALLOWED, ALLOWED] and result.ip == other_ip
    assert site.requests[0].headers["host"] == f"customer-shop.test:{site.port}"
    assert resolver.queries and set(resolver.queries) == {"other.test"}  # the pinned name was never looked up


def test_per_host_concurrency_limit_holds_across_parallel_fetches() -> None:
    async def slow(req: Request, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.2)
        await send(writer, 200, "ok")

    async def many(url: str) -> list[int | None]:
        settings = _settings(fetch_per_host_concurrency=2)
        session = open_session(settings)
        try:
            results = await asyncio.gather(*(fetch(url, settings, session=session) for _ in range(6)))
        finally:
            await session.close()
        return [r.status for r in results]

    with LocalServer({"/": slow}, host=ALLOWED) as site:
        statuses = asyncio.run(many(site.url("/")))
    assert statuses == [200] * 6
    assert site.max_in_flight == 2


def test_foreign_session_is_refused() -> None:
    async def go() -> None:
        import aiohttp

        async with aiohttp.ClientSession() as session:
            await fetch("http://example.com/", _settings(), session=session)

    with pytest.raises(ValueError, match="open_session"):
        asyncio.run(go())


needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI not installed")


@needs_openssl
def test_tls_certificate_is_recorded(tmp_path: Path) -> None:
    certs = make_certs(tmp_path, names=("tls.test",))
    with LocalServer({"/": page("secure")}, host=ALLOWED, ssl_context=certs.server_context()) as site:
        url = f"https://tls.test:{site.port}/"
        result = asyncio.run(fetch(url, _settings(fetch_ca_file=certs.ca), pin_ip=ALLOWED))
    assert result.error is None and result.body == b"secure"
    assert result.tls is not None
    assert result.tls["subject"]["commonName"] == "tls.test"
    assert result.tls["issuer"]["organizationName"] == "Sitewarden Tests"
    assert "DNS:tls.test" in result.tls["sans"]
    assert result.tls["not_before"] < result.tls["not_after"]
    der = ssl.PEM_cert_to_DER_cert(certs.cert.read_text().split("-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n")
    assert result.tls["sha256"] == hashlib.sha256(der).hexdigest()


@needs_openssl
def test_untrusted_certificate_is_a_tls_error_with_the_reason(tmp_path: Path) -> None:
    certs = make_certs(tmp_path, self_signed=True, names=("tls.test",))
    with LocalServer({"/": page("secret")}, host=ALLOWED, ssl_context=certs.server_context()) as site:
        result = asyncio.run(fetch(f"https://tls.test:{site.port}/", _settings(), pin_ip=ALLOWED))
    assert result.error_kind == "tls" and "certificate" in (result.error or "").lower()
    assert result.body == b"" and result.status is None


def test_internationalised_host_is_sent_as_punycode_and_keeps_its_pin() -> None:
    with LocalServer(
        {"/": redirect("/%E4%B8%AD%E6%96%87"), "/%E4%B8%AD%E6%96%87": page("ok")}, host=ALLOWED
    ) as site:
        result = asyncio.run(fetch(f"http://银行-登录.测试:{site.port}/", _settings(), pin_ip=ALLOWED))
    assert result.error is None and result.body == b"ok"
    assert site.requests[0].headers["host"] == f"xn----kw3bt79dhjqepo.xn--0zwm56d:{site.port}"
    assert [r["ip"] for r in result.redirects] == [ALLOWED]
