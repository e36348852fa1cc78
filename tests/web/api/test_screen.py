"""`POST /api/v1/screen/domains`: single and batch screening, clear 422s, optional observation storage."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from sitewarden.store.schema import Observation
from sitewarden.web.api import screen
from sitewarden.web.auth import Principal
from sitewarden.work.api import Context

URL = "/api/v1/screen/domains"


def client_as(ctx: Context, role: str) -> TestClient:
    app = FastAPI()
    app.state.ctx = ctx
    app.include_router(screen.router)
    app.dependency_overrides[screen.reader] = lambda: Principal(1, "tester", role, "session")
    return TestClient(app)


@pytest.fixture
def analyst(ctx: Context) -> TestClient:
    return client_as(ctx, "analyst")


def test_one_name(analyst: TestClient) -> None:
    response = analyst.post(URL, json={"name": "hxxps://paypal-account-verify-login[.]xyz/signin"})
    assert response.status_code == 200
    body = response.json()
    assert body["stored"] == 0 and len(body["records"]) == 1
    rec = body["records"][0]
    assert rec["host"] == "paypal-account-verify-login.xyz" and rec["verdict"] in ("review", "block")
    assert rec["brand"] and rec["reasons"][0]["weight"] >= rec["reasons"][-1]["weight"]


def test_many_names_keep_order_and_bad_ones_become_error_records(analyst: TestClient) -> None:
    names = ["example.com", "not a host", "baidu.com"]
    records = analyst.post(URL, json={"names": names}).json()["records"]
    assert [r["input"] for r in records] == names
    assert records[1]["error"].startswith("names[1]: ") and "error" not in records[0]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({}, "exactly one of 'name'"),
        ({"name": "a.com", "names": ["b.com"]}, "exactly one of 'name'"),
        ({"names": []}, "at least 1"),
        ({"names": ["a.com"] * (screen.MAX_NAMES + 1)}, f"at most {screen.MAX_NAMES}"),
        ({"name": 42}, "valid string"),
        ({"names": "a.com"}, "valid list"),
        ({"name": "a.com", "stroe": True}, "Extra inputs"),
        ({"name": "a" * 3000}, "at most 2048"),
    ],
)
def test_bad_bodies_get_a_clear_422(analyst: TestClient, body: dict, needle: str) -> None:
    response = analyst.post(URL, json=body)
    assert response.status_code == 422
    assert needle in str(response.json()["detail"])


def test_store_records_observations_once(analyst: TestClient, ctx: Context) -> None:
    body = {"names": ["example.com", "example.com", "bad host"], "store": True}
    assert analyst.post(URL, json=body).json()["stored"] == 1
    assert analyst.post(URL, json=body).json()["stored"] == 0
    with ctx.store.read() as s:
        rows = s.scalars(select(Observation).where(Observation.source == screen.OBSERVATION_SOURCE)).all()
        assert [r.value for r in rows] == ["example.com"] and rows[0].payload["verdict"]


def test_store_needs_triage_permission(ctx: Context) -> None:
    response = client_as(ctx, "auditor").post(URL, json={"name": "example.com", "store": True})
    assert response.status_code == 403 and "triage" in response.json()["detail"]


def test_big_batches_run_off_the_event_loop(analyst: TestClient) -> None:
    names = [f"site{i}.example.net" for i in range(screen.INLINE_NAMES + 5)]
    assert len(analyst.post(URL, json={"names": names}).json()["records"]) == len(names)
