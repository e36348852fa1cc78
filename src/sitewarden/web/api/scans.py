"""Scans: queue one for a URL, read one back with its verdict, reasons and evidence hashes."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from sitewarden.normalise.urls import InvalidInput, canonical_url
from sitewarden.pipeline import queue_scan
from sitewarden.store import repos
from sitewarden.store.schema import Scan
from sitewarden.web.auth import Principal, require
from sitewarden.web.deps import get_ctx
from sitewarden.work.api import Context

router = APIRouter(prefix="/api/v1", tags=["scans"])


class ScanRequest(BaseModel):
    url: str = Field(..., min_length=1, max_length=2000, description="URL, host or domain to scan.")


def scan_summary(scan: Scan) -> dict[str, Any]:
    v = scan.verdict
    return {
        "id": scan.id,
        "url": scan.url,
        "status": scan.status,
        "final_url": scan.final_url,
        "verdict": v.verdict if v else None,
        "score": v.score if v else None,
        "fraud_type": v.fraud_type if v else None,
        "brand": v.brand if v else None,
        "error": scan.error,
        "error_kind": scan.error_kind,
        "created_at": scan.created_at.isoformat(),
        "finished_at": scan.finished_at.isoformat() if scan.finished_at else None,
    }


def scan_detail(scan: Scan) -> dict[str, Any]:
    out = scan_summary(scan)
    out.update(
        {
            "asset_id": scan.asset_id,
            "http_status": scan.http_status,
            "ip": scan.ip,
            "kit_hash": scan.kit_hash,
            "rendered": scan.rendered,
            "render_note": scan.render_note,
            "reasons": scan.verdict.reasons if scan.verdict else [],
            "evidence": {"manifest": scan.manifest_sha256},
            "redirects": (scan.fetch_info or {}).get("redirects", []),
            "tls": (scan.fetch_info or {}).get("tls"),
            "timings": scan.timings,
            "facts": scan.facts,
        }
    )
    return out


@router.post("/scans", status_code=202, responses={202: {"description": "Queued"}, 422: {"description": "Bad URL"}})
def create_scan(
    body: ScanRequest, ctx: Context = Depends(get_ctx), who: Principal = Depends(require("triage"))
) -> JSONResponse:
    """Queue a scan; poll GET /api/v1/scans/{id} until status is done or failed."""
    try:
        url = canonical_url(body.url)
    except InvalidInput as exc:
        raise HTTPException(422, f"url: {exc}") from None
    with ctx.store.write() as s:
        scan = queue_scan(s, url, asset_id=None, settings=ctx.settings)
        repos.audit(s, who.username, "scan.create", f"scan:{scan.id}", {"url": url})
        out = scan_summary(scan)
    return JSONResponse(out, status_code=202, headers={"Location": f"/api/v1/scans/{out['id']}"})


@router.get("/scans/{scan_id}", dependencies=[Depends(require("read"))])
def get_scan(scan_id: int, ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    with ctx.store.read() as s:
        scan = repos.get_scan(s, scan_id)
        if scan is None:
            raise HTTPException(404, f"no scan {scan_id}")
        out = scan_detail(scan)
        # Other sites whose page has the same DOM skeleton: copies of one phishing kit.
        out["kit_shared_with"] = repos.sites_sharing_kit(s, scan.kit_hash, scan.id) if scan.kit_hash else []
    if scan.manifest_sha256:
        out["evidence"] = {"manifest": scan.manifest_sha256,
                           **json.loads(ctx.blobs.get(scan.manifest_sha256)).get("parts", {})}
    return out
