"""Hosted sites: list with their latest verdict, and one site with its scan history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query

from sitewarden.domain.models import Verdict
from sitewarden.store import repos
from sitewarden.store.schema import Asset, Scan
from sitewarden.web.api.scans import scan_summary
from sitewarden.web.auth import require
from sitewarden.web.deps import get_ctx
from sitewarden.work.api import Context

router = APIRouter(prefix="/api/v1", tags=["sites"], dependencies=[Depends(require("read"))])


def site_dict(asset: Asset, latest: Scan | None) -> dict[str, Any]:
    return {
        "id": asset.id,
        "url": asset.value,
        "host": asset.host,
        "registrable_domain": asset.registrable_domain,
        "ip": asset.ip,
        "tenant": asset.tenant.key,
        "tenant_name": asset.tenant.name,
        "active": asset.active,
        "last_scan_at": asset.last_scan_at.isoformat() if asset.last_scan_at else None,
        "latest_scan": scan_summary(latest) if latest else None,
    }


@router.get("/sites")
def list_sites(
    tenant: str | None = Query(None, max_length=200),
    verdict: Verdict | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    ctx: Context = Depends(get_ctx),
) -> dict[str, Any]:
    with ctx.store.read() as s:
        rows = repos.list_sites(s, tenant_key=tenant, verdict=verdict.value if verdict else None,
                                limit=limit, offset=offset)
        return {"items": [site_dict(a, sc) for a, sc in rows], "limit": limit, "offset": offset}


@router.get("/sites/{site_id}")
def get_site(site_id: int, ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    with ctx.store.read() as s:
        asset = repos.get_asset(s, site_id)
        if asset is None or asset.kind != "site":
            raise HTTPException(404, f"no site {site_id}")
        scans = repos.site_scans(s, site_id)
        latest = next((sc for sc in scans if sc.status in ("done", "failed")), None)
        out = site_dict(asset, latest)
        out["scans"] = [scan_summary(sc) for sc in scans]
        return out
