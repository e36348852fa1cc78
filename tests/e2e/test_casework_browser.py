"""Browser end to end (Playwright + Debian Chromium): an analyst triages a demo-farm case and decides a
suspension, a second user approves it, the signed webhook arrives at a local control plane, the customer
appeals through the notice link, the analyst restores, and the restore webhook arrives."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pydantic import SecretStr

from sitewarden.demo.farm import FarmHandle
from sitewarden.demo.sites import SITES, inventory_rows
from sitewarden.settings import Settings
from sitewarden.store import casework
from sitewarden.store.db import Store
from sitewarden.web.app import create_app
from sitewarden.web.auth import create_token, create_user
from sitewarden.work.api import Context
from sitewarden.work.inprocess import Worker
from tests.casework_support import SECRET, Receiver, make_case, webhook_receiver
from tests.conftest import need_chromium

pytestmark = pytest.mark.browser
TARGET = "icbc-vip-service.cc"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live(settings: Settings, store: Store, demo_farm: FarmHandle, tmp_path: Path) -> Iterator[tuple[str, Context, Receiver, Receiver]]:
    need_chromium()
    port = free_port()
    with webhook_receiver() as control, webhook_receiver() as customer:
        cfg = settings.model_copy(update={
            "enforcement_webhook_url": control.url, "enforcement_webhook_secret": SecretStr(SECRET.decode()),
            "notify_webhook_url": customer.url, "public_url": f"http://127.0.0.1:{port}",
            "enforcement_webhook_backoff_seconds": 0.01,
        })
        ctx = Context.from_settings(cfg, store)
        _seed(ctx, demo_farm)
        server = uvicorn.Server(uvicorn.Config(create_app(cfg, ctx), host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{port}", ctx, control, customer
        finally:
            server.should_exit = True
            thread.join(10)


def _seed(ctx: Context, farm: FarmHandle) -> None:
    """Users, and a real scan of a few demo-farm sites through the inventory API and the worker."""
    from fastapi.testclient import TestClient

    for user, role in (("ana", "analyst"), ("bob", "approver")):
        create_user(ctx.store, user, f"{user}-password-123", role)
    _, token = create_token(ctx.store, "ana", "seed", ["read", "triage"], None, actor="test")
    hosts = {TARGET, "hk-gold-invest.vip", "shop.lanshan-tea.cn"}
    rows = [r for r, site in zip(inventory_rows(farm.port), SITES, strict=True) if site.host in hosts]
    r = TestClient(create_app(ctx.settings, ctx)).post(
        "/api/v1/inventory", content="\n".join(json.dumps(r) for r in rows).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"})
    assert r.status_code == 200, r.text
    asyncio.run(Worker(ctx, 2).run(until_idle=True))
    with ctx.store.read() as s:
        assert any(c.subject == TARGET for c in casework.queue(s)), "the demo phishing site opened no case"


def log_in(page: Page, base: str, user: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", f"{user}-password-123")
    page.click("button[type=submit]")
    expect(page.locator("header.top")).to_contain_text(user)


@contextmanager
def browser_page() -> Iterator[tuple[Browser, Page, list[str]]]:
    """Debian Chromium, a fresh context, and the console errors it logs (CSP violations show up there)."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_context().new_page()
            page.set_default_timeout(10_000)
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            yield browser, page, errors
        finally:
            browser.close()


def test_queue_filters_and_bulk_triage_through_htmx(live: tuple[str, Context, Receiver, Receiver]) -> None:
    base = live[0]
    with browser_page() as (_, page, errors):
        log_in(page, base, "ana")
        page.goto(f"{base}/cases")
        rows = page.locator("#queue tbody tr")
        expect(rows).to_have_count(2)  # the two demo fraud sites; the honest tea shop opened no case
        page.select_option("form.filters select[name=tenant]", "t2001")
        expect(rows).to_have_count(1)
        assert page.url == f"{base}/cases"  # swapped in place by htmx, no navigation
        rows.first.locator("input[name=ids]").check()
        page.click("button.bulk")
        expect(page.locator("#queue .flash.ok")).to_contain_text("1 case(s) moved to triage")
        assert page.url == f"{base}/cases"  # the CSRF header came from hx-headers:inherited
        assert not [e for e in errors if "Content Security Policy" in e], errors


def test_script_payload_page_stays_inert_in_chromium(live: tuple[str, Context, Receiver, Receiver]) -> None:
    base, ctx = live[0], live[1]
    payload = "<script>alert(document.domain)</script><img src=x onerror=alert(2)>"
    case_id = make_case(ctx.store, "payload.example", title=payload, detail=f"reason {payload}")
    with browser_page() as (_, page, _errors):
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        log_in(page, base, "ana")
        page.goto(f"{base}/cases/{case_id}")
        expect(page.locator("dd.page-title")).to_have_text(payload)  # shown as text, not parsed
        expect(page.locator("td.reason").first).to_contain_text("<img src=x onerror=alert(2)>")
        page.goto(f"{base}/cases")
        page.wait_for_timeout(300)
        assert dialogs == [] and page.locator("img[src=x]").count() == 0


def test_triage_approve_webhook_appeal_restore(live: tuple[str, Context, Receiver, Receiver]) -> None:
    base, _ctx, control, customer = live
    with browser_page() as (browser, page, errors):
        def log_out() -> None:
            page.click("header.top button")
            expect(page).to_have_url(f"{base}/login")

        log_in(page, base, "ana")
        expect(page.locator("#chart-per-day")).to_have_attribute("data-drawn", "1")  # Chart.js ran under CSP
        page.goto(f"{base}/cases")
        page.locator("tr", has_text=TARGET).locator("a").first.click()
        expect(page.locator("h1")).to_contain_text(TARGET)
        expect(page.locator("table.reasons")).to_be_visible()
        page.click("button.to-triage")
        expect(page.locator(".flash.ok")).to_contain_text("moved to triage")
        page.click("button.to-confirmed")
        expect(page.locator(".flash.ok")).to_contain_text("moved to confirmed")
        page.select_option("form.decide select[name=kind]", "suspend_site")
        page.fill("form.decide input[name=reason]", "ICBC credential phishing kit")
        page.check("form.decide input[name=confirm]")
        page.click("form.decide button")
        expect(page.locator(".flash.ok")).to_contain_text("needs a second approver")
        assert control.requests == []
        case_url = page.url.split("?")[0]
        log_out()

        log_in(page, base, "bob")
        page.goto(f"{base}/approvals")
        row = page.locator("tr", has_text=TARGET)
        row.locator("input[name=confirm]").check()
        row.locator("button", has_text="Approve").click()
        expect(page.locator(".flash.ok")).to_contain_text("approved and executed")
        (suspend,) = control.events("suspend_site")
        assert control.requests[0]["signature_ok"] and TARGET in suspend["payload"]["site"]
        log_out()

        (notice,) = customer.events("notice.restriction")
        appeal_url = notice["payload"]["appeal_url"]
        assert appeal_url.startswith(f"{base}/appeal/")
        customer_page = browser.new_context().new_page()  # the customer: no session at all
        customer_page.goto(appeal_url)
        expect(customer_page.locator(".appeal")).to_contain_text("suspend_site")
        customer_page.fill("textarea[name=message]", "This is our licensed reseller page.")
        customer_page.click("button[type=submit]")
        expect(customer_page.locator(".flash.ok")).to_contain_text("appeal was received")

        log_in(page, base, "ana")
        page.goto(f"{base}/appeals")
        form = page.locator("tr", has_text=TARGET).locator("form.decide-appeal")
        form.locator("select[name=outcome]").select_option("restore")
        form.locator("input[name=reason]").fill("reseller licence verified")
        form.locator("button").click()
        expect(page.locator(".flash.ok")).to_contain_text("restored")
        (restore,) = control.events("restore_site")
        assert restore["payload"]["reverses_action_id"] == suspend["payload"]["action_id"]
        page.goto(case_url)
        expect(page.locator(".case-head .state")).to_have_text("restored")
        expect(page.locator(".timeline")).to_contain_text("reseller licence verified")
        assert not [e for e in errors if "Content Security Policy" in e], errors
