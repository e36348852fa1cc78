"""Operators add and override protected brands through the API; scoring sees them at once."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from sitewarden.normalise.domains import parse_host
from sitewarden.score.brands import default_catalogue, refresh_default_catalogue
from sitewarden.score.domains.lookalike import detect
from sitewarden.web.app import create_app
from sitewarden.web.auth import create_token, create_user
from sitewarden.work.api import Context

ACME = {"id": "acmebank", "name": "Acme Bank", "category": "bank", "domains": ["acme-bank.example"],
        "names": ["Acme Bank"], "keywords": ["acmebank"]}


@pytest.fixture
def client(ctx: Context) -> TestClient:
    refresh_default_catalogue()
    create_user(ctx.store, "root", "admin-password-1", "admin")
    create_user(ctx.store, "ana", "analyst-password-1", "analyst")
    c = TestClient(create_app(ctx.settings, ctx))
    _, admin = create_token(ctx.store, "root", "t", ["read", "admin"], None, actor="test")
    _, analyst = create_token(ctx.store, "ana", "t", ["read", "triage"], None, actor="test")
    c.admin = {"Authorization": f"Bearer {admin}"}  # type: ignore[attr-defined]
    c.analyst = {"Authorization": f"Bearer {analyst}"}  # type: ignore[attr-defined]
    yield c
    refresh_default_catalogue()


def test_admin_adds_a_brand_that_scoring_then_protects(client: TestClient) -> None:
    assert not detect(parse_host("acmebank-login.example.top"), default_catalogue())
    r = client.put("/api/v1/brands/acmebank", json=ACME, headers=client.admin)  # type: ignore[attr-defined]
    assert r.status_code == 200, r.text
    signals = detect(parse_host("acmebank-login.example.top"), default_catalogue())
    assert signals and signals[0].brand == "acmebank"
    listed = client.get("/api/v1/brands", params={"q": "acme"}, headers=client.analyst).json()["items"]  # type: ignore[attr-defined]
    assert [b["id"] for b in listed] == ["acmebank"] and listed[0]["operator"]
    assert client.delete("/api/v1/brands/acmebank", headers=client.admin).status_code == 204  # type: ignore[attr-defined]
    assert default_catalogue().get("acmebank") is None
    assert client.delete("/api/v1/brands/acmebank", headers=client.admin).status_code == 404  # type: ignore[attr-defined]


def test_analyst_cannot_edit_and_bad_brands_are_refused(client: TestClient) -> None:
    assert client.put("/api/v1/brands/acmebank", json=ACME, headers=client.analyst).status_code == 403  # type: ignore[attr-defined]
    bad = {**ACME, "domains": ["not a domain"]}
    r = client.put("/api/v1/brands/acmebank", json=bad, headers=client.admin)  # type: ignore[attr-defined]
    assert r.status_code == 422 and "domains" in r.json()["detail"]
    r = client.put("/api/v1/brands/other", json=ACME, headers=client.admin)  # type: ignore[attr-defined]
    assert r.status_code == 422 and "differs" in r.json()["detail"]
    assert default_catalogue().get("acmebank") is None


def test_override_of_a_shipped_brand(client: TestClient) -> None:
    icbc = client.get("/api/v1/brands/icbc", headers=client.analyst).json()  # type: ignore[attr-defined]
    icbc["domains"] = [*icbc["domains"], "icbc-new-portal.example"]
    r = client.put("/api/v1/brands/icbc", json=icbc, headers=client.admin)  # type: ignore[attr-defined]
    assert r.status_code == 200, r.text
    assert default_catalogue().official_brand("icbc-new-portal.example").id == "icbc"  # type: ignore[union-attr]
