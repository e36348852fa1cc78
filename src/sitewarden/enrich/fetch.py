"""SSRF-safe HTTP fetch (aiohttp) with hard limits; never raises for a bad or hostile target.

The guard sits at the connection layer: each hop's host is resolved once by `ssrf.vet`, every answer is
checked, and the connector's resolver hands aiohttp exactly those addresses (via a context variable), so
no second lookup can swap in an internal address. Redirects are followed by hand, each hop vetted again.
"""

from __future__ import annotations

import asyncio
import contextvars
import socket
import time
import weakref
from dataclasses import asdict, dataclass, field
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from sitewarden.enrich import tls
from sitewarden.enrich.ssrf import Refused, parse_ip, vet
from sitewarden.work.limits import limiter

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ACCEPT_LANGUAGE = "zh-CN,zh;q=0.9,en;q=0.8"
# aiohttp's parser reports its line/field/count limits only through these messages
_HEADER_LIMIT_MESSAGES = ("Got more than", "Too many headers")


@dataclass
class _Hop:
    """Per-request state shared with the connector: the vetted addresses in, the peer seen out."""

    host: str
    addrs: list[str]
    ip: str | None = None
    peercert: dict[str, Any] | None = None
    peer_der: bytes | None = None


_HOP: contextvars.ContextVar[_Hop] = contextvars.ContextVar("sitewarden_hop")
_GUARDED_SESSIONS: weakref.WeakSet[aiohttp.ClientSession] = weakref.WeakSet()


@dataclass
class FetchResult:
    """Outcome of one fetch. status/headers/body/ip describe the last response received."""

    url: str
    final_url: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    truncated: bool = False
    content_type: str | None = None
    ip: str | None = None
    redirects: list[dict[str, Any]] = field(default_factory=list)
    tls: dict[str, Any] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    error_kind: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        del out["body"]
        out["body_bytes"] = len(self.body)
        return out


class _VettedResolver(AbstractResolver):
    """Answers only with addresses the guard approved for this task; anything else fails closed."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        hop = _HOP.get(None)
        if hop is None or hop.host != host:
            raise OSError(f"{host} was not vetted by the SSRF guard")
        return [
            {
                "hostname": host,
                "host": addr,
                "port": port,
                "family": socket.AF_INET6 if ":" in addr else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for addr in hop.addrs
        ]

    async def close(self) -> None:
        return None


class _GuardedConnector(aiohttp.TCPConnector):
    """Notes the peer address and certificate of each new connection while the transport is at hand."""

    async def connect(self, *args: Any, **kwargs: Any) -> Any:
        conn = await super().connect(*args, **kwargs)
        hop = _HOP.get(None)
        if hop is not None and conn.transport is not None:
            peer = conn.transport.get_extra_info("peername")
            hop.ip = str(peer[0]) if peer else None
            ssl_object = conn.transport.get_extra_info("ssl_object")
            hop.peercert = ssl_object.getpeercert() if ssl_object else None
            hop.peer_der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
        return conn


def open_session(settings: Any) -> aiohttp.ClientSession:
    """A guarded session to share between fetches (call inside the event loop; close it when done)."""
    connector = _GuardedConnector(
        resolver=_VettedResolver(),
        use_dns_cache=False,
        force_close=True,  # a pooled connection must not outlive the pin/vetting it was opened under
        ssl=tls.client_context(settings),
        limit=0,
    )
    session = aiohttp.ClientSession(
        connector=connector,
        trust_env=False,
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=True,
        max_line_size=settings.fetch_max_header_bytes,
        max_field_size=settings.fetch_max_header_bytes,
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=settings.fetch_connect_timeout_seconds),
    )
    _GUARDED_SESSIONS.add(session)
    return session


async def fetch(
    url: str,
    settings: Any,
    *,
    profile: str = "desktop",
    referer: str | None = None,
    pin_ip: str | None = None,
    session: aiohttp.ClientSession | None = None,
) -> FetchResult:
    """GET `url` following redirects by hand; every problem is recorded in error/error_kind."""
    if session is not None and session not in _GUARDED_SESSIONS:
        raise ValueError("fetch(session=...) needs a session from fetch.open_session()")
    if profile not in ("desktop", "mobile"):
        raise ValueError(f"fetch: unknown profile {profile!r} (desktop or mobile)")
    result = FetchResult(url=url, final_url=url)
    started = time.monotonic()
    own = session is None
    try:
        async with asyncio.timeout(settings.fetch_timeout_seconds):
            if own:
                session = open_session(settings)
            assert session is not None
            await _follow(result, session, settings, profile=profile, referer=referer, pin_ip=pin_ip)
    except TimeoutError:
        _fail(result, "timeout", f"no complete answer within {settings.fetch_timeout_seconds:g} s")
    except Refused as exc:
        _fail(result, exc.kind, str(exc))
    finally:
        if own and session is not None:
            await session.close()
        result.timings["total"] = round(time.monotonic() - started, 4)
    return result


def _fail(result: FetchResult, kind: str, message: str) -> None:
    result.error_kind, result.error = kind, message


async def _follow(
    result: FetchResult,
    session: aiohttp.ClientSession,
    settings: Any,
    *,
    profile: str,
    referer: str | None,
    pin_ip: str | None,
) -> None:
    url = parse_url(result.url, "url")
    pinned_host = url.raw_host if pin_ip else None
    cookies: dict[str, dict[str, str]] = {}
    seen: set[tuple[str, str]] = set()
    headers = {
        "User-Agent": settings.fetch_mobile_user_agent if profile == "mobile" else settings.fetch_user_agent,
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "Accept-Language": ACCEPT_LANGUAGE,
    }
    if referer:
        headers["Referer"] = referer
    for hop in range(settings.fetch_max_redirects + 1):
        host = url.raw_host or ""
        jar = cookies.setdefault(host, {})
        cookie_header = "; ".join(f"{k}={v}" for k, v in jar.items())
        if (str(url), cookie_header) in seen:
            raise Refused("redirect_loop", f"redirect {hop} returns to {url} already visited")
        seen.add((str(url), cookie_header))
        hop_headers = dict(headers, Cookie=cookie_header) if cookie_header else headers
        location, set_cookies = await _hop(
            result, session, settings, url, hop_headers, pin_ip if host == pinned_host else None
        )
        jar.update(set_cookies)
        if location is None:
            return
        result.redirects.append(
            {"url": str(url), "status": result.status, "ip": result.ip, "location": location}
        )
        url = parse_url(location, f"redirect {hop + 1} from {url}", base=url)
        headers.pop("Referer", None)
    raise Refused("too_many_redirects", f"more than {settings.fetch_max_redirects} redirects (last to {url})")


def parse_url(text: str, where: str, *, base: URL | None = None) -> URL:
    """A canonical http(s) URL; numeric hosts rewritten to the address they reach (`127.1` -> 127.0.0.1).

    Raises Refused(kind="invalid_url") naming `where` (e.g. "url", "redirect 3 from ...").
    """
    try:
        url = base.join(URL(text)) if base is not None else URL(text)
        host = url.raw_host
    except (ValueError, TypeError, UnicodeError) as exc:
        raise Refused("invalid_url", f"{where}: {text!r} is not a valid URL ({exc})") from None
    if url.scheme not in ("http", "https"):
        raise Refused("invalid_url", f"{where}: scheme {url.scheme or '(none)'!r} of {text!r} is not http(s)")
    if not host:
        raise Refused("invalid_url", f"{where}: {text!r} has no host")
    literal = parse_ip(host)
    if literal is not None and str(literal) != host.strip("[]"):
        url = url.with_host(str(literal))
    return url.with_fragment(None)


async def _hop(
    result: FetchResult,
    session: aiohttp.ClientSession,
    settings: Any,
    url: URL,
    headers: dict[str, str],
    pin_ip: str | None,
) -> tuple[str | None, dict[str, str]]:
    """One request; fills `result` from the response, returns the redirect target and cookies set."""
    host = url.raw_host or ""
    port = url.port or (443 if url.scheme == "https" else 80)
    t0 = time.monotonic()
    try:
        addrs = await vet(host, port, settings, pin_ip=pin_ip)
    except Refused as exc:
        where = f"redirect to {url}" if result.redirects else "url"
        raise Refused(exc.kind, f"{where}: {exc}") from None
    result.timings["resolve"] = round(result.timings.get("resolve", 0.0) + time.monotonic() - t0, 4)
    hop = _Hop(host, addrs)
    token = _HOP.set(hop)
    try:
        async with (
            limiter(f"host:{host}", settings.fetch_per_host_concurrency),
            limiter(f"ip:{addrs[0]}", settings.fetch_per_ip_concurrency),
        ):
            return await _request(result, session, settings, url, headers, hop)
    finally:
        _HOP.reset(token)


async def _request(
    result: FetchResult,
    session: aiohttp.ClientSession,
    settings: Any,
    url: URL,
    headers: dict[str, str],
    hop: _Hop,
) -> tuple[str | None, dict[str, str]]:
    t0 = time.monotonic()
    try:
        async with session.get(url, headers=headers, allow_redirects=False) as resp:
            result.timings["headers"] = round(time.monotonic() - t0, 4)
            _record_response(result, url, resp)
            result.ip, result.tls = hop.ip, tls.certificate_info(hop.peercert, hop.peer_der)
            cookies = {name: morsel.value for name, morsel in resp.cookies.items()}
            location = resp.headers.get("Location") if resp.status in REDIRECT_STATUSES else None
            if location is None:
                await _read_body(result, resp, settings.fetch_max_body_bytes)
            return location, cookies
    except aiohttp.ClientSSLError as exc:
        raise Refused("tls", f"TLS with {url.host}: {exc}") from None
    except aiohttp.ServerTimeoutError as exc:  # connect deadline (the overall one is fetch()'s)
        raise Refused("timeout", f"{url.host}:{url.port}: {exc}") from None
    except aiohttp.ClientConnectorError as exc:
        raise Refused("connect", f"connect to {url.host}:{url.port}: {exc.os_error}") from None
    except aiohttp.ClientResponseError as exc:
        kind = (
            "headers_too_large"
            if any(m in str(exc.message) for m in _HEADER_LIMIT_MESSAGES)
            else "bad_response"
        )
        raise Refused(kind, f"{url}: {exc.message}") from None
    except (aiohttp.ClientError, OSError) as exc:
        raise Refused("bad_response", f"{url}: {type(exc).__name__}: {exc}") from None


def _record_response(result: FetchResult, url: URL, resp: aiohttp.ClientResponse) -> None:
    result.final_url = str(url)
    result.status = resp.status
    headers: dict[str, str] = {}
    for key, value in resp.headers.items():
        k = key.lower()
        headers[k] = f"{headers[k]}, {value}" if k in headers else value
    result.headers = headers
    result.content_type = resp.content_type if "content-type" in headers else None
    result.body, result.truncated = b"", False


async def _read_body(result: FetchResult, resp: aiohttp.ClientResponse, cap: int) -> None:
    """Stream decoded bytes (so decompression bombs count at their inflated size), stop at the cap."""
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in resp.content.iter_any():
            room = cap - size
            if len(chunk) > room:
                chunks.append(chunk[:room])
                result.truncated = True
                raise Refused("too_large", f"body larger than {cap} decoded bytes; kept the first {cap}")
            chunks.append(chunk)
            size += len(chunk)
    finally:
        result.body = b"".join(chunks)
