"""Renderer in real Chromium: the SSRF proof (nothing reaches an internal server), hostile pages that
never load or loop on dialogs, downloads, recycling, profiles and pins."""

from __future__ import annotations

import asyncio
import os
import shutil
import struct
import time
from pathlib import Path

import pytest

from sitewarden.enrich import render as render_module
from sitewarden.enrich.render import RenderPool, RenderResult, RenderUnavailable
from sitewarden.settings import load_settings
from tests.enrich.netservers import LocalServer, Request, make_certs, page, redirect, send

SITE = "127.0.0.2"


def _settings(**overrides):  # type: ignore[no-untyped-def]
    base = {
        "fetch_allow_any_port": True,
        "fetch_allowed_networks": [f"{SITE}/32"],
        "render_timeout_seconds": 6,
        "render_pool_size": 2,
    }
    return load_settings(**(base | overrides))


@pytest.fixture(autouse=True)
def _chromium(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("browser") is None:
        return
    ok, why = RenderPool.available(load_settings())
    if not ok:
        if os.environ.get("SITEWARDEN_REQUIRE_SERVICES") == "1":
            pytest.fail(f"SITEWARDEN_REQUIRE_SERVICES=1 but {why}")
        pytest.skip(why)


def _render(settings, *urls: str, **kwargs) -> list[RenderResult]:  # type: ignore[no-untyped-def]
    async def go() -> list[RenderResult]:
        async with RenderPool(settings) as pool:
            return [await pool.render(u, **kwargs) for u in urls]

    return asyncio.run(go())


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", png[16:24])


def _snooping_page(port: int) -> str:
    internal = f"127.0.0.1:{port}"
    return f"""<!doctype html><html><head><title>Shop</title>
<link rel="stylesheet" href="http://{internal}/style.css"><script src="http://localhost:{port}/app.js"></script>
</head><body><h1>Welcome to the shop</h1>
<img src="http://{internal}/pixel.png"><img src="http://2130706433:{port}/decimal.png">
<img src="http://[::ffff:127.0.0.1]:{port}/mapped.png"><img src="http://169.254.169.254/latest/meta-data/">
<iframe src="http://{internal}/frame"></iframe>
<script>
fetch("http://{internal}/fetch").catch(() => {{}});
fetch("https://{internal}/tls").catch(() => {{}});
fetch("http://169.254.169.254/latest/meta-data/iam/").catch(() => {{}});
try {{ new WebSocket("ws://{internal}/ws"); }} catch (e) {{}}
navigator.sendBeacon("http://{internal}/beacon", "x");
</script></body></html>"""


@pytest.mark.browser
def test_chromium_reaches_no_internal_address() -> None:
    with LocalServer({"*": page("internal secret")}, ipv6=True) as internal:
        routes = {
            "/": page(_snooping_page(internal.port)),
            "/go": redirect(internal.url("/admin")),
            "/go-tls": redirect(f"https://127.0.0.1:{internal.port}/admin"),
        }
        with LocalServer(routes, host=SITE) as site:
            shop, bounced, tunnelled = _render(
                _settings(), site.url("/"), site.url("/go"), site.url("/go-tls")
            )
        assert internal.connections == 0, internal.requests
    assert shop.error is None and shop.status == 200
    assert "Welcome to the shop" in (shop.dom_html or "")
    assert _png_size(shop.screenshot_png or b"") == (1280, 800)
    refused = " ".join(b["request"] for b in shop.blocked)
    for needle in (
        "/pixel.png",
        "/decimal.png",
        "/mapped.png",
        "169.254.169.254",
        "/frame",
        "/fetch",
        "/app.js",
    ):
        assert needle in refused, needle
    assert {b["kind"] for b in shop.blocked} == {"blocked_address"}
    assert any(r["url"].endswith("/pixel.png") for r in shop.requests)
    assert bounced.error_kind == "blocked_address" and bounced.screenshot_png is None
    assert bounced.final_url == internal.url("/admin")
    assert tunnelled.error_kind == "blocked_address" and "loopback" in (tunnelled.error or "")


@pytest.mark.browser
def test_control_the_same_page_does_reach_the_server_once_its_address_is_allowed() -> None:
    """Proves the test above is sensitive: open 127.0.0.1 too and the requests arrive."""
    with LocalServer({"*": page("internal")}, ipv6=True) as internal:
        with LocalServer({"/": page(_snooping_page(internal.port))}, host=SITE) as site:
            settings = _settings(fetch_allowed_networks=[f"{SITE}/32", "127.0.0.1/32"])
            [shop] = _render(settings, site.url("/"))
        paths = {r.path for r in internal.requests}
    assert shop.error is None
    assert {"/pixel.png", "/decimal.png", "/frame", "/fetch"} <= paths
    assert all("169.254.169.254" in b["request"] for b in shop.blocked if b["kind"] == "blocked_address")


async def _never_finishes(req: Request, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<h1>Half a page</h1>")
    await writer.drain()
    await asyncio.sleep(3600)


@pytest.mark.browser
def test_page_that_never_finishes_is_captured_as_it_stood_within_the_deadline() -> None:
    with LocalServer({"/": _never_finishes}, host=SITE) as site:
        t0 = time.monotonic()
        [result] = _render(_settings(render_timeout_seconds=4), site.url("/"))
        elapsed = time.monotonic() - t0
    assert result.error_kind == "timeout"
    assert "Half a page" in (result.dom_html or "") and result.screenshot_png
    assert result.timings["total"] < 4 + 1 and elapsed < 15  # includes starting and stopping Chromium


@pytest.mark.browser
def test_dialog_loop_is_dismissed_and_the_pool_keeps_working() -> None:
    routes = {
        "/loop": page("<script>for (;;) { alert('you won'); confirm('claim?'); }</script>"),
        "/ok": page("<h1>fine</h1>"),
    }
    with LocalServer(routes, host=SITE) as site:
        looping, after = _render(_settings(render_timeout_seconds=3), site.url("/loop"), site.url("/ok"))
    assert looping.error_kind == "timeout" and looping.dialogs > 5
    assert looping.timings["total"] < 3 + 1
    assert after.error is None and "fine" in (after.dom_html or "")


@pytest.mark.browser
def test_popup_requests_are_logged() -> None:
    routes = {
        "/": page("<h1>main</h1><script>window.open('/popup')</script>"),
        "/popup": page("<script>alert('prize')</script><p>popup</p>"),
    }
    with LocalServer(routes, host=SITE) as site:
        [result] = _render(_settings(), site.url("/"))
    assert result.error is None
    assert any(r["url"].endswith("/popup") for r in result.requests)


@pytest.mark.browser
def test_downloads_are_blocked_and_recorded() -> None:
    apk = {
        "Content-Type": "application/vnd.android.package-archive",
        "Content-Disposition": "attachment; x.apk",
    }
    routes = {
        "/app.apk": lambda req, w: send(w, 200, b"PK\x03\x04fake", apk),
        "/lure": page("<h1>Install our app</h1><script>setTimeout(() => location = '/app.apk', 50)</script>"),
    }
    with LocalServer(routes, host=SITE) as site:
        direct, lure = _render(_settings(), site.url("/app.apk"), site.url("/lure"))
    assert direct.error_kind == "download"
    assert lure.error is None and "Install our app" in (lure.dom_html or "")


@pytest.mark.browser
def test_browser_is_recycled_every_n_pages() -> None:
    async def go() -> tuple[int, list[RenderResult]]:
        async with RenderPool(_settings(render_recycle_after=2)) as pool:
            results = [await pool.render(url) for _ in range(5)]
            return pool.launches, results

    with LocalServer({"/": page("<h1>x</h1>")}, host=SITE) as site:
        url = site.url("/")
        launches, results = asyncio.run(go())
    assert launches == 3 and all(r.error is None for r in results)


@pytest.mark.browser
def test_mobile_profile_and_pin() -> None:
    settings = _settings()
    with LocalServer({"/": page("<h1>m</h1>")}, host=SITE) as site:
        url = f"http://customer-shop.test:{site.port}/"
        [result] = _render(settings, url, pin_ip=SITE, profile="mobile")
    assert result.error is None and _png_size(result.screenshot_png or b"") == (390, 844)
    doc = site.requests[0]
    assert doc.headers["host"] == f"customer-shop.test:{site.port}"
    assert doc.headers["user-agent"] == settings.fetch_mobile_user_agent


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI not installed")
def test_untrusted_certificate_is_a_tls_error(tmp_path: Path) -> None:
    certs = make_certs(tmp_path, self_signed=True)
    with LocalServer({"/": page("x")}, host=SITE, ssl_context=certs.server_context()) as site:
        [result] = _render(_settings(), site.url("/"))
    assert result.error_kind == "tls" and result.screenshot_png is None


def test_blocked_start_url_is_refused_before_any_browser_work() -> None:
    async def go() -> RenderResult:
        pool = RenderPool(_settings())  # not entered: no browser needed to refuse
        return await pool.render("http://169.254.169.254/latest/meta-data/")

    result = asyncio.run(go())
    assert result.error_kind == "blocked_address" and "metadata" in (result.error or "")


def test_missing_chromium_is_reported_not_crashed(tmp_path: Path) -> None:
    settings = load_settings(chromium_path=tmp_path / "no-chromium")
    ok, why = RenderPool.available(settings)
    assert not ok and str(tmp_path / "no-chromium") in why

    async def enter() -> None:
        async with RenderPool(settings):
            pass

    with pytest.raises(RenderUnavailable, match="no Chromium"):
        asyncio.run(enter())
    assert RenderPool.available(load_settings(render_enabled=False))[0] is False


class _HangingBrowser:
    """Wraps a real Browser whose close() never returns: the pool must kill it and carry on."""

    def __init__(self, real: object) -> None:
        self.real = real

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)

    async def close(self) -> None:
        await asyncio.sleep(3600)


@pytest.mark.browser
def test_dead_or_hung_browser_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render_module, "CLOSE_TIMEOUT", 0.5)

    async def go(url: str) -> tuple[list[int], list[RenderResult], float]:
        async with RenderPool(_settings(render_recycle_after=2)) as pool:
            results = [await pool.render(url)]
            assert pool._current is not None
            await pool._current.browser.close()  # the browser dies under the pool
            results.append(await pool.render(url))  # -> relaunched
            launches = [pool.launches]
            pool._current.browser = _HangingBrowser(pool._current.browser)
            t0 = time.monotonic()
            results.append(await pool.render(url))  # 2nd page of this browser: recycling it hangs -> killed
            killed_in = time.monotonic() - t0
            assert pool._current is None
            results.append(await pool.render(url))  # and a fresh one takes over
            return [*launches, pool.launches], results, killed_in

    with LocalServer({"/": page("<h1>alive</h1>")}, host=SITE) as site:
        launches, results, killed_in = asyncio.run(go(site.url("/")))
    assert [r.error for r in results] == [None] * 4
    assert launches == [2, 3] and killed_in < 5


@pytest.mark.browser
def test_chromium_that_will_not_start_is_reported_as_unavailable(tmp_path: Path) -> None:
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\necho 'this is not a browser' >&2\nexit 3\n")
    broken.chmod(0o755)
    settings = _settings(chromium_path=broken)
    assert RenderPool.available(settings)[0]  # it exists and is executable ...

    async def enter() -> None:
        async with RenderPool(settings):
            pass

    with pytest.raises(RenderUnavailable, match="did not start"):  # ... but entering says it failed
        asyncio.run(enter())
