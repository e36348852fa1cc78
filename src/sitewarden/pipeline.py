"""One scan end to end: fetch -> render -> evidence -> analyse -> score -> verdict -> case.

The scan task, `sitewarden scan` and `POST /api/v1/scans` all run this same code; the stages it calls are
pure (analysis, scoring) or behind their own seams (fetcher, renderer, store, evidence).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from sitewarden.act import enforce
from sitewarden.domain.models import Assessment, FraudType, Verdict
from sitewarden.enrich.fetch import FetchResult, fetch
from sitewarden.enrich.page import PageFacts, analyse
from sitewarden.normalise.domains import parse_host
from sitewarden.normalise.urls import InvalidInput
from sitewarden.score.domains.engine import assess_domain
from sitewarden.score.fetch_outcome import assess_fetch_outcome
from sitewarden.score.pages.combine import PageAssessment, score_page
from sitewarden.score.pages.kit import kit_hash
from sitewarden.score.pages.reputation import FeedHit, RelatedFacts
from sitewarden.settings import Settings
from sitewarden.store import jobs, repos
from sitewarden.store.blobs import BlobStore
from sitewarden.store.schema import Scan, utcnow
from sitewarden.work.api import Context, PermanentError

SCAN_TASK = "scan"
SEARCH_REFERER = "https://www.baidu.com/s?wd="


def queue_scans(s: Session, targets: list[tuple[str, int | None]], settings: Settings) -> list[int]:
    """Create scan rows and their jobs in the caller's transaction, so both commit or neither does."""
    scan_ids = repos.create_scans(s, targets)
    jobs.enqueue_many(
        s, SCAN_TASK, [({"scan_id": i}, f"scan:{i}") for i in scan_ids], max_attempts=settings.job_max_attempts
    )
    return scan_ids


def queue_scan(s: Session, url: str, *, asset_id: int | None, settings: Settings) -> Scan:
    (scan_id,) = queue_scans(s, [(url, asset_id)], settings)
    scan = repos.get_scan(s, scan_id)
    assert scan is not None
    return scan


@dataclass
class Capture:
    """Everything fetched and rendered for one URL, before scoring."""

    desktop: FetchResult
    mobile: FetchResult | None = None
    render: Any = None  # RenderResult when Chromium ran
    render_note: str | None = None
    evidence: dict[str, str] = field(default_factory=dict)
    manifest_sha256: str | None = None

    @property
    def rendered(self) -> bool:
        """Chromium produced a DOM (a page that never finished loading still has one as it stood)."""
        return self.render is not None and bool(self.render.dom_html)

    @property
    def final_url(self) -> str:
        if self.rendered and self.render.final_url:
            return self.render.final_url
        return self.desktop.final_url

    @property
    def html(self) -> bytes | str:
        return self.render.dom_html if self.rendered else self.desktop.body


async def capture(ctx: Context, url: str, *, pin_ip: str | None, render: bool | None = None) -> Capture:
    """Fetch as a desktop crawler and as a phone from a search engine; render in Chromium if possible."""
    settings = ctx.settings
    desktop, mobile = await asyncio.gather(
        fetch(url, settings, pin_ip=pin_ip),
        fetch(url, settings, profile="mobile", referer=SEARCH_REFERER + subject_of(url), pin_ip=pin_ip),
    )
    cap = Capture(desktop=desktop, mobile=mobile)
    want_render = settings.render_enabled if render is None else render
    if want_render and desktop.error is None:
        pool, note = await _render_pool(ctx)
        if pool is None:
            cap.render_note = f"static analysis only: {note}"
        else:
            cap.render = await pool.render(url, pin_ip=pin_ip)
            if cap.render.error:
                kept = "page as it stood kept" if cap.rendered else "static analysis used"
                cap.render_note = f"render ended early ({cap.render.error_kind}: {cap.render.error}); {kept}"
    elif not want_render:
        cap.render_note = "static analysis only: rendering disabled"
    return cap


async def _render_pool(ctx: Context) -> tuple[Any, str]:
    """The worker's long-lived browser pool, started on first use; (None, reason) without Chromium."""
    if "render_pool" in ctx.resources:
        return ctx.resources["render_pool"], ""
    if "render_unavailable" in ctx.resources:
        return None, ctx.resources["render_unavailable"]
    lock = ctx.resources.setdefault("render_lock", asyncio.Lock())
    async with lock:
        if "render_pool" in ctx.resources:
            return ctx.resources["render_pool"], ""
        try:
            from sitewarden.enrich.render import RenderPool, RenderUnavailable
        except ImportError as exc:
            ctx.resources["render_unavailable"] = f"Playwright is not installed ({exc})"
            return None, ctx.resources["render_unavailable"]
        ok, reason = RenderPool.available(ctx.settings)
        if not ok:
            ctx.resources["render_unavailable"] = reason
            return None, reason
        pool = RenderPool(ctx.settings)
        try:
            await pool.__aenter__()
        except RenderUnavailable as exc:
            ctx.resources["render_unavailable"] = f"Chromium did not start ({exc})"
            return None, ctx.resources["render_unavailable"]
        ctx.resources["render_pool"] = pool
        return pool, ""


async def close_resources(ctx: Context) -> None:
    pool = ctx.resources.pop("render_pool", None)
    if pool is not None:
        await pool.__aexit__(None, None, None)


def store_evidence(blobs: BlobStore, cap: Capture, scan_id: int | None) -> None:
    """Write every captured part once, content-addressed, plus a manifest naming them by hash."""
    parts: dict[str, str] = {}
    d = cap.desktop
    if d.body:
        parts["body"] = blobs.put(d.body)
    parts["headers"] = blobs.put(json.dumps(d.to_dict(), sort_keys=True, default=str).encode())
    if cap.mobile is not None and cap.mobile.body:
        parts["mobile_body"] = blobs.put(cap.mobile.body)
    r = cap.render
    if r is not None:
        if r.dom_html:
            parts["dom"] = blobs.put(r.dom_html.encode("utf-8", "replace"))
        if r.screenshot_png:
            parts["screenshot"] = blobs.put(r.screenshot_png)
        parts["requests"] = blobs.put(json.dumps(r.requests + r.blocked, default=str).encode())
    manifest = {
        "scan_id": scan_id,
        "url": d.url,
        "final_url": cap.final_url,
        "captured_at": utcnow().isoformat(),
        "parts": parts,
    }
    cap.evidence = parts
    cap.manifest_sha256 = blobs.put(json.dumps(manifest, sort_keys=True).encode())


def domain_assessment(host: str, settings: Settings) -> Assessment | None:
    """The domain engine's view of the host, as one more input to the page verdict."""
    try:
        return assess_domain(host, settings)
    except InvalidInput:
        return None


def assess(
    cap: Capture, settings: Settings, related_for: Callable[[PageFacts, str], RelatedFacts] | None = None
) -> tuple[PageFacts, PageAssessment]:
    """Analyse the captured page (rendered DOM when there is one) and score it with its context."""
    facts = analyse(cap.html, cap.final_url, cap.desktop.headers)
    mobile = None
    if cap.mobile is not None and cap.mobile.error is None and cap.mobile.body:
        mobile = analyse(cap.mobile.body, cap.mobile.final_url, cap.mobile.headers)
    host = facts.host or subject_of(cap.final_url)
    related = related_for(facts, kit_hash(facts.dom_tokens)) if related_for else None
    result = score_page(
        facts, host, domain_assessment=domain_assessment(host, settings), other_profile=mobile, related=related,
        settings=settings,
    )
    return facts, result


def listed_names(urls: list[str]) -> list[str]:
    """The hosts of these URLs and their registrable domains: the names a feed may list."""
    names: set[str] = set()
    for url in urls:
        try:
            info = parse_host(url)
        except InvalidInput:
            continue
        names |= {info.host, info.registrable_domain}
    return sorted(names)


def subject_of(url: str) -> str:
    try:
        return parse_host(url).host
    except InvalidInput:
        return url[:300]


async def run_scan(ctx: Context, scan_id: int, *, render: bool | None = None) -> dict[str, Any]:
    """The scan task body. Idempotent: a finished scan is left as it is."""
    with ctx.store.write() as s:
        scan = repos.get_scan(s, scan_id)
        if scan is None:
            raise PermanentError(f"scan {scan_id} does not exist")
        if scan.status in ("done", "failed"):
            return {"scan_id": scan_id, "status": scan.status}
        asset = repos.get_asset(s, scan.asset_id) if scan.asset_id else None
        pin_ip = asset.ip if asset else None
        scan.status, scan.started_at = "running", utcnow()
        url = scan.url

    cap = await capture(ctx, url, pin_ip=pin_ip, render=render)
    await asyncio.to_thread(store_evidence, ctx.blobs, cap, scan_id)
    d = cap.desktop
    fetch_info = d.to_dict()
    fetch_info["mobile"] = cap.mobile.to_dict() if cap.mobile else None
    if cap.render is not None:
        fetch_info["render"] = {
            "final_url": cap.render.final_url, "error": cap.render.error, "requests": len(cap.render.requests),
            "blocked": cap.render.blocked[:50], "timings": cap.render.timings,
        }

    if d.error is not None and not d.body:
        outcome = assess_fetch_outcome(d.error_kind, d.error, d.redirects, ctx.settings)
        with ctx.store.write() as s:
            scan = repos.get_scan(s, scan_id)
            assert scan is not None
            _fill_scan(scan, cap, fetch_info)
            scan.status = "failed"
            decided = _decide(ctx, s, scan, outcome) if outcome else {}
        return {"scan_id": scan_id, "status": "failed", "error_kind": d.error_kind, **decided}

    cert = (d.tls or {}).get("sha256")

    def related_for(facts: PageFacts, k_hash: str) -> RelatedFacts:
        with ctx.store.read() as s:
            rel = repos.related_confirmed(s, kit_hash=k_hash, ip=d.ip, cert=cert, exclude_scan=scan_id)
            examples = repos.sites_sharing_kit(s, k_hash, exclude_scan=scan_id) if rel["kit"] else []
            hits = [
                FeedHit(o.source.removeprefix("feed:"), o.value,
                        FraudType(o.payload["fraud_type"]) if o.payload.get("fraud_type") else None)
                for o in repos.feed_listings(s, listed_names([d.url, cap.final_url]))
            ]
        return RelatedFacts(
            feed_hits=hits, ip=d.ip or "", confirmed_same_ip=rel["ip"], certificate_sha256=cert or "",
            confirmed_same_certificate=rel["cert"], confirmed_same_kit=rel["kit"], kit_examples=examples,
        )

    facts, result = await asyncio.to_thread(assess, cap, ctx.settings, related_for)
    with ctx.store.write() as s:
        scan = repos.get_scan(s, scan_id)
        assert scan is not None
        _fill_scan(scan, cap, fetch_info)
        scan.kit_hash = result.kit_hash
        scan.cert_sha256 = cert
        scan.facts = facts.to_dict()
        scan.status = "done"
        decided = _decide(ctx, s, scan, result.assessment)
    return {"scan_id": scan_id, "status": "done", **decided}


def _decide(ctx: Context, s: Session, scan: Scan, a: Assessment) -> dict[str, Any]:
    """Store the verdict with its reasons; anything not allowed opens (or adds to) a case for the policy."""
    subject = subject_of(scan.url)
    fraud_type = a.fraud_type.value if a.fraud_type else None
    repos.save_verdict(
        s, scan, subject=subject, verdict=a.verdict.value, score=a.score, fraud_type=fraud_type, brand=a.brand,
        signals=a.reasons(),
    )
    asset = repos.get_asset(s, scan.asset_id) if scan.asset_id else None
    if asset is not None:
        asset.last_scan_at = utcnow()
    if a.verdict == Verdict.ALLOW:
        return {"verdict": a.verdict.value, "case_id": None, "policy": []}
    case, created = repos.open_or_append_case(
        s, tenant=asset.tenant if asset else None, asset_id=scan.asset_id, subject=subject, scan=scan,
        verdict=a.verdict.value, score=a.score, fraud_type=fraud_type, brand=a.brand,
    )
    if created:
        repos.audit(s, "system", "case.opened", f"case:{case.id}",
                    {"subject": subject, "scan_id": scan.id, "verdict": a.verdict.value})
    notes = enforce.on_new_verdict(s, ctx.settings, case, created)
    return {"verdict": a.verdict.value, "case_id": case.id, "policy": notes}


def _fill_scan(scan: Scan, cap: Capture, fetch_info: dict[str, Any]) -> None:
    d = cap.desktop
    scan.final_url = cap.final_url
    scan.http_status = d.status
    scan.ip = d.ip
    scan.error, scan.error_kind = d.error, d.error_kind
    scan.rendered = cap.rendered
    scan.render_note = cap.render_note
    scan.manifest_sha256 = cap.manifest_sha256
    scan.fetch_info = json.loads(json.dumps(fetch_info, default=str))
    scan.timings = dict(d.timings)
    scan.finished_at = utcnow()


def scan_record(cap: Capture, facts: PageFacts | None, a: Assessment | None, kit: str | None = None) -> dict[str, Any]:
    """The public shape of a scan, shared by the CLI and the API."""
    d = cap.desktop
    return {
        "url": d.url,
        "final_url": cap.final_url,
        "verdict": a.verdict.value if a else None,
        "score": round(a.score, 4) if a else None,
        "fraud_type": a.fraud_type.value if a and a.fraud_type else None,
        "brand": a.brand if a else None,
        "reasons": a.reasons() if a else [],
        "kit_hash": kit,
        "title": facts.title if facts else None,
        "http_status": d.status,
        "redirects": d.redirects,
        "rendered": cap.rendered,
        "render_note": cap.render_note,
        "evidence": {"manifest": cap.manifest_sha256, **cap.evidence},
        "timings": d.timings,
        "error": d.error,
        "error_kind": d.error_kind,
    }


async def scan_now(ctx: Context, url: str, *, render: bool | None = None, pin_ip: str | None = None) -> dict[str, Any]:
    """An ad-hoc scan outside the queue (CLI): capture, keep evidence, score, return the record."""
    cap = await capture(ctx, url, pin_ip=pin_ip, render=render)
    await asyncio.to_thread(store_evidence, ctx.blobs, cap, None)
    d = cap.desktop
    if d.error is not None and not d.body:
        return scan_record(cap, None, assess_fetch_outcome(d.error_kind, d.error, d.redirects, ctx.settings))
    facts, result = await asyncio.to_thread(assess, cap, ctx.settings, None)
    return scan_record(cap, facts, result.assessment, result.kit_hash)


def scan_saved_page(ctx: Context, html: bytes, as_url: str) -> dict[str, Any]:
    """Analyse a page an analyst received (e.g. attached to an abuse report) without fetching anything."""
    cap = Capture(desktop=FetchResult(url=as_url, final_url=as_url, body=html, status=None))
    cap.render_note = "saved page: not fetched, not rendered"
    store_evidence(ctx.blobs, cap, None)
    facts, result = assess(cap, ctx.settings, None)
    return scan_record(cap, facts, result.assessment, result.kit_hash)
