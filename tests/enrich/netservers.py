"""Real local servers for fetch/render tests: raw-socket HTTP (so hostile byte streams are possible),
a tiny DNS responder, and throw-away TLS certificates. Every server counts what reached it.

Servers run in their own thread and event loop, so a test's client loop can never starve them and
their counters are independent evidence of what got through.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import subprocess
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import dns.message
import dns.rcode
import dns.rrset


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request, asyncio.StreamWriter], Awaitable[None]]


async def send(
    writer: asyncio.StreamWriter,
    status: int = 200,
    body: bytes | str = b"",
    headers: dict[str, str] | None = None,
    reason: str = "OK",
) -> None:
    """Write one complete response and close the connection."""
    data = body.encode() if isinstance(body, str) else body
    head = {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Length": str(len(data)),
        "Connection": "close",
    }
    head.update(headers or {})
    lines = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in head.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data)
    await writer.drain()


def page(html: str, headers: dict[str, str] | None = None) -> Handler:
    async def handler(req: Request, writer: asyncio.StreamWriter) -> None:
        await send(writer, 200, html, headers)

    return handler


def redirect(location: str, status: int = 302) -> Handler:
    async def handler(req: Request, writer: asyncio.StreamWriter) -> None:
        await send(writer, status, b"", {"Location": location}, reason="Found")

    return handler


class LocalServer:
    """HTTP/1.x server on `host` (and on ::1 with the same port when ipv6=True), in a thread.

    `connections` counts accepted TCP connections (what "received nothing" is judged by), `requests`
    the parsed request heads, `max_in_flight` the peak number of concurrently open connections.
    """

    def __init__(
        self,
        routes: dict[str, Handler] | None = None,
        *,
        host: str = "127.0.0.1",
        ipv6: bool = False,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.routes = dict(routes or {})
        self.host, self.ipv6, self.ssl_context = host, ipv6, ssl_context
        self.port = 0
        self.connections = 0
        self.requests: list[Request] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._servers: list[asyncio.Server] = []
        self._tasks: set[asyncio.Task[None]] = set()

    def url(self, path: str = "/", host: str | None = None) -> str:
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://{host or self.host}:{self.port}{path}"

    def __enter__(self) -> LocalServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(5)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    async def _start(self) -> None:
        server = await asyncio.start_server(self._serve, self.host, 0, ssl=self.ssl_context)
        self.port = server.sockets[0].getsockname()[1]
        self._servers.append(server)
        if self.ipv6:
            self._servers.append(
                await asyncio.start_server(self._serve, "::1", self.port, ssl=self.ssl_context)
            )

    async def _stop(self) -> None:
        for server in self._servers:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {
                k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)
            }
            req = Request(method, path, headers)
            self.requests.append(req)
            handler = self.routes.get(path.split("?", 1)[0]) or self.routes.get("*")
            if handler is None:
                await send(writer, 404, "not found", reason="Not Found")
            else:
                await handler(req, writer)
        except (
            OSError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ValueError,
            asyncio.CancelledError,
        ):
            pass
        finally:
            self.in_flight -= 1
            self._tasks.discard(task)
            with contextlib.suppress(Exception):
                writer.close()


class FakeDNS:
    """UDP DNS responder on 127.0.0.1 answering A/AAAA from a dict; unknown names get NXDOMAIN."""

    def __init__(self, records: dict[str, list[str]]) -> None:
        self.records = {k.rstrip(".").lower(): v for k, v in records.items()}
        self.queries: list[str] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self._sock.getsockname()[1]}"
        self._sock.settimeout(0.05)  # so the thread notices `_stopped` (close() does not wake recvfrom)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> FakeDNS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped.set()
        self._thread.join(2)
        self._sock.close()

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                data, peer = self._sock.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(data)
            question = query.question[0]
            name = question.name.to_text().rstrip(".").lower()
            self.queries.append(name)
            response = dns.message.make_response(query)
            if name not in self.records:
                response.set_rcode(dns.rcode.NXDOMAIN)
            rdtype = dns.rdatatype.to_text(question.rdtype)
            want_v6 = rdtype == "AAAA"
            answers = [a for a in self.records.get(name, []) if (":" in a) == want_v6]
            if answers and rdtype in ("A", "AAAA"):
                response.answer.append(dns.rrset.from_text_list(question.name, 60, "IN", rdtype, answers))
            self._sock.sendto(response.to_wire(), peer)


@dataclass
class Certs:
    ca: Path
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, self.key)
        return ctx


def make_certs(folder: Path, *, self_signed: bool = False, names: tuple[str, ...] = ("tls.test",)) -> Certs:
    """A CA and a leaf for `names` + 127.0.0.1 (or one self-signed leaf), via the openssl CLI."""

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=folder)

    san = ",".join([f"DNS:{n}" for n in names] + ["IP:127.0.0.1"])
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    if self_signed:
        run(
            "req",
            "-x509",
            *ec,
            "-subj",
            f"/CN={names[0]}",
            "-days",
            "2",
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.pem",
            "-addext",
            f"subjectAltName={san}",
        )
        return Certs(folder / "leaf.pem", folder / "leaf.pem", folder / "leaf.key")
    run(
        "req",
        "-x509",
        *ec,
        "-subj",
        "/CN=Sitewarden Test CA/O=Sitewarden Tests",
        "-days",
        "2",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    )
    run("req", *ec, "-subj", f"/CN={names[0]}", "-keyout", "leaf.key", "-out", "leaf.csr")
    (folder / "ext.cnf").write_text(f"subjectAltName={san}\nextendedKeyUsage=serverAuth\n")
    run(
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        "leaf.pem",
        "-extfile",
        "ext.cnf",
    )
    return Certs(folder / "ca.pem", folder / "leaf.pem", folder / "leaf.key")
