"""The spine end to end on the real demo farm: inventory -> scan jobs -> verdicts -> cases."""

from __future__ import annotations

import asyncio
import io
import json

import pytest

from sitewarden.demo.farm import FarmHandle
from sitewarden.demo.sites import SITES, inventory_rows
from sitewarden.pipeline import scan_saved_page
from sitewarden.sources.inventory import import_inventory
from sitewarden.store import migrate, repos
from sitewarden.store.schema import Case, Job, Scan
from sitewarden.work.api import Context
from sitewarden.work.inprocess import Worker
from tests.conftest import need_chromium


def _load_demo(ctx: Context, farm: FarmHandle) -> None:
    data = "\n".join(json.dumps(r) for r in inventory_rows(farm.port)).encode()
    result = import_inventory(ctx, io.BytesIO(data), "json")
    assert result.committed and result.imported == len(SITES)


def test_demo_inventory_is_scanned_and_fraud_opens_cases(ctx: Context, demo_farm: FarmHandle) -> None:
    _load_demo(ctx, demo_farm)
    asyncio.run(Worker(ctx, 2).run(until_idle=True))
    with ctx.store.read() as s:
        assert {j.state for j in s.query(Job)} == {"done"}
        scans = s.query(Scan).all()
        assert len(scans) == len(SITES) and {sc.status for sc in scans} <= {"done", "failed"}
        done = [sc for sc in scans if sc.status == "done"]
        assert len(done) >= len(SITES) - 2  # a site whose redirect the SSRF guard refuses may fail
        for sc in done:
            assert sc.verdict is not None and sc.manifest_sha256 and sc.verdict.reasons is not None
            manifest = json.loads(ctx.blobs.get(sc.manifest_sha256))
            assert ctx.blobs.get(manifest["parts"]["body"])  # raw body kept as evidence
        cases = s.query(Case).all()
        by_host = {c.subject: c for c in cases}
    fraud_hosts = {site.host for site in SITES if site.label == "fraud"}
    opened = fraud_hosts & set(by_host)
    # The spine must turn most fraud sites into cases, each with reasons; the page engine's own tests and
    # benchmark hold the detection-quality bar.
    assert len(opened) >= len(fraud_hosts) * 0.6, sorted(fraud_hosts - opened)
    for host in opened:
        with ctx.store.read() as s:
            case = repos.get_case(s, by_host[host].id)
            assert case is not None and case.tenant is not None and case.scans
            assert case.scans[0].scan.signals, f"case {host} has no reasons"


def test_a_failed_fetch_is_recorded_not_retried(ctx: Context, demo_farm: FarmHandle) -> None:
    import_inventory(ctx, io.BytesIO(b"tenant,url\nt,http://nowhere.invalid/\n"), "csv")
    with ctx.store.read() as s:
        scan_id = s.query(Scan).one().id
    asyncio.run(Worker(ctx, 1).run(until_idle=True))
    with ctx.store.read() as s:
        scan = repos.get_scan(s, scan_id)
        assert scan is not None and scan.status == "failed" and scan.error and scan.error_kind
        assert s.query(Job).one().attempts == 1 and s.query(Case).count() == 0


def test_rescan_appends_evidence_to_the_same_case(ctx: Context, demo_farm: FarmHandle) -> None:
    fraud = next(s for s in SITES if s.label == "fraud" and s.fraud_type == "investment_scam")
    row = next(r for r in inventory_rows(demo_farm.port) if fraud.host in r["url"])
    import_inventory(ctx, io.BytesIO(json.dumps([row]).encode()), "json")
    asyncio.run(Worker(ctx, 1).run(until_idle=True))
    ctx.enqueue("rescan_sites", {})
    asyncio.run(Worker(ctx, 1).run(until_idle=True))
    with ctx.store.read() as s:
        cases = s.query(Case).all()
        assert len(cases) == 1
        case = repos.get_case(s, cases[0].id)
        assert case is not None and len(case.scans) == 2
        assert [e.kind for e in case.events] == ["opened", "review", "evidence"]


def test_saved_page_is_analysed_without_fetching(ctx: Context) -> None:
    html = """<html><head><title>中国工商银行 个人网上银行</title></head><body>
      <h1>工商银行 网上银行登录</h1><form action="http://collect.example.top/p.php" method="post">
      <input name="card" placeholder="银行卡号"><input type="password" name="pwd" placeholder="登录密码">
      <input name="sms" placeholder="短信验证码"></form></body></html>""".encode()
    rec = scan_saved_page(ctx, html, "http://icbc-verify.example.top/login")
    assert rec["verdict"] in ("review", "block") and rec["reasons"]
    assert rec["http_status"] is None and "saved page" in rec["render_note"]
    assert ctx.blobs.get(rec["evidence"]["body"]) == html


def test_auto_action_policy_acts_only_above_threshold_and_under_caps(ctx: Context, demo_farm: FarmHandle) -> None:
    """With auto-action on (dry-run enforcement), the pipeline hands each new case to the policy."""
    ctx.settings = ctx.settings.model_copy(update={
        "auto_action_enabled": True, "auto_action_threshold": 0.9, "auto_action_global_hourly_cap": 2,
        "enforcement_dry_run": True,
    })
    _load_demo(ctx, demo_farm)
    asyncio.run(Worker(ctx, 2).run(until_idle=True))
    with ctx.store.read() as s:
        cases = s.query(Case).all()
        auto = [c for c in cases if c.state in ("confirmed", "actioned")]
        assert 1 <= len(auto) <= 2, [(c.subject, c.state, c.score) for c in cases]
        assert all(c.score >= 0.9 for c in auto)
        assert all(c.state == "open" for c in cases if c not in auto)


@pytest.mark.postgres
def test_spine_on_postgres(pg_store, settings, demo_farm: FarmHandle) -> None:  # type: ignore[no-untyped-def]
    """The same inventory -> scans -> verdicts -> cases loop with PostgreSQL as the database."""
    migrate.upgrade(pg_store)
    ctx = Context.from_settings(settings, pg_store)
    _load_demo(ctx, demo_farm)
    asyncio.run(Worker(ctx, 2).run(until_idle=True))
    with ctx.store.read() as s:
        assert {j.state for j in s.query(Job)} == {"done"}
        assert s.query(Scan).filter(Scan.status == "done").count() >= len(SITES) - 2
        assert s.query(Case).count() >= 5


@pytest.mark.browser
def test_rendered_scan_keeps_screenshot_and_sees_script_built_forms(ctx: Context, demo_farm: FarmHandle) -> None:
    """Chromium renders through the vetting proxy; the DOM after scripts reveals a JS-built phishing form."""
    need_chromium()
    ctx.settings = ctx.settings.model_copy(update={"render_enabled": True, "render_timeout_seconds": 30.0})
    host = "zfb-anquan-zhongxin.com"
    row = next(r for r in inventory_rows(demo_farm.port) if host in r["url"])
    import_inventory(ctx, io.BytesIO(json.dumps([row]).encode()), "json")
    asyncio.run(Worker(ctx, 1).run(until_idle=True))
    with ctx.store.read() as s:
        scan = s.query(Scan).one()
        assert scan.status == "done" and scan.rendered, scan.render_note
        manifest = json.loads(ctx.blobs.get(scan.manifest_sha256))
        assert ctx.blobs.get(manifest["parts"]["screenshot"]).startswith(b"\x89PNG")
        assert "password" in {k for f in scan.facts["forms"] for k in f["input_kinds"]}, (scan.facts["title"], scan.render_note, scan.facts["forms"])
        assert scan.verdict is not None and scan.verdict.verdict != "allow"


def test_redirect_to_cloud_metadata_is_refused_and_becomes_a_case(ctx: Context, demo_farm: FarmHandle) -> None:
    """The farm's go.dwz-jump.top sends visitors to 169.254.169.254: the guard refuses it even with private
    targets allowed, and the attempt itself is recorded as a reason to review the site."""
    row = next(r for r in inventory_rows(demo_farm.port) if "go.dwz-jump.top" in r["url"])
    import_inventory(ctx, io.BytesIO(json.dumps([row]).encode()), "json")
    asyncio.run(Worker(ctx, 1).run(until_idle=True))
    with ctx.store.read() as s:
        scan = s.query(Scan).one()
        assert scan.status == "failed" and scan.error_kind == "blocked_address"
        assert scan.verdict is not None and scan.verdict.verdict == "review"
        assert [r["signal"] for r in scan.verdict.reasons] == ["redirect_to_internal"]
        assert "169.254.169.254" in scan.verdict.reasons[0]["detail"]
        assert s.query(Case).one().subject == "go.dwz-jump.top"
