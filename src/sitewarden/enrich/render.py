"""Headless rendering in Debian's Chromium via Playwright: screenshot, DOM after scripts, request log.

Every browser connection goes through a per-job `VettingProxy` (loopback not bypassed), so Chromium
reaches exactly what `fetch()` may reach, with the same pin. Each job gets a fresh context with service
workers and downloads blocked and dialogs dismissed, under a navigation deadline (the page is captured as
it stands when it never finishes loading) inside a job deadline; the browser is recycled every
`render_recycle_after` pages and killed when it stops answering.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sitewarden.enrich.fetch import parse_url
from sitewarden.enrich.proxy import BLOCKED_HEADER, VettingProxy
from sitewarden.enrich.ssrf import Refused, vet

try:
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import TimeoutError as PlaywrightTimeout
    from playwright.async_api import async_playwright

    _PLAYWRIGHT_MISSING = ""
except ImportError:  # optional dependency; available() says so and scans fall back to static analysis
    PlaywrightError = PlaywrightTimeout = RuntimeError  # type: ignore[misc,assignment]
    _PLAYWRIGHT_MISSING = "Playwright is not installed (pip install 'sitewarden[render]')"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "mobile": {"width": 390, "height": 844}}
NAVIGATION_SHARE = 0.6  # of the job deadline; the rest is kept for capturing a page that never loads
CLOSE_TIMEOUT = 5.0  # a context or browser that does not close within this is killed
MAX_LOG_ENTRIES = 1000
_NOT_HTTP = re.compile(r"^(?!https?://)", re.IGNORECASE)
_NET_ERRORS = {
    "ERR_CERT": "tls",
    "ERR_SSL": "tls",
    "ERR_NAME_NOT_RESOLVED": "dns",
    "ERR_CONNECTION": "connect",
    "ERR_ADDRESS_UNREACHABLE": "connect",
    "ERR_TIMED_OUT": "timeout",
    "ERR_TOO_MANY_REDIRECTS": "too_many_redirects",
    "ERR_EMPTY_RESPONSE": "bad_response",
    "ERR_INVALID_RESPONSE": "bad_response",
    "ERR_RESPONSE_HEADERS_TOO_BIG": "headers_too_large",
}


class RenderUnavailable(RuntimeError):
    """Chromium or Playwright is missing or will not start; the message says why (scans fall back to
    static analysis)."""


@dataclass
class RenderResult:
    url: str
    final_url: str
    screenshot_png: bytes | None = None
    dom_html: str | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    blocked: list[dict[str, Any]] = field(default_factory=list)
    dialogs: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    error_kind: str | None = None
    status: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        del out["screenshot_png"], out["dom_html"]
        out["screenshot_bytes"] = len(self.screenshot_png or b"")
        out["dom_chars"] = len(self.dom_html or "")
        return out

    def fail(self, kind: str, message: str) -> None:
        if self.error_kind is None:  # the first cause is the one worth reporting
            self.error_kind, self.error = kind, message


@dataclass
class _Browser:
    """One Chromium process generation; retired after `render_recycle_after` pages, closed when idle."""

    browser: Any
    pages: int = 0
    active: int = 0
    retired: bool = False


class RenderPool:
    """`async with RenderPool(settings) as pool: await pool.render(url)`; at most render_pool_size at once."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.launches = 0
        self._pw: Any = None
        self._guard: VettingProxy | None = None  # browser-wide fallback proxy; jobs override per context
        self._current: _Browser | None = None
        self._slots = asyncio.Semaphore(settings.render_pool_size)
        self._launch_lock = asyncio.Lock()

    @staticmethod
    def available(settings: Any) -> tuple[bool, str]:
        """(True, where) or (False, why not) without starting anything."""
        if not settings.render_enabled:
            return False, "rendering disabled (render_enabled = false)"
        if _PLAYWRIGHT_MISSING:
            return False, _PLAYWRIGHT_MISSING
        path = Path(settings.chromium_path)
        if not path.is_file() or not os.access(path, os.X_OK):
            return False, f"no Chromium executable at {path} (Debian: apt install chromium)"
        return True, f"Chromium at {path}"

    async def __aenter__(self) -> RenderPool:
        ok, why = self.available(self.settings)
        if not ok:
            raise RenderUnavailable(why)
        self._guard = await VettingProxy(self.settings).start()
        try:
            self._pw = await async_playwright().start()
            async with self._launch_lock:
                self._current = await self._launch()
        except PlaywrightError as exc:
            await self.__aexit__(None, None, None)
            raise RenderUnavailable(
                f"Chromium at {self.settings.chromium_path} did not start: {_first_line(exc)}"
            ) from None
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._current is not None:
            await self._close_browser(self._current)
        if self._pw is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(CLOSE_TIMEOUT):
                    await self._pw.stop()
        if self._guard is not None:
            await self._guard.close()

    async def render(self, url: str, *, pin_ip: str | None = None, profile: str = "desktop") -> RenderResult:
        """Render one page; target problems end up in error/error_kind, never as exceptions."""
        if profile not in VIEWPORTS:
            raise ValueError(f"render: unknown profile {profile!r} (desktop or mobile)")
        result = RenderResult(url=url, final_url=url)
        started = time.monotonic()
        try:
            target = parse_url(url, "url")
            port = target.port or (443 if target.scheme == "https" else 80)
            await vet(target.raw_host or "", port, self.settings, pin_ip=pin_ip)
        except Refused as exc:
            result.fail(exc.kind, str(exc))
            return result
        async with self._slots:
            result.timings["queue"] = round(time.monotonic() - started, 4)
            try:
                async with asyncio.timeout(self.settings.render_timeout_seconds):
                    await self._job(result, str(target), target.raw_host or "", pin_ip, profile)
            except TimeoutError:
                result.fail(
                    "timeout", f"render did not finish within {self.settings.render_timeout_seconds:g} s"
                )
            except PlaywrightError as exc:
                result.fail("browser", f"browser failure: {_first_line(exc)}")
        result.timings["total"] = round(time.monotonic() - started, 4)
        return result

    async def _job(self, result: RenderResult, url: str, host: str, pin_ip: str | None, profile: str) -> None:
        gen = await self._acquire_browser()
        proxy = await VettingProxy(self.settings, pin=(host, pin_ip) if pin_ip else None).start()
        context = None
        try:
            context = await gen.browser.new_context(
                proxy={"server": proxy.url, "bypass": "<-loopback>"},
                service_workers="block",
                accept_downloads=False,
                viewport=VIEWPORTS[profile],
                is_mobile=profile == "mobile",
                has_touch=profile == "mobile",
                user_agent=self.settings.fetch_mobile_user_agent
                if profile == "mobile"
                else self.settings.fetch_user_agent,
            )
            await context.route(_NOT_HTTP, lambda route: _refuse_scheme(route, result))
            _watch(context, result)
            page = await context.new_page()
            if await self._navigate(page, result, url, proxy):
                await self._capture(page, result)
        finally:
            result.blocked.extend(proxy.blocked)
            await self._release(gen, context)
            await proxy.close()

    async def _navigate(self, page: Any, result: RenderResult, url: str, proxy: VettingProxy) -> bool:
        """Load the page; False when there is nothing worth capturing."""
        t0 = time.monotonic()
        budget = self.settings.render_timeout_seconds * NAVIGATION_SHARE
        try:
            response = await page.goto(url, wait_until="load", timeout=budget * 1000)
        except PlaywrightTimeout:
            result.fail("timeout", f"page did not finish loading within {budget:g} s; captured as it stood")
            return True
        except PlaywrightError as exc:
            message = _first_line(exc)
            if "Download is starting" in message:
                result.fail("download", f"{url} answers with a file download (blocked)")
            elif "ERR_TUNNEL_CONNECTION_FAILED" in message and proxy.blocked:  # CONNECT refused by the guard
                refusal = proxy.blocked[-1]
                result.fail(refusal["kind"], f"navigation to {url} refused: {refusal['reason']}")
            else:
                result.fail(_net_error_kind(message), f"navigation to {url} failed: {message}")
            return False
        finally:
            result.timings["navigate"] = round(time.monotonic() - t0, 4)
        if response is not None:
            result.status = response.status
            verdict = await response.header_value(BLOCKED_HEADER)
            if verdict:
                result.final_url = response.url
                result.fail(verdict, f"navigation to {response.url} refused by the SSRF guard")
                return False
        return True

    async def _capture(self, page: Any, result: RenderResult) -> None:
        t0 = time.monotonic()
        # Kits often build the form a moment after load (timers, fetched config): let the page settle.
        # Skipped when loading already ran out of time; never longer than the capture's share of the deadline.
        settle = min(self.settings.render_settle_seconds,
                     self.settings.render_timeout_seconds * (1 - NAVIGATION_SHARE) / 2)
        if result.error_kind is None and settle > 0:
            with contextlib.suppress(PlaywrightTimeout, PlaywrightError):
                await page.wait_for_load_state("networkidle", timeout=settle * 1000)
        result.timings["settle"] = round(time.monotonic() - t0, 4)
        result.final_url = page.url
        result.screenshot_png = await page.screenshot(type="png")
        result.dom_html = await page.content()
        result.timings["capture"] = round(time.monotonic() - t0, 4)

    # --- browser lifecycle -----------------------------------------------------------------

    async def _launch(self) -> _Browser:
        assert self._guard is not None
        browser = await self._pw.chromium.launch(
            executable_path=str(self.settings.chromium_path),
            args=CHROMIUM_ARGS,
            headless=True,
            proxy={"server": self._guard.url, "bypass": "<-loopback>"},
            handle_sigint=False,
            handle_sigterm=False,
            handle_sighup=False,
        )
        self.launches += 1
        return _Browser(browser)

    async def _acquire_browser(self) -> _Browser:
        async with self._launch_lock:
            gen = self._current
            if gen is None or gen.retired or not gen.browser.is_connected():
                gen = self._current = await self._launch()
            gen.pages += 1
            gen.active += 1
            if gen.pages >= self.settings.render_recycle_after:
                gen.retired = True  # later jobs get a fresh browser; this one closes when idle
            return gen

    async def _release(self, gen: _Browser, context: Any) -> None:
        gen.active -= 1
        if context is not None:
            try:
                async with asyncio.timeout(CLOSE_TIMEOUT):
                    await context.close()
            except (TimeoutError, PlaywrightError):
                gen.retired = True  # a context that will not close means a wedged browser
                await self._kill(gen)
                return
        if gen.retired and gen.active == 0:
            await self._close_browser(gen)

    async def _close_browser(self, gen: _Browser) -> None:
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await gen.browser.close()
        except (TimeoutError, PlaywrightError):
            await self._kill(gen)

    async def _kill(self, gen: _Browser) -> None:
        """Last resort for a hung browser: stop the Playwright driver, which kills its browsers."""
        async with self._launch_lock:
            if self._current is gen:
                self._current = None
            with contextlib.suppress(Exception):
                async with asyncio.timeout(CLOSE_TIMEOUT):
                    await self._pw.stop()
            self._pw = await async_playwright().start()


def _watch(context: Any, result: RenderResult) -> None:
    """Log requests, dismiss dialogs, record refused downloads: for the page and any popup it opens."""
    entries: dict[Any, dict[str, Any]] = {}

    def on_request(request: Any) -> None:
        if len(result.requests) < MAX_LOG_ENTRIES:
            entry = {"url": request.url[:2048], "method": request.method, "type": request.resource_type}
            entries[request] = entry
            result.requests.append(entry)

    def on_response(response: Any) -> None:
        entry = entries.get(response.request)
        if entry is not None:
            entry["status"] = response.status

    def on_failed(request: Any) -> None:
        entry = entries.get(request)
        if entry is not None:
            entry["failure"] = request.failure

    async def on_dialog(dialog: Any) -> None:
        result.dialogs += 1
        with contextlib.suppress(PlaywrightError):
            await dialog.dismiss()

    def on_download(download: Any) -> None:
        result.blocked.append(
            {"request": download.url[:2048], "kind": "download", "reason": "downloads are blocked"}
        )

    context.on("request", on_request)
    context.on("response", on_response)
    context.on("requestfailed", on_failed)
    context.on("dialog", on_dialog)
    context.on("page", lambda page: page.on("download", on_download))


async def _refuse_scheme(route: Any, result: RenderResult) -> None:
    if len(result.blocked) < MAX_LOG_ENTRIES:
        result.blocked.append(
            {"request": route.request.url[:2048], "kind": "invalid_url", "reason": "not http(s)"}
        )
    await route.abort("blockedbyclient")


def _net_error_kind(message: str) -> str:
    return next((kind for code, kind in _NET_ERRORS.items() if code in message), "navigation")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:500]
