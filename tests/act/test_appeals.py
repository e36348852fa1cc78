"""Notices and appeals end to end through the REST API: suspension approved by a second person, notice
with appeal link by webhook and e-mail, customer appeal with the token, restore at once, outcome notice."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from pydantic import SecretStr

from sitewarden.store import casework
from sitewarden.web.app import create_app
from sitewarden.web.auth import create_token, create_user
from sitewarden.work.api import Context
from tests.casework_support import SECRET, make_case, smtp_sink, webhook_receiver


def bearer(ctx: Context, user: str, role: str) -> dict[str, str]:
    create_user(ctx.store, user, f"{user}-password-123", role)
    _, token = create_token(ctx.store, user, "t", ["read", "triage", "approve"][: {"analyst": 2, "approver": 3}[role]],
                            None, actor="test")
    return {"Authorization": f"Bearer {token}"}


def test_appeal_flow_restores_at_once(ctx: Context) -> None:
    with webhook_receiver() as control, webhook_receiver() as customer, smtp_sink() as (smtp_port, mails):
        settings = ctx.settings.model_copy(update={
            "enforcement_webhook_url": control.url, "enforcement_webhook_secret": SecretStr(SECRET.decode()),
            "notify_webhook_url": customer.url, "smtp_host": "127.0.0.1", "smtp_port": smtp_port,
            "public_url": "https://abuse.example.net", "enforcement_webhook_backoff_seconds": 0.01,
        })
        c = Context(settings, ctx.store, ctx.blobs)
        api = TestClient(create_app(settings, c))
        ana, bob = bearer(c, "ana", "analyst"), bearer(c, "bob", "approver")
        case_id = make_case(c.store, "bank-login.example", contact_email="owner@customer.example")

        assert api.post(f"/api/v1/cases/{case_id}/transition", json={"to": "confirmed"}, headers=ana).status_code == 200
        r = api.post(f"/api/v1/cases/{case_id}/actions", json={"kind": "suspend_site", "reason": "kit"}, headers=ana)
        assert r.status_code == 201 and r.json()["state"] == "decided", r.text
        action_id = r.json()["id"]
        assert api.post(f"/api/v1/actions/{action_id}/approve", headers=ana).status_code == 403  # analyst role
        r = api.post(f"/api/v1/actions/{action_id}/approve", headers=bob)
        assert r.status_code == 200 and r.json()["state"] == "executed", r.text
        assert len(control.events("suspend_site")) == 1

        (notice,) = customer.events("notice.restriction")
        body = notice["payload"]
        assert body["found"]["reasons"][0]["detail"] == "credential form for a bank brand"
        assert body["action"]["kind"] == "suspend_site"
        assert body["appeal_url"].startswith("https://abuse.example.net/appeal/")
        token = body["appeal_url"].rsplit("/", 1)[1]
        (mail,) = mails
        assert b"owner@customer.example" in mail and token.encode() in mail
        with c.store.read() as s:
            stored = casework.case_notices(s, case_id)
            assert {n.channel for n in stored} == {"email", "webhook"} and all(n.status == "sent" for n in stored)
            assert token not in json.dumps([n.body for n in stored])  # the link is a credential

        assert api.get("/api/v1/appeal/" + "x" * 30).status_code == 404
        view = api.get(f"/api/v1/appeal/{token}").json()
        assert view["restrictions"] == ["suspend_site"] and view["appeal_state"] == "invited"
        assert api.post(f"/api/v1/appeal/{token}", json={"message": ""}).status_code == 422
        r = api.post(f"/api/v1/appeal/{token}", json={"message": "It is our own bank's site.", "contact": "+1"})
        assert r.status_code == 202
        assert api.post(f"/api/v1/appeal/{token}", json={"message": "again"}).status_code == 409

        queue = api.get("/api/v1/appeals", params={"state": "pending"}, headers=ana).json()["items"]
        assert [a["case_id"] for a in queue] == [case_id]
        r = api.post(f"/api/v1/appeals/{queue[0]['id']}/decide", json={"outcome": "restore", "reason": "verified owner"},
                     headers=ana)
        assert r.status_code == 200 and r.json()["state"] == "restored", r.text
        (restore,) = control.events("restore_site")
        assert restore["payload"]["reverses_action_id"] == action_id
        case = api.get(f"/api/v1/cases/{case_id}", headers=ana).json()
        assert case["state"] == "restored"
        kinds = [e["kind"] for e in case["timeline"]]
        assert "action.executed" in kinds and kinds[-1] == "state"
        assert case["timeline"][-1]["detail"] == {"from": "appealed", "to": "restored", "note": "verified owner"}
        (outcome,) = customer.events("notice.appeal_decision")
        assert outcome["payload"]["outcome"] == "restored" and outcome["payload"]["reason"] == "verified owner"
        assert api.get(f"/api/v1/appeal/{token}").json()["restrictions"] == []


def test_uphold_keeps_the_restriction(ctx: Context) -> None:
    settings = ctx.settings.model_copy(update={"enforcement_dry_run": True})
    c = Context(settings, ctx.store, ctx.blobs)
    api = TestClient(create_app(settings, c))
    ana, bob = bearer(c, "ana", "analyst"), bearer(c, "bob", "approver")
    case_id = make_case(c.store)
    api.post(f"/api/v1/cases/{case_id}/transition", json={"to": "confirmed"}, headers=ana)
    assert api.post(f"/api/v1/cases/{case_id}/appeal-link", headers=ana).status_code == 409  # nothing in force
    action_id = api.post(f"/api/v1/cases/{case_id}/actions", json={"kind": "suspend_site", "reason": "k"},
                         headers=ana).json()["id"]
    assert api.post(f"/api/v1/actions/{action_id}/approve", headers=bob).json()["dry_run"] is True
    with c.store.read() as s:  # no channel configured: the notice is recorded as skipped ...
        assert [n.status for n in casework.case_notices(s, case_id)] == ["skipped"]
    r = api.post(f"/api/v1/cases/{case_id}/appeal-link", headers=ana)  # ... so staff issue a link by hand
    assert r.status_code == 201 and r.json()["appeal_url"].startswith("http://127.0.0.1:8000/appeal/")
    token = r.json()["appeal_url"].rsplit("/", 1)[1]
    assert api.post(f"/api/v1/appeal/{token}", json={"message": "please"}).status_code == 202
    appeal_id = api.get("/api/v1/appeals", headers=ana).json()["items"][0]["id"]
    r = api.post(f"/api/v1/appeals/{appeal_id}/decide", json={"outcome": "uphold", "reason": "kit confirmed"},
                 headers=ana)
    assert r.json()["state"] == "upheld"
    assert api.get(f"/api/v1/cases/{case_id}", headers=ana).json()["state"] == "upheld"
    assert api.get(f"/api/v1/appeal/{token}").json()["restrictions"] == ["suspend_site"]
