"""Vetting HTTP proxy for Chromium: every browser connection passes the crawler's SSRF guard.

Chromium is pointed at this proxy with loopback *not* bypassed, so each request names its destination
here (absolute-form GET for http, CONNECT for https and websockets). The proxy resolves and checks the
destination with `ssrf.vet` (applying the job's pin) and connects to the checked address itself; the
browser never resolves a name or opens a socket of its own. Plain-HTTP responses are relayed with
`Connection: close` so no proxy connection is ever reused for a second, unvetted destination.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from yarl import URL

from sitewarden.enrich.ssrf import Refused, vet

MAX_LOG_ENTRIES = 1000
BLOCKED_HEADER = "X-Sitewarden-Blocked"  # on the proxy's own refusals: the error_kind, for the renderer
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "upgrade"}
)


class VettingProxy:
    """One proxy listener on 127.0.0.1 (port chosen by the OS); `pin` = (host, ip) like curl --resolve.

    `allowed` and `blocked` record every destination decision, in order, for the render evidence.
    """

    def __init__(self, settings: Any, *, pin: tuple[str, str] | None = None) -> None:
        self.settings = settings
        self.pin = (pin[0].lower(), pin[1]) if pin else None
        self.allowed: list[dict[str, Any]] = []
        self.blocked: list[dict[str, Any]] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> VettingProxy:
        self._server = await asyncio.start_server(
            self._client, "127.0.0.1", 0, limit=self.settings.fetch_max_header_bytes
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def __aenter__(self) -> VettingProxy:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._handle(reader, writer)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        except asyncio.CancelledError:
            pass  # proxy closing at the end of its render job
        finally:
            self._tasks.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, _, header_block = head.decode("latin-1").partition("\r\n")
        method, target, version = request_line.split(" ", 2)
        if method == "CONNECT":
            host, _, port_text = target.rpartition(":")
            upstream = await self._open(host.strip("[]"), int(port_text), f"CONNECT {target}", writer)
            if upstream is None:
                return
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
            await _splice(reader, writer, *upstream)
            return
        url = URL(target)
        if url.scheme != "http" or not url.raw_host:
            await _reply(
                writer,
                400,
                f"proxy takes absolute http:// URLs and CONNECT, not {target[:200]!r}",
                "invalid_url",
            )
            return
        upstream = await self._open(url.raw_host, url.port or 80, f"{method} {target}", writer)
        if upstream is None:
            return
        up_reader, up_writer = upstream
        headers = [
            line
            for line in header_block.split("\r\n")
            if line and line.partition(":")[0].strip().lower() not in _HOP_BY_HOP
        ]
        origin_form = url.raw_path_qs or "/"
        up_writer.write(
            "\r\n".join([f"{method} {origin_form} {version}", *headers, "Connection: close", "", ""]).encode(
                "latin-1"
            )
        )
        await up_writer.drain()
        await _splice(reader, writer, up_reader, up_writer, head_cap=self.settings.fetch_max_header_bytes)

    async def _open(
        self, host: str, port: int, what: str, writer: asyncio.StreamWriter
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """Vet and connect, or answer 403/502 and record why."""
        pin_ip = self.pin[1] if self.pin and host.lower() == self.pin[0] else None
        try:
            addrs = await vet(host, port, self.settings, pin_ip=pin_ip)
        except Refused as exc:
            _note(self.blocked, {"request": what, "kind": exc.kind, "reason": str(exc), "at": time.time()})
            await _reply(writer, 403, f"blocked by the Sitewarden SSRF guard: {exc}", exc.kind)
            return None
        last_error: Exception | None = None
        for addr in addrs:
            try:
                async with asyncio.timeout(self.settings.fetch_connect_timeout_seconds):
                    upstream = await asyncio.open_connection(addr, port)
            except (OSError, TimeoutError) as exc:
                last_error = exc
                continue
            _note(self.allowed, {"request": what, "ip": addr, "port": port})
            return upstream
        _note(
            self.blocked, {"request": what, "kind": "connect", "reason": str(last_error), "at": time.time()}
        )
        await _reply(writer, 502, f"cannot connect to {host}:{port}: {last_error}", "connect")
        return None


def _note(log: list[dict[str, Any]], entry: dict[str, Any]) -> None:
    """Bounded evidence log: a page firing thousands of requests must not grow it without end."""
    if len(log) < MAX_LOG_ENTRIES:
        entry["request"] = entry["request"][:2048]
        log.append(entry)


async def _reply(writer: asyncio.StreamWriter, status: int, text: str, kind: str) -> None:
    reason = {400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}[status]
    body = text.encode()
    writer.write(
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
        f"{BLOCKED_HEADER}: {kind}\r\nConnection: close\r\nProxy-Connection: close\r\n\r\n".encode()
        + body
    )
    await writer.drain()


async def _relay_response(up_reader: asyncio.StreamReader, writer: asyncio.StreamWriter, cap: int) -> None:
    """Copy the response head with our `Connection: close`, so the browser opens a new proxy connection."""
    head = await up_reader.readuntil(b"\r\n\r\n")
    if len(head) > cap:
        raise ValueError("response head over the header cap")
    status_line, _, header_block = head.decode("latin-1").partition("\r\n")
    kept = [
        line
        for line in header_block.split("\r\n")
        if line and line.partition(":")[0].strip().lower() not in _HOP_BY_HOP
    ]
    writer.write(
        "\r\n".join([status_line, *kept, "Connection: close", "Proxy-Connection: close", "", ""]).encode(
            "latin-1"
        )
    )
    await writer.drain()


async def _splice(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    up_reader: asyncio.StreamReader,
    up_writer: asyncio.StreamWriter,
    *,
    head_cap: int | None = None,
) -> None:
    """Copy bytes both ways until either side closes, then close both.

    With `head_cap` (plain HTTP) the response head is rewritten first; the request body keeps flowing
    upstream meanwhile, so a POST cannot deadlock against a server waiting for it.
    """

    async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()

    async def down() -> None:
        if head_cap is not None:
            await _relay_response(up_reader, writer, head_cap)
        await pipe(up_reader, writer)

    tasks = [asyncio.create_task(pipe(reader, up_writer)), asyncio.create_task(down())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            up_writer.close()
