"""Hostile and broken targets: each fetch ends within its deadline with a clear error_kind, never raises,
and the event loop stays responsive while it happens."""

from __future__ import annotations

import asyncio
import os
import socket
import time
import zlib

import pytest

from sitewarden.enrich.fetch import FetchResult, fetch
from sitewarden.settings import load_settings
from tests.enrich.netservers import LocalServer, Request, redirect, send

HOST = "127.0.0.2"
DEADLINE = 1.5
CAP = 256 * 1024


def _settings(**overrides):  # type: ignore[no-untyped-def]
    base = {
        "fetch_allow_any_port": True,
        "fetch_allowed_networks": [f"{HOST}/32"],
        "fetch_timeout_seconds": DEADLINE,
        "fetch_max_body_bytes": CAP,
        "fetch_max_header_bytes": 16 * 1024,
    }
    return load_settings(**(base | overrides))


def _bomb(wbits: int, decoded_mb: int = 64) -> bytes:
    """`decoded_mb` MiB of zeros compressed to a few dozen KiB."""
    comp = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = bytes(1 << 20)
    return b"".join(comp.compress(block) for _ in range(decoded_mb)) + comp.flush()


GZIP_BOMB = _bomb(31)
DEFLATE_BOMB = _bomb(15)


def _encoded(body: bytes, encoding: str):  # type: ignore[no-untyped-def]
    async def handler(req: Request, writer: asyncio.StreamWriter) -> None:
        await send(writer, 200, body, {"Content-Encoding": encoding})

    return handler


async def _endless(req: Request, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"<p>" + b"A" * 8192 + b"</p>"
    while True:
        writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        await writer.drain()


async def _drip_body(req: Request, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n")
    while True:
        writer.write(b"x")
        await writer.drain()
        await asyncio.sleep(1)


async def _drip_headers(req: Request, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\n")
    while True:
        writer.write(b"X")
        await writer.drain()
        await asyncio.sleep(1)


async def _silent(req: Request, writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(3600)


def _raw(data: bytes):  # type: ignore[no-untyped-def]
    async def handler(req: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(data)
        await writer.drain()

    return handler


BINARY = os.urandom(50_000)
ROUTES = {
    "/endless": _endless,
    "/gzip-bomb": _encoded(GZIP_BOMB, "gzip"),
    "/deflate-bomb": _encoded(DEFLATE_BOMB, "deflate"),
    "/bad-encoding": _encoded(b"\x00not gzip at all" * 100, "gzip"),
    "/drip-body": _drip_body,
    "/drip-headers": _drip_headers,
    "/silent": _silent,
    "/bad-status": _raw(b"HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n"),
    "/not-http": _raw(b"SSH-2.0-OpenSSH_9.2\r\n\r\n"),
    "/huge-header": _raw(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 100_000 + b"\r\nContent-Length: 0\r\n\r\n"),
    "/many-headers": _raw(
        b"HTTP/1.1 200 OK\r\n"
        + b"".join(b"X-H%d: v\r\n" % i for i in range(2000))
        + b"Content-Length: 0\r\n\r\n"
    ),
    "/cut-short": _raw(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly a little"),
    "/binary": lambda req, w: send(w, 200, BINARY, {"Content-Type": "application/octet-stream"}),
    "/loop-a": redirect("/loop-b"),
    "/loop-b": redirect("/loop-a"),
    "/self": redirect("/self"),
    "/to-file": redirect("file:///etc/passwd"),
    "/to-js": redirect("javascript:alert(1)"),
    "/bad-location": redirect("http://[::1"),
}


async def _chain(req: Request, writer: asyncio.StreamWriter) -> None:
    n = int(req.path.rsplit("/", 1)[1])
    await send(writer, 302, b"", {"Location": f"/chain/{n + 1}"}, reason="Found")


@pytest.fixture(scope="module")
def hostile():  # type: ignore[no-untyped-def]
    with LocalServer(dict(ROUTES, **{f"/chain/{i}": _chain for i in range(30)}), host=HOST) as server:
        yield server


def _fetch(url: str, **overrides) -> tuple[FetchResult, float]:  # type: ignore[no-untyped-def]
    t0 = time.monotonic()
    result = asyncio.run(fetch(url, _settings(**overrides)))
    return result, time.monotonic() - t0


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/endless", "too_large"),
        ("/gzip-bomb", "too_large"),
        ("/deflate-bomb", "too_large"),
        ("/bad-encoding", "bad_response"),
        ("/drip-body", "timeout"),
        ("/drip-headers", "timeout"),
        ("/silent", "timeout"),
        ("/bad-status", "bad_response"),
        ("/not-http", "bad_response"),
        ("/huge-header", "headers_too_large"),
        ("/many-headers", "headers_too_large"),
        ("/cut-short", "bad_response"),
        ("/loop-a", "redirect_loop"),
        ("/self", "redirect_loop"),
        ("/chain/0", "too_many_redirects"),
        ("/to-file", "invalid_url"),
        ("/to-js", "invalid_url"),
        ("/bad-location", "invalid_url"),
    ],
)
def test_hostile_target_ends_in_time_with_clear_outcome(hostile: LocalServer, path: str, kind: str) -> None:
    result, elapsed = _fetch(hostile.url(path))
    assert result.error_kind == kind, result.error
    assert result.error
    assert elapsed < DEADLINE + 1.0


def test_decompression_bomb_is_cut_at_the_decoded_cap(hostile: LocalServer) -> None:
    result, _ = _fetch(hostile.url("/gzip-bomb"))
    assert len(GZIP_BOMB) < CAP  # the wire bytes alone would pass the cap; the decoded ones must not
    assert result.truncated and len(result.body) == CAP and result.body == bytes(CAP)
    assert result.status == 200


def test_slow_drip_keeps_what_arrived_and_stops_at_the_deadline(hostile: LocalServer) -> None:
    result, elapsed = _fetch(hostile.url("/drip-body"))
    assert result.error_kind == "timeout" and result.status == 200
    assert 1 <= len(result.body) <= 3 and DEADLINE <= elapsed < DEADLINE + 1.0


def test_chain_of_redirects_stops_after_the_configured_maximum(hostile: LocalServer) -> None:
    result, _ = _fetch(hostile.url("/chain/0"), fetch_max_redirects=4)
    assert result.error_kind == "too_many_redirects"
    assert [r["url"] for r in result.redirects] == [hostile.url(f"/chain/{i}") for i in range(5)]


def test_binary_content_is_returned_as_bytes(hostile: LocalServer) -> None:
    result, _ = _fetch(hostile.url("/binary"))
    assert result.error is None and result.body == BINARY
    assert result.content_type == "application/octet-stream"


def test_unreachable_port_is_a_connect_error() -> None:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]  # closed again before the fetch: nothing listens there
    result, elapsed = _fetch(f"http://{HOST}:{port}/")
    assert result.error_kind == "connect" and elapsed < DEADLINE


@pytest.mark.parametrize(
    "url",
    [
        "",
        "not a url",
        "http://",
        "ftp://example.com/",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "http://[::1",
        "//x",
    ],
)
def test_invalid_urls_are_recorded_not_raised(url: str) -> None:
    result, _ = _fetch(url)
    assert result.error_kind == "invalid_url" and result.error and result.url == url


def test_event_loop_stays_responsive_during_a_hostile_barrage(hostile: LocalServer) -> None:
    """All hostile fetches at once while a heartbeat ticks: no fetch may block the loop."""

    async def barrage() -> tuple[list[FetchResult], float]:
        settings = _settings(fetch_per_host_concurrency=64, fetch_per_ip_concurrency=64)
        gaps: list[float] = []

        async def heartbeat() -> None:
            last = time.monotonic()
            while True:
                await asyncio.sleep(0.01)
                now = time.monotonic()
                gaps.append(now - last)
                last = now

        beat = asyncio.create_task(heartbeat())
        results = await asyncio.gather(*(fetch(hostile.url(p), settings) for p in ROUTES))
        beat.cancel()
        return results, max(gaps)

    t0 = time.monotonic()
    results, worst_gap = asyncio.run(barrage())
    assert time.monotonic() - t0 < DEADLINE + 1.0
    assert all(r.error_kind for r in results if not r.url.endswith("/binary"))
    assert worst_gap < 0.5
