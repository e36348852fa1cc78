"""The renderer's vetting proxy, driven by raw sockets (no browser): refusals, relaying, pins."""

from __future__ import annotations

import asyncio

from sitewarden.enrich.proxy import BLOCKED_HEADER, VettingProxy
from sitewarden.settings import load_settings
from tests.enrich.netservers import LocalServer, Request, page, send

SITE = "127.0.0.2"
SETTINGS = load_settings(fetch_allow_any_port=True, fetch_allowed_networks=[f"{SITE}/32"])


async def _exchange(proxy: VettingProxy, data: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    writer.write(data)
    await writer.drain()
    try:
        async with asyncio.timeout(5):
            return await reader.read()
    finally:
        writer.close()


def _through_proxy(data: bytes, pin: tuple[str, str] | None = None) -> tuple[bytes, VettingProxy]:
    async def go() -> tuple[bytes, VettingProxy]:
        async with VettingProxy(SETTINGS, pin=pin) as proxy:
            return await _exchange(proxy, data), proxy

    return asyncio.run(go())


def test_plain_http_is_relayed_with_connection_close() -> None:
    with LocalServer(
        {"/": page("hello", {"Connection": "keep-alive", "Keep-Alive": "timeout=5"})}, host=SITE
    ) as site:
        request = f"GET http://{SITE}:{site.port}/ HTTP/1.1\r\nHost: {SITE}:{site.port}\r\nProxy-Connection: keep-alive\r\n\r\n"
        answer, proxy = _through_proxy(request.encode())
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and body == b"hello"
    assert b"Connection: close" in head and b"keep-alive" not in head.lower()
    assert site.requests[0].path == "/" and "proxy-connection" not in site.requests[0].headers
    assert proxy.allowed == [{"request": f"GET http://{SITE}:{site.port}/", "ip": SITE, "port": site.port}]


def test_request_body_flows_while_the_server_waits_for_it() -> None:
    async def echo(req: Request, writer: asyncio.StreamWriter) -> None:
        await send(writer, 200, "got it")

    with LocalServer({"/post": echo}, host=SITE) as site:
        request = (
            f"POST http://{SITE}:{site.port}/post HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        ).encode()
        answer, _ = _through_proxy(request)
    assert answer.endswith(b"got it") and site.requests[0].method == "POST"


def test_internal_destinations_are_refused_with_the_kind_and_never_contacted() -> None:
    with LocalServer({"*": page("secret")}) as internal:
        for request in (
            f"GET http://127.0.0.1:{internal.port}/ HTTP/1.1\r\n\r\n",
            f"GET http://2130706433:{internal.port}/ HTTP/1.1\r\n\r\n",
            f"CONNECT 127.0.0.1:{internal.port} HTTP/1.1\r\n\r\n",
            f"CONNECT [::ffff:127.0.0.1]:{internal.port} HTTP/1.1\r\n\r\n",
            "GET http://169.254.169.254/latest/meta-data/ HTTP/1.1\r\n\r\n",
        ):
            answer, proxy = _through_proxy(request.encode())
            assert answer.startswith(b"HTTP/1.1 403"), request
            assert f"{BLOCKED_HEADER}: blocked_address".encode() in answer
            assert proxy.blocked[0]["kind"] == "blocked_address"
        assert internal.connections == 0


def test_other_schemes_and_garbage_are_rejected() -> None:
    answer, _ = _through_proxy(b"GET ftp://example.com/ HTTP/1.1\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400") and f"{BLOCKED_HEADER}: invalid_url".encode() in answer
    answer, _ = _through_proxy(b"\x16\x03\x01garbage\r\n\r\n")
    assert answer == b""


def test_connect_tunnels_to_the_pinned_address() -> None:
    with LocalServer({"/": page("pinned")}, host=SITE) as site:

        async def go() -> bytes:
            async with VettingProxy(SETTINGS, pin=("shop.test", SITE)) as proxy:
                reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
                writer.write(f"CONNECT shop.test:{site.port} HTTP/1.1\r\n\r\n".encode())
                assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200")
                writer.write(f"GET / HTTP/1.1\r\nHost: shop.test:{site.port}\r\n\r\n".encode())
                async with asyncio.timeout(5):
                    data = await reader.read()
                writer.close()
                return data

        answer = asyncio.run(go())
    assert answer.endswith(b"pinned") and site.requests[0].headers["host"] == f"shop.test:{site.port}"
