"""The demo hosting farm: many customer sites behind one port, routed by the Host header.

It stands in for a hosting provider's web tier so the demo and the integration tests scan something that
behaves like the real thing: static pages per site, redirects declared in a site's `_redirects` file, and
cloaking (a site's `_mobile/` tree is served only to phones arriving from a search engine, the way real
scam sites hide from desktop crawlers and reviewers).
"""

from __future__ import annotations

import asyncio
import mimetypes
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from sitewarden.demo.sites import SITES

SITES_DIR = Path(__file__).with_name("sites")
CLOAK_DIR = "_mobile"
REDIRECTS_FILE = "_redirects"
_MOBILE_MARKERS = ("mobile", "android", "iphone")
_BOT_MARKERS = ("bot", "spider", "crawler", "slurp")
_SEARCH_ENGINES = ("baidu.com", "sogou.com", "so.com", "sm.cn", "google.", "bing.com")
_TEXT_TYPES = ("text/", "image/svg+xml")
_SERVER = {"Server": "nginx"}  # what a provider's web tier typically announces


def is_cloak_target(user_agent: str, referer: str) -> bool:
    """A phone (not a bot) that came from a search-engine result: the visitor a cloaker shows the scam."""
    ua = user_agent.lower()
    if any(m in ua for m in _BOT_MARKERS) or not any(m in ua for m in _MOBILE_MARKERS):
        return False
    ref_host = (urlsplit(referer).hostname or "").lower()
    return any(engine in ref_host for engine in _SEARCH_ENGINES)


def _read_redirects(root: Path) -> dict[str, tuple[int, str]]:
    """Parse `_redirects`: one `<path> <status> <location>` per line, '#' starts a comment."""
    path = root / REDIRECTS_FILE
    if not path.is_file():
        return {}
    rules: dict[str, tuple[int, str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("#", 1)[0].split()
        if fields:
            source, status, location = fields
            rules[source] = (int(status), location)
    return rules


def _file_for(root: Path, url_path: str) -> Path | None:
    """Map a URL path to a file under root: '/' -> index.html, '/login' -> login.html. Hidden and
    underscore-prefixed names (site configuration) are never served."""
    parts = [p for p in url_path.split("/") if p]
    if any(p.startswith((".", "_")) for p in parts):
        return None
    base = root.joinpath(*parts)
    candidates = [base / "index.html"] if url_path.endswith("/") else [base, base.with_name(base.name + ".html")]
    return next((c for c in candidates if c.is_file()), None)


class Farm:
    """One aiohttp application serving every site in SITES, with a per-host request counter."""

    def __init__(self) -> None:
        self.roots = {site.host: SITES_DIR / site.host for site in SITES}
        self.redirects = {host: _read_redirects(root) for host, root in self.roots.items()}
        self.counter: Counter[str] = Counter()
        self.app = web.Application()
        self.app.router.add_route("*", "/{tail:.*}", self._handle)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        host = (request.host or "").rsplit(":", 1)[0].lower().rstrip(".")
        self.counter[host] += 1
        root = self.roots.get(host)
        if root is None:
            return web.Response(status=404, text="404 Not Found: no site is hosted under this name\n", headers=_SERVER)
        rule = self.redirects[host].get(request.path)
        if rule is not None:
            return web.Response(status=rule[0], headers={**_SERVER, "Location": rule[1]})
        found = None
        if is_cloak_target(request.headers.get("User-Agent", ""), request.headers.get("Referer", "")):
            found = _file_for(root / CLOAK_DIR, request.path)
        found = found or _file_for(root, request.path)
        if found is None:
            return web.Response(status=404, text="404 Not Found\n", headers=_SERVER)
        ctype = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        charset = "utf-8" if ctype.startswith(_TEXT_TYPES) else None
        headers = {**_SERVER, "Vary": "User-Agent, Referer"}
        return web.Response(body=found.read_bytes(), content_type=ctype, charset=charset, headers=headers)


@dataclass
class FarmHandle:
    """What running_farm yields: the bound port, URL building and request counts for tests."""

    port: int
    farm: Farm

    def url_for(self, host: str, path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"

    def hits(self, host: str) -> int:
        return self.farm.counter[host.lower()]


async def _start(farm: Farm, host: str, port: int) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(farm.app, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner, runner.addresses[0][1]


@contextmanager
def running_farm(port: int = 0) -> Iterator[FarmHandle]:
    """Run the farm on 127.0.0.1 in a background thread with its own event loop (port 0 picks a free one)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="demo-farm", daemon=True)
    thread.start()
    farm = Farm()
    try:
        runner, bound = asyncio.run_coroutine_threadsafe(_start(farm, "127.0.0.1", port), loop).result(10)
        try:
            yield FarmHandle(port=bound, farm=farm)
        finally:
            asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


async def serve(host: str, port: int) -> None:
    """Serve the farm until cancelled, then close connections cleanly (used by `sitewarden demo-farm`)."""
    runner, _ = await _start(Farm(), host, port)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
