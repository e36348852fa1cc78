"""REST API of the spine: health, OpenAPI, inventory import, sites, scans, cases; auth on every call."""

from __future__ import annotations

import asyncio
import json

import pytest
from fastapi.testclient import TestClient

from sitewarden.demo.farm import FarmHandle
from sitewarden.demo.sites import SITES, inventory_rows
from sitewarden.web.app import create_app
from sitewarden.web.auth import create_token, create_user
from sitewarden.work.api import Context
from sitewarden.work.inprocess import Worker


@pytest.fixture
def api(ctx: Context) -> TestClient:
    create_user(ctx.store, "ana", "analyst-password-1", "analyst")
    create_user(ctx.store, "aud", "auditor-password-1", "auditor")
    client = TestClient(create_app(ctx.settings, ctx))
    _, analyst = create_token(ctx.store, "ana", "t", ["read", "triage"], None, actor="test")
    _, auditor = create_token(ctx.store, "aud", "t", ["read"], None, actor="test")
    client.headers_analyst = {"Authorization": f"Bearer {analyst}"}  # type: ignore[attr-defined]
    client.headers_auditor = {"Authorization": f"Bearer {auditor}"}  # type: ignore[attr-defined]
    return client


def test_health_and_openapi(api: TestClient) -> None:
    r = api.get("/api/v1/health")
    assert r.status_code == 200 and r.json()["status"] == "ok" and r.json()["database"] == "sqlite"
    spec = api.get("/api/openapi.json").json()
    for path in ("/api/v1/inventory", "/api/v1/sites", "/api/v1/sites/{site_id}", "/api/v1/scans",
                 "/api/v1/scans/{scan_id}", "/api/v1/cases", "/api/v1/cases/{case_id}"):
        assert path in spec["paths"], path


@pytest.mark.parametrize(("method", "path"), [("get", "/api/v1/sites"), ("get", "/api/v1/cases"),
                                              ("post", "/api/v1/scans"), ("post", "/api/v1/inventory")])
def test_no_credentials_is_401(api: TestClient, method: str, path: str) -> None:
    assert getattr(api, method)(path).status_code == 401


def test_auditor_reads_but_cannot_import_or_scan(api: TestClient) -> None:
    h = api.headers_auditor  # type: ignore[attr-defined]
    assert api.get("/api/v1/sites", headers=h).status_code == 200
    assert api.post("/api/v1/scans", json={"url": "http://a.example/"}, headers=h).status_code == 403
    r = api.post("/api/v1/inventory", content=b"tenant,url\nt,http://a.example/\n",
                 headers={**h, "Content-Type": "text/csv"})
    assert r.status_code == 403


def test_inventory_to_cases_through_the_api(api: TestClient, ctx: Context, demo_farm: FarmHandle) -> None:
    h = api.headers_analyst  # type: ignore[attr-defined]
    body = "\n".join(json.dumps(r) for r in inventory_rows(demo_farm.port)).encode()
    r = api.post("/api/v1/inventory", content=body, headers={**h, "Content-Type": "application/x-ndjson"})
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == len(SITES) and r.json()["committed"]
    asyncio.run(Worker(ctx, 2).run(until_idle=True))

    sites = api.get("/api/v1/sites", params={"limit": 1000}, headers=h).json()["items"]
    assert len(sites) == len(SITES)
    assert all(s["latest_scan"] and s["latest_scan"]["status"] in ("done", "failed") for s in sites)
    one = api.get(f"/api/v1/sites/{sites[0]['id']}", headers=h).json()
    assert one["scans"] and one["tenant"]

    cases = api.get("/api/v1/cases", params={"state": "live"}, headers=h).json()["items"]
    assert cases
    case = api.get(f"/api/v1/cases/{cases[0]['id']}", headers=h).json()
    assert case["scans"][0]["reasons"] and case["timeline"][0]["kind"] == "opened"
    assert case["scans"][0]["evidence"]["manifest"]
    assert api.get("/api/v1/cases/999999", headers=h).status_code == 404


def test_inventory_rejection_is_422_and_writes_nothing(api: TestClient) -> None:
    h = {**api.headers_analyst, "Content-Type": "text/csv"}  # type: ignore[attr-defined]
    r = api.post("/api/v1/inventory", content=b"tenant,url\nt,http://a.example/\nt,ftp://b.example/\n", headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["line"] == 3 and not r.json()["committed"]
    assert api.get("/api/v1/sites", headers=api.headers_analyst).json()["items"] == []  # type: ignore[attr-defined]
    r = api.post("/api/v1/inventory", params={"partial": True},
                 content=b"tenant,url\nt,http://a.example/\nt,ftp://b.example/\n", headers=h)
    assert r.status_code == 200 and r.json()["imported"] == 1 and r.json()["errors"][0]["line"] == 3
    r = api.post("/api/v1/inventory", content=b"tenant,colour\n", headers=h)
    assert r.status_code == 400 and "unknown column" in r.json()["detail"]
    r = api.post("/api/v1/inventory", content=b"x", headers={**h, "Content-Type": "application/pdf"})
    assert r.status_code == 415


def test_scan_create_and_get(api: TestClient, ctx: Context, demo_farm: FarmHandle) -> None:
    h = api.headers_analyst  # type: ignore[attr-defined]
    # The farm answers an unknown Host (here its IP) with 404: a recorded outcome with evidence.
    r = api.post("/api/v1/scans", json={"url": f"http://127.0.0.1:{demo_farm.port}/"}, headers=h)
    assert r.status_code == 202 and r.headers["location"].endswith(str(r.json()["id"]))
    asyncio.run(Worker(ctx, 1).run(until_idle=True))
    scan = api.get(r.headers["location"], headers=h).json()
    assert scan["status"] in ("done", "failed") and scan["evidence"]["manifest"]
    for bad in ({"url": "javascript:alert(1)"}, {"url": ""}, {}, {"url": "http://"}):
        assert api.post("/api/v1/scans", json=bad, headers=h).status_code == 422
    assert api.get("/api/v1/scans/424242", headers=h).status_code == 404


def test_scan_lists_the_other_sites_sharing_its_kit(api: TestClient, ctx: Context, demo_farm: FarmHandle) -> None:
    """The farm hosts two copies of one ICBC kit on different customers' hosts."""
    h = api.headers_analyst  # type: ignore[attr-defined]
    rows = [r for r in inventory_rows(demo_farm.port) if "icbc-" in r["url"]]
    assert len(rows) == 2
    body = "\n".join(json.dumps(r) for r in rows).encode()
    api.post("/api/v1/inventory", content=body, headers={**h, "Content-Type": "application/x-ndjson"})
    asyncio.run(Worker(ctx, 1).run(until_idle=True))
    sites = api.get("/api/v1/sites", headers=h).json()["items"]
    scans = [api.get(f"/api/v1/scans/{s['latest_scan']['id']}", headers=h).json() for s in sites]
    for scan, other in ((scans[0], scans[1]), (scans[1], scans[0])):
        assert scan["kit_hash"] and scan["kit_hash"] == other["kit_hash"]
        assert scan["kit_shared_with"] == [other["final_url"]]
