"""Two-phase enforcement against a real local webhook receiver: signature, retries, idempotency, dry run,
four eyes, caps, reversal, and policy auto-action from a new verdict."""

from __future__ import annotations

import json

import pytest

from sitewarden.act import cases as wf
from sitewarden.act import enforce
from sitewarden.act.actions import adapter_for, restrictive_kinds
from sitewarden.act.actions.webhook import send_signed
from sitewarden.settings import Settings
from sitewarden.store import casework, jobs
from sitewarden.store.schema import Job
from sitewarden.work.api import Context
from tests.casework_support import SECRET, make_case, webhook_receiver


def wired(ctx: Context, url: str, **extra: object) -> Context:
    settings = ctx.settings.model_copy(update={
        "enforcement_webhook_url": url, "enforcement_webhook_secret": ctx.settings.enforcement_webhook_secret.__class__(
            SECRET.decode()), "enforcement_webhook_backoff_seconds": 0.01, **extra,
    })
    return Context(settings, ctx.store, ctx.blobs)


def confirmed_case(ctx: Context, subject: str = "evil.example", **kw: object) -> int:
    case_id = make_case(ctx.store, subject, **kw)  # type: ignore[arg-type]
    with ctx.store.write() as s:
        wf.transition(s, wf.load(s, case_id), "confirmed", "ana")
    return case_id


def test_registry_has_one_adapter_per_target() -> None:
    kinds = restrictive_kinds()
    assert kinds == {"suspend_site": "restore_site", "client_hold": "release_hold", "suspend_account": "restore_account"}
    assert adapter_for("restore_site").name == "hosting" and adapter_for("release_hold").name == "registrar"
    with pytest.raises(KeyError, match="no adapter performs action kind 'nuke'"):
        adapter_for("nuke")


def test_four_eyes_then_signed_delivery_and_reversal(ctx: Context) -> None:
    with webhook_receiver() as rx:
        c = wired(ctx, rx.url)
        case_id = confirmed_case(c)
        with c.store.write() as s:
            action = enforce.propose(s, c.settings, wf.load(s, case_id), "suspend_site", "ana", "phishing kit")
        assert action.state == "decided" and not rx.requests  # phase one only
        assert [e["scan_id"] for e in action.request["evidence"]] != []  # evidence pinned at decision time
        with pytest.raises(enforce.EnforcementError, match="needs approval"):
            enforce.execute(c, action.id)
        with c.store.write() as s, pytest.raises(enforce.EnforcementError, match="four-eyes"):
            enforce.approve(s, action.id, "ana")
        with c.store.write() as s:
            enforce.approve(s, action.id, "bob")
        done = enforce.execute(c, action.id, "bob")
        assert done.state == "executed" and done.attempts == 1
        (req,) = rx.requests
        assert req["signature_ok"] and req["headers"]["X-Sitewarden-Event"] == "suspend_site"
        body = json.loads(req["body"])
        assert body["site"] == "http://evil.example/" and body["idempotency_key"] == done.idempotency_key
        with c.store.read() as s:
            assert wf.load(s, case_id).state == "actioned"
            assert [a.id for a in enforce.executed_restrictions(s, case_id)] == [action.id]

        assert enforce.execute(c, action.id).state == "executed"  # idempotent: no second delivery
        assert len(rx.requests) == 1
        with c.store.write() as s:
            reversal = enforce.reverse(s, action.id, "bob", "customer cleaned up")
            assert enforce.reverse(s, action.id, "bob", "again").id == reversal.id
        assert enforce.execute(c, reversal.id).state == "executed"
        assert [e["payload"]["reverses_action_id"] for e in rx.events("restore_site")] == [action.id]
        with c.store.read() as s:
            assert enforce.executed_restrictions(s, case_id) == []


def test_retries_on_500_then_succeeds_once(ctx: Context) -> None:
    with webhook_receiver(fail_first=2) as rx:
        c = wired(ctx, rx.url)
        case_id = confirmed_case(c)
        with c.store.write() as s:
            action = enforce.propose(s, c.settings, wf.load(s, case_id), "client_hold", "ana", "fraud domain")
            enforce.approve(s, action.id, "bob")
        done = enforce.execute(c, action.id)
        assert done.state == "executed" and done.attempts == 3
        keys = {r["headers"]["Idempotency-Key"] for r in rx.requests}
        assert len(rx.requests) == 3 and keys == {done.idempotency_key}
        assert len(rx.events("client_hold")) == 1
        assert rx.events("client_hold")[0]["payload"]["status"] == "clientHold"


def test_replay_of_a_delivery_has_no_duplicate_effect() -> None:
    with webhook_receiver() as rx:
        for _ in range(3):
            out = send_signed(rx.url, SECRET, "suspend_site", {"x": 1}, "key-1", attempts=1, backoff=0)
            assert out.ok
        assert len(rx.requests) == 3 and len(rx.effects) == 1
        bad = send_signed(rx.url, b"wrong-secret", "suspend_site", {"x": 2}, "key-2", attempts=3, backoff=0)
        assert not bad.ok and bad.attempts == 1 and bad.detail["status"] == 401  # 4xx: no retry
        assert "key-2" not in rx.effects


def test_unreachable_endpoint_fails_and_can_be_retried(ctx: Context) -> None:
    c = wired(ctx, "http://127.0.0.1:9/hook", enforcement_webhook_attempts=2)
    case_id = confirmed_case(c)
    with c.store.write() as s:
        action = enforce.propose(s, c.settings, wf.load(s, case_id), "suspend_account", "ana", "r")
        enforce.approve(s, action.id, "bob")
    failed = enforce.execute(c, action.id)
    assert failed.state == "failed" and failed.attempts == 2 and "error" in failed.result
    with c.store.read() as s:
        assert wf.load(s, case_id).state == "confirmed"  # nothing happened, nothing claimed


def test_dry_run_sends_nothing(ctx: Context) -> None:
    with webhook_receiver() as rx:
        c = wired(ctx, rx.url, enforcement_dry_run=True)
        case_id = confirmed_case(c)
        with c.store.write() as s:
            action = enforce.propose(s, c.settings, wf.load(s, case_id), "suspend_site", "ana", "r")
            enforce.approve(s, action.id, "bob")
        done = enforce.execute(c, action.id)
        assert done.dry_run and done.state == "executed" and done.result["would_send"]["event"] == "suspend_site"
        assert rx.requests == []


def test_propose_rules(ctx: Context) -> None:
    c = wired(ctx, "", action_hourly_cap=1)
    open_case = make_case(c.store, "open.example")
    with c.store.write() as s, pytest.raises(enforce.EnforcementError, match="confirm it"):
        enforce.propose(s, c.settings, wf.load(s, open_case), "suspend_site", "ana", "r")
    case_id = confirmed_case(c, "a.example")
    with c.store.write() as s:
        with pytest.raises(enforce.EnforcementError, match="unknown action kind 'delete_everything'"):
            enforce.propose(s, c.settings, wf.load(s, case_id), "delete_everything", "ana", "r")
        first = enforce.propose(s, c.settings, wf.load(s, case_id), "suspend_site", "ana", "r")
        assert enforce.propose(s, c.settings, wf.load(s, case_id), "suspend_site", "ana", "again").id == first.id
    other = confirmed_case(c, "b.example")
    with c.store.write() as s, pytest.raises(enforce.EnforcementError, match="hourly cap reached"):
        enforce.propose(s, c.settings, wf.load(s, other), "suspend_site", "ana", "r")


def _auto(settings: Settings, ctx: Context, subject: str, tenant: str, score: float) -> tuple[list[str], int]:
    case_id = make_case(ctx.store, subject, tenant=tenant, score=score)
    with ctx.store.write() as s:
        notes = enforce.on_new_verdict(s, settings, wf.load(s, case_id), True)
    return notes, case_id


def test_policy_auto_action_under_caps(ctx: Context) -> None:
    settings = ctx.settings.model_copy(update={
        "auto_action_enabled": True, "auto_action_threshold": 0.95, "auto_action_tenant_hourly_cap": 1,
    })
    notes, low = _auto(settings, ctx, "low.example", "t1", 0.9)
    assert "below" in notes[0]
    notes, high = _auto(settings, ctx, "high.example", "t1", 0.99)
    assert "queued" in notes[-1]
    notes, capped = _auto(settings, ctx, "high2.example", "t1", 0.99)
    assert "per-tenant automatic hourly cap" in notes[0]
    notes, other = _auto(settings, ctx, "high3.example", "t2", 0.99)
    assert "queued" in notes[-1]
    with ctx.store.read() as s:
        assert wf.load(s, low).state == "open" and wf.load(s, capped).state == "open"
        assert wf.load(s, high).state == "confirmed"
        (auto_action,) = casework.case_actions(s, high)
        assert auto_action.auto and auto_action.state == "approved" and auto_action.approved_by == "policy"
        queued = [j for j in s.query(Job).all() if j.task == enforce.EXECUTE_TASK]
        assert [j.payload["action_id"] for j in queued] == [auto_action.id, casework.case_actions(s, other)[0].id]
        assert jobs.pending_count(s) >= 2


def test_auto_action_is_executed_by_the_worker(ctx: Context) -> None:
    import asyncio

    from sitewarden.work.inprocess import Worker

    with webhook_receiver() as rx:
        c = wired(ctx, rx.url, auto_action_enabled=True, auto_action_threshold=0.95, notify_webhook_url=rx.url)
        notes, case_id = _auto(c.settings, c, "auto.example", "t1", 0.99)
        assert "queued" in notes[-1] and rx.requests == []  # decided now, executed by the queue
        asyncio.run(Worker(c, 1).run(until_idle=True))
        (event,) = rx.events("suspend_site")
        assert event["payload"]["reason"].startswith("score 0.990")
        assert len(rx.events("notice.restriction")) == 1
        with c.store.read() as s:
            assert wf.load(s, case_id).state == "actioned"
            (action,) = casework.case_actions(s, case_id)
            assert action.auto and action.decided_by == "policy" and action.state == "executed"
